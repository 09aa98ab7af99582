/**
 * The key policy a spec generates, with the rewrite's own generator (leastPrivilegeStatements /
 * generatePolicyText): the same spec always gives the same bytes, and a spec without services or
 * grants gives exactly what `kms-policy fix --least-privilege` would write for the same assignment.
 *
 * `services` and `grantsForAWSResources` are added here, as a post-processing of the generated
 * statements (the rewrite has no such options):
 * - services: the read-data and write-data statements get `kms:ViaService` (StringEquals with a
 *   region, StringLike `s3.*.amazonaws.com` without);
 * - grants: one more Allow of CreateGrant, ListGrants and RevokeGrant to those principals, with
 *   `"Bool": {"kms:GrantIsForAWSResource": "true"}`, before DenyEveryoneElse (which exempts them).
 */
import { actionsOfCapability, type Capability } from '../catalog/catalog';
import { POLICY_VERSION } from '../policy/grammar';
import type { PolicyDocument } from '../policy/model';
import { parsePolicy } from '../policy/parse';
import { blockJson, detectFormatting, setValue, type Edit } from '../rewrite/edits';
import { generatePolicyText, leastPrivilegeStatements, LockoutError, rewriteEdits, survivingSids, type LeastPrivilegeOptions, type SidMemory } from '../rewrite/leastPrivilege';
import { allowStatement, type Json } from '../rewrite/statements';
import type { DomainSpec } from './model';
import { resolveSpec, type ResolvedSpec } from './resolve';

export const GRANT_ACTIONS = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'] as const;
export const GRANTS_SID = 'AllowRestrictedGrantsForAWSResources';
const DATA_CAPABILITIES: readonly Capability[] = ['read-data', 'write-data'];

export function leastPrivilegeOptions(r: ResolvedSpec): LeastPrivilegeOptions {
  return { style: r.style, principalForm: r.principalForm, accountRoot: r.accountRoot, keepPaths: false };
}

/** Whether the spec needs more than the rewrite's generator gives. */
export function hasExtras(r: ResolvedSpec): boolean {
  return r.viaServices.length > 0 || r.grants.length > 0;
}

type Statement = { [key: string]: Json };

const DATA_ACTIONS = new Set(DATA_CAPABILITIES.flatMap((c) => actionsOfCapability(c).map((a) => a.fullName)));

function isDataStatement(s: Statement): boolean {
  const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
  return s.Effect === 'Allow' && actions.length > 0 && actions.every((a) => typeof a === 'string' && DATA_ACTIONS.has(a));
}

/** The statements of the spec's policy. Throws LockoutError when no principal administers. */
export function specStatements(r: ResolvedSpec, keep?: SidMemory & { grants?: string }): Statement[] {
  const statements = leastPrivilegeStatements(r.assignment, leastPrivilegeOptions(r), keep);
  if (r.viaServices.length) {
    const operator = r.viaServices.some((v) => /[*?]/.test(v)) ? 'StringLike' : 'StringEquals';
    for (const s of statements) {
      if (!isDataStatement(s)) continue;
      const condition = (s.Condition && typeof s.Condition === 'object' && !Array.isArray(s.Condition) ? s.Condition : {}) as { [key: string]: Json };
      condition[operator] = { 'kms:ViaService': [...r.viaServices] };
      s.Condition = condition;
    }
  }
  if (r.grants.length) {
    const grant = allowStatement(keep?.grants ?? GRANTS_SID, ['read-config'], r.grants, r.principalForm);
    grant.Action = [...GRANT_ACTIONS];
    const condition = (grant.Condition ?? {}) as { [key: string]: Json };
    condition.Bool = { 'kms:GrantIsForAWSResource': 'true' };
    grant.Condition = condition;
    const deny = statements.findIndex((s) => s.Effect === 'Deny');
    statements.splice(deny < 0 ? statements.length : deny, 0, grant);
  }
  return statements;
}

export type Generated =
  | { readonly ok: true; readonly text: string; readonly resolved: ResolvedSpec; readonly policy: PolicyDocument }
  | { readonly ok: false; readonly error: string; readonly resolved: ResolvedSpec };

const generatedCache = new WeakMap<DomainSpec, Generated>();

/**
 * The policy text the spec generates (and its parse, for drift), or why it cannot. Cached per
 * parse of the spec. Same spec, same bytes: two spaces, `\n`, a final newline.
 */
export function generateFromSpec(spec: DomainSpec): Generated {
  let g = generatedCache.get(spec);
  if (!g) generatedCache.set(spec, (g = generate(spec)));
  return g;
}

function generate(spec: DomainSpec): Generated {
  const { resolved } = resolveSpec(spec);
  if (resolved.blockers.length) return { ok: false, resolved, error: `The domain spec has errors: ${resolved.blockers.slice(0, 3).join('; ')}${resolved.blockers.length > 3 ? `; and ${resolved.blockers.length - 3} more` : ''}.` };
  try {
    const text = generateText(resolved);
    return { ok: true, text, resolved, policy: parsePolicy(text) };
  } catch (e) {
    if (e instanceof LockoutError) return { ok: false, resolved, error: e.message };
    return { ok: false, resolved, error: e instanceof Error ? e.message : String(e) };
  }
}

function generateText(r: ResolvedSpec): string {
  if (!hasExtras(r)) return generatePolicyText(r.assignment, leastPrivilegeOptions(r), r.id);
  const policy: { [key: string]: Json } = { Version: POLICY_VERSION };
  if (r.id) policy.Id = r.id;
  policy.Statement = specStatements(r);
  return JSON.stringify(policy, null, 2) + '\n';
}

/**
 * Edits that rewrite a policy from its spec, keeping the rest of the document and its formatting
 * (the drift quick fix). Without services or grants this is exactly `rewriteEdits` with the
 * spec's assignment and style; with them, the same edit shape with the extra conditions and
 * statement. Throws LockoutError like the rewrite.
 */
export function specRewriteEdits(policy: PolicyDocument, r: ResolvedSpec): Edit[] {
  if (!hasExtras(r)) return rewriteEdits(policy, r.assignment, leastPrivilegeOptions(r));
  const keep = { ...survivingSids(policy), grants: grantsSid(policy) };
  const statements = specStatements(r, keep);
  if (policy.root?.type !== 'object') {
    const f = detectFormatting(policy.text);
    const whole: { [key: string]: Json } = { Version: POLICY_VERSION };
    if (r.id) whole.Id = r.id;
    whole.Statement = statements;
    return [{ offset: 0, length: policy.text.length, content: blockJson(whole, '', f) + f.eol }];
  }
  const edits = setValue(policy.text, ['Statement'], statements);
  if (!policy.version) edits.unshift(...setValue(policy.text, ['Version'], POLICY_VERSION, 0));
  return edits;
}

/** The Sid of an existing grants-for-AWS-resources statement, so a rewrite keeps it. */
function grantsSid(policy: PolicyDocument): string | undefined {
  for (const s of policy.statements) {
    if (s.effect?.value !== 'Allow' || !s.sid?.literal) continue;
    if (s.condition?.clauses.some((c) => c.key.value.toLowerCase() === 'kms:grantisforawsresource' && c.values.items.some((v) => v.value.toLowerCase() === 'true'))) return s.sid.value;
  }
  return undefined;
}
