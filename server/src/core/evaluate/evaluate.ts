/**
 * The evaluator: for a principal and a KMS action, what the key policy decides. It is the one
 * source of truth for rules, hover, drift and the safety of rewrites (see design.md,
 * "Evaluating a key policy").
 */
import { expandAction, findAction, findConditionKey, kmsActions, wildcardRegExp, type KmsAction } from '../catalog/catalog';
import type { PolicyDocument, Statement, ValueList } from '../policy/model';
import { compileClause, decideClauses, Tri, type CompiledClause, type ContextLookup } from './conditions';
import { compilePrincipal, matchPrincipal, parseCaller, PrincipalMatch, rootArn, type Caller, type PrincipalMatcher } from './principal';

export type AccessResult = 'allowed' | 'via-iam' | 'conditional' | 'denied' | 'not-allowed';

export interface Decision {
  readonly result: AccessResult;
  /** Indexes (into the Statement array) of the statements that decided it. Shared and frozen: copy before changing. */
  readonly statements: number[];
  readonly reason: string;
}

export type ContextValue = string | string[] | boolean;

export interface EvaluationRequest {
  /** An ARN (role, user, assumed-role session, account root), a 12-digit account id, or a service principal. */
  readonly principal: string;
  /** `kms:Decrypt`, case-insensitive. */
  readonly action: string;
  /** Values for condition keys, overriding what the evaluator derives from the principal. */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

export interface EvaluateOptions {
  /**
   * The account that owns the key. A principal from another account needs its own IAM policy
   * too, so a key-policy Allow gives it `via-iam`, not `allowed`. Defaults to the account of
   * `keyArn`, else to the accounts the policy delegates to (`arn:aws:iam::ACCOUNT:root` in an
   * Allow), else to every account the policy names; a policy that names none treats every
   * account as its own.
   */
  readonly keyAccount?: string;
  /** The key's ARN. When set, a Resource must match it; otherwise any key ARN pattern applies. */
  readonly keyArn?: string;
}

/** Results from best to worst for the caller, for "at least" comparisons. */
export const RESULT_RANK: Readonly<Record<AccessResult, number>> = {
  allowed: 4,
  'via-iam': 3,
  conditional: 2,
  'not-allowed': 1,
  denied: 0,
};

export function atLeast(result: AccessResult, level: AccessResult): boolean {
  return RESULT_RANK[result] >= RESULT_RANK[level];
}

// ---- compiled policy ------------------------------------------------------------------------

export interface CompiledStatement {
  /** Position in CompiledPolicy.statements. */
  readonly pos: number;
  /** Index in the policy's Statement array. */
  readonly index: number;
  readonly sid?: string;
  readonly allow: boolean;
  readonly principal: PrincipalMatcher;
  readonly clauses: readonly CompiledClause[];
  /** Its conditions read a key whose presence depends on the action, so its outcome cannot be shared across actions. */
  readonly actionDependent: boolean;
  /** By index in `kmsActions`: 1 when its Action/NotAction covers that action. */
  readonly covers: Uint8Array;
  /** For actions missing from the catalog. */
  readonly matchesAction: (action: string) => boolean;
}

export interface CompiledPolicy {
  /** Statements that can apply to the key: a valid effect, a principal, an action and a resource that can be the key. */
  readonly statements: readonly CompiledStatement[];
  /**
   * By index in `kmsActions`: its action class. Actions of one class are covered by the same
   * statements and support the same `kms:` condition keys, so a caller gets one decision for all.
   */
  readonly actionClass: Int16Array;
  readonly classCount: number;
  /** Accounts taken as the key's own when no option says (see EvaluateOptions.keyAccount). */
  readonly ownAccounts: ReadonlySet<string> | undefined;
  /**
   * Decisions already made, by outcome: many principals and actions share one, so effective
   * access builds each reason once. Conditional reasons name the undecided conditions of the
   * first request that produced them.
   */
  readonly decisions: DecisionNode;
  /** Statements by the principals they name, so that finding a caller's statements is a lookup, not a scan. */
  readonly byPrincipal: PrincipalIndex;
}

/**
 * `always`: statements every caller is matched against (`*`, NotPrincipal). `named`: the other
 * statements by each name that can match them (`arn:`, `service:`, `account:`, `role:` keys).
 */
interface PrincipalIndex {
  readonly always: readonly CompiledStatement[];
  readonly named: ReadonlyMap<string, CompiledStatement[]>;
}

function indexPrincipals(statements: readonly CompiledStatement[]): PrincipalIndex {
  const always: CompiledStatement[] = [];
  const named = new Map<string, CompiledStatement[]>();
  const add = (key: string, s: CompiledStatement) => {
    const list = named.get(key);
    if (!list) named.set(key, [s]);
    else if (list[list.length - 1] !== s) list.push(s);
  };
  for (const s of statements) {
    const m = s.principal;
    if (m.negated || m.wildcard) {
      always.push(s);
      continue;
    }
    for (const a of m.arns) add(`arn:${a}`, s);
    for (const o of m.others) add(`arn:${o}`, s);
    for (const v of m.services) add(`service:${v}`, s);
    for (const a of m.accounts) add(`account:${a}`, s);
    for (const r of m.roles) add(`role:${r}`, s);
  }
  return { always, named };
}

/** The statements whose principal can name this caller (matchPrincipal decides), in statement order. */
function statementsFor(index: PrincipalIndex, caller: Caller): readonly CompiledStatement[] {
  const lists: (readonly CompiledStatement[])[] = [];
  const take = (key: string) => {
    const l = index.named.get(key);
    if (l) lists.push(l);
  };
  if (index.always.length) lists.push(index.always);
  take(`arn:${caller.principal}`);
  if (caller.service !== undefined) take(`service:${caller.service}`);
  if (caller.account !== undefined) take(`account:${caller.account}`);
  if (caller.kind === 'session') take(`role:${caller.account}/${caller.roleName}`);
  if (lists.length === 0) return [];
  let merged = lists[0];
  for (let i = 1; i < lists.length; i++) merged = mergeByPos(merged, lists[i]);
  return merged;
}

/** Two lists in statement order -> one, without duplicates. */
function mergeByPos(a: readonly CompiledStatement[], b: readonly CompiledStatement[]): CompiledStatement[] {
  const out: CompiledStatement[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i].pos <= b[j].pos) ? a[i++] : b[j++];
    if (out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

/** `kms:` keys are present only for the actions that support them, so clauses on them depend on the action. */
const isActionDependent = (lowerKey: string) => lowerKey.startsWith('kms:');

const actionIndex = new Map<KmsAction, number>(kmsActions.map((a, i) => [a, i]));

const cache = new WeakMap<PolicyDocument, Map<string, CompiledPolicy>>();

/** Compiles a policy once (per key ARN); later calls with the same document are a map lookup. */
export function compilePolicy(policy: PolicyDocument, keyArn?: string): CompiledPolicy {
  let byKey = cache.get(policy);
  if (!byKey) cache.set(policy, (byKey = new Map()));
  let compiled = byKey.get(keyArn ?? '');
  if (!compiled) byKey.set(keyArn ?? '', (compiled = compile(policy, keyArn)));
  return compiled;
}

function compile(policy: PolicyDocument, keyArn: string | undefined): CompiledPolicy {
  const statements: CompiledStatement[] = [];
  // Statements repeat the same Action lists: each distinct list is expanded once.
  const coverage = new Map<string, Uint8Array>();
  for (const s of policy.statements) {
    const effect = s.effect?.value;
    if (effect !== 'Allow' && effect !== 'Deny') continue;
    const principalElement = s.principal ?? s.notPrincipal;
    const actionList = s.action ?? s.notAction;
    if (!principalElement || !actionList || !appliesToKey(s, keyArn)) continue;
    const clauses = (s.condition?.clauses ?? []).map(compileClause);
    const values = actionList.items.map((i) => i.value.trim());
    const negatedAction = !s.action;
    const coverageKey = `${negatedAction ? '!' : ''}${values.join('\n')}`;
    let covers = coverage.get(coverageKey);
    if (!covers) {
      covers = new Uint8Array(kmsActions.length).fill(negatedAction ? 1 : 0);
      for (const v of values) for (const a of expandAction(v)) covers[actionIndex.get(a)!] = negatedAction ? 0 : 1;
      coverage.set(coverageKey, covers);
    }
    let patterns: { test(action: string): boolean }[] | undefined;
    statements.push({
      pos: statements.length,
      index: s.index,
      sid: s.sid?.value,
      allow: effect === 'Allow',
      principal: compilePrincipal(principalElement, !s.principal),
      clauses,
      actionDependent: clauses.some((c) => isActionDependent(c.lowerKey)),
      covers,
      matchesAction: (action) => (patterns ??= values.map((v) => wildcardRegExp(v))).some((re) => re.test(action)) !== negatedAction,
    });
  }
  const actionClass = new Int16Array(kmsActions.length);
  const classes = new Map<string, number>();
  const kmsKeys = new Set<string>();
  for (const st of statements) for (const c of st.clauses) if (isActionDependent(c.lowerKey)) kmsKeys.add(c.lowerKey);
  // Two actions are covered by the same statements exactly when every distinct coverage vector
  // agrees on them, and a policy has few distinct vectors however many statements it has.
  const distinct = new Set<Uint8Array>(coverage.values());
  kmsActions.forEach((_, i) => {
    let key = '';
    for (const k of kmsKeys) key += supportsKey(i, k) ? '1' : '0';
    key += ':';
    for (const covers of distinct) key += covers[i] ? '1' : '0';
    let c = classes.get(key);
    if (c === undefined) classes.set(key, (c = classes.size));
    actionClass[i] = c;
  });
  return { statements, actionClass, classCount: classes.size, ownAccounts: inferOwnAccounts(policy, statements), decisions: {}, byPrincipal: indexPrincipals(statements) };
}

const SAMPLE_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Can a Resource/NotResource value name this key? Without a key ARN, any key ARN pattern can. */
function canNameKey(value: string, keyArn: string | undefined): boolean {
  const v = value.trim();
  if (keyArn !== undefined) return wildcardRegExp(v).test(keyArn);
  if (v === '*' || wildcardRegExp(v).test(SAMPLE_KEY_ARN)) return true;
  const parts = v.split(':');
  if (parts.length < 6) return false;
  const resource = parts.slice(5).join(':');
  return wildcardRegExp(parts[0]).test('arn') && wildcardRegExp(parts[2]).test('kms') && /^key\//i.test(resource);
}

/** A statement with neither Resource nor NotResource is invalid in AWS; here it simply does not apply. */
function appliesToKey(s: Statement, keyArn: string | undefined): boolean {
  const any = (list: ValueList) => list.items.some((i) => canNameKey(i.value, keyArn));
  if (s.resource) return any(s.resource);
  if (s.notResource) return !any(s.notResource);
  return false;
}

/** The 12-digit account of an account id or ARN. */
export function accountOf(value: string): string | undefined {
  const v = value.trim();
  if (ACCOUNT_ID.test(v)) return v;
  if (!v.startsWith('arn:')) return undefined;
  let i = 3;
  for (let n = 0; n < 3 && i >= 0; n++) i = v.indexOf(':', i + 1);
  const end = i < 0 ? -1 : v.indexOf(':', i + 1);
  const account = end < 0 ? undefined : v.slice(i + 1, end);
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
}

const ACCOUNT_ID = /^\d{12}$/;

function inferOwnAccounts(policy: PolicyDocument, statements: readonly CompiledStatement[]): ReadonlySet<string> | undefined {
  const delegated = new Set<string>();
  for (const s of statements) if (s.allow && !s.principal.negated) for (const a of s.principal.accounts) delegated.add(a);
  if (delegated.size > 0) return delegated;
  const named = new Set<string>();
  for (const value of principalValues(policy)) {
    const account = accountOf(value.value);
    if (account) named.add(account);
  }
  return named.size > 0 ? named : undefined;
}

/** Keys whose condition values name principals. */
export const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['aws:principalarn', 'aws:principalaccount', 'kms:calleraccount']);

/** Every principal-like value the policy writes: Principal/NotPrincipal values and principal condition values. */
export function principalValues(policy: PolicyDocument): { value: string; statement: number; type: string }[] {
  const out: { value: string; statement: number; type: string }[] = [];
  for (const s of policy.statements) {
    for (const element of [s.principal, s.notPrincipal]) {
      if (!element) continue;
      if (element.bare) out.push({ value: element.bare.value, statement: s.index, type: 'AWS' });
      for (const e of element.entries) for (const i of e.values.items) out.push({ value: i.value, statement: s.index, type: e.type });
    }
    for (const c of s.condition?.clauses ?? []) {
      const key = c.key.value.toLowerCase();
      if (PRINCIPAL_KEYS.has(key)) for (const i of c.values.items) out.push({ value: i.value, statement: s.index, type: key });
    }
  }
  return out;
}

export function ownAccountsFor(compiled: CompiledPolicy, options: EvaluateOptions | undefined): ReadonlySet<string> | undefined {
  if (options?.keyAccount) return new Set([options.keyAccount]);
  const fromArn = options?.keyArn ? accountOf(options.keyArn) : undefined;
  return fromArn ? new Set([fromArn]) : compiled.ownAccounts;
}

// ---- deciding -------------------------------------------------------------------------------

/** How one statement bears on one request. Bit 1: it matches; bit 2: only through the account; bit 4: only maybe. */
const MATCH = 1;
const VIA_ACCOUNT = 2;
const MAYBE = 4;

/** A statement whose principal names the caller, with its outcome if that does not depend on the action (else -1). */
interface Candidate {
  readonly s: CompiledStatement;
  readonly viaAccount: boolean;
  readonly outcome: number;
}

function outcomeOf(viaAccount: boolean, c: Tri): number {
  return c === Tri.False ? 0 : MATCH | (viaAccount ? VIA_ACCOUNT : 0) | (c === Tri.Unknown ? MAYBE : 0);
}

/** Per-caller state, reused across actions: the statements that name the caller, decided once. */
export interface CallerState {
  readonly caller: Caller;
  readonly crossAccount: boolean;
  readonly context: ReadonlyMap<string, readonly string[]>;
  readonly candidates: readonly Candidate[];
}

export function callerState(
  compiled: CompiledPolicy,
  principal: string,
  ownAccounts: ReadonlySet<string> | undefined,
  context?: Readonly<Record<string, ContextValue>>,
): CallerState {
  const caller = parseCaller(principal);
  const ctx = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(context ?? {})) ctx.set(k.toLowerCase(), typeof v === 'boolean' ? [String(v)] : Array.isArray(v) ? v : [v]);
  // A key-policy Allow is enough only inside the key's account; the root user needs no IAM policy.
  const crossAccount = ownAccounts !== undefined && caller.kind !== 'service' && caller.kind !== 'root' && caller.account !== undefined && !ownAccounts.has(caller.account);
  const candidates: Candidate[] = [];
  const state = { caller, crossAccount, context: ctx, candidates };
  let lookup: ContextLookup | undefined;
  for (const s of statementsFor(compiled.byPrincipal, caller)) {
    const p = matchPrincipal(s.principal, caller);
    if (p === PrincipalMatch.None) continue;
    const viaAccount = p === PrincipalMatch.Account;
    if (s.actionDependent) candidates.push({ s, viaAccount, outcome: -1 });
    else {
      // Action-independent clauses read no action-dependent key, so any action's lookup will do.
      const o = outcomeOf(viaAccount, decideClauses(s.clauses, (lookup ??= lookupFor(state, -1))));
      if (o !== 0) candidates.push({ s, viaAccount, outcome: o });
    }
  }
  return state;
}

/**
 * Everything decide() reads from a caller without request context: the statements that name it
 * and their outcomes, whether it is cross-account, its account (kms:CallerAccount, the via-iam
 * reason) and, when a clause is decided per action, its ARN and kind. Callers with equal profiles
 * get equal decisions for every action.
 */
export function decisionProfile(state: CallerState): string | undefined {
  if (state.context.size > 0) return undefined;
  const { caller } = state;
  let profile = `${state.crossAccount ? 'x' : ''}${caller.account ?? ''}`;
  let perAction = false;
  for (const c of state.candidates) {
    profile += `|${c.s.pos}${c.viaAccount ? 'a' : ''}${c.outcome}`;
    if (c.outcome < 0) perAction = true;
  }
  // Clauses decided per action read the caller's ARN and kind too (aws:PrincipalArn, aws:PrincipalIsAWSService).
  return perAction ? `${profile}|${caller.principalArn ?? ''}|${caller.kind}` : profile;
}

function lookupFor(state: CallerState, actionIdx: number): ContextLookup {
  const { caller, context } = state;
  return (key) => {
    // A KMS key the action does not support is never in its request (kms:ViaService on CreateKey,
    // kms:GrantIsForAWSResource outside CreateGrant, ListGrants and RevokeGrant).
    if (actionIdx >= 0 && key.startsWith('kms:') && !supportsKey(actionIdx, key)) return null;
    const given = context.get(key);
    switch (key) {
      case 'kms:grantisforawsresource':
        return actionIdx >= 0 ? (given ?? null) : null;
      case 'kms:calleraccount':
      case 'aws:principalaccount':
        return given ?? (caller.account !== undefined ? [caller.account] : null);
      case 'aws:principalarn':
        return given ?? (caller.principalArn !== undefined ? [caller.principalArn] : null);
      case 'aws:principalisawsservice':
        return given ?? [caller.kind === 'service' ? 'true' : 'false'];
      default:
        return given;
    }
  };
}

/** Does the catalog list this `kms:` key for the action? Keys the catalog does not know count as supported. */
function supportsKey(actionIdx: number, lowerKey: string): boolean {
  let known = catalogKeys.get(lowerKey);
  if (known === undefined) {
    if (catalogKeys.size > 1000) catalogKeys.clear();
    catalogKeys.set(lowerKey, (known = findConditionKey(lowerKey)?.key ?? null));
  }
  return known === null || kmsActions[actionIdx].conditionKeys.includes(known);
}
const catalogKeys = new Map<string, string | null>();

/**
 * Decides one action for a caller. `actionIdx` is the action's index in `kmsActions`, or -1 for
 * an action the catalog does not know (then `action` is matched against each statement).
 * Equal decisions are shared objects (see CompiledPolicy.decisions): do not mutate them.
 */
export function decide(compiled: CompiledPolicy, state: CallerState, actionIdx: number, action: string): Decision {
  let lookup: ContextLookup | undefined;
  let denies: CompiledStatement[] | undefined;
  let maybeDenies: CompiledStatement[] | undefined;
  let direct: CompiledStatement[] | undefined;
  let viaIam: CompiledStatement[] | undefined;
  let maybeAllows: CompiledStatement[] | undefined;
  for (const candidate of state.candidates) {
    const s = candidate.s;
    if (actionIdx >= 0 ? s.covers[actionIdx] === 0 : !s.matchesAction(action)) continue;
    let o = candidate.outcome;
    if (o < 0) o = outcomeOf(candidate.viaAccount, decideClauses(s.clauses, (lookup ??= lookupFor(state, actionIdx))));
    if (!(o & MATCH)) continue;
    if (!s.allow) (o & MAYBE ? (maybeDenies ??= []) : (denies ??= [])).push(s);
    else if (o & MAYBE) (maybeAllows ??= []).push(s);
    else if (o & VIA_ACCOUNT || state.crossAccount) (viaIam ??= []).push(s);
    else (direct ??= []).push(s);
  }
  if (denies) return intern(compiled, 'd', denies, undefined, () => ({ result: 'denied', statements: indexes(denies!), reason: `Denied by ${labels(denies!)}.` }));
  if (!direct && !viaIam && !maybeAllows) return NOT_ALLOWED;
  lookup ??= lookupFor(state, actionIdx);
  const caller = state.caller;
  if (!direct && !viaIam) {
    const allows = maybeAllows!;
    const why = undecided(allows, lookup);
    return intern(compiled, `c${why}`, allows, maybeDenies, () => ({
      result: 'conditional',
      statements: indexes(maybeDenies ? [...allows, ...maybeDenies] : allows),
      reason: `Allowed only if ${why} hold${maybeDenies ? `, and not denied by ${labels(maybeDenies)}` : ''}.`,
    }));
  }
  let base: () => Decision;
  let kind: string;
  if (direct) {
    const allows = direct;
    kind = 'a';
    base = () => ({ result: 'allowed', statements: indexes(allows), reason: `Allowed by ${labels(allows)}.` });
  } else {
    const allows = viaIam!;
    const delegated = state.candidates.some((c) => c.viaAccount && allows.includes(c.s));
    kind = `${delegated ? 'v' : 'x'}${caller.account}`;
    base = () => ({
      result: 'via-iam',
      statements: indexes(allows),
      reason: delegated
        ? `Allowed only if an IAM policy also allows it: ${labels(allows)} delegates to account ${caller.account} (${rootArn(caller.account!)}).`
        : `Allowed by ${labels(allows)}, but ${caller.account} is not the key's account, so an IAM policy there must allow it too.`,
    });
  }
  const allows = direct ?? viaIam!;
  if (!maybeDenies) return intern(compiled, kind, allows, undefined, base);
  const unless = maybeDenies;
  const why = undecided(unless, lookup);
  return intern(compiled, `u${kind}${why}`, allows, unless, () => {
    const d = base();
    return {
      result: 'conditional',
      statements: [...d.statements, ...indexes(unless)].sort((a, b) => a - b),
      reason: `${d.reason.slice(0, -1)}, unless ${labels(unless)} denies it: that depends on ${why}.`,
    };
  });
}

const NOT_ALLOWED: Decision = Object.freeze({ result: 'not-allowed', statements: Object.freeze([]) as unknown as number[], reason: 'No statement allows it.' });

/** A trie over (kind, statement positions): finding a shared Decision allocates nothing. */
export interface DecisionNode {
  decision?: Decision;
  next?: Map<number | string, DecisionNode>;
}

function step(node: DecisionNode, key: number | string): DecisionNode {
  const next = (node.next ??= new Map());
  let child = next.get(key);
  if (!child) next.set(key, (child = {}));
  return child;
}

/** Returns the policy's shared Decision for this outcome, building it on first use. */
function intern(
  compiled: CompiledPolicy,
  kind: string,
  first: readonly CompiledStatement[],
  second: readonly CompiledStatement[] | undefined,
  build: () => Decision,
): Decision {
  let node = step(compiled.decisions, kind);
  for (const s of first) node = step(node, s.pos);
  if (second) {
    node = step(node, -1);
    for (const s of second) node = step(node, s.pos);
  }
  if (!node.decision) {
    const d = build();
    Object.freeze(d.statements);
    node.decision = Object.freeze(d);
  }
  return node.decision;
}

function indexes(statements: readonly CompiledStatement[]): number[] {
  return statements.map((s) => s.index);
}

function label(s: CompiledStatement): string {
  return s.sid ? `statement ${s.index} (${s.sid})` : `statement ${s.index}`;
}

function labels(statements: readonly CompiledStatement[]): string {
  return statements.map(label).join(', ');
}

/** The conditions the evaluator could not decide, for the reason text. */
function undecided(statements: readonly CompiledStatement[], lookup: ContextLookup): string {
  const keys = new Set<string>();
  for (const s of statements) {
    for (const c of s.clauses) if (decideClauses([c], lookup) === Tri.Unknown) keys.add(`${c.operator} ${c.key}`);
  }
  return `conditions the evaluator cannot decide (${[...keys].join('; ')})`;
}

/** What the key policy decides for one principal and one action. */
export function evaluate(policy: PolicyDocument, request: EvaluationRequest, options?: EvaluateOptions): Decision {
  const compiled = compilePolicy(policy, options?.keyArn);
  const state = callerState(compiled, request.principal, ownAccountsFor(compiled, options), request.context);
  const known = findAction(request.action);
  return decide(compiled, state, known ? actionIndex.get(known)! : -1, request.action.trim());
}

export { actionIndex };
