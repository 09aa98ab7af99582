// Bundles the extension client, the language server and the CLI with esbuild.
//
// The server is four files, so that start-up reads and compiles only what initialize needs:
//   dist/server.js   the process entry (node/main.ts): arguments, then requires lsp.js
//   dist/lsp.js      the LSP shell (node/lsp.ts, server.ts, vscode-languageserver): answers initialize
//   dist/service.js  the Workspace (service/workspace.ts), core and the catalog, required by server.ts on first use
//   dist/ajv.js      ajv, required by the domain spec schema validator when a spec is first checked
// lsp.js gets a V8 code cache, dist/lsp.js.cache, which server.js compiles it with (scripts/code-cache.mjs).
// The client starts the server with the node flags of the server bin's shebang and the server's
// environment (bin/server-node-flags.js).
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { LSP_WRAPPER, writeCodeCache } from './code-cache.mjs';

const { serverNodeFlags, SERVER_ENV } = createRequire(import.meta.url)('../bin/server-node-flags.js');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

/** Turns an import into a require() of a sibling file in dist/, left to run time. */
const sibling = (filter, file) => ({
  name: `external-${file}`,
  setup(b) {
    b.onResolve({ filter }, () => ({ path: `./${file}`, external: true }));
  },
});

await Promise.all([
  build({
    ...common,
    entryPoints: ['client/src/extension.ts'],
    outfile: 'dist/client.js',
    external: ['vscode'],
    define: { SERVER_NODE_FLAGS: JSON.stringify(serverNodeFlags()), SERVER_ENV: JSON.stringify(SERVER_ENV) },
  }),
  build({
    ...common,
    entryPoints: ['server/src/node/main.ts'],
    outfile: 'dist/server.js',
    plugins: [sibling(/^\.\/lsp$/, 'lsp.js')],
    define: { LSP_WRAPPER: JSON.stringify(LSP_WRAPPER) },
  }),
  build({ ...common, entryPoints: ['server/src/node/lsp.ts'], outfile: 'dist/lsp.js', plugins: [sibling(/^\.\/service\/workspace$/, 'service.js')] }),
  build({ ...common, entryPoints: ['server/src/service/workspace.ts'], outfile: 'dist/service.js', plugins: [sibling(/^ajv$/, 'ajv.js')] }),
  build({ ...common, stdin: { contents: "module.exports = require('ajv');", resolveDir: '.', loader: 'js' }, outfile: 'dist/ajv.js' }),
  build({ ...common, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js' }),
]);

// After the bundles: the cache is made by running lsp.js with the server's node flags.
await writeCodeCache(resolve('dist/lsp.js'), { nodeFlags: serverNodeFlags() });
