/**
 * Module-level caches keyed by what the user typed are BoundedMemos (core/util/memo.ts), so a
 * language server that runs for days does not keep every value ever typed. Checked two ways:
 * the memo itself (bound, results after eviction), and 50,000 distinct random values fed
 * through every public function that uses one, whose results must equal those of a fresh
 * instance of core (new modules, empty caches, each value asked once) while every memo stays
 * within its bound.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { BoundedMemo, boundedMemos } from '../../server/src/core/util/memo';

// ---- the helper -----------------------------------------------------------------------------

describe('BoundedMemo', () => {
  test('never holds more than its bound, and every result is the computed one', () => {
    let computed = 0;
    const memo = new BoundedMemo<string, string>('test.small', 10, (k) => (computed++, `v:${k}`));
    for (let i = 0; i < 1000; i++) {
      assert.equal(memo.get(`k${i}`), `v:k${i}`);
      assert.ok(memo.size <= 10, `size ${memo.size} after ${i + 1} keys`);
      // An early key, evicted long ago, computed again correctly.
      assert.equal(memo.get(`k${i % 7}`), `v:k${i % 7}`);
      assert.ok(memo.size <= 10, `size ${memo.size} after asking k${i % 7}`);
    }
    assert.ok(computed > 1000, 'evicted keys were computed again');
  });

  test('a key asked all the time is computed once; undefined results are cached too', () => {
    const calls = new Map<string, number>();
    const memo = new BoundedMemo<string, string | undefined>('test.hot', 20, (k) => {
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return k.startsWith('x') ? undefined : k.toUpperCase();
    });
    for (let i = 0; i < 5000; i++) {
      assert.equal(memo.get('hot'), 'HOT');
      assert.equal(memo.get('xmiss'), undefined);
      assert.equal(memo.get(`cold${i}`), `COLD${i}`);
      assert.ok(memo.size <= 20);
    }
    assert.equal(calls.get('hot'), 1);
    assert.equal(calls.get('xmiss'), 1);
  });

  test('odd and tiny bounds hold', () => {
    assert.throws(() => new BoundedMemo('test.bound1', 1, (k) => k));
    for (const bound of [2, 3, 7]) {
      const memo = new BoundedMemo<number, number>(`test.bound${bound}`, bound, (k) => k * 2);
      for (let i = 0; i < 200; i++) {
        assert.equal(memo.get(i), i * 2);
        assert.equal(memo.get(i >> 1), (i >> 1) * 2);
        assert.ok(memo.size <= bound, `bound ${bound}: size ${memo.size}`);
      }
    }
  });
});

// ---- the caches in core ---------------------------------------------------------------------

type Core = {
  catalog: typeof import('../../server/src/core/catalog/catalog');
  wildcard: typeof import('../../server/src/core/util/wildcard');
  principal: typeof import('../../server/src/core/principal/caller');
  operators: typeof import('../../server/src/core/policy/operators');
  actions: typeof import('../../server/src/core/rules/actions');
  evaluate: typeof import('../../server/src/core/evaluate');
  parse: typeof import('../../server/src/core/policy/parse');
  memo: typeof import('../../server/src/core/util/memo');
};
const load = (): Core => ({
  catalog: require('../../server/src/core/catalog/catalog'),
  wildcard: require('../../server/src/core/util/wildcard'),
  principal: require('../../server/src/core/principal/caller'),
  operators: require('../../server/src/core/policy/operators'),
  actions: require('../../server/src/core/rules/actions'),
  evaluate: require('../../server/src/core/evaluate'),
  parse: require('../../server/src/core/policy/parse'),
  memo: require('../../server/src/core/util/memo'),
});

/** A second instance of every core module: its own, empty caches. */
function freshCore(): Core {
  const root = path.dirname(path.dirname(require.resolve('../../server/src/core/util/memo')));
  const inCore = () => Object.keys(require.cache).filter((k) => k.startsWith(root + path.sep));
  const saved = inCore().map((k) => [k, require.cache[k]] as const);
  for (const [k] of saved) delete require.cache[k];
  try {
    return load();
  } finally {
    for (const k of inCore()) delete require.cache[k];
    for (const [k, m] of saved) require.cache[k] = m;
  }
}

/** Seeded, so that a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const word = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz') => Array.from({ length: 1 + int(n) }, () => alphabet[int(alphabet.length)]).join('');
  const recase = (s: string) => [...s].map((c) => (next() < 0.15 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
  return { next, int, pick, word, recase };
}

const A = load();
const B = freshCore();
const N = 50_000;

/** `count` distinct values from `make`. */
function distinct(count: number, make: () => string): string[] {
  const out = new Set<string>();
  while (out.size < count) out.add(make());
  return [...out];
}

const r = random(20240611);
const NAMES = A.catalog.kmsActions.map((a) => a.name);
function actionValue(): string {
  const name = r.pick(NAMES);
  const cut = r.int(name.length + 1);
  const body = r.pick([
    () => name,
    () => name.slice(0, cut) + '*',
    () => '*' + name.slice(cut),
    () => name.slice(0, cut) + '?' + name.slice(cut + 1),
    () => name.slice(0, cut) + r.word(2) + name.slice(cut), // a typo
    () => r.word(12),
  ])();
  const service = r.pick(['kms', 'kms', 'kms', 'KMS', 'k*', 'k?s', '*', 's3', 'kmsx', '']);
  return `${service}:${r.recase(body)}${r.next() < 0.5 ? r.int(1e6) : ''}`;
}
function principalValue(): string {
  const acct = String(100000000000 + r.int(899999999999));
  return r.pick([
    () => acct,
    () => `arn:aws:iam::${acct}:root`,
    () => `arn:aws:iam::${acct}:role/${r.word(10)}`,
    () => `arn:aws:iam::${acct}:role/path/${r.word(6)}/${r.word(8)}`,
    () => `arn:aws:iam::${acct}:user/${r.word(10)}`,
    () => `arn:aws:sts::${acct}:assumed-role/${r.word(8)}/${r.word(8)}`,
    () => `arn:aws-us-gov:iam::${acct}:role/${r.word(8)}`,
    () => `${r.word(10)}.amazonaws.com`,
    () => ` arn:aws:iam::${acct}:role/${r.word(6)} `,
    () => `arn:${r.word(4)}:${r.word(3)}`,
    () => r.word(20, 'abc:/.*0123456789'),
  ])();
}
const BASES = A.operators.BASE_OPERATORS.map((o) => o.name);
function operatorValue(): string {
  const q = r.pick(['', '', 'ForAnyValue:', 'ForAllValues:', 'forAnyValue:', 'ForAnyValue:ForAllValues:']);
  const base = r.pick(BASES);
  const cut = r.int(base.length);
  const b = r.pick([() => base, () => r.recase(base), () => base.slice(0, cut) + base.slice(cut + 1), () => base + r.word(3)])();
  return `${q}${b}${r.pick(['', '', 'IfExists', 'ifexists'])}${r.next() < 0.6 ? r.int(1e5) : ''}`;
}
const KEYS = A.catalog.conditionKeys.map((k) => k.key);
function conditionKeyValue(): string {
  return r.pick([
    () => `kms:EncryptionContext:${r.word(12)}`,
    () => `${r.recase(r.pick(KEYS))}${r.next() < 0.5 ? r.word(3) : ''}`,
    () => `aws:PrincipalTag/${r.word(10)}`,
    () => `kms:${r.word(14)}`,
    () => r.word(16, 'abc:/.${}'),
  ])();
}

const HOT_ACTIONS = ['kms:Decrypt', 'kms:Get*', 'kms:*', 'kms:Decrpyt', 's3:GetObject'];

/** Each value asked twice of A (the second time in another order, with hot values between), once of B. */
function checkAll(values: readonly string[], ask: (core: Core, value: string) => unknown, hot: readonly string[] = []): void {
  const expected = new Map(values.map((v) => [v, ask(B, v)]));
  const hotExpected = new Map(hot.map((v) => [v, ask(B, v)]));
  const order = [...values, ...[...values].reverse()];
  order.forEach((v, i) => {
    assert.deepEqual(ask(A, v), expected.get(v), JSON.stringify(v));
    if (i % 100 === 0) for (const h of hot) assert.deepEqual(ask(A, h), hotExpected.get(h), `hot ${h}`);
    if (i % 1000 === 0) assertWithinBounds();
  });
  assertWithinBounds();
}

/** The largest size each memo of A reached, to show the feed went past every bound. */
const largest = new Map<string, number>();
function assertWithinBounds(): void {
  for (const m of A.memo.boundedMemos()) {
    assert.ok(m.size <= m.bound, `${m.name}: ${m.size} entries, bound ${m.bound}`);
    largest.set(m.name, Math.max(largest.get(m.name) ?? 0, m.size));
  }
}

const EXPECTED_MEMOS = [
  'wildcard.caseSensitive',
  'wildcard.caseInsensitive',
  'principal.parseCaller',
  'catalog.expandAction',
  'catalog.findConditionKey',
  'evaluate.keySupport',
  'operators.parseOperator',
  'actions.facts',
  'actions.suggestAction',
];

describe(`core caches stay bounded over ${N.toLocaleString('en')} distinct values, with fresh results`, () => {
  test('the memos are registered', () => {
    const names = A.memo.boundedMemos().map((m) => m.name);
    for (const name of EXPECTED_MEMOS) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  });

  const actions = distinct(N, actionValue);

  test('expandAction', () => {
    checkAll(actions, (core, v) => core.catalog.expandAction(v).map((a) => a.fullName), HOT_ACTIONS);
  });

  test('wildcard matching, both cases', () => {
    const texts = ['Decrypt', 'decrypt', 'GenerateDataKeyPair', 'kms', 'arn:aws:iam::111122223333:role/Admin', ''];
    checkAll(actions, (core, v) => texts.map((t) => [core.wildcard.wildcardMatcher(v).test(t), core.wildcard.wildcardMatcher(v, true).test(t)]));
  });

  test('parseCaller', () => {
    checkAll(distinct(N, principalValue), (core, v) => ({ ...core.principal.parseCaller(v) }), ['arn:aws:iam::111122223333:role/ci']);
  });

  test('parseOperator', () => {
    checkAll(distinct(N, operatorValue), (core, v) => core.operators.parseOperator(v), ['StringEquals', 'ArnLike']);
  });

  test('findConditionKey', () => {
    checkAll(distinct(N, conditionKeyValue), (core, v) => core.catalog.findConditionKey(v)?.key, ['kms:ViaService', 'aws:PrincipalArn']);
  });

  test('the action rules and their did-you-mean', () => {
    // Chunks of 500 values per policy; each chunk's findings, as a fresh instance gives them.
    const chunks: string[] = [];
    for (let i = 0; i < actions.length; i += 500) chunks.push(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: [...actions.slice(i, i + 500), ...HOT_ACTIONS], Resource: '*' }] }));
    const findings = (core: Core, text: string) => {
      const policy = core.parse.parsePolicy(text);
      return core.actions.unknownAction.check(policy, { policy, access: () => [] }).map((f) => [f.span.start, f.message, f.data]);
    };
    checkAll(chunks, findings);
  });

  test('condition keys in the evaluator', () => {
    // 40 policies of 100 distinct kms: keys each.
    const keys = distinct(4000, () => r.pick<() => string>([() => `kms:EncryptionContext:${r.word(12)}`, () => `kms:${r.word(14)}`, () => r.recase(r.pick(KEYS.filter((k) => k.startsWith('kms:'))))])());
    const policies: string[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      const condition = { StringEqualsIfExists: Object.fromEntries(keys.slice(i, i + 100).map((k) => [k, 'x'])) };
      policies.push(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/ci' }, Action: 'kms:*', Resource: '*', Condition: condition }] }));
    }
    checkAll(policies, (core, text) => {
      const policy = core.parse.parsePolicy(text);
      return ['kms:Decrypt', 'kms:CreateGrant', 'kms:Sign', 'kms:Nope'].map((action) => core.evaluate.evaluate(policy, { principal: 'arn:aws:iam::111122223333:role/ci', action, context: { 'kms:ViaService': 'x' } }).result);
    });
  });

  test('every memo went past half its bound (evicting) and never past its bound', () => {
    assertWithinBounds();
    for (const m of A.memo.boundedMemos()) {
      if (!EXPECTED_MEMOS.includes(m.name)) continue;
      assert.ok((largest.get(m.name) ?? 0) >= m.bound / 2, `${m.name} reached ${largest.get(m.name)} of ${m.bound}: the feed did not exercise its eviction`);
    }
  });
});
