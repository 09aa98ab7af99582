/** Process entry: `kms-policy-language-server --stdio` (other editors) or IPC (the VS Code client). */
import { join } from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
startServer(createConnection(ProposedFeatures.all), {
  docsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'rules.md')).href,
  domainDocsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'domain-spec.md')).href,
  files: { readFile, findFiles },
});

/** A file's text, if it is a readable file URI of at most 2 MB. */
function readFile(uri: string): string | undefined {
  try {
    if (!uri.startsWith('file:')) return undefined;
    const path = fileURLToPath(uri);
    if (statSync(path).size > 2 * 1024 * 1024) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const SKIP = new Set(['node_modules', '.git', '.terraform', 'cdk.out', 'dist', 'out']);
const WANTED = /\.(kms-domain\.(json|ya?ml)|key-policy\.json|kms-policy\.json)$/i;

/** Domain specs and key policies under a folder (at most 5000 entries visited, no symlinks followed). */
function findFiles(folderUri: string): string[] {
  const out: string[] = [];
  let budget = 5000;
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (--budget < 0) return;
      if (e.isDirectory() && !SKIP.has(e.name)) visit(join(dir, e.name));
      else if (e.isFile() && WANTED.test(e.name)) out.push(pathToFileURL(join(dir, e.name)).href);
    }
  };
  try {
    if (folderUri.startsWith('file:')) visit(fileURLToPath(folderUri));
  } catch {
    /* not a local folder */
  }
  return out;
}
