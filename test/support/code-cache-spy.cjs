// Preloaded (node -r) into the server by test/lsp/startup.test.ts: reports on stderr whether a
// script compiled with a code cache had it accepted, so the test sees that main.ts uses the cache.
const vm = require('node:vm');
const { Script } = vm;
vm.Script = class extends Script {
  constructor(source, options) {
    super(source, options);
    if (options?.cachedData) process.stderr.write(`code cache of ${require('node:path').basename(options.filename)}: ${this.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
  }
};
