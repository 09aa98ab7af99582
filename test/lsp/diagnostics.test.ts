import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { initialize, open, ROOT, startServer, type ServerProcess } from '../support/lsp';

interface Diag { code: string; message: string; range: { start: { line: number; character: number } }; codeDescription?: { href: string } }
interface Published { uri: string; version?: number; diagnostics: Diag[] }

const uri = 'file:///work/app.key-policy.json';
const bad = '{"Version": "2012-10-17", "Statement": [{"Sid": "App", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": "kms:Decrpyt", "Resource": "*"}, {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": ["kms:PutKeyPolicy", "kms:DescribeKey"], "Resource": "*"}]}';
const fixed = bad.replace('Decrpyt', 'Decrypt');

/** Resolves with the next publishDiagnostics for `uri` that satisfies `accept`. Attach before sending the change. */
function nextPublish(server: ServerProcess, target: string, accept: (p: Published) => boolean = () => true): Promise<Published> {
  return new Promise((resolve) => {
    const d = server.connection.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      if (p.uri === target && accept(p)) {
        d.dispose();
        resolve(p);
      }
    });
  });
}

describe('diagnostics over stdio', () => {
  test('push (a client without pull support): a typo is reported, fixed, and cleared', async () => {
    const server = startServer();
    try {
      const init = await initialize(server);
      assert.equal(init.capabilities.diagnosticProvider, undefined, 'no pull support declared: the server pushes');
      const first = nextPublish(server, uri);
      await open(server, uri, bad);
      const published = await first;
      assert.deepEqual(published.diagnostics.map((d) => d.code), ['unknown-action']);
      assert.match(published.diagnostics[0].message, /Did you mean "kms:Decrypt"/);
      assert.match(published.diagnostics[0].codeDescription!.href, /^file:\/\/.*docs\/rules\.md#unknown-action$/);
      const cleared = nextPublish(server, uri, (p) => p.version === 2);
      await server.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
      assert.deepEqual((await cleared).diagnostics, []);
      const other = nextPublish(server, 'file:///work/package.json');
      await open(server, 'file:///work/package.json', '{"name": "x", "version": 1, "kms": "kms:Decrpyt"}');
      assert.deepEqual((await other).diagnostics, [], 'other JSON gets nothing from us');
    } finally {
      server.kill();
    }
  });

  test('a broad policy: its problems are published, and a change to least privilege clears them', async () => {
    const server = startServer();
    try {
      await initialize(server);
      const broad = readFileSync(join(ROOT, 'examples', 'orders.key-policy.json'), 'utf8');
      const target = 'file:///work/orders.key-policy.json';
      const first = nextPublish(server, target);
      await open(server, target, broad);
      const codes = (await first).diagnostics.map((d) => d.code);
      for (const c of ['missing-deny-everyone-else', 'over-broad-grant', 'root-delegation']) assert.ok(codes.includes(c), `${c} in ${codes}`);
      const fixed = readFileSync(join(ROOT, 'test', 'fixtures', 'policies', 'article-least-privilege.json'), 'utf8');
      const cleared = nextPublish(server, target, (p) => p.version === 2);
      await server.notify('textDocument/didChange', { textDocument: { uri: target, version: 2 }, contentChanges: [{ text: fixed }] });
      const after = (await cleared).diagnostics as (Diag & { severity: number })[];
      assert.deepEqual(after.filter((d) => d.severity < 3), [], 'no error or warning left');
    } finally {
      server.kill();
    }
  });

  test('pull (LSP 3.17, as VS Code does): diagnostics per request, with rule settings applied', async () => {
    const server = startServer();
    try {
      const init = await initialize(server, {
        capabilities: { textDocument: { diagnostic: { dynamicRegistration: false } } },
        initializationOptions: { settings: { rules: { 'unknown-action': 'info' } } },
      });
      assert.ok(init.capabilities.diagnosticProvider, 'pull diagnostics announced');
      await open(server, uri, bad);
      const report = await server.request<{ kind: string; items: (Diag & { severity: number })[] }>('textDocument/diagnostic', { textDocument: { uri } });
      assert.equal(report.kind, 'full');
      assert.deepEqual(report.items.map((d) => [d.code, d.severity]), [['unknown-action', 3]]);
      await server.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
      const after = await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } });
      assert.deepEqual(after.items, []);
    } finally {
      server.kill();
    }
  });

  test('a document over the size limit gets one informational diagnostic and no analysis; the server stays responsive', async () => {
    const server = startServer();
    try {
      await initialize(server, { initializationOptions: { settings: { maxFileSize: 1000 } } });
      const big = '{"Statement": [' + '{"Action": "kms:Decrpyt"},'.repeat(100) + ']}';
      const published = nextPublish(server, 'file:///work/big.key-policy.json');
      await open(server, 'file:///work/big.key-policy.json', big);
      const p = await published;
      assert.deepEqual(p.diagnostics.map((d) => d.code), ['not-analyzed']);
      assert.equal(await server.request('textDocument/completion', { textDocument: { uri: 'file:///work/big.key-policy.json' }, position: { line: 0, character: 30 } }), null);
      const ok = nextPublish(server, uri);
      await open(server, uri, bad);
      assert.equal((await ok).diagnostics.length, 1);
    } finally {
      server.kill();
    }
  });
});
