/**
 * Process entry: `kms-policy-language-server --stdio` (other editors) or IPC (the VS Code client).
 * This file is small on purpose: the LSP shell (node/lsp.ts: vscode-languageserver, server.ts) is
 * a separate bundle, and the language service is loaded later still, on first use (server.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { SERVER_NAME, SERVER_VERSION } from './initialize';

/** How lsp.js is compiled with its code cache (scripts/code-cache.mjs); set by the bundle only. */
declare const LSP_WRAPPER: { head: string; tail: string } | undefined;

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${SERVER_NAME} ${SERVER_VERSION}\n`);
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: ${SERVER_NAME} [--stdio | --node-ipc | --socket=<port>]\nA language server for AWS KMS key policies. Defaults to --stdio.\n`);
  process.exit(0);
}
if (!args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe') || a.startsWith('--clientProcessId'))) {
  process.argv.push('--stdio');
}

type Lsp = typeof import('./lsp');

/**
 * lsp.js, compiled with the V8 code cache the build writes beside it (dist/lsp.js.cache, made with
 * the server's node flags by scripts/code-cache.mjs): about a third of the time to the answer to
 * initialize is compiling lsp.js. It is required as usual without a cache (out/, or a bundle edited
 * since the build: it has another modification time) and with --enable-source-maps (node maps the
 * stack traces of required files only). A cache V8 rejects (another node, such as VS Code's
 * Electron, or other flags) only means compiling as usual. The server never writes the cache.
 */
function loadLsp(): Lsp {
  const file = join(__dirname, 'lsp.js');
  const script = withCodeCache(file);
  if (!script) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./lsp') as Lsp;
  }
  const lsp = { exports: {} as Lsp };
  script.runInThisContext()(lsp.exports, createRequire(file), lsp, file, dirname(file));
  return lsp.exports;
}

/** lsp.js compiled with its code cache, or undefined when there is none to use (or it cannot be read). */
function withCodeCache(file: string): Script | undefined {
  const sourceMaps = process.sourceMapsEnabled ?? process.execArgv.includes('--enable-source-maps'); // node < 20.7 has no sourceMapsEnabled
  if (typeof LSP_WRAPPER === 'undefined' || sourceMaps) return undefined;
  try {
    const cache = `${file}.cache`;
    const cached = statSync(cache, { throwIfNoEntry: false });
    if (!cached?.isFile() || cached.mtimeMs !== statSync(file).mtimeMs) return undefined;
    const source = LSP_WRAPPER.head + readFileSync(file, 'utf8') + LSP_WRAPPER.tail;
    return new Script(source, { filename: file, lineOffset: -1, cachedData: readFileSync(cache) });
  } catch {
    return undefined; // unreadable: compile as usual
  }
}

loadLsp().run();
