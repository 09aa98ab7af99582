import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { doHover } from '../../server/src/service/hover';
import { withCursor } from '../support/text';

function hover(marked: string): { text: string; range?: string } | null {
  const { document, position } = withCursor(marked);
  const h = doHover(document, position, parsePolicy(document.getText()));
  if (!h) return null;
  const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : String(h.contents);
  const range = h.range && document.getText(h.range);
  return { text: value, range };
}

describe('hover: actions', () => {
  test('kms:Decrypt shows description, access level, capability, resource types, condition keys and API link', () => {
    const h = hover('{"Statement": [{"Action": ["kms:Dec|rypt"]}]}')!;
    assert.equal(h.range, '"kms:Decrypt"');
    assert.match(h.text, /decrypt ciphertext/);
    assert.match(h.text, /\| Access level \| Write \|/);
    assert.match(h.text, /`read-data`/);
    assert.match(h.text, /\| Resource types \| key \|/);
    assert.match(h.text, /`kms:EncryptionAlgorithm`/);
    assert.match(h.text, /`kms:RecipientAttestation:\*` \(\d+ keys\)/, 'long key families are folded');
    assert.match(h.text, /https:\/\/docs\.aws\.amazon\.com\/kms\/latest\/APIReference\/API_Decrypt\.html/);
  });
  test('says who can call the action under this policy, from the evaluator', () => {
    const h = hover('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:role/intern"}, "Action": "kms:Dec|rypt", "Resource": "*"}]}')!;
    assert.match(h.text, /\*\*Who can call kms:Decrypt under this policy\*\*/);
    assert.match(h.text, /- Allowed: `arn:aws:iam::111122223333:root`/);
    assert.match(h.text, /- Allowed if an IAM policy also allows it: anyone else in 111122223333/);
    assert.match(h.text, /- Explicitly denied: `arn:aws:iam::111122223333:role\/intern`/);
  });
  test('ReEncryptFrom links the ReEncrypt API page', () => {
    assert.match(hover('{"Statement": [{"Action": "kms:ReEncrypt|From"}]}')!.text, /API_ReEncrypt\.html/);
  });
  test('a wildcard lists every action it matches with capabilities', () => {
    const h = hover('{"Statement": [{"Action": "kms:GenerateDataKey|*"}]}')!;
    assert.match(h.text, /matches 4 actions \(`write-data`\)/);
    for (const n of ['GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext']) {
      assert.match(h.text, new RegExp(`\\| kms:${n} \\| write-data \\|`));
    }
  });
  test('a wildcard spanning capabilities says so', () => {
    assert.match(hover('{"Statement": [{"Action": "kms:*Key|*"}]}')!.text, /spanning .*administer-resource/);
    assert.match(hover('{"Statement": [{"Action": "kms:Describe|*"}]}')!.text, /matches 2 actions \(`read-config`\)/);
  });
  test('kms:* says plainly it grants administration and data access at once', () => {
    assert.match(hover('{"Statement": [{"Action": "kms:|*"}]}')!.text, /grants every KMS action: key administration and data access at once/);
    assert.match(hover('{"Statement": [{"Action": "|*"}]}')!.text, /key administration and data access at once/);
  });
  test('a typo gets a did-you-mean; a non-KMS action is called out', () => {
    assert.match(hover('{"Statement": [{"Action": "kms:Decr|pyt"}]}')!.text, /not a known KMS action\. Did you mean `kms:Decrypt`\?/);
    assert.match(hover('{"Statement": [{"Action": "s3:Get|Object"}]}')!.text, /not a KMS action/);
  });
  test('an action a key policy cannot grant says where it belongs', () => {
    assert.match(hover('{"Statement": [{"Action": "kms:Create|Key"}]}')!.text, /has no effect\. Grant it in an IAM policy/);
  });
});

describe('hover: conditions and grammar', () => {
  test('condition key: type and description', () => {
    const h = hover('{"Statement": [{"Condition": {"StringEquals": {"kms:Via|Service": "s3.us-east-1.amazonaws.com"}}}]}')!;
    assert.equal(h.range, '"kms:ViaService"');
    assert.match(h.text, /\*\*kms:ViaService\*\* \(String\)/);
    assert.match(h.text, /on the principal's behalf/);
  });
  test('global condition key', () => {
    assert.match(hover('{"Statement": [{"Condition": {"ArnEquals": {"aws:Principal|Arn": []}}}]}')!.text, /\(ARN\)[\s\S]*Global condition key/);
  });
  test('unknown kms key', () => {
    assert.match(hover('{"Statement": [{"Condition": {"StringEquals": {"kms:Nope|": "x"}}}]}')!.text, /not a known KMS condition key/);
  });
  test('condition operator: its meaning, with IfExists and set qualifiers', () => {
    assert.match(hover('{"Statement": [{"Condition": {"ArnNot|Equals": {}}}]}')!.text, /\*\*ArnNotEquals\*\*: Matches when the ARN matches none/);
    const h = hover('{"Statement": [{"Condition": {"ForAllValues:StringLike|IfExists": {}}}]}')!.text;
    assert.match(h, /IfExists/);
    assert.match(h, /Also matches when the key is absent or empty/);
    assert.match(hover('{"Statement": [{"Condition": {"StringEqualz|": {}}}]}')!.text, /not a condition operator/);
  });
  test('policy elements', () => {
    assert.match(hover('{"Statement": [{"Eff|ect": "Allow"}]}')!.text, /\*\*Effect\*\*/);
    assert.match(hover('{"Ver|sion": "2012-10-17"}')!.text, /\*\*Version\*\*/);
  });
  test('nothing on Sid values, numbers, or outside strings', () => {
    assert.equal(hover('{"Statement": [{"Sid": "Al|low"}]}'), null);
    assert.equal(hover('{"Statement": [{"Action": 4|2}]}'), null);
    assert.equal(hover('{"Statement": [ | ]}'), null);
    assert.equal(hover('not json at a|ll'), null);
    assert.equal(hover('|'), null);
  });
});
