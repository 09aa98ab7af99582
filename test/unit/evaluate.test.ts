import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { kmsActions } from '../../server/src/core/catalog/catalog';
import { effectiveAccess, evaluate, holds, iamDelegations, whoCan, type AccessResult, type ContextValue } from '../../server/src/core/evaluate';
import { parsePolicy } from '../../server/src/core/policy/parse';

const ACCT = '111122223333';
const ROOT = `arn:aws:iam::${ACCT}:root`;
const CI = `arn:aws:iam::${ACCT}:role/ci`;
const APP_A = `arn:aws:iam::${ACCT}:role/appA`;
const PERSON1 = `arn:aws:iam::${ACCT}:user/person1`;
const OTHER_ROLE = `arn:aws:iam::${ACCT}:role/someone-else`;
const CI_SESSION = `arn:aws:sts::${ACCT}:assumed-role/ci/build-42`;
const FOREIGN = 'arn:aws:iam::444455556666:role/partner';

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const allow = (principal: unknown, action: unknown, extra: object = {}) => ({ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra });
const deny = (principal: unknown, action: unknown, extra: object = {}) => ({ Effect: 'Deny', Principal: principal, Action: action, Resource: '*', ...extra });
const ROOT_STATEMENT = allow({ AWS: ROOT }, 'kms:*');

// k9's published capability lists, as the article's LeastPrivilegePolicy uses them.
const ADMIN = ['CancelKeyDeletion', 'ConnectCustomKeyStore', 'CreateAlias', 'CreateCustomKeyStore', 'CreateGrant', 'CreateKey', 'DeleteAlias', 'DisableKey', 'DisableKeyRotation', 'DisconnectCustomKeyStore', 'EnableKey', 'EnableKeyRotation', 'PutKeyPolicy', 'RetireGrant', 'RevokeGrant', 'ScheduleKeyDeletion', 'TagResource', 'UntagResource', 'UpdateAlias', 'UpdateCustomKeyStore', 'UpdateKeyDescription'];
const READ_CONFIG = ['DescribeCustomKeyStores', 'DescribeKey', 'GetKeyPolicy', 'GetKeyRotationStatus', 'GetParametersForImport', 'GetPublicKey', 'ListAliases', 'ListGrants', 'ListKeyPolicies', 'ListKeys', 'ListResourceTags', 'ListRetirableGrants'];
const READ_DATA = ['Decrypt', 'Verify'];
const WRITE_DATA = ['Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateRandom', 'ImportKeyMaterial', 'ReEncryptFrom', 'ReEncryptTo', 'Sign'];
const kms = (names: string[]) => names.map((n) => `kms:${n}`);
const k9 = (sid: string, actions: string[], principals: string[]) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: kms(actions),
  Resource: '*',
  Condition: { ArnEquals: { 'aws:PrincipalArn': principals } },
});

/** The article's LeastPrivilegePolicy: ci administers and reads config, appA reads and writes data, person1 does everything. */
const LEAST_PRIVILEGE = policy(
  { Sid: 'AllowRootAndIdentityPolicies', ...ROOT_STATEMENT },
  k9('AllowRestrictedAdministerResource', ADMIN, [CI, PERSON1]),
  k9('AllowRestrictedReadConfig', READ_CONFIG, [CI, PERSON1]),
  k9('AllowRestrictedReadData', READ_DATA, [APP_A, PERSON1]),
  k9('AllowRestrictedWriteData', WRITE_DATA, [APP_A, PERSON1]),
  {
    Sid: 'DenyEveryoneElse',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      ArnNotEquals: { 'aws:PrincipalArn': [CI, APP_A, PERSON1, ROOT] },
      Bool: { 'aws:PrincipalIsAWSService': 'false' },
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' },
    },
  },
);

const P = {
  rootArn: policy(ROOT_STATEMENT),
  rootId: policy(allow({ AWS: ACCT }, 'kms:*')),
  rootIdArray: policy(allow({ AWS: [ACCT] }, ['kms:Decrypt', 'kms:Encrypt'])),
  direct: policy(allow({ AWS: [CI, PERSON1] }, 'kms:Decrypt')),
  star: policy(allow('*', 'kms:Decrypt')),
  starWithRoot: policy(ROOT_STATEMENT, allow('*', 'kms:Decrypt')),
  k9: policy(allow({ AWS: '*' }, 'kms:Decrypt', { Condition: { ArnEquals: { 'aws:PrincipalArn': CI } } })),
  arnLike: policy(allow({ AWS: '*' }, 'kms:Decrypt', { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/app-*` } } })),
  denyWins: policy(ROOT_STATEMENT, allow({ AWS: CI }, 'kms:*'), deny({ AWS: CI }, 'kms:Decrypt')),
  denyAccount: policy(allow({ AWS: CI }, 'kms:*'), deny({ AWS: ACCT }, 'kms:ScheduleKeyDeletion')),
  principalTypeRoot: policy(allow({ AWS: ROOT }, 'kms:*', { Condition: { StringEquals: { 'aws:PrincipalType': 'Root' } } })),
  principalTypeAccount: policy(allow({ AWS: ROOT }, 'kms:*', { Condition: { StringEquals: { 'aws:PrincipalType': 'Account' } } })),
  keySpecNotRsa1024: policy(allow({ AWS: CI }, 'kms:*'), deny({ AWS: CI }, 'kms:Decrypt', { Condition: { StringNotEquals: { 'kms:KeySpec': 'RSA_1024' } } })),
  notPrincipalDeny: policy(ROOT_STATEMENT, { Effect: 'Deny', NotPrincipal: { AWS: [CI, ROOT] }, Action: 'kms:*', Resource: '*' }),
  notPrincipalAccount: policy(ROOT_STATEMENT, { Effect: 'Deny', NotPrincipal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*' }),
  service: policy(allow({ Service: 's3.amazonaws.com' }, 'kms:Decrypt'), allow({ Service: ['sqs.amazonaws.com', 'sns.amazonaws.com'] }, 'kms:GenerateDataKey*')),
  viaService: policy(allow({ AWS: CI }, ['kms:Decrypt', 'kms:SynchronizeMultiRegionKey'], { Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } })),
  viaServiceDeny: policy(
    allow({ AWS: CI }, 'kms:*'),
    deny('*', 'kms:Decrypt', { Condition: { StringNotEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } }),
  ),
  grantIfExists: policy(allow({ AWS: CI }, ['kms:CreateGrant', 'kms:Decrypt'], { Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'true' } } })),
  grantNull: policy(allow({ AWS: CI }, 'kms:CreateGrant', { Condition: { Null: { 'kms:GrantIsForAWSResource': 'false' } } })),
  principalAccount: policy(allow({ AWS: '*' }, 'kms:Encrypt', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCT } } })),
  callerAccount: policy(ROOT_STATEMENT, allow({ AWS: '*' }, 'kms:Encrypt', { Condition: { StringEquals: { 'kms:CallerAccount': [ACCT, '444455556666'] } } })),
  forAnyValue: policy(allow({ AWS: '*' }, 'kms:Encrypt', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalAccount': ['1111*'] } } })),
  isService: policy(allow('*', 'kms:Decrypt', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } } })),
  notEqualsAbsent: policy(allow('*', 'kms:Decrypt', { Condition: { StringNotEquals: { 'aws:PrincipalArn': CI } } })),
  ifExistsArn: policy(allow('*', 'kms:Decrypt', { Condition: { ArnEqualsIfExists: { 'aws:PrincipalArn': CI } } })),
  ignoreCase: policy(allow('*', 'kms:Decrypt', { Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalArn': CI.toUpperCase() } } })),
  session: policy(allow({ AWS: [CI, `arn:aws:sts::${ACCT}:assumed-role/appA/one-session`] }, 'kms:Decrypt')),
  notAction: policy(allow({ AWS: CI }, undefined, { NotAction: 'kms:Decrypt', Action: undefined })),
  wildcardAction: policy(allow({ AWS: CI }, ['kms:GenerateDataKey*', 'KMS:re*'])),
  noResource: policy({ Effect: 'Allow', Principal: { AWS: CI }, Action: 'kms:*' }),
  kmsResource: policy({ Effect: 'Allow', Principal: { AWS: CI }, Action: 'kms:*', Resource: 'arn:aws:kms:*' }),
  s3Resource: policy({ Effect: 'Allow', Principal: { AWS: CI }, Action: 'kms:*', Resource: 'arn:aws:s3:::bucket/*' }),
  crossAccount: policy(ROOT_STATEMENT, allow({ AWS: FOREIGN }, 'kms:Decrypt'), allow({ AWS: 'arn:aws:iam::555555555555:root' }, 'kms:Encrypt')),
  LEAST_PRIVILEGE,
} satisfies Record<string, string>;

type Case = [name: string, policy: keyof typeof P, principal: string, action: string, expected: AccessResult, context?: Record<string, ContextValue>];

const cases: Case[] = [
  // root delegation, every way to write the account
  ['root ARN delegates a role to IAM', 'rootArn', CI, 'kms:Decrypt', 'via-iam'],
  ['root ARN delegates a user to IAM', 'rootArn', PERSON1, 'kms:PutKeyPolicy', 'via-iam'],
  ['root ARN allows the root user itself', 'rootArn', ROOT, 'kms:Decrypt', 'allowed'],
  ['a bare account id is the root user', 'rootArn', ACCT, 'kms:Decrypt', 'allowed'],
  ['root delegation covers an assumed-role session', 'rootArn', CI_SESSION, 'kms:Decrypt', 'via-iam'],
  ['root delegation does not reach another account', 'rootArn', FOREIGN, 'kms:Decrypt', 'not-allowed'],
  ['root delegation does not reach services', 'rootArn', 's3.amazonaws.com', 'kms:Decrypt', 'not-allowed'],
  ['{"AWS": ACCOUNT} delegates like the root ARN', 'rootId', CI, 'kms:Encrypt', 'via-iam'],
  ['{"AWS": [ACCOUNT]} in an array', 'rootIdArray', CI, 'kms:Encrypt', 'via-iam'],
  ['{"AWS": [ACCOUNT]} only for its actions', 'rootIdArray', CI, 'kms:Sign', 'not-allowed'],
  // named principals
  ['a named role is allowed', 'direct', CI, 'kms:Decrypt', 'allowed'],
  ['a named user is allowed', 'direct', PERSON1, 'kms:Decrypt', 'allowed'],
  ['without root delegation IAM grants nothing', 'direct', APP_A, 'kms:Decrypt', 'not-allowed'],
  ['a named role is not allowed other actions', 'direct', CI, 'kms:Encrypt', 'not-allowed'],
  ['a named role matches its sessions', 'direct', CI_SESSION, 'kms:Decrypt', 'allowed'],
  ['a named session matches only that session', 'session', `arn:aws:sts::${ACCT}:assumed-role/appA/one-session`, 'kms:Decrypt', 'allowed'],
  ['another session of that role is not named', 'session', `arn:aws:sts::${ACCT}:assumed-role/appA/other`, 'kms:Decrypt', 'not-allowed'],
  ['a session ARN does not name its role', 'session', APP_A, 'kms:Decrypt', 'not-allowed'],
  // "*" and {"AWS": "*"}
  ['"*" allows any role of the account', 'star', OTHER_ROLE, 'kms:Decrypt', 'allowed'],
  ['"*" allows services', 'star', 'logs.amazonaws.com', 'kms:Decrypt', 'allowed'],
  ['"*" with a root statement: another account needs its IAM too', 'starWithRoot', FOREIGN, 'kms:Decrypt', 'via-iam'],
  ['k9 {"AWS":"*"} + ArnEquals aws:PrincipalArn allows the listed role', 'k9', CI, 'kms:Decrypt', 'allowed'],
  ['k9 style allows the listed role\'s sessions (PrincipalArn is the role)', 'k9', CI_SESSION, 'kms:Decrypt', 'allowed'],
  ['k9 style does not allow an unlisted role', 'k9', APP_A, 'kms:Decrypt', 'not-allowed'],
  ['k9 style does not allow services (no aws:PrincipalArn)', 'k9', 's3.amazonaws.com', 'kms:Decrypt', 'not-allowed'],
  ['ArnLike with a wildcard matches', 'arnLike', `arn:aws:iam::${ACCT}:role/app-orders`, 'kms:Decrypt', 'allowed'],
  ['ArnLike with a wildcard does not match other names', 'arnLike', APP_A, 'kms:Decrypt', 'not-allowed'],
  ['ArnLike wildcards stay in their ARN part', 'arnLike', `arn:aws:iam::999999999999:role/app-orders`, 'kms:Decrypt', 'not-allowed'],
  // values a key never takes
  ['a value aws:PrincipalType never takes: the statement never applies', 'principalTypeRoot', ROOT, 'kms:PutKeyPolicy', 'not-allowed'],
  ['a value aws:PrincipalType can take stays undecided', 'principalTypeAccount', ROOT, 'kms:PutKeyPolicy', 'conditional'],
  ['StringNotEquals on a key spec that does not exist always holds: the Deny applies', 'keySpecNotRsa1024', CI, 'kms:Decrypt', 'denied'],
  // deny
  ['Deny wins over a direct Allow', 'denyWins', CI, 'kms:Decrypt', 'denied'],
  ['a Deny for one action leaves the others', 'denyWins', CI, 'kms:Encrypt', 'allowed'],
  ['a Deny naming the account applies to its roles', 'denyAccount', CI, 'kms:ScheduleKeyDeletion', 'denied'],
  ['NotPrincipal Deny spares the listed role', 'notPrincipalDeny', CI, 'kms:Decrypt', 'via-iam'],
  ['NotPrincipal Deny spares the listed role\'s sessions', 'notPrincipalDeny', CI_SESSION, 'kms:Decrypt', 'via-iam'],
  ['NotPrincipal Deny hits everyone else', 'notPrincipalDeny', APP_A, 'kms:Decrypt', 'denied'],
  ['NotPrincipal Deny spares the listed root user', 'notPrincipalDeny', ROOT, 'kms:Decrypt', 'allowed'],
  ['NotPrincipal with an account ARN spares only the root user', 'notPrincipalAccount', CI, 'kms:Decrypt', 'denied'],
  ['NotPrincipal with an account ARN spares the root user', 'notPrincipalAccount', ROOT, 'kms:Decrypt', 'allowed'],
  // service principals
  ['{"Service": ...} allows that service', 'service', 's3.amazonaws.com', 'kms:Decrypt', 'allowed'],
  ['{"Service": ...} does not allow another service', 'service', 'sqs.amazonaws.com', 'kms:Decrypt', 'not-allowed'],
  ['{"Service": [...]} with a wildcard action', 'service', 'sns.amazonaws.com', 'kms:GenerateDataKeyWithoutPlaintext', 'allowed'],
  ['{"Service": ...} does not allow roles', 'service', CI, 'kms:Decrypt', 'not-allowed'],
  ['Bool aws:PrincipalIsAWSService true allows services', 'isService', 'events.amazonaws.com', 'kms:Decrypt', 'allowed'],
  ['Bool aws:PrincipalIsAWSService true excludes roles', 'isService', CI, 'kms:Decrypt', 'not-allowed'],
  // conditions
  ['kms:ViaService is undecidable: conditional', 'viaService', CI, 'kms:Decrypt', 'conditional'],
  ['kms:ViaService given in context: allowed', 'viaService', CI, 'kms:Decrypt', 'allowed', { 'kms:ViaService': 's3.us-east-1.amazonaws.com' }],
  ['kms:ViaService given in context: no match', 'viaService', CI, 'kms:Decrypt', 'not-allowed', { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' }],
  ['kms:ViaService is absent for actions that do not support it', 'viaService', CI, 'kms:SynchronizeMultiRegionKey', 'not-allowed'],
  ['an undecidable Deny makes an Allow conditional', 'viaServiceDeny', CI, 'kms:Decrypt', 'conditional'],
  ['an undecidable Deny for one action leaves the others', 'viaServiceDeny', CI, 'kms:Encrypt', 'allowed'],
  ['the Deny decided from context: denied', 'viaServiceDeny', CI, 'kms:Decrypt', 'denied', { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' }],
  ['BoolIfExists on an absent grant key is true', 'grantIfExists', CI, 'kms:Decrypt', 'allowed'],
  ['BoolIfExists: grant key absent from CreateGrant unless given', 'grantIfExists', CI, 'kms:CreateGrant', 'allowed'],
  ['BoolIfExists: grant key given false', 'grantIfExists', CI, 'kms:CreateGrant', 'not-allowed', { 'kms:GrantIsForAWSResource': false }],
  ['Null false needs the grant key present', 'grantNull', CI, 'kms:CreateGrant', 'not-allowed'],
  ['Null false with the grant key present', 'grantNull', CI, 'kms:CreateGrant', 'allowed', { 'kms:GrantIsForAWSResource': 'true' }],
  ['StringEquals aws:PrincipalAccount: own account', 'principalAccount', OTHER_ROLE, 'kms:Encrypt', 'allowed'],
  ['StringEquals aws:PrincipalAccount: other account', 'principalAccount', FOREIGN, 'kms:Encrypt', 'not-allowed'],
  ['StringEquals aws:PrincipalAccount: services have no account', 'principalAccount', 's3.amazonaws.com', 'kms:Encrypt', 'not-allowed'],
  ['kms:CallerAccount lists a partner account: via-iam', 'callerAccount', FOREIGN, 'kms:Encrypt', 'via-iam'],
  ['ForAnyValue:StringLike on a single-valued key', 'forAnyValue', CI, 'kms:Encrypt', 'allowed'],
  ['ForAnyValue on an absent key is false', 'forAnyValue', 's3.amazonaws.com', 'kms:Encrypt', 'not-allowed'],
  ['StringNotEquals on an absent key is true', 'notEqualsAbsent', 's3.amazonaws.com', 'kms:Decrypt', 'allowed'],
  ['StringNotEquals on the listed value is false', 'notEqualsAbsent', CI, 'kms:Decrypt', 'not-allowed'],
  ['ArnEqualsIfExists: absent key is true', 'ifExistsArn', 's3.amazonaws.com', 'kms:Decrypt', 'allowed'],
  ['ArnEqualsIfExists: present key must match', 'ifExistsArn', APP_A, 'kms:Decrypt', 'not-allowed'],
  ['StringEqualsIgnoreCase', 'ignoreCase', CI, 'kms:Decrypt', 'allowed'],
  ['aws:PrincipalArn from context overrides the derived one', 'k9', `arn:aws:sts::${ACCT}:assumed-role/ci-path/x`, 'kms:Decrypt', 'allowed', { 'aws:PrincipalArn': CI }],
  // actions and resources
  ['NotAction allows what it does not list', 'notAction', CI, 'kms:Encrypt', 'allowed'],
  ['NotAction excludes what it lists', 'notAction', CI, 'kms:Decrypt', 'not-allowed'],
  ['action wildcards', 'wildcardAction', CI, 'kms:GenerateDataKeyPair', 'allowed'],
  ['action wildcards are case-insensitive', 'wildcardAction', CI, 'kms:ReEncryptTo', 'allowed'],
  ['the requested action is case-insensitive', 'direct', CI, 'KMS:decrypt', 'allowed'],
  ['a statement without Resource does not apply', 'noResource', CI, 'kms:Decrypt', 'not-allowed'],
  ['Resource arn:aws:kms:* applies', 'kmsResource', CI, 'kms:Decrypt', 'allowed'],
  ['Resource for another service does not apply', 's3Resource', CI, 'kms:Decrypt', 'not-allowed'],
  // cross-account
  ['a named role from another account needs its IAM too', 'crossAccount', FOREIGN, 'kms:Decrypt', 'via-iam'],
  ['an account delegation to a partner account', 'crossAccount', 'arn:aws:iam::555555555555:user/u', 'kms:Encrypt', 'via-iam'],
  // the article's LeastPrivilegePolicy
  ['LeastPrivilege: ci administers', 'LEAST_PRIVILEGE', CI, 'kms:PutKeyPolicy', 'allowed'],
  ['LeastPrivilege: ci reads config', 'LEAST_PRIVILEGE', CI, 'kms:DescribeKey', 'allowed'],
  ['LeastPrivilege: ci reads data only if IAM allows', 'LEAST_PRIVILEGE', CI, 'kms:Decrypt', 'via-iam'],
  ['LeastPrivilege: appA reads data', 'LEAST_PRIVILEGE', APP_A, 'kms:Decrypt', 'allowed'],
  ['LeastPrivilege: appA writes data', 'LEAST_PRIVILEGE', APP_A, 'kms:GenerateDataKey', 'allowed'],
  ['LeastPrivilege: appA does not administer unless IAM allows', 'LEAST_PRIVILEGE', APP_A, 'kms:ScheduleKeyDeletion', 'via-iam'],
  ['LeastPrivilege: person1 administers', 'LEAST_PRIVILEGE', PERSON1, 'kms:ScheduleKeyDeletion', 'allowed'],
  ['LeastPrivilege: person1 reads data', 'LEAST_PRIVILEGE', PERSON1, 'kms:Decrypt', 'allowed'],
  ['LeastPrivilege: actions newer than k9\'s lists need IAM', 'LEAST_PRIVILEGE', PERSON1, 'kms:RotateKeyOnDemand', 'via-iam'],
  ['LeastPrivilege: the root user', 'LEAST_PRIVILEGE', ROOT, 'kms:PutKeyPolicy', 'allowed'],
  ['LeastPrivilege: everyone else is denied', 'LEAST_PRIVILEGE', OTHER_ROLE, 'kms:Decrypt', 'denied'],
  ['LeastPrivilege: other accounts are denied', 'LEAST_PRIVILEGE', FOREIGN, 'kms:Decrypt', 'denied'],
  ['LeastPrivilege: a session of ci is ci', 'LEAST_PRIVILEGE', CI_SESSION, 'kms:PutKeyPolicy', 'allowed'],
  ['LeastPrivilege: services are not denied, nor allowed', 'LEAST_PRIVILEGE', 's3.amazonaws.com', 'kms:Decrypt', 'not-allowed'],
  ['LeastPrivilege: grants for AWS resources are carved out', 'LEAST_PRIVILEGE', OTHER_ROLE, 'kms:CreateGrant', 'via-iam', { 'kms:GrantIsForAWSResource': true }],
  ['LeastPrivilege: other grants are denied', 'LEAST_PRIVILEGE', OTHER_ROLE, 'kms:CreateGrant', 'denied', { 'kms:GrantIsForAWSResource': false }],
  ['LeastPrivilege: the carve-out is only for grant actions', 'LEAST_PRIVILEGE', OTHER_ROLE, 'kms:Decrypt', 'denied', { 'kms:GrantIsForAWSResource': true }],
];

describe('evaluate: key policy decisions', () => {
  const parsed = new Map(Object.entries(P).map(([k, text]) => [k, parsePolicy(text)]));
  for (const [name, policyName, principal, action, expected, context] of cases) {
    test(name, () => {
      const doc = parsed.get(policyName)!;
      assert.equal(doc.syntaxErrors.length, 0);
      const d = evaluate(doc, { principal, action, context });
      assert.equal(d.result, expected, `${policyName}: ${principal} ${action} -> ${d.result} (${d.reason})`);
    });
  }
});

describe('evaluate: decisions name their statements', () => {
  test('denied names the Deny, allowed the Allow', () => {
    const doc = parsePolicy(P.denyWins);
    assert.deepEqual(evaluate(doc, { principal: CI, action: 'kms:Decrypt' }).statements, [2]);
    assert.deepEqual(evaluate(doc, { principal: CI, action: 'kms:Encrypt' }).statements, [1]);
  });
  test('conditional names the undecided Deny and the reason says which key', () => {
    const d = evaluate(parsePolicy(P.viaServiceDeny), { principal: CI, action: 'kms:Decrypt' });
    assert.deepEqual(d.statements, [0, 1]);
    assert.match(d.reason, /kms:ViaService/);
  });
  test('via-iam names the root statement', () => {
    const d = evaluate(parsePolicy(LEAST_PRIVILEGE), { principal: CI, action: 'kms:Decrypt' });
    assert.deepEqual(d.statements, [0]);
    assert.match(d.reason, /AllowRootAndIdentityPolicies/);
  });
  test('an explicit keyAccount makes a named role from elsewhere via-iam', () => {
    const doc = parsePolicy(P.direct);
    assert.equal(evaluate(doc, { principal: CI, action: 'kms:Decrypt' }, { keyAccount: '999988887777' }).result, 'via-iam');
    assert.equal(evaluate(doc, { principal: CI, action: 'kms:Decrypt' }, { keyAccount: ACCT }).result, 'allowed');
  });
  test('a key ARN narrows Resource', () => {
    const doc = parsePolicy(policy({ Effect: 'Allow', Principal: { AWS: CI }, Action: 'kms:*', Resource: `arn:aws:kms:us-east-1:${ACCT}:key/abc` }));
    assert.equal(evaluate(doc, { principal: CI, action: 'kms:Decrypt' }).result, 'allowed');
    assert.equal(evaluate(doc, { principal: CI, action: 'kms:Decrypt' }, { keyArn: `arn:aws:kms:us-east-1:${ACCT}:key/abc` }).result, 'allowed');
    assert.equal(evaluate(doc, { principal: CI, action: 'kms:Decrypt' }, { keyArn: `arn:aws:kms:us-east-1:${ACCT}:key/def` }).result, 'not-allowed');
  });
  test('an action the catalog does not know still matches wildcards', () => {
    const doc = parsePolicy(P.rootArn);
    assert.equal(evaluate(doc, { principal: CI, action: 'kms:SomeFutureAction' }).result, 'via-iam');
    assert.equal(evaluate(doc, { principal: CI, action: 's3:GetObject' }).result, 'not-allowed');
  });
  test('broken policies decide nothing, and do not throw', () => {
    for (const text of ['', '{', '[]', '{"Statement": 3}', '{"Statement": [{"Effect": "Allow", "Principal": 3, "Action": {}}]}']) {
      assert.equal(evaluate(parsePolicy(text), { principal: CI, action: 'kms:Decrypt' }).result, 'not-allowed');
    }
  });
});

describe('effectiveAccess', () => {
  const doc = parsePolicy(LEAST_PRIVILEGE);
  const access = effectiveAccess(doc);
  const of = (principal: string) => access.find((a) => a.principal === principal)!;

  test('lists named principals, then stand-ins for everyone else', () => {
    assert.deepEqual(
      access.map((a) => [a.principal, a.origin]),
      [
        [ROOT, 'named'],
        [CI, 'named'],
        [PERSON1, 'named'],
        [APP_A, 'named'],
        [OTHER_ROLE, 'unnamed-same-account'],
        ['arn:aws:iam::999999999999:role/someone-else', 'unnamed-other-account'],
        ['someone-else.amazonaws.com', 'unnamed-service'],
      ],
    );
    assert.deepEqual(of(CI).namedIn, [1, 2, 5]);
  });
  test('every principal has every catalog action', () => {
    for (const a of access) assert.equal(Object.keys(a.actions).length, kmsActions.length);
  });
  test('who can call kms:PutKeyPolicy', () => {
    assert.deepEqual(whoCan(access, 'kms:PutKeyPolicy', ['allowed']).map((a) => a.principal), [ROOT, CI, PERSON1]);
    assert.deepEqual(whoCan(access, 'kms:putkeypolicy').map((a) => a.principal), [ROOT, CI, PERSON1, APP_A]);
  });
  test('capabilities: ci administers and reads config; appA reads and writes data', () => {
    assert.equal(holds(of(CI), 'administer-resource'), 'partial'); // k9's list lacks the 4 newer admin actions
    assert.equal(holds(of(CI), 'administer-resource', 'via-iam'), 'full');
    assert.equal(holds(of(CI), 'read-config'), 'partial');
    assert.equal(holds(of(CI), 'read-data'), 'none');
    assert.equal(holds(of(CI), 'read-data', 'via-iam'), 'full');
    assert.equal(holds(of(APP_A), 'read-data'), 'partial');
    assert.equal(of(APP_A).capabilities['write-data'].allowed, 'partial');
    assert.equal(of(APP_A).capabilities['administer-resource'].allowed, 'none');
    assert.equal(of(PERSON1).capabilities['delete-data'].viaIam, 'full');
  });
  test('nobody else gets in', () => {
    for (const a of access.filter((x) => x.origin !== 'named' && x.kind !== 'service')) {
      for (const d of Object.values(a.actions)) assert.equal(d.result, 'denied', a.principal);
    }
    for (const d of Object.values(of('someone-else.amazonaws.com').actions)) assert.equal(d.result, 'not-allowed');
  });
  test('what IAM could grant through root delegation', () => {
    const delegations = iamDelegations(doc);
    assert.equal(delegations.length, 1);
    assert.equal(delegations[0].account, ACCT);
    assert.deepEqual(delegations[0].statements, [0]);
    assert.deepEqual(delegations[0].actions, []); // DenyEveryoneElse shuts it
    const open = iamDelegations(parsePolicy(P.rootArn));
    assert.equal(open[0].actions.length, kmsActions.length);
  });
  test('principals named only in conditions: PrincipalAccount and CallerAccount', () => {
    const names = effectiveAccess(parsePolicy(P.callerAccount)).map((a) => a.principal);
    assert.ok(names.includes(ROOT));
    assert.ok(names.includes('arn:aws:iam::444455556666:root'));
  });
  test('an open policy lets everyone else in', () => {
    const open = effectiveAccess(parsePolicy(P.starWithRoot));
    const decrypt = (origin: string) => open.find((a) => a.origin === origin)!.actions['kms:Decrypt'].result;
    assert.equal(decrypt('unnamed-same-account'), 'allowed');
    assert.equal(decrypt('unnamed-other-account'), 'via-iam');
    assert.equal(decrypt('unnamed-service'), 'allowed');
  });
  test('an ArnLike pattern is listed as a principal and holds what it matches', () => {
    const pattern = effectiveAccess(parsePolicy(P.arnLike)).find((a) => a.principal === `arn:aws:iam::${ACCT}:role/app-*`)!;
    assert.equal(pattern.origin, 'named');
    assert.equal(pattern.actions['kms:Decrypt'].result, 'allowed');
    assert.equal(holds(pattern, 'read-data'), 'partial');
  });
  test('is cached per document', () => {
    assert.equal(effectiveAccess(doc), access);
  });
  // Its speed is measured by `npm run bench`, never asserted here (the machines are shared and noisy).
  test('50 principals x every action on a 32 KB policy', () => {
    const roles = Array.from({ length: 46 }, (_, i) => `arn:aws:iam::${ACCT}:role/app-${i}`);
    const statements: object[] = [ROOT_STATEMENT];
    const deny = {
      Sid: 'DenyEveryoneElse',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:*',
      Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [...roles, ROOT] }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
    };
    const all = [...ADMIN, ...READ_CONFIG, ...READ_DATA, ...WRITE_DATA];
    for (let i = 0; policy(...statements, deny).length < 32_000; i++) {
      statements.push(k9(`Allow${i}`, all.slice(0, 10 + ((i * 7) % 35)), roles.slice(i % 40, (i % 40) + 6)));
    }
    const text = policy(...statements, deny);
    assert.ok(text.length >= 32_000, `policy is ${text.length} chars`);
    const result = effectiveAccess(parsePolicy(text));
    assert.ok(result.length >= 50, `${result.length} principals`);
    const app0 = result.find((p) => p.principal === roles[0])!;
    assert.ok(['allowed', 'via-iam'].includes(app0.actions['kms:Decrypt'].result), 'a named role is let in');
    const someone = result.find((p) => p.origin === 'unnamed-same-account')!;
    assert.equal(someone.actions['kms:Decrypt'].result, 'denied');
  });
});
