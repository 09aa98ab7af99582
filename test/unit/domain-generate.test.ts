import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { actionsOfCapability, CAPABILITIES, kmsActions, type Capability } from '../../server/src/core/catalog/catalog';
import { checkSpec } from '../../server/src/core/spec/check';
import { driftFindings } from '../../server/src/core/spec/drift';
import { specFromPolicy } from '../../server/src/core/spec/fromPolicy';
import { generateFromSpec } from '../../server/src/core/spec/generate';
import { parseSpec } from '../../server/src/core/spec/parse';
import { effectiveAccess, evaluate, holds, type PrincipalAccess } from '../../server/src/core/evaluate/index';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { generatePolicyText } from '../../server/src/core/rewrite/leastPrivilege';
import { runRules } from '../../server/src/core/rules/index';

const root = join(__dirname, '..', '..', '..');
const ACCT = '111122223333';
const CI = `arn:aws:iam::${ACCT}:role/ci`;
const APP = `arn:aws:iam::${ACCT}:role/appA`;
const PERSON = `arn:aws:iam::${ACCT}:user/person1`;

const SPEC = `domain: orders
account: "${ACCT}"
key:
  policy: ./orders.key-policy.json
principals:
  ci: ${CI}
  appA: ${APP}
  person1: user/person1
access:
  administer-resource: [ci, person1]
  read-config: [ci, appA, person1]
  read-data: [appA, person1]
  write-data: [appA, person1]
  delete-data: []
`;

/** No drift between a policy and a spec, either way. */
function fromPolicyDriftFree(policyText: string, specText: string): boolean {
  const spec = parseSpec(specText, 'yaml');
  const findings = driftFindings(parsePolicy(policyText), [{ uri: 'file:///s.kms-domain.yaml', spec }]);
  assert.deepEqual(findings.map((f) => f.message), []);
  return true;
}

function generated(text: string, format: 'yaml' | 'json' = 'yaml'): string {
  const g = generateFromSpec(parseSpec(text, format));
  assert.ok(g.ok, g.ok ? '' : g.error);
  return g.text;
}

function decide(policyText: string, principal: string, action: string, context?: Record<string, string | boolean>) {
  return evaluate(parsePolicy(policyText), { principal, action, context }, { keyAccount: ACCT }).result;
}

describe('generating the key policy from a spec', () => {
  test('without services and grants: exactly the bytes of the rewrite generator for the same assignment', () => {
    const text = generated(SPEC);
    const assignment = new Map<string, Set<Capability>>([
      [CI, new Set<Capability>(['administer-resource', 'read-config'])],
      [APP, new Set<Capability>(['read-config', 'read-data', 'write-data'])],
      [PERSON, new Set<Capability>(['administer-resource', 'read-config', 'read-data', 'write-data'])],
    ]);
    assert.equal(text, generatePolicyText(assignment, { style: 'key-policy-only', principalForm: 'k9' }));
    assert.equal(generated(SPEC.replace('key:\n', 'key:\n  style: delegate-to-iam\n  id: orders\n')), generatePolicyText(assignment, { style: 'delegate-to-iam', accountRoot: `arn:aws:iam::${ACCT}:root` }, 'orders'));
  });

  test('same spec, same bytes: reparsed, reordered sections, comments, or written as JSON', () => {
    const a = generated(SPEC);
    assert.equal(generated(SPEC), a);
    const reordered = `# a comment\naccess:\n  read-data: [appA, person1]\n  administer-resource: [ci, person1]\n  write-data: [appA, person1]\n  read-config: [ci, appA, person1]\nprincipals:\n  ci: ${CI}\n  appA: ${APP}\n  person1: user/person1\nkey: {policy: ./orders.key-policy.json}\ndomain: orders\naccount: "${ACCT}"\n`;
    assert.equal(generated(reordered), a);
    const json = JSON.stringify({
      domain: 'orders',
      account: ACCT,
      key: { policy: './orders.key-policy.json' },
      principals: { ci: CI, appA: APP, person1: 'user/person1' },
      access: { 'administer-resource': ['ci', 'person1'], 'read-config': ['ci', 'appA', 'person1'], 'read-data': ['appA', 'person1'], 'write-data': ['appA', 'person1'] },
    });
    assert.equal(generated(json, 'json'), a);
    assert.match(a, /^\{\n {2}"Version": "2012-10-17",\n {2}"Statement": \[\n/);
    assert.ok(a.endsWith('}\n') && !a.includes('\r'));
  });

  test('the generated policy is clean under the policy rules (errors and warnings)', () => {
    for (const spec of [SPEC, SPEC.replace('key:\n', 'key:\n  style: delegate-to-iam\n')]) {
      const findings = runRules(parsePolicy(generated(spec))).filter((f) => f.severity !== 'info');
      assert.deepEqual(findings, []);
    }
  });

  test('services: the data statements need kms:ViaService (StringEquals with a region, StringLike without)', () => {
    const text = generated(`${SPEC}region: eu-west-1\nservices: [s3, sqs]\n`);
    const json = JSON.parse(text);
    const read = json.Statement.find((s: { Sid: string }) => s.Sid === 'AllowRestrictedReadData');
    assert.deepEqual(read.Condition, { ArnEquals: { 'aws:PrincipalArn': [APP, PERSON] }, StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'sqs.eu-west-1.amazonaws.com'] } });
    assert.equal(json.Statement.find((s: { Sid: string }) => s.Sid === 'AllowRestrictedAdministerResource').Condition.StringEquals, undefined, 'administration is not limited');
    assert.equal(decide(text, APP, 'kms:Decrypt', { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' }), 'allowed');
    assert.equal(decide(text, APP, 'kms:Decrypt', { 'kms:ViaService': 'lambda.eu-west-1.amazonaws.com' }), 'not-allowed');
    assert.equal(decide(text, APP, 'kms:Decrypt'), 'conditional', 'directly: depends on kms:ViaService, which the evaluator cannot know');
    const anyRegion = JSON.parse(generated(`${SPEC}services: [s3]\n`));
    assert.deepEqual(anyRegion.Statement.find((s: { Sid: string }) => s.Sid === 'AllowRestrictedWriteData').Condition.StringLike, { 'kms:ViaService': ['s3.*.amazonaws.com'] });
  });

  test('grantsForAWSResources: CreateGrant, ListGrants and RevokeGrant only for AWS resources, before DenyEveryoneElse, which exempts them', () => {
    const text = generated(`${SPEC.replace('key:\n', 'key:\n  style: delegate-to-iam\n').replace('principals:\n', 'principals:\n  ebs: role/ebs-attacher\n')}grantsForAWSResources: [appA, ebs]\n`);
    const json = JSON.parse(text);
    const sids = json.Statement.map((s: { Sid: string }) => s.Sid);
    assert.deepEqual(sids.slice(-2), ['AllowRestrictedGrantsForAWSResources', 'DenyEveryoneElse']);
    const grants = json.Statement.at(-2);
    assert.deepEqual(grants.Action, ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant']);
    assert.deepEqual(grants.Condition, { ArnEquals: { 'aws:PrincipalArn': [APP, `arn:aws:iam::${ACCT}:role/ebs-attacher`] }, Bool: { 'kms:GrantIsForAWSResource': 'true' } });
    assert.ok(json.Statement.at(-1).Condition.ArnNotEquals['aws:PrincipalArn'].includes(`arn:aws:iam::${ACCT}:role/ebs-attacher`));
    assert.equal(decide(text, APP, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': true }), 'allowed');
    assert.equal(decide(text, APP, 'kms:CreateGrant'), 'via-iam', 'a grant for anyone: only what IAM adds, as for anything else in delegate-to-iam');
    assert.equal(decide(text.replace('"delegate', '"x'), `arn:aws:iam::${ACCT}:role/ebs-attacher`, 'kms:Decrypt'), 'via-iam');
  });

  test('a spec that would lock the key, or has errors, generates nothing and says why', () => {
    const locked = generateFromSpec(parseSpec(SPEC.replace('administer-resource: [ci, person1]', 'administer-resource: []'), 'yaml'));
    assert.equal(locked.ok, false);
    assert.match(locked.ok ? '' : locked.error, /no principal holds administer-resource \(the key would be locked\)/);
    const typo = generateFromSpec(parseSpec(SPEC.replace('read-data: [appA', 'read-data: [appB'), 'yaml'));
    assert.match(typo.ok ? '' : typo.error, /^The domain spec has errors: access\.read-data: "appB" is not defined under principals\.$/);
  });
});

// ---- the round trip ---------------------------------------------------------------------------

/** Capabilities a principal holds in part (at the level that counts for its style): the spec cannot express those. */
function partial(p: PrincipalAccess, level: 'allowed' | 'via-iam'): Capability[] {
  return CAPABILITIES.filter((c) => holds(p, c, level) === 'partial');
}

describe('round trip: create a spec from a policy, generate the policy from the spec', () => {
  const dir = join(root, 'test', 'fixtures', 'policies');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    test(`${name}: the same effective access wherever the original was least-privilege`, () => {
      const original = parsePolicy(readFileSync(join(dir, name), 'utf8'));
      const created = specFromPolicy(original, { policyFileName: name });
      const spec = parseSpec(created.text, 'yaml');
      assert.deepEqual(checkSpec(spec).filter((f) => f.severity === 'error'), [], 'the created spec is valid');
      const regenerated = parsePolicy(generated(created.text));
      const delegate = /style: delegate-to-iam/.test(created.text);
      let compared = 0;
      for (const p of effectiveAccess(original, { keyAccount: ACCT }).filter((x) => x.origin === 'named' && x.kind !== 'root')) {
        const level = delegate ? 'allowed' : 'via-iam';
        const partly = new Set(partial(p, level));
        for (const c of partly) assert.match(created.text, new RegExp(`# \\S+ holds \\d+ of \\d+ ${c} actions today`), `the partial ${c} of ${p.principal} is noted`);
        for (const a of kmsActions.filter((x) => x.keyScoped)) {
          const before = p.actions[a.fullName].result;
          const held = before === 'allowed' || (level === 'via-iam' && before === 'via-iam');
          // Where the original holds a capability in part, the spec grants all of it: only the actions it held compare.
          if (partly.has(a.capability) && !held) continue;
          const after = evaluate(regenerated, { principal: p.principal, action: a.fullName }, { keyAccount: ACCT }).result;
          assert.equal(after, before, `${p.principal} ${a.fullName}`);
          compared++;
        }
      }
      assert.ok(compared > 50, `compared ${compared} decisions`);
    });
  }

  test('a capability-complete policy round-trips exactly, with no drift either way', () => {
    const text = generated(SPEC.replace('key:\n', 'key:\n  style: delegate-to-iam\n  id: orders-key-policy\n'));
    const created = specFromPolicy(parsePolicy(text), { policyFileName: 'orders.key-policy.json' });
    assert.equal(
      created.text,
      `# Created from orders.key-policy.json: the access it grants today, by evaluation.
# Tighten it, then run "Generate key policy from domain spec" (or kms-policy generate --write).
domain: orders
account: "${ACCT}"
key:
  policy: ./orders.key-policy.json
  style: delegate-to-iam
  id: orders-key-policy
principals:
  ci: ${CI}
  appA: ${APP}
  person1: ${PERSON}
access:
  administer-resource: [ci, person1]
  read-config: [ci, appA, person1]
  read-data: [appA, person1]
  write-data: [appA, person1]
  delete-data: []
`,
    );
    assert.equal(created.fileName, 'orders.kms-domain.yaml');
    assert.equal(generated(created.text), text, 'byte for byte');
    assert.ok(fromPolicyDriftFree(text, created.text));
  });

  test('services and grants are read back from the policy', () => {
    const text = generated(`${SPEC}region: eu-west-1\nservices: [s3, sqs]\ngrantsForAWSResources: [appA]\n`);
    const created = specFromPolicy(parsePolicy(text), { policyFileName: 'orders.key-policy.json' });
    assert.match(created.text, /\nregion: eu-west-1\n/);
    assert.match(created.text, /\nservices: \[s3, sqs\]\ngrantsForAWSResources: \[appA\]\n$/);
    assert.ok(fromPolicyDriftFree(text, created.text));
  });

  test('a broad policy: every capability it holds, the delegation noted, names from the ARNs', () => {
    const created = specFromPolicy(parsePolicy(readFileSync(join(root, 'examples', 'orders.key-policy.json'), 'utf8')), { policyFileName: 'orders.key-policy.json' });
    assert.match(created.text, /# Note: The policy delegates to IAM without DenyEveryoneElse; the policy generated from this spec denies everyone it does not name\.\n/);
    assert.match(created.text, /\nprincipals:\n {2}appA: arn:aws:iam::111122223333:role\/appA\n {2}ci: arn:aws:iam::111122223333:user\/ci\n/);
    for (const c of CAPABILITIES) assert.match(created.text, new RegExp(`\\n  ${c}: \\[appA, ci\\]\\n`));
    assert.equal(actionsOfCapability('read-data').length > 0, true);
  });
});
