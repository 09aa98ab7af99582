import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { globMatch, wildcardMatcher } from '../../server/src/core/util/wildcard';
import { expandAction } from '../../server/src/core/catalog/catalog';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { runRules } from '../../server/src/core/rules/index';

test('IAM wildcards: * and ?, anchored at both ends', () => {
  const cases: [string, string, boolean][] = [
    ['kms:*', 'kms:Decrypt', true],
    ['kms:Gen*Key', 'kms:GenerateDataKey', true],
    ['kms:Gen*Key', 'kms:GenerateDataKeyPair', false],
    ['kms:?ncrypt', 'kms:Encrypt', true],
    ['kms:?ncrypt', 'kms:ReEncrypt', false],
    ['*', '', true],
    ['', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['arn:aws:iam::*:role/app-*', 'arn:aws:iam::111122223333:role/app-orders', true],
    ['.+(x)', '.+(x)', true],
    ['.+(x)', 'aa(x)', false],
  ];
  for (const [p, t, want] of cases) assert.equal(globMatch(p, t), want, `${p} ~ ${t}`);
  assert.equal(wildcardMatcher('KMS:decrypt').test('kms:Decrypt'), true, 'case-insensitive by default');
  assert.equal(wildcardMatcher('Role/App', true).test('role/app'), false, 'case-sensitive when asked');
});

test('a hostile pattern (many stars that cannot match) is answered, not hung on', () => {
  const bomb = '*a'.repeat(40) + 'b';
  assert.equal(globMatch(bomb, 'a'.repeat(200)), false);
  assert.deepEqual(expandAction('kms:' + bomb), []);
  // The same pattern all through a policy: rules and the evaluator still answer.
  const text = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:' + bomb, 'kms:PutKeyPolicy'], Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/' + bomb } } }] });
  assert.ok(runRules(parsePolicy(text)).some((f) => f.code === 'wildcard-matches-nothing'));
});
