/** The server over vscode-languageserver's node transports (stdio, IPC, socket, pipe): dist/lsp.js, loaded by main.ts. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../server';
import { findFiles, listTerraform, readFile } from './files';
import { headText } from './git';
import { testHooks } from './testHooks';

export function run(): void {
  // dist/lsp.js -> docs/rules.md, shipped beside it in the .vsix and in a checkout.
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection, {
    docsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'rules.md')).href,
    domainDocsUrl: pathToFileURL(join(__dirname, '..', 'docs', 'domain-spec.md')).href,
    files: { readFile, findFiles, listTerraform },
    // --expose-gc is one of the server's node flags (the bin's shebang).
    collectGarbage: (globalThis as { gc?: () => void }).gc,
    analysisHold: testHooks(connection),
    headText,
  });
}
