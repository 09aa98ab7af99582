// Runs the bundled CLI (as bin/kms-policy.js does) and reports its peak RSS on fd 3.
const { writeSync } = require('node:fs');
const { main } = require('../../dist/cli.js');
main(process.argv.slice(2)).then((code) => (process.exitCode = code));
process.on('exit', () => {
  try {
    writeSync(3, JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024 }));
  } catch {
    /* fd 3 not open */
  }
});
