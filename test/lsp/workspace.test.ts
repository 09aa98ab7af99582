/**
 * One analysis host: the language server and the CLI drive the same Workspace, so the same files
 * give the same findings. Over stdio: a spec governing a key inside a CloudFormation template
 * (`key.policy: ./orders.template.yaml#OrdersKey`) puts its drift on the template, at the
 * template's lines, with the fix; and a folder of policies, templates, Terraform and a spec gives the
 * same (code, line, column) through `kms-policy check --format json` as through pull diagnostics.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ROOT, startServer, type ServerProcess } from '../support/lsp';

interface Diag { code: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; source?: string; data?: unknown }
interface Action { title: string; kind?: string; edit?: { changes?: Record<string, { range: Diag['range']; newText: string }[]> } }

const FIXTURES = join(ROOT, 'test', 'fixtures', 'workspace', 'parity');
const CLI = join(ROOT, 'bin', 'kms-policy.js');

function copyFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-workspace-'));
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

function languageOf(name: string): string {
  return name.endsWith('.tf') ? 'terraform' : name.endsWith('.json') ? 'json' : 'yaml';
}

/** A server in pull mode over `dir` (its workspace folder), initialized. */
async function pullServer(dir: string): Promise<ServerProcess> {
  const server = startServer();
  await server.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }],
    capabilities: { textDocument: { diagnostic: {} }, workspace: {} },
  });
  await server.notify('initialized', {});
  return server;
}

async function pull(server: ServerProcess, uri: string): Promise<Diag[]> {
  const report = await server.request<{ kind: string; items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } });
  assert.equal(report.kind, 'full');
  return report.items;
}

function cliReport(dir: string): Map<string, string[]> {
  const run = spawnSync(process.execPath, [CLI, 'check', '.', '--format', 'json', '--fail-on', 'never'], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { files: { file: string; findings: { code: string; line: number; column: number }[] }[] };
  const out = new Map<string, string[]>();
  for (const f of report.files) out.set(f.file, [...(out.get(f.file) ?? []), ...f.findings.map((x) => `${x.code}@${x.line}:${x.column}`)]);
  return out;
}

const key = (d: Diag) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1}`;

describe('the Workspace over stdio', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('a spec governing a key inside a template: drift-* on the template, at its lines, with the fix that clears it', async () => {
    const dir = copyFixtures();
    dirs.push(dir);
    const templateUri = pathToFileURL(join(dir, 'orders.template.yaml')).href;
    const text = readFileSync(join(dir, 'orders.template.yaml'), 'utf8');
    const server = await pullServer(dir);
    try {
      await server.notify('textDocument/didOpen', { textDocument: { uri: templateUri, languageId: 'yaml', version: 1, text } });
      const diagnostics = await pull(server, templateUri);
      const drift = diagnostics.filter((d) => d.code.startsWith('drift-'));
      // The CLI's drift findings on the template, and the same ones here.
      const cli = (cliReport(dir).get('orders.template.yaml') ?? []).filter((k) => k.startsWith('drift-'));
      assert.equal(cli.length, 3, cli.join('\n'));
      assert.deepEqual(drift.map(key).sort(), [...cli].sort());
      // At the template's lines: each names the principal written there.
      const lines = text.split('\n');
      for (const d of drift) {
        const written = lines[d.range.start.line].slice(d.range.start.character, d.range.end.character);
        assert.match(written, /role\/(ci|orders-api|legacy)/, `${d.code} at ${key(d)} is on a principal: ${written}`);
      }
      assert.ok(drift.some((d) => d.code === 'drift-extra-access' && /legacy/.test(d.message)), drift.map((d) => d.message).join('\n'));

      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri: templateUri }, range: drift[0].range, context: { diagnostics: drift, only: ['quickfix'] } });
      const fix = actions.find((a) => a.title === 'Rewrite the policy from the orders domain spec');
      assert.ok(fix?.edit?.changes?.[templateUri], `the drift fix is offered in the template: ${actions.map((a) => a.title).join(' | ')}`);
      const fixed = TextDocument.applyEdits(TextDocument.create(templateUri, 'yaml', 1, text), fix.edit.changes[templateUri]);
      assert.ok(fixed.includes('Type: AWS::KMS::Key') && fixed.includes('EnableKeyRotation: true'), 'the rest of the template is kept');
      assert.ok(!fixed.includes('role/legacy'), 'the principal the spec does not name is gone');
      await server.notify('textDocument/didChange', { textDocument: { uri: templateUri, version: 2 }, contentChanges: [{ text: fixed }] });
      const after = await pull(server, templateUri);
      assert.deepEqual(after.filter((d) => d.code.startsWith('drift-')).map(key), [], 'no drift once fixed');
      assert.ok(!after.some((d) => d.code === 'iac-syntax'), 'the fixed template is valid YAML');
    } finally {
      server.kill();
    }
  });

  test('CLI JSON and the language server give the same (code, line, column) on the same folder', async () => {
    const dir = copyFixtures();
    dirs.push(dir);
    const cli = cliReport(dir);
    const names = readdirSync(dir).sort();
    assert.ok(['billing.template.json', 'main.tf', 'orders.kms-domain.yaml', 'orders.template.yaml', 'typo.key-policy.json', 'payments.key-policy.json'].every((n) => names.includes(n)));
    const server = await pullServer(dir);
    try {
      const editor = new Map<string, string[]>();
      for (const name of names) {
        const uri = pathToFileURL(join(dir, name)).href;
        await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: languageOf(name), version: 1, text: readFileSync(join(dir, name), 'utf8') } });
        const items = (await pull(server, uri)).map(key);
        if (items.length) editor.set(name, items);
      }
      // Every kind is in the comparison, with findings: plain policies, CloudFormation YAML and JSON, Terraform, the spec.
      for (const name of ['typo.key-policy.json', 'billing.template.json', 'orders.template.yaml', 'main.tf', 'orders.kms-domain.yaml']) assert.ok(cli.get(name)?.length, `the CLI reports on ${name}`);
      // The CLI lists clean files too (payments.key-policy.json): they have no diagnostics in the editor.
      assert.deepEqual([...editor.keys()].sort(), [...cli].filter(([, f]) => f.length > 0).map(([n]) => n).sort());
      assert.deepEqual(cli.get('payments.key-policy.json'), []);
      for (const [name, findings] of cli) assert.deepEqual([...(editor.get(name) ?? [])].sort(), [...findings].sort(), name);
    } finally {
      server.kill();
    }
  });

  test('a Terraform module folder: the key in main.tf, its policy document in policies.tf; the finding and its quick fix in policies.tf', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-module-'));
    dirs.push(dir);
    cpSync(join(ROOT, 'test', 'fixtures', 'terraform-module', 'module'), dir, { recursive: true });
    const uri = pathToFileURL(join(dir, 'policies.tf')).href;
    const mainUri = pathToFileURL(join(dir, 'main.tf')).href;
    const text = readFileSync(join(dir, 'policies.tf'), 'utf8');
    const server = await pullServer(dir);
    try {
      // Only policies.tf is open: main.tf is read from disk through the folder view.
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'terraform', version: 1, text } });
      const diagnostics = await pull(server, uri);
      const typo = diagnostics.filter((d) => d.code === 'unknown-action');
      assert.equal(typo.length, 1, diagnostics.map(key).join(', '));
      assert.equal(TextDocument.create(uri, 'terraform', 1, text).getText(typo[0].range), '"kms:Decrpyt"');
      // Each document is read as the policy of the key that uses it, in main.tf.
      const symbols = await server.request<{ name: string; detail?: string }[]>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.deepEqual(symbols.map((s) => s.name), ['aws_kms_key.orders', 'aws_kms_replica_key.orders_replica', 'aws_kms_external_key.imported', 'aws_kms_key_policy.billing']);

      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: typo[0].range, context: { diagnostics: typo, only: ['quickfix'] } });
      const fix = actions.find((a) => a.title.includes('kms:Decrypt'));
      assert.ok(fix?.edit?.changes?.[uri], actions.map((a) => a.title).join(' | '));
      assert.deepEqual(Object.keys(fix.edit.changes), [uri], 'the fix edits the document in its own file');
      const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'terraform', 1, text), fix.edit.changes[uri]);
      await server.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
      assert.ok(!(await pull(server, uri)).some((d) => d.code === 'unknown-action'));

      // An edit of main.tf in the editor is seen: the replica key no longer uses its document, which stays a key policy of its own.
      const main = readFileSync(join(dir, 'main.tf'), 'utf8');
      await server.notify('textDocument/didOpen', { textDocument: { uri: mainUri, languageId: 'terraform', version: 1, text: main.replace('  policy          = data.aws_iam_policy_document.replica.json\n', '') } });
      await pull(server, mainUri);
      const after = await server.request<{ name: string }[]>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.deepEqual(after.map((s) => s.name), ['aws_kms_key.orders', 'data.aws_iam_policy_document.replica', 'aws_kms_external_key.imported', 'aws_kms_key_policy.billing']);
    } finally {
      server.kill();
    }
  });
});
