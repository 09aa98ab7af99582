/**
 * `kms-policy check --format text` writes each file's findings as it goes (and counts them as it
 * goes) rather than holding every report to the end. Over a mix of clean files, files with
 * findings, files that cannot be read and domain specs with drift, it must report exactly what
 * --format json reports: the same findings, the same summary line, the same exit code, to stdout
 * or to --output.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');
const FIXTURES = join(root, 'test', 'fixtures');
const FILE_CODES = new Set(['unreadable', 'binary', 'too-large', 'not-utf8']);

interface JsonReport {
  files: { file: string; findings: { code: string; severity: 'error' | 'warning' | 'info'; message: string; line: number; column: number }[] }[];
}

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The text lines the JSON report stands for: files that are only a file problem are not printed (stderr says it). */
function textLines(json: JsonReport): string[] {
  const lines: string[] = [];
  for (const r of json.files) {
    if (!r.findings.some((f) => !FILE_CODES.has(f.code))) continue;
    for (const f of r.findings) lines.push(`${r.file}:${f.line}:${f.column} ${f.severity} ${f.code} ${f.message}`);
  }
  return lines;
}

const sorted = (lines: string[]) => [...lines].sort();
const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

describe('kms-policy check: streamed text output = the JSON report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-cli-stream-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Clean policies and policies with findings (errors, warnings, infos).
  mkdirSync(join(dir, 'policies'));
  copyFileSync(join(FIXTURES, 'domain', 'cli', 'in-sync', 'payments.key-policy.json'), join(dir, 'policies', 'clean.key-policy.json'));
  for (const f of ['k9-key-policy-only.json', 'article-least-privilege.json', 'k9-generated.json']) copyFileSync(join(FIXTURES, 'policies', f), join(dir, 'policies', f.replace('.json', '.key-policy.json')));
  copyFileSync(join(FIXTURES, 'cli', 'broad', 'app.key-policy.json'), join(dir, 'policies', 'broad.key-policy.json'));
  writeFileSync(join(dir, 'policies', 'typo.key-policy.json'), '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/a"}, "Action": "kms:Decrpyt", "Resource": "*"}]}');
  writeFileSync(join(dir, 'policies', 'broken.key-policy.json'), '{"Version": "2012-10-17", "Statement": [');
  writeFileSync(join(dir, 'policies', 'package.json'), '{"name": "not-a-policy"}');
  // Files that cannot be checked.
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad', 'binary.key-policy.json'), Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x7d]));
  writeFileSync(join(dir, 'bad', 'latin1.key-policy.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
  writeFileSync(join(dir, 'bad', 'huge.key-policy.json'), '{"Statement": [' + ' '.repeat(3 * 1024 * 1024) + ']}');
  symlinkSync(join(dir, 'bad', 'missing-target.json'), join(dir, 'bad', 'dangling.json'));
  // IaC.
  mkdirSync(join(dir, 'iac'));
  copyFileSync(join(FIXTURES, 'iac', 'orders.template.yaml'), join(dir, 'iac', 'orders.template.yaml'));
  // Domain specs: drift on a policy in another folder (already written when the spec is read),
  // a spec in sync, a spec with its own problems.
  mkdirSync(join(dir, 'keys'));
  mkdirSync(join(dir, 'specs'));
  copyFileSync(join(FIXTURES, 'domain', 'cli', 'drift', 'payments.key-policy.json'), join(dir, 'keys', 'payments.key-policy.json'));
  writeFileSync(join(dir, 'specs', 'payments.kms-domain.yaml'), readFileSync(join(FIXTURES, 'domain', 'cli', 'drift', 'payments.kms-domain.yaml'), 'utf8').replace('./payments.key-policy.json', '../keys/payments.key-policy.json'));
  mkdirSync(join(dir, 'sync'));
  for (const f of ['payments.key-policy.json', 'payments.kms-domain.yaml']) copyFileSync(join(FIXTURES, 'domain', 'cli', 'in-sync', f), join(dir, 'sync', f));
  copyFileSync(join(FIXTURES, 'domain', 'invalid', 'missing-required.kms-domain.yaml'), join(dir, 'specs', 'missing-required.kms-domain.yaml'));
  copyFileSync(join(FIXTURES, 'domain', 'invalid', 'wrong-types.kms-domain.json'), join(dir, 'specs', 'wrong-types.kms-domain.json'));

  const VARIANTS: [name: string, args: string[]][] = [
    ['the whole tree', ['.']],
    ['policies before the specs that govern them', ['keys', 'policies', 'bad', 'iac', 'specs', 'sync']],
    ['specs before the policies they govern, and named files', ['specs', 'sync/payments.kms-domain.yaml', 'keys/payments.key-policy.json', 'policies', 'bad/binary.key-policy.json']],
    ['--rule changes severities and turns rules off', ['.', '--rule', 'drift-extra-access=warning', '--rule', 'separation-of-duties=off', '--rule', 'unknown-action=info']],
    ['--fail-on warning', ['.', '--fail-on', 'warning']],
    ['only clean files', ['policies/clean.key-policy.json', 'sync']],
  ];

  for (const [name, args] of VARIANTS) {
    test(name, () => {
      const text = run(['check', ...args], dir);
      const json = run(['check', '--format', 'json', ...args], dir);
      const report = JSON.parse(json.stdout) as JsonReport;
      assert.deepEqual(sorted(lines(text.stdout)), sorted(textLines(report)), 'the same findings');
      assert.equal(text.stderr, json.stderr, 'the same messages and summary line');
      assert.equal(text.code, json.code, 'the same exit code');
      // The summary counts every finding of the report, file problems included.
      const all = report.files.flatMap((f) => f.findings);
      const count = (s: string) => all.filter((f) => f.severity === s).length;
      const summary = lines(text.stderr).at(-1)!;
      assert.match(summary, new RegExp(`checked: ${count('error')} errors, ${count('warning')} warnings, ${count('info')} infos`), summary);
      const unreadable = report.files.filter((f) => f.findings.some((x) => FILE_CODES.has(x.code))).length;
      if (unreadable) assert.match(summary, new RegExp(`, ${unreadable} files? could not be checked$`));
      else assert.doesNotMatch(summary, /could not be checked/);
      // Each file's lines are together, in line order, except drift findings on a policy that came before its spec.
      for (const file of new Set(lines(text.stdout).map((l) => l.split(':')[0]))) {
        const own = lines(text.stdout).filter((l) => l.startsWith(`${file}:`) && !/ drift-/.test(l));
        if (own.length === 0) continue;
        const at = lines(text.stdout).map((l, i) => (l.startsWith(`${file}:`) && !/ drift-/.test(l) ? i : -1)).filter((i) => i >= 0);
        assert.equal(at.at(-1)! - at[0] + 1, own.length, `${file}: its lines are together`);
      }
    });
  }

  test('the mix has what it should (a guard on the fixtures above)', () => {
    const report = JSON.parse(run(['check', '--format', 'json', '.'], dir).stdout) as JsonReport;
    const codes = new Set(report.files.flatMap((f) => f.findings.map((x) => x.code)));
    for (const c of ['binary', 'not-utf8', 'too-large', 'unreadable', 'unknown-action', 'json-syntax', 'drift-extra-access', 'drift-missing-access', 'over-broad-grant']) assert.ok(codes.has(c), c);
    const severities = new Set(report.files.flatMap((f) => f.findings.map((x) => x.severity)));
    assert.deepEqual([...severities].sort(), ['error', 'info', 'warning']);
    assert.ok(report.files.some((f) => f.file.endsWith('clean.key-policy.json') && f.findings.length === 0), 'a clean file');
    assert.ok(report.files.some((f) => /missing-required/.test(f.file) && f.findings.length > 0), 'a spec with its own findings');
  });

  test('--output writes the text report to the file, the same as stdout; stderr unchanged', () => {
    const out = join(dir, 'report.txt');
    const toFile = run(['check', '.', '--output', out], dir);
    const toStdout = run(['check', '.'], dir);
    assert.equal(toFile.stdout, '', 'nothing on stdout');
    assert.equal(readFileSync(out, 'utf8'), toStdout.stdout);
    assert.ok(toStdout.stdout.length > 0);
    assert.equal(toFile.stderr, toStdout.stderr);
    assert.equal(toFile.code, toStdout.code);
    // A second run replaces the file rather than appending to it.
    run(['check', 'policies/clean.key-policy.json', '--output', out], dir);
    assert.equal(readFileSync(out, 'utf8'), '');
  });

  test('--output with only clean files writes an empty file', () => {
    const out = join(dir, 'clean.txt');
    writeFileSync(out, 'stale');
    const r = run(['check', 'policies/clean.key-policy.json', 'sync', '--output', out], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), '');
  });
});
