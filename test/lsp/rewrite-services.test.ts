/** The three cases of issue 17 over stdio: service paths in titles, the suggestion, the apply command's summary, AWS-default policies. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { initialize, open, positionOf, ROOT, startServer } from '../support/lsp';

interface Range { start: { line: number; character: number }; end: { line: number; character: number } }
interface Diag { code: string; severity: number; range: Range; source: string; message: string }
interface TextEdit { range: Range; newText: string }
interface Action { title: string; kind: string; edit?: { changes: Record<string, TextEdit[]> }; command?: { command: string }; disabled?: { reason: string }; data?: { summary?: string[] } }

const fixture = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'rewrite', name), 'utf8');
const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

describe('rewrite with AWS service paths, over the wire', () => {
  test('case 1: the titles name the kept service paths; the apply command keeps them, returns the summary, honours dropServices and dryRun', async () => {
    const server = startServer();
    const uri = 'file:///work/services.key-policy.json';
    let text = fixture('services.key-policy.json');
    let version = 1;
    server.connection.onRequest('workspace/applyEdit', async (params: { edit: { changes: Record<string, TextEdit[]> } }) => {
      text = TextDocument.applyEdits(TextDocument.create(uri, 'json', version, text), params.edit.changes[uri]);
      version++;
      await server.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return { applied: true };
    });
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } } });
      await open(server, uri, text);
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: ZERO, context: { diagnostics: [], only: ['refactor.rewrite'] } });
      const rewrite = actions.find((a) => a.title.startsWith('Rewrite to least privilege (key-policy-only)'));
      assert.ok(rewrite?.edit, actions.map((a) => a.title).join(' | '));
      assert.match(rewrite.title, / — keeps cloudtrail\.amazonaws\.com, ec2\.us-east-1\.amazonaws\.com; takes away from /);
      assert.ok(rewrite.data?.summary?.some((l) => l === 'cloudtrail.amazonaws.com keeps GenerateDataKey* (statement CloudTrailEncrypt, kept)'), JSON.stringify(rewrite.data));

      const suggestion = await server.request<{ servicePaths: { id: string; label: string }[] }>('kmsPolicy/suggestAssignment', { uri });
      assert.deepEqual(suggestion.servicePaths.map((p) => p.id), ['CloudTrailEncrypt', 'ViaEbs']);

      const assignment = [
        { principal: 'arn:aws:iam::111122223333:role/platform-admin', capabilities: ['administer-resource', 'read-config'] },
        { principal: 'arn:aws:iam::111122223333:role/orders-app', capabilities: ['read-data', 'write-data'] },
      ];
      const dry = await server.request<{ applied: boolean; summary: string[] }>('workspace/executeCommand', { command: 'kmsPolicy.applyLeastPrivilege', arguments: [{ uri, version: 1, assignment, dropServices: ['ViaEbs'], dryRun: true }] });
      assert.equal(dry.applied, false);
      assert.ok(dry.summary.some((l) => /through ec2\.us-east-1\.amazonaws\.com loses .*dropped as asked/.test(l)), dry.summary.join('\n'));
      assert.equal(version, 1, 'a dry run applies nothing');

      const result = await server.request<{ applied: boolean; summary: string[] }>('workspace/executeCommand', { command: 'kmsPolicy.applyLeastPrivilege', arguments: [{ uri, version: 1, style: 'delegate-to-iam', assignment }] });
      assert.equal(result.applied, true);
      assert.ok(result.summary.some((l) => /^anyone in 111122223333 through ec2\.us-east-1\.amazonaws\.com keeps .*\(statement ViaEbs, kept\)$/.test(l)), result.summary.join('\n'));
      const sids = (JSON.parse(text) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);
      assert.deepEqual(sids, ['Root', 'AllowRestrictedAdministerResource', 'AllowRestrictedReadConfig', 'AllowRestrictedReadData', 'AllowRestrictedWriteData', 'CloudTrailEncrypt', 'ViaEbs', 'DenyEveryoneElse', 'DenyEveryoneElseThroughServices']);
      const after = await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } });
      assert.deepEqual(after.items.filter((d) => d.severity < 3).map((d) => d.code), []);
    } finally {
      server.kill();
    }
  });

  test('case 2: an AWS-default policy gets the interactive rewrite (or, without a quick pick, a disabled one saying how); a root-only assignment is refused with its reason', async () => {
    const server = startServer();
    const uri = 'file:///work/aws-default-eks.key-policy.json';
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } }, initializationOptions: { interactiveRewrite: true } });
      await open(server, uri, fixture('aws-default-eks.key-policy.json'));
      const diagnostics = (await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } })).items.filter((d) => d.code === 'missing-deny-everyone-else');
      assert.ok(diagnostics.length > 0);
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics, only: ['quickfix'] } });
      assert.ok(actions.some((a) => a.command?.command === 'kmsPolicy.rewriteLeastPrivilege'), actions.map((a) => a.title).join(' | '));
      const suggestion = await server.request<{ principals: unknown[]; servicePaths: { kind: string }[]; accountRoot: string }>('kmsPolicy/suggestAssignment', { uri });
      assert.deepEqual(suggestion.principals, []);
      assert.equal(suggestion.accountRoot, 'arn:aws:iam::111122223333:root');
      assert.deepEqual(suggestion.servicePaths.map((p) => p.kind), ['via-service']);
      const refused = await server.request<{ applied: boolean; message: string }>('workspace/executeCommand', {
        command: 'kmsPolicy.applyLeastPrivilege',
        arguments: [{ uri, style: 'delegate-to-iam', assignment: [{ principal: 'arn:aws:iam::111122223333:root', capabilities: ['administer-resource', 'read-config'] }] }],
      });
      assert.equal(refused.applied, false);
      assert.match(refused.message, /deny every IAM role and user/);
    } finally {
      server.kill();
    }
    const plain = startServer();
    try {
      await initialize(plain, { capabilities: { textDocument: { diagnostic: {} } } });
      await open(plain, uri, fixture('aws-default-eks.key-policy.json'));
      const diagnostics = (await plain.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } })).items.filter((d) => d.code === 'missing-deny-everyone-else');
      const actions = await plain.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics, only: ['quickfix'] } });
      const disabled = actions.find((a) => a.title === 'Rewrite to least privilege');
      assert.match(disabled?.disabled?.reason ?? '', /--assign <role ARN>=administer-resource/);
    } finally {
      plain.kill();
    }
  });

  test('root delegation plus an application: the rewrite is not offered with the application as administrator; the reason says how to name one', async () => {
    const server = startServer();
    const uri = 'file:///work/root-and-app.key-policy.json';
    const text = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Use', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/orders' }, Action: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*' },
        ],
      },
      null,
      2,
    );
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } } });
      await open(server, uri, text);
      const diagnostics = (await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } })).items.filter((d) => d.code === 'missing-deny-everyone-else');
      assert.ok(diagnostics.length > 0);
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics, only: ['quickfix'] } });
      const rewrites = actions.filter((a) => a.title.startsWith('Rewrite to least privilege'));
      assert.equal(rewrites.length, 1, rewrites.map((a) => a.title).join(' | '));
      assert.equal(rewrites[0].edit, undefined);
      assert.match(rewrites[0].disabled?.reason ?? '', /^Nobody this policy names administers the key today \(orders only use it; .*--assign <admin role ARN>=administer-resource,read-config/);
      const suggestion = await server.request<{ principals: { principal: string; suggested: string[] }[] }>('kmsPolicy/suggestAssignment', { uri });
      assert.deepEqual(suggestion.principals.map((p) => [p.principal, p.suggested]), [['arn:aws:iam::111122223333:role/orders', ['read-data']]]);
    } finally {
      server.kill();
    }
  });

  test('a policy the rewrite cannot read whole (a duplicate key) gets a disabled rewrite saying why, and the apply command refuses it', async () => {
    const server = startServer();
    const uri = 'file:///work/duplicate.key-policy.json';
    const text =
      '{"Version": "2012-10-17", "Statement": [\n' +
      '{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},\n' +
      '{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app", "AWS": "arn:aws:iam::111122223333:role/other"}, "Action": "kms:*", "Resource": "*"}]}';
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } }, initializationOptions: { interactiveRewrite: true } });
      await open(server, uri, text);
      const diagnostics = (await server.request<{ items: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } })).items.filter((d) => d.code === 'over-broad-grant');
      assert.ok(diagnostics.length > 0);
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics, only: ['quickfix'] } });
      const rewrites = actions.filter((a) => a.title.startsWith('Rewrite to least privilege'));
      assert.equal(rewrites.length, 1, rewrites.map((a) => a.title).join(' | '));
      assert.match(rewrites[0].disabled?.reason ?? '', /the key "AWS" twice in one object/);
      assert.equal(rewrites[0].edit, undefined);
      const refused = await server.request<{ applied: boolean; message: string }>('workspace/executeCommand', {
        command: 'kmsPolicy.applyLeastPrivilege',
        arguments: [{ uri, assignment: [{ principal: 'arn:aws:iam::111122223333:role/app', capabilities: ['administer-resource', 'read-config'] }] }],
      });
      assert.equal(refused.applied, false);
      assert.match(refused.message, /the key "AWS" twice in one object/);
    } finally {
      server.kill();
    }
  });

  test('case 3: in a CloudFormation template, the rewrite edits the YAML and keeps the service statements with their intrinsics', async () => {
    const server = startServer();
    const uri = 'file:///work/sra-config.template.yaml';
    const text = fixture('sra-config.template.yaml').replace(
      "            Action: 'kms:*'\n            Resource: '*'\n            Principal:\n              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root\n          - Sid: Allow Config",
      "            Action: 'kms:*'\n            Resource: '*'\n            Principal:\n              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root\n          - Sid: Admins\n            Effect: Allow\n            Action: 'kms:*'\n            Resource: '*'\n            Principal:\n              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/platform-admin\n          - Sid: Allow Config",
    );
    assert.ok(text.includes('role/platform-admin'), 'the template got a named role');
    try {
      await initialize(server, { capabilities: { textDocument: { diagnostic: {} } } });
      await open(server, uri, text);
      const at = positionOf(text, 'Sid: Admins');
      const actions = await server.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [], only: ['refactor.rewrite'] } });
      const rewrite = actions.find((a) => a.title.startsWith('Rewrite to least privilege (key-policy-only)'));
      assert.ok(rewrite?.edit, actions.map((a) => a.title).join(' | '));
      assert.match(rewrite.title, /keeps config\.amazonaws\.com, !Sub cloudformation\.\$\{AWS::Region\}\.amazonaws\.com/);
      const out = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), rewrite.edit.changes[uri]);
      assert.match(out, /aws:SourceAccount: !Ref AWS::AccountId\n/);
      assert.match(out, /kms:ViaService: !Sub cloudformation\.\$\{AWS::Region\}\.amazonaws\.com\n/);
      assert.match(out, /aws:PrincipalArn:\n\s+- !Sub arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/platform-admin\n/, 'the symbolic principal as written');
    } finally {
      server.kill();
    }
  });
});
