/**
 * Drift between a spec and the key policy it governs, decided by the evaluator: the spec's
 * generated policy is what the key policy should grant, and every principal (named by either, plus
 * the evaluator's stand-ins for principals nobody names) is compared action by action.
 *
 * Requests compared:
 * - every key-scoped KMS action, with no context;
 * - CreateGrant, ListGrants and RevokeGrant for an AWS resource (`kms:GrantIsForAWSResource` true);
 * - with `services`: every data action through each spec service, each service the policy names,
 *   and one service the spec does not list (`kms:ViaService`).
 * A denial and "nothing allows it" count the same; via-iam ranks below allowed.
 */
import { actionsOfCapability, CAPABILITIES, findAction, kmsActions, type Capability, type KmsAction } from '../catalog/catalog';
import { effectiveAccess, RESULT_RANK, type AccessResult, type ContextValue, type Decision, type PrincipalAccess } from '../evaluate/index';
import { actionIndex, callerState, compilePolicy, decide as decideAction, ownAccountsFor, type CallerState, type CompiledPolicy } from '../evaluate/evaluate';
import type { PolicyDocument, ScalarValue, Span, Statement } from '../policy/model';
import type { DomainSpec, SpecScalar } from './model';
import { generateFromSpec, GRANT_ACTIONS } from './generate';
import { accountRoot, checkPrincipal, looksLikeArn, shortName } from '../principal/check';
import type { ResolvedSpec } from './resolve';
import type { ElsewhereRef, RawDomainFinding } from './rules';
import { parseViaService, VIA_SERVICES } from './services';

export type Direction = 'extra' | 'missing';

interface Request {
  readonly action: KmsAction;
  readonly context?: Readonly<Record<string, ContextValue>>;
  /** `grant`: a grant for an AWS resource; `via`: through a service (the kms:ViaService value). */
  readonly kind: 'plain' | 'grant' | 'via';
  readonly via?: string;
}

export interface Difference {
  readonly principal: string;
  readonly direction: Direction;
  readonly capability: Capability;
  readonly action: KmsAction;
  readonly kind: Request['kind'];
  readonly via?: string;
  readonly expected: Decision;
  readonly actual: Decision;
}

export interface PrincipalInfo {
  readonly principal: string;
  readonly kind: PrincipalAccess['kind'];
  readonly account?: string;
  readonly origin: PrincipalAccess['origin'];
}

export interface Comparison {
  readonly differences: readonly Difference[];
  readonly principals: ReadonlyMap<string, PrincipalInfo>;
}

const DATA: readonly Capability[] = ['read-data', 'write-data'];
const KEY_SCOPED = kmsActions.filter((a) => a.keyScoped);
const DATA_ACTIONS = KEY_SCOPED.filter((a) => DATA.includes(a.capability));

function none(r: AccessResult): AccessResult {
  return r === 'denied' ? 'not-allowed' : r;
}

/** Something to compare with: a kms:ViaService value with a concrete region. */
function concrete(value: string, region: string | undefined): string {
  return value.replace(/\*|\?/g, () => region ?? 'us-east-1');
}

function viaServicesIn(policy: PolicyDocument): string[] {
  const out: string[] = [];
  for (const s of policy.statements) for (const c of s.condition?.clauses ?? []) if (c.key.value.toLowerCase() === 'kms:viaservice') for (const v of c.values.items) out.push(v.value);
  return out;
}

function testsKey(policy: PolicyDocument, lowerKey: string): boolean {
  return policy.statements.some((s) => s.condition?.clauses.some((c) => c.key.value.toLowerCase() === lowerKey));
}

function requestsFor(r: ResolvedSpec, actual: PolicyDocument, expected: PolicyDocument): Request[] {
  const out: Request[] = KEY_SCOPED.map((action) => ({ action, kind: 'plain' as const }));
  // A grant for an AWS resource decides differently only where a condition tests for it.
  if (testsKey(actual, 'kms:grantisforawsresource') || testsKey(expected, 'kms:grantisforawsresource')) {
    for (const name of GRANT_ACTIONS) out.push({ action: findAction(name)!, context: { 'kms:GrantIsForAWSResource': true }, kind: 'grant' });
  }
  if (r.viaServices.length) {
    const region = r.viaServices.map((v) => parseViaService(v)?.region).find((x) => x !== undefined);
    const values = new Set<string>(r.viaServices.map((v) => concrete(v, region)));
    for (const v of viaServicesIn(actual)) values.add(concrete(v, region));
    const listed = new Set([...values].map((v) => parseViaService(v)?.service));
    const other = VIA_SERVICES.find((s) => !listed.has(s.name));
    if (other) values.add(`${other.name}.${region ?? 'us-east-1'}.amazonaws.com`);
    for (const via of values) for (const action of DATA_ACTIONS) out.push({ action, context: { 'kms:ViaService': via }, kind: 'via', via });
  }
  return out;
}

/** The key's account for evaluation: the spec's, else the account of its first principal. */
function keyAccountOf(r: ResolvedSpec): string | undefined {
  if (r.account) return r.account;
  for (const arn of r.assignment.keys()) {
    const a = arn.split(':')[4];
    if (a && /^\d{12}$/.test(a)) return a;
  }
  return undefined;
}

const comparisons = new WeakMap<PolicyDocument, WeakMap<DomainSpec, Comparison>>();

/**
 * Compares a policy with what a spec generates. Undefined when the spec cannot generate (it has
 * errors). Cached per (policy parse, spec parse): the policy's diagnostics and the spec's share it.
 */
export function compareWithSpec(actual: PolicyDocument, spec: DomainSpec): Comparison | undefined {
  const g = generateFromSpec(spec);
  if (!g.ok) return undefined;
  let bySpec = comparisons.get(actual);
  if (!bySpec) comparisons.set(actual, (bySpec = new WeakMap()));
  let c = bySpec.get(spec);
  if (!c) bySpec.set(spec, (c = compare(actual, g.policy, g.resolved)));
  return c;
}

/** Decisions for one policy, with the caller state built once per principal and context. */
class Decider {
  private readonly compiled: CompiledPolicy;
  private readonly own: ReadonlySet<string> | undefined;
  private readonly listed: Map<string, PrincipalAccess>;
  private readonly states = new Map<string, CallerState>();

  constructor(policy: PolicyDocument, access: readonly PrincipalAccess[], keyAccount: string | undefined) {
    this.compiled = compilePolicy(policy);
    this.own = ownAccountsFor(this.compiled, keyAccount ? { keyAccount } : undefined);
    this.listed = new Map(access.map((p) => [p.principal, p]));
  }

  decide(principal: string, q: Request): Decision {
    const listed = this.listed.get(principal);
    if (q.kind === 'plain' && listed) return listed.actions[q.action.fullName];
    const key = `${principal}\u0000${q.kind}\u0000${q.via ?? ''}`;
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = callerState(this.compiled, principal, this.own, q.context)));
    return decideAction(this.compiled, state, actionIndex.get(q.action)!, q.action.fullName);
  }
}

function compare(actual: PolicyDocument, expected: PolicyDocument, r: ResolvedSpec): Comparison {
  const keyAccount = keyAccountOf(r);
  const options = keyAccount ? { keyAccount } : undefined;
  const actualAccess = effectiveAccess(actual, options);
  const expectedAccess = effectiveAccess(expected, options);
  const principals = new Map<string, PrincipalInfo>();
  const add = (p: PrincipalAccess) => {
    if (!principals.has(p.principal)) principals.set(p.principal, { principal: p.principal, kind: p.kind, account: p.account, origin: p.origin });
  };
  // Spec principals first (messages follow the spec's order), then the policy's, then stand-ins.
  expectedAccess.filter((p) => p.origin === 'named').forEach(add);
  actualAccess.filter((p) => p.origin === 'named').forEach(add);
  expectedAccess.forEach(add);
  actualAccess.forEach(add);
  const actualDecider = new Decider(actual, actualAccess, keyAccount);
  const expectedDecider = new Decider(expected, expectedAccess, keyAccount);
  const requests = requestsFor(r, actual, expected);
  const differences: Difference[] = [];
  for (const info of principals.values()) {
    for (const q of requests) {
      const exp = expectedDecider.decide(info.principal, q);
      const act = actualDecider.decide(info.principal, q);
      const e = RESULT_RANK[none(exp.result)];
      const a = RESULT_RANK[none(act.result)];
      if (a === e) continue;
      differences.push({ principal: info.principal, direction: a > e ? 'extra' : 'missing', capability: q.action.capability, action: q.action, kind: q.kind, via: q.via, expected: exp, actual: act });
    }
  }
  return { differences, principals };
}

// ---- findings on the policy ------------------------------------------------------------------

export interface GoverningSpec {
  /** The spec's URI (for related information and the quick fix). */
  readonly uri: string;
  readonly spec: DomainSpec;
}

const REPRESENTATIVE: Record<Capability, string> = {
  'administer-resource': 'PutKeyPolicy',
  'read-config': 'DescribeKey',
  'read-data': 'Decrypt',
  'write-data': 'Encrypt',
  'delete-data': 'DeleteImportedKeyMaterial',
};

function sortActions(actions: readonly KmsAction[]): KmsAction[] {
  const unique = [...new Set(actions)];
  const capRank = (a: KmsAction) => CAPABILITIES.indexOf(a.capability);
  return unique.sort((a, b) => capRank(a) - capRank(b) || (a.name === REPRESENTATIVE[a.capability] ? -1 : b.name === REPRESENTATIVE[b.capability] ? 1 : kmsActions.indexOf(a) - kmsActions.indexOf(b)));
}

/** `Decrypt`, `Decrypt and Verify`, `Decrypt and 3 more read-data actions`. */
/** `Decrypt`, `Decrypt and Verify`, `Decrypt (+3 more read-data actions)`. */
function actionPhrase(actions: readonly KmsAction[], joiner = 'and'): string {
  const sorted = sortActions(actions);
  if (sorted.length === 1) return sorted[0].name;
  if (sorted.length === 2) return `${sorted[0].name} ${joiner} ${sorted[1].name}`;
  const caps = new Set(sorted.map((a) => a.capability));
  const kind = caps.size === 1 ? `${[...caps][0]} ` : '';
  return `${sorted[0].name} (+${sorted.length - 1} more ${kind}actions)`;
}

/** `a`, `a and b`, `a, b and c` (a joiner starting with a comma joins every item with it: `a, and b`). */
function list(items: readonly string[], joiner = 'and'): string {
  if (items.length <= 1) return items.join('');
  if (joiner.startsWith(',')) return items.join(`${joiner} `).replace(new RegExp(`${joiner}(?=.*${joiner})`, 'g'), ',');
  return `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1]}`;
}

interface Naming {
  /** Subject at the start of a sentence. */
  readonly subject: string;
  /** The same, mid-sentence. */
  readonly object: string;
  readonly standIn: boolean;
}

function naming(info: PrincipalInfo, r: ResolvedSpec): Naming {
  const specName = r.nameOfArn.get(info.principal);
  if (specName) return { subject: specName, object: specName, standIn: false };
  switch (info.origin) {
    case 'unnamed-same-account':
      return { subject: `Any principal in account ${info.account} that an IAM policy allows`, object: `principals in account ${info.account}`, standIn: true };
    case 'unnamed-other-account':
      return { subject: 'Principals in other AWS accounts', object: 'principals in other accounts', standIn: true };
    case 'unnamed-service':
      return { subject: 'AWS services this policy does not name', object: 'AWS services', standIn: true };
    default:
      break;
  }
  if (info.kind === 'root') return { subject: `The root user of account ${info.account}`, object: `the root user of ${info.account}`, standIn: false };
  const name = info.kind === 'service' ? info.principal : shortName(info.principal);
  return { subject: name, object: name, standIn: false };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Principal-naming values in a statement, for a precise span. */
function mentions(s: Statement): ScalarValue[] {
  const out: ScalarValue[] = [];
  for (const p of [s.principal, s.notPrincipal]) {
    if (p?.bare) out.push(p.bare);
    for (const e of p?.entries ?? []) out.push(...e.values.items);
  }
  for (const c of s.condition?.clauses ?? []) {
    const k = c.key.value.toLowerCase();
    if (k === 'aws:principalarn' || k === 'aws:principalaccount' || k === 'kms:calleraccount') out.push(...c.values.items);
  }
  return out;
}

function statementHead(s: Statement): Span {
  return s.sid?.span ?? s.effect?.span ?? { start: s.span.start, end: s.span.start + 1 };
}

function statementLabel(s: Statement): string {
  return s.sid?.literal && s.sid.value ? `statement "${s.sid.value}"` : `statement ${s.index + 1}`;
}

/** Where a principal is written in a statement: its ARN, its account (for stand-ins), or `*`. */
function mentionIn(s: Statement, info: PrincipalInfo): Span | undefined {
  const values = mentions(s);
  const exact = values.find((v) => v.value === info.principal);
  if (exact) return exact.span;
  if (info.account) {
    const root = accountRoot(info.account, info.principal.split(':')[1] || 'aws');
    const byAccount = values.find((v) => v.value === root || v.value === info.account);
    if (byAccount) return byAccount.span;
  }
  return values.find((v) => v.value === '*')?.span;
}

function firstMention(policy: PolicyDocument, info: PrincipalInfo): Span | undefined {
  for (const s of policy.statements) {
    const v = mentions(s).find((m) => m.value === info.principal);
    if (v) return v.span;
  }
  return undefined;
}

function statementKey(policy: PolicyDocument): Span {
  return policy.properties.find((p) => p.name === 'Statement')?.keySpan ?? policy.statementSpan ?? { start: 0, end: Math.min(1, policy.text.length) };
}

/** The spec entries that list an ARN (by name or directly) under a capability, or in grantsForAWSResources. */
function specEntriesFor(spec: DomainSpec, r: ResolvedSpec, arn: string, capability?: Capability): SpecScalar[] {
  const matches = (item: SpecScalar) => {
    if (r.arnOfName.get(item.value) === arn) return true;
    if (!looksLikeArn(item.value)) return false;
    const c = checkPrincipal(item.value, r.account, r.partition);
    return c.ok && c.arn === arn;
  };
  if (capability === undefined) return spec.grantsForAWSResources.filter(matches);
  return spec.access.filter((a) => a.capability === capability).flatMap((a) => a.principals.filter(matches));
}

const VERB: Record<Capability, (domain: string) => string> = {
  'administer-resource': () => 'administer this key',
  'read-config': () => "read this key's configuration",
  'read-data': (d) => `read ${d} data`,
  'write-data': (d) => `write ${d} data`,
  'delete-data': () => "delete this key's material",
};

/**
 * Drift findings on a key policy, one per principal and direction, for each governing spec.
 * A spec with errors gives none (its own diagnostics say why). Raw: settle() applies severities.
 */
export function driftFindings(policy: PolicyDocument, governing: readonly GoverningSpec[]): RawDomainFinding[] {
  const out: RawDomainFinding[] = [];
  if (policy.fatal || policy.root?.type !== 'object') return out;
  for (const g of governing) {
    const comparison = compareWithSpec(policy, g.spec);
    if (!comparison) continue;
    const { resolved: r } = generateFromSpec(g.spec);
    out.push(...findingsFor(policy, g, r, comparison));
  }
  return out;
}

function findingsFor(policy: PolicyDocument, g: GoverningSpec, r: ResolvedSpec, comparison: Comparison): RawDomainFinding[] {
  const out: RawDomainFinding[] = [];
  const groups = new Map<string, Difference[]>();
  for (const d of comparison.differences) {
    const key = `${d.direction}\u0000${d.principal}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  // The root user's extra access is the delegation that the same account's stand-in reports.
  const delegatedAccounts = new Set<string>();
  for (const [key, diffs] of groups) {
    const info = comparison.principals.get(diffs[0].principal)!;
    if (key.startsWith('extra') && info.origin === 'unnamed-same-account' && info.account) delegatedAccounts.add(info.account);
  }
  const domain = r.domain;
  const specLabel = `the ${domain} domain spec`;
  for (const diffs of groups.values()) {
    const { direction, principal } = diffs[0];
    const info = comparison.principals.get(principal)!;
    if (direction === 'extra' && info.kind === 'root' && info.origin === 'named' && info.account && delegatedAccounts.has(info.account) && !r.nameOfArn.has(principal)) continue;
    // What a principal could get only through IAM, where the account's stand-in reports that delegation already.
    if (direction === 'extra' && info.origin === 'named' && info.account && delegatedAccounts.has(info.account) && diffs.every((d) => d.actual.result === 'via-iam')) continue;
    // The spec gives capabilities to the principals it names; what unnamed ones lack is no requirement of it.
    if (direction === 'missing' && info.origin !== 'named') continue;
    const who = naming(info, r);
    const caps = CAPABILITIES.filter((c) => diffs.some((d) => d.capability === c));
    const data = { spec: g.uri, principal, direction, capabilities: caps };
    if (direction === 'extra') {
      const first = diffs[0];
      const s = policy.statements.find((x) => x.index === first.actual.statements[0]);
      const span = (s && mentionIn(s, info)) ?? (s && statementHead(s)) ?? firstMention(policy, info) ?? statementKey(policy);
      const held = r.assignment.get(principal);
      const parts: string[] = [];
      const restricted: Capability[] = [];
      const grantOnly: string[] = [];
      const asGenerated: Capability[] = [];
      const notGiven: Capability[] = [];
      const isGrantAction = (a: KmsAction) => (GRANT_ACTIONS as readonly string[]).includes(a.fullName);
      for (const c of caps) {
        const cd = diffs.filter((d) => d.capability === c);
        const direct = cd.filter((d) => d.kind !== 'grant');
        if (held?.has(c) && DATA.includes(c) && r.viaServices.length > 0) {
          parts.push(`${actionPhrase((direct.length ? direct : cd).map((d) => d.action))} without going through ${list(r.services, 'or')}`);
          restricted.push(c);
        } else if (direct.length === 0) {
          parts.push(`${actionPhrase(cd.map((d) => d.action))} for AWS resources`);
          notGiven.push(c);
        } else if (r.grants.includes(principal) && direct.every((d) => isGrantAction(d.action))) {
          const names = sortActions(direct.map((d) => d.action));
          parts.push(`${actionPhrase(names)} for anyone`);
          grantOnly.push(...names.map((a) => a.name));
        } else if (held?.has(c)) {
          parts.push(actionPhrase(direct.map((d) => d.action)));
          asGenerated.push(c);
        } else {
          parts.push(actionPhrase(direct.map((d) => d.action)));
          notGiven.push(c);
        }
      }
      const gives: string[] = [];
      if (notGiven.length) {
        if (!who.standIn) gives.push(`no ${list(notGiven, 'or')}`);
        else {
          const holders = [...r.assignment].filter(([, set]) => notGiven.some((c) => set.has(c))).map(([arn]) => r.nameOfArn.get(arn) ?? shortName(arn));
          if (notGiven.length === 1) gives.push(holders.length ? `${notGiven[0]} only to ${list(holders)}` : `no one ${notGiven[0]}`);
          else gives.push(holders.length ? `${list(notGiven)} only to the principals it names (${list(holders)})` : `no one ${list(notGiven, 'or')}`);
        }
      }
      if (restricted.length) gives.push(`${list(restricted)} only through ${list(r.services, 'or')} (kms:ViaService)`);
      if (grantOnly.length) gives.push(`${list(grantOnly)} only for AWS resources (kms:GrantIsForAWSResource)`);
      if (asGenerated.length) gives.push(`${list(asGenerated)} only under the conditions of its generated policy`);
      const viaIam = diffs.every((d) => d.actual.result === 'via-iam');
      const through = s && info.origin === 'unnamed-same-account' && info.account ? ` (${statementLabel(s)} delegates to IAM in ${info.account})` : viaIam ? ' through an IAM policy' : '';
      const subject = who.standIn ? capitalize(who.subject) : who.subject;
      const message = `${subject} can ${viaIam && !who.standIn ? 'get ' : ''}${list(parts)} here${through}, but ${specLabel} gives ${who.standIn ? '' : who.object + ' '}${list(gives, ', and')}.`;
      const elsewhere: ElsewhereRef[] = [];
      for (const c of caps) {
        const entry = g.spec.access.find((a) => a.capability === c);
        const at = entry?.keySpan ?? g.spec.accessKey;
        if (at) elsewhere.push({ uri: g.uri, span: at, message: `${c} in ${specLabel}` });
      }
      const related = first.actual.statements
        .slice(1)
        .map((i) => policy.statements.find((x) => x.index === i))
        .filter((x): x is Statement => x !== undefined)
        .map((x) => ({ span: statementHead(x), message: `${capitalize(statementLabel(x))} also allows it` }));
      out.push({ code: 'drift-extra-access', span, message, data, elsewhere, related: related.length ? related : undefined });
    } else {
      const plain = diffs.filter((d) => d.kind === 'plain');
      const grant = diffs.filter((d) => d.kind === 'grant');
      const via = diffs.filter((d) => d.kind === 'via');
      const verbs: string[] = CAPABILITIES.filter((c) => plain.some((d) => d.capability === c) || via.some((d) => d.capability === c)).map((c) => VERB[c](domain));
      if (grant.length && !plain.some((d) => GRANT_ACTIONS.includes(d.action.fullName as (typeof GRANT_ACTIONS)[number]))) verbs.push('create grants for AWS resources');
      const focus = plain.length ? plain : via.length ? via : grant;
      const rep = sortActions(focus.map((d) => d.action))[0];
      const repDiff = focus.find((d) => d.action === rep)!;
      const actions = actionPhrase(focus.map((d) => d.action), 'or');
      const context = repDiff.kind === 'via' ? ` through ${parseViaService(repDiff.via!)?.service ?? repDiff.via}` : repDiff.kind === 'grant' ? ' for an AWS resource' : '';
      let reason: string;
      switch (repDiff.actual.result) {
        case 'denied': {
          const deny = policy.statements.find((x) => x.index === repDiff.actual.statements.find((i) => policy.statements.find((y) => y.index === i)?.effect?.value === 'Deny'));
          reason = `${deny ? statementLabel(deny) : 'a Deny statement'} denies ${who.object} ${actions}${context}`;
          break;
        }
        case 'conditional':
          reason = `${who.object} gets ${actions}${context} here only under conditions the evaluator cannot decide`;
          break;
        case 'via-iam':
          reason = `${who.object} gets ${actions}${context} here only if an IAM policy allows it too`;
          break;
        default:
          reason = `nothing here lets ${who.object} call ${actions}${context}`;
      }
      const style = info.kind === 'root' && !r.nameOfArn.has(principal) ? ` (style ${r.style})` : '';
      const message = `${who.standIn ? capitalize(who.subject) : who.subject} should ${list(verbs)} per ${specLabel}${style}, but ${reason}.`;
      const denyStatement = repDiff.actual.result === 'denied' ? policy.statements.find((x) => x.index === repDiff.actual.statements[0]) : undefined;
      const span = firstMention(policy, info) ?? (denyStatement && statementHead(denyStatement)) ?? statementKey(policy);
      const elsewhere: ElsewhereRef[] = [];
      for (const c of caps) for (const item of specEntriesFor(g.spec, r, principal, c)) elsewhere.push({ uri: g.uri, span: item.span, message: `${c} for ${who.object} in ${specLabel}` });
      if (grant.length) for (const item of specEntriesFor(g.spec, r, principal)) elsewhere.push({ uri: g.uri, span: item.span, message: `grantsForAWSResources in ${specLabel}` });
      out.push({ code: 'drift-missing-access', span, message, data, elsewhere });
    }
  }
  return out;
}

/** A one-line summary of the differences, for the spec side ("out of date"): the first finding's message and the count. */
export function driftSummary(policy: PolicyDocument, spec: DomainSpec, uri = ''): { count: number; first?: string } | undefined {
  const comparison = compareWithSpec(policy, spec);
  if (!comparison) return undefined;
  const { resolved } = generateFromSpec(spec);
  const findings = findingsFor(policy, { uri, spec }, resolved, comparison);
  return { count: findings.length, first: findings[0]?.message };
}
