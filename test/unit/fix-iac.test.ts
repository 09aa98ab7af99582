/** `kms-policy fix` on CloudFormation templates and Terraform files (the real binary): edits in the host's syntax. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeIac, classify } from '../../server/src/core/iac/index';
import { iacFindings } from '../../server/src/core/iac/rules';
import { suggestAssignment, suggestsAdministrator } from '../../server/src/core/rewrite/suggest';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');
const FIXTURES = ['test/fixtures/iac/main.tf', 'test/fixtures/iac/orders.template.json', 'test/fixtures/iac/orders.template.yaml'];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function analyze(file: string, text: string) {
  const kind = classify(file, text);
  assert.ok(kind, `${file} is recognized as IaC`);
  return analyzeIac(text, kind);
}

/** The host text before the first policy and after the last one: what a fix must leave alone. */
function outside(file: string, text: string): { before: string; after: string } {
  const spans = analyze(file, text).policies.map((p) => p.embedded!.span);
  return { before: text.slice(0, Math.min(...spans.map((s) => s.start))), after: text.slice(Math.max(...spans.map((s) => s.end))) };
}

describe('kms-policy fix on IaC files', () => {
  for (const file of FIXTURES) {
    test(`${basename(file)}: --least-privilege rewrites every key policy in the host syntax, cleanly and idempotently; a key nobody named administers waits for --resource and --assign`, () => {
      const original = readFileSync(join(root, file), 'utf8');
      const first = run(['fix', '--least-privilege', file]);
      // A key with only the account root and an application: nobody to suggest as administrator,
      // so it is left as written and said (exit 1); the file's other keys are rewritten.
      const asked = analyze(file, original).policies.filter((p) => !suggestsAdministrator(suggestAssignment(p)));
      assert.equal(asked.length, 1, 'the fixture has one such key');
      assert.equal(first.code, 1, first.stderr);
      assert.match(first.stderr, /no role or user this policy names administers the key today .*Name one, with --resource [\w.]+: --assign/);
      // With several keys, the others are rewritten and this one is said to be left as written.
      const several = analyze(file, original).policies.length > 1;
      if (several) assert.ok(first.stderr.includes(`${asked[0].embedded!.resource}: no role or user`) && first.stderr.includes('(left as written)'), first.stderr);
      else assert.equal(first.stdout, '', 'a file with one key prints nothing when that key is refused');
      // Named with --resource and --assign (the application as written in the file), it is rewritten too.
      const dir0 = mkdtempSync(join(tmpdir(), 'kms-fix-iac-'));
      let r: ReturnType<typeof run>;
      try {
        const copy = join(dir0, basename(file));
        writeFileSync(copy, several ? first.stdout : original);
        const p = asked[0];
        const assigns = suggestAssignment(p).flatMap((s) => ['--assign', `${p.embedded!.display[s.principal] ?? s.principal}=${s.suggested.join(',')}`]);
        r = run(['fix', '--least-privilege', '--resource', p.embedded!.resource, '--assign', 'arn:aws:iam::111122223333:role/key-admin=administer-resource,read-config', ...assigns, copy]);
      } finally {
        rmSync(dir0, { recursive: true, force: true });
      }
      assert.equal(r.code, 0, r.stderr);
      assert.notEqual(r.stdout, original, 'something was rewritten');
      const after = analyze(file, r.stdout);
      assert.equal(after.problems.filter((p) => p.severity === 'error').length, 0, `the result parses in its host syntax: ${JSON.stringify(after.problems)}`);
      assert.equal(after.policies.length, analyze(file, original).policies.length, 'every key policy is still found');
      for (const p of after.policies) {
        const sids = p.statements.map((s) => s.sid?.value);
        assert.ok(sids.includes('AllowRestrictedAdministerResource'), `${p.embedded!.resource} has the capability statements: ${sids.join(', ')}`);
        assert.ok(!sids.includes('EnableIAMUserPermissions'), `${p.embedded!.resource}: the broad root statement is gone`);
      }
      const loud = iacFindings(after).filter((f) => (f.severity === 'error' || f.severity === 'warning') && f.code !== 'bypass-lockout-safety-check');
      assert.deepEqual(loud.map((f) => `${f.code}: ${f.message}`), [], 'no errors or warnings in the rewritten policies');
      assert.deepEqual(outside(file, r.stdout), outside(file, original), 'the text around the policies is unchanged');
      // Synthetic principals are written back as the user wrote them, and suggestions show them that way.
      assert.ok(!r.stdout.includes('000000000000'), 'no placeholder account in the output');
      assert.ok(!r.stderr.includes('000000000000'), 'suggestions name principals as written');
      const dir = mkdtempSync(join(tmpdir(), 'kms-fix-iac-'));
      try {
        const copy = join(dir, basename(file));
        writeFileSync(copy, r.stdout);
        const again = run(['fix', '--least-privilege', copy]);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout, r.stdout, 'a second rewrite changes nothing');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test(`${basename(file)}: the safe fixes correct the typo in the host syntax and keep the rest`, () => {
      const original = readFileSync(join(root, file), 'utf8');
      assert.match(original, /kms:Encrpyt/);
      const r = run(['fix', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /kms:Encrpyt/);
      assert.match(r.stdout, /kms:Encrypt\b/);
      const findings = iacFindings(analyze(file, r.stdout));
      assert.deepEqual(findings.filter((f) => f.code === 'unknown-action' || f.code === 'missing-deny-everyone-else' || f.code === 'iac-syntax').map((f) => f.message), []);
      assert.deepEqual(outside(file, r.stdout), outside(file, original));
    });
  }

  test('--resource rewrites only that key policy; --write writes the file', () => {
    const file = 'test/fixtures/iac/main.tf';
    const original = readFileSync(join(root, file), 'utf8');
    const before = analyze(file, original).policies;
    const dir = mkdtempSync(join(tmpdir(), 'kms-fix-iac-'));
    try {
      const copy = join(dir, 'main.tf');
      writeFileSync(copy, original);
      const r = run(['fix', '--least-privilege', '--resource', 'aws_kms_key.reports', '--assign', 'arn:aws:iam::111122223333:role/admin=administer-resource,read-config', '--write', copy]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /written/);
      const written = readFileSync(copy, 'utf8');
      const after = analyze(file, written).policies;
      const text = (ps: typeof before, name: string, t: string) => {
        const s = ps.find((p) => p.embedded!.resource === name)!.embedded!.span;
        return t.slice(s.start, s.end);
      };
      for (const other of ['aws_kms_key.orders', 'aws_kms_key_policy.invoices']) assert.equal(text(after, other, written), text(before, other, original), `${other} is untouched`);
      assert.match(text(after, 'aws_kms_key.reports', written), /arn:aws:iam::111122223333:role\/admin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad uses are usage errors that name what exists', () => {
    const file = 'test/fixtures/iac/main.tf';
    const missing = run(['fix', '--least-privilege', '--resource', 'nope', file]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no key policy in a resource named "nope" \(found: aws_kms_key\.orders, aws_kms_key\.reports, aws_kms_key_policy\.invoices\)/);
    const ambiguous = run(['fix', '--least-privilege', '--assign', 'arn:aws:iam::111122223333:role/x=administer-resource', file]);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /--assign applies to one key policy; name it with --resource/);
    const plain = run(['fix', '--resource', 'x', 'examples/orders.key-policy.json']);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /--resource names a key in a CloudFormation template or a Terraform file/);
    const dir = mkdtempSync(join(tmpdir(), 'kms-fix-iac-'));
    try {
      const empty = join(dir, 'empty.tf');
      writeFileSync(empty, 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n');
      const none = run(['fix', empty]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no KMS key policy found in this Terraform file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
