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

const SRC = join(root, 'server/src');

/** The modules a file imports from server/src, as paths relative to it (relative imports only). */
function localImports(file: string): string[] {
  return imports(file)
    .filter((m) => m.startsWith('.'))
    .map((m) => {
      const base = join(file, '..', m);
      for (const candidate of [base + '.ts', join(base, 'index.ts')]) if (files(join(candidate, '..')).includes(candidate)) return relative(SRC, candidate);
      return relative(SRC, base);
    });
}

test('server.ts and cli/ reach the core only through the Workspace and the service layer', () => {
  const bad: string[] = [];
  for (const f of [join(SRC, 'server.ts'), ...files(join(SRC, 'cli'))]) {
    for (const m of localImports(f)) if (m.startsWith('core/')) bad.push(`${relative(SRC, f)} imports ${m}`);
  }
  assert.deepEqual(bad, []);
});

test('nothing but the node layer reads or writes the disk', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    if (rel.startsWith('node/')) continue;
    for (const m of imports(f)) if (/^(node:)?fs(\/promises)?$/.test(m)) bad.push(`${rel} imports ${m}`);
  }
  assert.deepEqual(bad, []);
});

test('the client shares command ids and request shapes with the server through protocol.ts, which imports nothing', () => {
  assert.deepEqual(imports(join(SRC, 'protocol.ts')), []);
  const client = readFileSync(join(root, 'client/src/extension.ts'), 'utf8');
  assert.ok(imports(join(root, 'client/src/extension.ts')).some((m) => m.endsWith('server/src/protocol')), 'the client imports protocol.ts');
  assert.deepEqual(client.match(/'kmsPolicy[./][A-Za-z]+'/g) ?? [], [], 'no command id written as a literal in the client');
});

test('core has no import cycles (a PolicyDocument is only ever a policy: the model imports nothing of iac/)', () => {
  const graph = new Map(files(join(SRC, 'core')).map((f) => [relative(SRC, f), localImports(f).filter((m) => m.startsWith('core/'))]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, path: string[]) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'open') {
      cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
      return;
    }
    state.set(n, 'open');
    for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
    state.set(n, 'done');
  };
  for (const n of graph.keys()) visit(n, []);
  assert.deepEqual(cycles, []);
});

test('one file of each name among the edit helpers: no two edits.ts', () => {
  const names = files(SRC).map((f) => relative(SRC, f)).filter((f) => /(^|\/)edits\.ts$/.test(f));
  assert.ok(names.length <= 1, names.join(', '));
});
