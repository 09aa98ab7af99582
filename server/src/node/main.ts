/**
 * Process entry: `kms-policy-language-server --stdio` (other editors) or IPC (the VS Code client).
 * This file is small on purpose: the LSP shell (node/lsp.ts: vscode-languageserver, server.ts) is
 * a separate bundle, and the language service is loaded later still, on first use (server.ts).
 */
import { SERVER_NAME, SERVER_VERSION } from './initialize';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${SERVER_NAME} ${SERVER_VERSION}\n`);
  process.exit(0);
}
if (args.includes('--help')) {
  process.stdout.write(`Usage: ${SERVER_NAME} [--stdio | --node-ipc | --socket=<port>]\nA language server for AWS KMS key policies. Defaults to --stdio.\n`);
  process.exit(0);
}
if (!args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe') || a.startsWith('--clientProcessId'))) {
  process.argv.push('--stdio');
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./lsp') as typeof import('./lsp')).run();
