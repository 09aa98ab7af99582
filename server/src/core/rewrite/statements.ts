/**
 * Builders for the statements of a least-privilege key policy, in k9's form. The completion
 * snippets use them today; the least-privilege rewriter and the domain spec generator use the
 * same builders, so every place writes the same statements.
 */
import { actionsOfCapability, CAPABILITIES, type Capability } from '../catalog/catalog';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type PrincipalForm = 'k9' | 'explicit';

const SID: Record<Capability, string> = {
  'administer-resource': 'AllowRestrictedAdministerResource',
  'read-config': 'AllowRestrictedReadConfig',
  'read-data': 'AllowRestrictedReadData',
  'write-data': 'AllowRestrictedWriteData',
  'delete-data': 'AllowRestrictedDeleteData',
};

export function sidFor(capability: Capability): string {
  return SID[capability];
}

/** The `kms:` actions of these capabilities, in catalog order, capabilities in canonical order. */
export function actionsFor(capabilities: readonly Capability[]): string[] {
  return CAPABILITIES.filter((c) => capabilities.includes(c)).flatMap((c) => actionsOfCapability(c).map((a) => a.fullName));
}

function hasWildcard(arns: readonly string[]): boolean {
  return arns.some((a) => /[*?]/.test(a));
}

/** An Allow statement granting the actions of `capabilities` to exactly `principals`. */
export function allowStatement(
  sid: string,
  capabilities: readonly Capability[],
  principals: readonly string[],
  form: PrincipalForm = 'k9',
): { [key: string]: Json } {
  const arns = [...principals];
  const base: { [key: string]: Json } = { Sid: sid, Effect: 'Allow' };
  if (form === 'explicit') {
    base.Principal = { AWS: arns.length === 1 ? arns[0] : arns };
    base.Action = actionsFor(capabilities);
    base.Resource = '*';
    return base;
  }
  base.Principal = { AWS: '*' };
  base.Action = actionsFor(capabilities);
  base.Resource = '*';
  base.Condition = { [hasWildcard(arns) ? 'ArnLike' : 'ArnEquals']: { 'aws:PrincipalArn': arns } };
  return base;
}

/**
 * The DenyEveryoneElse statement: deny every KMS action to any principal whose ARN is not one
 * of `allowed`. Two carve-outs keep AWS integrations working: calls made by AWS service
 * principals themselves, and grants that S3, EBS or RDS create for an allowed principal; `via`
 * adds a third for calls made through the services of kept via-service paths.
 */
export function denyEveryoneElse(allowed: readonly string[], via?: { readonly operator: string; readonly values: readonly string[] }): { [key: string]: Json } {
  const deny: { [key: string]: Json } = {
    Sid: 'DenyEveryoneElse',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:*',
    Resource: '*',
    Condition: {
      [hasWildcard(allowed) ? 'ArnNotLike' : 'ArnNotEquals']: { 'aws:PrincipalArn': [...allowed] },
      // aws:PrincipalIsAWSService is in every request. kms:GrantIsForAWSResource is only in
      // grant requests, so it needs IfExists: a plain Bool on an absent key is false, which
      // would switch the whole Deny off for Decrypt, Encrypt and every other action.
      Bool: { 'aws:PrincipalIsAWSService': 'false' },
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' },
    },
  };
  // Calls made through the services of kept via-service paths (kms:ViaService is only in those
  // requests): the Allows decide them, so the Deny does not cancel the paths (docs/rewrite.md).
  if (via?.values.length) (deny.Condition as { [key: string]: Json })[via.operator] = { 'kms:ViaService': [...via.values] };
  return deny;
}

/**
 * The companion of a DenyEveryoneElse that exempts calls through `services` (kept via-service
 * paths): through those services, everyone else is still denied every action but `actions`.
 */
export function denyOtherActionsThrough(allowed: readonly string[], services: readonly string[], actions: readonly string[], like: boolean, suffix = ''): { [key: string]: Json } {
  return {
    Sid: `DenyEveryoneElseThroughServices${suffix}`,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    NotAction: [...actions],
    Resource: '*',
    Condition: {
      [hasWildcard(allowed) ? 'ArnNotLike' : 'ArnNotEquals']: { 'aws:PrincipalArn': [...allowed] },
      Bool: { 'aws:PrincipalIsAWSService': 'false' },
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false' },
      [like ? 'StringLike' : 'StringEquals']: { 'kms:ViaService': [...services] },
    },
  };
}
