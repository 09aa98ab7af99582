#!/usr/bin/env node
// `npm run bench`: the performance figures of issue 8 in one table, with the budgets of
// design.md ("Budgets"). Every figure is a median (p95 where asked) of many runs after
// warm-up; ratios are measured in the same run, interleaved. Writes bench/results.json.
// A missed budget is printed as MISS but never fails the run: the exit code is 0 unless the
// benchmark itself crashes.
//
//   node --expose-gc scripts/bench.mjs [--quick] [--only=inproc,server,stdio,memory,index,vsix,cli] [--cli-files=N]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { measure, measureTimed, summarize } from '../bench/lib/stats.mjs';
import { NODE_FLAGS, ROOT, SERVER_PROCESS_ENV, spawnServer } from '../bench/lib/lsp.mjs';
import { cliRobustness } from '../bench/cli-robustness.mjs';
import { domainWorkspace, policyVariant } from '../bench/lib/generate.mjs';

const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const CLI_FILES = Number(argv.find((a) => a.startsWith('--cli-files='))?.slice(12) ?? 100_000);
const wants = (section) => !ONLY || ONLY.includes(section);
/** Fewer runs with --quick (for trying things out); the real figures come from the full run. */
const scale = (n) => (QUICK ? Math.max(3, Math.ceil(n / 5)) : n);

// ---- build ------------------------------------------------------------------------------------

const OUT = join(ROOT, 'out', 'server', 'src');
if (!existsSync(join(ROOT, 'dist', 'server.js')) || !existsSync(join(OUT, 'service', 'workspace.js'))) {
  console.error('bench: dist/ or out/ is missing; running npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const { TextDocument } = require('vscode-languageserver-textdocument');
const jsonc = require('jsonc-parser');
const peer = require('vscode-json-languageservice');
const { Workspace } = require(join(OUT, 'service', 'workspace.js'));
const { parsePolicy } = require(join(OUT, 'core', 'policy', 'parse.js'));
const { runRules } = require(join(OUT, 'core', 'rules', 'index.js'));
const { leastPrivilegeRewrite } = require(join(OUT, 'core', 'rewrite', 'leastPrivilege.js'));
const { suggestAssignment, toAssignment } = require(join(OUT, 'core', 'rewrite', 'suggest.js'));
const { diffAccess } = require(join(OUT, 'core', 'diff', 'index.js'));

// ---- documents ----------------------------------------------------------------------------------

const DOCS = join(ROOT, 'bench', 'docs');
const POLICIES = [
  { id: 'typical', file: 'typical.key-policy.json', label: 'typical (3 KB)', editBudget: 5 },
  { id: '32k', file: 'limit-32k.key-policy.json', label: '32 KB limit', editBudget: 15 },
  { id: '1mb', file: 'stress-1mb.key-policy.json', label: '1 MB stress', editBudget: 250 },
].map((d) => ({ ...d, text: readFileSync(join(DOCS, d.file), 'utf8') }));
const IAC = [
  { id: 'cfn-yaml', file: 'cloudformation-20-keys.yaml', label: 'CloudFormation YAML, 20 keys', languageId: 'yaml' },
  { id: 'cfn-json', file: 'cloudformation-20-keys.json', label: 'CloudFormation JSON, 20 keys', languageId: 'json' },
  { id: 'tf', file: 'terraform-20-keys.tf', label: 'Terraform, 20 keys', languageId: 'terraform' },
].map((d) => ({ ...d, text: readFileSync(join(DOCS, d.file), 'utf8') }));

/** IaC support lives in server/src/core/iac (built to out/); without it, IaC rows are n/a. */
const EMBED = join(OUT, 'core', 'iac');
const IAC_BUILT = existsSync(EMBED) && readdirSync(EMBED).some((f) => f.endsWith('.js'));
const IAC_NA = 'n/a (IaC support not built yet)';

// ---- the table ----------------------------------------------------------------------------------

const rows = [];
const misses = [];
const fmt = (v, unit) => {
  if (v === undefined || v === null || Number.isNaN(v)) return '';
  if (typeof v === 'string') return v;
  if (unit === 'ms') return v < 0.1 ? `${(v * 1000).toFixed(0)} µs` : v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`;
  if (unit === 'MB') return `${(v / 1024 / 1024).toFixed(1)} MB`;
  if (unit === 'KB') return `${(v / 1024).toFixed(0)} KB`;
  return `${v}${unit ?? ''}`;
};

/**
 * One row. `budget`: { max, on: 'median' | 'p95' | 'value' | 'ratio', text }. `value` is a
 * summary ({median, p95}) or a number; `ratio` is a number; `na` replaces the figures.
 */
function row(section, name, { value, unit = 'ms', ratio, ratioText, budget, na, note } = {}) {
  const median = typeof value === 'object' && value ? value.median : value;
  const p95 = typeof value === 'object' && value ? value.p95 : undefined;
  let status = na ? 'n/a' : '';
  if (budget && !na) {
    const actual = budget.on === 'p95' ? p95 : budget.on === 'ratio' ? ratio : median;
    status = actual <= budget.max ? 'PASS' : 'MISS';
    if (status === 'MISS') misses.push(`${section} / ${name}: ${budget.on === 'ratio' ? `${ratio.toFixed(2)}x` : fmt(actual, unit)} > ${budget.text}`);
  }
  const r = { section, name, unit, median, p95, n: value?.n, ratio, ratioText, budget: budget?.text, status, na, note };
  rows.push(r);
  const line = `${section.padEnd(SEC)} ${name.padEnd(NAME)} ${(na ? na : fmt(median, unit)).padStart(10)} ${(na ? '' : fmt(p95, unit)).padStart(10)}  ${(ratioText ?? '').padEnd(18)} ${(budget?.text ?? '').padEnd(14)} ${status === 'MISS' ? '**MISS**' : status}${note ? `  (${note})` : ''}`;
  live.push(line);
  if (!QUIET_LIVE) console.error(line);
  return r;
}
const live = [];
const QUIET_LIVE = false;
const SEC = 28;
const NAME = 50;
const HEADER = `${'document / area'.padEnd(SEC)} ${'measurement'.padEnd(NAME)} ${'median'.padStart(10)} ${'p95'.padStart(10)}  ${'ratio'.padEnd(18)} ${'budget'.padEnd(14)} status`;

function positionIn(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** Offset of the occurrence of `needle` nearest the middle of the text, plus `delta`. */
function middleOccurrence(text, needle, delta = 0) {
  const all = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) all.push(i);
  if (all.length === 0) throw new Error(`${needle} not found`);
  return all[all.length >> 1] + delta;
}

// ---- in-process -------------------------------------------------------------------------------

async function inProcess() {
  // The Workspace as the server drives it: documents by URI, one cached parse per version.
  const open = new Map();
  const workspace = new Workspace({ documents: { get: (uri) => open.get(uri) } });
  const service = {
    validate: (doc) => (open.set(doc.uri, doc), workspace.diagnostics(doc.uri)),
    complete: (doc, position) => workspace.complete(doc.uri, position),
    hover: (doc, position) => workspace.hover(doc.uri, position),
  };
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'kms-key-policy.schema.json'), 'utf8'));
  const peerService = peer.getLanguageService({});
  peerService.configure({ validate: true, allowComments: false, schemas: [{ uri: 'kms-policy://schema.json', fileMatch: ['*.json'], schema }] });
  const STRICT = { allowTrailingComma: false, disallowComments: true, allowEmptyContent: true };
  let version = 0;

  for (const d of POLICIES) {
    const uri = `file:///bench/${d.file}`;
    const big = d.id === '1mb';
    const opts = d.id === 'typical' ? { warmup: 30, runs: scale(300), maxMs: 6000 } : d.id === '32k' ? { warmup: 15, runs: scale(150), maxMs: 8000 } : { warmup: 2, runs: scale(15), minRuns: QUICK ? 2 : 5, maxMs: QUICK ? 10000 : 40000 };
    const r = await measure(
      {
        ours: () => {
          const doc = TextDocument.create(uri, 'json', ++version, d.text);
          return service.validate(doc);
        },
        floor: () => jsonc.parseTree(d.text, [], STRICT),
        peer: () => {
          const doc = TextDocument.create(uri, 'json', ++version, d.text);
          return peerService.doValidation(doc, peerService.parseJSONDocument(doc), { comments: 'error', trailingCommas: 'error' });
        },
      },
      opts,
    );
    const sec = d.label;
    const vsFloor = r.ours.median / r.floor.median;
    const vsPeer = r.ours.median / r.peer.median;
    row(sec, 'analysis: parse + all rules + evaluation', { value: r.ours });
    row(sec, 'floor: jsonc-parser parseTree', { value: r.floor });
    row(sec, 'analysis / floor', { value: undefined, ratio: vsFloor, ratioText: `${vsFloor.toFixed(2)}x floor`, budget: d.id === '32k' ? { max: 5, on: 'ratio', text: '<= 5x floor' } : undefined });
    row(sec, 'peer: vscode-json-languageservice + schema', { value: r.peer });
    row(sec, 'analysis / peer', { ratio: vsPeer, ratioText: `${vsPeer.toFixed(2)}x peer`, budget: d.id === '32k' ? { max: 0.9999, on: 'ratio', text: '< 1x peer' } : undefined });

    // Completion and hover use the cached parse, as the server does.
    const doc = TextDocument.create(uri, 'json', ++version, d.text);
    service.validate(doc);
    const at = (needle, delta) => doc.positionAt(middleOccurrence(d.text, needle, delta));
    const points = {
      'completion: Action value ("kms:|Decrypt")': () => service.complete(doc, at('"kms:Decrypt"', 5)),
      'completion: condition key ("kms:|GrantIs..." key)': () => service.complete(doc, at('"kms:GrantIsForAWSResource"', 5)),
      'hover: kms:Decrypt': () => service.hover(doc, at('"kms:Decrypt"', 6)),
      'hover: condition key kms:GrantIsForAWSResource': () => service.hover(doc, at('"kms:GrantIsForAWSResource"', 6)),
    };
    const positions = Object.fromEntries(Object.entries(points).map(([k, f]) => [k, f]));
    const lat = await measure(positions, big ? { warmup: 5, runs: scale(100), maxMs: 15000 } : { warmup: 50, runs: scale(1000), maxMs: 6000 });
    for (const [name, s] of Object.entries(lat)) {
      const completion = name.startsWith('completion');
      row(sec, name, { value: s, budget: completion ? { max: 2, on: 'p95', text: 'p95 <= 2 ms' } : { max: 1, on: 'p95', text: 'p95 <= 1 ms' } });
    }

    // The least-privilege rewrite on a fresh parse: suggestion (effective access) + edits + summary (the code action's work).
    try {
      const rewrite = await measureTimed(
        () => {
          const p = parsePolicy(d.text);
          const t0 = performance.now();
          leastPrivilegeRewrite(p, toAssignment(suggestAssignment(p)), { style: 'key-policy-only' });
          return performance.now() - t0;
        },
        big ? { warmup: 1, runs: scale(10), minRuns: QUICK ? 2 : 5, maxMs: 30000 } : { warmup: 10, runs: scale(100), maxMs: 6000 },
      );
      row(sec, 'rewrite: suggestAssignment + leastPrivilegeRewrite with summary (cold)', { value: rewrite, budget: d.id === '32k' ? { max: 20, on: 'median', text: '<= 20 ms' } : undefined });
    } catch (e) {
      row(sec, 'rewrite: suggestAssignment + leastPrivilegeRewrite with summary (cold)', { na: `error: ${String(e.message ?? e).slice(0, 60)}` });
    }

    // The access diff (issue 15) of two versions, each freshly parsed (nothing cached): the policy,
    // and the same with its first role renamed (one principal loses its access, another gains it).
    // Over 128 KB there is no effective access.
    if (!big) {
      const changed = d.text.replace(':role/', ':role/renamed-');
      let changes = 0;
      const diff = await measureTimed(
        () => {
          const before = parsePolicy(d.text);
          const after = parsePolicy(changed);
          const t0 = performance.now();
          changes = diffAccess(before, after).changes.length;
          return performance.now() - t0;
        },
        { warmup: 10, runs: scale(100), maxMs: 6000 },
      );
      row(sec, 'access diff of two versions (cold)', { value: diff, budget: d.id === '32k' ? { max: 20, on: 'median', text: '<= 20 ms' } : undefined, note: `${changes} changes` });
    }
  }

  for (const d of IAC) {
    if (!IAC_BUILT) {
      row(d.label, 'analysis, floor, peer, completion, hover, rewrite', { na: IAC_NA, note: '!! IaC rows not measured !!' });
      continue;
    }
    const uri = `file:///bench/${d.file}`;
    try {
      const r = await measure(
        {
          ours: () => {
            const doc = TextDocument.create(uri, d.languageId, ++version, d.text);
            return service.validate(doc);
          },
          ...(d.languageId === 'json' ? { floor: () => jsonc.parseTree(d.text, [], STRICT) } : {}),
        },
        { warmup: 10, runs: scale(100), maxMs: 8000 },
      );
      row(d.label, 'analysis: parse + embedded policies + rules', { value: r.ours });
      if (r.floor) row(d.label, 'floor: jsonc-parser parseTree', { value: r.floor, ratioText: `${(r.ours.median / r.floor.median).toFixed(2)}x floor` });
      const doc = TextDocument.create(uri, d.languageId, ++version, d.text);
      service.validate(doc);
      const needle = d.id === 'tf' ? '"kms:Decrypt"' : d.id === 'cfn-yaml' ? 'kms:Decrypt' : '"kms:Decrypt"';
      const lat = await measure(
        {
          completion: () => service.complete(doc, doc.positionAt(middleOccurrence(d.text, needle, needle.startsWith('"') ? 5 : 4))),
          hover: () => service.hover(doc, doc.positionAt(middleOccurrence(d.text, needle, needle.startsWith('"') ? 6 : 5))),
        },
        { warmup: 20, runs: scale(500), maxMs: 5000 },
      );
      row(d.label, 'completion: Action value', { value: lat.completion, budget: { max: 2, on: 'p95', text: 'p95 <= 2 ms' } });
      row(d.label, 'hover: kms:Decrypt', { value: lat.hover, budget: { max: 1, on: 'p95', text: 'p95 <= 1 ms' } });
    } catch (e) {
      row(d.label, 'analysis', { na: `error: ${String(e.message ?? e).slice(0, 70)}` });
    }
  }
}

// ---- over the real server process ---------------------------------------------------------------

const KEY_URI = (name) => `file:///bench/${name}.key-policy.json`;

/** Set when this machine gives every process extra CA certificates to load at start-up. */
const INHERITED_CA = Boolean(process.env.NODE_EXTRA_CA_CERTS);

/** Spawn -> initialize result, median of many; `env` is the server's environment. */
function measureStartup(env, runs) {
  return measureTimed(
    async () => {
      const s = spawnServer({ env });
      await s.initialize();
      const dt = performance.now() - s.spawnedAt;
      await s.shutdown();
      return dt;
    },
    { warmup: 2, runs: scale(runs), maxMs: 20000 },
  );
}

async function serverProcess() {
  const startup = await measureStartup(SERVER_PROCESS_ENV, 20);
  // The same machine's floor: spawning node itself, with nothing to load.
  const bare = await measureTimed(
    () =>
      new Promise((resolve) => {
        const t0 = performance.now();
        spawn(process.execPath, ['-e', '0'], { env: SERVER_PROCESS_ENV }).on('exit', () => resolve(performance.now() - t0));
      }),
    { warmup: 2, runs: scale(20), maxMs: 10000 },
  );
  row('server', 'start-up: spawn -> initialize result', { value: startup, budget: { max: 150, on: 'median', text: '<= 150 ms' } });
  row('server', 'reference: spawn -> exit of `node -e 0`', { value: bare, note: 'in the server\'s environment' });
  if (INHERITED_CA) {
    // This machine sets NODE_EXTRA_CA_CERTS for every process; the client clears it for the server
    // (bin/server-node-flags.js). Here is what a launcher that passes it on gets.
    const inherited = await measureStartup(process.env, 10);
    row('server', 'reference: start-up with NODE_EXTRA_CA_CERTS passed on', { value: inherited, note: 'the bin run directly from a shell that sets it' });
  }

  for (const mode of ['push', 'pull']) {
    const s = spawnServer();
    await s.initialize({ pull: mode === 'pull' });
    for (const d of POLICIES) {
      const big = d.id === '1mb';
      const runs = big ? scale(8) : scale(40);
      const opts = { warmup: big ? 1 : 5, runs, minRuns: QUICK ? 2 : 5, maxMs: big ? 60000 : 10000 };
      let n = 0;
      const diagnose = async (uri, send) => {
        if (mode === 'push') {
          const published = s.published(uri, (p) => p.version === undefined || p.version >= 0);
          const t0 = performance.now();
          await send();
          await published;
          return performance.now() - t0;
        }
        const t0 = performance.now();
        await send();
        await s.request('textDocument/diagnostic', { textDocument: { uri } });
        return performance.now() - t0;
      };
      const open = await measureTimed(async () => {
        const uri = KEY_URI(`open-${d.id}-${mode}-${++n}`);
        const dt = await diagnose(uri, () => s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: d.text } }));
        await s.notify('textDocument/didClose', { textDocument: { uri } });
        return dt;
      }, opts);
      row(`${mode}`, `${d.label}: didOpen -> diagnostics`, { value: open });

      // One-character edits inside the Sid of the middle statement: insert, then delete it again.
      const uri = KEY_URI(`edit-${d.id}-${mode}`);
      const first = mode === 'push' ? s.published(uri) : undefined;
      await s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: d.text } });
      if (first) await first;
      else await s.request('textDocument/diagnostic', { textDocument: { uri } });
      const at = positionIn(d.text, middleOccurrence(d.text, '"Sid": "', 9));
      let version = 1;
      const edit = await measureTimed(async (i) => {
        const v = ++version;
        const change = i % 2 === 0 ? { range: { start: at, end: at }, text: 'x' } : { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
        if (mode === 'push') {
          const published = s.published(uri, (p) => p.version === v);
          const t0 = performance.now();
          await s.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
          await published;
          return performance.now() - t0;
        }
        const t0 = performance.now();
        await s.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
        await s.request('textDocument/diagnostic', { textDocument: { uri } });
        return performance.now() - t0;
      }, { ...opts, warmup: big ? 2 : 6 });
      row(`${mode}`, `${d.label}: 1-char didChange -> diagnostics`, { value: edit, budget: { max: d.editBudget, on: 'median', text: `<= ${d.editBudget} ms` } });
      await s.notify('textDocument/didClose', { textDocument: { uri } });
    }
    for (const d of IAC) {
      if (!IAC_BUILT) {
        row(`${mode}`, `${d.label}: didOpen/didChange -> diagnostics`, { na: IAC_NA });
        continue;
      }
      const uri = `file:///bench/${d.file}`;
      const open = await measureTimed(async (i) => {
        const u = `${uri}.${i}.${d.file.split('.').pop()}`;
        const published = mode === 'push' ? s.published(u) : undefined;
        const t0 = performance.now();
        await s.notify('textDocument/didOpen', { textDocument: { uri: u, languageId: d.languageId, version: 1, text: d.text } });
        if (published) await Promise.race([published, new Promise((r) => setTimeout(r, 5000))]);
        else await s.request('textDocument/diagnostic', { textDocument: { uri: u } });
        const dt = performance.now() - t0;
        await s.notify('textDocument/didClose', { textDocument: { uri: u } });
        return dt;
      }, { warmup: 2, runs: scale(20), maxMs: 10000 });
      row(`${mode}`, `${d.label}: didOpen -> diagnostics`, { value: open });
    }
    if (s.errors.length || s.stderr.length) console.error(`bench: the ${mode} server logged errors:\n${[...s.errors, ...s.stderr].join('\n').slice(0, 2000)}`);
    await s.shutdown();
  }
}

/**
 * Completion and hover as an editor gets them: request -> answer over stdio, on the typical policy.
 * A client that resolves documentation lazily (VS Code) gets the list without it and one item's
 * markdown through completionItem/resolve; a client that does not gets every item's with the list.
 */
async function overTheWire() {
  const d = POLICIES.find((p) => p.id === 'typical');
  const action = positionIn(d.text, middleOccurrence(d.text, '"kms:Decrypt"', 5));
  const hoverAt = positionIn(d.text, middleOccurrence(d.text, '"kms:Decrypt"', 6));
  for (const resolveDocs of [true, false]) {
    const s = spawnServer();
    await s.initialize({ pull: true, resolveDocs });
    const uri = KEY_URI(`wire-${resolveDocs}`);
    await s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: d.text } });
    await s.request('textDocument/diagnostic', { textDocument: { uri } });
    let list;
    // Each request is measured in a run of its own: they are not compared in a ratio, and a hover
    // sent the moment a 19 KB completion list was answered measures that list's garbage, which no
    // editor's hover meets (a hover follows the mouse, not the last keystroke's completion).
    const lat = {
      ...(await measure({ completion: async () => (list = await s.request('textDocument/completion', { textDocument: { uri }, position: action })) }, { warmup: 50, runs: scale(1000), maxMs: 5000 })),
      ...(resolveDocs ? await measure({ hover: () => s.request('textDocument/hover', { textDocument: { uri }, position: hoverAt }) }, { warmup: 50, runs: scale(1000), maxMs: 5000 }) : {}),
    };
    const bytes = JSON.stringify(list).length;
    const label = resolveDocs ? 'documentation resolved lazily (VS Code)' : 'documentation with every item';
    row('stdio', `completion at an Action, ${label}`, { value: lat.completion, budget: resolveDocs ? { max: 2, on: 'p95', text: 'p95 <= 2 ms' } : undefined, note: `${list.items.length} items, ${(bytes / 1024).toFixed(0)} KB of JSON` });
    if (resolveDocs) {
      const item = list.items.find((i) => i.label.startsWith('kms:') && i.data !== undefined);
      const resolve = await measure({ resolve: () => s.request('completionItem/resolve', item) }, { warmup: 50, runs: scale(1000), maxMs: 5000 });
      row('stdio', `completionItem/resolve of one action (${item.label})`, { value: resolve.resolve, budget: { max: 2, on: 'p95', text: 'p95 <= 2 ms' } });
      row('stdio', 'hover on kms:Decrypt', { value: lat.hover, budget: { max: 1, on: 'p95', text: 'p95 <= 1 ms' }, note: 'request -> answer over stdio' });
    }
    await s.shutdown();
  }
}

// ---- memory -------------------------------------------------------------------------------------

async function memory() {
  {
    const s = spawnServer();
    await s.initialize();
    const base = s.memory();
    const d = POLICIES.find((p) => p.id === '1mb');
    const uri = KEY_URI('memory-1mb');
    const first = s.published(uri);
    await s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: d.text } });
    await first;
    const at = positionIn(d.text, middleOccurrence(d.text, '"Sid": "', 9));
    for (let v = 2; v <= 5; v++) {
      const p = s.published(uri, (x) => x.version === v);
      const change = v % 2 === 0 ? { range: { start: at, end: at }, text: 'x' } : { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
      await s.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
      await p;
    }
    const pos = positionIn(d.text, middleOccurrence(d.text, '"kms:Decrypt"', 5));
    await s.request('textDocument/completion', { textDocument: { uri }, position: pos });
    await s.request('textDocument/hover', { textDocument: { uri }, position: pos });
    await s.request('textDocument/codeAction', { textDocument: { uri }, range: { start: pos, end: pos }, context: { diagnostics: [] } });
    const m = s.memory();
    row('memory', 'peak RSS: 1 MB document open, 4 edits, requests', { value: m.hwm, unit: 'MB', budget: { max: 80 * 1024 * 1024, on: 'value', text: '<= 80 MB' }, note: `idle after initialize ${fmt(base.rss, 'MB')}` });
    await s.shutdown();
  }
  {
    const s = spawnServer();
    await s.initialize();
    const base = s.memory();
    const N = 1000;
    const uris = Array.from({ length: N }, (_, i) => KEY_URI(`many/${i}`));
    const openAll = async () => {
      const all = uris.map((u) => s.published(u));
      for (let i = 0; i < N; i++) await s.notify('textDocument/didOpen', { textDocument: { uri: uris[i], languageId: 'json', version: 1, text: policyVariant(i) } });
      await Promise.all(all);
    };
    const closeAll = async () => {
      const all = uris.map((u) => s.published(u, (p) => p.diagnostics.length === 0));
      for (const u of uris) await s.notify('textDocument/didClose', { textDocument: { uri: u } });
      await Promise.all(all);
      await new Promise((r) => setTimeout(r, 300));
    };
    const t0 = performance.now();
    await openAll();
    const openMs = performance.now() - t0;
    const m = s.memory();
    row('memory', `peak RSS: ${N} open policies (3 KB each)`, { value: m.hwm, unit: 'MB', budget: { max: 80 * 1024 * 1024, on: 'value', text: '<= 80 MB' }, note: `opened and diagnosed in ${fmt(openMs, 'ms')}` });
    const after = [];
    await closeAll();
    after.push(s.memory().rss);
    for (let cycle = 0; cycle < 3; cycle++) {
      await openAll();
      await closeAll();
      after.push(s.memory().rss);
    }
    row('memory', `RSS after closing all ${N}, 4 open/close cycles`, { value: after[after.length - 1], unit: 'MB', note: `baseline ${fmt(base.rss, 'MB')}; after each cycle ${after.map((x) => fmt(x, 'MB')).join(', ')}` });
    await s.shutdown();
  }
  await closedDocumentsFreed();
  await cancellation();
}

/** In process, with --expose-gc: the heap after opening 1,000 documents and closing them again returns to the baseline. */
async function closedDocumentsFreed() {
  if (typeof globalThis.gc !== 'function') {
    row('memory', 'heap after closing 1,000 documents (in process)', { na: 'n/a (run with node --expose-gc)' });
    return;
  }
  const { startServer } = require(join(OUT, 'server.js'));
  const { createConnection } = require('vscode-languageserver/node');
  const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');
  const up = new PassThrough();
  const down = new PassThrough();
  startServer(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)));
  const client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const published = new Map();
  client.onNotification('textDocument/publishDiagnostics', (p) => published.get(p.uri)?.(p));
  client.onRequest('workspace/configuration', (p) => p.items.map(() => ({})));
  client.listen();
  await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
  await client.sendNotification('initialized', {});
  const heap = async () => {
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 3; i++) globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const N = 1000;
  const uris = Array.from({ length: N }, (_, i) => KEY_URI(`heap/${i}`));
  const cycle = async (method, text) => {
    const all = uris.map((u) => new Promise((r) => published.set(u, r)));
    for (let i = 0; i < N; i++) await client.sendNotification(method, method === 'textDocument/didOpen' ? { textDocument: { uri: uris[i], languageId: 'json', version: 1, text: text(i) } } : { textDocument: { uri: uris[i] } });
    await Promise.all(all);
  };
  const before = await heap();
  await cycle('textDocument/didOpen', policyVariant);
  const open = await heap();
  await cycle('textDocument/didClose');
  const closed = await heap();
  // Two more cycles with 1,000 other documents each: what closed documents leave behind grows
  // with every cycle; the lookup caches (bounded memos of values seen) fill up to their bound in
  // the second cycle at most, and then stop.
  await cycle('textDocument/didOpen', (i) => policyVariant(i + N));
  await cycle('textDocument/didClose');
  const filled = await heap();
  await cycle('textDocument/didOpen', (i) => policyVariant(i + 2 * N));
  await cycle('textDocument/didClose');
  const closedAgain = await heap();
  const growth = closedAgain - filled;
  row('memory', 'heap: 1,000 documents open (in process, after gc)', { value: open - before, unit: 'MB', note: `baseline heap ${fmt(before, 'MB')}` });
  row('memory', 'heap: after closing them (in process, after gc)', {
    value: closed - before,
    unit: 'MB',
    note: closed - before < (open - before) * 0.1 ? 'the cache is freed on close' : 'the bounded lookup caches (see the next row)',
  });
  row('memory', 'heap: growth over a third cycle of 1,000 other documents', {
    value: growth,
    unit: 'MB',
    note: `${growth < (open - before) * 0.1 ? 'no growth: closed documents are not retained' : '!! closed documents are retained !!'}; the second cycle: ${fmt(filled - closed, 'MB')}`,
  });
  client.dispose();
  up.end();
  down.end();
}

/**
 * $/cancelRequest: a request cancelled while the server is busy (queued behind a 1 MB edit), and
 * a long request cancelled while it runs (pull diagnostics of the 1 MB document).
 */
async function cancellation() {
  const { CancellationTokenSource } = require('vscode-languageserver-protocol/node');
  const d = POLICIES.find((p) => p.id === '1mb');
  const s = spawnServer();
  await s.initialize({ pull: true });
  const uri = KEY_URI('cancel-1mb');
  await s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: d.text } });
  const pos = positionIn(d.text, middleOccurrence(d.text, '"kms:Decrypt"', 5));
  const outcome = async (method, params, cancelAfterMs) => {
    const source = new CancellationTokenSource();
    const t0 = performance.now();
    const p = s.connection.sendRequest(method, params, source.token).then(
      (r) => ({ answered: r === null ? 'null' : 'a full result' }),
      (e) => ({ answered: e?.code === -32800 ? 'RequestCancelled' : `error ${e?.code}` }),
    );
    setTimeout(() => source.cancel(), cancelAfterMs);
    const r = await p;
    return { ...r, ms: performance.now() - t0 };
  };
  // The first request after didOpen parses and analyzes the 1 MB document.
  const running = await outcome('textDocument/diagnostic', { textDocument: { uri } }, 5);
  await s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: pos, end: pos }, text: 'x' }] });
  const busy = s.request('textDocument/diagnostic', { textDocument: { uri } });
  const queued = await outcome('textDocument/completion', { textDocument: { uri }, position: pos }, 0);
  const busyMs = await busy.then(() => 'ok');
  row('cancel', 'long request (pull diagnostics, 1 MB), cancelled after 5 ms', { value: running.ms, note: `answered with ${running.answered}` });
  row('cancel', 'request queued behind a 1 MB analysis, cancelled at once', { value: queued.ms, note: `answered with ${queued.answered}; ${busyMs}` });
  await s.shutdown();
}

// ---- workspace index --------------------------------------------------------------------------

/**
 * The workspace index as the server builds it at start-up (server.ts onInitialized, with
 * node/files.ts's findFiles and readFile): every domain spec and key policy under the folder
 * found, read, parsed and indexed through DomainWorkspace.fileChanged(uri, 'created'), and the
 * documents whose diagnostics that affects collected. A fresh DomainWorkspace each run.
 */
async function workspaceIndex() {
  const { DomainWorkspace } = require(join(OUT, 'service', 'domainWorkspace.js'));
  const { findFiles, readFile } = require(join(OUT, 'node', 'files.js'));
  const N = 2000;
  const dir = mkdtempSync(join(tmpdir(), 'kms-bench-index-'));
  try {
    for (const f of domainWorkspace(N)) {
      mkdirSync(join(dir, dirname(f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.text);
    }
    const folder = pathToFileURL(dir).href;
    let last;
    const r = await measureTimed(
      () => {
        const t0 = performance.now();
        const domain = new DomainWorkspace({ readText: readFile, openPolicy: () => undefined });
        const affected = new Set();
        for (const uri of findFiles(folder)) for (const a of domain.fileChanged(uri, 'created')) affected.add(a);
        const ms = performance.now() - t0;
        last = { domain, affected };
        return ms;
      },
      { warmup: 1, runs: scale(5), minRuns: 3, maxMs: 120000 },
    );
    const specs = last.domain.index.allSpecs();
    const governed = specs.filter((s) => last.domain.index.governing(s.policyUri).length === 1).length;
    if (specs.length !== N / 2 || last.domain.index.policyUris().length !== N / 2 || governed !== N / 2) {
      throw new Error(`workspace index: ${specs.length} specs, ${last.domain.index.policyUris().length} policies, ${governed} governed; expected ${N / 2} each`);
    }
    row('index', `${N.toLocaleString('en-US')} files: workspace index (DomainWorkspace, start-up scan)`, {
      value: r,
      note: `${specs.length} specs governing ${governed} policies; find + read + parse + index, ${last.affected.size} documents to refresh; median of ${r.n}`,
    });
    const t0 = performance.now();
    const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'kms-policy.js'), 'check', dir, '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const ms = performance.now() - t0;
    const checked = /(\d+) key polic(?:y|ies) and (\d+) domain specs? checked/.exec(cli.stderr);
    row('index', `kms-policy check over the same ${N.toLocaleString('en-US')} files (one CLI run)`, {
      value: ms,
      note: `exit ${cli.status}; ${checked ? `${checked[1]} policies and ${checked[2]} specs checked, drift included` : cli.stderr.trim().split('\n').at(-1)}`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The access-changes code lens (issue 15): what it adds to an edit of the typical policy, as VS Code
 * asks for it (pull diagnostics, then textDocument/codeLens). Interleaved in one run: a 1-char edit
 * -> diagnostics, and the same edit -> diagnostics -> code lens. Every edit leaves the text unlike
 * the base (the version when opened: no git here), so the lens diffs the effective access each time.
 */
async function codeLensOnEdit() {
  const d = POLICIES.find((p) => p.id === 'typical');
  const s = spawnServer();
  await s.initialize({ pull: true });
  const uri = KEY_URI('lens-typical');
  await s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: d.text } });
  await s.request('textDocument/diagnostic', { textDocument: { uri } });
  await s.request('textDocument/codeLens', { textDocument: { uri } }); // reads the base once
  const at = positionIn(d.text, middleOccurrence(d.text, '"Sid": "', 9));
  let version = 1;
  await s.notify('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range: { start: at, end: at }, text: 'x' }] });
  const edit = () => {
    const v = ++version;
    const change = { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: v % 2 ? 'x' : 'y' };
    return s.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
  };
  let lensTitles = '';
  const r = await measure(
    {
      edit: async () => {
        await edit();
        await s.request('textDocument/diagnostic', { textDocument: { uri } });
      },
      editAndLens: async () => {
        await edit();
        await s.request('textDocument/diagnostic', { textDocument: { uri } });
        const lenses = await s.request('textDocument/codeLens', { textDocument: { uri } });
        lensTitles = (lenses ?? []).map((l) => l.command?.title).join('; ') || 'no lens';
      },
    },
    { warmup: 10, runs: scale(80), maxMs: 15000 },
  );
  const added = r.editAndLens.median - r.edit.median;
  row('stdio', 'code lens on an edit of the typical document', {
    value: { median: added, p95: undefined, n: r.edit.n },
    ratio: r.editAndLens.median / r.edit.median,
    ratioText: `${(r.editAndLens.median / r.edit.median).toFixed(2)}x edit alone`,
    budget: { max: 5, on: 'median', text: '<= 5 ms added' },
    note: `edit -> diagnostics ${fmt(r.edit.median, 'ms')}, with the lens ${fmt(r.editAndLens.median, 'ms')}; access diff on every edit (${lensTitles})`,
  });
  await s.shutdown();
}

// ---- .vsix ----------------------------------------------------------------------------------------

function vsix() {
  const file = join(ROOT, 'kms-key-policy-tools.vsix');
  if (!existsSync(file)) {
    console.error('bench: no .vsix; running npm run package');
    execFileSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'inherit' });
  }
  const st = statSync(file);
  row('package', '.vsix size', { value: st.size, unit: 'KB', budget: { max: 1024 * 1024, on: 'value', text: '<= 1 MB' }, note: `built ${st.mtime.toISOString().slice(0, 16)}` });
}

// ---- run ------------------------------------------------------------------------------------------

const started = Date.now();
console.error(HEADER);
if (wants('inproc')) await inProcess();
if (wants('server')) await serverProcess();
if (wants('stdio')) await overTheWire();
if (wants('stdio')) await codeLensOnEdit();
if (wants('memory')) await memory();
if (wants('index')) await workspaceIndex();
if (wants('vsix')) vsix();
if (wants('cli')) for (const r of await cliRobustness({ files: QUICK ? Math.min(CLI_FILES, 10_000) : CLI_FILES })) row('cli', r.name, r);

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim() + (execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() ? '+dirty' : '');
  } catch {
    return 'unknown';
  }
})();
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}${NODE_FLAGS.length ? `, server flags ${NODE_FLAGS.join(' ')}` : ''}`;

console.log(`\nnpm run bench  (${commit}; ${machine}; ${QUICK ? 'QUICK run: fewer samples; ' : ''}${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
console.log(HEADER);
console.log('-'.repeat(HEADER.length + 10));
let last = '';
for (const line of live) {
  const section = line.slice(0, SEC);
  if (last && section !== last) console.log('');
  last = section;
  console.log(line);
}
if (!IAC_BUILT) console.log(`\n!! ${IAC_NA}: the CloudFormation and Terraform documents are in bench/docs/ but were not measured. !!`);
console.log(misses.length ? `\n${misses.length} budget(s) MISSED:\n${misses.map((m) => `  MISS  ${m}`).join('\n')}` : '\nEvery budget met.');

writeFileSync(
  join(ROOT, 'bench', 'results.json'),
  JSON.stringify({ date: new Date().toISOString(), commit, machine, quick: QUICK, iacBuilt: IAC_BUILT, misses, rows: rows.map(({ section, name, unit, median, p95, n, ratio, budget, status, na, note }) => ({ section, name, unit, median, p95, n, ratio, budget, status, na, note })) }, null, 2) + '\n',
);
console.log('\nwrote bench/results.json');
process.exit(0);
