// The node flags the language server runs with, read from the one place they are written: the
// shebang of kms-policy-language-server.js (`#!/usr/bin/env -S node --flag ...`, which is how the
// bin runs when npm links it on Linux and macOS). The VS Code client gets them at build time
// (scripts/build.mjs) and the benchmark spawns the server with them (bench/lib/lsp.mjs).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function serverNodeFlags(bin = join(__dirname, 'kms-policy-language-server.js')) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const match = /^#!\s*\/usr\/bin\/env\s+-S\s+node\s+(.*)$/.exec(first);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
}

module.exports = { serverNodeFlags };
