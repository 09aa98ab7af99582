import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initialize, open, ROOT, startServer } from '../support/lsp';

interface Diag { code: string; severity: number; range: { start: { line: number; character: number }; end: { line: number; character: number } }; source: string; data?: unknown; message: string }
interface TextEdit { range: Diag['range']; newText: string }
interface Action { title: string; kind: string; edit?: { changes: Record<string, TextEdit[]> }; command?: { command: string }; disabled?: { reason: string }; diagnostics?: Diag[] }

const uri = 'file:///work/orders.key-policy.json';

describe('least-privilege rewrite over the wire', () => {
  test('codeAction offers the rewrite; executeCommand applies it through workspace/applyEdit; the diagnostics that asked for it are gone', async () => {
    const server = startServer();
    let text = readFileSync(join(ROOT, 'examples', 'orders.key-policy.json'), 'utf8');
    let version = 1;
    const applied: TextEdit[][] = [];
    server.connection.onRequest('workspace/applyEdit', async (params: { edit: { changes: Record<string, TextEdit[]> } }) => {
      const edits = params.edit.changes[uri];
      applied.push(edits);
      text = TextDocument.applyEdits(TextDocument.create(uri, 'json', version, text), edits);
      version++;
      await server.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return { applied: true };
    });
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } } });
      await open(server, uri, text);
      const before = await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } });
      const broad = before.items.filter((d) => d.code === 'over-broad-grant' || d.code === 'missing-deny-everyone-else');
      assert.ok(broad.length >= 2, 'the broad policy is reported');

      // As a quick fix on those diagnostics, and as a refactoring anywhere.
      const fixes = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: broad[0].range, context: { diagnostics: broad, only: ['quickfix'] } });
      const rewrite = fixes.find((a) => a.title.startsWith('Rewrite to least privilege (key-policy-only)'));
      assert.ok(rewrite?.edit, `rewrite offered: ${fixes.map((a) => a.title).join(' | ')}`);
      assert.match(rewrite!.title, /appA → read-data, write-data; ci → administer-resource, read-config/);
      assert.ok(fixes.some((a) => a.title.startsWith('Rewrite to least privilege (delegate-to-iam)')), 'both styles are offered to editors without a quick pick');
      assert.ok(!fixes.some((a) => a.command?.command === 'kmsPolicy.rewriteLeastPrivilege'), 'no interactive command for a client that did not ask for it');
      const refactors = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['refactor.rewrite'] } });
      assert.ok(refactors.some((a) => a.kind === 'refactor.rewrite' && a.title.startsWith('Rewrite to least privilege')));

      // The command path, with an explicit assignment.
      const result = await server.request<{ applied: boolean }>('workspace/executeCommand', {
        command: 'kmsPolicy.applyLeastPrivilege',
        arguments: [{ uri, version: 1, style: 'delegate-to-iam', assignment: [
          { principal: 'arn:aws:iam::111122223333:user/ci', capabilities: ['administer-resource', 'read-config'] },
          { principal: 'arn:aws:iam::111122223333:role/appA', capabilities: ['read-data', 'write-data'] },
        ] }],
      });
      assert.equal(result.applied, true);
      assert.equal(applied.length, 1);
      const json = JSON.parse(text);
      assert.equal(json.Statement.at(-1).Sid, 'DenyEveryoneElse');
      assert.equal(json.Statement[0].Sid, 'AllowRootDelegation', 'the surviving root statement keeps its Sid');
      const after = await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } });
      assert.deepEqual(after.items.filter((d) => d.severity < 3).map((d) => d.code), [], 'no error or warning left');

      // An assignment that would lock the key is refused, and nothing is applied.
      const refused = await server.request<{ applied: boolean; message: string }>('workspace/executeCommand', {
        command: 'kmsPolicy.applyLeastPrivilege',
        arguments: [{ uri, style: 'key-policy-only', assignment: [{ principal: 'arn:aws:iam::111122223333:role/appA', capabilities: ['read-data'] }] }],
      });
      assert.equal(refused.applied, false);
      assert.match(refused.message, /PutKeyPolicy/);
      assert.equal(applied.length, 1);
    } finally {
      server.kill();
    }
  });

  test('a client that has the quick pick gets the interactive action too, and the suggestion request answers', async () => {
    const server = startServer();
    try {
      await initialize(server, { initializationOptions: { interactiveRewrite: true } });
      const text = readFileSync(join(ROOT, 'examples', 'orders.key-policy.json'), 'utf8');
      await open(server, uri, text);
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } });
      assert.ok(actions.some((a) => a.command?.command === 'kmsPolicy.rewriteLeastPrivilege'));
      const suggestion = await server.request<{ principals: { principal: string; suggested: string[] }[]; style: string }>('kmsPolicy/suggestAssignment', { uri });
      assert.equal(suggestion.style, 'key-policy-only');
      assert.deepEqual(suggestion.principals.map((p) => [p.principal, p.suggested]), [
        ['arn:aws:iam::111122223333:role/appA', ['read-data', 'write-data']],
        ['arn:aws:iam::111122223333:user/ci', ['administer-resource', 'read-config']],
      ]);
    } finally {
      server.kill();
    }
  });
});
