#!/usr/bin/env node
// `npm run fuzz`: the fuzz test of the default run (test/lsp/fuzz.test.ts), for minutes.
//   node scripts/fuzz.mjs [--minutes=5] [--seed=N] [--iterations=N] [--request-timeout-ms=1000]
// Then the CLI on a hostile directory with 100,000 small files (bench/cli-robustness.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../bench/lib/lsp.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const minutes = Number(arg('minutes') ?? 5);
const test = join(ROOT, 'out', 'test', 'lsp', 'fuzz.test.js');
if (!existsSync(test) || !existsSync(join(ROOT, 'dist', 'server.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
const env = {
  ...process.env,
  FUZZ_ITERATIONS: arg('iterations') ?? '1000000',
  FUZZ_TIME_MS: String(minutes * 60_000),
  // npm test runs one fixed seed with a hang bound; here, a new seed each run and the liveness bound.
  FUZZ_SEED: arg('seed') ?? String(randomInt(2 ** 32 - 1)),
  FUZZ_REQUEST_TIMEOUT_MS: arg('request-timeout-ms') ?? '1000',
};
const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', test], { cwd: ROOT, env, stdio: 'inherit' });
if (!process.argv.includes('--no-cli')) {
  const { cliRobustness } = await import('../bench/cli-robustness.mjs');
  for (const r of await cliRobustness({ files: Number(arg('cli-files') ?? 100_000) })) console.log(`cli: ${r.name.padEnd(60)} ${r.unit === 'MB' ? `${(r.value / 1048576).toFixed(0)} MB` : `${(r.value / 1000).toFixed(2)} s`}  ${r.note ?? ''}`);
}
process.exit(run.status ?? 1);
