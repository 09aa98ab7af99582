import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
}

test('server/src/core imports no vscode, LSP, fs, network or other node: module', () => {
  const bad: string[] = [];
  for (const f of files(join(root, 'server/src/core'))) {
    for (const m of imports(f)) {
      if (/^(vscode|vscode-languageserver.*|vscode-languageclient|fs|fs\/promises|path|http|https|net|child_process|node:.*)$/.test(m)) bad.push(`${relative(root, f)} imports ${m}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('only service/ and the server turn core results into LSP types; the CLI-facing core never does', () => {
  const bad: string[] = [];
  for (const f of files(join(root, 'server/src'))) {
    const rel = relative(join(root, 'server/src'), f);
    if (rel.startsWith('service/') || rel === 'server.ts' || rel.startsWith('node/')) continue;
    for (const m of imports(f)) if (/^vscode-languageserver/.test(m)) bad.push(`${rel} imports ${m}`);
  }
  assert.deepEqual(bad, []);
});

test('the AGPL simulator is never imported from shipped code', () => {
  const shipped = [...files(join(root, 'server/src')), ...files(join(root, 'client/src'))];
  const bad = shipped.filter((f) => imports(f).some((m) => m.startsWith('@cloud-copilot/')));
  assert.deepEqual(bad.map((f) => relative(root, f)), []);
});
