/**
 * The risks of issue 14 (literal-wildcard, impossible-condition-value, not-principal-role,
 * account-wide-grant, service-without-source-condition) on our own fixtures, as the editor sees
 * them: a plain key policy, a CloudFormation YAML template and a Terraform policy document that
 * carry each pattern, and a policy of correct patterns where all five stay silent. Each finding
 * is pinned by rule, position, the text it underlines and its severity.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-types';
import { documentWorkspace } from '../support/workspace';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'risks');
const RISKS = new Set(['literal-wildcard', 'impossible-condition-value', 'not-principal-role', 'account-wide-grant', 'service-without-source-condition']);
const service = documentWorkspace();

function doc(name: string, text = readFileSync(join(FIXTURES, name), 'utf8')): TextDocument {
  const languageId = name.endsWith('.tf') ? 'terraform' : name.endsWith('.json') ? 'json' : 'yaml';
  return TextDocument.create(`file:///work/risks/${name}`, languageId, 1, text);
}

const SEVERITY = ['', 'error', 'warning', 'info', 'hint'];

function risks(document: TextDocument): { diagnostics: Diagnostic[]; shown: string[] } {
  assert.ok(service.isServed(document), 'the file is served');
  const diagnostics = service.diagnostics(document).filter((d) => RISKS.has(String(d.code)));
  return { diagnostics, shown: diagnostics.map((d) => `${d.code} ${SEVERITY[d.severity ?? 0]} ${d.range.start.line + 1}:${d.range.start.character + 1} ${document.getText(d.range)}`) };
}

/** [fixture, every finding of the five rules: `rule severity line:column underlined text`] */
const CASES: [string, string[]][] = [
  [
    'trail-key.key-policy.json',
    [
      'impossible-condition-value warning 10:61 "Root"',
      'not-principal-role warning 22:33 "arn:aws:iam::111122223333:role/KeyAdmin"',
      'service-without-source-condition warning 29:33 "cloudtrail.amazonaws.com"',
      'literal-wildcard error 40:74 "arn:aws:cloudtrail:*:111122223333:trail/*"',
      'account-wide-grant info 49:61 "111122223333"',
    ],
  ],
  [
    'trail-key.template.yaml',
    [
      'service-without-source-condition info 31:24 cloudtrail.amazonaws.com',
      "literal-wildcard error 41:59 !Sub 'arn:aws:cloudtrail:*:${AWS::AccountId}:trail/*'",
      'account-wide-grant warning 50:36 !Ref AWS::AccountId',
      'impossible-condition-value warning 58:37 Root',
    ],
  ],
  [
    'trail-key.tf',
    [
      'not-principal-role warning 26:22 aws_iam_role.admin.arn',
      'service-without-source-condition warning 44:22 "logs.us-east-1.amazonaws.com"',
      'impossible-condition-value warning 58:19 "RSASSA_PSS_SHA_1024"',
      'literal-wildcard warning 63:19 "security-*"',
    ],
  ],
  ['correct-patterns.key-policy.json', []],
];

describe('issue 14 risks: each fires where the pattern is written, in JSON, CloudFormation and Terraform, and stays silent on correct patterns', () => {
  for (const [name, expected] of CASES) {
    test(name, () => {
      assert.deepEqual(risks(doc(name)).shown, expected);
    });
  }
});

describe('what the findings say', () => {
  const messages = (name: string) => risks(doc(name)).diagnostics.map((d) => `${d.code}: ${d.message}`);
  test('a root statement limited to aws:PrincipalType "Root" never applies, and says the key is locked', () => {
    const m = messages('trail-key.key-policy.json').find((x) => x.startsWith('impossible-condition-value'))!;
    assert.match(m, /aws:PrincipalType is never "Root": its values are Account, AssumedRole, Anonymous, FederatedUser or User\. Statement "EnableIAMUserPermissions" never applies: it grants nothing\./);
  });
  test('a NotPrincipal role: its denied calls and its dead grant', () => {
    const m = messages('trail-key.key-policy.json').find((x) => x.startsWith('not-principal-role'))!;
    assert.match(m, /arn:aws:sts::111122223333:assumed-role\/KeyAdmin\/<session name>.*KeyAdmin's own calls to kms:ScheduleKeyDeletion are denied\. Its grant in statement "KeyAdmins" is dead for those actions\./);
  });
  test('in Terraform, a role reference is named as written, and its session by a placeholder, never by the synthetic name', () => {
    const m = messages('trail-key.tf').find((x) => x.startsWith('not-principal-role'))!;
    assert.match(m, /NotPrincipal names the role aws_iam_role\.admin\.arn, .*assumed-role\/<role name>\/<session name>/);
    assert.match(m, /calls to kms:ScheduleKeyDeletion, kms:PutKeyPolicy are denied\. Its grant in statement "AdminManages" is dead/);
  });
  test('the CloudFormation literal wildcard is quoted as written, with the reason the Deny refuses everything', () => {
    const m = messages('trail-key.template.yaml').find((x) => x.startsWith('literal-wildcard'))!;
    assert.match(m, /StringNotEquals compares literally: "!Sub 'arn:aws:cloudtrail:\*:\$\{AWS::AccountId\}:trail\/\*'" matches only a value with that exact text.*in practice every request, which the Deny then refuses\. Use StringNotLike/);
  });
});

function applyAction(document: TextDocument, action: CodeAction): string {
  const edits = action.edit?.changes?.[document.uri] as TextEdit[];
  assert.ok(edits?.length, `${action.title} has edits`);
  return TextDocument.applyEdits(document, edits);
}

describe('the literal-wildcard quick fix in each host', () => {
  const cases: [string, RegExp][] = [
    ['trail-key.key-policy.json', /"StringNotLike": \{ "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:\*:111122223333:trail\/\*" \}/],
    ['trail-key.template.yaml', /StringNotLike:\n\s+kms:EncryptionContext:aws:cloudtrail:arn: !Sub 'arn:aws:cloudtrail:\*:\$\{AWS::AccountId\}:trail\/\*'/],
    ['trail-key.tf', /test\s+= "StringLike"\n\s+variable = "aws:PrincipalTag\/team"/],
  ];
  for (const [name, expected] of cases) {
    test(name, () => {
      const document = doc(name);
      const diagnostics = risks(document).diagnostics.filter((d) => d.code === 'literal-wildcard');
      const actions = service.codeActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] });
      const fix = actions.find((a) => a.title.startsWith('Use String'));
      assert.ok(fix, actions.map((a) => a.title).join(' | '));
      const after = applyAction(document, fix);
      assert.match(after, expected);
      assert.deepEqual(risks(doc(name, after)).shown.filter((s) => s.startsWith('literal-wildcard')), []);
    });
  }
});

describe('the literal-wildcard quick fix never loses a condition', () => {
  test('Terraform: two conditions with the same test, one with a wildcard: any fix offered keeps both', () => {
    const text = readFileSync(join(FIXTURES, 'trail-key.tf'), 'utf8').replace('"StringEqualsIgnoreCase"', '"StringEquals"');
    const document = doc('trail-key.tf', text);
    const diagnostics = risks(document).diagnostics.filter((d) => d.code === 'literal-wildcard');
    assert.equal(diagnostics.length, 1);
    for (const action of service.codeActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] })) {
      const after = applyAction(document, action);
      assert.match(after, /variable = "kms:SigningAlgorithm"/);
      assert.match(after, /variable = "aws:PrincipalTag\/team"/);
    }
  });
  test('CloudFormation: a clause beside another key of its operator moves to the ...Like operator; the other stays', () => {
    const text = readFileSync(join(FIXTURES, 'trail-key.template.yaml'), 'utf8').replace(
      "kms:EncryptionContext:aws:cloudtrail:arn: !Sub 'arn:aws:cloudtrail:*:${AWS::AccountId}:trail/*'",
      "kms:EncryptionContext:aws:cloudtrail:arn: !Sub 'arn:aws:cloudtrail:*:${AWS::AccountId}:trail/*'\n                aws:PrincipalAccount: !Ref AWS::AccountId",
    );
    const document = doc('trail-key.template.yaml', text);
    const diagnostics = risks(document).diagnostics.filter((d) => d.code === 'literal-wildcard');
    const fix = service.codeActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] }).find((a) => a.title.startsWith('Use String'));
    assert.ok(fix);
    const after = applyAction(document, fix);
    assert.match(after, /StringNotEquals:\n\s+aws:PrincipalAccount: !Ref AWS::AccountId\n\s+StringNotLike:\n\s+kms:EncryptionContext:aws:cloudtrail:arn: /);
    assert.ok(service.diagnostics(doc('trail-key.template.yaml', after)).every((d) => d.code !== 'literal-wildcard' && d.code !== 'iac-syntax'));
  });
});

test('service-without-source-condition names the action that makes it a warning first, never among "and N more"', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Logs', Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: ['kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:Decrypt*'], Resource: '*' },
    ],
  });
  const found = documentWorkspace().diagnostics(TextDocument.create('file:///work/logs.key-policy.json', 'json', 1, text)).filter((d) => d.code === 'service-without-source-condition');
  assert.equal(found.length, 1);
  assert.match(String(found[0].message), /lets logs\.amazonaws\.com call kms:Decrypt, /);
});
