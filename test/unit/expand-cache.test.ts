/**
 * expandAction caches each value's expansion (a BoundedMemo of 2,000 values, see memo.test.ts), and the
 * evaluator expands each distinct Action/NotAction list once per policy. Both must give what a
 * fresh expansion gives, in any order of calls, across the eviction, and never mix up values
 * that differ only in their service, case, negation or list order.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { expandAction, findAction, kmsActions } from '../../server/src/core/catalog/catalog';
import { evaluate, type AccessResult } from '../../server/src/core/evaluate';
import { parsePolicy } from '../../server/src/core/policy/parse';

const CATALOG = require.resolve('../../server/src/core/catalog/catalog');

/** The expansion by a new instance of the catalog module: nothing cached. */
function fresh(value: string): string[] {
  const saved = require.cache[CATALOG];
  delete require.cache[CATALOG];
  try {
    const module = require(CATALOG) as typeof import('../../server/src/core/catalog/catalog');
    return module.expandAction(value).map((a) => a.fullName);
  } finally {
    require.cache[CATALOG] = saved;
  }
}

const names = (value: string) => expandAction(value).map((a) => a.fullName);
const ALL = kmsActions.map((a) => a.fullName);
const starting = (prefix: string) => ALL.filter((n) => n.startsWith(`kms:${prefix}`));


/** Values with their expansion written out (or derived from the catalog where it is long). */
const KNOWN: [value: string, expected: string[]][] = [
  ['*', ALL],
  ['kms:*', ALL],
  ['KMS:*', ALL],
  ['*:*', ALL],
  ['kms:Get*', starting('Get')],
  ['kms:get*', starting('Get')],
  ['k*:Decrypt', ['kms:Decrypt']],
  ['*:Decrypt', ['kms:Decrypt']],
  ['k?s:Encrypt', ['kms:Encrypt']],
  ['k*:Get*', starting('Get')],
  ['kms:Decrypt', ['kms:Decrypt']],
  ['KMS:DECRYPT', ['kms:Decrypt']],
  ['kms:GenerateDataKey*', ['kms:GenerateDataKey', 'kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext', 'kms:GenerateDataKeyWithoutPlaintext']],
  ['kms:?ign', ['kms:Sign']],
  ['kms:Decrypt*', ['kms:Decrypt']],
  ['kms:ReEncrypt*', ['kms:ReEncryptFrom', 'kms:ReEncryptTo']],
  ['s3:GetObject', []],
  ['s3:*', []],
  ['s3:Get*', []],
  ['x*:Decrypt', []],
  ['iam:Decrypt', []],
  ['Decrypt', []],
  ['kms', []],
  ['', []],
  ['kms:', []],
  ['kms:Nope', []],
  ['kms:Nope*', []],
  ['kms:Decrypt\nkms:Encrypt', []],
];
const VALUES = KNOWN.map(([v]) => v);

/** A small seeded shuffle, so that a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('expandAction: cached results are fresh results', () => {
  test('each value, first call, matches a fresh module and the expected actions', () => {
    for (const [value, expected] of KNOWN) {
      assert.deepEqual(fresh(value), expected, `fresh ${JSON.stringify(value)}`);
      assert.deepEqual(names(value), expected, JSON.stringify(value));
    }
  });

  test('repeated calls give the same actions', () => {
    for (let round = 0; round < 3; round++) for (const [value, expected] of KNOWN) assert.deepEqual(names(value), expected, `round ${round}: ${JSON.stringify(value)}`);
  });

  test('in mixed orders, each value keeps its own expansion', () => {
    const expected = new Map(KNOWN);
    for (let seed = 1; seed <= 5; seed++) {
      for (const value of shuffled([...VALUES, ...VALUES], seed)) assert.deepEqual(names(value), expected.get(value), `seed ${seed}: ${JSON.stringify(value)}`);
    }
  });

  test('values differing only in their service or a prefix do not share an entry', () => {
    // The same name under other services, right after the kms: one was cached.
    for (const name of ['Decrypt', 'Get*', '*', 'GenerateDataKey*']) {
      assert.ok(names(`kms:${name}`).length > 0);
      for (const other of ['s3', 'x*', 'kmsx', 'km', '']) assert.deepEqual(names(`${other}:${name}`), fresh(`${other}:${name}`), `${other}:${name} after kms:${name}`);
      assert.deepEqual(names(name), fresh(name), `${name} alone after kms:${name}`);
    }
  });

  test('past 2,000 distinct values (the cache is cleared), every value still expands as fresh', () => {
    // Over 2,100 distinct spellings: every action in several cases, wildcard prefixes and suffixes.
    const spellings: [string, string[]][] = [];
    const variants = (s: string) => [s, s.toLowerCase(), s.toUpperCase(), s.replace(/[a-z]/g, (c, i) => (i % 2 ? c.toUpperCase() : c))];
    for (const a of kmsActions) for (const v of variants(a.fullName)) spellings.push([v, [a.fullName]]);
    for (const a of kmsActions) {
      for (let k = 1; k <= a.name.length; k++) {
        const prefix = a.name.slice(0, k);
        for (const v of [`kms:${prefix}*`, `k*:${prefix}*`, `KMS:${prefix.toLowerCase()}*`]) spellings.push([v, ALL.filter((n) => n.toLowerCase().startsWith(`kms:${prefix.toLowerCase()}`))]);
        const suffix = a.name.slice(-k);
        spellings.push([`kms:*${suffix}`, ALL.filter((n) => n.toLowerCase().endsWith(suffix.toLowerCase()))]);
      }
    }
    const distinct = new Map(spellings);
    assert.ok(distinct.size > 2100, `${distinct.size} distinct values`);
    for (let pass = 0; pass < 2; pass++) {
      let i = 0;
      for (const [value, expected] of distinct) {
        assert.deepEqual(names(value), expected, `pass ${pass}: ${value}`);
        // The known values in between, so that some are looked up right after a clear.
        if (++i % 97 === 0) for (const [v, e] of KNOWN) assert.deepEqual(names(v), e, `after ${i} values: ${JSON.stringify(v)}`);
      }
    }
    for (const [value, expected] of KNOWN) assert.deepEqual(names(value), expected, JSON.stringify(value));
  });

  test('results are the catalog\'s action objects', () => {
    for (const value of ['kms:Decrypt', 'kms:Get*', 'k*:Decrypt']) for (const a of expandAction(value)) assert.equal(findAction(a.fullName), a);
  });
});

// ---- the evaluator: one expansion per distinct Action / NotAction list ----------------------------

const ACCT = '111122223333';
const role = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const allow = (who: string, action: object) => ({ Effect: 'Allow', Principal: { AWS: role(who) }, Resource: '*', ...action });
const deny = (who: string, action: object) => ({ Effect: 'Deny', Principal: { AWS: role(who) }, Resource: '*', ...action });

/** [principal, action, expected] under one policy. */
type Expect = [who: string, action: string, result: AccessResult];
const EVAL_CASES: [name: string, statements: object[], expect: Expect[], todo?: string][] = [
  [
    'the same list as Action and as NotAction',
    [allow('a', { Action: ['kms:Get*'] }), allow('b', { NotAction: ['kms:Get*'] })],
    [
      ['a', 'kms:GetKeyPolicy', 'allowed'],
      ['a', 'kms:Decrypt', 'not-allowed'],
      ['b', 'kms:GetKeyPolicy', 'not-allowed'],
      ['b', 'kms:Decrypt', 'allowed'],
    ],
  ],
  [
    'NotAction first, then the same list as Action',
    [allow('b', { NotAction: 'kms:Decrypt' }), allow('a', { Action: 'kms:Decrypt' })],
    [
      ['a', 'kms:Decrypt', 'allowed'],
      ['a', 'kms:Encrypt', 'not-allowed'],
      ['b', 'kms:Decrypt', 'not-allowed'],
      ['b', 'kms:Encrypt', 'allowed'],
    ],
  ],
  [
    'a Deny with NotAction beside an Allow with the same list',
    [allow('a', { Action: 'kms:*' }), deny('a', { NotAction: ['kms:Decrypt', 'kms:Encrypt'] }), allow('b', { Action: ['kms:Decrypt', 'kms:Encrypt'] })],
    [
      ['a', 'kms:Decrypt', 'allowed'],
      ['a', 'kms:Encrypt', 'allowed'],
      ['a', 'kms:Sign', 'denied'],
      ['b', 'kms:Encrypt', 'allowed'],
      ['b', 'kms:Sign', 'not-allowed'],
    ],
  ],
  [
    'lists with the same values in another order, or other case',
    [allow('a', { Action: ['kms:Decrypt', 'kms:Encrypt'] }), allow('b', { Action: ['kms:Encrypt', 'kms:Decrypt'] }), allow('c', { Action: ['KMS:decrypt'] })],
    [
      ['a', 'kms:Decrypt', 'allowed'],
      ['b', 'kms:Decrypt', 'allowed'],
      ['b', 'kms:Encrypt', 'allowed'],
      ['c', 'kms:Decrypt', 'allowed'],
      ['c', 'kms:Encrypt', 'not-allowed'],
    ],
  ],
  [
    'a list that is a prefix of another',
    [allow('a', { Action: ['kms:Decrypt'] }), allow('b', { Action: ['kms:Decrypt', 'kms:Sign'] })],
    [
      ['a', 'kms:Sign', 'not-allowed'],
      ['b', 'kms:Sign', 'allowed'],
    ],
  ],
  [
    'service wildcards and non-KMS values in lists',
    [allow('a', { Action: ['k*:Decrypt'] }), allow('b', { Action: ['s3:*'] }), allow('c', { NotAction: ['s3:*'] })],
    [
      ['a', 'kms:Decrypt', 'allowed'],
      ['a', 'kms:Encrypt', 'not-allowed'],
      ['b', 'kms:Decrypt', 'not-allowed'],
      ['c', 'kms:Decrypt', 'allowed'],
    ],
  ],
  [
    'a value with a line break in it is not the two values it looks like',
    [allow('a', { Action: ['kms:Decrypt\nkms:Encrypt'] }), allow('b', { Action: ['kms:Decrypt', 'kms:Encrypt'] })],
    [
      ['a', 'kms:Decrypt', 'not-allowed'],
      ['b', 'kms:Decrypt', 'allowed'],
      ['b', 'kms:Encrypt', 'allowed'],
    ],
  ],
  [
    'the other way round: the line-break value after the real list',
    [allow('b', { Action: ['kms:Decrypt', 'kms:Encrypt'] }), allow('a', { Action: ['kms:Decrypt\nkms:Encrypt'] })],
    [
      ['b', 'kms:Decrypt', 'allowed'],
      ['a', 'kms:Decrypt', 'not-allowed'],
    ],
  ],
];

describe('evaluator: each distinct Action / NotAction list expanded once per policy', () => {
  for (const [name, statements, expect, todo] of EVAL_CASES) {
    test(name, { todo }, () => {
      const policy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
      const got = expect.map(([who, action]) => [who, action, evaluate(policy, { principal: role(who), action }).result]);
      assert.deepEqual(got, expect);
    });
  }
});
