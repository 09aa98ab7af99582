import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { kmsActions } from '../../server/src/core/catalog/catalog';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { doComplete } from '../../server/src/service/completion';
import { applyItem, withCursor } from '../support/text';

function complete(marked: string) {
  const { document, position } = withCursor(marked);
  return { document, list: doComplete(document, position, parsePolicy(document.getText())) };
}

/** Completes at `|`, accepts the item with this label, and returns the resulting text. */
function accept(marked: string, label: string): string {
  const { document, list } = complete(marked);
  const item = list.items.find((i) => i.label === label);
  assert.ok(item, `no item ${label}; got ${list.items.map((i) => i.label).slice(0, 15).join(', ')}`);
  return applyItem(document, item);
}

function labels(marked: string): string[] {
  return complete(marked).list.items.map((i) => String(i.label));
}

describe('completion: KMS actions', () => {
  const cases: [string, string, string, string][] = [
    ['after "kms: in a string value', '{"Statement": [{"Action": "kms:|"}]}', 'kms:Decrypt', '{"Statement": [{"Action": "kms:Decrypt"}]}'],
    ['partial name, closed string', '{"Statement": [{"Action": "kms:Dec|"}]}', 'kms:Decrypt', '{"Statement": [{"Action": "kms:Decrypt"}]}'],
    ['cursor mid-name replaces the whole token', '{"Statement": [{"Action": "kms:En|crypt"}]}', 'kms:Encrypt', '{"Statement": [{"Action": "kms:Encrypt"}]}'],
    ['unfinished string at end of line', '{"Statement": [{"Action": "kms:Dec|\n}]}', 'kms:Decrypt', '{"Statement": [{"Action": "kms:Decrypt"\n}]}'],
    ['unfinished string before a bracket', '{"Statement": [{"Action": ["kms:Dec|]}]}', 'kms:Decrypt', '{"Statement": [{"Action": ["kms:Decrypt"]}]}'],
    ['in an array', '{"Statement": [{"Action": ["kms:Encrypt", "kms:|"]}]}', 'kms:Decrypt', '{"Statement": [{"Action": ["kms:Encrypt", "kms:Decrypt"]}]}'],
    ['after a comma, no quote yet', '{"Statement": [{"Action": ["kms:Encrypt", |]}]}', 'kms:Decrypt', '{"Statement": [{"Action": ["kms:Encrypt", "kms:Decrypt"]}]}'],
    ['after a comma on a new line', '{"Statement": [{"Action": [\n  "kms:Encrypt",\n  |\n]}]}', 'kms:Sign', '{"Statement": [{"Action": [\n  "kms:Encrypt",\n  "kms:Sign"\n]}]}'],
    ['unclosed string swallowing the next one', '{"Statement": [{"Action": ["kms:Dec|, "kms:Encrypt"]}]}', 'kms:Decrypt', '{"Statement": [{"Action": ["kms:Decrypt", "kms:Encrypt"]}]}'],
    ['value position, no string', '{"Statement": [{"Action": |}]}', 'kms:Decrypt', '{"Statement": [{"Action": "kms:Decrypt"}]}'],
    ['NotAction', '{"Statement": [{"NotAction": "|"}]}', 'kms:Decrypt', '{"Statement": [{"NotAction": "kms:Decrypt"}]}'],
    ['single statement object', '{"Statement": {"Action": "kms:G|"}}', 'kms:GenerateDataKey', '{"Statement": {"Action": "kms:GenerateDataKey"}}'],
    ['empty string', '{"Statement": [{"Action": "|"}]}', 'kms:*', '{"Statement": [{"Action": "kms:*"}]}'],
  ];
  for (const [name, input, label, expected] of cases) {
    test(name, () => assert.equal(accept(input, label), expected));
  }

  test('offers every KMS action, each with capability, access level and description', () => {
    const { list } = complete('{"Statement": [{"Action": "kms:|"}]}');
    const items = list.items.filter((i) => i.label !== 'kms:*');
    assert.equal(items.length, kmsActions.length);
    const decrypt = items.find((i) => i.label === 'kms:Decrypt')!;
    assert.equal(decrypt.labelDetails?.description, 'read-data');
    assert.equal(decrypt.detail, 'read-data · Write');
    assert.match(JSON.stringify(decrypt.documentation), /decrypt ciphertext/);
  });

  test('sorts data actions before configuration before administration', () => {
    const { list } = complete('{"Statement": [{"Action": "kms:|"}]}');
    const sorted = [...list.items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).map((i) => String(i.label));
    const at = (l: string) => sorted.indexOf(l);
    assert.ok(at('kms:Decrypt') < at('kms:Encrypt'), 'read-data before write-data');
    assert.ok(at('kms:Encrypt') < at('kms:DescribeKey'), 'write-data before read-config');
    assert.ok(at('kms:DescribeKey') < at('kms:PutKeyPolicy'), 'read-config before administer-resource');
    assert.equal(sorted[sorted.length - 1], 'kms:*');
  });

  test('does not offer actions already in the list', () => {
    const l = labels('{"Statement": [{"Action": ["kms:Decrypt", "|"]}]}');
    assert.ok(!l.includes('kms:Decrypt'));
    assert.ok(l.includes('kms:Encrypt'));
  });

  test('nothing after the closing quote or in Sid values', () => {
    assert.deepEqual(labels('{"Statement": [{"Action": "kms:Decrypt"|}]}'), []);
    assert.deepEqual(labels('{"Statement": [{"Sid": "|"}]}'), []);
  });
});

describe('completion: policy grammar', () => {
  test('top-level keys', () => {
    assert.deepEqual(labels('{|}'), ['Version', 'Id', 'Statement']);
    assert.deepEqual(labels('{"Version": "2012-10-17", |}'), ['Id', 'Statement']);
  });
  test('statement keys, without those present or excluded', () => {
    assert.deepEqual(labels('{"Statement": [{|}]}'), ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
    assert.deepEqual(labels('{"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", |}]}'), ['Sid', 'Principal', 'NotPrincipal', 'Resource', 'NotResource', 'Condition']);
  });
  const cases: [string, string, string, string][] = [
    ['key with value snippet', '{"Statement": [{|}]}', 'Effect', '{"Statement": [{"Effect": "Allow"}]}'],
    ['key inside a started string', '{"Statement": [{"Eff|"}]}', 'Effect', '{"Statement": [{"Effect": "Allow"}]}'],
    ['key that already has its colon', '{"Statement": [{"Res|": "*"}]}', 'Resource', '{"Statement": [{"Resource": "*"}]}'],
    ['key before another property gets a comma', '{"Statement": [{| "Effect": "Allow"}]}', 'Resource', '{"Statement": [{"Resource": "*", "Effect": "Allow"}]}'],
    ['Version key', '{|}', 'Version', '{"Version": "2012-10-17"}'],
    ['Version value', '{"Version": |}', '"2012-10-17"', '{"Version": "2012-10-17"}'],
    ['Effect value in a string', '{"Statement": [{"Effect": "D|"}]}', '"Deny"', '{"Statement": [{"Effect": "Deny"}]}'],
    ['Resource value', '{"Statement": [{"Resource": |}]}', '"*"', '{"Statement": [{"Resource": "*"}]}'],
    ['condition operator', '{"Statement": [{"Condition": {|}}]}', 'StringEqualsIfExists', '{"Statement": [{"Condition": {"StringEqualsIfExists": {\n\t"": ""\n}}}]}'],
    ['set operator', '{"Statement": [{"Condition": {"ForAnyValue:Str|"}}]}', 'ForAnyValue:StringLike', '{"Statement": [{"Condition": {"ForAnyValue:StringLike": {\n\t"": ""\n}}}]}'],
    ['kms condition key', '{"Statement": [{"Condition": {"StringEquals": {"kms:Via|"}}}]}', 'kms:ViaService', '{"Statement": [{"Condition": {"StringEquals": {"kms:ViaService": ""}}}]}'],
    ['Bool key gets true/false', '{"Statement": [{"Condition": {"Bool": {|}}}]}', 'aws:PrincipalIsAWSService', '{"Statement": [{"Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}}}]}'],
    ['pattern key gets a placeholder', '{"Statement": [{"Condition": {"StringEquals": {|}}}]}', 'kms:EncryptionContext:${EncryptionContextKey}', '{"Statement": [{"Condition": {"StringEquals": {"kms:EncryptionContext:EncryptionContextKey": ""}}}]}'],
    ['principal type key', '{"Statement": [{"Principal": {|}}]}', 'AWS', '{"Statement": [{"Principal": {"AWS": ""}}]}'],
    ['AWS principal value', '{"Statement": [{"Principal": {"AWS": |}}]}', '"*"', '{"Statement": [{"Principal": {"AWS": "*"}}]}'],
    ['Bool condition value', '{"Statement": [{"Condition": {"Bool": {"aws:PrincipalIsAWSService": "|"}}}]}', '"false"', '{"Statement": [{"Condition": {"Bool": {"aws:PrincipalIsAWSService": "false"}}}]}'],
  ];
  for (const [name, input, label, expected] of cases) {
    test(name, () => assert.equal(accept(input, label), expected));
  }

  test('condition keys: every kms: key in the catalog plus the aws: keys for key policies', () => {
    const l = labels('{"Statement": [{"Condition": {"StringEquals": {|}}}]}');
    for (const k of ['kms:CallerAccount', 'kms:ViaService', 'kms:GrantIsForAWSResource', 'kms:EncryptionContextKeys', 'aws:PrincipalArn', 'aws:PrincipalOrgID', 'aws:SourceVpce']) {
      assert.ok(l.includes(k), k);
    }
  });

  test('operators include IfExists and set qualifiers, and no IfExists for Null', () => {
    const l = labels('{"Statement": [{"Condition": {|}}]}');
    for (const o of ['ArnEquals', 'ArnLikeIfExists', 'BoolIfExists', 'Null', 'ForAllValues:StringEquals', 'ForAnyValue:ArnLike']) assert.ok(l.includes(o), o);
    assert.ok(!l.includes('NullIfExists'));
  });
});

describe('completion: statement snippets', () => {
  for (const label of ['Key administrators (k9)', 'Key users (k9)', 'DenyEveryoneElse']) {
    test(`${label} inserts a valid statement`, () => {
      const out = accept('{"Version": "2012-10-17", "Statement": [|]}', label);
      const policy = JSON.parse(out);
      assert.equal(policy.Statement.length, 1);
      const s = policy.Statement[0];
      assert.equal(s.Resource, '*');
      assert.deepEqual(s.Principal, { AWS: '*' });
      if (label === 'DenyEveryoneElse') {
        assert.equal(s.Effect, 'Deny');
        assert.equal(s.Action, 'kms:*');
        assert.deepEqual(s.Condition.ArnNotEquals['aws:PrincipalArn'], ['arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:role/key-admin', 'arn:aws:iam::111122223333:role/app']);
        assert.deepEqual(s.Condition.Bool, { 'aws:PrincipalIsAWSService': 'false' });
        assert.deepEqual(s.Condition.BoolIfExists, { 'kms:GrantIsForAWSResource': 'false' });
      } else {
        assert.equal(s.Effect, 'Allow');
        assert.ok(s.Action.includes(label.startsWith('Key admin') ? 'kms:PutKeyPolicy' : 'kms:Decrypt'));
        assert.ok(!s.Action.includes(label.startsWith('Key admin') ? 'kms:Decrypt' : 'kms:PutKeyPolicy'));
        assert.equal(s.Condition.ArnEquals['aws:PrincipalArn'].length, 1);
      }
    });
  }
  test('an empty file gets a whole least-privilege policy', () => {
    const out = accept('|', 'New KMS key policy (k9 least privilege)');
    const policy = JSON.parse(out);
    assert.equal(policy.Version, '2012-10-17');
    assert.equal(policy.Statement.length, 2);
  });
});

describe('completion: bad input never throws', () => {
  const inputs = ['|', '[|]', '"|"', '42|', '{"Statement": "kms:|"}', '{"Statement": [1, 2, |]}', '{"Statement": [{"Action": 5|}]}', '{"Statement": [{"Action": {"a": |}}]}', '{{{{|', '\u0000\u0001|\u0002', '{"Statement": [{"Condition": "x|"}]}', '{"Statement": [{"Principal": [|]}]}'];
  for (const input of inputs) {
    test(JSON.stringify(input), () => {
      const { list } = complete(input);
      assert.ok(Array.isArray(list.items));
    });
  }
  test('pathologically deep nesting answers nothing, quickly', () => {
    const deep = '['.repeat(10000) + '|' + ']'.repeat(10000);
    assert.deepEqual(complete(deep).list.items, []);
  });
});
