/**
 * The shortcuts behind the speed of the analysis (issue 8) must not change what it finds:
 * - effectiveAccess decides once per action class and per decision profile, and builds its
 *   by-name record lazily: every decision must equal evaluate()'s for that principal and action,
 *   reason included;
 * - parsePolicy checks nesting on the tree when it is safe to parse first;
 * - utf8Length counts ASCII with one search;
 * - duplicate keys are found without a map per small object, in the same order;
 * - completion in a longer text locates the cursor within its statement only.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { kmsActions } from '../../server/src/core/catalog/catalog';
import { effectiveAccess, evaluate, iamDelegations } from '../../server/src/core/evaluate';
import { MAX_DEPTH, parsePolicy } from '../../server/src/core/policy/parse';
import { runRules } from '../../server/src/core/rules/index';
import { utf8Length } from '../../server/src/core/rules/util';
import { doComplete } from '../../server/src/service/completion';
import { applyItem } from '../support/text';

const ROOT = join(__dirname, '..', '..', '..');
const benchDoc = (name: string) => readFileSync(join(ROOT, 'bench', 'docs', name), 'utf8');

const ACCT = '111122223333';

/** A DenyEveryoneElse whose per-action clause sits next to caller clauses, one of them undecidable (aws:SourceIp). */
const MIXED_CONDITIONS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'App', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ACCT}:role/app`, `arn:aws:iam::${ACCT}:role/worker`] }, Action: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } },
    { Sid: 'Ops', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/ops` }, Action: 'kms:Describe*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    {
      Sid: 'DenyEveryoneElse',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:*',
      Resource: '*',
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCT}:role/app`, `arn:aws:iam::${ACCT}:user/ops`] },
        NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' },
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' },
      },
    },
    { Sid: 'Service', Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: ['kms:Encrypt', 'kms:GenerateDataKey*'], Resource: '*' },
  ],
});

describe('effectiveAccess equals evaluate(), decision by decision', () => {
  const docs: [string, string][] = [
    ['typical bench document', benchDoc('typical.key-policy.json')],
    ['32 KB bench document', benchDoc('limit-32k.key-policy.json')],
    ['per-action Deny beside undecidable caller clauses', MIXED_CONDITIONS],
  ];
  for (const [name, text] of docs) {
    test(name, () => {
      const policy = parsePolicy(text);
      const access = effectiveAccess(policy);
      // A separate parse: evaluate() compiles it on its own, with nothing shared with effectiveAccess.
      const fresh = parsePolicy(text);
      assert.ok(access.length > 3);
      for (const p of access) {
        assert.equal(Object.keys(p.actions).length, kmsActions.length);
        const distinct = new Set(p.distinctDecisions);
        for (const a of kmsActions) {
          const shared = p.decisionOf(a);
          assert.equal(p.actions[a.fullName], shared, `${p.principal} ${a.fullName}: record and decisionOf agree`);
          assert.ok(distinct.has(shared));
          const alone = evaluate(fresh, { principal: p.principal, action: a.fullName });
          assert.deepEqual(
            { result: shared.result, statements: shared.statements, reason: shared.reason },
            { result: alone.result, statements: alone.statements, reason: alone.reason },
            `${p.principal} ${a.fullName}`,
          );
        }
      }
    });
  }

  test('iamDelegations is cached, but its callers cannot change the cached answer', () => {
    const policy = parsePolicy(MIXED_CONDITIONS);
    const first = iamDelegations(policy);
    first.pop();
    assert.deepEqual(iamDelegations(policy), iamDelegations(parsePolicy(MIXED_CONDITIONS)));
    assert.equal(iamDelegations(policy).length, 1);
  });
});

describe('nesting limit', () => {
  const limit = MAX_DEPTH * 4;
  const fatal = (text: string) => parsePolicy(text).fatal;
  const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  // Many brackets that never nest deep: siblings, and brackets inside strings.
  const wide = (n: number) => `{"Statement": [${Array.from({ length: n }, (_, i) => `{"Sid": "s${i}", "Action": ["kms:Decrypt"]}`).join(', ')}], "Id": "${'['.repeat(n)}"}`;

  for (const depth of [limit, limit + 1, 600, 1200]) {
    const deep = depth > limit;
    test(`${depth} levels: ${deep ? 'refused' : 'parsed'}`, () => {
      // Each text nests `depth` levels of brackets.
      for (const text of [arrays(depth), objects(depth), arrays(depth).slice(0, -1) /* unclosed: a syntax error */, `{"x": 1 ${arrays(depth - 1)}}` /* an array the parser skips */]) {
        assert.equal(fatal(text) !== undefined, deep, text.slice(0, 40));
        if (deep) assert.deepEqual(parsePolicy(text).syntaxErrors, []);
      }
    });
  }
  test('many brackets, shallow, or inside strings: parsed', () => {
    for (const n of [200, 400, 1500]) assert.equal(fatal(wide(n)), undefined, String(n));
  });
  test('brackets in a string do not count, nor do they hide real ones', () => {
    const inString = `{"a": "${'['.repeat(400)}", "b": ${arrays(limit)}}`;
    assert.equal(fatal(inString), `JSON is nested more than ${limit} levels deep; not analyzed.`);
    assert.equal(fatal(`{"a": "${'['.repeat(400)}", "b": ${arrays(limit - 1)}}`), undefined);
  });
});

describe('utf8Length', () => {
  test('equals the encoded length', () => {
    for (const s of ['', 'plain ascii {"Action": "kms:*"}', 'é', 'Grüße', '€ and 中文', '😀 surrogate pair', 'a'.repeat(1000) + 'ü' + 'b'.repeat(10), '\u007f\u0080\u07ff\u0800\uffff']) {
      assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
    }
  });
});

describe('duplicate keys', () => {
  test('found in every object, small or large, in document order after sorting', () => {
    const many = Array.from({ length: 20 }, (_, i) => `"k${i % 17}": ${i}`).join(', ');
    const text = `{"Version": "2012-10-17", "Statement": [{"Sid": "a", "Effect": "Allow", "Sid": "b", "Condition": {"Bool": {"x": "1", "x": "2"}}}, {${many}}], "Version": "2012-10-17"}`;
    const found = runRules(parsePolicy(text)).filter((f) => f.code === 'json-syntax');
    const keys = found.map((f) => text.slice(f.span.start, f.span.end));
    assert.deepEqual(keys, ['"Sid"', '"x"', '"k0"', '"k1"', '"k2"', '"Version"']);
    for (const f of found) assert.equal(f.related?.length, 1);
  });
});

describe('completion in a longer text', () => {
  // The same policy, once as it is and once after enough blank lines to be a "long" text:
  // every completion must be the same, shifted.
  const text = benchDoc('typical.key-policy.json');
  const pad = '\n'.repeat(9000);
  const short = TextDocument.create('file:///a.key-policy.json', 'json', 1, text);
  const long = TextDocument.create('file:///b.key-policy.json', 'json', 1, pad + text);
  const shortPolicy = parsePolicy(short.getText());
  const longPolicy = parsePolicy(long.getText());

  test('same items and edits at every few characters of the statements', () => {
    const start = text.indexOf('"Statement"');
    let compared = 0;
    for (let offset = start; offset < text.length; offset += 5) {
      const a = doComplete(short, short.positionAt(offset), shortPolicy);
      const b = doComplete(long, long.positionAt(offset + pad.length), longPolicy);
      assert.deepEqual(b.items.map((i) => i.label), a.items.map((i) => i.label), `at ${offset}`);
      if (a.items.length) {
        assert.equal(applyItem(long, b.items[0]).slice(pad.length), applyItem(short, a.items[0]), `at ${offset}`);
        compared++;
      }
    }
    assert.ok(compared > 50, `compared ${compared}`);
  });
});
