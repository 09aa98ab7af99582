/** The server over vscode-languageserver's node transports (stdio, IPC, socket, pipe): dist/lsp.js, loaded by main.ts. */
import { join } from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../server';

export function run(): void {
  // dist/lsp.js -> docs/rules.md, shipped beside it in the .vsix and in a checkout.
  startServer(createConnection(ProposedFeatures.all), {
    docsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'rules.md')).href,
    domainDocsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'domain-spec.md')).href,
    files: { readFile, findFiles },
  });
}

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
