/**
 * Key policies inside IaC: the three fixtures (a CloudFormation YAML template with two keys and
 * intrinsics, a JSON template, a Terraform file with the three policy forms and k9's module),
 * through the language service as the server calls it.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver-types';
import { effectiveAccess, holds } from '../../server/src/core/evaluate/index';
import { CAPABILITIES, type Capability } from '../../server/src/core/catalog/catalog';
import { accountRootOf } from '../../server/src/core/rewrite/account';
import type { Style } from '../../server/src/core/rewrite/leastPrivilege';
import { suggestAssignment, suggestsAdministrator, toAssignment } from '../../server/src/core/rewrite/suggest';
import { leastPrivilegeEdits } from '../../server/src/service/rewrite';
import type { PolicyDocument } from '../../server/src/core/policy/model';
import { documentWorkspace } from '../support/workspace';
import { applyItem } from '../support/text';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'iac');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function doc(name: string, text = fixture(name)): TextDocument {
  return TextDocument.create(`file:///work/iac/${name}`, name.endsWith('.tf') ? 'terraform' : name.endsWith('.json') ? 'json' : 'yaml', 1, text);
}

const service = documentWorkspace();

/** `code L:C-L:C "text at the range"`, 1-based like an editor shows it. */
export function describeDiagnostics(document: TextDocument, diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const r = d.range;
    const text = document.getText(r);
    return `${d.code} ${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${text}`;
  });
}

export function diagnose(document: TextDocument): string[] {
  const policy = service.parse(document);
  assert.ok(service.isServed(document), 'the file is served');
  return describeDiagnostics(document, service.diagnostics(document));
}

/** Inserts `insert` (with a `|` cursor) at the first occurrence of `at` + `delta`... simpler: replace `find` by `replacement` holding `|`. */
export function edited(name: string, find: string, replacement: string): { document: TextDocument; offset: number } {
  const text = fixture(name);
  const at = text.indexOf(find);
  assert.ok(at >= 0, `fixture ${name} has ${JSON.stringify(find)}`);
  const withCursor = text.slice(0, at) + replacement + text.slice(at + find.length);
  const offset = withCursor.indexOf('|', at);
  return { document: doc(name, withCursor.slice(0, offset) + withCursor.slice(offset + 1)), offset };
}

export function accept(name: string, find: string, replacement: string, label: string): string {
  const { document, offset } = edited(name, find, replacement);
  const policy = service.parse(document);
  const list = service.complete(document, document.positionAt(offset));
  const item = list.items.find((i) => i.label === label);
  assert.ok(item, `no item ${label}; got ${list.items.map((i) => i.label).slice(0, 20).join(', ')}`);
  const after = applyItem(document, item);
  // Only the edited line(s) matter: return the text around the cursor.
  const start = after.lastIndexOf('\n', offset - 1) + 1;
  const end = after.indexOf('\n', offset + 1 + Math.max(0, after.length - document.getText().length));
  return after.slice(start, end < 0 ? after.length : end);
}

export function hover(name: string, needle: string, delta = 1): string {
  const document = doc(name);
  const offset = document.getText().indexOf(needle) + delta;
  const h = service.hover(document, document.positionAt(offset));
  assert.ok(h, `a hover at ${needle}`);
  return typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : JSON.stringify(h.contents);
}

export function applyAction(document: TextDocument, action: CodeAction): string {
  const edits = action.edit?.changes?.[document.uri] as TextEdit[];
  assert.ok(edits?.length, `${action.title} has edits`);
  return TextDocument.applyEdits(document, edits);
}

/**
 * The least-privilege rewrite offered at `needle`, applied. A policy that names only an account
 * root and application roles has nobody to suggest as administrator: the code action is not
 * offered (the CLI and the interactive command ask), so the rewrite is applied as the apply
 * command would, with the account root named as administrator. `title` reads as the code action's.
 */
export function rewrite(name: string, needle: string, style = 'key-policy-only'): { before: TextDocument; after: TextDocument; title: string } {
  const before = doc(name);
  const offset = before.getText().indexOf(needle);
  assert.ok(offset >= 0, needle);
  const pos = before.positionAt(offset);
  const actions = service.codeActions(before, { start: pos, end: pos }, { diagnostics: [], only: ['refactor.rewrite'] });
  const action = actions.find((a) => a.title.startsWith(`Rewrite to least privilege (${style})`));
  if (action) return { before, after: doc(name, applyAction(before, action)), title: action.title };
  const policy = policies(before).find((p) => p.embedded!.span.start <= offset && offset <= p.embedded!.span.end);
  assert.ok(policy, `a key policy at ${needle}`);
  const suggestions = suggestAssignment(policy);
  assert.ok(suggestions.length > 0 && !suggestsAdministrator(suggestions), `rewrite offered at ${needle}: ${actions.map((a) => a.title).join(' | ')}`);
  const root = accountRootOf(policy)!;
  const assignment = new Map(toAssignment(suggestions));
  assignment.set(root, new Set<Capability>(['administer-resource', 'read-config']));
  const result = leastPrivilegeEdits(policy, assignment, style as Style, 'k9');
  assert.ok(!('error' in result), 'error' in result ? result.error : '');
  const after = TextDocument.applyEdits(before, result.edits.map((e) => ({ range: { start: before.positionAt(e.offset), end: before.positionAt(e.offset + e.length) }, newText: e.content })));
  const title = `Rewrite to least privilege (${style}): ${[...assignment].map(([who, caps]) => `${(policy.embedded!.display[who] ?? who).replace(/^.*(AppRole|aws_iam_role\.\w+).*$/, '$1')} → ${[...caps].join(', ')}`).join('; ')}`;
  return { before, after: doc(name, after), title };
}

export function policies(document: TextDocument): readonly PolicyDocument[] {
  const file = service.parse(document);
  return file.kind === 'iac' ? file.iac.policies : [];
}

/** Capabilities each named principal holds in full, as written in the file. */
export function access(policy: PolicyDocument): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of effectiveAccess(policy)) {
    const caps = CAPABILITIES.filter((c) => holds(p, c) === 'full');
    if (p.origin !== 'named' && caps.length === 0) continue;
    out[policy.embedded?.display[p.principal] ?? p.principal] = caps;
  }
  return out;
}

describe('IaC diagnostics: the same rule ids, at their ranges in the IaC file', () => {
  test('CloudFormation YAML: two keys, intrinsics named as written', () => {
    assert.deepEqual(diagnose(doc('orders.template.yaml')), [
      'missing-deny-everyone-else 31:20-31:60 !Sub arn:aws:iam::${AWS::AccountId}:root',
      'root-delegation 31:20-31:60 !Sub arn:aws:iam::${AWS::AccountId}:root',
      'unknown-action 40:17-40:28 kms:Encrpyt',
      'bypass-lockout-safety-check 48:7-48:43 BypassPolicyLockoutSafetyCheck: true',
      "separation-of-duties 56:19-56:89 !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CiRoleName}'",
      'separation-of-duties 57:19-57:45 Fn::GetAtt: [AppRole, Arn]',
      'over-broad-grant 58:21-58:26 kms:*',
    ]);
    const document = doc('orders.template.yaml');
    const messages = service.diagnostics(document).map((d) => String(d.message));
    assert.match(messages[0], /IAM policies in account \$\{AWS::AccountId\} grant/, 'the account is named as written, not as a placeholder');
    assert.match(messages[5], /^Fn::GetAtt: \[AppRole, Arn\] both administers/, 'a principal is named as written');
    assert.ok(messages.every((m) => !m.includes('000000000000')), 'no synthetic value leaks into a message');
  });

  test('CloudFormation JSON: Fn::Sub and Fn::GetAtt objects are principals', () => {
    assert.deepEqual(diagnose(doc('orders.template.json')), [
      'missing-deny-everyone-else 24:37-24:89 { "Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root" }',
      'root-delegation 24:37-24:89 { "Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root" }',
      'unknown-action 32:41-32:54 "kms:Encrpyt"',
    ]);
  });

  test('Terraform: jsonencode, heredoc and aws_iam_policy_document policies, and the bypass flag', () => {
    assert.deepEqual(diagnose(doc('main.tf')), [
      'missing-deny-everyone-else 33:29-33:95 "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"',
      'root-delegation 33:29-33:95 "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"',
      'unknown-action 41:37-41:50 "kms:Encrpyt"',
      'bypass-lockout-safety-check 51:3-51:44 bypass_policy_lockout_safety_check = true',
      'separation-of-duties 60:33-60:57 "${aws_iam_role.ci.arn}"',
      'over-broad-grant 61:21-61:28 "kms:*"',
      'over-broad-grant 82:18-82:25 "kms:*"',
      'separation-of-duties 87:22-87:41 aws_iam_role.ci.arn',
      'resource-not-star 95:18-95:62 "arn:aws:kms:us-east-1:111122223333:key/abc"',
    ]);
  });

  test('settings turn IaC rules off like any other rule', () => {
    const document = doc('main.tf');
    const local = documentWorkspace();
    local.configure({ rules: { 'bypass-lockout-safety-check': 'off', 'unknown-action': 'warning' } });
    const ds = local.diagnostics(document);
    assert.ok(!ds.some((d) => d.code === 'bypass-lockout-safety-check'));
    assert.equal(ds.find((d) => d.code === 'unknown-action')?.severity, 2);
  });

  test('the principals evaluate as distinct symbols: the same role written two ways is one principal', () => {
    const [, reports] = policies(doc('orders.template.yaml'));
    assert.deepEqual(Object.keys(access(reports)).filter((k) => !k.includes('someone-else')), [
      "!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CiRoleName}'",
      'Fn::GetAtt: [AppRole, Arn]',
    ]);
  });
});

describe('IaC completion inside the embedded policy, in the host syntax', () => {
  const cases: [string, string, string, string, string, string][] = [
    ['YAML: an action in a block sequence', 'orders.template.yaml', '              - kms:Decrypt\n', '              - kms:Dec|\n', 'kms:Decrypt', '              - kms:Decrypt'],
    ['YAML: Effect value, plain scalar', 'orders.template.yaml', '          - Sid: AllowApp\n            Effect: Allow', '          - Sid: AllowApp\n            Effect: |', '"Deny"', '            Effect: Deny'],
    ['YAML: a key typed on its own line', 'orders.template.yaml', "            Resource: '*'\n\n  ReportsKey", "            Res|\n\n  ReportsKey", 'Resource', "            Resource: '*'"],
    ['HCL object syntax: an action in a list', 'main.tf', '        Action    = ["kms:Decrypt", "kms:Encrpyt"]', '        Action    = ["kms:Decrypt", "kms:Enc|"]', 'kms:Encrypt', '        Action    = ["kms:Decrypt", "kms:Encrypt"]'],
    ['HCL object syntax: a key becomes Key =', 'main.tf', '        Resource  = "*"\n      },\n    ]', '        Res|\n      },\n    ]', 'Resource', '        Resource = "*"'],
    ['policy document: actions', 'main.tf', '    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]', '    actions   = ["kms:Decrypt", "kms:Generate|"]', 'kms:GenerateDataKey', '    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]'],
    ['policy document: a block of the statement', 'main.tf', '    sid       = "AllowAdmin"', '    sid       = "AllowAdmin"\n    cond|', 'condition', '    condition {'],
    ['heredoc JSON', 'main.tf', '          "Action": "kms:*",', '          "Action": "kms:Dec|",', 'kms:Decrypt', '          "Action": "kms:Decrypt",'],
    ['CloudFormation JSON', 'orders.template.json', '"kms:Encrpyt"', '"kms:Encr|pyt"', 'kms:Encrypt', '              "Action": ["kms:Decrypt", "kms:Encrypt"],'],
    ['k9 module: a capability input', 'main.tf', '  allow_write_data_arns          = [aws_iam_role.app.arn]', '  allow_write_data_arns          = [aws_iam_role.app.arn]\n  allow_del|', 'allow_delete_data_arns', '  allow_delete_data_arns = ['],
  ];
  for (const [name, file, find, replacement, label, line] of cases) {
    test(name, () => {
      assert.equal(accept(file, find, replacement, label).split('\n')[0], line);
    });
  }

  test('YAML key completion writes YAML, not JSON', () => {
    const out = accept('orders.template.yaml', "            Resource: '*'\n\n  ReportsKey", "            Resource: '*'\n            Cond|\n\n  ReportsKey", 'Condition');
    assert.match(out, /^ {12}Condition:\n/);
    assert.doesNotMatch(out, /"Condition"/);
  });

  test('no completion outside key policies (another resource, an intrinsic)', () => {
    const { document, offset } = edited('orders.template.yaml', 'Action: sts:AssumeRole', 'Action: sts:|AssumeRole');
    assert.deepEqual(service.complete(document, document.positionAt(offset)).items, []);
  });
});

describe('IaC hover', () => {
  test('an action in YAML, a policy_document attribute, a k9 input, an action in a JSON template', () => {
    assert.match(hover('orders.template.yaml', 'kms:Decrypt'), /^\*\*kms:Decrypt\*\* — /);
    assert.match(hover('main.tf', '    actions   = ["kms:Decrypt"', 5), /^\*\*Action\*\*: /);
    assert.match(hover('main.tf', 'allow_read_data_arns'), /\*\*read-data\*\* capability/);
    assert.match(hover('main.tf', 'allow_read_data_arns'), /`kms:Decrypt`/);
    assert.match(hover('orders.template.json', 'kms:Decrypt'), /^\*\*kms:Decrypt\*\* — /);
  });

  test('who can call an action names principals as written', () => {
    const text = hover('orders.template.yaml', 'kms:Decrypt');
    assert.ok(!text.includes('000000000000'), text);
    assert.match(text, /Who can call kms:Decrypt[\s\S]*`!GetAtt AppRole\.Arn`/);
  });
});

describe('IaC least-privilege rewrite, in the host syntax, checked by re-parsing and evaluating', () => {
  const cases: [string, string, string, (t: string) => void][] = [
    ['CloudFormation YAML', 'orders.template.yaml', 'Sid: AllowApp', (t) => {
      assert.match(t, /\n {10}- Sid: AllowRestrictedAdministerResource\n {12}Effect: Allow\n {12}Principal:\n {14}AWS: '\*'\n/, 'YAML at the template indentation');
      assert.match(t, /aws:PrincipalArn:\n {18}- !GetAtt AppRole\.Arn\n/, 'the intrinsic as the user wrote it');
    }],
    ['CloudFormation JSON', 'orders.template.json', 'AllowApp', (t) => {
      assert.match(t, /"aws:PrincipalArn": \[\n\s+\{ "Fn::GetAtt": \["AppRole", "Arn"\] \}\n/, 'the intrinsic object as written');
      assert.match(t, /\n {12}\{\n {14}"Sid": "AllowRestrictedAdministerResource",/, 'JSON at the template indentation');
    }],
    ['Terraform jsonencode', 'main.tf', 'Sid       = "AllowApp"', (t) => {
      assert.match(t, /\n {8}Sid {4}= "AllowRestrictedAdministerResource"\n {8}Effect = "Allow"\n {8}Principal = \{\n {10}AWS = "\*"\n {8}\}\n/, 'HCL object syntax, aligned as terraform fmt does');
      assert.match(t, /"aws:PrincipalArn" = \[aws_iam_role\.app\.arn\]/, 'the reference as written');
    }],
    ['Terraform heredoc', 'main.tf', '"Sid": "AllowCi"', (t) => {
      assert.match(t, /"aws:PrincipalArn": \[\n\s+"\$\{aws_iam_role\.ci\.arn\}"\n/, 'JSON inside the heredoc, interpolation kept');
      assert.match(t, /\n {2}EOF\n/, 'the heredoc still closes');
    }],
    ['Terraform aws_iam_policy_document', 'main.tf', 'sid       = "AllowAdmin"', (t) => {
      assert.match(t, /statement \{\n {4}sid {7}= "AllowRestrictedAdministerResource"\n {4}effect {4}= "Allow"\n {4}actions {3}= \[\n/, 'statement blocks');
      assert.match(t, /condition \{\n {6}test {5}= "ArnEquals"\n {6}variable = "aws:PrincipalArn"\n {6}values {3}= \[aws_iam_role\.ci\.arn\]\n {4}\}/);
      assert.doesNotMatch(t, /sid += "AllowApp"/, 'the old statements are gone');
    }],
  ];
  for (const [name, file, needle, check] of cases) {
    test(name, () => {
      const { before, after, title } = rewrite(file, needle);
      const text = after.getText();
      check(text);
      assert.ok(!text.includes('000000000000'), 'no placeholder account written');
      // Re-parse the edited file: the rewritten policy is clean of the broad-grant findings, and
      // every principal holds exactly the capabilities the title announced.
      const at = before.getText().indexOf(needle);
      const rewritten = policies(after).find((p) => p.embedded!.span.start <= at + 40 && at <= p.embedded!.span.end + 40)!;
      assert.ok(rewritten, 'the policy is still found');
      const announced = Object.fromEntries(
        title.replace(/^.*?: /, '').replace(/ — .*$/, '').split('; ').map((part) => {
          const [who, caps] = part.split(' → ');
          return [who, caps.split(', ').sort()];
        }),
      );
      const got = Object.fromEntries(Object.entries(access(rewritten)).filter(([k]) => !k.includes('someone-else')).map(([k, v]) => [k.replace(/^.*(AppRole|aws_iam_role\.\w+).*$/, '$1'), [...v].sort()]));
      assert.deepEqual(got, announced);
      const codes = service.diagnostics(after).filter((d) => d.range.start.line >= after.positionAt(rewritten.embedded!.span.start).line && d.range.start.line <= after.positionAt(rewritten.embedded!.span.end).line).map((d) => d.code);
      for (const c of ['over-broad-grant', 'missing-deny-everyone-else', 'unknown-action', 'iac-syntax', 'json-syntax']) assert.ok(!codes.includes(c), `${c} after the rewrite: ${codes}`);
    });
  }
});

describe('IaC quick fixes write the host syntax', () => {
  const cases: [string, string, string, string][] = [
    ['YAML', 'orders.template.yaml', 'kms:Encrpyt', '              - kms:Encrypt\n'],
    ['JSON template', 'orders.template.json', '"kms:Encrpyt"', '"Action": ["kms:Decrypt", "kms:Encrypt"]'],
    ['HCL object syntax', 'main.tf', '"kms:Encrpyt"', 'Action    = ["kms:Decrypt", "kms:Encrypt"]'],
  ];
  for (const [name, file, needle, expected] of cases) {
    test(`unknown-action in ${name}`, () => {
      const document = doc(file);
      const policy = service.parse(document);
      const diagnostics = service.diagnostics(document).filter((d) => d.code === 'unknown-action');
      assert.equal(document.getText(diagnostics[0].range).replace(/"/g, ''), needle.replace(/"/g, ''));
      const actions = service.codeActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] });
      const fix = actions.find((a) => a.title === 'Change to "kms:Encrypt"');
      assert.ok(fix, actions.map((a) => a.title).join(' | '));
      assert.deepEqual(fix.diagnostics, diagnostics.slice(0, 1), 'the fix names the host diagnostic');
      const after = applyAction(document, fix);
      assert.ok(after.includes(expected), after.slice(0, 0));
      assert.ok(!service.diagnostics(doc(file, after)).some((d) => d.code === 'unknown-action'));
    });
  }

  test('resource-not-star in a policy document: the list item is replaced with HCL', () => {
    const document = doc('main.tf');
    const policy = service.parse(document);
    const diagnostics = service.diagnostics(document).filter((d) => d.code === 'resource-not-star');
    const fix = service.codeActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] }).find((a) => a.title.startsWith('Set Resource'));
    assert.ok(fix);
    assert.match(applyAction(document, fix), /\n {4}resources = \["\*"\]\n/);
  });
});

describe('IaC document symbols', () => {
  test('keys with their statements, and the k9 module with its inputs', () => {
    const document = doc('main.tf');
    const symbols = service.symbols(document);
    assert.deepEqual(symbols.map((s) => [s.name, s.children?.map((c) => c.name)]), [
      ['aws_kms_key.orders', ['EnableIAMUserPermissions', 'AllowApp']],
      ['aws_kms_key.reports', ['AllowCi']],
      ['aws_kms_key_policy.invoices', ['AllowAdmin', 'AllowApp']],
      ['module.payments_key', ['allow_administer_resource_arns', 'allow_read_data_arns', 'allow_write_data_arns']],
    ]);
    const yaml = doc('orders.template.yaml');
    assert.deepEqual(service.symbols(yaml).map((s) => s.name), ['OrdersKey', 'ReportsKey']);
    for (const s of symbols) {
      const inside = (r: { start: { line: number }; end: { line: number } }) => r.start.line >= s.range.start.line && r.end.line <= s.range.end.line;
      assert.ok(inside(s.selectionRange), `${s.name}: selection inside range`);
      for (const c of s.children ?? []) assert.ok(inside(c.range), `${c.name} inside ${s.name}`);
    }
  });
});

describe('a large template with small key policies', () => {
  // Over the 128 KB past which effective access is not analyzed; the policies in it are small.
  const pad = (text: string) => text + '\n' + '# padding\n'.repeat(15_000);
  for (const name of ['orders.template.yaml', 'main.tf']) {
    test(`${name}: the same findings, who-can hover and rewrites as without 150 KB of comments`, () => {
      const small = doc(name);
      const large = doc(name, pad(fixture(name)));
      assert.ok(large.getText().length > 128 * 1024);
      const codes = (d: TextDocument) => service.diagnostics(d).map((x) => `${x.code}@${x.range.start.line}:${x.range.start.character}`);
      assert.deepEqual(codes(large), codes(small));
      assert.ok(codes(large).some((c) => c.startsWith('missing-deny-everyone-else') || c.startsWith('over-broad-grant')), codes(large).join(', '));
      const at = small.positionAt(small.getText().indexOf('kms:Decrypt') + 2);
      const hover = (d: TextDocument) => JSON.stringify(service.hover(d, at)?.contents ?? null);
      assert.match(hover(large), /Who can call kms:Decrypt/);
      assert.equal(hover(large), hover(small));
      const titles = (d: TextDocument) => service.codeActions(d, { start: at, end: at }, { diagnostics: [] }).map((a) => a.title);
      assert.deepEqual(titles(large), titles(small));
    });
  }
});
