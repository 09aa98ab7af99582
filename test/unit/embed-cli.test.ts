/** `kms-policy check` on CloudFormation templates and Terraform files (the real binary). */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kms-policy check on IaC files', () => {
  test('a directory: templates and .tf files, the same rule ids at the IaC file lines', () => {
    const r = run(['check', 'test/fixtures/iac']);
    const lines = r.stdout.trim().split('\n').map((l) => l.split(' ').slice(0, 3).join(' '));
    assert.deepEqual(lines, [
      'test/fixtures/iac/main.tf:33:29 warning missing-deny-everyone-else',
      'test/fixtures/iac/main.tf:33:29 info root-delegation',
      'test/fixtures/iac/main.tf:41:37 error unknown-action',
      'test/fixtures/iac/main.tf:51:3 warning bypass-lockout-safety-check',
      'test/fixtures/iac/main.tf:60:33 info separation-of-duties',
      'test/fixtures/iac/main.tf:61:21 warning over-broad-grant',
      'test/fixtures/iac/main.tf:82:18 warning over-broad-grant',
      'test/fixtures/iac/main.tf:87:22 info separation-of-duties',
      'test/fixtures/iac/main.tf:95:18 warning resource-not-star',
      'test/fixtures/iac/orders.template.json:24:37 warning missing-deny-everyone-else',
      'test/fixtures/iac/orders.template.json:24:37 info root-delegation',
      'test/fixtures/iac/orders.template.json:32:41 error unknown-action',
      'test/fixtures/iac/orders.template.yaml:31:20 warning missing-deny-everyone-else',
      'test/fixtures/iac/orders.template.yaml:31:20 info root-delegation',
      'test/fixtures/iac/orders.template.yaml:40:17 error unknown-action',
      'test/fixtures/iac/orders.template.yaml:48:7 warning bypass-lockout-safety-check',
      'test/fixtures/iac/orders.template.yaml:56:19 info separation-of-duties',
      'test/fixtures/iac/orders.template.yaml:57:19 info separation-of-duties',
      'test/fixtures/iac/orders.template.yaml:58:21 warning over-broad-grant',
    ]);
    assert.match(r.stderr, /^6 key policies checked: 3 errors, 9 warnings, 7 infos/m);
    assert.equal(r.code, 1);
  });

  test('--rule works for IaC rule ids; a broken file is reported, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-iac-'));
    try {
      writeFileSync(join(dir, 'broken.tf'), 'resource "aws_kms_key" "k" {\n  bypass_policy_lockout_safety_check = true\n  policy = <<EOF\n{"Statement": []}\n');
      writeFileSync(join(dir, 'network.tf'), 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n');
      writeFileSync(join(dir, 'ci.yml'), 'on: push\njobs: {}\n');
      const r = run(['check', '--format', 'json', '--rule', 'bypass-lockout-safety-check=error', dir]);
      const out = JSON.parse(r.stdout) as { files: { file: string; findings: { code: string; severity: string; line: number }[] }[] };
      assert.deepEqual(out.files.map((f) => f.file.replace(/^.*\//, '')), ['broken.tf'], 'files without KMS keys are not reported');
      assert.deepEqual(out.files[0].findings.map((f) => [f.code, f.severity, f.line]), [
        ['iac-syntax', 'error', 1],
        ['bypass-lockout-safety-check', 'error', 2],
        ['iac-syntax', 'error', 3],
      ]);
      assert.equal(r.code, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
