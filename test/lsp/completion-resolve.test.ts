/**
 * Completion documentation over the wire: a client that resolves documentation lazily (VS Code:
 * `completionItem.resolveSupport.properties` has "documentation") gets lists without it and each
 * item's markdown through `completionItem/resolve`; a client that does not (Neovim's omnifunc) gets
 * it with the items, as before. Two real servers over stdio, one of each kind.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initialize, open, positionOf, ROOT, startServer, type ServerProcess } from '../support/lsp';

interface Item { label: string; detail?: string; documentation?: { kind: string; value: string }; data?: unknown; textEdit?: { newText: string } }
type List = { isIncomplete: boolean; items: Item[] };

const text = readFileSync(join(ROOT, 'examples', 'orders.key-policy.json'), 'utf8');
const uri = 'file:///work/orders.key-policy.json';
const specText = readFileSync(join(ROOT, 'examples', 'orders.kms-domain.yaml'), 'utf8');
const specUri = 'file:///work/orders.kms-domain.yaml';
const condText = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/a"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]}';
const condUri = 'file:///work/condition.key-policy.json';
const RESOLVES = { textDocument: { completion: { completionItem: { snippetSupport: true, resolveSupport: { properties: ['documentation', 'detail'] } } } } };

describe('completion documentation through completionItem/resolve', () => {
  let lazy: ServerProcess;
  let eager: ServerProcess;
  let lazyInit: { capabilities: Record<string, unknown> };
  let eagerInit: { capabilities: Record<string, unknown> };
  before(async () => {
    lazy = startServer();
    eager = startServer();
    lazyInit = await initialize(lazy, { capabilities: { workspace: { configuration: true }, ...RESOLVES } });
    eagerInit = await initialize(eager);
    for (const s of [lazy, eager]) {
      await open(s, uri, text);
      await open(s, condUri, condText);
      await s.notify('textDocument/didOpen', { textDocument: { uri: specUri, languageId: 'yaml', version: 1, text: specText } });
    }
  });
  after(() => {
    lazy.kill();
    eager.kill();
  });

  const complete = (s: ServerProcess, at: { line: number; character: number }, where = uri) => s.request<List>('textDocument/completion', { textDocument: { uri: where }, position: at });

  test('the server offers resolve only to a client that resolves documentation', () => {
    assert.equal((lazyInit.capabilities.completionProvider as { resolveProvider?: boolean }).resolveProvider, true);
    assert.equal((eagerInit.capabilities.completionProvider as { resolveProvider?: boolean }).resolveProvider, false);
  });

  test('at an Action: the list carries no documentation, and resolve returns each item\'s, the same as sent eagerly', async () => {
    const at = positionOf(text, '"kms:Decrypt"', 5);
    const [list, full] = await Promise.all([complete(lazy, at), complete(eager, at)]);
    assert.deepEqual(list.items.map((i) => i.label), full.items.map((i) => i.label), 'the same items');
    assert.ok(full.items.filter((i) => i.documentation).length >= 50, 'the eager list documents every action');
    assert.deepEqual(list.items.filter((i) => i.documentation).map((i) => i.label), [], 'no documentation in the lazy list');
    assert.ok(JSON.stringify(list).length * 2 < JSON.stringify(full).length, `the lazy list is a fraction of the eager one (${JSON.stringify(list).length} vs ${JSON.stringify(full).length} characters)`);
    for (const label of ['kms:Encrypt', 'kms:PutKeyPolicy', 'kms:GenerateDataKey']) {
      const item = list.items.find((i) => i.label === label)!;
      const eagerItem = full.items.find((i) => i.label === label)!;
      assert.equal(item.detail, eagerItem.detail, `${label}: detail stays in the list`);
      const resolved = await lazy.request<Item>('completionItem/resolve', item);
      assert.deepEqual(resolved.documentation, eagerItem.documentation, `${label}: resolved documentation`);
      assert.match(resolved.documentation!.value, new RegExp(`\\*\\*${label}\\*\\*`));
      assert.deepEqual(resolved.textEdit, eagerItem.textEdit, `${label}: the edit is unchanged`);
    }
  });

  test('condition operators and keys, and completion in a domain spec, resolve the same way', async () => {
    const accessAt = positionOf(specText, 'access:', 7);
    const points: [string, string, { line: number; character: number }][] = [
      ['operator', condUri, positionOf(condText, '"StringEquals"', 1)],
      ['condition key', condUri, positionOf(condText, '"kms:ViaService"', 1)],
      ['spec', specUri, { line: accessAt.line + 1, character: 2 }],
    ];
    for (const [where, target, at] of points) {
      const [list, full] = await Promise.all([complete(lazy, at, target), complete(eager, at, target)]);
      const documented = full.items.filter((i) => i.documentation);
      assert.ok(documented.length > 0, `${where}: the eager list has documentation to defer`);
      assert.deepEqual(list.items.filter((i) => i.documentation).map((i) => i.label), [], `${where}: none in the lazy list`);
      for (const e of documented.slice(0, 5)) {
        const resolved = await lazy.request<Item>('completionItem/resolve', list.items.find((i) => i.label === e.label));
        assert.deepEqual(resolved.documentation, e.documentation, `${where}: ${e.label}`);
      }
    }
  });

  test('an item of an older list resolves to itself, without another list\'s documentation', async () => {
    const first = await complete(lazy, positionOf(text, '"kms:Decrypt"', 5));
    await complete(lazy, positionOf(condText, '"StringEquals"', 1), condUri);
    const stale = first.items.find((i) => i.label === 'kms:Encrypt')!;
    const resolved = await lazy.request<Item>('completionItem/resolve', stale);
    assert.equal(resolved.documentation, undefined);
    assert.equal(resolved.label, 'kms:Encrypt');
    assert.deepEqual([...lazy.log, ...eager.log].filter((l) => l.type === 1), [], 'no error was logged');
  });
});
