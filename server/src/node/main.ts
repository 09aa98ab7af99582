/** Process entry: `kms-policy-language-server --stdio` (other editors) or IPC (the VS Code client). */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { SERVER_NAME, startServer } from '../server';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${SERVER_NAME} 0.1.0\n`);
  process.exit(0);
}
if (args.includes('--help')) {
  process.stdout.write(`Usage: ${SERVER_NAME} [--stdio | --node-ipc | --socket=<port>]\nA language server for AWS KMS key policies. Defaults to --stdio.\n`);
  process.exit(0);
}
if (!args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  process.argv.push('--stdio');
}

// dist/server.js -> docs/rules.md, shipped beside it in the .vsix and in a checkout.
startServer(createConnection(ProposedFeatures.all), { docsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'rules.md')).href });
