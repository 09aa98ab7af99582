import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { RULES, runRules } from '../../server/src/core/rules/index';
import { unmark } from '../support/marks';

const root = join(__dirname, '..', '..', '..');

/** A statement with everything valid, to embed the element under test in. */
/** A statement with everything valid, to embed the element under test in, next to an administrator so nothing else fires. */
const S = (body: string) => `{"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, ${body}}, {"Sid": "KeyAdmin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": ["kms:PutKeyPolicy", "kms:DescribeKey"], "Resource": "*"}]}`;
const OK = '"Action": "kms:Decrypt", "Resource": "*"';

/** [rule id, marked text (⟦⟧ around every expected range; none = the rule must stay silent), optional message pattern] */
type Case = [string, string, RegExp?];

const ROOT = 'arn:aws:iam::111122223333:root';
const CI = 'arn:aws:iam::111122223333:role/ci';
const APP = 'arn:aws:iam::111122223333:role/app';
const P = (...statements: string[]) => `{"Version": "2012-10-17", "Statement": [${statements.join(', ')}]}`;
const rootAllow = `{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ⟦"${ROOT}"⟧}, "Action": "kms:*", "Resource": "*"}`;
const plainRoot = rootAllow.replace(/[⟦⟧]/g, '');
const k9 = (sid: string, actions: string, arns: string[]) => `{"Sid": "${sid}", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ${actions}, "Resource": "*", "Condition": {"ArnEquals": {"aws:PrincipalArn": ${JSON.stringify(arns)}}}}`;
const adminCi = k9('Admin', '["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DescribeKey"]', [CI]);
const dataApp = k9('Data', '["kms:Decrypt", "kms:Encrypt"]', [APP]);
const denyElse = (arns: string[], action = '"kms:*"', extra = ', "Bool": {"aws:PrincipalIsAWSService": "false"}, "BoolIfExists": {"kms:GrantIsForAWSResource": "false"}') =>
  `{"Sid": "DenyEveryoneElse", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ${action}, "Resource": "*", "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ${JSON.stringify(arns)}}${extra}}}`;

const CASES: Case[] = [
  // missing-deny-everyone-else
  ['missing-deny-everyone-else', P(plainRoot, adminCi, dataApp, denyElse([ROOT, CI, APP]))],
  ['missing-deny-everyone-else', P(adminCi, dataApp)],
  ['missing-deny-everyone-else', P(rootAllow, adminCi), /IAM policies in account 111122223333 grant any principal there every KMS action.*Nothing denies everyone else/],
  ['missing-deny-everyone-else', P(`{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": ⟦"444455556666"⟧}, "Action": "kms:Decrypt", "Resource": "*"}`, adminCi), /account 444455556666 grant any principal there 1 KMS action on this key \(read-data\)/],
  // deny-everyone-else-partial
  ['deny-everyone-else-partial', P(plainRoot, adminCi, denyElse([ROOT, CI]))],
  ['deny-everyone-else-partial', P(plainRoot, adminCi, denyElse([ROOT, CI], '⟦["kms:Decrypt", "kms:Encrypt"]⟧')), /54 KMS actions .* stay open/],
  // deny-everyone-else-dead-grant
  ['deny-everyone-else-dead-grant', P(plainRoot, adminCi, dataApp, denyElse([ROOT, CI, APP]))],
  ['deny-everyone-else-dead-grant', P(plainRoot, adminCi, dataApp, denyElse([ROOT, CI]).replace(JSON.stringify([ROOT, CI]), '⟦' + JSON.stringify([ROOT, CI]) + '⟧')), /denies arn:aws:iam::111122223333:role\/app, which statement "Data" allows \(2 actions, such as kms:Decrypt\)/],
  // deny-everyone-else-carve-outs
  ['deny-everyone-else-carve-outs', P(plainRoot, adminCi, denyElse([ROOT, CI]))],
  ['deny-everyone-else-carve-outs', P(plainRoot, adminCi, denyElse([ROOT, CI], '["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:Disable*"]', ''))],
  ['deny-everyone-else-carve-outs', P(plainRoot, adminCi, denyElse([ROOT, CI], '"kms:*"', '').replace('"Condition"', '⟦⟦"Condition"⟧⟧')), /AWS services that call KMS as themselves|kms:GrantIsForAWSResource carve-out/],
  ['deny-everyone-else-carve-outs', P(plainRoot, adminCi, denyElse([ROOT, CI], '"kms:*"', ', "Bool": {"aws:PrincipalIsAWSService": "false"}').replace('"Condition"', '⟦"Condition"⟧')), /no kms:GrantIsForAWSResource carve-out/],
  ['deny-everyone-else-carve-outs', P(plainRoot, adminCi, denyElse([ROOT, CI], '"kms:*"', ', ⟦"Bool"⟧: {"aws:PrincipalIsAWSService": "false", "kms:GrantIsForAWSResource": "false"}')), /Use "BoolIfExists"/],
  // lockout
  ['lockout', P(adminCi, dataApp)],
  ['lockout', P(plainRoot)],
  ['lockout', `{"Version": "2012-10-17", ⟦"Statement"⟧: [${dataApp}]}`, /Nobody can call kms:PutKeyPolicy.*lockout safety check/],
  ['lockout', P(plainRoot, adminCi, `{"Sid": ⟦"NoPolicyChanges"⟧, "Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy", "Resource": "*"}`), /statement "NoPolicyChanges" does not deny it/],
  // over-broad-grant
  ['over-broad-grant', P(plainRoot, adminCi, dataApp, k9('Gen', '"kms:GenerateDataKey*"', [APP]))],
  ['over-broad-grant', P(adminCi, `{"Sid": "App", "Effect": "Allow", "Principal": {"AWS": "${APP}"}, "Action": ⟦"kms:*"⟧, "Resource": "*"}`), /grants arn:aws:iam::111122223333:role\/app 56 actions across 5 capabilities .*administration and data access at once/],
  ['over-broad-grant', P(adminCi, k9('Wide', '["kms:Decrypt", ⟦"kms:*Key*"⟧]', [APP])), /across \d capabilities/],
  ['over-broad-grant', P(adminCi, `{"Sid": "App", "Effect": "Allow", "Principal": {"AWS": "${APP}"}, ⟦"NotAction"⟧: "kms:ScheduleKeyDeletion", "Resource": "*"}`), /every KMS action except/],
  // separation-of-duties
  ['separation-of-duties', P(adminCi, dataApp)],
  ['separation-of-duties', P(k9('Admin', '["kms:PutKeyPolicy", "kms:Decrypt"]', [CI]).replace(`"${CI}"`, `⟦"${CI}"⟧`)), /both administers this key and holds read-data/],
  // public-key
  ['public-key', P(adminCi, dataApp, denyElse([CI, APP]), `{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "s3.us-east-1.amazonaws.com"}}}`)],
  ['public-key', P(adminCi, `{"Effect": "Allow", "Principal": {"AWS": ⟦"*"⟧}, "Action": "kms:Decrypt", "Resource": "*"}`), /allows anyone, in any AWS account/],
  ['public-key', P(adminCi, `{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}}`)],
  ['public-key', P(adminCi, `{"Effect": "Allow", "Principal": {"AWS": ⟦"*"⟧}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}}}`), /any AWS service, acting for anyone/],
  ['public-key', P(adminCi, `{"Effect": "Allow", "Principal": ⟦"*"⟧, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}`), /no condition limits the caller/],
  // root-delegation
  ['root-delegation', P(adminCi, dataApp)],
  ['root-delegation', P(rootAllow, adminCi), /any IAM policy in account 111122223333 can grant its principals every KMS action/],
  ['root-delegation', P(rootAllow, adminCi, denyElse([ROOT, CI])), /DenyEveryoneElse limits it/],
  // create-grant-without-aws-resource
  ['create-grant-without-aws-resource', P(adminCi, k9('Data', '["kms:Decrypt", "kms:CreateGrant"]', [APP]).replace('"Condition": {', '"Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}, '))],
  ['create-grant-without-aws-resource', P(adminCi, k9('Data', '["kms:Decrypt", ⟦"kms:CreateGrant"⟧]', [APP])), /can create grants on this key for anyone/],
  // admin-on-data-principal
  ['admin-on-data-principal', P(adminCi, dataApp)],
  ['admin-on-data-principal', P(adminCi, k9('Data', '["kms:Decrypt", "kms:ScheduleKeyDeletion"]', [APP]).replace(`"${APP}"`, `⟦"${APP}"⟧`)), /can also call kms:ScheduleKeyDeletion/],

  // json-syntax
  ['json-syntax', S(OK) ],
  ['json-syntax', '{"Version": "2012-10-17", "Statement": []⟦,⟧}', /trailing commas/],
  ['json-syntax', '{"Version": "2012-10-17", ⟦// note⟧\n "Statement": []}', /comments/],
  ['json-syntax', '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", ⟦"Effect"⟧: "Deny"}]}', /Duplicate key "Effect"/],
  ['json-syntax', '⟦[1]⟧', /must be a JSON object/],
  ['json-syntax', '{"Version": ⟦}⟧', /Invalid JSON: value expected/],
  ['json-syntax', P(plainRoot, adminCi) + '\n', ],
  ['json-syntax', `{"Version": "2012-10-17", "Statement": [${adminCi} ⟦%{ for r in readers }⟧ ,{"Sid": "\${r}"} %{ endfor }]}`, /template, not JSON: %\{ for r in readers \}/],
  // partial-analysis
  ['partial-analysis', P(plainRoot, adminCi)],
  ['partial-analysis', `{"Version": "2012-10-17", "Statement": [${adminCi} %{ for r in readers } ,{"Sid": "\${r}"} %{ endfor }]}`],
  ['partial-analysis', `{"Version": "2012-10-17", "Statement": [${adminCi}, {"Sid": "Broken" "Effect": "Allow", "Action": ⟦kms:Decrypt}]⟧}`, /Not evaluated: the statements from the first syntax error on/],
  // policy-too-large
  ['policy-too-large', S(OK)],
  ['policy-too-large', `⟦{"Version": "2012-10-17",⟧\n"Id": "${'x'.repeat(33000)}", "Statement": []}`, /over 32768 bytes/],
  // invalid-version
  ['invalid-version', S(OK)],
  ['invalid-version', '{"Version": ⟦"2012-10-18"⟧, "Statement": []}', /not a policy language version/],
  ['invalid-version', '⟦{⟧"Statement": []}', /no "Version"/],
  ['invalid-version', '{"Version": ⟦"2008-10-17"⟧, "Statement": []}', /old policy language/],
  // invalid-effect
  ['invalid-effect', S(OK)],
  ['invalid-effect', '{"Statement": [{"Sid": "A", "Effect": ⟦"allow"⟧}]}', /Use "Allow" \(Effect is case-sensitive\)/],
  ['invalid-effect', '{"Statement": [{⟦"Sid": "A"⟧}]}'.replace('⟦"Sid": "A"⟧', '"Sid": ⟦"A"⟧'), /has no "Effect"/],
  // missing-principal
  ['missing-principal', S(OK)],
  ['missing-principal', '{"Statement": [{"Effect": ⟦"Allow"⟧, "Action": "kms:Decrypt", "Resource": "*"}]}', /names no Principal/],
  // allow-with-not-principal
  ['allow-with-not-principal', '{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}'],
  ['allow-with-not-principal', '{"Statement": [{"Effect": "Allow", ⟦"NotPrincipal"⟧: {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}', /except the ones listed/],
  // duplicate-sid
  ['duplicate-sid', '{"Statement": [{"Sid": "A"}, {"Sid": "B"}]}'],
  ['duplicate-sid', '{"Statement": [{"Sid": "A"}, {"Sid": ⟦"A"⟧}]}', /used twice/],
  // unknown-element
  ['unknown-element', S(OK)],
  ['unknown-element', S(`${OK}, ⟦"action"⟧: "kms:Encrypt"`), /must be written "Action"/],
  ['unknown-element', '{"Version": "2012-10-17", ⟦"Statements"⟧: []}', /not an element of a policy/],
  ['unknown-element', S(`"Action": "kms:Decrypt", ⟦"NotAction"⟧: "kms:Encrypt", "Resource": "*"`), /both "Action" and "NotAction"/],
  // wrong-type
  ['wrong-type', S(OK)],
  ['wrong-type', S('"Action": ["kms:Decrypt", ⟦5⟧], "Resource": "*"'), /must hold strings, not 5/],
  ['wrong-type', '{"Version": "2012-10-17", "Statement": ⟦"kms:*"⟧}', /array of statement objects/],
  ['wrong-type', '{"Version": "2012-10-17", "Statement": [⟦1⟧]}', /Each statement must be an object/],
  ['wrong-type', '{"Statement": [{"Effect": "Allow", "Principal": ⟦5⟧, "Action": "kms:Decrypt", "Resource": "*"}]}', /principal in statement 1 must be/],
  ['wrong-type', S(`${OK}, "Condition": {"Bool": ⟦"x"⟧}`), /an object of condition keys/],
  // empty-action
  ['empty-action', S(OK)],
  ['empty-action', S('"Action": ⟦[]⟧, "Resource": "*"'), /action list of statement "S" is empty/],
  ['empty-action', '{"Statement": [{"Sid": ⟦"X"⟧, "Effect": "Allow", "Resource": "*"}]}', /has no "Action"/],
  // malformed-principal
  ['malformed-principal', '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:root", "arn:aws:sts::111122223333:assumed-role/r/s", "*"], "Service": "logs.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x*"}, "StringEquals": {"kms:CallerAccount": "111122223333"}}}]}'],
  ['malformed-principal', S('').replace('"arn:aws:iam::111122223333:role/app"', '⟦"arn:aws:iam:us-east-1:111122223333:role/app"⟧') + '', /IAM ARNs have no region/],
  ['malformed-principal', '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ⟦"1111222233"⟧}, "Action": "kms:Decrypt", "Resource": "*"}]}', /has 12 digits; this has 10/],
  ['malformed-principal', '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ⟦"arn:aws:iam::111122223333:role/*"⟧}, "Action": "kms:Decrypt", "Resource": "*"}]}', /no wildcards/],
  ['malformed-principal', '{"Statement": [{"Effect": "Allow", "Principal": ⟦"arn:aws:iam::111122223333:root"⟧, "Action": "kms:Decrypt", "Resource": "*"}]}', /bare principal string must be "\*"/],
  ['malformed-principal', S(`${OK}, "Condition": {"StringEquals": {"aws:PrincipalAccount": ⟦"12345"⟧}}`), /not a 12-digit AWS account id/],
  ['malformed-principal', S(`${OK}, "Condition": {"ArnEquals": {"aws:PrincipalArn": ⟦"role/ci"⟧}}`), /not an ARN/],
  ['malformed-principal', '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::${account_id}:root", "<ADMIN_ROLE_ARN>", "arn:${partition}:iam::#{AWS::AccountId}:role/x", "arn:aws:iam::{{acct}}:user/${name}"], "Service": "logs.${region}.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": "<ACCOUNT_ID>", "aws:SourceAccount": "${self:custom.accountId}"}}}]}'],
  ['malformed-principal', '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ⟦"arn:aws:iam:us-east-1:${account_id}:role/x"⟧}, "Action": "kms:Decrypt", "Resource": "*"}]}', /IAM ARNs have no region/],
  // unknown-action
  ['unknown-action', S('"Action": ["kms:Decrypt", "kms:GenerateDataKey*", "s3:GetObject"], "Resource": "*"')],
  ['unknown-action', S('"Action": ⟦"kms:Decrpyt"⟧, "Resource": "*"'), /Did you mean "kms:Decrypt"\?/],
  ['unknown-action', S('"Action": ⟦"Decrypt"⟧, "Resource": "*"'), /no service prefix; AWS rejects it\. Write "kms:Decrypt"/],
  // wildcard-matches-nothing
  ['wildcard-matches-nothing', S('"Action": ["kms:Describe*", "kms:*", "*"], "Resource": "*"')],
  ['wildcard-matches-nothing', S('"Action": ⟦"kms:Decrpt*"⟧, "Resource": "*"'), /matches no KMS action/],
  // non-kms-action
  ['non-kms-action', S('"Action": ["kms:Decrypt", "*", "k*:Decrypt"], "Resource": "*"')],
  ['non-kms-action', S('"Action": ["kms:Decrypt", ⟦"s3:GetObject"⟧], "Resource": "*"'), /not a KMS action/],
  // not-key-policy-action
  ['not-key-policy-action', S('"Action": ["kms:Decrypt", ⟦"kms:CreateKey"⟧, ⟦"kms:ListAliases"⟧], "Resource": "*"'), /Grant it in an IAM policy/],
  // duplicate-action
  ['duplicate-action', S('"Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"')],
  ['duplicate-action', S('"Action": ["kms:Decrypt", ⟦"KMS:decrypt"⟧], "Resource": "*"'), /already listed/],
  // resource-not-star
  ['resource-not-star', S(OK)],
  ['resource-not-star', S('"Action": "kms:Decrypt", "Resource": ⟦"arn:aws:kms:us-east-1:111122223333:key/1234"⟧'), /write "\*"/],
  ['resource-not-star', S('"Action": "kms:Decrypt", "Resource": [⟦"arn:aws:s3:::bucket"⟧]'), /never applies/],
  // missing-resource
  ['missing-resource', S(OK)],
  ['missing-resource', '{"Statement": [{"Sid": ⟦"NoRes"⟧, "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}]}', /no "Resource"/],
  // not-resource
  ['not-resource', S(OK)],
  ['not-resource', S('"Action": "kms:Decrypt", ⟦"NotResource"⟧: "*"'), /Use "Resource": "\*"/],
  // unknown-operator
  ['unknown-operator', S(`${OK}, "Condition": {"StringEqualsIfExists": {"kms:ViaService": "x"}, "ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "a*"}, "Null": {"kms:ViaService": "true"}}`)],
  ['unknown-operator', S(`${OK}, "Condition": {⟦"stringEquals"⟧: {"kms:ViaService": "x"}}`), /case-sensitive/],
  ['unknown-operator', S(`${OK}, "Condition": {⟦"NullIfExists"⟧: {"kms:ViaService": "true"}}`), /Null has no IfExists/],
  // unknown-condition-key
  ['unknown-condition-key', S(`${OK}, "Condition": {"StringEquals": {"kms:EncryptionContext:Dept": "x", "aws:PrincipalTag/team": "a", "aws:SourceIdentity": "x"}}`)],
  ['unknown-condition-key', S(`${OK}, "Condition": {"StringEquals": {⟦"kms:ViaServce"⟧: "x"}}`), /not a KMS condition key/],
  ['unknown-condition-key', S(`${OK}, "Condition": {"StringEquals": {⟦"s3:prefix"⟧: "x"}}`), /s3 key; KMS requests never carry it/],
  // operator-type-mismatch
  ['operator-type-mismatch', S(`${OK}, "Condition": {"StringLike": {"aws:PrincipalArn": "arn:*"}, "Bool": {"aws:PrincipalIsAWSService": "false"}, "ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "a"}}`)],
  ['operator-type-mismatch', S(`${OK}, "Condition": {⟦"Bool"⟧: {"kms:ViaService": "true"}}`), /kms:ViaService is String/],
  ['operator-type-mismatch', S(`${OK}, "Condition": {⟦"ArnEquals"⟧: {"kms:ViaService": "x"}}`), /Use a String operator/],
  ['operator-type-mismatch', S(`${OK}, "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:111122223333:log-group:*"}}`)],
  ['operator-type-mismatch', S(`${OK}, "Condition": {⟦"ArnLike"⟧: {"kms:EncryptionContext:Dept": "finance"}}`), /but kms:EncryptionContext:Dept is String/],
  ['operator-type-mismatch', S(`${OK}, "Condition": {⟦"ForAllValues:StringEquals"⟧: {"kms:ViaService": "x"}}`), /also matches when the key is absent/],
  // deprecated-condition-key
  ['deprecated-condition-key', S(`${OK}, "Condition": {"StringEquals": {"kms:KeySpec": "RSA_2048"}}`)],
  ['deprecated-condition-key', S(`${OK}, "Condition": {"StringEquals": {⟦"kms:CustomerMasterKeySpec"⟧: "RSA_2048"}}`), /Use kms:KeySpec instead/],
  ['deprecated-condition-key', S(`${OK}, "Condition": {"StringEquals": {⟦"kms:CustomerMasterKeyUsage"⟧: "SIGN_VERIFY"}}`), /Use kms:KeyUsage instead/],
  // literal-wildcard
  ['literal-wildcard', S(`${OK}, "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111122223333:trail/*"}, "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}, "StringEquals": {"aws:PrincipalTag/team": "\${aws:username}", "kms:ViaService": "s3.us-east-1.amazonaws.com"}}`)],
  ['literal-wildcard', P(plainRoot, `{"Sid": "OnlyTrails", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringNotEquals": {"kms:EncryptionContext:aws:cloudtrail:arn": ⟦"arn:aws:cloudtrail:*:111122223333:trail/*"⟧}}}`), /compares literally.*every request, which the Deny then refuses.*Use StringNotLike/],
  ['literal-wildcard', S(`${OK}, "Condition": {"StringEquals": {"kms:ViaService": [⟦"s3.*.amazonaws.com"⟧, ⟦"sqs.?s-east-1.amazonaws.com"⟧]}}`), /statement "S" never applies to real requests.*Use StringLike/],
  ['literal-wildcard', S(`${OK}, "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {"kms:EncryptionContextKeys": ["Dept", ⟦"app-*"⟧]}}`), /matches only a value with that exact text.*StringLike has no IgnoreCase form/],
  // impossible-condition-value
  ['impossible-condition-value', S(`${OK}, "Condition": {"StringEquals": {"aws:PrincipalType": ["AssumedRole", "User"], "kms:KeySpec": "<KEY_SPEC>"}, "StringLike": {"kms:SigningAlgorithm": "RSASSA_PSS_*"}, "Bool": {"aws:SecureTransport": "True"}, "StringEqualsIgnoreCase": {"kms:KeyOrigin": "aws_kms"}}`)],
  ['impossible-condition-value', P(`{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "${ROOT}"}, "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalType": ⟦"Root"⟧}}}`), /aws:PrincipalType is never "Root": its values are Account, AssumedRole, Anonymous, FederatedUser or User\. Statement "Root" never applies: it grants nothing\. Nobody else can call kms:PutKeyPolicy, so the key is locked/],
  ['impossible-condition-value', S(`${OK}, "Condition": {"StringEquals": {"kms:EncryptionAlgorithm": ["SYMMETRIC_DEFAULT", ⟦"RSA_OAEP_SHA_256"⟧]}}`), /never "RSA_OAEP_SHA_256": its values are RSAES_OAEP_SHA_1, .*That value is dead/],
  ['impossible-condition-value', P(adminCi, `{"Sid": "NoRoot", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalType": ⟦"Root"⟧}}}`), /So StringNotEquals always holds here and limits nothing: this Deny applies to every request it covers/],
  ['impossible-condition-value', S(`${OK}, "Condition": {"Bool": {"aws:SecureTransport": ⟦"yes"⟧}, "StringLike": {"kms:KeySpec": ⟦"DSA_*"⟧}}`), /is never "(yes|DSA_\*)": its values are .*never applies: it grants nothing/],
  ['impossible-condition-value', S(`${OK}, "Condition": {"StringEqualsIfExists": {"kms:KeyUsage": ⟦"ENCRYPT"⟧}}`), /holds only when the request has no kms:KeyUsage/],
  ['lockout', P(`{"Sid": ⟦"Root"⟧, "Effect": "Allow", "Principal": {"AWS": "${ROOT}"}, "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalType": "Root"}}}`).replace('⟦"Root"⟧', '"Root"').replace('"Statement"', '⟦"Statement"⟧'), /Nobody can call kms:PutKeyPolicy/],
  // not-principal-role
  ['not-principal-role', P(plainRoot, adminCi, `{"Sid": "OnlyCi", "Effect": "Deny", "NotPrincipal": {"AWS": ["${CI}", "arn:aws:sts::111122223333:assumed-role/ci/deploy", "${ROOT}", "arn:aws:iam::111122223333:user/alice"]}, "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}`, denyElse([ROOT, CI]))],
  ['not-principal-role', P(plainRoot, adminCi, `{"Sid": "OnlyCi", "Effect": "Deny", "NotPrincipal": {"AWS": [⟦"${CI}"⟧, "${ROOT}"]}, "Action": ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"], "Resource": "*"}`), /NotPrincipal names the role ci, but a role acts only through its sessions \(arn:aws:sts::111122223333:assumed-role\/ci\/<session name>\).*ci's own calls to kms:ScheduleKeyDeletion, kms:PutKeyPolicy are denied\. Its grant in statement "Admin" is dead for those actions\. AWS recommends/],
  ['not-principal-role', P(plainRoot, `{"Effect": "Deny", "NotPrincipal": {"AWS": ⟦"${APP}"⟧}, "Action": "kms:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}`), /app's own calls to every KMS action are denied when its conditions hold\. .*Its account's root \(arn:aws:iam::111122223333:root\) is not listed either/],
  ['root-delegation', P(`{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "${ROOT}"}, "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalType": "Root"}}}`, adminCi)],
  ['missing-deny-everyone-else', P(`{"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "${ROOT}"}, "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalType": "Root"}}}`, adminCi)],
  // account-wide-grant
  ['account-wide-grant', P(plainRoot, adminCi,
    `{"Sid": "ThroughS3", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "s3.us-east-1.amazonaws.com"}}}`,
    `{"Sid": "Services", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "true"}, "StringEquals": {"aws:SourceAccount": "111122223333"}}}`,
    `{"Sid": "Tagged", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333", "aws:PrincipalTag/team": "orders"}}}`,
    `{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": "444455556666"}}}`)],
  ['account-wide-grant', P(plainRoot, adminCi, `{"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": ⟦"111122223333"⟧}}}`), /Statement "Everyone" lets every principal in account 111122223333 \(any role or user there, including ones created later\) use this key for 2 KMS actions \(read-data, write-data\), with no IAM policy needed: only kms:CallerAccount limits the caller/],
  ['account-wide-grant', P(adminCi, `{"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": ⟦"111122223333"⟧}, "Bool": {"aws:SecureTransport": "true"}}}`), /1 KMS action \(read-data\) \(when its other conditions hold\)/],
  // service-without-source-condition
  ['service-without-source-condition', P(plainRoot, adminCi,
    `{"Sid": "Trail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*", "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111122223333:trail/*"}}}`,
    `{"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}`,
    `{"Sid": "Describe", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "kms:DescribeKey", "Resource": "*"}`)],
  ['service-without-source-condition', P(plainRoot, adminCi, `{"Sid": "Trail", "Effect": "Allow", "Principal": {"Service": [⟦"cloudtrail.amazonaws.com"⟧, "config.amazonaws.com"]}, "Action": "kms:GenerateDataKey*", "Resource": "*"}`), /Statement "Trail" lets cloudtrail.amazonaws.com, config.amazonaws.com call kms:GenerateDataKey, .* for a resource in any AWS account: no aws:SourceAccount, aws:SourceArn or encryption-context condition says whose/],
  ['service-without-source-condition', P(plainRoot, adminCi, `{"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": ⟦"logs.us-east-1.amazonaws.com"⟧}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceAccount": "444455556666"}}}`), /could have the service decrypt with this key \(a confused deputy\)/],
];

describe('rules: each fires with the exact range, and stays silent on correct input', () => {
  for (const [id, marked, message] of CASES) {
    const { text, spans } = unmark(marked);
    const name = `${id} ${spans.length ? 'fires' : 'silent'}: ${text.length > 110 ? text.slice(0, 107) + '...' : text}`;
    test(name, () => {
      const findings = runRules(parsePolicy(text)).filter((f) => f.code === id);
      assert.deepEqual(
        findings.map((f) => text.slice(f.span.start, f.span.end)),
        spans.map((s) => text.slice(s.start, s.end)),
      );
      assert.deepEqual(findings.map((f) => f.span), spans);
      if (message) for (const f of findings) assert.match(f.message, message);
    });
  }
});

describe('the rule table', () => {
  test('ids are unique, kebab-case, and each has a section in docs/rules.md', () => {
    const docs = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of RULES) {
      assert.match(r.id, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(docs.includes(`\n## ${r.id}\n`), `docs/rules.md has no "## ${r.id}"`);
      assert.ok(r.summary.length > 10);
    }
  });
  test('every rule has a firing and a silent case above', () => {
    for (const r of RULES) {
      const mine = CASES.filter(([id]) => id === r.id);
      assert.ok(mine.some(([, m]) => m.includes('⟦')), `${r.id} has no firing case`);
      if (r.id !== 'not-key-policy-action') assert.ok(mine.some(([, m]) => !m.includes('⟦')), `${r.id} has no silent case`);
    }
  });
  test('settings turn a rule off or change its severity', () => {
    const text = S('"Action": "kms:Decrpyt", "Resource": "*"');
    assert.equal(runRules(parsePolicy(text)).find((f) => f.code === 'unknown-action')?.severity, 'error');
    assert.equal(runRules(parsePolicy(text), { severities: { 'unknown-action': 'info' } }).find((f) => f.code === 'unknown-action')?.severity, 'info');
    assert.equal(runRules(parsePolicy(text), { severities: { 'unknown-action': 'off' } }).find((f) => f.code === 'unknown-action'), undefined);
  });
  test('a non-object root gets only the syntax finding', () => {
    assert.deepEqual(runRules(parsePolicy('"kms:*"')).map((f) => f.code), ['json-syntax']);
  });
});

describe('correct policies produce no warning or error', () => {
  for (const file of ['k9-key-policy-only.json', 'k9-generated.json', 'article-least-privilege.json']) {
    test(file, () => {
      const text = readFileSync(join(root, 'test', 'fixtures', 'policies', file), 'utf8');
      const bad = runRules(parsePolicy(text)).filter((f) => f.severity !== 'info');
      assert.deepEqual(bad.map((f) => `${f.code}: ${f.message}`), []);
    });
  }
});

describe('pathological documents', () => {
  test('findings of one rule are capped, with one note for the rest', () => {
    const actions = Array.from({ length: 500 }, () => '"kms:Decrypt"');
    const text = S(`"Action": [${actions.join(', ')}], "Resource": "*"`);
    const dup = runRules(parsePolicy(text)).filter((f) => f.code === 'duplicate-action');
    assert.equal(dup.length, 201);
    assert.match(dup[dup.length - 1].message, /^299 more duplicate-action findings in this document are not shown\.$/);
  });
  test('far over the AWS size limit, effective-access rules are skipped and a note says so', () => {
    const big = `{"Version": "2012-10-17", "Id": "${'x'.repeat(140 * 1024)}", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}`;
    const codes = runRules(parsePolicy(big)).map((f) => f.code);
    assert.ok(!codes.includes('missing-deny-everyone-else'));
    assert.ok(codes.filter((c) => c === 'policy-too-large').length === 2, 'the size error and the note');
  });
});
