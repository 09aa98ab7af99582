/** The IaC readers on their own: the HCL parser, symbols, classification, and broken input. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseHcl, traversalText, type HclBlock } from '../../server/src/core/iac/hcl';
import { analyzeIac, classify } from '../../server/src/core/iac/index';
import { iacFindings } from '../../server/src/core/iac/rules';
import { yamlString } from '../../server/src/core/iac/serialize';
import { documentWorkspace } from '../support/workspace';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'iac');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function findings(name: string, text: string): string[] {
  const kind = classify(name, text);
  assert.ok(kind, `${name} is classified`);
  return iacFindings(analyzeIac(text, kind)).map((f) => {
    const before = text.slice(0, f.span.start);
    const line = before.split('\n').length;
    return `${f.code} ${line} ${text.slice(f.span.start, f.span.end).split('\n')[0]}`;
  });
}

describe('HCL parser', () => {
  test('blocks, attributes, expressions and templates with offsets', () => {
    const text = 'resource "aws_kms_key" "k" {\n  policy = jsonencode({ A = [for x in var.l : upper(x) if x != ""], B = a.b[0].c ? 1 : -2 })\n  t = "x${var.y}%{ if true }z%{ endif }"\n  h = <<-EOT\n    a ${b}\n  EOT\n}\n';
    const file = parseHcl(text);
    assert.deepEqual(file.errors, []);
    const block = file.body.items[0] as HclBlock;
    assert.deepEqual([block.type, ...block.labels.map((l) => l.value)], ['resource', 'aws_kms_key', 'k']);
    assert.deepEqual(block.body.items.map((i) => (i.kind === 'attribute' ? `${i.name}:${i.expr?.kind}` : i.kind)), ['policy:call', 't:template', 'h:heredoc']);
    const policy = block.body.items[0];
    assert.equal(policy.kind === 'attribute' && text.slice(policy.expr!.span.start, policy.expr!.span.end).startsWith('jsonencode({'), true);
    const h = block.body.items[2];
    assert.ok(h.kind === 'attribute' && h.expr?.kind === 'heredoc' && text.slice(h.expr.body.start, h.expr.body.end) === '    a ${b}\n');
  });

  test('traversals keep their text', () => {
    const file = parseHcl('a = data.aws_caller_identity.current.account_id\nb = aws_iam_role.ci.arn\n');
    assert.deepEqual(
      file.body.items.map((i) => (i.kind === 'attribute' ? traversalText(i.expr) : undefined)),
      ['data.aws_caller_identity.current.account_id', 'aws_iam_role.ci.arn'],
    );
  });

  const broken: [string, string, RegExp, string[]][] = [
    ['a half-typed block', 'resource "aws_kms_key" "a" {\n  policy = jsonencode({\n    Statement = [\n      { Eff\n    ]\n  })\n}\nresource "b" "c" { x = 1 }\n', /Expected "=" after the object key/, ['resource', 'resource']],
    ['an unclosed heredoc', 'resource "a" "b" {\n  policy = <<EOF\n{}\n', /Unclosed heredoc: no line "EOF" ends/, ['resource']],
    ['a value missing', 'resource "a" "b" {\n  policy = \n}\nresource "q" "r" {\n  z = 1\n}\n', /"policy =" has no value/, ['resource', 'resource']],
    ['an unterminated string', 'a = "x\nb = 2\n', /Unterminated string/, []],
    ['a block without a brace', 'resource "a"', /Expected "=" or "\{" after block "resource"/, []],
    ['an unclosed block', 'resource "a" "b" {\n  x = 1\n', /Block "resource a b" is not closed/, ['resource']],
  ];
  for (const [name, text, message, blocks] of broken) {
    test(`recovers from ${name}`, () => {
      const file = parseHcl(text);
      assert.ok(file.errors.some((e) => message.test(e.message)), file.errors.map((e) => e.message).join(' | '));
      assert.deepEqual(file.body.items.filter((i) => i.kind === 'block').map((i) => (i as HclBlock).type), blocks);
    });
  }

  test('never throws on any prefix of the fixture, and finds every policy of a complete prefix', () => {
    const text = fixture('main.tf');
    for (let end = 0; end <= text.length; end += 7) parseHcl(text.slice(0, end));
    assert.equal(analyzeIac(text, 'terraform').policies.length, 3);
  });

  test('deep nesting is refused, not a stack overflow', () => {
    const file = parseHcl('a = ' + '['.repeat(5000) + ']'.repeat(5000) + '\n');
    assert.ok(file.errors.some((e) => /nested too deeply/.test(e.message)));
  });
});

describe('classification', () => {
  const cases: [string, string, string | undefined][] = [
    ['main.tf', 'resource "x" "y" {}', 'terraform'],
    ['stack.template.yaml', 'Resources: {}', 'cfn-yaml'],
    ['stack.cfn.json', '{}', 'cfn-json'],
    ['infra.yml', "AWSTemplateFormatVersion: '2010-09-09'\n", 'cfn-yaml'],
    ['infra.json', '{"Resources": {"K": {"Type": "AWS::KMS::Key"}}}', 'cfn-json'],
    ['docker-compose.yml', 'services:\n  web:\n    image: x\n', undefined],
    ['app.key-policy.json', '{"Resources": "AWS::KMS::Key"}', undefined],
    ['package.json', '{"name": "x"}', undefined],
  ];
  for (const [path, text, kind] of cases) test(`${path} -> ${kind}`, () => assert.equal(classify(path, text), kind));
});

describe('broken IaC: a clear parse diagnostic, never a crash, the other policies still analyzed', () => {
  test('Terraform: a half-typed block before a complete key', () => {
    const text = 'resource "aws_kms_key" "draft" {\n  policy = jsonencode({\n    Statement = [{ Eff\n' + fixture('main.tf');
    const out = findings('main.tf', text);
    assert.ok(out.some((f) => f.startsWith('iac-syntax 3 ')), out.join('\n'));
    assert.ok(out.some((f) => f.startsWith('unknown-action')), 'the complete keys after it are analyzed');
  });

  test('Terraform: an unclosed heredoc hides only what follows it', () => {
    const text = fixture('main.tf').replace(/\n  EOF\n/, '\n');
    const out = findings('main.tf', text);
    assert.ok(out.some((f) => /^iac-syntax \d+ {2}policy = <<-EOF/.test(f) || /^iac-syntax \d+ <<-EOF/.test(f)), out.join('\n'));
    assert.ok(out.some((f) => f.startsWith('unknown-action')), 'the jsonencode key before it is still analyzed');
  });

  test('YAML: tab indentation is reported as such, and the keys before it are analyzed', () => {
    const text = fixture('orders.template.yaml').replace('Outputs:\n  OrdersKeyArn:\n    Value:', 'Outputs:\n\tOrdersKeyArn:\n\t\tValue:');
    const out = findings('orders.template.yaml', text);
    assert.ok(out.some((f) => f.startsWith('iac-syntax')), out.join('\n'));
    const doc = TextDocument.create('file:///x/orders.template.yaml', 'yaml', 1, text);
    const service = documentWorkspace();
    const messages = service.diagnostics(doc).filter((d) => d.code === 'iac-syntax').map((d) => String(d.message));
    assert.ok(messages.some((m) => /tabs are not allowed as indentation; YAML indents with spaces only/.test(m)), messages.join('\n'));
    assert.ok(out.some((f) => f.startsWith('unknown-action')), out.join('\n'));
  });

  test('JSON template: an error outside the policy is the template\'s; the policy is still analyzed', () => {
    const text = fixture('orders.template.json').replace('"Description": "Orders data domain key (JSON template)",', '"Description": "Orders data domain key (JSON template)",,');
    const out = findings('orders.template.json', text);
    assert.ok(out.some((f) => f.startsWith('iac-syntax 3 ')), out.join('\n'));
    assert.ok(out.some((f) => f.startsWith('unknown-action')), out.join('\n'));
  });

  test('JSON template: an error inside the policy is json-syntax, at its place', () => {
    const text = fixture('orders.template.json').replace('"kms:Encrpyt"]', '"kms:Encrypt",]');
    const out = findings('orders.template.json', text);
    assert.ok(out.some((f) => /^json-syntax 32 ,/.test(f)), out.join('\n'));
  });

  test('no input makes the service throw: prefixes of every fixture', () => {
    const service = documentWorkspace();
    for (const name of ['orders.template.yaml', 'orders.template.json', 'main.tf']) {
      const text = fixture(name);
      for (let end = 0; end <= text.length; end += 23) {
        const doc = TextDocument.create(`file:///x/${name}`, 'plaintext', 1, text.slice(0, end));
        const policy = service.parse(doc);
        service.diagnostics(doc);
        const mid = doc.positionAt(Math.floor(end / 2));
        service.complete(doc, mid);
        service.hover(doc, mid);
        service.codeActions(doc, { start: mid, end: mid }, { diagnostics: [] });
      }
    }
  });
});

describe('YAML scalars', () => {
  test('plain where it reads back the same, quoted otherwise', () => {
    assert.deepEqual(['kms:Decrypt', '*', '2012-10-17', 'true', 'a: b', "it's", '!Ref x', ''].map(yamlString), ['kms:Decrypt', "'*'", "'2012-10-17'", "'true'", "'a: b'", "it's", "'!Ref x'", "''"]);
  });
});

describe("k9's module read as an assignment", () => {
  test('no administrator is a lockout; a literal that is not an ARN is malformed; references are fine', () => {
    const text = 'module "k" {\n  source = "git::https://github.com/k9securityio/terraform-aws-kms-key.git?ref=v1"\n  allow_read_data_arns = [aws_iam_role.app.arn, "app-role"]\n}\n';
    const out = findings('k9.tf', text);
    assert.deepEqual(out, ['lockout 1 "k"', 'malformed-principal 3 "app-role"']);
    const fine = findings('k9.tf', text.replace('"app-role"', '"arn:aws:iam::111122223333:role/app"').replace('  allow_read', '  allow_administer_resource_arns = [var.admin]\n  allow_read'));
    assert.deepEqual(fine, []);
  });
});
