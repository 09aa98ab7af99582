import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { looksLikeKeyPolicy, isKeyPolicyName, compileFileGlobs } from '../../server/src/core/policy/recognize';

const text = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "One",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"},
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Condition": {"Bool": {"aws:PrincipalIsAWSService": false}, "StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"]}}
    },
    {
      "Effect": "Deny",
      "Principal": "*",
      "NotAction": ["kms:Encrypt", 7, {"x": 1}],
      "NotResource": ["*"]
    }
  ]
}`;

describe('policy model', () => {
  const policy = parsePolicy(text);
  const slice = (s: { start: number; end: number }) => text.slice(s.start, s.end);

  test('elements carry the exact source span', () => {
    assert.equal(slice(policy.version!.span), '"2012-10-17"');
    assert.equal(policy.statements.length, 2);
    const [a, b] = policy.statements;
    assert.equal(slice(a.sid!.span), '"One"');
    assert.equal(slice(a.effect!.span), '"Allow"');
    assert.equal(slice(a.principal!.entries[0].typeSpan), '"AWS"');
    assert.equal(slice(a.principal!.entries[0].values.items[0].span), '"arn:aws:iam::111122223333:role/ci"');
    assert.equal(slice(b.notAction!.items[0].span), '"kms:Encrypt"');
    const seven = b.notAction!.items[1];
    assert.equal(slice(seven.span), '7');
    assert.equal(seven.literal, false, 'numbers are marked, so a rule can flag them where strings belong');
    assert.equal(slice(b.notAction!.wrongTypes[0]), '{"x": 1}', 'objects where strings belong are kept as wrong types');
    assert.ok(slice(b.span).startsWith('{') && slice(b.span).endsWith('}'));
  });

  test('a string and an array normalize to the same list', () => {
    const [a, b] = policy.statements;
    assert.deepEqual(a.action!.items.map((i) => i.value), ['kms:Decrypt']);
    assert.equal(a.action!.isArray, false);
    assert.deepEqual(a.resource!.items.map((i) => i.value), ['*']);
    assert.deepEqual(b.notResource!.items.map((i) => i.value), ['*']);
    assert.equal(b.notResource!.isArray, true);
    assert.equal(b.principal!.bare?.value, '*');
  });

  test('conditions flatten into clauses; booleans are stringified and marked non-literal', () => {
    const clauses = policy.statements[0].condition!.clauses;
    assert.deepEqual(
      clauses.map((c) => [c.operator.value, c.key.value, c.values.items.map((v) => v.value)]),
      [
        ['Bool', 'aws:PrincipalIsAWSService', ['false']],
        ['StringEquals', 'kms:ViaService', ['s3.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com']],
      ],
    );
    assert.equal(clauses[0].values.items[0].literal, false);
  });

  test('a single Statement object is one statement', () => {
    assert.equal(parsePolicy('{"Statement": {"Effect": "Allow", "Action": "kms:*"}}').statements.length, 1);
  });

  test('bad input gives an empty model, never a throw', () => {
    for (const t of ['', 'null', '[]', '"x"', '{"Statement": "kms:*"}', '{"Statement": [1, "a", null]}', '{', '\u0000\xff', '{"Statement": [{"Action": {"x": 1}}]}']) {
      const p = parsePolicy(t);
      assert.ok(Array.isArray(p.statements), t);
    }
    assert.equal(parsePolicy('{"Statement": [1, {"Effect": "Allow"}]}').statements[0].index, 1, 'indexes follow the source array');
    assert.match(parsePolicy('['.repeat(100000)).fatal ?? '', /nested/);
  });

  test('syntax errors are kept for diagnostics', () => {
    assert.ok(parsePolicy('{"Version": "2012-10-17",}').syntaxErrors.length > 0, 'AWS rejects trailing commas; the model keeps the error for the rule');
    assert.equal(parsePolicy('{"Version": "2012-10-17",}').version?.value, '2012-10-17', 'and still builds the model');
    assert.ok(parsePolicy('{"Version": }').syntaxErrors.length > 0);
  });
});

describe('recognizing key policies', () => {
  test('by name', () => {
    assert.ok(isKeyPolicyName('/w/orders.key-policy.json'));
    assert.ok(isKeyPolicyName('/w/orders.KMS-POLICY.json'));
    assert.ok(!isKeyPolicyName('/w/package.json'));
  });
  test('by the kmsPolicy.files globs, absolute or workspace-relative', () => {
    const m = compileFileGlobs(['policies/**/*.json', 'key.json', '[invalid']);
    assert.ok(isKeyPolicyName('/w/policies/a/b.json', m, 'policies/a/b.json'));
    assert.ok(isKeyPolicyName('/w/deep/key.json', m, 'deep/key.json'));
    assert.ok(!isKeyPolicyName('/w/other.json', m, 'other.json'));
  });
  test('by content: a Statement that uses kms: actions', () => {
    assert.ok(looksLikeKeyPolicy(parsePolicy('{"Statement": [{"Action": ["s3:GetObject", "KMS:Decrypt"]}]}')));
    assert.ok(looksLikeKeyPolicy(parsePolicy('{"Statement": {"NotAction": "kms:*"}}')));
    assert.ok(!looksLikeKeyPolicy(parsePolicy('{"Statement": [{"Action": "s3:*"}]}')));
    assert.ok(!looksLikeKeyPolicy(parsePolicy('{"name": "kms:Decrypt", "dependencies": {}}')));
  });
});
