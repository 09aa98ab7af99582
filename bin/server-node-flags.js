// How the language server process is started, written once:
// - its node flags: those of the shebang of kms-policy-language-server.js
//   (`#!/usr/bin/env -S node --flag ...`, which is how the bin runs when npm links it on Linux and
//   macOS);
// - its environment: SERVER_ENV over the editor's.
// The VS Code client gets both at build time (scripts/build.mjs), and the benchmark and the tests
// spawn the server with them (bench/lib/lsp.mjs, test/lsp/startup.test.ts).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function serverNodeFlags(bin = join(__dirname, 'kms-policy-language-server.js')) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const match = /^#!\s*\/usr\/bin\/env\s+-S\s+node\s+(.*)$/.exec(first);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * Set over the editor's environment. The server opens no network connection, so it needs no CA
 * certificates; a NODE_EXTRA_CA_CERTS set for the whole machine (common behind TLS-inspecting
 * proxies) makes node build its root certificate store before running any script, about 70 ms of
 * every start-up on a small machine. Empty means "none" to node. (Not in the shebang: npm's
 * Windows shims cannot express an empty value.)
 */
const SERVER_ENV = Object.freeze({ NODE_EXTRA_CA_CERTS: '' });

module.exports = { serverNodeFlags, SERVER_ENV };
