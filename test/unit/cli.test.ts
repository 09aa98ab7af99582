import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kms-policy check (the real binary)', () => {
  test('correct policies: exit 0, information only', () => {
    const r = run(['check', 'test/fixtures/policies']);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length > 0 && lines.every((l) => / info (separation-of-duties|root-delegation|deny-everyone-else-carve-outs) /.test(l)), r.stdout);
    assert.match(r.stderr, /3 key policies checked: 0 errors, 0 warnings/);
    assert.equal(r.code, 0);
  });

  test('text output looks like a compiler: file:line:col severity id message', () => {
    const r = run(['check', 'test/fixtures/cli/broad']);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines, [
      'test/fixtures/cli/broad/app.key-policy.json:8:18 error unknown-action "kms:Decrpyt" is not a KMS action, so this grants or denies nothing. Did you mean "kms:Decrypt"?',
      'test/fixtures/cli/broad/app.key-policy.json:8:57 warning non-kms-action "s3:GetObject" is not a KMS action; a key policy only controls KMS actions on this key, so it has no effect here. Move it to an IAM or resource policy of s3.',
      'test/fixtures/cli/broad/named-by-content.json:1:183 warning resource-not-star In a key policy "Resource" means this key; write "*". A key ARN here breaks as soon as the policy is copied to another key or a replica.',
    ]);
    assert.equal(r.code, 1, 'an error finding fails the run by default');
    assert.doesNotMatch(r.stdout, /package\.json/, 'JSON that is not a key policy is not checked');
  });

  test('--format json: stable shape with 1-based lines and columns', () => {
    const r = run(['check', '--format', 'json', 'test/fixtures/cli/broad/app.key-policy.json']);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['files']);
    assert.equal(out.files[0].file, 'test/fixtures/cli/broad/app.key-policy.json');
    assert.deepEqual(out.files[0].findings[0], {
      code: 'unknown-action',
      severity: 'error',
      message: '"kms:Decrpyt" is not a KMS action, so this grants or denies nothing. Did you mean "kms:Decrypt"?',
      line: 8,
      column: 18,
      endLine: 8,
      endColumn: 31,
    });
  });

  test('--format sarif is valid SARIF 2.1.0 with rules, help and locations', () => {
    const r = run(['check', '--format', 'sarif', 'test/fixtures/cli/broad']);
    const sarif = JSON.parse(r.stdout);
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')));
    assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors?.slice(0, 3)));
    const run0 = sarif.runs[0];
    const rule = run0.tool.driver.rules.find((x: { id: string }) => x.id === 'unknown-action');
    assert.match(rule.help.markdown, /typo/);
    assert.equal(rule.defaultConfiguration.level, 'error');
    const result = run0.results.find((x: { ruleId: string }) => x.ruleId === 'unknown-action');
    assert.equal(run0.tool.driver.rules[result.ruleIndex].id, 'unknown-action');
    assert.deepEqual(result.locations[0].physicalLocation.artifactLocation, { uri: 'test/fixtures/cli/broad/app.key-policy.json', uriBaseId: '%SRCROOT%' });
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 8, startColumn: 18, endLine: 8, endColumn: 31 });
    // The validator is real: a broken document fails it.
    sarif.runs[0].results[0].level = 'fatal';
    assert.equal(validate(JSON.parse(JSON.stringify(sarif))), false);
  });

  test('--fail-on and --rule decide the exit code', () => {
    assert.equal(run(['check', '--fail-on', 'never', 'test/fixtures/cli/broad']).code, 0);
    assert.equal(run(['check', '--rule', 'unknown-action=warning', 'test/fixtures/cli/broad']).code, 0);
    assert.equal(run(['check', '--rule', 'unknown-action=warning', '--fail-on', 'warning', 'test/fixtures/cli/broad']).code, 1);
    const off = run(['check', '--rule', 'unknown-action=off', 'test/fixtures/cli/broad']);
    assert.doesNotMatch(off.stdout, /unknown-action/);
  });

  test('usage errors exit 2 with a message', () => {
    for (const args of [['check', '--format', 'xml'], ['check', '--rule', 'nope=error'], ['check', '--fail-on', 'sometimes'], ['frobnicate'], ['check', '--bogus']]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.length > 0);
    }
  });

  describe('bad files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-cli-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'ok.key-policy.json'), readFileSync(join(root, 'test/fixtures/policies/k9-key-policy-only.json')));
    writeFileSync(join(dir, 'binary.key-policy.json'), Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x7d]));
    writeFileSync(join(dir, 'latin1.key-policy.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    writeFileSync(join(dir, 'huge.key-policy.json'), '{"Statement": [' + ' '.repeat(3 * 1024 * 1024) + ']}');
    writeFileSync(join(dir, 'broken.key-policy.json'), '{"Version": "2012-10-17", "Statement": [');
    writeFileSync(join(dir, 'tsconfig.json'), '{ // comments: not a policy\n "compilerOptions": {} }');
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'missing-target.json'), join(dir, 'dangling.json'));
    const fifo = join(dir, 'fifo.key-policy.json');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo (coreutils) is needed for this test');

    test('each gets a clear message, the run goes on, and the exit code is non-zero', () => {
      const r = run(['check', '--format', 'json', dir, join(dir, 'no-such-file.json'), fifo]);
      const files = JSON.parse(r.stdout).files as { file: string; findings: { code: string; message: string }[] }[];
      const byName = (n: string) => files.find((f) => f.file.endsWith(n))?.findings ?? [];
      assert.equal(byName('binary.key-policy.json')[0]?.code, 'binary');
      assert.equal(byName('latin1.key-policy.json')[0]?.code, 'not-utf8');
      assert.equal(byName('huge.key-policy.json')[0]?.code, 'too-large');
      assert.match(byName('huge.key-policy.json')[0]?.message, /over the 2097152-byte limit/);
      assert.ok(byName('broken.key-policy.json').some((f) => f.code === 'json-syntax'));
      assert.equal(byName('dangling.json')[0]?.code, 'unreadable');
      assert.match(byName('fifo.key-policy.json')[0]?.message, /not a regular file/, 'a FIFO named on the command line is refused, not read forever');
      assert.match(byName('no-such-file.json')[0]?.message, /ENOENT/);
      assert.deepEqual(byName('ok.key-policy.json').filter((f) => f.code !== 'separation-of-duties'), [], 'the good file is still checked, once, despite the symlink loop');
      assert.equal(files.filter((f) => f.file.endsWith('ok.key-policy.json')).length, 1);
      assert.ok(!files.some((f) => f.file.endsWith('tsconfig.json')));
      assert.match(r.stderr, /binary file/);
      assert.equal(r.code, 2);
    });

    test('a file named on the command line is checked when its content is a key policy, whatever its name', () => {
      const r = run(['check', join(root, 'test/fixtures/cli/broad/named-by-content.json')]);
      assert.match(r.stdout, /resource-not-star/);
      const skipped = run(['check', join(root, 'test/fixtures/cli/broad/package.json')]);
      assert.match(skipped.stderr, /not a KMS key policy .*skipped/);
      assert.equal(skipped.code, 0);
    });
  });
});

describe('kms-policy fix', () => {
  test('--least-privilege prints the rewritten policy; --assign decides who gets what', () => {
    const r = run(['fix', '--least-privilege', '--assign', 'arn:aws:iam::111122223333:user/ci=administer-resource,read-config', '--assign', 'arn:aws:iam::111122223333:role/appA=read-data', 'examples/orders.key-policy.json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(json.Statement.map((s: { Sid: string }) => s.Sid), ['AllowRestrictedAdministerResource', 'AllowRestrictedReadConfig', 'AllowRestrictedReadData']);
    assert.equal(json.Id, 'orders-key-policy');
    assert.equal(readFileSync(join(root, 'examples/orders.key-policy.json'), 'utf8').includes('kms:*'), true, 'without --write the file is untouched');
  });
  test('--write writes; a lockout is refused; the safe fixes mode fixes typos', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-fix-'));
    try {
      const file = join(dir, 'p.key-policy.json');
      writeFileSync(file, readFileSync(join(root, 'examples/orders.key-policy.json')));
      assert.equal(run(['fix', '--least-privilege', '--style', 'delegate-to-iam', '--write', file]).code, 0);
      const written = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(written.Statement.at(-1).Sid, 'DenyEveryoneElse');
      assert.equal(run(['check', file]).code, 0, 'the written policy checks clean');
      const locked = run(['fix', '--least-privilege', '--assign', 'arn:aws:iam::111122223333:role/appA=read-data', file]);
      assert.equal(locked.code, 1);
      assert.match(locked.stderr, /PutKeyPolicy/);
      writeFileSync(file, '{"Statement": [{"Effect": "allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"}, "Action": ["kms:PutKeyPolicy", "kms:Decrpyt"], "Resource": "arn:aws:kms:us-east-1:111122223333:key/1"}]}');
      const fixed = run(['fix', file]);
      assert.equal(fixed.stdout, '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"}, "Action": ["kms:PutKeyPolicy", "kms:Decrypt"], "Resource": "*"}]}');
      assert.equal(run(['fix', '--style', 'nope', file]).code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--least-privilege says what a principal now gets from the key policy alone that it had only through root delegation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-fix-'));
    try {
      const file = join(dir, 'p.key-policy.json');
      const admin = ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'];
      writeFileSync(
        file,
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
            { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/Deploy' }, Action: admin, Resource: '*' },
          ],
        }),
      );
      const r = run(['fix', '--least-privilege', file]);
      assert.equal(r.code, 0, r.stderr);
      // The AWS-default administrator statement has no kms:ReplicateKey or kms:TagResource: the administer-resource capability does.
      const line = r.stderr.split('\n').find((l) => l.startsWith('arn:aws:iam::111122223333:role/Deploy keeps'));
      assert.match(line ?? '', /; gets [^;]*\bReplicateKey\b[^;]*\bTagResource\b[^;]* from the key policy alone \(before, only if an IAM policy granted it\)/, r.stderr);
      assert.doesNotMatch(line ?? '', /keeps [^;]*ReplicateKey/, 'not counted as kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--least-privilege on root delegation plus an application: no administrator to suggest, so it asks for one rather than making the application one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-fix-'));
    try {
      const file = join(dir, 'p.key-policy.json');
      writeFileSync(
        file,
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
            { Sid: 'Use', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/orders' }, Action: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*' },
          ],
        }),
      );
      const r = run(['fix', '--least-privilege', file]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /no role or user this policy names administers the key today \(arn:aws:iam::111122223333:role\/orders only use it/);
      assert.match(r.stderr, /--assign arn:aws:iam::111122223333:role\/<name>=administer-resource,read-config, and the others as suggested \(--assign arn:aws:iam::111122223333:role\/orders=read-data\)/);
      const named = run(['fix', '--least-privilege', '--assign', 'arn:aws:iam::111122223333:role/key-admin=administer-resource,read-config', '--assign', 'arn:aws:iam::111122223333:role/orders=read-data', file]);
      assert.equal(named.code, 0, named.stderr);
      assert.match(named.stderr, /role\/orders keeps Decrypt; gets DeriveSharedSecret, Verify, VerifyMac from the key policy alone \(before, only if an IAM policy granted it\); loses administer-resource, /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--least-privilege refuses, saying why, a policy it cannot read whole: a template, a duplicate key, a part not known here; the file is left as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-fix-'));
    try {
      const patterns = join(root, 'test', 'fixtures', 'patterns');
      const duplicate = join(dir, 'dup.key-policy.json');
      writeFileSync(
        duplicate,
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},\n' +
          ' {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app", "AWS": "arn:aws:iam::111122223333:role/other"}, "Action": "kms:*", "Resource": "*"}]}',
      );
      const cases: [string, RegExp][] = [
        [join(patterns, 'jinja-template.key-policy.json'), /This policy is a template \(\{% if logs_enabled %\}\): the rewrite would replace statements the template makes/],
        [duplicate, /the key "AWS" twice in one object, and AWS reads only one of them/],
        [join(patterns, 'concat.tf'), /Part of this policy is not known here \(var\.extra_statements; .*the rewrite would drop the statements and principals it stands for/],
        [join(patterns, 'escaped-json', 'main.tf'), /JSON written as an escaped string .*write it as jsonencode\(\{ \.\.\. \}\) or a heredoc first/],
      ];
      for (const [file, why] of cases) {
        const before = readFileSync(file, 'utf8');
        const r = run(['fix', '--least-privilege', '--write', file]);
        assert.equal(r.code, 1, `${file}: ${r.stderr}`);
        assert.match(r.stderr, why);
        assert.equal(r.stdout, '');
        assert.equal(readFileSync(file, 'utf8'), before, `${file} is unchanged`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
