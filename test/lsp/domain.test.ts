import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startServer, type ServerProcess } from '../support/lsp';

interface Diag { code: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; source?: string; data?: unknown }
interface Published { uri: string; version?: number; diagnostics: Diag[] }

/** One publishDiagnostics handler per connection (a second registration would replace the first); waiters filter what it sees. */
function publishes(server: ServerProcess) {
  const waiters: { target: string; accept: (p: Published) => boolean; resolve: (p: Published) => void }[] = [];
  server.connection.onNotification('textDocument/publishDiagnostics', (p: Published) => {
    for (const w of [...waiters]) {
      if (w.target === p.uri && w.accept(p)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(p);
      }
    }
  });
  return (target: string, accept: (p: Published) => boolean = () => true) => new Promise<Published>((resolve) => waiters.push({ target, accept, resolve }));
}

const SPEC = `domain: payments
account: "111122223333"
key:
  policy: ./payments.key-policy.json
principals:
  ci: role/ci
  api: role/payments-api
access:
  administer-resource: [ci]
  read-config: [ci, api]
  read-data: [api]
  write-data: [api]
`;

describe('domain specs over stdio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-lsp-domain-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const specPath = join(dir, 'payments.kms-domain.yaml');
  const policyPath = join(dir, 'payments.key-policy.json');
  const specUri = pathToFileURL(specPath).href;
  const policyUri = pathToFileURL(policyPath).href;

  test('edit a spec: drift appears on the open policy; the fix clears it; deleting the spec clears it; create and generate', async () => {
    writeFileSync(specPath, SPEC);
    writeFileSync(policyPath, readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'domain', 'cli', 'in-sync', 'payments.key-policy.json'), 'utf8'));
    const server = startServer();
    const nextPublish = publishes(server);
    try {
      await server.request('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }], capabilities: {} });
      await server.notify('initialized', {});
      let policyText = readFileSync(policyPath, 'utf8');
      const clean = nextPublish(policyUri);
      await server.notify('textDocument/didOpen', { textDocument: { uri: policyUri, languageId: 'json', version: 1, text: policyText } });
      assert.deepEqual((await clean).diagnostics.filter((d) => d.code.startsWith('drift')), [], 'in sync with the spec on disk');

      // Edit the spec: appB now reads data; the policy does not let it.
      const drifted = nextPublish(policyUri, (p) => p.diagnostics.some((d) => d.code === 'drift-missing-access'));
      const specOpened = nextPublish(specUri);
      await server.notify('textDocument/didOpen', { textDocument: { uri: specUri, languageId: 'yaml', version: 1, text: SPEC } });
      assert.deepEqual((await specOpened).diagnostics, []);
      const edited = SPEC.replace('  api: role/payments-api\n', '  api: role/payments-api\n  appB: role/appB\n').replace('read-data: [api]', 'read-data: [api, appB]');
      const specAfter = nextPublish(specUri, (p) => p.version === 2);
      await server.notify('textDocument/didChange', { textDocument: { uri: specUri, version: 2 }, contentChanges: [{ text: edited }] });
      const drift = (await drifted).diagnostics.filter((d) => d.code.startsWith('drift'));
      assert.deepEqual(drift.map((d) => d.message), ['appB should read payments data per the payments domain spec, but nothing here lets appB call Decrypt (+3 more read-data actions).']);
      assert.deepEqual((await specAfter).diagnostics.map((d) => d.code), ['spec-policy-out-of-date']);

      // Apply the fix.
      const actions = await server.request<{ title: string; edit?: { changes: Record<string, { range: Diag['range']; newText: string }[]> } }[]>('textDocument/codeAction', {
        textDocument: { uri: policyUri },
        range: drift[0].range,
        context: { diagnostics: drift, only: ['quickfix'] },
      });
      const fix = actions.find((a) => a.title === 'Rewrite the policy from the payments domain spec')!;
      assert.ok(fix, actions.map((a) => a.title).join(', '));
      // A governed policy's least-privilege rewrite comes from the spec, exactly, not from a suggestion.
      const rewrites = await server.request<{ title: string; kind: string }[]>('textDocument/codeAction', { textDocument: { uri: policyUri }, range: drift[0].range, context: { diagnostics: [], only: ['refactor.rewrite'] } });
      assert.ok(rewrites.some((a) => a.title === 'Rewrite to least privilege (from the payments domain spec)' && a.kind === 'refactor.rewrite'), rewrites.map((a) => a.title).join(', '));
      assert.ok(!rewrites.some((a) => /^Rewrite to least privilege \((key-policy-only|delegate-to-iam)\)/.test(a.title)), 'no suggestion-based rewrite on a governed policy');
      policyText = TextDocument.applyEdits(TextDocument.create(policyUri, 'json', 1, policyText), fix.edit!.changes[policyUri]);
      const fixed = nextPublish(policyUri, (p) => p.version === 2);
      const specClean = nextPublish(specUri, (p) => p.diagnostics.length === 0);
      await server.notify('textDocument/didChange', { textDocument: { uri: policyUri, version: 2 }, contentChanges: [{ text: policyText }] });
      assert.deepEqual((await fixed).diagnostics.filter((d) => d.code.startsWith('drift')), []);
      await specClean;

      // Close the spec (back to the disk's version, which now drifts the other way), then delete it.
      const back = nextPublish(policyUri, (p) => p.diagnostics.some((d) => d.code === 'drift-extra-access'));
      await server.notify('textDocument/didClose', { textDocument: { uri: specUri } });
      assert.match((await back).diagnostics.find((d) => d.code === 'drift-extra-access')!.message, /^appB can Decrypt \(\+3 more read-data actions\) here, but the payments domain spec gives appB no read-data\.$/);
      unlinkSync(specPath);
      const gone = nextPublish(policyUri, (p) => !p.diagnostics.some((d) => d.code.startsWith('drift')));
      await server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: specUri, type: 3 }] });
      await gone;

      // Create the spec back from the policy (a command), save it, and generate the policy from it (another).
      const edits: { documentChanges?: { edits?: { newText: string }[] }[]; changes?: Record<string, { newText: string }[]> }[] = [];
      server.connection.onRequest('workspace/applyEdit', (p: { edit: (typeof edits)[number] }) => {
        edits.push(p.edit);
        return { applied: true };
      });
      const created = await server.request<{ applied: boolean; uri: string }>('workspace/executeCommand', { command: 'kmsPolicy.createDomainSpec', arguments: [{ uri: policyUri }] });
      assert.deepEqual(created, { applied: true, uri: specUri });
      const specText = edits[0].documentChanges![1].edits![0].newText;
      assert.match(specText, /^# Created from payments\.key-policy\.json/);
      writeFileSync(specPath, specText);
      const governedAgain = nextPublish(policyUri);
      await server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: specUri, type: 1 }] });
      assert.deepEqual((await governedAgain).diagnostics.filter((d) => d.code.startsWith('drift')), [], 'the created spec reflects the policy');
      // The fix rewrote the policy to exactly what the spec generates: nothing to do.
      const generated = await server.request<{ applied: boolean; uri: string; message?: string }>('workspace/executeCommand', { command: 'kmsPolicy.generateKeyPolicy', arguments: [{ uri: specUri }] });
      assert.deepEqual(generated, { applied: true, uri: policyUri, message: 'Already up to date.' });
      assert.equal(edits.length, 1);
    } finally {
      server.kill();
    }
  });
});
