// Writes the benchmark documents under bench/docs/. Deterministic: same script, same bytes.
// Run `node bench/make-docs.mjs` after changing it; the documents are committed.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), 'docs');
const ACCOUNT = '111122223333';
const arn = (kind, name) => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

const ADMIN = ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand'];
const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
const GRANTS = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];
const SERVICES = ['s3', 'secretsmanager', 'rds', 'ebs', 'dynamodb', 'sqs', 'sns', 'lambda'];

/** DenyEveryoneElse, written out here (not by the rewrite's generator), so the bench inputs stay fixed. */
function denyEveryoneElse(exempt) {
  return {
    Sid: 'DenyEveryoneElse',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      ArnNotEquals: { 'aws:PrincipalArn': exempt },
      Bool: { 'aws:PrincipalIsAWSService': 'false' },
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' },
    },
  };
}

/** The typical key policy: root, key administrators, key users, grants for AWS resources, DenyEveryoneElse. */
function typical() {
  const admins = [arn('role', 'KeyAdmin'), arn('role', 'ci-deploy')];
  const users = [arn('role', 'orders-app'), arn('role', 'billing-worker'), arn('user', 'analyst')];
  return {
    Version: '2012-10-17',
    Id: 'orders-key-policy',
    Statement: [
      { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Sid: 'AllowAccessForKeyAdministrators', Effect: 'Allow', Principal: { AWS: admins }, Action: ADMIN, Resource: '*' },
      { Sid: 'AllowUseOfTheKey', Effect: 'Allow', Principal: { AWS: users }, Action: USE, Resource: '*' },
      {
        Sid: 'AllowAttachmentOfPersistentResources',
        Effect: 'Allow',
        Principal: { AWS: users },
        Action: GRANTS,
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      denyEveryoneElse([ROOT, ...admins, ...users]),
    ],
  };
}

/** A large multi-team key policy: per-team users with ViaService and encryption-context conditions, then DenyEveryoneElse. */
function multiTeam(teams) {
  const admins = [arn('role', 'KeyAdmin'), arn('role', 'ci-deploy'), arn('user', 'security-officer')];
  const statements = [
    { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
    { Sid: 'AllowAccessForKeyAdministrators', Effect: 'Allow', Principal: { AWS: admins }, Action: ADMIN, Resource: '*' },
  ];
  const everyone = [ROOT, ...admins];
  for (let t = 0; t < teams; t++) {
    const team = `team${String(t).padStart(4, '0')}`;
    const users = [arn('role', `${team}-app`), arn('role', `${team}-worker`), arn('user', `${team}-oncall`)];
    everyone.push(...users);
    const service = SERVICES[t % SERVICES.length];
    statements.push({
      Sid: `AllowUseVia${service[0].toUpperCase()}${service.slice(1)}For${team}`,
      Effect: 'Allow',
      Principal: { AWS: users },
      Action: USE,
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': `${service}.eu-west-1.amazonaws.com`, 'kms:CallerAccount': ACCOUNT },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${team}-*` },
      },
    });
    statements.push({
      Sid: `AllowGrantsFor${team}`,
      Effect: 'Allow',
      Principal: { AWS: users[0] },
      Action: GRANTS,
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    });
  }
  statements.push(denyEveryoneElse(everyone));
  return { Version: '2012-10-17', Id: `multi-team-${teams}`, Statement: statements };
}

const text = (policy) => JSON.stringify(policy, null, 2) + '\n';

/** The largest multiTeam policy whose text stays within `limit` bytes. */
function largestUnder(limit) {
  let teams = 1;
  while (Buffer.byteLength(text(multiTeam(teams + 1))) <= limit) teams++;
  return text(multiTeam(teams));
}

function cloudFormationYaml(keys) {
  const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Description: Twenty customer managed keys, one per service, with least-privilege key policies.', 'Parameters:', '  AdminRoleName:', '    Type: String', '    Default: KeyAdmin', 'Resources:'];
  for (let k = 0; k < keys; k++) {
    const name = `Service${String(k).padStart(2, '0')}`;
    lines.push(
      `  ${name}AppRole:`,
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Effect: Allow',
      '            Principal: { Service: lambda.amazonaws.com }',
      '            Action: sts:AssumeRole',
      `  ${name}Key:`,
      '    Type: AWS::KMS::Key',
      '    Properties:',
      `      Description: !Sub "Data key for ${name} in \${AWS::Region}"`,
      '      EnableKeyRotation: true',
      '      KeyPolicy:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Sid: EnableIAMUserPermissions',
      '            Effect: Allow',
      '            Principal:',
      '              AWS: !Sub arn:aws:iam::${AWS::AccountId}:root',
      '            Action: kms:*',
      '            Resource: "*"',
      '          - Sid: AllowAccessForKeyAdministrators',
      '            Effect: Allow',
      '            Principal:',
      '              AWS: !Sub arn:aws:iam::${AWS::AccountId}:role/${AdminRoleName}',
      '            Action:',
      ...ADMIN.map((a) => `              - ${a.includes('*') ? `"${a}"` : a}`),
      '            Resource: "*"',
      '          - Sid: AllowUseOfTheKey',
      '            Effect: Allow',
      '            Principal:',
      `              AWS: !GetAtt ${name}AppRole.Arn`,
      '            Action:',
      ...USE.map((a) => `              - ${a.includes('*') ? `"${a}"` : a}`),
      '            Resource: "*"',
      '            Condition:',
      '              StringEquals:',
      `                kms:ViaService: !Sub ${SERVICES[k % SERVICES.length]}.\${AWS::Region}.amazonaws.com`,
      `  ${name}Alias:`,
      '    Type: AWS::KMS::Alias',
      '    Properties:',
      `      AliasName: alias/${name.toLowerCase()}`,
      `      TargetKeyId: !Ref ${name}Key`,
    );
  }
  return lines.join('\n') + '\n';
}

function cloudFormationJson(keys) {
  const resources = {};
  for (let k = 0; k < keys; k++) {
    const name = `Service${String(k).padStart(2, '0')}`;
    resources[`${name}AppRole`] = {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
    };
    resources[`${name}Key`] = {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: { 'Fn::Sub': `Data key for ${name} in \${AWS::Region}` },
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' } }, Action: 'kms:*', Resource: '*' },
            { Sid: 'AllowAccessForKeyAdministrators', Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/${AdminRoleName}' } }, Action: ADMIN, Resource: '*' },
            {
              Sid: 'AllowUseOfTheKey',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::GetAtt': [`${name}AppRole`, 'Arn'] } },
              Action: USE,
              Resource: '*',
              Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': `${SERVICES[k % SERVICES.length]}.\${AWS::Region}.amazonaws.com` } } },
            },
          ],
        },
      },
    };
    resources[`${name}Alias`] = { Type: 'AWS::KMS::Alias', Properties: { AliasName: `alias/${name.toLowerCase()}`, TargetKeyId: { Ref: `${name}Key` } } };
  }
  return text({ AWSTemplateFormatVersion: '2010-09-09', Description: 'Twenty customer managed keys, one per service, with least-privilege key policies.', Parameters: { AdminRoleName: { Type: 'String', Default: 'KeyAdmin' } }, Resources: resources });
}

/** Terraform: the three policy forms of issue 6 in rotation (jsonencode, heredoc, aws_iam_policy_document). */
function terraform(keys) {
  const out = [
    'data "aws_caller_identity" "current" {}',
    '',
    'variable "admin_role_arn" {',
    '  type = string',
    '}',
    '',
  ];
  const list = (xs, indent) => xs.map((x) => `${indent}"${x}",`).join('\n');
  for (let k = 0; k < keys; k++) {
    const name = `service${String(k).padStart(2, '0')}`;
    const service = SERVICES[k % SERVICES.length];
    out.push(`resource "aws_iam_role" "${name}_app" {`, `  name               = "${name}-app"`, '  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json', '}', '');
    const form = k % 3;
    if (form === 0) {
      out.push(
        `resource "aws_kms_key" "${name}" {`,
        `  description         = "Data key for ${name}"`,
        '  enable_key_rotation = true',
        '  policy = jsonencode({',
        '    Version = "2012-10-17"',
        '    Statement = [',
        '      {',
        '        Sid       = "EnableIAMUserPermissions"',
        '        Effect    = "Allow"',
        '        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }',
        '        Action    = "kms:*"',
        '        Resource  = "*"',
        '      },',
        '      {',
        '        Sid       = "AllowAccessForKeyAdministrators"',
        '        Effect    = "Allow"',
        '        Principal = { AWS = var.admin_role_arn }',
        '        Action = [',
        list(ADMIN, '          '),
        '        ]',
        '        Resource = "*"',
        '      },',
        '      {',
        '        Sid       = "AllowUseOfTheKey"',
        '        Effect    = "Allow"',
        `        Principal = { AWS = aws_iam_role.${name}_app.arn }`,
        '        Action = [',
        list(USE, '          '),
        '        ]',
        '        Resource = "*"',
        '        Condition = {',
        `          StringEquals = { "kms:ViaService" = "${service}.eu-west-1.amazonaws.com" }`,
        '        }',
        '      },',
        '    ]',
        '  })',
        '}',
        '',
      );
    } else if (form === 1) {
      out.push(
        `resource "aws_kms_key" "${name}" {`,
        `  description         = "Data key for ${name}"`,
        '  enable_key_rotation = true',
        '}',
        '',
        `resource "aws_kms_key_policy" "${name}" {`,
        `  key_id = aws_kms_key.${name}.id`,
        '  policy = <<EOF',
        JSON.stringify(
          {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::${data.aws_caller_identity.current.account_id}:root' }, Action: 'kms:*', Resource: '*' },
              { Sid: 'AllowAccessForKeyAdministrators', Effect: 'Allow', Principal: { AWS: '${var.admin_role_arn}' }, Action: ADMIN, Resource: '*' },
              { Sid: 'AllowUseOfTheKey', Effect: 'Allow', Principal: { AWS: `\${aws_iam_role.${name}_app.arn}` }, Action: USE, Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `${service}.eu-west-1.amazonaws.com` } } },
            ],
          },
          null,
          2,
        ),
        'EOF',
        '}',
        '',
      );
    } else {
      out.push(
        `data "aws_iam_policy_document" "${name}_key" {`,
        '  statement {',
        '    sid     = "EnableIAMUserPermissions"',
        '    effect  = "Allow"',
        '    actions = ["kms:*"]',
        '    resources = ["*"]',
        '    principals {',
        '      type        = "AWS"',
        '      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]',
        '    }',
        '  }',
        '  statement {',
        '    sid       = "AllowAccessForKeyAdministrators"',
        '    effect    = "Allow"',
        `    actions   = [${ADMIN.map((a) => `"${a}"`).join(', ')}]`,
        '    resources = ["*"]',
        '    principals {',
        '      type        = "AWS"',
        '      identifiers = [var.admin_role_arn]',
        '    }',
        '  }',
        '  statement {',
        '    sid       = "AllowUseOfTheKey"',
        '    effect    = "Allow"',
        `    actions   = [${USE.map((a) => `"${a}"`).join(', ')}]`,
        '    resources = ["*"]',
        '    principals {',
        '      type        = "AWS"',
        `      identifiers = [aws_iam_role.${name}_app.arn]`,
        '    }',
        '    condition {',
        '      test     = "StringEquals"',
        '      variable = "kms:ViaService"',
        `      values   = ["${service}.eu-west-1.amazonaws.com"]`,
        '    }',
        '  }',
        '}',
        '',
        `resource "aws_kms_key" "${name}" {`,
        `  description         = "Data key for ${name}"`,
        '  enable_key_rotation = true',
        `  policy              = data.aws_iam_policy_document.${name}_key.json`,
        '}',
        '',
      );
    }
  }
  out.push(
    'data "aws_iam_policy_document" "lambda_assume" {',
    '  statement {',
    '    actions = ["sts:AssumeRole"]',
    '    principals {',
    '      type        = "Service"',
    '      identifiers = ["lambda.amazonaws.com"]',
    '    }',
    '  }',
    '}',
  );
  return out.join('\n') + '\n';
}

const files = {
  'typical.key-policy.json': text(typical()),
  'limit-32k.key-policy.json': largestUnder(32 * 1024),
  'stress-1mb.key-policy.json': largestUnder(1024 * 1024),
  'cloudformation-20-keys.yaml': cloudFormationYaml(20),
  'cloudformation-20-keys.json': cloudFormationJson(20),
  'terraform-20-keys.tf': terraform(20),
};
for (const [name, body] of Object.entries(files)) {
  writeFileSync(join(DOCS, name), body);
  console.log(`${name}: ${Buffer.byteLength(body)} bytes`);
}
