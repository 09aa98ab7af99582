/**
 * The server collects garbage before it parses a large document again (server.ts, with node's
 * `gc` under the bin's --expose-gc), and only then: not for a first parse, not for small
 * documents, and not when the parse is already cached. In process, with a counting collector.
 */
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createConnection } from 'vscode-languageserver/node';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { startServer } from '../../server/src/server';

/** A key policy of about `bytes` characters. */
function policy(bytes: number): string {
  const statements: string[] = [];
  for (let i = 0; statements.join(',').length < bytes; i++) {
    statements.push(JSON.stringify({ Sid: `S${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::111122223333:role/r${i}` }, Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' }));
  }
  return `{"Version": "2012-10-17", "Statement": [\n${statements.join(',\n')}\n]}`;
}

test('a large document’s previous parse is collected before it is parsed again, and only then', async () => {
  let collections = 0;
  const up = new PassThrough();
  const down = new PassThrough();
  startServer(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)), { collectGarbage: () => collections++ });
  const client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  client.listen();
  try {
    await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: { textDocument: { diagnostic: {} } } });
    await client.sendNotification('initialized', {});
    const pull = (uri: string) => client.sendRequest<{ items: unknown[] }>('textDocument/diagnostic', { textDocument: { uri } });
    const edit = (uri: string, version: number) =>
      client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: { line: 1, character: 9 }, end: { line: 1, character: 9 } }, text: 'x' }] });

    const large = 'file:///w/large.key-policy.json';
    const text = policy(300 * 1024);
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: large, languageId: 'json', version: 1, text } });
    await pull(large);
    assert.equal(collections, 0, 'a first parse has nothing to collect');
    await pull(large);
    await client.sendRequest('textDocument/hover', { textDocument: { uri: large }, position: { line: 1, character: 20 } });
    assert.equal(collections, 0, 'the parse of this version is cached');
    await edit(large, 2);
    const report = await pull(large);
    assert.equal(collections, 1, 'the edited large document is parsed again after one collection');
    assert.ok(Array.isArray(report.items));

    const small = 'file:///w/small.key-policy.json';
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri: small, languageId: 'json', version: 1, text: policy(3 * 1024) } });
    await pull(small);
    await edit(small, 2);
    await pull(small);
    assert.equal(collections, 1, 'small documents are parsed again without one');
  } finally {
    client.dispose();
    up.end();
    down.end();
  }
});
