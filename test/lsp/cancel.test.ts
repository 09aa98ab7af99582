/**
 * $/cancelRequest on a long request: pull diagnostics of a 1 MB key policy run in slices of the
 * event loop, and a request cancelled while it runs is answered with RequestCancelled (-32800)
 * instead of a full report. The server is usable afterwards.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { initialize, open, positionOf, ROOT, startServer, type ServerProcess } from '../support/lsp';

const BIG = join(ROOT, 'bench', 'docs', 'stress-1mb.key-policy.json');
const TYPICAL = join(ROOT, 'bench', 'docs', 'typical.key-policy.json');
const REQUEST_CANCELLED = -32800;

type Report = { kind: string; items: { code?: string | number }[] };
type Outcome = { answered: 'result'; report: Report } | { answered: 'error'; code: number };

describe('cancellation of a long request', () => {
  let server: ServerProcess;
  let big: string;
  const bigUri = 'file:///work/big.key-policy.json';
  before(async () => {
    big = readFileSync(BIG, 'utf8');
    server = startServer();
    // Pull diagnostics (LSP 3.17), as VS Code asks for them.
    await initialize(server, {
      capabilities: { workspace: { configuration: true }, textDocument: { diagnostic: { dynamicRegistration: false } } },
    });
    await open(server, bigUri, big);
  });
  after(() => server.kill());

  const pull = (uri: string, token?: CancellationTokenSource['token']): Promise<Outcome> =>
    (token
      ? server.connection.sendRequest<Report>('textDocument/diagnostic', { textDocument: { uri } }, token)
      : server.connection.sendRequest<Report>('textDocument/diagnostic', { textDocument: { uri } })
    ).then(
      (report) => ({ answered: 'result' as const, report }),
      (e: { code: number; message?: string }) => ({ answered: 'error' as const, code: e.code, ...(e.code === REQUEST_CANCELLED ? {} : { message: e.message }) }),
    );

  test('a pull on a 1 MB document cancelled while it runs is answered with RequestCancelled', async () => {
    const source = new CancellationTokenSource();
    const running = pull(bigUri, source.token);
    // Messages are handled in order: once a request sent after the pull is answered, the pull has
    // been dispatched and has yielded to the event loop, so it is running, not queued.
    assert.equal(await server.request('textDocument/hover', { textDocument: { uri: 'file:///work/elsewhere.json' }, position: { line: 0, character: 0 } }), null);
    source.cancel();
    const outcome = await running;
    assert.deepEqual(outcome, { answered: 'error', code: REQUEST_CANCELLED });
  });

  test('the same pull, not cancelled, is answered with the full report', async () => {
    const outcome = await pull(bigUri);
    assert.equal(outcome.answered, 'result', JSON.stringify(outcome));
    const report = (outcome as { report: Report }).report;
    assert.equal(report.kind, 'full');
    assert.ok(report.items.some((d) => d.code === 'policy-too-large'), 'the 1 MB document gets its size note');
  });

  test('after an edit, cancelling again and pulling again still work', async () => {
    const at = positionOf(big, '"Sid": "', 8);
    await server.notify('textDocument/didChange', { textDocument: { uri: bigUri, version: 2 }, contentChanges: [{ range: { start: at, end: at }, text: 'x' }] });
    const source = new CancellationTokenSource();
    const running = pull(bigUri, source.token);
    assert.equal(await server.request('textDocument/hover', { textDocument: { uri: 'file:///work/elsewhere.json' }, position: { line: 0, character: 0 } }), null);
    source.cancel();
    assert.deepEqual(await running, { answered: 'error', code: REQUEST_CANCELLED });
    const again = await pull(bigUri);
    assert.equal(again.answered, 'result');
  });

  test('other documents are served as before', async () => {
    const typical = readFileSync(TYPICAL, 'utf8');
    const uri = 'file:///work/typical.key-policy.json';
    await open(server, uri, typical);
    const outcome = await pull(uri);
    assert.equal(outcome.answered, 'result', JSON.stringify(outcome));
    const hover = await server.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(typical, 'kms:Decrypt', 6) });
    assert.match(hover!.contents.value, /\*\*kms:Decrypt\*\*/);
    assert.deepEqual(server.log.filter((l) => l.type === 1), [], 'no error was logged');
  });
});
