/**
 * Generated broad key policies, as people write them: named principals (directly or k9-style
 * through aws:PrincipalArn), wildcards, a DenyEveryoneElse, root delegation, and paths by and
 * through AWS services (service principals, "*" limited to services, kms:ViaService paths,
 * grants for AWS resources). Shared by the rewrite's property test and the access diff's.
 */
import fc from 'fast-check';
import { CAPABILITIES, kmsActions } from '../../server/src/core/catalog/catalog';

const NAMES = kmsActions.map((a) => a.fullName);

export const ACCT = '111122223333';
export const ROOT = `arn:aws:iam::${ACCT}:root`;
export const POOL = ['role/ci', 'role/appA', 'user/person1', 'role/worker', 'user/admin2'].map((p) => `arn:aws:iam::${ACCT}:${p}`);
export const PROBES = [...POOL, ROOT, `arn:aws:iam::${ACCT}:role/someone-else`, 'arn:aws:iam::999999999999:role/outsider', 's3.amazonaws.com'];
export const WILDCARDS = ['kms:*', 'kms:Generate*', 'kms:*Key*', 'kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:Re*', '*'];


const principalsArb = fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 });
const actionsArb = fc.oneof(fc.constantFrom(...WILDCARDS), fc.uniqueArray(fc.constantFrom(...NAMES, ...WILDCARDS), { minLength: 1, maxLength: 6 }));
const allowArb = fc.record({ principals: principalsArb, actions: actionsArb, k9: fc.boolean() }).map(({ principals, actions, k9 }) =>
  k9
    ? { Effect: 'Allow', Principal: { AWS: '*' }, Action: actions, Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': principals } } }
    : { Effect: 'Allow', Principal: { AWS: principals.length === 1 ? principals[0] : principals }, Action: actions, Resource: '*' },
);
const denyArb = fc.uniqueArray(fc.constantFrom(ROOT, ...POOL), { minLength: 1, maxLength: 6 }).map((exempt) => ({
  Sid: 'DenyEveryoneElse',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:*',
  Resource: '*',
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': exempt }, Bool: { 'aws:PrincipalIsAWSService': 'false' } },
}));
export const SERVICES = ['cloudtrail.amazonaws.com', 'logs.us-east-1.amazonaws.com', 'delivery.logs.amazonaws.com'];
export const VIA = ['ec2.us-east-1.amazonaws.com', 's3.us-east-1.amazonaws.com', 'rds.us-east-1.amazonaws.com'];
export const DATA_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'];
/** A path by or through AWS services, as people write them. `probe`: who uses it, with the request context that makes its conditions hold. */
export interface ServicePath {
  readonly statement: Record<string, unknown>;
  readonly probe: { principal: string; context: Record<string, string> };
}
const servicePathArb: fc.Arbitrary<ServicePath> = fc.oneof(
  // A service principal, with or without source conditions.
  fc.record({ service: fc.constantFrom(...SERVICES), actions: fc.uniqueArray(fc.constantFrom(...DATA_ACTIONS), { minLength: 1, maxLength: 3 }), source: fc.boolean() }).map(({ service, actions, source }) => ({
    statement: { Effect: 'Allow', Principal: { Service: service }, Action: actions, Resource: '*', ...(source ? { Condition: { StringEquals: { 'aws:SourceAccount': ACCT } } } : {}) },
    probe: { principal: service, context: (source ? { 'aws:SourceAccount': ACCT } : {}) as Record<string, string> },
  })),
  // "*" limited to AWS services.
  fc.record({ actions: fc.uniqueArray(fc.constantFrom(...DATA_ACTIONS), { minLength: 1, maxLength: 3 }), bySource: fc.boolean() }).map(({ actions, bySource }) => ({
    // (aws:PrincipalIsAWSService alone would let any service act for any account: the public-key rule says so, rightly.)
    statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: actions, Resource: '*', Condition: bySource ? { StringEquals: { 'aws:SourceAccount': ACCT } } : { Bool: { 'aws:PrincipalIsAWSService': 'true' }, StringEquals: { 'aws:SourceAccount': ACCT } } },
    probe: { principal: 'config.amazonaws.com', context: { 'aws:SourceAccount': ACCT } as Record<string, string> },
  })),
  // "*" through a service, in the account.
  fc.record({ via: fc.constantFrom(...VIA), actions: fc.uniqueArray(fc.constantFrom(...DATA_ACTIONS), { minLength: 1, maxLength: 6 }) }).map(({ via, actions }) => ({
    statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: actions, Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': ACCT, 'kms:ViaService': via } } },
    probe: { principal: `arn:aws:iam::${ACCT}:role/someone-else`, context: { 'kms:ViaService': via } },
  })),
  // Grants for AWS resources (EBS, RDS) by named principals.
  fc.constantFrom(...POOL).map((p) => ({
    statement: { Effect: 'Allow', Principal: { AWS: p }, Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'], Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    probe: { principal: p, context: { 'kms:GrantIsForAWSResource': 'true' } },
  })),
);
export interface Case {
  readonly text: string;
  /** Sid -> how the path is used. */
  readonly paths: ReadonlyMap<string, ServicePath['probe']>;
}
export const policyArb: fc.Arbitrary<Case> = fc
  .record({
    root: fc.boolean(),
    // Root delegation alone (and services): an AWS-default policy, whose assignment names principals anew.
    rootAlone: fc.boolean(),
    allows: fc.array(allowArb, { minLength: 1, maxLength: 4 }),
    services: fc.array(servicePathArb, { maxLength: 3 }),
    deny: fc.option(denyArb, { nil: undefined }),
    indent: fc.constantFrom(2, 4, '\t'),
  })
  .map(({ root, rootAlone, allows, services, deny, indent }) => {
    const statements: object[] = [];
    const alone = rootAlone && services.length > 0;
    if (root || alone) statements.push({ Sid: 'RootDelegation', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' });
    if (!alone) statements.push(...allows.map((s, i) => ({ Sid: `Grant${i}`, ...s })));
    const paths = new Map<string, ServicePath['probe']>();
    services.forEach((p, i) => {
      statements.push({ Sid: `Service${i}`, ...p.statement });
      paths.set(`Service${i}`, p.probe);
    });
    if (deny && !alone) statements.push(deny);
    return { text: JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, indent), paths };
  });
export const capsArb = fc.subarray([...CAPABILITIES]);
