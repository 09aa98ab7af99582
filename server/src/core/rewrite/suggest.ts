/**
 * A suggested capability assignment for the principals of a broad policy, built from what each
 * holds today and from its name (`ci`, `deploy`, `admin`, `terraform` administer; `app`,
 * `service`, `lambda`, `worker` use data). The user confirms or edits it before any rewrite.
 */
import { actionsOfCapability, CAPABILITIES, type Capability } from '../catalog/catalog';
import { effectiveAccess, type PrincipalAccess } from '../evaluate/index';
import type { PolicyDocument } from '../policy/model';
import type { Assignment } from './leastPrivilege';

export interface PrincipalSuggestion {
  readonly principal: string;
  /** Capabilities its own statements give it today (administration: whole, or kms:PutKeyPolicy). */
  readonly current: readonly Capability[];
  readonly suggested: readonly Capability[];
  readonly reason: string;
}

const ADMIN_NAME = /(^|[^a-z])(ci|cd|deploy\w*|admin\w*|terraform|pipeline|infra\w*|platform)([^a-z]|$)/i;
const DATA_NAME = /(^|[^a-z])(app\w*|service|svc|lambda|worker|api|consumer|producer|job)([^a-z]|$)|app[A-Z0-9]/;
const ADMIN: Capability[] = ['administer-resource', 'read-config'];
const DATA: Capability[] = ['read-data', 'write-data'];

function nameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * The capabilities it holds through statements that name it (what root delegation lets every IAM
 * principal of the account get is no reason to give it more). Administration counts only when it
 * holds all of it, or kms:PutKeyPolicy (which amounts to all of it): a kms:CreateGrant beside
 * Decrypt does not make an application an administrator.
 */
function heldCapabilities(p: PrincipalAccess): Capability[] {
  const named = new Set(p.namedIn);
  return CAPABILITIES.filter((c) => {
    const actions = actionsOfCapability(c);
    const held = actions.filter((a) => {
      const d = p.decisionOf(a);
      return (d.result === 'allowed' || d.result === 'via-iam') && d.statements.some((i) => named.has(i));
    });
    if (held.length === 0) return false;
    return c !== 'administer-resource' || held.length === actions.length || held.some((a) => a.fullName === 'kms:PutKeyPolicy');
  });
}

/** Does any suggestion give the key an administrator? Without one the rewrite would lock the key: it asks instead. */
export function suggestsAdministrator(suggestions: readonly PrincipalSuggestion[]): boolean {
  return suggestions.some((s) => s.suggested.includes('administer-resource'));
}

/** People and workloads the policy names: roles, users and sessions (not account roots or services). */
export function namedWorkloads(policy: PolicyDocument): PrincipalAccess[] {
  return effectiveAccess(policy).filter((p) => p.origin === 'named' && (p.kind === 'role' || p.kind === 'user' || p.kind === 'session'));
}

export function suggestAssignment(policy: PolicyDocument): PrincipalSuggestion[] {
  const out = namedWorkloads(policy).map((p): PrincipalSuggestion => {
    const current = heldCapabilities(p);
    const name = nameOf(p.principal);
    const has = (c: Capability) => current.includes(c);
    if (ADMIN_NAME.test(name) && has('administer-resource')) {
      return { principal: p.principal, current, suggested: ADMIN, reason: `"${name}" looks like a deployment or admin principal: administer the key and read its configuration` };
    }
    if (DATA_NAME.test(name) && (has('read-data') || has('write-data'))) {
      return { principal: p.principal, current, suggested: DATA.filter(has), reason: `"${name}" looks like an application: read and write data only` };
    }
    // No hint from the name: keep what it holds, except destroying key material, which nobody gets by default.
    const kept = current.filter((c) => c !== 'delete-data');
    return { principal: p.principal, current, suggested: kept, reason: 'keeps what it holds today, without delete-data' };
  });
  // Never suggest a lockout: if nobody would administer, keep it for those who administer today.
  if (!out.some((s) => s.suggested.includes('administer-resource'))) {
    return out.map((s) =>
      s.current.includes('administer-resource') ? { ...s, suggested: [...new Set<Capability>(['administer-resource', 'read-config', ...s.suggested])], reason: `${s.reason}; keeps administer-resource so the key is not locked` } : s,
    );
  }
  return out;
}

export function toAssignment(suggestions: readonly { principal: string; suggested: readonly Capability[] }[]): Assignment {
  return new Map(suggestions.filter((s) => s.suggested.length > 0).map((s) => [s.principal, new Set(s.suggested)]));
}
