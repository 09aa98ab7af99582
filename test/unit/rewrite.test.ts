import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { actionsOfCapability, CAPABILITIES, type Capability } from '../../server/src/core/catalog/catalog';
import { effectiveAccess, holds } from '../../server/src/core/evaluate/index';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { accountRootOf } from '../../server/src/core/rewrite/account';
import { apply } from '../../server/src/core/rewrite/edits';
import { generatePolicyText, LockoutError, rewriteEdits, STYLES, type Assignment, type Style } from '../../server/src/core/rewrite/leastPrivilege';
import { quickFixes } from '../../server/src/core/rewrite/quickFixes';
import { suggestAssignment, suggestsAdministrator, toAssignment } from '../../server/src/core/rewrite/suggest';
import { runRules } from '../../server/src/core/rules/index';

const root = join(__dirname, '..', '..', '..');
const ACCT = '111122223333';
const ROOT = `arn:aws:iam::${ACCT}:root`;
const CI = `arn:aws:iam::${ACCT}:role/ci`;
const APP = `arn:aws:iam::${ACCT}:role/appA`;
const PERSON = `arn:aws:iam::${ACCT}:user/person1`;
const DATA: Capability[] = ['read-data', 'write-data'];
const ADMIN: Capability[] = ['administer-resource', 'read-config'];

/** The article's NarrowerKeyPolicy, plus person1: root delegation, kms:* for appA, ci and person1, everyone else denied. */
const NARROWER = JSON.stringify(
  {
    Version: '2012-10-17',
    Id: 'NarrowerKeyPolicy',
    Statement: [
      { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'AllowFullAccess', Effect: 'Allow', Principal: { AWS: [APP, CI, PERSON] }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'DenyEveryoneElse',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:*',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [ROOT, APP, CI, PERSON] }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
      },
    ],
  },
  null,
  4,
);

const ARTICLE: Assignment = new Map([
  [CI, new Set(ADMIN)],
  [APP, new Set(DATA)],
  [PERSON, new Set<Capability>([...ADMIN, ...DATA])],
]);

function rewrite(text: string, assignment: Assignment, style: Style, principalForm: 'k9' | 'explicit' = 'k9'): string {
  const policy = parsePolicy(text);
  return apply(text, rewriteEdits(policy, assignment, { style, principalForm, accountRoot: accountRootOf(policy, [...assignment.keys()]) }));
}

function access(text: string) {
  const all = effectiveAccess(parsePolicy(text));
  return (principal: string) => all.find((p) => p.principal === principal)!;
}

describe("the article's path: NarrowerKeyPolicy -> LeastPrivilegePolicy", () => {
  test('the suggestion from holdings and names is the article assignment', () => {
    const s = suggestAssignment(parsePolicy(NARROWER));
    assert.deepEqual(
      s.map((x) => [x.principal, x.suggested]),
      [
        [APP, DATA],
        [CI, ADMIN],
        [PERSON, ['administer-resource', 'read-config', 'read-data', 'write-data']],
      ],
    );
  });

  for (const style of STYLES) {
    for (const form of ['k9', 'explicit'] as const) {
      test(`${style}, ${form} principals: ci administers, appA uses data, person1 does both, nobody else gets in`, () => {
        const out = rewrite(NARROWER, ARTICLE, style, form);
        const who = access(out);
        for (const c of CAPABILITIES) {
          assert.equal(holds(who(CI), c) === 'full', ADMIN.includes(c), `ci ${c}`);
          assert.equal(holds(who(APP), c) === 'full', DATA.includes(c), `appA ${c}`);
          assert.equal(holds(who(PERSON), c) === 'full', c !== 'delete-data', `person1 ${c}`);
          assert.equal(holds(who(APP), c), DATA.includes(c) ? 'full' : 'none', `appA holds nothing else directly: ${c}`);
        }
        const others = effectiveAccess(parsePolicy(out)).filter((p) => p.origin !== 'named');
        for (const p of others) {
          for (const [action, d] of Object.entries(p.actions)) assert.ok(d.result === 'not-allowed' || d.result === 'denied', `${p.principal} ${action} ${d.result}`);
        }
        const findings = runRules(parsePolicy(out)).filter((f) => f.severity !== 'info');
        assert.deepEqual(findings.map((f) => `${f.code}: ${f.message}`), [], 'clean output');
        assert.equal(rewrite(out, ARTICLE, style, form), out, 'idempotent');
      });
    }
  }

  test('the rewrite keeps Version, Id, the 4-space indentation and the Sids of surviving statements', () => {
    const out = rewrite(NARROWER, ARTICLE, 'delegate-to-iam');
    const json = JSON.parse(out);
    assert.equal(json.Id, 'NarrowerKeyPolicy');
    assert.deepEqual(json.Statement.map((s: { Sid: string }) => s.Sid), [
      'EnableIAMUserPermissions',
      'AllowRestrictedAdministerResource',
      'AllowRestrictedReadConfig',
      'AllowRestrictedReadData',
      'AllowRestrictedWriteData',
      'DenyEveryoneElse',
    ]);
    assert.ok(out.startsWith('{\n    "Version": "2012-10-17",\n    "Id": "NarrowerKeyPolicy",\n    "Statement": [\n        {\n            "Sid": "EnableIAMUserPermissions",'));
    const deny = json.Statement.at(-1);
    assert.deepEqual(deny.Condition.ArnNotEquals['aws:PrincipalArn'], [ROOT, CI, APP, PERSON]);
    assert.deepEqual(deny.Condition.BoolIfExists, { 'kms:GrantIsForAWSResource': 'false' });
  });

  test('the key-policy-only style drops the root statement and DenyEveryoneElse', () => {
    const json = JSON.parse(rewrite(NARROWER, ARTICLE, 'key-policy-only'));
    assert.ok(json.Statement.every((s: { Effect: string; Principal: { AWS: string } }) => s.Effect === 'Allow' && s.Principal.AWS === '*'));
  });
});

describe('k9 parity', () => {
  // The capability lists k9's Terraform module is given in its examples (its k9policy/*.tsv files).
  const K9: Record<Capability, string[]> = {
    'administer-resource': ['CancelKeyDeletion', 'ConnectCustomKeyStore', 'CreateAlias', 'CreateCustomKeyStore', 'CreateGrant', 'CreateKey', 'DeleteAlias', 'DisableKey', 'DisableKeyRotation', 'DisconnectCustomKeyStore', 'EnableKey', 'EnableKeyRotation', 'PutKeyPolicy', 'RetireGrant', 'RevokeGrant', 'ScheduleKeyDeletion', 'TagResource', 'UntagResource', 'UpdateAlias', 'UpdateCustomKeyStore', 'UpdateKeyDescription'],
    'read-config': ['DescribeCustomKeyStores', 'DescribeKey', 'GetKeyPolicy', 'GetKeyRotationStatus', 'GetParametersForImport', 'GetPublicKey', 'ListAliases', 'ListGrants', 'ListKeyPolicies', 'ListKeys', 'ListResourceTags', 'ListRetirableGrants'],
    'read-data': ['Decrypt', 'Verify'],
    'write-data': ['Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateRandom', 'ImportKeyMaterial', 'ReEncryptFrom', 'ReEncryptTo', 'Sign'],
    'delete-data': ['DeleteCustomKeyStore', 'DeleteImportedKeyMaterial'],
  };
  const NEWER: Record<string, Capability> = {
    DeriveSharedSecret: 'read-data', VerifyMac: 'read-data', GenerateMac: 'write-data', GetKeyLastUsage: 'read-config', ListKeyRotations: 'read-config',
    ReplicateKey: 'administer-resource', RotateKeyOnDemand: 'administer-resource', SynchronizeMultiRegionKey: 'administer-resource', UpdatePrimaryRegion: 'administer-resource',
  };
  const everyone: Assignment = new Map([[CI, new Set<Capability>(CAPABILITIES)]]);
  const text = generatePolicyText(everyone, { style: 'key-policy-only' });
  for (const c of CAPABILITIES) {
    test(`${c}: the same actions as k9, plus newer actions only where the design puts them`, () => {
      const statement = JSON.parse(text).Statement.find((s: { Sid: string }) => s.Sid.toLowerCase().includes(c.replace('-', '')));
      const ours = new Set<string>(statement.Action.map((a: string) => a.slice(4)));
      const theirs = new Set(K9[c]);
      assert.deepEqual([...theirs].filter((a) => !ours.has(a)), [], 'every k9 action is there');
      for (const extra of [...ours].filter((a) => !theirs.has(a))) assert.equal(NEWER[extra], c, `${extra} is newer than k9's lists and belongs to ${c}`);
      assert.deepEqual([...ours].sort(), actionsOfCapability(c).map((a) => a.name).sort());
    });
  }
  test('the generated policy has k9 statement Sids and k9-form principals', () => {
    const json = JSON.parse(text);
    assert.deepEqual(json.Statement.map((s: { Sid: string }) => s.Sid), ['AllowRestrictedAdministerResource', 'AllowRestrictedReadConfig', 'AllowRestrictedReadData', 'AllowRestrictedWriteData', 'AllowRestrictedDeleteData']);
    assert.deepEqual(json.Statement[0].Condition, { ArnEquals: { 'aws:PrincipalArn': [CI] } });
    assert.equal(generatePolicyText(everyone, { style: 'key-policy-only' }), text, 'same input, same bytes');
  });
  test('ArnLike where a principal holds a wildcard', () => {
    const json = JSON.parse(generatePolicyText(new Map([[`arn:aws:iam::${ACCT}:role/app-*`, new Set<Capability>(['administer-resource'])]]), { style: 'key-policy-only' }));
    assert.deepEqual(Object.keys(json.Statement[0].Condition), ['ArnLike']);
  });
});

describe('the suggestion counts what a principal\'s own statements give it', () => {
  const ROOT_STATEMENT = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };
  const policy = (...statements: object[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [ROOT_STATEMENT, ...statements] }));

  test('root delegation plus an application with kms:Decrypt and kms:CreateGrant: no administrator is suggested (not the application)', () => {
    const s = suggestAssignment(policy({ Sid: 'Use', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/orders' }, Action: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*' }));
    assert.deepEqual(s.map((x) => [x.principal, x.current, x.suggested]), [['arn:aws:iam::111122223333:role/orders', ['read-data'], ['read-data']]]);
    assert.equal(suggestsAdministrator(s), false);
  });

  test('kms:PutKeyPolicy, or the whole of administer-resource, is administration; a name does not need it spelled out', () => {
    const put = suggestAssignment(policy({ Sid: 'Ops', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/ops' }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' }));
    assert.ok(put[0].current.includes('administer-resource') && suggestsAdministrator(put), JSON.stringify(put));
    const deploy = suggestAssignment(policy({ Sid: 'Deploy', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/deploy' }, Action: 'kms:*', Resource: '*' }));
    assert.deepEqual(deploy[0].suggested, ['administer-resource', 'read-config']);
  });
});

describe('safety', () => {
  test('an assignment with no administrator is refused with a clear message', () => {
    assert.throws(() => rewrite(NARROWER, new Map([[APP, new Set(DATA)]]), 'key-policy-only'), (e: Error) => e instanceof LockoutError && /PutKeyPolicy/.test(e.message));
  });
});

describe('quick fixes that need the evaluator', () => {
  const example = readFileSync(join(root, 'examples', 'orders.key-policy.json'), 'utf8');
  function fixOnce(text: string, code: string, pick = 0): string {
    const policy = parsePolicy(text);
    const finding = runRules(policy).find((f) => f.code === code)!;
    assert.ok(finding, `no ${code}`);
    const fixes = quickFixes(policy, finding);
    assert.ok(fixes[pick], `no fix ${pick} for ${code}`);
    return apply(text, fixes[pick].edits);
  }
  test('add DenyEveryoneElse exempting the principals the policy allows', () => {
    const out = fixOnce(example, 'missing-deny-everyone-else');
    const codes = runRules(parsePolicy(out)).map((f) => f.code);
    assert.ok(!codes.includes('missing-deny-everyone-else'));
    assert.ok(!codes.includes('deny-everyone-else-dead-grant'));
    const deny = JSON.parse(out).Statement.at(-1);
    assert.deepEqual(deny.Condition.ArnNotEquals['aws:PrincipalArn'], [ROOT, APP, 'arn:aws:iam::111122223333:user/ci']);
    assert.ok(out.startsWith(example.slice(0, example.lastIndexOf('}\n  ]'))), 'the statements before it are untouched');
  });
  test('replace kms:* in one statement with the actions its principals need', () => {
    const text = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: CI }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' }, { Sid: 'App', Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:*', Resource: '*' }] }, null, 2);
    const out = fixOnce(text, 'over-broad-grant');
    const app = JSON.parse(out).Statement[1];
    assert.deepEqual(new Set(app.Action), new Set([...actionsOfCapability('read-data'), ...actionsOfCapability('write-data')].map((a) => a.fullName)));
    assert.equal(JSON.parse(out).Statement[0].Sid, 'Admin');
  });
  test('exempt a denied principal from DenyEveryoneElse', () => {
    const text = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: CI }, Action: 'kms:PutKeyPolicy', Resource: '*' }, { Sid: 'App', Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:Decrypt', Resource: '*' }, { Sid: 'DenyEveryoneElse', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': [CI] }, Bool: { 'aws:PrincipalIsAWSService': 'false' }, BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' } } }] }, null, 2);
    const out = fixOnce(text, 'deny-everyone-else-dead-grant');
    assert.deepEqual(JSON.parse(out).Statement[2].Condition.ArnNotEquals['aws:PrincipalArn'], [CI, APP]);
    assert.ok(!runRules(parsePolicy(out)).some((f) => f.code === 'deny-everyone-else-dead-grant'));
  });
  test('add the service carve-out, and move a Bool grant carve-out to BoolIfExists', () => {
    const base = { Version: '2012-10-17', Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: CI }, Action: 'kms:*', Resource: '*' }, { Sid: 'DenyEveryoneElse', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': [CI] } } }] };
    const out = fixOnce(JSON.stringify(base, null, 2), 'deny-everyone-else-carve-outs');
    assert.deepEqual(JSON.parse(out).Statement[1].Condition.Bool, { 'aws:PrincipalIsAWSService': 'false' });
    (base.Statement[1].Condition as Record<string, unknown>).Bool = { 'aws:PrincipalIsAWSService': 'false', 'kms:GrantIsForAWSResource': 'false' };
    const text = JSON.stringify(base, null, 2);
    const finding = runRules(parsePolicy(text)).find((f) => f.code === 'deny-everyone-else-carve-outs' && f.data?.replacement === 'BoolIfExists')!;
    const moved = JSON.parse(apply(text, quickFixes(parsePolicy(text), finding)[0].edits)).Statement[1].Condition;
    assert.deepEqual(moved.Bool, { 'aws:PrincipalIsAWSService': 'false' });
    assert.deepEqual(moved.BoolIfExists, { 'kms:GrantIsForAWSResource': 'false' });
  });
  test('the rewrite of the bundled example is clean', () => {
    const out = apply(example, rewriteEdits(parsePolicy(example), toAssignment(suggestAssignment(parsePolicy(example))), { style: 'key-policy-only' }));
    assert.deepEqual(runRules(parsePolicy(out)).filter((f) => f.severity !== 'info').map((f) => f.code), []);
  });
});
