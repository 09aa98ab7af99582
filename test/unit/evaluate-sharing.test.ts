/**
 * The evaluator finds a caller's statements through an index by principal, and effectiveAccess
 * lets principals with the same decision profile (the same statements, outcomes, account...)
 * share one set of decisions. Principals named together must still get their own decisions when
 * anything tells them apart: a Deny naming one, a condition on aws:PrincipalArn decided per
 * action, another account, a session of a named role, a service, NotPrincipal, "*".
 *
 * Every case is checked three ways: the expected result (and deciding statements) by hand,
 * evaluate() for that principal alone (no sharing), and effectiveAccess() (with sharing), whose
 * every decision must also equal evaluate()'s for the same principal and action.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { kmsActions } from '../../server/src/core/catalog/catalog';
import { effectiveAccess, evaluate, type AccessResult } from '../../server/src/core/evaluate';
import { parsePolicy } from '../../server/src/core/policy/parse';

const ACCT = '111122223333';
const OTHER = '444455556666';
const ROOT = `arn:aws:iam::${ACCT}:root`;
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const BOB = `arn:aws:iam::${ACCT}:user/bob`;
const CAROL = `arn:aws:iam::${ACCT}:user/carol`;
const CI = `arn:aws:iam::${ACCT}:role/ci`;
const CI_GOOD = `arn:aws:sts::${ACCT}:assumed-role/ci/build-1`;
const CI_BAD = `arn:aws:sts::${ACCT}:assumed-role/ci/untrusted`;
const ADMIN = `arn:aws:iam::${ACCT}:role/admin`;
const STRANGER = `arn:aws:iam::${ACCT}:role/stranger`;
const PARTNER = `arn:aws:iam::${OTHER}:role/partner`;
const PARTNER_ROOT = `arn:aws:iam::${OTHER}:root`;
const S3 = 's3.amazonaws.com';
const SQS = 'sqs.amazonaws.com';

const allow = (principal: unknown, action: unknown, extra: object = {}) => ({ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra });
const deny = (principal: unknown, action: unknown, extra: object = {}) => ({ Effect: 'Deny', Principal: principal, Action: action, Resource: '*', ...extra });

/** [principal, action, result, deciding statements (when given)] */
type Expect = [principal: string, action: string, result: AccessResult, statements?: number[]];

const CASES: [name: string, statements: object[], expect: Expect[]][] = [
  [
    'two users in one Allow, one of them also in a Deny',
    [allow({ AWS: [ALICE, BOB] }, ['kms:Decrypt', 'kms:Encrypt']), deny({ AWS: BOB }, 'kms:Decrypt')],
    [
      [ALICE, 'kms:Decrypt', 'allowed', [0]],
      [ALICE, 'kms:Encrypt', 'allowed', [0]],
      [BOB, 'kms:Decrypt', 'denied', [1]],
      [BOB, 'kms:Encrypt', 'allowed', [0]],
      [CAROL, 'kms:Decrypt', 'not-allowed', []],
    ],
  ],
  [
    'three users in one Allow share everything; a fourth named only in a Deny',
    [allow({ AWS: [ALICE, BOB, CAROL] }, 'kms:Decrypt'), deny({ AWS: [STRANGER] }, 'kms:*')],
    [
      [ALICE, 'kms:Decrypt', 'allowed', [0]],
      [BOB, 'kms:Decrypt', 'allowed', [0]],
      [CAROL, 'kms:Decrypt', 'allowed', [0]],
      [STRANGER, 'kms:Decrypt', 'denied', [1]],
    ],
  ],
  [
    'a role and its sessions: one session denied by name',
    [allow({ AWS: CI }, 'kms:*'), deny({ AWS: CI_BAD }, 'kms:ScheduleKeyDeletion')],
    [
      [CI, 'kms:ScheduleKeyDeletion', 'allowed', [0]],
      [CI_GOOD, 'kms:ScheduleKeyDeletion', 'allowed', [0]],
      [CI_BAD, 'kms:ScheduleKeyDeletion', 'denied', [1]],
      [CI_BAD, 'kms:Decrypt', 'allowed', [0]],
      [`arn:aws:sts::${ACCT}:assumed-role/admin/x`, 'kms:Decrypt', 'not-allowed', []],
    ],
  ],
  [
    'service principals, named and through "*"',
    [allow({ Service: S3 }, 'kms:Decrypt'), allow('*', 'kms:Encrypt', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } } }), allow({ Service: [SQS, S3] }, 'kms:GenerateDataKey')],
    [
      [S3, 'kms:Decrypt', 'allowed', [0]],
      [S3, 'kms:Encrypt', 'allowed', [1]],
      [S3, 'kms:GenerateDataKey', 'allowed', [2]],
      [SQS, 'kms:Decrypt', 'not-allowed', []],
      [SQS, 'kms:GenerateDataKey', 'allowed', [2]],
      ['logs.amazonaws.com', 'kms:Encrypt', 'allowed', [1]],
      [ALICE, 'kms:Encrypt', 'not-allowed', []],
    ],
  ],
  [
    'account principals: own account, another account, their roots and roles',
    [allow({ AWS: ACCT }, 'kms:*'), allow({ AWS: `arn:aws:iam::${OTHER}:root` }, 'kms:Decrypt'), allow({ AWS: [ALICE, ACCT] }, 'kms:Sign')],
    [
      [ROOT, 'kms:PutKeyPolicy', 'allowed', [0]],
      [ACCT, 'kms:PutKeyPolicy', 'allowed', [0]],
      [ALICE, 'kms:PutKeyPolicy', 'via-iam', [0]],
      [ALICE, 'kms:Sign', 'allowed', [2]],
      [BOB, 'kms:Sign', 'via-iam', [0, 2]],
      [PARTNER_ROOT, 'kms:Decrypt', 'allowed', [1]],
      [PARTNER, 'kms:Decrypt', 'via-iam', [1]],
      [PARTNER, 'kms:Encrypt', 'not-allowed', []],
    ],
  ],
  [
    'NotPrincipal: a Deny for everyone but the admin role and the root user',
    [allow({ AWS: ROOT }, 'kms:*'), { Effect: 'Deny', NotPrincipal: { AWS: [ADMIN, ROOT] }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' }, allow({ AWS: [ADMIN, ALICE] }, 'kms:ScheduleKeyDeletion')],
    [
      [ROOT, 'kms:ScheduleKeyDeletion', 'allowed', [0]],
      [ADMIN, 'kms:ScheduleKeyDeletion', 'allowed', [2]],
      [ALICE, 'kms:ScheduleKeyDeletion', 'denied', [1]],
      [ALICE, 'kms:Decrypt', 'via-iam', [0]],
      [STRANGER, 'kms:ScheduleKeyDeletion', 'denied', [1]],
      [S3, 'kms:ScheduleKeyDeletion', 'denied', [1]],
    ],
  ],
  [
    '"*" with an account condition, before and after named statements (statement order kept)',
    [
      allow('*', 'kms:Encrypt', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCT } } }),
      allow({ AWS: ALICE }, ['kms:Encrypt', 'kms:Decrypt']),
      allow({ AWS: '*' }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCT } } }),
      allow({ AWS: [ALICE, ACCT] }, 'kms:Encrypt'),
    ],
    [
      [ALICE, 'kms:Encrypt', 'allowed', [0, 1, 3]],
      [ALICE, 'kms:Decrypt', 'allowed', [1, 2]],
      [BOB, 'kms:Encrypt', 'allowed', [0]],
      [BOB, 'kms:Decrypt', 'allowed', [2]],
      [PARTNER, 'kms:Encrypt', 'not-allowed', []],
      [S3, 'kms:Decrypt', 'not-allowed', []],
    ],
  ],
  [
    'k9 style: "*" with aws:PrincipalArn, one of the listed users also denied by ARN',
    [
      allow({ AWS: '*' }, 'kms:Decrypt', { Condition: { ArnEquals: { 'aws:PrincipalArn': [ALICE, BOB] } } }),
      deny({ AWS: '*' }, 'kms:Decrypt', { Condition: { ArnEquals: { 'aws:PrincipalArn': BOB } } }),
    ],
    [
      [ALICE, 'kms:Decrypt', 'allowed', [0]],
      [BOB, 'kms:Decrypt', 'denied', [1]],
      [CAROL, 'kms:Decrypt', 'not-allowed', []],
    ],
  ],
  [
    'the same statements, with a per-action condition that reads the caller\'s ARN',
    [
      allow({ AWS: [ALICE, BOB] }, ['kms:Decrypt', 'kms:Encrypt'], {
        Condition: { StringEquals: { 'kms:EncryptionContext:team': 'payments' }, ArnEquals: { 'aws:PrincipalArn': ALICE } },
      }),
    ],
    [
      [ALICE, 'kms:Decrypt', 'conditional', [0]],
      [BOB, 'kms:Decrypt', 'not-allowed', []],
      [BOB, 'kms:Encrypt', 'not-allowed', []],
    ],
  ],
  [
    'the same "*" statement, callers in different accounts',
    [allow({ AWS: ROOT }, 'kms:*'), allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': [ACCT, OTHER] } } })],
    [
      [ALICE, 'kms:Decrypt', 'allowed', [1]],
      [PARTNER, 'kms:Decrypt', 'via-iam', [1]],
      [`arn:aws:iam::999988887777:role/x`, 'kms:Decrypt', 'not-allowed', []],
    ],
  ],
  [
    'one "*" statement for everyone: own account, another account, and that account\'s root user',
    [
      // The key's account is 111122223333 (delegated to, but only its root user matches this statement).
      allow({ AWS: ROOT }, 'kms:*', { Condition: { ArnEquals: { 'aws:PrincipalArn': ROOT } } }),
      allow('*', 'kms:Decrypt'),
      // Names alice, the partner role and the partner root; matches none of them.
      deny({ AWS: '*' }, 'kms:Encrypt', { Condition: { ArnEquals: { 'aws:PrincipalArn': [ALICE, PARTNER, PARTNER_ROOT] }, StringEquals: { 'aws:PrincipalAccount': '000000000000' } } }),
    ],
    [
      [ALICE, 'kms:Decrypt', 'allowed', [1]],
      [PARTNER, 'kms:Decrypt', 'via-iam', [1]],
      [PARTNER_ROOT, 'kms:Decrypt', 'allowed', [1]],
      [PARTNER, 'kms:Encrypt', 'not-allowed', []],
    ],
  ],
  [
    'many principals in many statements',
    Array.from({ length: 30 }, (_, i) => (i % 3 === 2 ? deny({ AWS: `arn:aws:iam::${ACCT}:user/u${i}` }, 'kms:Decrypt') : allow({ AWS: [`arn:aws:iam::${ACCT}:user/u${i}`, `arn:aws:iam::${ACCT}:user/u${i + 1}`] }, ['kms:Decrypt', 'kms:Encrypt']))),
    [
      [`arn:aws:iam::${ACCT}:user/u0`, 'kms:Decrypt', 'allowed', [0]],
      [`arn:aws:iam::${ACCT}:user/u1`, 'kms:Decrypt', 'allowed', [0, 1]],
      [`arn:aws:iam::${ACCT}:user/u2`, 'kms:Decrypt', 'denied', [2]],
      [`arn:aws:iam::${ACCT}:user/u2`, 'kms:Encrypt', 'allowed', [1]],
      [`arn:aws:iam::${ACCT}:user/u3`, 'kms:Decrypt', 'allowed', [3]],
      [`arn:aws:iam::${ACCT}:user/u29`, 'kms:Decrypt', 'denied', [29]],
      [`arn:aws:iam::${ACCT}:user/u29`, 'kms:Encrypt', 'allowed', [28]],
    ],
  ],
];

describe('evaluator: principal index and shared decisions', () => {
  for (const [name, statements, expect] of CASES) {
    describe(name, () => {
      const policy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));

      test('each principal alone (evaluate)', () => {
        const got = expect.map(([principal, action, , st]) => {
          const d = evaluate(policy, { principal, action });
          return [principal, action, d.result, ...(st ? [[...d.statements].sort((a, b) => a - b)] : [])];
        });
        assert.deepEqual(got, expect.map((e) => (e[3] ? [e[0], e[1], e[2], e[3]] : [e[0], e[1], e[2]])));
      });

      test('every principal together (effectiveAccess)', () => {
        const access = effectiveAccess(policy);
        const byPrincipal = new Map(access.map((p) => [p.principal, p]));
        for (const [principal, action, result, st] of expect) {
          const arn = /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal;
          const p = byPrincipal.get(arn);
          if (!p) continue; // not named by the policy: evaluate() above covers it
          assert.equal(p.actions[action].result, result, `${principal} ${action}`);
          if (st) assert.deepEqual([...p.actions[action].statements].sort((a, b) => a - b), st, `${principal} ${action} statements`);
        }
        // Every named principal and stand-in, every action: the same decision as alone.
        for (const p of access) {
          for (const a of kmsActions) assert.deepEqual(p.actions[a.fullName], evaluate(policy, { principal: p.principal, action: a.fullName }), `${p.principal} ${a.fullName}`);
        }
      });
    });
  }

  test('effectiveAccess lists each named principal once, with its own entry', () => {
    const policy = parsePolicy(JSON.stringify({ Statement: CASES[0][1] }));
    const named = effectiveAccess(policy).filter((p) => p.origin === 'named');
    assert.deepEqual(named.map((p) => p.principal), [ALICE, BOB]);
    assert.deepEqual(named.map((p) => p.namedIn), [[0], [0, 1]]);
    assert.notEqual(named[0].actions, named[1].actions, 'alice and bob do not share decisions');
    assert.equal(named[0].capabilities['read-data'].allowed, 'partial');
    assert.equal(named[1].capabilities['read-data'].allowed, 'none');
  });
});
