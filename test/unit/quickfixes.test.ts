import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { apply, detectFormatting } from '../../server/src/core/rewrite/edits';
import { collapseToWildcard, expandWildcard, quickFixes } from '../../server/src/core/rewrite/quickFixes';
import { runRules } from '../../server/src/core/rules/index';

/** Runs the rules, takes the first finding with `code`, applies its first fix, and returns the text. */
function fix(text: string, code: string): string {
  const policy = parsePolicy(text);
  const finding = runRules(policy).find((f) => f.code === code);
  assert.ok(finding, `no ${code} finding`);
  const fixes = quickFixes(policy, finding);
  assert.ok(fixes.length > 0, `no fix for ${code}`);
  const out = apply(text, fixes[0].edits);
  assert.equal(runRules(parsePolicy(out)).filter((f) => f.code === code).length, runRules(policy).filter((f) => f.code === code).length - 1, 'the fix clears its finding');
  return out;
}

const stmt = (body: string, indent = '  ') =>
  `{\n${indent}"Version": "2012-10-17",\n${indent}"Statement": [\n${indent}${indent}{\n${indent}${indent}${indent}"Effect": "Allow",\n${indent}${indent}${indent}"Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},\n${body
    .split('\n')
    .map((l) => indent.repeat(3) + l)
    .join('\n')}\n${indent}${indent}}\n${indent}]\n}\n`;

describe('quick fixes keep formatting and touch only what must change', () => {
  test('unknown-action: replace the typo with the suggestion', () => {
    const before = stmt('"Action": ["kms:Encrypt", "kms:Decrpyt"],\n"Resource": "*"');
    assert.equal(fix(before, 'unknown-action'), before.replace('kms:Decrpyt', 'kms:Decrypt'));
  });
  test('invalid-effect: fix the case', () => {
    const before = stmt('"Action": "kms:Decrypt",\n"Resource": "*"').replace('"Allow"', '"allow"');
    assert.equal(fix(before, 'invalid-effect'), before.replace('"allow"', '"Allow"'));
  });
  test('unknown-element: fix the case of a key', () => {
    const before = stmt('"action": "kms:Decrypt",\n"Resource": "*"');
    assert.equal(fix(before, 'unknown-element'), before.replace('"action"', '"Action"'));
  });
  test('resource-not-star: set Resource to "*"', () => {
    const before = stmt('"Action": "kms:Decrypt",\n"Resource": "arn:aws:kms:us-east-1:111122223333:key/1"');
    assert.equal(fix(before, 'resource-not-star'), before.replace('"arn:aws:kms:us-east-1:111122223333:key/1"', '"*"'));
  });
  test('deprecated-condition-key: use the replacement key', () => {
    const before = stmt('"Action": "kms:CreateGrant",\n"Resource": "*",\n"Condition": {"StringEquals": {"kms:CustomerMasterKeySpec": "RSA_2048"}}');
    assert.equal(fix(before, 'deprecated-condition-key'), before.replace('kms:CustomerMasterKeySpec', 'kms:KeySpec'));
  });
  test('literal-wildcard: a clause alone under its operator gets the ...Like operator', () => {
    const before = stmt('"Action": "kms:Decrypt",\n"Resource": "*",\n"Condition": {\n  "StringNotEquals": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111122223333:trail/*"}\n}');
    assert.equal(fix(before, 'literal-wildcard'), before.replace('"StringNotEquals"', '"StringNotLike"'));
  });
  test('literal-wildcard: a clause beside other keys moves to the ...Like operator, the others stay', () => {
    const before = stmt('"Action": "kms:Decrypt",\n"Resource": "*",\n"Condition": {\n  "StringEquals": {\n    "kms:CallerAccount": "111122223333",\n    "kms:ViaService": "s3.*.amazonaws.com"\n  }\n}');
    const after = JSON.parse(fix(before, 'literal-wildcard'));
    assert.deepEqual(after.Statement[0].Condition, { StringEquals: { 'kms:CallerAccount': '111122223333' }, StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } });
  });
  test('literal-wildcard: no fix when the ...Like operator already compares the key (AND would become OR)', () => {
    const text = stmt('"Action": "kms:Decrypt",\n"Resource": "*",\n"Condition": {"StringEquals": {"kms:ViaService": "s3.*"}, "StringLike": {"kms:ViaService": "sqs.*"}}');
    const policy = parsePolicy(text);
    const finding = runRules(policy).find((f) => f.code === 'literal-wildcard');
    assert.ok(finding);
    assert.deepEqual(quickFixes(policy, finding), []);
  });
  test('not-principal-role: Principal "*" with ArnNotEquals aws:PrincipalArn, the rest of the statement kept', () => {
    const before = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'OnlyAdmin', Effect: 'Deny', NotPrincipal: { AWS: ['arn:aws:iam::111122223333:role/admin', 'arn:aws:iam::111122223333:root'] }, Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
    ] }, null, 2);
    const after = JSON.parse(fix(before, 'not-principal-role'));
    assert.deepEqual(after.Statement[1], {
      Sid: 'OnlyAdmin', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:ScheduleKeyDeletion', Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' }, ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/admin', 'arn:aws:iam::111122223333:root'] } },
    });
    assert.deepEqual(after.Statement[0], JSON.parse(before).Statement[0]);
  });
  test('duplicate-action: remove it, keeping the list formatted', () => {
    const before = stmt('"Action": [\n  "kms:Decrypt",\n  "kms:Encrypt",\n  "kms:Decrypt"\n],\n"Resource": "*"');
    assert.equal(fix(before, 'duplicate-action'), stmt('"Action": [\n  "kms:Decrypt",\n  "kms:Encrypt"\n],\n"Resource": "*"'));
  });
  test('invalid-version: add a missing Version first, at the document indentation (4 spaces)', () => {
    const before = '{\n    "Statement": []\n}';
    assert.equal(fix(before, 'invalid-version'), '{\n    "Version": "2012-10-17",\n    "Statement": []\n}');
  });
  test('missing-resource: add Resource "*" with tabs in a tab-indented document', () => {
    const before = stmt('"Action": "kms:Decrypt"', '\t');
    const after = fix(before, 'missing-resource');
    assert.equal(after, stmt('"Action": "kms:Decrypt",\n"Resource": "*"', '\t'));
  });
});

describe('refactorings on Action lists', () => {
  test('expand a wildcard into its actions', () => {
    const text = '{"Statement": [{"Action": ["kms:Decrypt", "kms:GenerateDataKey*"]}]}';
    const f = expandWildcard(parsePolicy(text), text.indexOf('GenerateDataKey*'))!;
    assert.equal(f.title, 'Expand "kms:GenerateDataKey*" into its 4 actions');
    const out = JSON.parse(apply(text, f.edits));
    assert.deepEqual(out.Statement[0].Action, ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext', 'kms:GenerateDataKeyWithoutPlaintext']);
  });
  test('collapse a list into its wildcard only where that is exact', () => {
    const exact = '{"Statement": [{"Action": ["kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext"]}]}';
    const f = collapseToWildcard(parsePolicy(exact), exact.indexOf('kms:GenerateDataKeyPair'))!;
    assert.equal(apply(exact, f.edits), '{"Statement": [{"Action": "kms:GenerateDataKey*"}]}');
    const partial = '{"Statement": [{"Action": ["kms:GenerateDataKey", "kms:GenerateDataKeyPair"]}]}';
    assert.equal(collapseToWildcard(parsePolicy(partial), partial.indexOf('kms:GenerateDataKeyPair')), undefined);
  });
});

test('formatting detection', () => {
  assert.deepEqual(detectFormatting('{\n    "a": {\n        "b": 1\n    }\n}'), { unit: '    ', eol: '\n' });
  assert.deepEqual(detectFormatting('{\r\n\t"a": 1\r\n}'), { unit: '\t', eol: '\r\n' });
  assert.deepEqual(detectFormatting('{"a": 1}'), { unit: '  ', eol: '\n' });
});
