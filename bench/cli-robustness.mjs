// The CLI on a hostile directory: unreadable files and directories, symlink loops, binary and
// non-UTF-8 files, a FIFO, an oversized file, deep nesting, and many small files. It must finish
// with clear messages and bounded memory. Run alone: node bench/cli-robustness.mjs [--files=N]
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './lib/lsp.mjs';
import { domainWorkspace } from './lib/generate.mjs';

const WRAPPER = join(ROOT, 'bench', 'lib', 'cli-wrapper.cjs');
/** Root reads everything: run the CLI as nobody so that mode 000 really is unreadable. */
const AS_NOBODY = typeof process.getuid === 'function' && process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {};

function small(i) {
  return `{"Version":"2012-10-17","Statement":[{"Sid":"Use","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app-${i}"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"}]}\n`;
}

/** Runs `kms-policy check ...args`, killing it after `timeoutMs`. */
function runCli(args, timeoutMs, nodeArgs = []) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, WRAPPER, 'check', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], ...AS_NOBODY });
    let stdoutBytes = 0;
    let stderr = '';
    let extra = '';
    child.stdout.on('data', (d) => (stdoutBytes += d.length));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdio[3].on('data', (d) => (extra += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let maxRss;
      try {
        maxRss = JSON.parse(extra).maxRss;
      } catch {
        /* killed */
      }
      resolve({ code, signal, ms: performance.now() - t0, stdoutBytes, stderr, maxRss, timedOut: signal === 'SIGKILL' });
    });
  });
}

export async function cliRobustness({ files = 100_000, log = (s) => console.error(s) } = {}) {
  const rows = [];
  const dir = mkdtempSync(join(tmpdir(), 'kms-bench-cli-'));
  chmodSync(dir, 0o755);
  try {
    const special = join(dir, 'special');
    mkdirSync(special);
    writeFileSync(join(special, 'ok.key-policy.json'), small(0));
    writeFileSync(join(special, 'unreadable.key-policy.json'), small(1));
    chmodSync(join(special, 'unreadable.key-policy.json'), 0o000);
    mkdirSync(join(special, 'locked'));
    writeFileSync(join(special, 'locked', 'inside.key-policy.json'), small(2));
    chmodSync(join(special, 'locked'), 0o000);
    symlinkSync('.', join(special, 'loop'));
    symlinkSync('..', join(special, 'parent-loop'));
    symlinkSync('self.key-policy.json', join(special, 'self.key-policy.json'));
    symlinkSync('nowhere.json', join(special, 'dangling.key-policy.json'));
    const binary = Buffer.alloc(4096);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) & 0xff;
    writeFileSync(join(special, 'binary.key-policy.json'), binary);
    writeFileSync(join(special, 'latin1.key-policy.json'), Buffer.from('{"Statement": [{"Sid": "caf\xe9", "Action": "kms:Decrypt"}]}', 'latin1'));
    writeFileSync(join(special, 'huge.key-policy.json'), '{"Statement": [' + '{"Action": "kms:Decrypt"},'.repeat(120_000) + ']}');
    writeFileSync(join(special, 'deep.key-policy.json'), '['.repeat(100_000) + ']'.repeat(100_000));
    try {
      execFileSync('mkfifo', [join(special, 'fifo.key-policy.json')]);
    } catch {
      log('cli-robustness: mkfifo unavailable; no FIFO case');
    }

    const dirRun = await runCli([special], 30_000);
    const messages = dirRun.stderr.trim().split('\n');
    log(`cli-robustness: kms-policy check special/ -> exit ${dirRun.code}${dirRun.timedOut ? ' (TIMED OUT)' : ''}\n  ${messages.join('\n  ')}`);
    rows.push({ name: 'hostile directory (unreadable, loops, binary, FIFO...)', value: dirRun.ms, note: `exit ${dirRun.code}${dirRun.timedOut ? ', TIMED OUT' : ''}; ${messages.length} stderr lines` });
    rows.detail = { special: messages };

    const fifoRun = await runCli([join(special, 'fifo.key-policy.json')], 5_000);
    rows.push({ name: 'a FIFO named on the command line', value: fifoRun.ms, note: fifoRun.timedOut ? '!! HANGS: killed after 5 s !!' : `exit ${fifoRun.code}: ${fifoRun.stderr.trim().split('\n')[0]}` });

    // Many small key policies: 1,000 per directory.
    const many = join(dir, 'many');
    mkdirSync(many);
    const t0 = performance.now();
    for (let d = 0; d * 1000 < files; d++) {
      const sub = join(many, `d${String(d).padStart(3, '0')}`);
      mkdirSync(sub);
      for (let i = d * 1000; i < Math.min(files, (d + 1) * 1000); i++) writeFileSync(join(sub, `p${i}.json`), small(i));
    }
    log(`cli-robustness: wrote ${files} files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const n of [...new Set([Math.min(files, 10_000), files])]) {
      const dirs = [];
      for (let d = 0; d * 1000 < n; d++) dirs.push(join(many, `d${String(d).padStart(3, '0')}`));
      for (const format of ['text', 'json']) {
        const r = await runCli([...dirs, '--format', format, '--fail-on', 'never'], 600_000);
        log(`cli-robustness: ${n} files, --format ${format}: exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s, peak RSS ${(r.maxRss / 1048576).toFixed(0)} MB, ${(r.stdoutBytes / 1048576).toFixed(1)} MB of output; ${r.stderr.trim().split('\n').slice(-1)[0]}`);
        rows.push({ name: `${n.toLocaleString('en')} small policies, --format ${format}: time`, value: r.ms, note: `exit ${r.code}${r.timedOut ? ', TIMED OUT' : ''}, ${(r.stdoutBytes / 1048576).toFixed(1)} MB output` });
        rows.push({ name: `${n.toLocaleString('en')} small policies, --format ${format}: peak RSS`, value: r.maxRss, unit: 'MB' });
      }
      if (n !== files) continue;
      // Peak RSS above mostly says how lazily V8 collects. Bounded memory is shown by finishing
      // under a small fixed heap: reports are written file by file, nothing grows with the count.
      const capped = await runCli([...dirs, '--format', 'json', '--fail-on', 'never'], 600_000, ['--max-old-space-size=48']);
      const ok = capped.code === 0 && !capped.timedOut;
      rows.push({ name: `${n.toLocaleString('en')} small policies, --format json, 48 MB heap cap`, value: capped.maxRss, unit: 'MB', note: ok ? `exit 0 in ${(capped.ms / 1000).toFixed(1)} s: memory does not grow with the file count` : `!! exit ${capped.code}${capped.signal ? ` (${capped.signal})` : ''}: does not fit !!` });
    }

    // Domain specs, each governing a policy that drifts from it (bench/lib/generate.mjs): checking
    // the CLI keeps each spec as its links (a few strings) and parses it again with its policy. 200 and
    // 800 pairs took 157 MB and 282 MB of RSS when the CLI held every spec and policy parse.
    const pairs = join(dir, 'pairs');
    const most = Math.max(200, Math.min(1000, Math.floor(files / 100)));
    for (const f of domainWorkspace(2 * most)) {
      mkdirSync(join(pairs, dirname(f.path)), { recursive: true });
      writeFileSync(join(pairs, f.path), f.text);
    }
    const teams = (count) => Array.from({ length: Math.ceil(count / 50) }, (_, k) => join(pairs, `team${k}`));
    for (const count of [...new Set([200, most])]) {
      const r = await runCli([...teams(count), '--format', 'json', '--fail-on', 'never'], 600_000);
      log(`cli-robustness: ${count} spec + policy pairs: exit ${r.code}, ${(r.ms / 1000).toFixed(1)} s, peak RSS ${(r.maxRss / 1048576).toFixed(0)} MB; ${r.stderr.trim().split('\n').slice(-1)[0]}`);
      rows.push({ name: `${count.toLocaleString('en')} domain spec + policy pairs (drift), --format json: time`, value: r.ms, note: `exit ${r.code}${r.timedOut ? ', TIMED OUT' : ''}; ${r.stderr.trim().split('\n').slice(-1)[0]}` });
      rows.push({ name: `${count.toLocaleString('en')} domain spec + policy pairs (drift), --format json: peak RSS`, value: r.maxRss, unit: 'MB' });
    }
    const all = [];
    for (let d = 0; d * 1000 < files; d++) all.push(join(many, `d${String(d).padStart(3, '0')}`));
    const mixed = await runCli([...all, ...teams(most), '--format', 'json', '--fail-on', 'never'], 900_000, ['--max-old-space-size=48']);
    const fits = mixed.code === 0 && !mixed.timedOut;
    rows.push({
      name: `${files.toLocaleString('en')} policies + ${most.toLocaleString('en')} spec pairs, --format json, 48 MB heap cap`,
      value: mixed.maxRss,
      unit: 'MB',
      note: fits ? `exit 0 in ${(mixed.ms / 1000).toFixed(1)} s: memory does not grow with the specs either` : `!! exit ${mixed.code}${mixed.signal ? ` (${mixed.signal})` : ''}: does not fit !!`,
    });
  } finally {
    try {
      chmodSync(join(dir, 'special', 'locked'), 0o755);
    } catch {
      /* not created */
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = Number(process.argv.find((a) => a.startsWith('--files='))?.slice(8) ?? 100_000);
  for (const r of await cliRobustness({ files })) console.log(`${r.name.padEnd(60)} ${r.unit === 'MB' ? `${(r.value / 1048576).toFixed(0)} MB` : `${(r.value / 1000).toFixed(2)} s`}  ${r.note ?? ''}`);
}
