// Neovim as a second real LSP client: headless `nvim` (Debian's, 0.7 or later) with its built-in
// client and test/e2e/neovim/init.lua, pointed at `node bin/kms-policy-language-server.js --stdio`.
// Needs `npm run build` first (the bin runs dist/server.js) and `nvim` on PATH (apt-get install
// -y neovim). Without nvim the test is skipped with a loud reason, or fails when
// KMS_REQUIRE_NVIM=1 (as .ci/run sets it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const NVIM = process.env.KMS_NVIM ?? 'nvim';

/** 0-based "line,character" of `needle` plus `delta` characters (ASCII fixtures: UTF-16 = bytes). */
function at(text, needle, delta) {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `no ${needle} in the fixture`);
  const before = text.slice(0, offset + delta);
  return `${before.split('\n').length - 1},${offset + delta - before.lastIndexOf('\n') - 1}`;
}

test('Neovim: completion, hover and diagnostics from kms-policy-language-server --stdio', { timeout: 60_000 }, (t) => {
  const version = spawnSync(NVIM, ['--version'], { encoding: 'utf8' });
  if (version.error) {
    const why = `${NVIM} not found (${version.error.code}): install Debian's neovim (apt-get install -y neovim) to run this test`;
    if (process.env.KMS_REQUIRE_NVIM === '1') assert.fail(why);
    console.error(`\n${'!'.repeat(100)}\n!! SKIP neovim.test.mjs: ${why}\n${'!'.repeat(100)}\n`);
    t.skip(why);
    return;
  }
  const server = join(root, 'bin/kms-policy-language-server.js');
  assert.ok(existsSync(join(root, 'dist/server.js')), 'dist/server.js is missing: run `npm run build` first');

  const tmp = mkdtempSync(join(tmpdir(), 'kms-nvim-'));
  try {
    const file = join(tmp, 'mistakes.key-policy.json');
    cpSync(join(here, 'fixtures/workspace/mistakes.key-policy.json'), file);
    const text = readFileSync(file, 'utf8');
    const out = join(tmp, 'result.json');
    const started = performance.now();
    const run = spawnSync(NVIM, ['--headless', '-n', '-i', 'NONE', '-u', join(here, 'neovim/init.lua')], {
      encoding: 'utf8',
      timeout: 45_000,
      env: {
        ...process.env,
        KMS_NODE: process.execPath,
        KMS_SERVER: server,
        KMS_FILE: file,
        KMS_COMPLETE_AT: at(text, '"kms:Encrpyt"', '"kms:Enc'.length),
        KMS_HOVER_AT: at(text, '"kms:Decrypt"', 5),
        KMS_OUT: out,
        // Neovim's own files (lsp.log, shada, state) go to the temporary directory.
        XDG_CONFIG_HOME: join(tmp, 'config'),
        XDG_DATA_HOME: join(tmp, 'data'),
        XDG_STATE_HOME: join(tmp, 'state'),
        XDG_CACHE_HOME: join(tmp, 'cache'),
      },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    assert.ok(existsSync(out), `nvim wrote no result (exit ${run.status ?? run.signal}, ${seconds} s):\n${run.stdout}\n${run.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    t.diagnostic(`nvim ${result.nvim?.major}.${result.nvim?.minor}.${result.nvim?.patch}: ${seconds} s in all, ${result.elapsed_ms} ms inside nvim`);
    assert.equal(result.error, undefined, `init.lua failed: ${result.error}`);
    assert.equal(result.initialized, true);
    assert.equal(result.filetype, 'json');

    const labels = result.completion.map((i) => i.label);
    for (const action of ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:PutKeyPolicy', 'kms:*']) {
      assert.ok(labels.includes(action), `completion lacks ${action}: ${labels.slice(0, 8).join(', ')}…`);
    }
    assert.match(result.completion.find((i) => i.label === 'kms:Encrypt').detail, /^write-data\b/);

    assert.match(result.hover, /\*\*kms:Decrypt\*\*/);
    assert.match(result.hover, /read-data/);
    assert.ok(result.hover.includes('(https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html)'), result.hover);

    const codes = result.diagnostics.map((d) => d.code);
    for (const code of ['unknown-action', 'duplicate-action', 'resource-not-star']) {
      assert.ok(codes.includes(code), `no ${code} diagnostic: got ${codes.join(', ')}`);
    }
    assert.ok(result.diagnostics.every((d) => d.source === 'kms-policy'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
