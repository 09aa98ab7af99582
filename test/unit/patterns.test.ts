/**
 * Real-world patterns, each in a fixture of our own (test/fixtures/patterns): template
 * placeholders, unresolved IaC, Fn::If branches, AWS service patterns, and saying each thing once.
 * Each case names a file, what must be found there (rule, line, message) and what must not.
 * Files are read through the Workspace, as the editor and the CLI read them.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { documentWorkspace } from '../support/workspace';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'patterns');
const service = documentWorkspace();

/** A finding that must be there: rule id, 1-based line, and a pattern its message matches. */
type Must = readonly [rule: string, line: number, message?: RegExp];
/** A finding that must not be there: a rule id, or a rule id and a line, at any severity. */
type MustNot = string | readonly [rule: string, line: number];

interface Case {
  readonly file: string;
  readonly about: string;
  readonly must?: readonly Must[];
  readonly mustNot?: readonly MustNot[];
  /** At most this many findings of a rule ('errors': of severity error). */
  readonly max?: Readonly<Record<string, number>>;
  /** No message may contain this. */
  readonly neverSays?: RegExp;
}

export const CASES: readonly Case[] = [
  // ---- 1. template placeholders ----------------------------------------------------------------
  {
    file: 'placeholders.key-policy.json',
    about: 'placeholders in principals, accounts and values are symbolic: not malformed, a placeholder root is a root delegation, named as written',
    must: [['missing-deny-everyone-else', 7, /account \$\{account_id\} grant/], ['root-delegation', 7, /account \$\{account_id\}/]],
    mustNot: ['malformed-principal', ['over-broad-grant', 8], 'lockout'],
  },
  {
    file: 'placeholder-admin-only.key-policy.json',
    about: 'an administrator named by a placeholder keeps the key out of lockout; kms:* to it is still over-broad, named as written',
    must: [['over-broad-grant', 8, /grants arn:aws:iam::\$\{account_id\}:user\/\$\{admin_user\} 56 actions/]],
    mustNot: ['lockout', 'malformed-principal'],
  },
  {
    file: 'placeholder-no-admin.key-policy.json',
    about: 'placeholders do not hide a missing administrator or an ARN the template gets wrong around them',
    must: [['lockout', 3], ['malformed-principal', 14, /IAM ARNs have no region/]],
    max: { 'malformed-principal': 1 },
  },
  {
    file: 'terraform-aws-kms-key/capability-policy/main.tf',
    about: 'in a KMS module, a policy document with principals and actions read from file() is a key policy we cannot read: said once, with no public-key or unknown-operator about `test = var.x`',
    must: [['partial-analysis', 11, /Not evaluated: local\.admin_actions; test = var\.admin_test/]],
    mustNot: ['public-key', 'unknown-operator', 'lockout', 'missing-deny-everyone-else'],
    max: { 'partial-analysis': 1 },
  },
  {
    file: 'templatefile.key-policy.json',
    about: 'a file with template directives gets one finding that it is a template, and no statements made from the template text',
    must: [['json-syntax', 11, /template, not JSON: %\{ for reader in readers \}.*the statements from here on are not analyzed/]],
    mustNot: ['lockout', 'missing-deny-everyone-else', 'empty-action', 'invalid-effect', 'missing-principal', 'wrong-type', 'partial-analysis'],
    max: { errors: 1 },
  },

  {
    file: 'jinja-template.key-policy.json',
    about: 'a Jinja directive where a statement would start ({% if %} after a comma) is one template finding, not a dozen syntax errors',
    must: [['json-syntax', 11, /template, not JSON: \{% if logs_enabled %\}.*the statements from here on are not analyzed/]],
    mustNot: ['lockout', 'missing-deny-everyone-else', 'partial-analysis', 'malformed-principal'],
    max: { errors: 1 },
  },

  // ---- 2. unknown is not absent ----------------------------------------------------------------
  {
    file: 'concat.tf',
    about: 'concat(): the literal statements are analyzed (public-key, a typo), the rest is named, and nothing is called missing',
    must: [['public-key', 18], ['unknown-action', 19, /kms:Encrpyt/], ['partial-analysis', 22, /Not evaluated: var\.extra_statements; \[for arn in var\.readers/]],
    mustNot: ['lockout', 'missing-deny-everyone-else'],
  },
  {
    file: 'dynamic.tf',
    about: 'a policy document built only from dynamic blocks gets the info, never silence',
    must: [['partial-analysis', 7, /Not evaluated: source_policy_documents = var\.source_policy_documents; dynamic "statement"/]],
    mustNot: ['lockout', 'missing-deny-everyone-else', 'invalid-version'],
    max: { errors: 0 },
  },
  {
    file: 'file-policy.tf',
    about: 'policy = file(...) and templatefile(...) are not evaluated, and say so',
    must: [['partial-analysis', 3, /policy = file\("\$\{path\.module\}\/key-policy\.json"\)/], ['partial-analysis', 8, /policy = templatefile\(/]],
    max: { errors: 0, 'partial-analysis': 2 },
  },
  {
    file: 'literal-no-admin.tf',
    about: 'when every part is known, a missing administrator is still reported',
    must: [['lockout', 7]],
    mustNot: ['partial-analysis'],
  },
  {
    file: 'list-variables.tf',
    about: 'identifiers = var.admin_arns is a list not known here: no lockout; a literal public statement still is public',
    must: [['partial-analysis', 13, /Not evaluated: var\.admin_arns/], ['public-key', 23]],
    mustNot: ['lockout', 'missing-deny-everyone-else'],
  },
  {
    file: 'variables-jsonencode.tf',
    about: 'jsonencode: Statement = var.statements and AWS = var.reader_arns are lists not known here',
    must: [['partial-analysis', 5, /Not evaluated: var\.statements/], ['partial-analysis', 13, /Not evaluated: var\.reader_arns/]],
    mustNot: ['lockout', 'wrong-type'],
  },
  {
    file: 'unknown-intrinsics.template.yaml',
    about: 'CloudFormation: !Ref to a list parameter, !FindInMap and !ImportValue are unknown; literal typos still reported',
    must: [['partial-analysis', 21, /!Ref AdminArns; !FindInMap \[Readers, !Ref Stage, Arn\]; !ImportValue shared-app-role-arn/], ['unknown-action', 36, /kms:Dcrypt/]],
    mustNot: ['lockout', 'missing-deny-everyone-else'],
  },
  {
    file: 'unknown-intrinsics.template.json',
    about: 'CloudFormation JSON: a Ref to a List<String> parameter and Fn::ImportValue are unknown; a literal public statement is still public',
    must: [['partial-analysis', 14, /\{ "Ref": "AdminArns" \}; \{ "Fn::ImportValue": "shared-service" \}/], ['public-key', 21]],
    mustNot: ['lockout', 'missing-deny-everyone-else'],
  },

  {
    file: 'account-references/main.tf',
    about: 'account ids given as variables: a condition value is the same account as the root ARN built from it (format(), compact(concat())), never malformed; a root delegation through format() is one',
    must: [
      ['missing-deny-everyone-else', 18, /account var\.account_id grant/],
      ['account-wide-grant', 34, /every principal in account var\.account_id/],
      ['missing-deny-everyone-else', 60, /account data\.aws_caller_identity\.current\.account_id grant any principal there every KMS action/],
      ['partial-analysis', 60, /Not evaluated: var\.extra_roots\. .*\(lockout\) are not reported/],
    ],
    mustNot: ['malformed-principal', 'over-broad-grant', 'separation-of-duties', 'public-key'],
  },
  {
    file: 'escaped-json/main.tf',
    about: 'policy = "{\\"Version\\": ...}" (JSON as an escaped HCL string, with an interpolation) is read, not "not evaluated": the public statement and the typo are found',
    must: [['public-key', 3], ['unknown-action', 3, /"kms:Encrpyt" is not a KMS action/], ['missing-deny-everyone-else', 3, /account \$\{var\.account_id\}/]],
    mustNot: ['partial-analysis', 'malformed-principal', 'json-syntax', 'iac-syntax'],
  },
  {
    file: 'account-references.template.yaml',
    about: 'CloudFormation: !Ref to an account parameter in kms:CallerAccount and aws:SourceAccount is an account, not a malformed one',
    must: [['missing-deny-everyone-else', 15]],
    mustNot: ['malformed-principal', 'public-key'],
  },

  // ---- 3. both branches of Fn::If --------------------------------------------------------------
  {
    file: 'if-branches.template.yaml',
    about: 'statements and values inside !If are analyzed in each branch, a finding in a branch says when; AWS::NoValue removes the element and names stay as written',
    must: [
      ['public-key', 37, /^when S3Readers is true: Statement 3 allows anyone/],
      ['lockout', 15, /^when HasAdmin is false and S3Readers is false: Nobody can call kms:PutKeyPolicy/],
      ['over-broad-grant', 52, /^when HasAdmin is true and S3Readers is true: "kms:\*" grants !Sub arn:aws:iam::\$\{AWS::AccountId\}:role\/writer, !Ref AdminRoleArn/],
      ['over-broad-grant', 52, /^when HasAdmin is false and S3Readers is true: "kms:\*" grants !Sub arn:aws:iam::\$\{AWS::AccountId\}:role\/writer 56/],
    ],
    mustNot: ['wrong-type', 'partial-analysis'],
    max: { lockout: 1, 'public-key': 1 },
  },
  {
    file: 'if-branches.template.json',
    about: 'CloudFormation JSON: Fn::If statements and values, with AWS::NoValue',
    must: [['public-key', 23, /^when S3Readers is true: Statement 2 allows anyone/], ['unknown-action', 34, /^when S3Readers is true: "kms:Decrpyt"/]],
    mustNot: ['lockout', 'wrong-type', 'partial-analysis'],
    max: { 'public-key': 1, 'unknown-action': 1 },
  },
  {
    file: 'widdix-style-services.template.yaml',
    about: 'many exclusive conditions: each alone; what holds in every branch is said once',
    must: [['public-key', 37, /^when ServiceS3Public is true: Statement 3/], ['missing-deny-everyone-else', 16]],
    max: { 'missing-deny-everyone-else': 1, 'root-delegation': 1, 'public-key': 1 },
  },

  // ---- 5. AWS service patterns are not public --------------------------------------------------
  {
    file: 'service-patterns.key-policy.json',
    about: 'AWS * limited to AWS services acting for an org or account is not public; ArnLike on an ARN-valued encryption context is documented',
    must: [['public-key', 60, /any AWS service, acting for anyone in any AWS account.*aws:SourceOrgID, aws:SourceAccount or aws:SourceArn/], ['operator-type-mismatch', 71, /but kms:EncryptionContext:Department is String/]],
    mustNot: [['public-key', 14], ['public-key', 26], ['public-key', 38], ['operator-type-mismatch', 46], ['operator-type-mismatch', 54]],
    max: { 'public-key': 1, 'operator-type-mismatch': 1 },
    neverSays: /\$\{EncryptionContextKey\}/,
  },
  {
    file: 'service-patterns.template.yaml',
    about: 'CloudFormation: the organization service pattern and the CloudWatch Logs ArnLike with !Sub',
    mustNot: ['public-key', 'operator-type-mismatch'],
    neverSays: /\$\{EncryptionContextKey\}/,
  },

  // ---- 6. say each thing once, and say it right ------------------------------------------------
  {
    file: 'once-per-account.key-policy.json',
    about: 'missing-deny-everyone-else once per delegated account, on the statement that grants the most, saying what it grants',
    must: [
      ['missing-deny-everyone-else', 14, /Statement "EnableIAM" lets IAM policies in account 111122223333 grant any principal there every KMS action/],
      ['missing-deny-everyone-else', 29, /account 444455556666 grant any principal there 1 KMS action on this key \(read-data\)/],
      ['missing-deny-everyone-else', 29, /account 777788889999/],
      ['root-delegation', 21, /adding nothing to what statement "Describe" and statement "EnableIAM" already delegate/],
    ],
    mustNot: [['missing-deny-everyone-else', 7], ['missing-deny-everyone-else', 21]],
    max: { 'missing-deny-everyone-else': 3 },
    neverSays: /DenyEveryoneElse limits it/,
  },
  {
    file: 'once-per-account.template.yaml',
    about: 'CloudFormation (SRA style): one finding for this account on the kms:* statement, one for the log archive account',
    must: [['missing-deny-everyone-else', 17, /account \$\{AWS::AccountId\} grant any principal there every KMS action/], ['missing-deny-everyone-else', 41, /account \$\{LogArchiveAccountId\}/]],
    max: { 'missing-deny-everyone-else': 2 },
    neverSays: /DenyEveryoneElse limits it/,
  },
  {
    file: 'public-said-once.key-policy.json',
    about: 'kms:* to everyone: public-key says who, over-broad-grant says what, to "anyone"; no separation-of-duties echo for a principal that gets data only through it; a wildcard into delete-data says which actions',
    must: [['public-key', 14], ['over-broad-grant', 15, /^"kms:\*" grants anyone 56 actions/], ['over-broad-grant', 22, /delete-data among them \(kms:DeleteCustomKeyStore, kms:DeleteImportedKeyMaterial\)\. Grant only/]],
    mustNot: ['separation-of-duties'],
    max: { 'over-broad-grant': 2, 'public-key': 1 },
    neverSays: /every principal it names/,
  },
  {
    file: 'root-delegation-no-deny.key-policy.json',
    about: 'the root-delegation info never claims a DenyEveryoneElse limits it when there is no Deny',
    must: [['root-delegation', 14, /can grant its principals 1 KMS action/], ['root-delegation', 29, /only under conditions the evaluator cannot decide \(1 KMS action, such as kms:Encrypt\)/]],
    neverSays: /DenyEveryoneElse limits it/,
  },
  {
    file: 'deny-admin-actions.key-policy.json',
    about: 'a Deny of actions AWS services never call needs no service carve-outs; a Deny of kms:* still does',
    must: [['deny-everyone-else-carve-outs', 24, /also denies AWS services/]],
    mustNot: [['deny-everyone-else-carve-outs', 13], ['deny-everyone-else-carve-outs', 14]],
  },
];

function diagnostics(file: string): { document: TextDocument; found: Diagnostic[] } {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const languageId = file.endsWith('.tf') ? 'terraform' : file.endsWith('.json') ? 'json' : 'yaml';
  const document = TextDocument.create(`file:///work/patterns/${file}`, languageId, 1, text);
  assert.ok(service.isServed(document), `${file} is served`);
  return { document, found: service.diagnostics(document) };
}

const text = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);
const show = (d: Diagnostic) => `${d.code}@${d.range.start.line + 1} ${text(d)}`;

describe('real-world patterns in our own fixtures', () => {
  for (const c of CASES) {
    test(`${c.file}: ${c.about}`, () => {
      const { found } = diagnostics(c.file);
      const line = (d: Diagnostic) => d.range.start.line + 1;
      for (const [rule, at, message] of c.must ?? []) {
        const hit = found.find((d) => d.code === rule && line(d) === at && (!message || message.test(text(d))));
        assert.ok(hit, `${rule} at line ${at}${message ? ` matching ${message}` : ''}; found:\n${found.map(show).join('\n')}`);
      }
      for (const not of c.mustNot ?? []) {
        const [rule, at] = typeof not === 'string' ? [not, undefined] : not;
        const hits = found.filter((d) => d.code === rule && (at === undefined || line(d) === at));
        assert.deepEqual(hits.map(show), [], `no ${rule}${at ? ` at line ${at}` : ''}`);
      }
      for (const [rule, most] of Object.entries(c.max ?? {})) {
        const n = found.filter((d) => (rule === 'errors' ? d.severity === 1 : d.code === rule)).length;
        assert.ok(n <= most, `at most ${most} ${rule}, got ${n}:\n${found.map(show).join('\n')}`);
      }
      if (c.neverSays) for (const d of found) assert.doesNotMatch(text(d), c.neverSays);
    });
  }
});

describe('a policy document with unknown actions outside a KMS module', () => {
  test('is not taken for a key policy: the same module under an S3 name is not served', () => {
    const text = readFileSync(join(FIXTURES, 'terraform-aws-s3-bucket', 'main.tf'), 'utf8');
    assert.equal(text, readFileSync(join(FIXTURES, 'terraform-aws-kms-key', 'capability-policy', 'main.tf'), 'utf8'), 'the same text as the KMS module');
    const document = TextDocument.create('file:///work/patterns/terraform-aws-s3-bucket/main.tf', 'terraform', 1, text);
    assert.equal(service.isServed(document), false);
  });
});

describe('quick fixes on placeholder principals', () => {
  test('Add DenyEveryoneElse exempts each placeholder principal once, and the result denies none of them', () => {
    const { document, found } = diagnostics('placeholders.key-policy.json');
    const missing = found.find((d) => d.code === 'missing-deny-everyone-else');
    assert.ok(missing, 'missing-deny-everyone-else is reported');
    const actions = service.codeActions(document, missing.range, { diagnostics: [missing], only: ['quickfix'] });
    const add = actions.find((a) => a.title.startsWith('Add DenyEveryoneElse'));
    assert.ok(add?.edit?.changes, `a fix; got ${actions.map((a) => a.title).join(' | ')}`);
    const fixed = TextDocument.applyEdits(document, add.edit.changes[document.uri]);
    const list: string[] = JSON.parse(fixed).Statement.at(-1).Condition.ArnNotEquals['aws:PrincipalArn'];
    assert.deepEqual([...new Set(list)], list, 'no principal twice');
    assert.ok(list.includes('<YOUR ADMIN USER ARN>') && list.includes('arn:aws:iam::#{AWS::AccountId}:role/operator'), list.join(', '));
    const after = TextDocument.create(document.uri, 'json', 2, fixed);
    const again = service.diagnostics(after).map((d) => d.code);
    assert.ok(!again.includes('deny-everyone-else-dead-grant') && !again.includes('missing-deny-everyone-else'), again.join(', '));
  });
});

describe('JSON as an escaped Terraform string', () => {
  test('its findings offer no edit (an edit would have to be escaped), and completion offers nothing inside it', () => {
    const { document, found } = diagnostics('escaped-json/main.tf');
    const typo = found.find((d) => d.code === 'unknown-action');
    assert.ok(typo, found.map(show).join('\n'));
    const actions = service.codeActions(document, typo.range, { diagnostics: found, only: ['quickfix'] });
    assert.deepEqual(actions.filter((a) => a.edit !== undefined).map((a) => a.title), []);
    assert.deepEqual(service.complete(document, typo.range.start).items, []);
  });
});
