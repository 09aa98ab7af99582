/**
 * The server keeps at most 32 parses (least recently used first out) and, in push mode,
 * validates a burst of changes once, for its last version. Over stdio: 40 open documents, each
 * still answered from its own text after the early ones were evicted. In process, over a stream
 * that delivers one write as one read (a pipe may split it, as the machine's load decides): 20
 * changes in one write, published once, with the diagnostics of the final text.
 */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createConnection } from 'vscode-languageserver/node';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { startServer as startInProcess } from '../../server/src/server';
import { initialize, open, positionOf, startServer, type ServerProcess } from '../support/lsp';

interface Item { label: string }
type List = { items: Item[] } | null;
type HoverResult = { contents: { value: string } } | null;
interface Published { uri: string; version?: number; diagnostics: { code?: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[] }

const ACCT = '111122223333';

/** Collects publishDiagnostics; `next` waits for one that satisfies a predicate (or gives up after a minute, failing). */
function collect(server: Pick<ServerProcess, 'connection'>) {
  const all: Published[] = [];
  const waiting: { test: (p: Published) => boolean; resolve: (p: Published) => void }[] = [];
  server.connection.onNotification('textDocument/publishDiagnostics', (p: Published) => {
    all.push(p);
    for (const w of [...waiting]) if (w.test(p)) (waiting.splice(waiting.indexOf(w), 1), w.resolve(p));
  });
  return {
    all,
    of: (uri: string) => all.filter((p) => p.uri === uri),
    next(test: (p: Published) => boolean, what: string): Promise<Published> {
      const seen = all.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no publishDiagnostics: ${what}`)), 60_000);
        waiting.push({ test, resolve: (p) => (clearTimeout(timer), resolve(p)) });
      });
    },
  };
}

/** A key policy naming role/<name>, with a typo when asked. */
function policy(name: string, typo = false): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'Use', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/${name}` }, Action: typo ? ['kms:Decrypt', 'kms:Encrpyt'] : ['kms:Decrypt', 'kms:Sign'], Resource: '*' },
      ],
    },
    null,
    2,
  );
}

const uriOf = (i: number) => `file:///work/many/doc${i}.key-policy.json`;

async function hoverText(server: Pick<ServerProcess, 'request'>, uri: string, text: string, needle: string): Promise<string> {
  const h = await server.request<HoverResult>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, 3) });
  return h?.contents.value ?? '';
}

describe('40 open documents (more than the 32 parses kept)', () => {
  let server: ServerProcess;
  let published: ReturnType<typeof collect>;
  const texts: string[] = Array.from({ length: 40 }, (_, i) => policy(`app${i}`, i % 2 === 1));
  before(async () => {
    server = startServer();
    published = collect(server);
    await initialize(server);
    for (let i = 0; i < 40; i++) await open(server, uriOf(i), texts[i]);
  });
  after(() => server.kill());

  test('each document gets its own diagnostics', async () => {
    for (let i = 0; i < 40; i++) {
      const p = await published.next((x) => x.uri === uriOf(i) && x.version === 1, `doc${i} v1`);
      const typo = p.diagnostics.filter((d) => d.code === 'unknown-action');
      assert.equal(typo.length, i % 2, `doc${i}: ${p.diagnostics.map((d) => d.code).join(', ')}`);
    }
  });

  test('edit the first (long evicted), then completion and hover on it and on the last', async () => {
    const edited = policy('edited0').replace('"kms:Sign"', '"kms:Sign",\n          "kms:"');
    await server.notify('textDocument/didChange', { textDocument: { uri: uriOf(0), version: 2 }, contentChanges: [{ text: edited }] });
    texts[0] = edited;

    const list = await server.request<List>('textDocument/completion', { textDocument: { uri: uriOf(0) }, position: positionOf(edited, '"kms:"', 5) });
    const labels = list!.items.map((i) => i.label);
    assert.ok(labels.includes('kms:Encrypt'), 'KMS actions offered');
    assert.ok(!labels.includes('kms:Sign') && !labels.includes('kms:Decrypt'), 'not those already in the edited list');

    const first = await hoverText(server, uriOf(0), edited, 'kms:Decrypt');
    assert.match(first, /role\/edited0/, 'the edited text');
    assert.doesNotMatch(first, /role\/app0\b/);

    const last = await hoverText(server, uriOf(39), texts[39], 'kms:Decrypt');
    assert.match(last, /role\/app39\b/);
    const lastList = await server.request<List>('textDocument/completion', { textDocument: { uri: uriOf(39) }, position: positionOf(texts[39], '"kms:Decrypt"', 5) });
    assert.ok(lastList!.items.some((i) => i.label === 'kms:Encrypt'));

    // The last one is still cached: an edit must not be answered from its old parse.
    const lastEdited = policy('edited39');
    await server.notify('textDocument/didChange', { textDocument: { uri: uriOf(39), version: 2 }, contentChanges: [{ text: lastEdited }] });
    texts[39] = lastEdited;
    assert.match(await hoverText(server, uriOf(39), lastEdited, 'kms:Decrypt'), /role\/edited39\b/);
    const p39 = await published.next((x) => x.uri === uriOf(39) && x.version === 2, 'doc39 v2');
    assert.equal(p39.diagnostics.filter((d) => d.code === 'unknown-action').length, 0, 'doc39 v2 has no typo (v1 had one)');

    const p = await published.next((x) => x.uri === uriOf(0) && x.version === 2, 'doc0 v2');
    assert.deepEqual(
      p.diagnostics.filter((d) => d.code === 'unknown-action').map((d) => d.range.start),
      [positionOf(edited, '"kms:"')],
      'the diagnostics of the edited text: its "kms:", no typo of another document',
    );
  });

  test('every document, in both orders, answers from its own text', async () => {
    const order = [...Array(40).keys()];
    for (const i of [...order, ...order.reverse()]) {
      const h = await hoverText(server, uriOf(i), texts[i], 'kms:Decrypt');
      const name = i === 0 || i === 39 ? `edited${i}` : `app${i}`;
      assert.match(h, new RegExp(`role/${name}\\b`), `doc${i}`);
      const others = [...h.matchAll(/role\/(app\d+|edited\d+)\b/g)].map((m) => m[1]).filter((n) => n !== name);
      assert.deepEqual(others, [], `doc${i} names only its own role`);
    }
    assert.equal(server.child.exitCode, null);
    assert.deepEqual(server.log.filter((l) => l.type === 1), [], 'no error was logged');
  });
});

/** JSON-RPC messages framed for stdio, concatenated: written at once, they arrive together. */
function frame(messages: object[]): Buffer {
  return Buffer.concat(
    messages.map((m) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...m }), 'utf8');
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
    }),
  );
}

/** The server in this process, over two PassThrough streams: `write` hands the server exactly one chunk. */
function inProcess() {
  const up = new PassThrough();
  const down = new PassThrough();
  startInProcess(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)));
  const connection = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const log: { type: number; message: string }[] = [];
  connection.onNotification('window/logMessage', (p: { type: number; message: string }) => void log.push(p));
  let configured!: () => void;
  const configurationAsked = new Promise<void>((resolve) => (configured = resolve));
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => {
    setImmediate(configured);
    return p.items.map(() => ({}));
  });
  connection.listen();
  return {
    connection,
    log,
    configurationAsked,
    write: (chunk: Buffer) => up.write(chunk),
    request: <R>(method: string, params: unknown) => connection.sendRequest<R>(method, params),
    notify: (method: string, params: unknown) => connection.sendNotification(method, params),
    kill: () => {
      connection.dispose();
      up.end();
      down.end();
    },
  };
}

describe('a burst of 20 changes in one write (push diagnostics)', () => {
  let server: ReturnType<typeof inProcess>;
  let published: ReturnType<typeof collect>;
  before(async () => {
    server = inProcess();
    published = collect(server);
    await server.request('initialize', { processId: null, rootUri: null, capabilities: { workspace: { configuration: true } } });
    await server.notify('initialized', {});
    // The settings answer makes the server validate every open document again: take it before the
    // tests open theirs, so that each version is published once.
    await server.configurationAsked;
    await server.request('textDocument/hover', { textDocument: { uri: 'file:///work/none.json' }, position: { line: 0, character: 0 } });
  });
  after(() => server.kill());

  /** Waits for the final version's diagnostics, then for the server to answer a request after them, and returns what was published for the uri since `from`. */
  async function settle(uri: string, text: string, version: number, from: number): Promise<Published[]> {
    await published.next((p) => p.uri === uri && p.version === version, `${uri} v${version}`);
    // Messages are answered in order: a publish of an older version queued behind the last would
    // arrive before the answer to a request sent after it.
    await hoverText(server, uri, text, 'kms:Decrypt');
    return published.all.slice(from).filter((p) => p.uri === uri);
  }

  /**
   * The publishes after 20 changes (versions 2..21): the last is version 21, with the one typo of
   * the final text where it is; the write arrives as one read, so it was validated once, for its
   * last version. Returns the typo's diagnostic.
   */
  function assertFinalTypo(after: Published[], final: string): Published['diagnostics'][number] {
    const last = after.at(-1)!;
    assert.equal(last.version, 21, `versions published: ${after.map((p) => p.version).join(', ')}`);
    const typo = last.diagnostics.filter((d) => d.code === 'unknown-action');
    assert.equal(typo.length, 1, last.diagnostics.map((d) => d.code).join(', '));
    assert.deepEqual(typo[0].range.start, positionOf(final, '"kms:Encrpyt"'));
    assert.deepEqual(after.map((p) => p.version), [21], 'coalesced: one publish for 20 changes');
    return typo[0];
  }

  test('full-text changes: the last publish is the final version, with the final text\'s diagnostics', async () => {
    const uri = 'file:///work/burst/full.key-policy.json';
    await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: policy('v1') } });
    await published.next((p) => p.uri === uri && p.version === 1, 'v1');
    const from = published.all.length;
    // Versions 2..20 are clean and name role/v<n>; version 21 has a typo.
    const changes = Array.from({ length: 20 }, (_, k) => {
      const version = k + 2;
      return { method: 'textDocument/didChange', params: { textDocument: { uri, version }, contentChanges: [{ text: policy(`v${version}`, version === 21) }] } };
    });
    server.write(frame(changes));
    const final = policy('v21', true);
    const after = await settle(uri, final, 21, from);
    const typo = assertFinalTypo(after, final);
    assert.match(typo.message, /kms:Encrpyt/);
    assert.ok(after.every((p, i) => i === 0 || (p.version ?? 0) > (after[i - 1].version ?? 0)), 'in version order');
  });

  test('incremental changes typing a value character by character', async () => {
    const uri = 'file:///work/burst/typed.key-policy.json';
    const start = policy('typist').replace('"kms:Sign"', '"kms:Sign", ""');
    await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: start } });
    await published.next((p) => p.uri === uri && p.version === 1, 'v1');
    const from = published.all.length;
    // Types kms:Encrpyt (11 characters) inside the empty string, then 9 spaces after the list's last comma.
    const at = positionOf(start, '""', 1);
    const typed = 'kms:Encrpyt';
    const changes = [...typed].map((ch, k) => ({
      method: 'textDocument/didChange',
      params: { textDocument: { uri, version: k + 2 }, contentChanges: [{ range: { start: { line: at.line, character: at.character + k }, end: { line: at.line, character: at.character + k } }, text: ch }] },
    }));
    const sign = positionOf(start, '"kms:Sign",', 11);
    for (let k = 0; k < 9; k++) {
      changes.push({ method: 'textDocument/didChange', params: { textDocument: { uri, version: typed.length + k + 2 }, contentChanges: [{ range: { start: sign, end: sign }, text: ' ' }] } });
    }
    assert.equal(changes.length, 20);
    server.write(frame(changes));
    const final = start.replace('"kms:Sign", ""', `"kms:Sign",${' '.repeat(9)} "${typed}"`);
    const after = await settle(uri, final, 21, from);
    assertFinalTypo(after, final);
    assert.deepEqual(server.log.filter((l) => l.type === 1), [], 'no error was logged');
  });
});
