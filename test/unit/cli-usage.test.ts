/**
 * The CLI as a Unix tool: every command answers --help and -h, `kms-policy --version`, and a
 * reader that goes away (`kms-policy check --format json DIR | head`) ends it quietly.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--help, -h and --version', () => {
  for (const [command, options] of [
    ['check', ['--format', '--fail-on', '--rule', '--output']],
    ['fix', ['--least-privilege', '--style', '--principal-form', '--assign', '--resource', '--write']],
    ['generate', ['--write', '--check']],
  ] as const) {
    for (const flag of ['--help', '-h']) {
      test(`kms-policy ${command} ${flag}: its usage and every option, on stdout, exit 0`, () => {
        // With the other arguments a real call has: help wins over them, and nothing is checked or written.
        const r = run([command, 'examples/orders.key-policy.json', flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.match(r.stdout, new RegExp(`^Usage: kms-policy ${command} `));
        for (const o of [...options, '--help']) assert.ok(r.stdout.includes(o), `${command} --help lists ${o}`);
        for (const other of ['check', 'fix', 'generate'].filter((c) => c !== command)) assert.doesNotMatch(r.stdout, new RegExp(`Usage: kms-policy ${other}`));
      });
    }
  }

  test('kms-policy help fix is kms-policy fix --help', () => {
    assert.equal(run(['help', 'fix']).stdout, run(['fix', '--help']).stdout);
  });

  test('kms-policy --help lists every command and its options', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['check', 'fix', 'generate']) assert.match(r.stdout, new RegExp(`Usage: kms-policy ${c} `));
    assert.match(r.stdout, /--version/);
  });

  test('kms-policy --version prints the package version', () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) {
      const r = run([flag]);
      assert.equal(r.code, 0, flag);
      assert.equal(r.stdout, `kms-policy ${version}\n`, flag);
    }
  });

  test('kms-policy-language-server --help, -h and --version answer and exit, without starting a server', () => {
    const server = join(root, 'bin', 'kms-policy-language-server.js');
    for (const flag of ['--help', '-h']) {
      const r = spawnSync(process.execPath, [server, flag], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${flag}: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: kms-policy-language-server \[--stdio/, flag);
    }
    const v = spawnSync(process.execPath, [server, '--version'], { encoding: 'utf8', timeout: 30_000 });
    assert.match(v.stdout, /^kms-policy-language-server \d+\.\d+\.\d+\n$/);
  });

  test('-h after -- is a path, not a request for help', () => {
    const r = run(['check', '--', '-h']);
    assert.equal(r.code, 2, 'no file named -h');
    assert.match(r.stderr, /-h: cannot read/);
  });

  test('an unknown option still says so, and points to the command\'s usage', () => {
    const r = run(['fix', '--bogus', 'x.json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--bogus/);
  });
});

describe('a closed stdout (kms-policy check ... | head)', () => {
  let dir: string;
  before(() => {
    // 30 policies with 200 typos each: about 2 MB of JSON findings, far more than a pipe holds
    // (64 KB) plus what the reader takes before it goes, so the CLI is certainly still writing then.
    dir = mkdtempSync(join(tmpdir(), 'kms-cli-epipe-'));
    const actions = Array.from({ length: 200 }, (_, i) => `"kms:Decrpyt${i}"`).join(', ');
    for (let i = 0; i < 30; i++) {
      writeFileSync(join(dir, `p${String(i).padStart(2, '0')}.key-policy.json`), `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/r${i}"}, "Action": [${actions}], "Resource": "*"}]}\n`);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the CLI stops quietly with 141 (as a shell reports SIGPIPE), no stack trace', async () => {
    const child = spawn(process.execPath, [BIN, 'check', '--format', 'json', '--fail-on', 'never', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy(); // what head does after its first lines
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.match(first.toString(), /^\{\n {2}"files": \[/, 'the report had started');
    assert.equal(stderr, '', 'nothing on stderr: no EPIPE, no stack trace, no summary of a report nobody reads');
    assert.equal(code, 141);
  });

  test('the whole report, when the reader stays, ends with exit 0', () => {
    const r = spawnSync(process.execPath, [BIN, 'check', '--format', 'json', '--fail-on', 'never', dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.length > 1_000_000, `${r.stdout.length} characters of JSON`);
    assert.equal((JSON.parse(r.stdout) as { files: unknown[] }).files.length, 30);
  });
});
