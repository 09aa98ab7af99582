/**
 * Terraform module folders: a key's policy document in another .tf file of the folder is analyzed as
 * that key's policy, in its own file, at its own lines; a standalone document that reads as a key
 * policy is analyzed as one. Through the Workspace's folder view (the node layer's readFile and
 * listTerraform), as the server does, and through the CLI's walk.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { findFiles, listTerraform, readFile } from '../../server/src/node/files';
import { parseDocument } from '../../server/src/core/document';
import { documentWorkspace } from '../support/workspace';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'terraform-module');

function open(folder: string, name: string): TextDocument {
  const path = join(FIXTURES, folder, name);
  return TextDocument.create(pathToFileURL(path).href, 'terraform', 1, readFileSync(path, 'utf8'));
}

/** The diagnostics of a module file, with its folder read from disk: `code@line` (1-based) and the text at the range. */
function diagnose(folder: string, name: string): { code: string; line: number; text: string; message: string }[] {
  const service = documentWorkspace({ files: { readFile, findFiles: () => [], listTerraform } });
  const document = open(folder, name);
  return service.diagnostics(document).map((d) => ({ code: String(d.code), line: d.range.start.line + 1, text: document.getText(d.range), message: String(d.message) }));
}

/** The 1-based line of the first line holding `needle` (after `after`, if given). */
function lineOf(folder: string, name: string, needle: string, after?: string): number {
  const text = readFileSync(join(FIXTURES, folder, name), 'utf8');
  const from = after ? text.indexOf(after) : 0;
  const at = text.indexOf(needle, from);
  assert.ok(at >= 0 && from >= 0, `${name} has ${needle}`);
  return text.slice(0, at).split('\n').length;
}

describe('Terraform module folders: firing', () => {
  const cases: [string, string, string, string, string | undefined, RegExp?][] = [
    // [why, file, code, needle (the finding's line), after]
    ['aws_kms_key: its document in another file, a typo there', 'policies.tf', 'unknown-action', '"kms:Decrpyt"', undefined, /Did you mean "kms:Decrypt"/],
    ['aws_kms_replica_key: its document grants anyone', 'policies.tf', 'public-key', 'identifiers = ["*"]', 'data "aws_iam_policy_document" "replica"'],
    ['aws_kms_external_key: its document names a key ARN as Resource', 'policies.tf', 'resource-not-star', 'resources = ["arn:aws:kms', 'data "aws_iam_policy_document" "external"'],
    ['aws_kms_key_policy: its document leaves nobody to administer the key', 'policies.tf', 'lockout', 'statement {', 'data "aws_iam_policy_document" "billing"'],
    ['a standalone document that reads as a key policy', 'standalone.tf', 'public-key', 'identifiers = ["*"]', undefined],
    ['a standalone document that reads as a key policy: kms:* to everyone', 'standalone.tf', 'over-broad-grant', '"kms:*"', undefined, /^"kms:\*" grants anyone 56 actions/],
  ];
  for (const [why, file, code, needle, after, message] of cases) {
    test(`${why}: ${code} in ${file}`, () => {
      const line = lineOf('module', file, needle, after);
      const hits = diagnose('module', file).filter((d) => d.code === code && d.line === line);
      assert.equal(hits.length, 1, `${code} at ${file}:${line}; got ${JSON.stringify(diagnose('module', file).map((d) => `${d.code}@${d.line}`))}`);
      if (message) assert.match(hits[0].message, message);
    });
  }

  test('read alone (no folder view), a document with KMS actions and principals is a standalone key policy, and the key file says its document is elsewhere', () => {
    const service = documentWorkspace();
    const codes = service.diagnostics(open('module', 'policies.tf')).map((d) => d.code);
    assert.ok(codes.includes('unknown-action'), 'a document with KMS actions and principals is analyzed even alone');
    const alone = service.workspace.served(open('module', 'policies.tf').uri)?.file;
    assert.ok(alone?.kind === 'iac' && alone.iac.policies.every((p) => p.embedded!.resourceType === 'aws_iam_policy_document'), 'as standalone documents: no key known');
    // And the key's file alone says its document is elsewhere.
    const main = parseDocument(pathToFileURL(join(FIXTURES, 'module', 'main.tf')).href, readFileSync(join(FIXTURES, 'module', 'main.tf'), 'utf8'));
    assert.equal(main.kind, 'iac');
    assert.ok(main.kind === 'iac' && main.iac.problems.some((p) => /is not in this file/.test(p.message)));
  });

  test('each document is analyzed as the key that uses it: its resource is the key', () => {
    const service = documentWorkspace({ files: { readFile, findFiles: () => [], listTerraform } });
    const document = open('module', 'policies.tf');
    service.diagnostics(document);
    const file = service.workspace.served(document.uri)?.file;
    assert.equal(file?.kind, 'iac');
    const resources = file?.kind === 'iac' ? file.iac.policies.map((p) => `${p.embedded!.resource} <- ${p.embedded!.document}`) : [];
    assert.deepEqual(resources, [
      'aws_kms_key.orders <- data.aws_iam_policy_document.orders',
      'aws_kms_replica_key.orders_replica <- data.aws_iam_policy_document.replica',
      'aws_kms_external_key.imported <- data.aws_iam_policy_document.external',
      'aws_kms_key_policy.billing <- data.aws_iam_policy_document.billing',
    ]);
  });

  test('the quick fix edits the document in its own file', () => {
    const service = documentWorkspace({ files: { readFile, findFiles: () => [], listTerraform } });
    const document = open('module', 'policies.tf');
    const diagnostics = service.diagnostics(document).filter((d) => d.code === 'unknown-action');
    assert.equal(diagnostics.length, 1);
    const actions = service.codeActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] });
    const fix = actions.find((a) => a.title.includes('kms:Decrypt'));
    assert.ok(fix?.edit?.changes?.[document.uri], actions.map((a) => a.title).join(' | '));
    const after = TextDocument.applyEdits(document, fix.edit.changes[document.uri]);
    assert.ok(after.includes('actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]'), after);
    assert.ok(!service.diagnostics(TextDocument.create(document.uri, 'terraform', 2, after)).some((d) => d.code === 'unknown-action'));
  });
});

describe('Terraform module folders: silent', () => {
  test('the key file: no "not in this file" note when the module has the document, and nothing else', () => {
    const service = documentWorkspace({ files: { readFile, findFiles: () => [], listTerraform } });
    assert.deepEqual(service.diagnostics(open('module', 'main.tf')), []);
    assert.equal(service.isServed(open('module', 'main.tf')), false, 'a .tf file with no key policy of its own is not served');
  });

  test('an IAM identity policy with kms: actions (no principals) and a document about S3 are not key policies', () => {
    const found = diagnose('module', 'standalone.tf');
    const identity = lineOf('module', 'standalone.tf', 'data "aws_iam_policy_document" "kms_identity_policy"');
    assert.deepEqual(found.filter((d) => d.line >= identity), [], JSON.stringify(found));
  });

  test('a correct module: the key in one file, its document in another, no finding in either', () => {
    assert.deepEqual(diagnose('clean', 'key.tf'), []);
    assert.deepEqual(diagnose('clean', 'policy.tf'), []);
    const service = documentWorkspace({ files: { readFile, findFiles: () => [], listTerraform } });
    assert.equal(service.isServed(open('clean', 'policy.tf')), true, 'the document is served as the key policy it is');
  });
});

describe('Terraform module folders: the CLI walks the folder the same way', () => {
  test('kms-policy check on the module folder reports at the documents\' lines, as the editor does', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'kms-policy.js'), 'check', '.', '--format', 'json', '--fail-on', 'never'], { cwd: join(FIXTURES, 'module'), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { files: { file: string; findings: { code: string; line: number }[] }[] };
    const cli = new Map(report.files.map((f) => [f.file, f.findings.map((x) => `${x.code}@${x.line}`).sort()]));
    assert.deepEqual([...cli.keys()].sort(), ['policies.tf', 'standalone.tf']);
    for (const name of ['policies.tf', 'standalone.tf']) assert.deepEqual(cli.get(name), diagnose('module', name).map((d) => `${d.code}@${d.line}`).sort(), name);
    assert.match(run.stderr, /^5 key policies checked/m, 'four documents used by keys and the standalone one');
  });
});

describe('Terraform module folders: a domain spec governing a key whose policy document is in another file', () => {
  const SPEC = `domain: orders
account: "111122223333"
key:
  policy: ./main.tf#aws_kms_key.orders
principals:
  ci: role/ci
  app: role/orders-app
access:
  administer-resource: [ci]
  read-config: [ci]
  read-data: [app]
`;
  test('drift sits in the document\'s file, at its lines; the spec reads the policy through the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-module-spec-'));
    try {
      cpSync(join(FIXTURES, 'module'), dir, { recursive: true });
      writeFileSync(join(dir, 'orders.kms-domain.yaml'), SPEC);
      const service = documentWorkspace({ files: { readFile, findFiles, listTerraform } });
      service.workspace.scan([pathToFileURL(dir).href]);
      const path = join(dir, 'policies.tf');
      const text = readFileSync(path, 'utf8');
      const document = TextDocument.create(pathToFileURL(path).href, 'terraform', 1, text);
      const drift = service.diagnostics(document).filter((d) => String(d.code).startsWith('drift-'));
      const orders = { from: text.slice(0, text.indexOf('data "aws_iam_policy_document" "orders"')).split('\n').length - 1, to: text.slice(0, text.indexOf('data "aws_iam_policy_document" "replica"')).split('\n').length - 1 };
      assert.ok(drift.length > 0, 'drift on the document the governed key uses');
      for (const d of drift) assert.ok(d.range.start.line >= orders.from && d.range.start.line < orders.to, `${d.code} at line ${d.range.start.line + 1}, inside the orders document`);
      assert.ok(drift.some((d) => d.code === 'drift-extra-access' && /app can Encrypt/.test(String(d.message))), drift.map((d) => d.message).join('\n'));
      const fix = service.codeActions(document, drift[0].range, { diagnostics: drift, only: ['quickfix'] }).find((a) => a.title === 'Rewrite the policy from the orders domain spec');
      assert.ok(fix?.edit?.changes?.[document.uri], 'the drift fix edits the document in its file');
      const spec = TextDocument.create(pathToFileURL(join(dir, 'orders.kms-domain.yaml')).href, 'yaml', 1, SPEC);
      assert.deepEqual(service.diagnostics(spec).map((d) => d.code), ['spec-policy-out-of-date']);

      const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'kms-policy.js'), 'check', '.', '--format', 'json', '--fail-on', 'never'], { cwd: dir, encoding: 'utf8' });
      const report = JSON.parse(run.stdout) as { files: { file: string; findings: { code: string; line: number; column: number }[] }[] };
      const cliDrift = report.files.find((f) => f.file === 'policies.tf')!.findings.filter((f) => f.code.startsWith('drift-')).map((f) => `${f.code}@${f.line}:${f.column}`);
      assert.deepEqual(cliDrift.sort(), drift.map((d) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1}`).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

