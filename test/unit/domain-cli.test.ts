import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { DOMAIN_RULES } from '../../server/src/core/spec/rules';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');
const IN_SYNC = 'test/fixtures/domain/cli/in-sync';
const DRIFT = 'test/fixtures/domain/cli/drift';

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SPEC = `domain: payments
account: "111122223333"
key:
  policy: ../keys/payments.key-policy.json
principals:
  ci: role/ci
  api: role/payments-api
access:
  administer-resource: [ci]
  read-config: [ci, api]
  read-data: [api]
  write-data: [api]
`;

describe('kms-policy generate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-generate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('prints the policy the spec generates: the same bytes every time', () => {
    const r = run(['generate', `${IN_SYNC}/payments.kms-domain.yaml`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(root, IN_SYNC, 'payments.key-policy.json'), 'utf8'));
    assert.equal(run(['generate', `${IN_SYNC}/payments.kms-domain.yaml`]).stdout, r.stdout);
  });

  test('--write writes key.policy relative to the spec\'s folder; --check says whether it is up to date', () => {
    mkdirSync(join(dir, 'specs'));
    mkdirSync(join(dir, 'keys'));
    const spec = join(dir, 'specs', 'payments.kms-domain.yaml');
    const target = join(dir, 'keys', 'payments.key-policy.json');
    writeFileSync(spec, SPEC);
    const missing = run(['generate', '--check', 'specs/payments.kms-domain.yaml'], dir);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'keys/payments.key-policy.json: missing; run kms-policy generate --write specs/payments.kms-domain.yaml\n');
    const written = run(['generate', '--write', 'specs/payments.kms-domain.yaml'], dir);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '');
    assert.equal(written.stderr, 'keys/payments.key-policy.json: written\n');
    assert.equal(readFileSync(target, 'utf8'), readFileSync(join(root, IN_SYNC, 'payments.key-policy.json'), 'utf8'));
    assert.equal(run(['generate', '--write', 'specs/payments.kms-domain.yaml'], dir).stderr, 'keys/payments.key-policy.json: unchanged\n');
    assert.equal(run(['generate', '--check', 'specs/payments.kms-domain.yaml'], dir).code, 0);
    writeFileSync(target, readFileSync(target, 'utf8').replace('payments-api', 'someone'));
    const stale = run(['generate', '--check', 'specs/payments.kms-domain.yaml'], dir);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /^keys\/payments\.key-policy\.json: out of date; run kms-policy generate --write/);
  });

  test('a spec with errors: the errors, file:line:col, and exit 1; nothing written', () => {
    const spec = join(dir, 'broken.kms-domain.yaml');
    writeFileSync(spec, SPEC.replace('administer-resource: [ci]', 'administer-resource: [cj]').replace('../keys/', './'));
    const r = run(['generate', '--write', spec]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `${spec}:9:25 error spec-undefined-principal "cj" is not defined under principals. Did you mean "ci"?\n${spec}: not generated: fix the errors above first\n`,
    );
    assert.equal(existsSync(join(dir, 'payments.key-policy.json')), false);
  });

  test('usage errors exit 2', () => {
    for (const args of [['generate'], ['generate', 'a.yaml', 'b.yaml'], ['generate', '--bogus', 'a.yaml'], ['generate', '--write', '--check', `${IN_SYNC}/payments.kms-domain.yaml`]]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.length > 0);
    }
    assert.equal(run(['generate', 'no-such.kms-domain.yaml']).code, 2);
  });
});

describe('kms-policy check with domain specs', () => {
  test('drift findings on the policy file and spec findings on the spec file, like any other finding', () => {
    const r = run(['check', DRIFT]);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `${DRIFT}/payments.key-policy.json:73:13 warning drift-missing-access api should write payments data per the payments domain spec, but nothing here lets api call Encrypt (+9 more write-data actions).`,
      `${DRIFT}/payments.key-policy.json:103:16 error drift-extra-access reporting can Decrypt here, but the payments domain spec gives reporting no read-data.`,
      `${DRIFT}/payments.kms-domain.yaml:4:11 warning spec-policy-out-of-date ./payments.key-policy.json is out of date with this spec (2 differences in effective access; the first): api should write payments data per the payments domain spec, but nothing here lets api call Encrypt (+9 more write-data actions). Regenerate it from this spec, or change the spec.`,
    ]);
    assert.equal(r.stderr, '1 key policy and 1 domain spec checked: 1 error, 2 warnings, 0 infos\n');
    assert.equal(r.code, 1, 'drift-extra-access is an error');
  });

  test('a spec and the policy it generates: clean, exit 0', () => {
    const r = run(['check', IN_SYNC]);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '1 key policy and 1 domain spec checked: 0 errors, 0 warnings, 0 infos\n');
    assert.equal(r.code, 0);
  });

  test('a spec named on the command line finds its policy, even outside the paths', () => {
    const r = run(['check', `${DRIFT}/payments.kms-domain.yaml`]);
    assert.match(r.stdout, /payments\.key-policy\.json:103:16 error drift-extra-access/);
    assert.match(r.stderr, /^0 key policies and 1 domain spec checked: 1 error, 2 warnings/);
  });

  test('--rule sets drift and spec ids; --format json carries them', () => {
    assert.equal(run(['check', '--rule', 'drift-extra-access=warning', DRIFT]).code, 0);
    const json = JSON.parse(run(['check', '--format', 'json', '--rule', 'spec-policy-out-of-date=off', DRIFT]).stdout);
    assert.deepEqual(json.files.map((f: { file: string; findings: { code: string }[] }) => [f.file, f.findings.map((x) => x.code)]), [
      [`${DRIFT}/payments.key-policy.json`, ['drift-missing-access', 'drift-extra-access']],
      [`${DRIFT}/payments.kms-domain.yaml`, []],
    ]);
  });

  test('--format sarif: valid SARIF whose rules include every spec and drift id', () => {
    const r = run(['check', '--format', 'sarif', DRIFT]);
    const sarif = JSON.parse(r.stdout);
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')));
    assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors?.slice(0, 3)));
    const rules = sarif.runs[0].tool.driver.rules as { id: string; help: { markdown: string }; defaultConfiguration: { level: string } }[];
    for (const d of DOMAIN_RULES) assert.ok(rules.some((x) => x.id === d.id), d.id);
    const drift = rules.find((x) => x.id === 'drift-extra-access')!;
    assert.match(drift.help.markdown, /^\*\*Default: error\.\*\* The key policy lets a principal do something/);
    assert.equal(drift.defaultConfiguration.level, 'error');
    for (const result of sarif.runs[0].results) assert.equal(rules[result.ruleIndex].id, result.ruleId);
    const extra = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'drift-extra-access');
    assert.deepEqual(extra.locations[0].physicalLocation.artifactLocation, { uri: `${DRIFT}/payments.key-policy.json`, uriBaseId: '%SRCROOT%' });
  });

  test('a missing policy, a duplicate domain, an unreadable spec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-check-specs-'));
    try {
      writeFileSync(join(dir, 'a.kms-domain.yaml'), SPEC.replace('../keys/', './'));
      writeFileSync(join(dir, 'b.kms-domain.json'), JSON.stringify({ domain: 'payments', key: { policy: './other.key-policy.json' }, access: { 'administer-resource': ['arn:aws:iam::111122223333:role/ci'] } }, null, 2));
      writeFileSync(join(dir, 'c.kms-domain.yml'), Buffer.from([0x64, 0x00, 0x01]));
      const r = run(['check', '.'], dir);
      assert.deepEqual(r.stdout.trim().split('\n'), [
        'a.kms-domain.yaml:1:9 warning spec-duplicate-domain Another domain spec also names the domain "payments": b.kms-domain.json. One data domain has one key and one spec; rename one of them.',
        'a.kms-domain.yaml:4:11 warning spec-policy-missing ./payments.key-policy.json does not exist. Generate it from this spec ("Generate key policy from domain spec", or kms-policy generate --write).',
        'b.kms-domain.json:2:13 warning spec-duplicate-domain Another domain spec also names the domain "payments": a.kms-domain.yaml. One data domain has one key and one spec; rename one of them.',
        'b.kms-domain.json:4:15 warning spec-policy-missing ./other.key-policy.json does not exist. Generate it from this spec ("Generate key policy from domain spec", or kms-policy generate --write).',
      ]);
      assert.match(r.stderr, /c\.kms-domain\.yml: binary file/);
      assert.equal(r.code, 2, 'a file that could not be checked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
