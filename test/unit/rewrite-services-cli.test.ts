/**
 * The three cases of issue 17, as `kms-policy fix --least-privilege` runs them: a policy with named
 * roles and two service statements, an AWS-default policy (EKS), and a CloudFormation template of
 * AWS's Security Reference Architecture. Service paths stay as written, every removal is printed,
 * Sids stay with what they do, the AWS-default refusal names --assign, a root-only DenyEveryoneElse
 * is refused with its reason, no ARN is listed twice.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeIac } from '../../server/src/core/iac/index';
import { evaluate } from '../../server/src/core/evaluate/index';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { runRules } from '../../server/src/core/rules/index';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');
const FIX = 'test/fixtures/rewrite';

function fix(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'fix', '--least-privilege', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const statementsOf = (text: string) => (JSON.parse(text) as { Statement: { Sid?: string; Effect: string; Action?: string | string[]; Condition?: Record<string, Record<string, string | string[]>> }[] }).Statement;

describe('case 1: named roles and two service statements', () => {
  const original = readFileSync(join(root, FIX, 'services.key-policy.json'), 'utf8');
  for (const style of ['key-policy-only', 'delegate-to-iam']) {
    test(`${style}: CloudTrail and the EBS path are kept as written and still work; the summary says what each keeps and loses`, () => {
      const r = fix(`${FIX}/services.key-policy.json`, '--style', style);
      assert.equal(r.code, 0, r.stderr);
      for (const sid of ['CloudTrailEncrypt', 'ViaEbs']) {
        const block = original.slice(original.lastIndexOf('{', original.indexOf(`"Sid": "${sid}"`)), original.indexOf('}\n    }', original.indexOf(`"Sid": "${sid}"`)));
        assert.ok(r.stdout.includes(block), `${sid} kept as written`);
      }
      const out = parsePolicy(r.stdout);
      const ctx = { context: { 'aws:SourceAccount': '111122223333', 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main' } };
      assert.equal(evaluate(out, { principal: 'cloudtrail.amazonaws.com', action: 'kms:GenerateDataKey', ...ctx }).result, 'allowed');
      for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey']) {
        assert.equal(evaluate(out, { principal: 'arn:aws:iam::111122223333:role/anyone', action, context: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }).result, 'allowed', `${action} through EC2`);
      }
      // Sids: the generated write-data statement has its own; kept statements keep theirs.
      const sids = statementsOf(r.stdout).map((s) => s.Sid);
      assert.ok(sids.includes('AllowRestrictedWriteData') && sids.filter((s) => s === 'CloudTrailEncrypt').length === 1);
      const ct = statementsOf(r.stdout).find((s) => s.Sid === 'CloudTrailEncrypt')!;
      assert.equal(ct.Action, 'kms:GenerateDataKey*', 'CloudTrailEncrypt still does what it did');
      assert.match(r.stderr, /cloudtrail\.amazonaws\.com keeps GenerateDataKey\* \(statement CloudTrailEncrypt, kept\)/);
      assert.match(r.stderr, /anyone in 111122223333 through ec2\.us-east-1\.amazonaws\.com keeps .*\(statement ViaEbs, kept\)/);
      assert.match(r.stderr, style === 'key-policy-only' ? /role\/platform-admin keeps administer-resource, read-config; loses read-data, write-data, delete-data \(statement Admins replaced\)/ : /role\/platform-admin keeps administer-resource, read-config; read-data, write-data, delete-data only if an IAM policy grants it now/);
      assert.match(r.stderr, /IAM policies in 111122223333 no longer grant access/);
      assert.deepEqual(runRules(out).filter((f) => f.severity !== 'info').map((f) => f.code), [], 'clean');
    });
  }
  test('--drop-service drops a path by service or Sid, and says so; an unknown name is a usage error', () => {
    const r = fix(`${FIX}/services.key-policy.json`, '--drop-service', 'cloudtrail', '--drop-service', 'ViaEbs');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('CloudTrailEncrypt') && !r.stdout.includes('ViaEbs'));
    assert.match(r.stderr, /cloudtrail\.amazonaws\.com loses GenerateDataKey\* \(statement CloudTrailEncrypt, dropped as asked\)/);
    assert.match(r.stderr, /through ec2\.us-east-1\.amazonaws\.com loses .*dropped as asked/);
    const bad = fix(`${FIX}/services.key-policy.json`, '--drop-service', 'sqs');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--drop-service sqs: no kept path .*CloudTrailEncrypt; ViaEbs/);
  });
});

describe('case 2: an AWS-default policy (EKS)', () => {
  test('without --assign the refusal names the way forward', () => {
    const r = fix(`${FIX}/aws-default-eks.key-policy.json`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--assign arn:aws:iam::111122223333:role\/<name>=administer-resource/);
    assert.equal(r.stdout, '');
  });
  test('assigning only the root is refused: a DenyEveryoneElse exempting the root alone denies every IAM role', () => {
    const r = fix(`${FIX}/aws-default-eks.key-policy.json`, '--style', 'delegate-to-iam', '--assign', 'arn:aws:iam::111122223333:root=administer-resource,read-config');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exempt only the account root .* deny every IAM role and user/);
  });
  test('with a role assigned: the EC2 path is kept and works for every role of the account, the root is listed once', () => {
    const r = fix(`${FIX}/aws-default-eks.key-policy.json`, '--style', 'delegate-to-iam', '--assign', 'arn:aws:iam::111122223333:role/eks-admin=administer-resource,read-config', '--assign', 'arn:aws:iam::111122223333:root=administer-resource');
    assert.equal(r.code, 0, r.stderr);
    const deny = statementsOf(r.stdout).find((s) => s.Sid === 'DenyEveryoneElse')!;
    assert.deepEqual(deny.Condition!.ArnNotEquals['aws:PrincipalArn'], ['arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:role/eks-admin']);
    const out = parsePolicy(r.stdout);
    const through = { context: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } };
    for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:CreateGrant', 'kms:GenerateDataKey']) assert.equal(evaluate(out, { principal: 'arn:aws:iam::111122223333:role/node-role', action, ...through }).result, 'allowed', action);
    // Through EC2, nothing else gets past DenyEveryoneElse for principals it does not name; directly, nothing at all.
    assert.equal(evaluate(out, { principal: 'arn:aws:iam::111122223333:role/node-role', action: 'kms:PutKeyPolicy', ...through }).result, 'denied');
    assert.equal(evaluate(out, { principal: 'arn:aws:iam::111122223333:role/node-role', action: 'kms:Decrypt', context: { 'kms:ViaService': null } }).result, 'denied');
    assert.match(r.stderr, /through ec2\.us-east-1\.amazonaws\.com keeps .*kept/);
    assert.deepEqual(runRules(out).filter((f) => f.severity !== 'info').map((f) => f.code), []);
  });
});

describe('case 3: a CloudFormation template of the Security Reference Architecture', () => {
  test('refused without an assignment, naming --assign; with one, the Config and CloudFormation paths stay in YAML with their intrinsics', () => {
    const refused = fix(`${FIX}/sra-config.template.yaml`);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--assign arn:aws:iam::<account>:role\/<name>=administer-resource/);
    const r = fix(`${FIX}/sra-config.template.yaml`, '--style', 'delegate-to-iam', '--assign', 'arn:aws:iam::111122223333:role/sra-admin=administer-resource,read-config');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aws:SourceAccount: !Ref AWS::AccountId\n/, 'the kept statement as written');
    assert.match(r.stdout, /kms:ViaService: !Sub cloudformation\.\$\{AWS::Region\}\.amazonaws\.com\n/);
    assert.match(r.stdout, /- !Sub cloudformation\.\$\{AWS::Region\}\.amazonaws\.com\n/, 'the DenyEveryoneElse exempts the path, in the host syntax');
    assert.ok(!r.stdout.includes('000000000000'), 'no placeholder account written');
    assert.match(r.stderr, /config\.amazonaws\.com keeps GenerateDataKey \(statement Allow Config to encrypt logs, kept\)/);
    assert.match(r.stderr, /IAM policies in \$\{pLogArchiveAccountId\} no longer grant access \(cross-account root delegation removed\)/);
    const [policy] = analyzeIac(r.stdout, 'cfn-yaml').policies;
    assert.deepEqual(runRules(policy).filter((f) => f.severity !== 'info').map((f) => f.code), []);
  });
});
