/**
 * $/cancelRequest on a long request: pull diagnostics of a 1 MB key policy run in slices of the
 * event loop, and a request cancelled while it runs is answered with RequestCancelled (-32800)
 * instead of a full report. The server is usable afterwards.
 *
 * "While it runs" does not depend on how fast this machine is: the server is started with its test
 * hooks (server/src/node/testHooks.ts), which hold the analysis at its first slice boundary until
 * the test has sent the cancel. How soon a cancel is honoured is measured by `npm run bench`.
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
    server = startServer(['--stdio'], { testHooks: true });
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

  /**
   * A pull held at its first slice boundary, cancelled there, then released. Messages are handled
   * in order: once a request sent after the pull is answered, the pull has been dispatched and is
   * waiting at the hold, so it is running, not queued; the release says it held one analysis.
   */
  async function pullCancelledWhileRunning(uri: string): Promise<Outcome> {
    await server.request('kmsPolicy/test/holdNextAnalysis', null);
    const source = new CancellationTokenSource();
    const running = pull(uri, source.token);
    assert.equal(await server.request('textDocument/hover', { textDocument: { uri: 'file:///work/elsewhere.json' }, position: { line: 0, character: 0 } }), null);
    source.cancel();
    assert.deepEqual(await server.request('kmsPolicy/test/release', null), { released: 1 }, 'the pull was running (held at a slice boundary) when it was cancelled');
    return running;
  }

  test('a pull on a 1 MB document cancelled while it runs is answered with RequestCancelled', async () => {
    assert.deepEqual(await pullCancelledWhileRunning(bigUri), { answered: 'error', code: REQUEST_CANCELLED });
  });

  test('a held pull that is not cancelled is answered with the full report', async () => {
    await server.request('kmsPolicy/test/holdNextAnalysis', null);
    const running = pull(bigUri);
    assert.equal(await server.request('textDocument/hover', { textDocument: { uri: 'file:///work/elsewhere.json' }, position: { line: 0, character: 0 } }), null);
    assert.deepEqual(await server.request('kmsPolicy/test/release', null), { released: 1 });
    const outcome = await running;
    assert.equal(outcome.answered, 'result', JSON.stringify(outcome));
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
    assert.deepEqual(await pullCancelledWhileRunning(bigUri), { answered: 'error', code: REQUEST_CANCELLED });
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
