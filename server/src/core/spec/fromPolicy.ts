/**
 * "Create domain spec from key policy": a YAML spec that reflects who holds which capability
 * under the policy today, by the evaluator, for the user to tighten. What a spec cannot say
 * (partial capabilities, other conditions, service principals) is written as comments.
 */
import { expandAction, actionsOfCapability, CAPABILITIES, type Capability } from '../catalog/catalog';
import { effectiveAccess, evaluate, holds, type PrincipalAccess } from '../evaluate/index';
import type { PolicyDocument } from '../policy/model';
import { accountRootOf } from '../rewrite/account';
import { PRINCIPAL_NAME, shortName } from '../principal/check';
import { isAccountRoot } from '../principal/arn';
import { parseViaService } from './services';

export interface SpecFromPolicyOptions {
  /** The policy's file name (`orders.key-policy.json`): key.policy and the default domain name. */
  readonly policyFileName: string;
  readonly domain?: string;
}

export interface CreatedSpec {
  readonly text: string;
  /** `orders.kms-domain.yaml`, to write beside the policy. */
  readonly fileName: string;
  readonly domain: string;
}

const POLICY_SUFFIX = /(\.(key-policy|kms-policy))?\.json$/i;

/** `orders.key-policy.json` -> `orders`. */
export function domainNameFor(policyFileName: string): string {
  const base = policyFileName.slice(policyFileName.lastIndexOf('/') + 1).replace(POLICY_SUFFIX, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return clean || 'domain';
}

/** A YAML plain scalar when that reads back as the same string, else a double-quoted one. */
export function yamlScalar(s: string): string {
  const plain =
    /^[A-Za-z./][A-Za-z0-9_./@:+=,*?-]*$/.test(s) &&
    !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(s) &&
    !/: |:$/.test(s) &&
    !/[,[\]{}]/.test(s);
  return plain ? s : JSON.stringify(s);
}

function flowList(items: readonly string[]): string {
  return `[${items.map(yamlScalar).join(', ')}]`;
}

function isRootArn(v: string): boolean {
  return isAccountRoot(v);
}

/** Allow statements whose principals are only account roots: delegation to IAM. */
function delegates(policy: PolicyDocument): boolean {
  return policy.statements.some((s) => {
    if (s.effect?.value !== 'Allow') return false;
    const values = s.principal?.entries.flatMap((e) => (e.type === 'AWS' ? e.values.items.map((v) => v.value) : ['x'])) ?? [];
    return values.length > 0 && values.every(isRootArn);
  });
}

function hasDenyEveryoneElse(policy: PolicyDocument): boolean {
  return policy.statements.some((s) => s.effect?.value === 'Deny' && (s.condition?.clauses ?? []).some((c) => /Not/.test(c.operator.value) && c.key.value.toLowerCase() === 'aws:principalarn'));
}

function uniqueName(arn: string, kind: string, taken: Set<string>): string {
  let base = shortName(arn).replace(/[^A-Za-z0-9_.-]+/g, '-');
  if (!PRINCIPAL_NAME.test(base)) base = `p-${base}`.replace(/^p--+/, 'p-');
  if (!PRINCIPAL_NAME.test(base)) base = 'principal';
  let name = base;
  if (taken.has(name)) name = `${base}-${kind}`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

export function specFromPolicy(policy: PolicyDocument, options: SpecFromPolicyOptions): CreatedSpec {
  const domain = options.domain ?? domainNameFor(options.policyFileName);
  const named = effectiveAccess(policy).filter((p) => p.origin === 'named');
  const root = accountRootOf(policy, named.map((p) => p.principal));
  const account = root?.split(':')[4];
  const style = delegates(policy) ? 'delegate-to-iam' : 'key-policy-only';
  const keyOptions = account ? { keyAccount: account } : undefined;
  const access = effectiveAccess(policy, keyOptions).filter((p) => p.origin === 'named');
  const notes: string[] = [];
  const capabilityNotes: string[] = [];

  // Services: when every Allow that grants data actions limits them with kms:ViaService.
  const via = viaServices(policy);
  const services = via ? [...new Set(via.map((v) => parseViaService(v)?.service ?? v))] : [];
  const regions = via ? [...new Set(via.map((v) => parseViaService(v)?.region).filter((r): r is string => r !== undefined))] : [];
  const region = regions.length === 1 ? regions[0] : undefined;

  const taken = new Set<string>();
  const principals: { name: string; arn: string; caps: Capability[] }[] = [];
  const grants: string[] = [];
  for (const p of inListOrder(policy, access)) {
    if (p.kind === 'service') {
      const held = CAPABILITIES.filter((c) => holds(p, c, 'conditional') !== 'none');
      if (held.length) notes.push(`${p.principal} (an AWS service principal) holds ${held.join(', ')} today; a domain spec cannot grant to service principals.`);
      continue;
    }
    if (p.kind === 'root' && style === 'delegate-to-iam' && p.account === account) continue; // the style's root statement
    if (p.kind === 'other') continue;
    // In delegate-to-iam, every principal the policy exempts can get anything through IAM: that is the
    // style itself, so only what the policy grants directly counts. Other accounts always need IAM.
    const level = style === 'delegate-to-iam' && p.account === account ? 'allowed' : 'via-iam';
    const caps: Capability[] = [];
    for (const c of CAPABILITIES) {
      if (holds(p, c, level) !== 'none') caps.push(c);
      else if (actionsOfCapability(c).some((a) => p.actions[a.fullName].result === 'conditional')) {
        caps.push(c);
        if (!(services.length && (c === 'read-data' || c === 'write-data'))) capabilityNotes.push(`${shortName(p.principal)} holds ${c} today only under conditions this spec cannot express.`);
      }
    }
    const grantForResources = evaluate(policy, { principal: p.principal, action: 'kms:CreateGrant', context: { 'kms:GrantIsForAWSResource': true } }, keyOptions).result === 'allowed';
    if (caps.length === 0 && !grantForResources) continue;
    const name = uniqueName(p.principal, p.kind, taken);
    principals.push({ name, arn: p.principal, caps });
    if (grantForResources && !caps.includes('administer-resource')) grants.push(name);
    for (const c of caps) {
      const partial = partialNote(p, c, level);
      if (partial) capabilityNotes.push(`${name} ${partial}`);
    }
  }

  if (style === 'delegate-to-iam' && !hasDenyEveryoneElse(policy)) {
    notes.push('The policy delegates to IAM without DenyEveryoneElse; the policy generated from this spec denies everyone it does not name.');
  }
  if (!principals.some((p) => p.caps.includes('administer-resource'))) notes.push('Nobody administers this key today: add an administrator under administer-resource before generating.');

  const lines: string[] = [];
  lines.push(`# Created from ${options.policyFileName}: the access it grants today, by evaluation.`);
  lines.push('# Tighten it, then run "Generate key policy from domain spec" (or kms-policy generate --write).');
  for (const n of notes) lines.push(`# Note: ${n}`);
  lines.push(`domain: ${yamlScalar(domain)}`);
  if (account) lines.push(`account: "${account}"`);
  if (region) lines.push(`region: ${region}`);
  lines.push('key:');
  lines.push(`  policy: ${yamlScalar(`./${options.policyFileName.slice(options.policyFileName.lastIndexOf('/') + 1)}`)}`);
  lines.push(`  style: ${style}`);
  if (policy.id?.literal && policy.id.value) lines.push(`  id: ${yamlScalar(policy.id.value)}`);
  if (principals.length) {
    lines.push('principals:');
    for (const p of principals) lines.push(`  ${p.name}: ${yamlScalar(p.arn)}`);
  } else lines.push('principals: {}');
  lines.push('access:');
  for (const n of capabilityNotes) lines.push(`  # ${n}`);
  for (const c of CAPABILITIES) lines.push(`  ${c}: ${flowList(principals.filter((p) => p.caps.includes(c)).map((p) => p.name))}`);
  if (services.length) lines.push(`services: ${flowList(services)}`);
  if (grants.length) lines.push(`grantsForAWSResources: ${flowList(grants)}`);
  return { text: lines.join('\n') + '\n', fileName: `${domain}.kms-domain.yaml`, domain };
}

/** "holds 16 of 20 administer-resource actions today; the spec grants the other 4 too (ReplicateKey, ...)", when it holds only some. */
function partialNote(p: PrincipalAccess, c: Capability, level: 'allowed' | 'via-iam'): string | undefined {
  const all = actionsOfCapability(c).filter((a) => a.keyScoped);
  const counted = level === 'allowed' ? ['allowed', 'conditional'] : ['allowed', 'via-iam', 'conditional'];
  const held = all.filter((a) => counted.includes(p.actions[a.fullName].result));
  if (held.length === 0 || held.length === all.length) return undefined;
  const others = all.filter((a) => !held.includes(a));
  return `holds ${held.length} of ${all.length} ${c} actions today; the spec grants the other ${others.length} too (${others.slice(0, 4).map((a) => a.name).join(', ')}${others.length > 4 ? ', ...' : ''}).`;
}

/**
 * The principals in an order every statement's list agrees with (a generated policy lists them in
 * its spec's order in every statement), else in order of first appearance: so a policy generated
 * from a spec gives that spec back, and that spec the same bytes.
 */
function inListOrder(policy: PolicyDocument, access: readonly PrincipalAccess[]): PrincipalAccess[] {
  const lists: string[][] = [];
  for (const s of policy.statements) {
    for (const p of [s.principal, s.notPrincipal]) for (const e of p?.entries ?? []) lists.push(e.values.items.map((v) => v.value));
    for (const c of s.condition?.clauses ?? []) if (c.key.value.toLowerCase() === 'aws:principalarn') lists.push(c.values.items.map((v) => v.value));
  }
  const remaining = [...access];
  const out: PrincipalAccess[] = [];
  while (remaining.length) {
    // The first principal (by appearance) that no remaining principal must precede.
    const next = remaining.find((p) => !lists.some((l) => {
      const i = l.indexOf(p.principal);
      return i > 0 && l.slice(0, i).some((q) => remaining.some((r) => r !== p && r.principal === q));
    })) ?? remaining[0];
    out.push(next);
    remaining.splice(remaining.indexOf(next), 1);
  }
  return out;
}

/** The kms:ViaService values, when every Allow that grants data actions is limited by them; else undefined. */
function viaServices(policy: PolicyDocument): string[] | undefined {
  const data = new Set([...actionsOfCapability('read-data'), ...actionsOfCapability('write-data')].map((a) => a.fullName.toLowerCase()));
  const values: string[] = [];
  let any = false;
  for (const s of policy.statements) {
    if (s.effect?.value !== 'Allow') continue;
    const actions = s.action?.items.map((i) => i.value.toLowerCase()) ?? [];
    const grantsData = actions.some((a) => expandAction(a).some((x) => data.has(x.fullName.toLowerCase())));
    if (!grantsData) continue;
    const values1 = (s.condition?.clauses ?? []).filter((c) => c.key.value.toLowerCase() === 'kms:viaservice' && /^String(Equals|Like)/.test(c.operator.value)).flatMap((c) => c.values.items.map((v) => v.value));
    if (values1.length === 0) {
      // The root delegation does not count: IAM decides there.
      const principalValues = s.principal?.entries.flatMap((e) => e.values.items.map((v) => v.value)) ?? [];
      if (principalValues.length && principalValues.every(isRootArn)) continue;
      return undefined;
    }
    any = true;
    values.push(...values1);
  }
  return any ? values : undefined;
}
