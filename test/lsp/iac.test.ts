/** Key policies inside a CloudFormation template and a Terraform file, through the real server over stdio. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initialize, positionOf, ROOT, startServer } from '../support/lsp';

interface Range { start: { line: number; character: number }; end: { line: number; character: number } }
interface Diag { code: string; range: Range; message: string; source: string; data?: unknown }
interface TextEdit { range: Range; newText: string }
interface Item { label: string; textEdit?: TextEdit }
interface Action { title: string; edit?: { changes: Record<string, TextEdit[]> }; diagnostics?: Diag[] }

const fixture = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'iac', name), 'utf8');

describe('IaC files over the wire', () => {
  test('Terraform and CloudFormation YAML: pull diagnostics, completion, hover and a quick fix, in the host syntax', async () => {
    const server = startServer();
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {}, completion: { completionItem: { snippetSupport: true } } } } });
      const tf = 'file:///work/infra/main.tf';
      const tfText = fixture('main.tf');
      await server.notify('textDocument/didOpen', { textDocument: { uri: tf, languageId: 'terraform', version: 1, text: tfText } });
      const yaml = 'file:///work/infra/orders.template.yaml';
      const yamlText = fixture('orders.template.yaml');
      await server.notify('textDocument/didOpen', { textDocument: { uri: yaml, languageId: 'yaml', version: 1, text: yamlText } });

      const tfDiags = (await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri: tf } })).items;
      const typo = tfDiags.find((d) => d.code === 'unknown-action');
      assert.ok(typo, tfDiags.map((d) => d.code).join(', '));
      assert.deepEqual(typo.range, { start: positionOf(tfText, '"kms:Encrpyt"'), end: positionOf(tfText, '"kms:Encrpyt"', 13) });
      assert.ok(tfDiags.some((d) => d.code === 'bypass-lockout-safety-check'));

      const yamlDiags = (await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri: yaml } })).items;
      assert.ok(yamlDiags.some((d) => d.code === 'missing-deny-everyone-else' && d.message.includes('${AWS::AccountId}')));

      // Completion in the jsonencode object.
      const items = await server.request<{ items: Item[] }>('textDocument/completion', { textDocument: { uri: tf }, position: positionOf(tfText, '"kms:Encrpyt"', 8) });
      assert.ok(items.items.some((i) => i.label === 'kms:Encrypt'));

      // Hover on a k9 module input.
      const hover = await server.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: tf }, position: positionOf(tfText, 'allow_read_data_arns', 3) });
      assert.match(hover.contents.value, /read-data/);

      // The quick fix for the YAML typo writes YAML.
      const yamlTypo = yamlDiags.find((d) => d.code === 'unknown-action')!;
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri: yaml }, range: yamlTypo.range, context: { diagnostics: [yamlTypo], only: ['quickfix'] } });
      const fix = actions.find((a) => a.title === 'Change to "kms:Encrypt"');
      assert.ok(fix?.edit, actions.map((a) => a.title).join(' | '));
      const after = TextDocument.applyEdits(TextDocument.create(yaml, 'yaml', 1, yamlText), fix.edit.changes[yaml]);
      assert.ok(after.includes('              - kms:Encrypt\n'));
      assert.deepEqual(server.stderr.filter((l) => /failed/.test(l)), []);
    } finally {
      server.kill();
    }
  });

  test('document symbols: the keys and statements of a template', async (t) => {
    const server = startServer();
    try {
      const init = await initialize(server);
      if (!init.capabilities.documentSymbolProvider) {
        t.skip('server.ts does not wire textDocument/documentSymbol yet (see the issue 6 report)');
        return;
      }
      const uri = 'file:///work/infra/orders.template.yaml';
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: fixture('orders.template.yaml') } });
      const symbols = await server.request<{ name: string; children?: { name: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.deepEqual(symbols.map((s) => [s.name, s.children?.map((c) => c.name)]), [
        ['OrdersKey', ['EnableIAMUserPermissions', 'AllowApp']],
        ['ReportsKey', ['AllowCi']],
      ]);
    } finally {
      server.kill();
    }
  });

  test('a Terraform file without KMS keys gets nothing from us', async () => {
    const server = startServer();
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } } });
      const uri = 'file:///work/infra/network.tf';
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'terraform', version: 1, text: 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n' } });
      assert.deepEqual((await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } })).items, []);
    } finally {
      server.kill();
    }
  });
});
