/**
 * `kms-policy diff`, `check --no-new-access` and `explain`: the real binary in real temporary git
 * repositories (git init, commit, edit), outputs compared as exact text.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const BIN = join(root, 'bin', 'kms-policy.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A git repository with these files committed. */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-diff-'));
  dirs.push(dir);
  git(dir, 'init', '-q');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

function edit(dir: string, file: string, from: string, to: string): void {
  const text = readFileSync(join(dir, file), 'utf8');
  assert.ok(text.includes(from), `${file} has ${from}`);
  writeFileSync(join(dir, file), text.replace(from, to));
}

const ORDERS = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Admin",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::111122223333:role/admin" },
      "Action": ["kms:PutKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion"],
      "Resource": "*"
    },
    {
      "Sid": "App",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::111122223333:role/app" },
      "Action": ["kms:Encrypt", "kms:Decrypt"],
      "Resource": "*"
    }
  ]
}
`;

const LAST_STATEMENT_END = `      "Resource": "*"
    }
  ]`;

/** A new statement (line 18 of the edited file) granting role/etl Decrypt and ReEncryptFrom. */
const ETL = `      "Resource": "*"
    },
    {
      "Sid": "Etl",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::111122223333:role/etl" },
      "Action": ["kms:Decrypt", "kms:ReEncryptFrom"],
      "Resource": "*"
    }
  ]`;

const P = 'arn:aws:iam::111122223333:role';

describe('kms-policy diff --base (a real git repository)', () => {
  test('no edit: exit 0, nothing on stdout, "no change in access" on stderr', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    const r = run(['diff', '--base', 'HEAD'], dir);
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '1 key policy compared: no change in access\n' });
  });

  test('a principal added and an action dropped: one line per change, exit 1', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    edit(dir, 'orders.key-policy.json', LAST_STATEMENT_END, ETL);
    edit(dir, 'orders.key-policy.json', '"kms:Encrypt", "kms:Decrypt"', '"kms:Encrypt"');
    const r = run(['diff', '--base', 'HEAD'], dir);
    assert.equal(
      r.stdout,
      `+ ${P}/etl gains read-data (Decrypt), write-data (ReEncryptFrom) on orders.key-policy.json\n` + `- ${P}/app loses read-data (Decrypt) on orders.key-policy.json\n`,
    );
    assert.equal(r.stderr, '1 key policy compared: 2 gains, 1 loss, 0 with other conditions\n');
    assert.equal(r.code, 1);
  });

  test('--format markdown: a table ready for a pull-request comment', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    edit(dir, 'orders.key-policy.json', LAST_STATEMENT_END, ETL);
    edit(dir, 'orders.key-policy.json', '"kms:Encrypt", "kms:Decrypt"', '"kms:Encrypt"');
    const r = run(['diff', '--base', 'HEAD', '--format', 'markdown'], dir);
    assert.equal(
      r.stdout,
      [
        '### orders.key-policy.json',
        '',
        '| | Principal | Capability | Actions | Change |',
        '|---|---|---|---|---|',
        `| + | \`${P}/etl\` | read-data | Decrypt | not allowed → allowed |`,
        `| + | \`${P}/etl\` | write-data | ReEncryptFrom | not allowed → allowed |`,
        `| − | \`${P}/app\` | read-data | Decrypt | allowed → not allowed |`,
        '',
      ].join('\n'),
    );
    assert.equal(r.code, 1);
    const none = run(['diff', '--base', 'HEAD', '--format', 'markdown', 'no-such-folder-is-fine-too'], dir);
    assert.equal(none.code, 2, 'a path that does not exist is a file that could not be read');
  });

  test('--format json: the changes, machine-readable', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    edit(dir, 'orders.key-policy.json', '"kms:Encrypt", "kms:Decrypt"', '"kms:Encrypt"');
    const r = run(['diff', '--base', 'HEAD', '--format', 'json'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), {
      base: 'HEAD',
      changed: true,
      partial: false,
      keys: [
        {
          key: 'orders.key-policy.json',
          file: 'orders.key-policy.json',
          partial: false,
          unknown: { before: [], after: [] },
          gains: 0,
          losses: 1,
          changed: 0,
          changes: [
            {
              kind: 'loss',
              row: `${P}/app`,
              label: `${P}/app`,
              rowKind: 'named',
              capability: 'read-data',
              actions: ['kms:Decrypt'],
              partial: true,
              from: 'allowed',
              to: 'not-allowed',
              conditionsRemoved: [],
              conditionsAdded: [],
              statements: [1],
            },
          ],
        },
      ],
    });
  });

  test('a file deleted since the revision: its key is removed; a new file: its key is added', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    unlinkSync(join(dir, 'orders.key-policy.json'));
    writeFileSync(join(dir, 'audit.key-policy.json'), ORDERS.replace('"kms:Encrypt", "kms:Decrypt"', '"kms:Decrypt"'));
    const r = run(['diff', '--base', 'HEAD'], dir);
    assert.deepEqual(r.stdout.split('\n'), [
      '+ audit.key-policy.json: new key',
      `+ ${P}/admin gains administer-resource (PutKeyPolicy, ScheduleKeyDeletion), read-config (DescribeKey) on audit.key-policy.json`,
      `+ ${P}/app gains read-data (Decrypt) on audit.key-policy.json`,
      '- orders.key-policy.json: key removed',
      `- ${P}/admin loses administer-resource (PutKeyPolicy, ScheduleKeyDeletion), read-config (DescribeKey) on orders.key-policy.json`,
      `- ${P}/app loses read-data (Decrypt), write-data (Encrypt) on orders.key-policy.json`,
      '',
    ]);
    assert.equal(r.code, 1);
  });

  test('a revision git does not know: a clear error, exit 2', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    const r = run(['diff', '--base', 'no-such-branch'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^kms-policy diff: no commit "no-such-branch" in the repository at .+\n$/);
    const check = run(['check', '--no-new-access', '--base', 'no-such-branch'], dir);
    assert.equal(check.code, 2);
    assert.match(check.stderr, /^kms-policy check: no commit "no-such-branch" in the repository at /);
  });

  test('a Terraform policy built with concat(var.x): the diff says it is partial, and never "no change"', () => {
    const tf = `variable "extra" {
  type = list(any)
}

resource "aws_kms_key" "orders" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "Admin"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:role/admin" }
        Action    = ["kms:PutKeyPolicy", "kms:DescribeKey"]
        Resource  = "*"
      }
    ], var.extra)
  })
}
`;
    const dir = repo({ 'main.tf': tf });
    assert.equal(run(['diff', '--base', 'HEAD'], dir).code, 0, 'an unchanged file: what it leaves unknown is not what changed');
    edit(dir, 'main.tf', '"kms:PutKeyPolicy", "kms:DescribeKey"', '"kms:DescribeKey"');
    const r = run(['diff', '--base', 'HEAD'], dir);
    assert.equal(
      r.stdout,
      '? aws_kms_key.orders: partly known: not evaluated: var.extra; the changes below are those of the parts read\n' +
        `- ${P}/admin loses administer-resource (PutKeyPolicy) on aws_kms_key.orders\n`,
    );
    assert.equal(r.stderr, '1 key policy compared: 0 gains, 1 loss, 0 with other conditions, 1 partly unknown (the diff covers the known part only)\n');
    assert.equal(r.code, 1);
    // Only the sentence after the key changes: no change was found in what was read, and it says so.
    edit(dir, 'main.tf', '"kms:DescribeKey"', '"kms:DescribeKey", "kms:PutKeyPolicy"');
    edit(dir, 'main.tf', 'Sid       = "Admin"', 'Sid       = "Administrators"');
    const same = run(['diff', '--base', 'HEAD'], dir);
    assert.equal(same.stdout, '? aws_kms_key.orders: partly known: not evaluated: var.extra; no change in the parts read\n');
    assert.equal(same.code, 1, 'a partial diff never claims no change');
    const json = JSON.parse(run(['diff', '--base', 'HEAD', '--format', 'json'], dir).stdout);
    assert.deepEqual([json.changed, json.partial, json.keys[0].unknown], [false, true, { before: ['var.extra'], after: ['var.extra'] }]);
  });

  test('Terraform: a policy document in another file of the module is compared as check sees it', () => {
    const dir = repo({
      'doc.tf': `data "aws_iam_policy_document" "logs" {
  statement {
    sid = "App"
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/app"]
    }
    actions   = ["kms:Encrypt"]
    resources = ["*"]
  }
}
`,
      'key.tf': `resource "aws_kms_key" "logs" {
  policy = data.aws_iam_policy_document.logs.json
}
`,
    });
    edit(dir, 'doc.tf', '["kms:Encrypt"]', '["kms:Encrypt", "kms:Decrypt"]');
    const r = run(['diff', '--base', 'HEAD'], dir);
    assert.equal(r.stdout, `+ ${P}/app gains read-data (Decrypt) on aws_kms_key.logs\n`);
    assert.equal(r.code, 1);
  });
});

const CFN_OLD = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  OrdersKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }
            Action: ['kms:PutKeyPolicy', 'kms:DescribeKey']
            Resource: '*'
  AuditKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }
            Action: ['kms:PutKeyPolicy', 'kms:DescribeKey']
            Resource: '*'
          - Sid: Auditors
            Effect: Allow
            Principal: { AWS: 'arn:aws:iam::111122223333:role/auditor' }
            Action: 'kms:Decrypt'
            Resource: '*'
            Condition:
              StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' }
`;

/** The keys in the other order; AuditKey's condition gone, OrdersKey unchanged. */
const CFN_NEW = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  AuditKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }
            Action: ['kms:PutKeyPolicy', 'kms:DescribeKey']
            Resource: '*'
          - Sid: Auditors
            Effect: Allow
            Principal: { AWS: 'arn:aws:iam::111122223333:role/auditor' }
            Action: 'kms:Decrypt'
            Resource: '*'
  OrdersKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }
            Action: ['kms:PutKeyPolicy', 'kms:DescribeKey']
            Resource: '*'
`;

describe('kms-policy diff OLD NEW', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-diff-files-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'old.yaml'), CFN_OLD);
  writeFileSync(join(dir, 'new.yaml'), CFN_NEW);

  test('two CloudFormation templates, two keys each, matched by logical id whatever their order', () => {
    const r = run(['diff', 'old.yaml', 'new.yaml'], dir);
    assert.equal(r.stdout, `+ ${P}/auditor read-data (Decrypt): conditional → allowed (condition removed: StringEquals kms:ViaService = s3.us-east-1.amazonaws.com) on AuditKey\n`);
    assert.equal(r.stderr, '2 key policies compared: 1 gain, 0 losses, 0 with other conditions\n');
    assert.equal(r.code, 1);
    assert.deepEqual(run(['diff', 'old.yaml', 'old.yaml'], dir), { code: 0, stdout: '', stderr: '2 key policies compared: no change in access\n' });
  });

  test('a logical id on one side only: that key is added (and the other removed)', () => {
    writeFileSync(join(dir, 'renamed.yaml'), CFN_NEW.replace('  OrdersKey:', '  PaymentsKey:'));
    const r = run(['diff', 'old.yaml', 'renamed.yaml'], dir);
    assert.deepEqual(r.stdout.split('\n').filter((l) => !l.startsWith('+ arn') && !l.startsWith('- arn')), ['+ PaymentsKey: new key', '- OrdersKey: key removed', '']);
    assert.equal(r.code, 1);
  });

  test('a policy file against a template with one key: the same key', () => {
    writeFileSync(
      join(dir, 'orders.key-policy.json'),
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `${P}/admin` }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' }] }),
    );
    writeFileSync(join(dir, 'one.yaml'), CFN_NEW.slice(0, CFN_NEW.indexOf('  AuditKey:')) + CFN_NEW.slice(CFN_NEW.indexOf('  OrdersKey:')));
    assert.deepEqual(run(['diff', 'orders.key-policy.json', 'one.yaml'], dir), { code: 0, stdout: '', stderr: '1 key policy compared: no change in access\n' });
  });

  test('usage errors exit 2', () => {
    for (const args of [['diff'], ['diff', 'old.yaml'], ['diff', 'a', 'b', 'c'], ['diff', '--format', 'sarif', 'old.yaml', 'new.yaml'], ['diff', '--bogus']]) {
      const r = run(args, dir);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.length > 0);
    }
    writeFileSync(join(dir, 'package.json'), '{"name": "x"}');
    assert.deepEqual(run(['diff', 'package.json', 'new.yaml'], dir), {
      code: 2,
      stdout: '',
      stderr: 'package.json: not a KMS key policy, CloudFormation template or Terraform file with a key policy\n',
    });
    assert.equal(run(['help', 'diff'], dir).stdout.split('\n')[0], 'Usage: kms-policy diff <old> <new> [options]');
    assert.equal(run(['diff', '-h'], dir).code, 0);
  });
});

describe('kms-policy check --no-new-access --base (a real git repository)', () => {
  test('a narrowing, or no change: exit 0, no new-access finding', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    assert.deepEqual(run(['check', '--no-new-access', '--base', 'HEAD'], dir), { code: 0, stdout: '', stderr: '1 key policy checked: 0 errors, 0 warnings, 0 infos\n' });
    edit(dir, 'orders.key-policy.json', '"kms:Encrypt", "kms:Decrypt"', '"kms:Encrypt"');
    assert.deepEqual(run(['check', '--no-new-access', '--base', 'HEAD'], dir), { code: 0, stdout: '', stderr: '1 key policy checked: 0 errors, 0 warnings, 0 infos\n' });
  });

  test('a widening: one new-access finding per principal at the statement that grants it, exit 1', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    edit(dir, 'orders.key-policy.json', LAST_STATEMENT_END, ETL);
    const r = run(['check', '--no-new-access', '--base', 'HEAD'], dir);
    assert.deepEqual(r.stdout.split('\n'), [
      `orders.key-policy.json:18:5 error new-access New access since HEAD: ${P}/etl gains read-data (Decrypt), write-data (ReEncryptFrom) on orders.key-policy.json: allowed, was not allowed.`,
      '',
    ]);
    assert.equal(r.stderr, '1 key policy checked: 1 error, 0 warnings, 0 infos\n');
    assert.equal(r.code, 1);
    // Without the gate, the same policy is clean.
    assert.equal(run(['check'], dir).code, 0);
    // The rule's severity is a setting like any other; exit 1 at any severity, 0 when off.
    const warn = run(['check', '--no-new-access', '--base', 'HEAD', '--rule', 'new-access=warning'], dir);
    assert.match(warn.stdout, /^orders\.key-policy\.json:18:5 warning new-access /);
    assert.equal(warn.code, 1);
    assert.deepEqual(run(['check', '--no-new-access', '--base', 'HEAD', '--rule', 'new-access=off'], dir), { code: 0, stdout: '', stderr: '1 key policy checked: 0 errors, 0 warnings, 0 infos\n' });
  });

  test('a part the analysis cannot read, new since the base: the gate does not pass it (unknown is not absent)', () => {
    const tf = (statements: string) => `variable "readers" {
  type = list(string)
}

data "aws_iam_policy_document" "orders" {
  statement {
    sid       = "Admin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:role/admin"]
    }
  }
${statements}}

resource "aws_kms_key" "orders" {
  policy = data.aws_iam_policy_document.orders.json
}
`;
    const dynamic = `  dynamic "statement" {
    for_each = var.readers
    content {
      actions   = ["kms:*"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }
`;
    const dir = repo({ 'main.tf': tf('') });
    assert.equal(run(['check', '--no-new-access', '--base', 'HEAD'], dir).code, 0);
    writeFileSync(join(dir, 'main.tf'), tf(dynamic));
    const r = run(['check', '--no-new-access', '--base', 'HEAD'], dir);
    const gate = r.stdout.split('\n').filter((l) => l.includes(' new-access '));
    assert.equal(gate.length, 1, r.stdout);
    assert.match(gate[0], /^main\.tf:15:3 error new-access New access cannot be ruled out since HEAD: dynamic "statement" is new in aws_kms_key\.orders and is not evaluated here/);
    assert.equal(r.code, 1);
  });

  test('conditions that went away widen access; JSON and SARIF carry the finding and its line', () => {
    const dir = repo({ 'template.yaml': CFN_OLD });
    writeFileSync(join(dir, 'template.yaml'), CFN_OLD.replace(`            Condition:\n              StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' }\n`, ''));
    const json = JSON.parse(run(['check', '--no-new-access', '--base', 'HEAD', '--format', 'json'], dir).stdout);
    assert.deepEqual(json.files[0].findings.filter((f: { code: string }) => f.code === 'new-access'), [
      {
        code: 'new-access',
        severity: 'error',
        message: `New access since HEAD: ${P}/auditor gains read-data (Decrypt) on AuditKey: allowed, was conditional; condition gone: StringEquals kms:ViaService = s3.us-east-1.amazonaws.com.`,
        line: 25,
        column: 13,
        endLine: 29,
        endColumn: 26,
      },
    ]);
    const r = run(['check', '--no-new-access', '--base', 'HEAD', '--format', 'sarif'], dir);
    assert.equal(r.code, 1);
    const run0 = JSON.parse(r.stdout).runs[0];
    const result = run0.results.find((x: { ruleId: string }) => x.ruleId === 'new-access');
    assert.equal(run0.tool.driver.rules[result.ruleIndex].id, 'new-access');
    assert.match(run0.tool.driver.rules[result.ruleIndex].help.markdown, /--no-new-access/);
    assert.deepEqual(result.locations[0].physicalLocation.region.startLine, 25);
  });

  test('a governing domain spec is the allow-list: access it grants is not new', () => {
    const spec = `domain: orders
account: "111122223333"
key:
  policy: ./orders.key-policy.json
principals:
  admin: role/admin
  app: role/app
access:
  administer-resource: [admin]
  read-config: [admin, app]
  read-data: [app]
  write-data: [app]
`;
    const dir = repo({ 'orders.kms-domain.yaml': spec });
    assert.equal(run(['generate', '--write', 'orders.kms-domain.yaml'], dir).code, 0);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'the policy');
    // The spec grants etl read-data, and the policy is generated again from it.
    edit(dir, 'orders.kms-domain.yaml', '  app: role/app\n', '  app: role/app\n  etl: role/etl\n');
    edit(dir, 'orders.kms-domain.yaml', 'read-data: [app]', 'read-data: [app, etl]');
    assert.equal(run(['generate', '--write', 'orders.kms-domain.yaml'], dir).code, 0);
    assert.equal(run(['diff', '--base', 'HEAD'], dir).stdout, `+ ${P}/etl gains read-data on orders.key-policy.json\n`, 'the diff shows the gain');
    assert.deepEqual(run(['check', '--no-new-access', '--base', 'HEAD'], dir), { code: 0, stdout: '', stderr: '1 key policy and 1 domain spec checked: 0 errors, 0 warnings, 0 infos\n' });
    // Access beyond the spec is new.
    edit(dir, 'orders.key-policy.json', '"kms:ListKeyPolicies"', '"kms:ListKeyPolicies", "kms:Decrypt"');
    const r = run(['check', '--no-new-access', '--base', 'HEAD'], dir);
    assert.deepEqual(
      r.stdout.split('\n').filter((l) => l.includes('new-access')),
      [`orders.key-policy.json:46:5 error new-access New access since HEAD: ${P}/admin gains read-data (Decrypt) on orders.key-policy.json: allowed, was not allowed.`],
    );
    assert.equal(r.code, 1);
  });

  test('usage: --no-new-access needs --base, and --base needs --no-new-access', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    assert.deepEqual(run(['check', '--no-new-access'], dir), { code: 2, stdout: '', stderr: 'kms-policy check: --no-new-access needs --base <git-ref>, the revision to compare with\n' });
    assert.deepEqual(run(['check', '--base', 'HEAD'], dir), { code: 2, stdout: '', stderr: 'kms-policy check: --base goes with --no-new-access\n' });
  });
});

describe('kms-policy explain', () => {
  test('the effective-access table, with the governing spec intent', () => {
    const dir = repo({ 'orders.key-policy.json': ORDERS });
    writeFileSync(
      join(dir, 'orders.kms-domain.yaml'),
      'domain: orders\naccount: "111122223333"\nkey:\n  policy: ./orders.key-policy.json\nprincipals:\n  admin: role/admin\n  app: role/app\naccess:\n  administer-resource: [admin]\n  read-data: [app]\n  write-data: [app]\n',
    );
    const r = run(['explain', 'orders.key-policy.json'], dir);
    assert.equal(
      r.stdout,
      [
        'Effective access: orders.key-policy.json',
        '',
        'principal                             administer-resource  read-config     read-data      write-data      delete-data  spec intent',
        'arn:aws:iam::111122223333:role/admin  allowed (2/25)       allowed (1/14)  -              -               -            administer-resource',
        'arn:aws:iam::111122223333:role/app    -                    -               allowed (1/4)  allowed (1/11)  -            read-data, write-data',
        'anyone in 111122223333 through IAM    -                    -               -              -               -',
        'anyone in another account             -                    -               -              -               -',
        'any other AWS service                 -                    -               -              -               -',
        '',
      ].join('\n'),
    );
    assert.equal(r.code, 0);
    const md = run(['explain', '--format', 'markdown', 'orders.key-policy.json'], dir);
    assert.match(md.stdout, /^### Effective access: orders\.key-policy\.json\n\n\| Principal \| administer-resource \| read-config \| read-data \| write-data \| delete-data \| Spec intent \|\n/);
    assert.match(md.stdout, /\n\| `arn:aws:iam::111122223333:role\/app` \| — \| — \| allowed \(1\/4\) [^|]*\| allowed \(1\/11\) [^|]*\| — \| read-data, write-data \|\n/);
    const html = run(['explain', '--format', 'html', 'orders.key-policy.json'], dir);
    assert.equal(html.code, 0);
    assert.match(html.stdout, /<table/);
    assert.doesNotMatch(html.stdout, /<script/i);
    assert.equal(run(['explain', '--format', 'sarif', 'orders.key-policy.json'], dir).code, 2);
  });
});
