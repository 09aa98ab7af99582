/**
 * The real-world corpus (../shared/realworld), judged by hand: `score.mjs` runs `kms-policy check`
 * on its 39 policies and templates and compares with expect.json. Every must-find is found, no
 * known false alarm and no over-count: the script exits 0. Without the corpus the test is skipped,
 * loudly (test/support/realworld.ts).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusDir, missingCorpus, REPO } from '../support/realworld';

const missing = missingCorpus('the real-world score');

test('the real-world corpus scores every must-find, with no known false alarm and no over-count', { skip: missing }, () => {
  const dir = corpusDir('the real-world score');
  const run = spawnSync(process.execPath, [join(dir, 'score.mjs'), '--cli', join(REPO, 'bin', 'kms-policy.js'), '--corpus', join(dir, 'corpus'), '--expect', join(dir, 'expect.json')], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const summary = run.stdout.trim().split('\n').at(-1) ?? '';
  const m = /(\d+)\/(\d+) must-find found, (\d+) known false alarms, (\d+) over-counts/.exec(summary);
  assert.ok(m, `score.mjs printed no summary (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  assert.equal(m[1], m[2], `every must-find is found:\n${run.stdout}`);
  assert.equal(m[3], '0', `no known false alarm:\n${run.stdout}`);
  assert.equal(m[4], '0', `no over-count:\n${run.stdout}`);
  assert.equal(run.status, 0, `score.mjs exits 0:\n${run.stdout}`);
});
