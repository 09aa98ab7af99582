/**
 * parsePolicy reads each statement of a Statement array into the model as the parser closes it,
 * and keeps only a childless node for it (core/policy/parse.ts, buildTree). Nothing a feature
 * sees may change:
 * - the tree with `wholeTree` is jsonc-parser's parseTree, node for node, errors included;
 * - the model (statements, elements, spans, duplicate keys) is the same with and without pruning;
 * - locateNode finds, at every offset, the node and JSON path that the whole tree has;
 * - the pruned statement nodes really have no children (what the memory saving rests on).
 * Over the bench documents, the fixtures, and truncated and mangled variants with syntax errors.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findNodeAtOffset, getNodePath, parseTree, type Node, type ParseError } from 'jsonc-parser';
import { locateNode, parsePolicy } from '../../server/src/core/policy/parse';
import type { PolicyDocument } from '../../server/src/core/policy/model';
import { runRules } from '../../server/src/core/rules/index';

const ROOT = join(__dirname, '..', '..', '..');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

const BASE: [string, string][] = [
  ['typical', read('bench', 'docs', 'typical.key-policy.json')],
  ['32 KB', read('bench', 'docs', 'limit-32k.key-policy.json')],
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'policies')).map((f): [string, string] => [f, read('test', 'fixtures', 'policies', f)]),
  ['one statement object', '{"Version": "2012-10-17", "Statement": {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}}'],
  ['two Statement arrays (the last wins)', '{"Statement": [{"Sid": "First"}], "Version": "2012-10-17", "Statement": [{"Sid": "Second", "Sid": "Again"}, 7, {"Condition": {"Bool": "x"}}]}'],
  ['a nested Statement key is not the policy’s', '{"Other": {"Statement": [{"Sid": "Inner"}]}, "Statement": [{"Sid": "Outer"}]}'],
];

/** Every base text, and variants with syntax errors: cut at a few places, a quote and a brace dropped. */
function corpus(): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, text] of BASE) {
    out.push([name, text]);
    for (const cut of [0.2, 0.5, 0.83]) out.push([`${name}, cut at ${cut}`, text.slice(0, Math.floor(text.length * cut))]);
    const quote = text.indexOf('"', Math.floor(text.length / 3));
    if (quote > 0) out.push([`${name}, a quote dropped`, text.slice(0, quote) + text.slice(quote + 1)]);
    const brace = text.indexOf('}', Math.floor(text.length / 2));
    if (brace > 0) out.push([`${name}, a brace dropped`, text.slice(0, brace) + text.slice(brace + 1)]);
  }
  return out;
}

/** A node as plain data, without parent links (those make cycles). */
function plain(node: Node | undefined): unknown {
  if (!node) return undefined;
  return { type: node.type, offset: node.offset, length: node.length, colonOffset: node.colonOffset, value: node.value, children: node.children?.map(plain) };
}

/** A node's own fields. */
function own(node: Node | undefined): unknown {
  return node && { type: node.type, offset: node.offset, length: node.length, colonOffset: node.colonOffset, value: node.value };
}

/** The model without the tree: what rules and features read. */
function model(p: PolicyDocument): unknown {
  const { root: _root, ...rest } = p;
  return rest;
}

const STRICT = { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true };

describe('statements read while parsing', () => {
  const texts = corpus();

  test('with wholeTree, the tree and the errors are jsonc-parser’s', () => {
    for (const [name, text] of texts) {
      const errors: ParseError[] = [];
      const expected = parseTree(text, errors, STRICT);
      const whole = parsePolicy(text, { wholeTree: true });
      assert.deepEqual(plain(whole.root), plain(expected), name);
      assert.deepEqual(whole.syntaxErrors, errors, name);
    }
  });

  test('the model and the findings are the same with the statements pruned', () => {
    let statements = 0;
    for (const [name, text] of texts) {
      const pruned = parsePolicy(text);
      const whole = parsePolicy(text, { wholeTree: true });
      assert.deepEqual(model(pruned), model(whole), name);
      assert.deepEqual(runRules(pruned), runRules(whole), name);
      statements += pruned.statements.length;
    }
    assert.ok(statements > 150, `statements compared: ${statements}`);
  });

  test('statement nodes of the Statement array keep no children; the rest of the tree is whole', () => {
    const text = read('bench', 'docs', 'limit-32k.key-policy.json');
    const { root, statements } = parsePolicy(text);
    const array = root!.children!.find((p) => p.children![0].value === 'Statement')!.children![1];
    assert.equal(array.children!.length, statements.length);
    for (const s of array.children!) assert.equal(s.children, undefined);
    const version = root!.children!.find((p) => p.children![0].value === 'Version')!.children![1];
    assert.equal(version.value, '2012-10-17');
  });

  test('locateNode in a statement with a 150,000-element array', () => {
    const text = `{"Statement": [{"Sid": "Big", "Action": ["kms:Re*"${', 1'.repeat(150_000)}]}]}`;
    const policy = parsePolicy(text);
    const found = locateNode(policy, text.indexOf('kms:Re*'));
    assert.equal(found?.node.value, 'kms:Re*');
    assert.deepEqual(found.pathOf(found.node), ['Statement', 0, 'Action', 0]);
    const last = locateNode(policy, text.lastIndexOf('1'));
    assert.deepEqual(last?.pathOf(last.node), ['Statement', 0, 'Action', 150_000]);
  });

  test('locateNode: at every offset, the node and path of the whole tree', () => {
    let located = 0;
    for (const [name, text] of texts) {
      if (text.length > 20000) continue; // the 32 KB policy: every offset of the others is enough
      const policy = parsePolicy(text);
      const whole = parseTree(text, [], STRICT);
      for (let offset = 0; offset <= text.length; offset++) {
        const expected = whole && findNodeAtOffset(whole, offset, false);
        const got = locateNode(policy, offset);
        if (!expected) {
          assert.equal(got, undefined, `${name} at ${offset}`);
          continue;
        }
        assert.ok(got, `${name} at ${offset}`);
        assert.deepEqual(own(got.node), own(expected), `${name} at ${offset}`);
        assert.deepEqual(own(got.node.parent), own(expected.parent), `${name} at ${offset}, parent`);
        assert.deepEqual(got.pathOf(got.node), getNodePath(expected), `${name} at ${offset}`);
        if (got.node.parent && expected.parent) assert.deepEqual(got.pathOf(got.node.parent), getNodePath(expected.parent), `${name} at ${offset}, parent`);
        located++;
      }
    }
    assert.ok(located > 10000, `offsets located: ${located}`);
  });
});
