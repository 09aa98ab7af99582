/**
 * The access diff: the evaluator's effective access of two versions of a key policy, compared by
 * principal and capability. Identity (no change for a policy against itself), the least-privilege
 * rewrite (only losses), and one exact gain for each kind of widening people make.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { actionsOfCapability, CAPABILITIES, expandAction, type Capability } from '../../server/src/core/catalog/catalog';
import { parseDocument, policiesOf } from '../../server/src/core/document';
import { accessView, diffAccess, diffMarkdown, diffSummary, diffText, viewHtml, viewMarkdown, widens, type AccessChange } from '../../server/src/core/diff/index';
import { effectiveAccess } from '../../server/src/core/evaluate/index';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { apply } from '../../server/src/core/rewrite/edits';
import { leastPrivilegeRewrite, type Assignment } from '../../server/src/core/rewrite/leastPrivilege';
import { ACCT, policyArb, POOL } from '../support/policyGen';

const SEED = Number(process.env.DIFF_SEED ?? 20261203);
const RUNS = Number(process.env.DIFF_RUNS ?? 1000);
const fixtures = join(__dirname, '../../../test/fixtures');

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(json|ya?ml|tf)$/.test(name)) yield path;
  }
}

const ROLE = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const policy = (...statements: object[]) => parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2));
const allow = (principal: string | string[], action: string | string[], condition?: object) => ({
  Effect: 'Allow',
  Principal: { AWS: principal },
  Action: action,
  Resource: '*',
  ...(condition ? { Condition: condition } : {}),
});
const ROOT_STATEMENT = { Sid: 'Root', ...allow(`arn:aws:iam::${ACCT}:root`, 'kms:*') };
const denyEveryoneElse = (exempt: string[]) => ({
  Sid: 'DenyEveryoneElse',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:*',
  Resource: '*',
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': exempt }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
});
/** A change, reduced to what a reviewer reads. */
const brief = (c: AccessChange) => `${c.kind} ${c.label} ${c.capability}${c.partial ? ` [${c.actions.join(',')}]` : ''} ${c.from}->${c.to}`;

test('a policy against itself: no change, for every fixture policy and template', () => {
  let n = 0;
  for (const path of files(fixtures)) {
    const text = readFileSync(path, 'utf8');
    const file = parseDocument(`file://${path}`, text);
    for (const p of policiesOf(file)) {
      const again = policiesOf(parseDocument(`file://${path}`, text)).find((q) => q.embedded?.resource === p.embedded?.resource && q.statementSpan?.start === p.statementSpan?.start) ?? p;
      const diff = diffAccess(p, again);
      assert.deepEqual(diff.changes.map(brief), [], `${path} ${p.embedded?.resource ?? ''}`);
      n++;
    }
  }
  assert.ok(n > 40, `policies compared: ${n}`);
});

test(`a policy against itself: no change, for ${RUNS} generated policies (seed ${SEED})`, () => {
  fc.assert(
    fc.property(policyArb, ({ text }) => {
      // Two parses of one text: nothing is shared between the sides.
      const diff = diffAccess(parsePolicy(text), parsePolicy(text));
      assert.deepEqual(diff.changes.map(brief), [], text);
      assert.equal(diffSummary(diff), 'no change in access');
    }),
    { numRuns: RUNS, seed: SEED },
  );
});

test(`every least-privilege rewrite of a broad policy reports only losses (${Math.min(RUNS, 300)} generated policies)`, () => {
  let rewritten = 0;
  let losses = 0;
  fc.assert(
    fc.property(policyArb, fc.array(fc.subarray([...CAPABILITIES], { minLength: 1 }), { minLength: 5, maxLength: 5 }), ({ text }, capsList) => {
      const before = parsePolicy(text);
      // Each named principal keeps some of the capabilities it holds in full today, and one of them administers.
      const access = effectiveAccess(before, { keyAccount: ACCT }).filter((p) => p.origin === 'named' && POOL.includes(p.principal));
      const assignment = new Map<string, Set<Capability>>();
      let admin = false;
      access.forEach((p, i) => {
        const held = CAPABILITIES.filter((c) => p.capabilities[c].allowed === 'full');
        const kept = capsList[i].filter((c) => held.includes(c));
        // The first who administers today keeps that.
        if (!admin && held.includes('administer-resource')) kept.push('administer-resource');
        admin ||= kept.includes('administer-resource');
        if (kept.length) assignment.set(p.principal, new Set<Capability>(kept));
      });
      if (![...assignment.values()].some((c) => c.has('administer-resource'))) return;
      const { edits } = leastPrivilegeRewrite(before, assignment as Assignment, { style: 'key-policy-only', principalForm: 'explicit', accountRoot: `arn:aws:iam::${ACCT}:root` });
      const after = parsePolicy(apply(text, edits));
      const diff = diffAccess(before, after, { keyAccount: ACCT });
      rewritten++;
      losses += diff.losses;
      assert.deepEqual(diff.changes.filter(widens).map(brief), [], `${text}\n--->\n${after.text}`);
    }),
    { numRuns: Math.min(RUNS, 300), seed: SEED },
  );
  assert.ok(rewritten > 40 && losses > rewritten, `rewritten ${rewritten}, losses ${losses}`);
});

test('adding a principal: exactly its gains', () => {
  const before = policy(ROOT_STATEMENT, allow(ROLE('app'), ['kms:Decrypt']));
  const after = policy(ROOT_STATEMENT, allow([ROLE('app'), ROLE('etl')], ['kms:Decrypt']));
  const diff = diffAccess(before, after);
  assert.deepEqual(diff.changes.map(brief), [`gain ${ROLE('etl')} read-data [kms:Decrypt] via-iam->allowed`]);
  assert.equal(diff.gains, 1);
  assert.equal(diff.losses, 0);
  assert.deepEqual(diff.changes[0].statements, [1]);
  assert.deepEqual(diffText([{ key: 'OrdersKey', diff }]), [`+ ${ROLE('etl')} read-data (Decrypt): via IAM → allowed on OrdersKey`]);
  // Without root delegation, it had nothing before.
  const alone = diffAccess(policy(allow(ROLE('admin'), 'kms:*')), policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), ['kms:Decrypt', 'kms:ReEncryptFrom'])));
  assert.deepEqual(diffText([{ key: 'OrdersKey', diff: alone }]), [`+ ${ROLE('etl')} gains read-data (Decrypt), write-data (ReEncryptFrom) on OrdersKey`]);
});

test('a Deny exemption: adding one is exactly a gain, removing one exactly a loss, removing the Deny the gains it blocked', () => {
  const grants = [allow(ROLE('admin'), 'kms:*'), allow(ROLE('ci'), 'kms:Decrypt')];
  const exemptAdmin = policy(...grants, denyEveryoneElse([ROLE('admin')]));
  const exemptBoth = policy(...grants, denyEveryoneElse([ROLE('admin'), ROLE('ci')]));
  assert.deepEqual(diffAccess(exemptAdmin, exemptBoth).changes.map(brief), [`gain ${ROLE('ci')} read-data [kms:Decrypt] denied->allowed`]);
  assert.deepEqual(diffAccess(exemptBoth, exemptAdmin).changes.map(brief), [`loss ${ROLE('ci')} read-data [kms:Decrypt] allowed->denied`]);
  // Without the Deny, ci's Allow works again, and nothing else changes: the Deny exempted admin, and "*" had no Allow.
  assert.deepEqual(diffAccess(exemptAdmin, policy(...grants)).changes.map(brief), [`gain ${ROLE('ci')} read-data [kms:Decrypt] denied->allowed`]);
});

test('dropping a condition: conditional becomes allowed, and the condition that went away is named', () => {
  const via = { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } };
  const before = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt', via));
  const after = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt'));
  const diff = diffAccess(before, after);
  assert.deepEqual(diff.changes.map(brief), [`gain ${ROLE('etl')} read-data [kms:Decrypt] conditional->allowed`]);
  assert.deepEqual(diff.changes[0].conditionsRemoved, ['StringEquals kms:ViaService = s3.us-east-1.amazonaws.com']);
  assert.deepEqual(diffText([{ key: 'K', diff }]), [
    `+ ${ROLE('etl')} read-data (Decrypt): conditional → allowed (condition removed: StringEquals kms:ViaService = s3.us-east-1.amazonaws.com) on K`,
  ]);
  // One of two conditions dropped: still conditional, with fewer conditions: a gain.
  const two = { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:app': 'etl' } };
  const fewer = diffAccess(policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt', two)), before);
  assert.deepEqual(fewer.changes.map(brief), [`gain ${ROLE('etl')} read-data [kms:Decrypt] conditional->conditional`]);
  assert.deepEqual(fewer.changes[0].conditionsRemoved, ['StringEquals kms:ViaService = s3.us-east-1.amazonaws.com and StringEquals kms:EncryptionContext:app = etl']);
  // A condition swapped for another: neither includes the other, a change the gate counts as widening.
  const other = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt', { StringEquals: { 'kms:ViaService': 'rds.us-east-1.amazonaws.com' } }));
  const swapped = diffAccess(before, other);
  assert.deepEqual(swapped.changes.map(brief), [`changed ${ROLE('etl')} read-data [kms:Decrypt] conditional->conditional`]);
  assert.ok(widens(swapped.changes[0]));
});

test('widening a wildcard: exactly the actions the new pattern adds', () => {
  const before = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Describe*'));
  const after = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), ['kms:Describe*', 'kms:Get*']));
  const added = expandAction('kms:Get*').filter((a) => !expandAction('kms:Describe*').includes(a));
  const diff = diffAccess(before, after);
  const expected = CAPABILITIES.flatMap((c) => {
    const acts = added.filter((a) => a.capability === c).map((a) => a.fullName);
    if (!acts.length) return [];
    const partial = acts.length < actionsOfCapability(c).length;
    return [`gain ${ROLE('etl')} ${c}${partial ? ` [${acts.join(',')}]` : ''} not-allowed->allowed`];
  });
  assert.ok(expected.length > 0);
  assert.deepEqual(diff.changes.map(brief), expected);
});

test('a new root delegation: a new "anyone in the account through IAM"; another account is via IAM', () => {
  const before = policy(allow(ROLE('admin'), 'kms:*'));
  const delegated = diffAccess(before, policy(allow(ROLE('admin'), 'kms:*'), allow(`arn:aws:iam::${ACCT}:root`, ['kms:Decrypt'])));
  assert.deepEqual(delegated.changes.map(brief), [
    `gain arn:aws:iam::${ACCT}:root read-data [kms:Decrypt] not-allowed->allowed`,
    `gain anyone in ${ACCT} through IAM read-data [kms:Decrypt] not-allowed->via-iam`,
  ]);
  assert.deepEqual(diffText([{ key: 'K', diff: delegated }]).slice(1), [`+ anyone in ${ACCT} through IAM gains read-data (Decrypt) through IAM on K`]);
  // Another account's root: the key's account stays the old version's, so admin is unchanged.
  const other = diffAccess(before, policy(allow(ROLE('admin'), 'kms:*'), allow('arn:aws:iam::444455556666:root', ['kms:Decrypt'])));
  assert.deepEqual(other.changes.map(brief), [
    'gain arn:aws:iam::444455556666:root read-data [kms:Decrypt] not-allowed->allowed',
    'gain anyone in 444455556666 through IAM read-data [kms:Decrypt] not-allowed->via-iam',
  ]);
});

test('"anyone" in a statement reaches the public row; a key added or removed says so', () => {
  const before = policy(allow(ROLE('admin'), 'kms:*'));
  const after = policy(allow(ROLE('admin'), 'kms:*'), allow('*', 'kms:Decrypt'));
  const diff = diffAccess(before, after);
  assert.ok(diff.changes.some((c) => c.rowKind === 'other-account' && c.kind === 'gain' && c.capability === 'read-data'), diff.changes.map(brief).join('\n'));
  const added = diffAccess(undefined, before);
  assert.equal(added.added, true);
  assert.ok(diffText([{ key: 'K', diff: added }])[0] === '+ K: new key');
  const removed = diffAccess(before, undefined);
  assert.equal(removed.removed, true);
  assert.ok(removed.changes.every((c) => c.kind === 'loss'));
});

test('symbolic principals take part as written; an unread part makes the diff partial, never "no change"', () => {
  const template = (extra: string) => `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  OrdersKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Root
            Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::\${AWS::AccountId}:root
            Action: kms:*
            Resource: '*'
          - Sid: App
            Effect: Allow
            Principal:
              AWS: !GetAtt AppRole.Arn
            Action: kms:Decrypt
            Resource: '*'
${extra}`;
  const parse = (text: string) => policiesOf(parseDocument('file:///t/orders.template.yaml', text))[0];
  const before = parse(template(''));
  const after = parse(
    template(`          - Sid: Etl
            Effect: Allow
            Principal:
              AWS: !Ref EtlRoleArn
            Action: [kms:Decrypt, kms:Encrypt]
            Resource: '*'
`),
  );
  const diff = diffAccess(before, after);
  assert.deepEqual(diffText([{ key: 'OrdersKey', diff }]), ['+ !Ref EtlRoleArn read-data (Decrypt), write-data (Encrypt): via IAM → allowed on OrdersKey']);
  const importValue = parse(
    template(`          - Sid: Imported
            Effect: Allow
            Principal:
              AWS: !ImportValue SharedRoleArn
            Action: kms:Decrypt
            Resource: '*'
`),
  );
  const partial = diffAccess(before, importValue);
  if (partial.unknown.after.length) {
    assert.equal(diffText([{ key: 'OrdersKey', diff: partial }]).some((l) => l.startsWith('= ')), false);
    assert.match(diffSummary(partial), /partly known/);
  }
  const unknownPolicy = { ...before, unknown: [{ span: { start: 0, end: 1 }, what: 'concat(..., var.extra)' }] };
  const same = diffAccess(before, unknownPolicy);
  assert.deepEqual(diffText([{ key: 'K', diff: same }]), ['? K: partly known: not evaluated: concat(..., var.extra); no change in the parts read']);
  assert.equal(diffSummary(same), 'no change in the parts read, partly known');
});

test('Fn::If: a change only one branch has says when it holds', () => {
  const template = (readers: string) => `AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  S3Readers: !Equals [!Ref Readers, 'yes']
Resources:
  OrdersKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:role/admin
            Action: kms:*
            Resource: '*'
          - !If
            - S3Readers
            - Sid: Readers
              Effect: Allow
              Principal:
                AWS: ${readers}
              Action: kms:Decrypt
              Resource: '*'
            - !Ref AWS::NoValue
`;
  const parse = (text: string) => policiesOf(parseDocument('file:///t/orders.template.yaml', text))[0];
  const before = parse(template('arn:aws:iam::111122223333:role/reader'));
  const after = parse(template('[arn:aws:iam::111122223333:role/reader, arn:aws:iam::111122223333:role/etl]'));
  assert.ok(after.embedded?.branches, 'the template has branches');
  const diff = diffAccess(before, after);
  assert.deepEqual(diffText([{ key: 'OrdersKey', diff }]), ['+ arn:aws:iam::111122223333:role/etl gains read-data (Decrypt) on OrdersKey (when S3Readers is true)']);
});

test('Markdown: a table ready for a pull-request comment', () => {
  const before = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt', { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }));
  const after = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt'), allow(ROLE('ci'), 'kms:Encrypt'));
  const md = diffMarkdown([{ key: 'OrdersKey', file: 'keys/orders.key-policy.json', diff: diffAccess(before, after) }]);
  assert.equal(
    md,
    [
      '### OrdersKey (`keys/orders.key-policy.json`)',
      '',
      '| | Principal | Capability | Actions | Change |',
      '|---|---|---|---|---|',
      `| + | \`${ROLE('etl')}\` | read-data | Decrypt | conditional → allowed<br>removed: \`StringEquals kms:ViaService = s3.us-east-1.amazonaws.com\` |`,
      `| + | \`${ROLE('ci')}\` | write-data | Encrypt | not allowed → allowed |`,
      '',
    ].join('\n'),
  );
});

test('the effective-access view: every principal against the five capabilities, with the "anyone else" rows', () => {
  const p = policy(
    ROOT_STATEMENT,
    allow('arn:aws:iam::444455556666:root', 'kms:Decrypt'),
    allow(ROLE('admin'), 'kms:*'),
    allow(ROLE('etl'), ['kms:Decrypt'], { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }),
    { Sid: 'Logs', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:GenerateDataKey*', Resource: '*' },
  );
  const view = accessView(p, { keyAccount: ACCT });
  const row = (label: string) => view.rows.find((r) => r.label === label)!;
  assert.deepEqual(
    view.rows.map((r) => `${r.kind} ${r.label}`),
    [
      `named arn:aws:iam::${ACCT}:root`,
      'named arn:aws:iam::444455556666:root',
      `named ${ROLE('admin')}`,
      `named ${ROLE('etl')}`,
      'service cloudtrail.amazonaws.com',
      `account anyone in ${ACCT} through IAM`,
      'account anyone in 444455556666 through IAM',
      'other-account anyone in another account',
      'other-service any other AWS service',
    ],
  );
  assert.equal(row(ROLE('admin')).cells['administer-resource'].level, 'allowed');
  assert.equal(row(`anyone in ${ACCT} through IAM`).cells['read-data'].level, 'via-iam');
  assert.equal(row('anyone in 444455556666 through IAM').cells['read-data'].level, 'via-iam');
  assert.equal(row('anyone in 444455556666 through IAM').cells['write-data'].level, 'not-allowed');
  // etl's own statement is conditional, but the root delegation lets an IAM policy grant it all.
  assert.equal(row(ROLE('etl')).cells['read-data'].level, 'via-iam');
  const conditional = accessView(policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), ['kms:Decrypt'], { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } })));
  const etl = conditional.rows.find((r) => r.label === ROLE('etl'))!.cells['read-data'];
  assert.equal(etl.level, 'conditional');
  assert.deepEqual(etl.actions, ['kms:Decrypt']);
  assert.deepEqual(etl.conditions, ['StringEquals kms:ViaService = s3.us-east-1.amazonaws.com']);
  assert.equal(row('anyone in another account').cells['read-data'].level, 'not-allowed');
  const md = viewMarkdown(conditional, 'OrdersKey', new Map([[ROLE('etl'), ['read-data'] as Capability[]]]));
  const total = actionsOfCapability('read-data').length;
  assert.ok(md.includes(`| \`${ROLE('etl')}\` | — | — | conditional (1/${total}) [1] [2] | — | — | read-data |`), md);
  assert.ok(md.includes('\n1. only Decrypt\n2. if StringEquals kms:ViaService = s3.us-east-1.amazonaws.com\n'), md);
  const html = viewHtml(view, 'OrdersKey');
  assert.match(html, /<tr data-principal="anyone in another account">/);
  assert.ok(!/<script/i.test(html), 'no script');
  assert.match(html, /var\(--vscode-foreground/);
});

test('a condition added where a Deny already makes access conditional is a loss, its removal a gain', () => {
  const deny = { Sid: 'OnlyThroughS3', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } };
  const plain = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt'), deny);
  const vpce = policy(allow(ROLE('admin'), 'kms:*'), allow(ROLE('etl'), 'kms:Decrypt', { StringEquals: { 'aws:SourceVpce': 'vpce-1' } }), deny);
  assert.deepEqual(diffAccess(plain, vpce).changes.map(brief), [`loss ${ROLE('etl')} read-data [kms:Decrypt] conditional->conditional`]);
  assert.deepEqual(diffAccess(vpce, plain).changes.map(brief), [`gain ${ROLE('etl')} read-data [kms:Decrypt] conditional->conditional`]);
});

test('IaC symbols numbered anew in the other version (a statement inserted first): no change for the others', () => {
  const template = (first: string) => `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Auditor: {Type: String}
  Owner: {Type: String}
Resources:
  OrdersKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
${first}          - Sid: Root
            Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::\${Owner}:root
            Action: kms:*
            Resource: '*'
          - Sid: App
            Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::\${Owner}:role/app
            Action: kms:Decrypt
            Resource: '*'
`;
  const audit = `          - Sid: Audit
            Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::\${Auditor}:role/audit
            Action: kms:DescribeKey
            Resource: '*'
`;
  const parse = (text: string) => policiesOf(parseDocument('file:///t/orders.template.yaml', text))[0];
  const diff = diffAccess(parse(template('')), parse(template(audit)));
  // The auditor is in another account: through IAM there. Owner's principals are unchanged.
  assert.deepEqual(diff.changes.map(brief), ['gain !Sub arn:aws:iam::${Auditor}:role/audit read-config [kms:DescribeKey] not-allowed->via-iam']);
});

test('Fn::If on a new condition, around a new statement: only that statement changes, when it holds', () => {
  const template = (extra: string) => `AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  S3Readers: !Equals [!Ref Readers, 'yes']
  Extra: !Equals [!Ref More, 'yes']
Resources:
  OrdersKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Admin
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:role/admin
            Action: kms:*
            Resource: '*'
          - !If
            - S3Readers
            - Sid: Readers
              Effect: Allow
              Principal:
                AWS: arn:aws:iam::111122223333:role/reader
              Action: kms:Decrypt
              Resource: '*'
            - !Ref AWS::NoValue
${extra}`;
  const ci = `          - !If
            - Extra
            - Sid: Ci
              Effect: Allow
              Principal:
                AWS: arn:aws:iam::111122223333:role/ci
              Action: kms:Encrypt
              Resource: '*'
            - !Ref AWS::NoValue
`;
  const parse = (text: string) => policiesOf(parseDocument('file:///t/orders.template.yaml', text))[0];
  const diff = diffAccess(parse(template('')), parse(template(ci)));
  assert.deepEqual(diffText([{ key: 'OrdersKey', diff }]), ['+ arn:aws:iam::111122223333:role/ci gains write-data (Encrypt) on OrdersKey (when Extra is true)']);
  assert.equal(diff.gains, 1);
});

test('Markdown: text from the policy renders as itself (no link, image, mention or HTML)', () => {
  const evil = 'arn:aws:iam::111122223333:role/`x<img src="https://evil.example/p.png"> @octo-org/admins [click](https://evil.example)';
  const before = policy(allow(ROLE('admin'), 'kms:*'));
  const after = policy(allow(ROLE('admin'), 'kms:*'), allow(evil, 'kms:Decrypt', { StringEquals: { 'kms:ViaService': 'x`<b>y</b>|z' } }));
  const md = diffMarkdown([{ key: 'Key_[1](x)', diff: diffAccess(before, after) }]);
  const row = md.split('\n').find((l) => l.startsWith('| + '))!;
  // Principals and conditions in code spans whose fence is longer than any backtick run inside.
  assert.ok(row.includes(`| \`\` ${evil} \`\` |`), row);
  assert.ok(row.includes('added: `` StringEquals kms:ViaService = x`<b>y</b>\\|z ``'), row);
  assert.ok(md.startsWith('### Key\\_\\[1\\]\\(x\\)\n'), md);
  const view = viewMarkdown(accessView(after), 'K');
  assert.ok(view.includes('if StringEquals kms:ViaService = x\\`&lt;b&gt;y&lt;/b&gt;\\|z'), view);
  assert.ok(!/<img|<b>/.test(view.replace(/``[^`]*?``|`[^`]*`/g, '')), view);
});

test('beyond the effective-access limit (128 KB) nothing is evaluated: the diff is partial, never "no change", and the view is empty', () => {
  const big = policy(allow(ROLE('admin'), 'kms:*'), ...Array.from({ length: 1200 }, (_, i) => allow(ROLE(`app-${i}`), 'kms:Decrypt')));
  assert.ok(big.text.length > 128 * 1024, `${big.text.length} bytes`);
  const small = policy(allow(ROLE('admin'), 'kms:*'));
  const diff = diffAccess(small, big);
  assert.deepEqual(diff.changes, []);
  assert.deepEqual(diff.unknown, { before: [], after: ['the whole policy (over 128 KB: effective access is not evaluated)'] });
  assert.equal(diffSummary(diff), 'no change in the parts read, partly known');
  assert.deepEqual(accessView(big), { rows: [], unknown: ['the whole policy (over 128 KB: effective access is not evaluated)'] });
});
