import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initialize, open, positionOf, ROOT, settings, startServer, type ServerProcess } from '../support/lsp';

interface Item { label: string; textEdit?: { newText: string } }
type List = { items: Item[] } | null;
type HoverResult = { contents: { value: string } } | null;

const EXAMPLE = join(ROOT, 'examples', 'orders.key-policy.json');
const uri = 'file:///work/examples/orders.key-policy.json';

describe('language server over stdio', () => {
  let server: ServerProcess;
  let text: string;
  before(() => {
    text = readFileSync(EXAMPLE, 'utf8');
    server = startServer();
  });
  after(() => server.kill());

  test('initialize announces completion and hover', async () => {
    const result = await initialize(server);
    assert.ok(result.capabilities.completionProvider);
    assert.equal(result.capabilities.hoverProvider, true);
  });

  test('didOpen, then completion at an Action gives KMS actions', async () => {
    await open(server, uri, text);
    const list = await server.request<List>('textDocument/completion', {
      textDocument: { uri },
      position: positionOf(text, '"kms:Decrypt"', 5),
    });
    const labels = list!.items.map((i) => i.label);
    assert.ok(labels.includes('kms:Encrypt'));
    assert.ok(labels.includes('kms:PutKeyPolicy'));
  });

  test('hover on kms:Decrypt', async () => {
    const hover = await server.request<HoverResult>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'kms:Decrypt', 6) });
    assert.match(hover!.contents.value, /\*\*kms:Decrypt\*\*/);
    assert.match(hover!.contents.value, /read-data/);
  });

  test('didChange, then completion again sees the new text', async () => {
    const edited = text.replace('"kms:Decrypt",', '"kms:Decrypt",\n        "kms:",');
    await server.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    const list = await server.request<List>('textDocument/completion', { textDocument: { uri }, position: positionOf(edited, '"kms:",', 5) });
    const encrypt = list!.items.find((i) => i.label === 'kms:Encrypt');
    assert.equal(encrypt?.textEdit?.newText, '"kms:Encrypt"');
    assert.ok(!list!.items.some((i) => i.label === 'kms:Decrypt'), 'Decrypt is already in this list');
  });

  test('incremental didChange is applied', async () => {
    const edited = text.replace('"kms:Decrypt",', '"kms:Decrypt",\n        "kms:",');
    const at = positionOf(edited, '"kms:",', 5);
    await server.notify('textDocument/didChange', {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: at, end: at }, text: 'Sig' }],
    });
    const list = await server.request<List>('textDocument/completion', { textDocument: { uri }, position: { line: at.line, character: at.character + 3 } });
    assert.ok(list!.items.some((i) => i.label === 'kms:Sign'));
  });

  test('an unrelated JSON file gets nothing', async () => {
    const pkg = '{"name": "x", "scripts": {"kms": "kms:|"}}'.replace('|', '');
    await open(server, 'file:///work/package.json', pkg);
    assert.equal(await server.request('textDocument/completion', { textDocument: { uri: 'file:///work/package.json' }, position: { line: 0, character: 33 } }), null);
    assert.equal(await server.request('textDocument/hover', { textDocument: { uri: 'file:///work/package.json' }, position: { line: 0, character: 34 } }), null);
  });

  test('a JSON file whose Statement uses kms: actions is recognized by content', async () => {
    const body = '{"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:"]}]}';
    await open(server, 'file:///work/some/policy.json', body);
    const list = await server.request<List>('textDocument/completion', { textDocument: { uri: 'file:///work/some/policy.json' }, position: positionOf(body, '"kms:"', 5) });
    assert.ok(list!.items.some((i) => i.label === 'kms:Encrypt'));
  });

  test('shutdown and exit end the process with code 0', async () => {
    await server.request('shutdown', null);
    await server.notify('exit', null);
    assert.equal(await server.exited, 0);
    assert.deepEqual(server.log.filter((l) => l.type === 1), [], 'no error was logged');
  });
});

describe('kmsPolicy.files setting', () => {
  test('a file matched by a glob from workspace/configuration is served', async () => {
    settings.current = { files: ['policies/*.json'] };
    const server = startServer();
    try {
      await initialize(server);
      await server.configurationAsked;
      const body = '{"Statement": [{"Effect": ""}]}';
      const target = 'file:///work/policies/orders.json';
      await open(server, target, body);
      const list = await server.request<List>('textDocument/completion', { textDocument: { uri: target }, position: positionOf(body, '""', 1) });
      assert.deepEqual(list!.items.map((i) => i.label), ['"Allow"', '"Deny"']);
      await open(server, 'file:///work/other/orders.json', body);
      assert.equal(await server.request('textDocument/completion', { textDocument: { uri: 'file:///work/other/orders.json' }, position: positionOf(body, '""', 1) }), null);
    } finally {
      settings.current = {};
      server.kill();
    }
  });
});

describe('bad input over the wire', () => {
  test('malformed documents get sensible answers and the server keeps serving', async () => {
    const server = startServer();
    try {
      await initialize(server);
      const bad = [
        '{"Statement": [{"Action": "kms:Dec',
        '[1, 2, 3]',
        '{"Statement": "kms:Decrypt"}',
        '{"Version": 2012, "Statement": [{"Effect": 1, "Action": 5, "Principal": 7}]}',
        '',
        '\u0000\u0001\u0002 binary \uFFFD',
        '['.repeat(20000),
        '{"Statement": [' + '{"Action": "kms:Decrypt"},'.repeat(5000) + ']}',
      ];
      for (const [i, body] of bad.entries()) {
        const u = `file:///work/bad${i}.key-policy.json`;
        await open(server, u, body);
        for (const position of [{ line: 0, character: 0 }, { line: 0, character: Math.min(body.length, 30) }, { line: 5, character: 99 }]) {
          const list = await server.request<List>('textDocument/completion', { textDocument: { uri: u }, position });
          assert.ok(list === null || Array.isArray(list.items));
          await server.request('textDocument/hover', { textDocument: { uri: u }, position });
        }
      }
      // A request for a document that was never opened.
      assert.equal(await server.request('textDocument/hover', { textDocument: { uri: 'file:///nowhere.key-policy.json' }, position: { line: 0, character: 0 } }), null);
      // A normal request still works.
      const good = '{"Statement": [{"Action": "kms:"}]}';
      await open(server, 'file:///work/good.key-policy.json', good);
      const list = await server.request<List>('textDocument/completion', { textDocument: { uri: 'file:///work/good.key-policy.json' }, position: positionOf(good, '"kms:"', 5) });
      assert.ok(list!.items.some((i) => i.label === 'kms:Decrypt'));
      assert.equal(server.child.exitCode, null, 'still running');
      assert.deepEqual(server.log.filter((l) => l.type === 1), [], 'no error was logged');
    } finally {
      server.kill();
    }
  });
});
