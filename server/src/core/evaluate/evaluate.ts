/**
 * The evaluator: for a principal and a KMS action, what the key policy decides. It is the one
 * source of truth for rules, hover, drift and the safety of rewrites (see design.md,
 * "Evaluating a key policy").
 */
import { expandAction, findAction, findConditionKey, kmsActions, wildcardRegExp, type KmsAction } from '../catalog/catalog';
import { BoundedMemo } from '../util/memo';
import type { ConditionClause, PolicyDocument, ScalarValue, Statement, ValueList } from '../policy/model';
import { compileClause, decideClause, decideClauses, Tri, type CompiledClause, type ContextLookup } from './conditions';
import { arnFields, hasPlaceholder, isAccountField } from '../policy/placeholder';
import { ACCOUNT_ID, compilePrincipal, isAccountId, matchPrincipal, parseCaller, PrincipalMatch, rootArn, type Caller, type PrincipalMatcher } from '../principal/caller';

export type AccessResult = 'allowed' | 'via-iam' | 'conditional' | 'denied' | 'not-allowed';

export interface Decision {
  readonly result: AccessResult;
  /** Indexes (into the Statement array) of the statements that decided it. Shared and frozen: copy before changing. */
  readonly statements: number[];
  readonly reason: string;
}

/** A value for a condition key; `null`: the key is absent from the request (no kms:ViaService: not made through a service). */
export type ContextValue = string | string[] | boolean | null;

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
  /** Several accounts taken as the key's own (a diff pins the old version's inferred set); `keyAccount` wins. */
  readonly keyAccounts?: readonly string[];
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
  /** The clauses on keys that do not depend on the action (decided once per caller)... */
  readonly callerClauses: readonly CompiledClause[];
  /** ...and those on `kms:` keys, decided per action (per action class). */
  readonly actionClauses: readonly CompiledClause[];
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
  /** By class: its first action (the index in `kmsActions`), which decides for the whole class. */
  readonly classFirst: Int16Array;
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
 * `always`: statements every caller is matched against (`*`, NotPrincipal). The others by each
 * name that can match them: ARNs (and other exact principals), services, accounts, and
 * `account/rolename` for the sessions of a role.
 */
interface PrincipalIndex {
  readonly always: readonly CompiledStatement[];
  readonly arns: ReadonlyMap<string, CompiledStatement[]>;
  readonly services: ReadonlyMap<string, CompiledStatement[]>;
  readonly accounts: ReadonlyMap<string, CompiledStatement[]>;
  readonly roles: ReadonlyMap<string, CompiledStatement[]>;
}

function indexPrincipals(statements: readonly CompiledStatement[]): PrincipalIndex {
  const index = { always: [] as CompiledStatement[], arns: new Map(), services: new Map(), accounts: new Map(), roles: new Map() };
  const add = (map: Map<string, CompiledStatement[]>, names: ReadonlySet<string>, s: CompiledStatement) => {
    for (const name of names) {
      const list = map.get(name);
      if (!list) map.set(name, [s]);
      else if (list[list.length - 1] !== s) list.push(s);
    }
  };
  for (const s of statements) {
    const m = s.principal;
    if (m.negated || m.wildcard) {
      index.always.push(s);
      continue;
    }
    add(index.arns, m.arns, s);
    add(index.arns, m.others, s);
    add(index.services, m.services, s);
    add(index.accounts, m.accounts, s);
    add(index.roles, m.roles, s);
  }
  return index;
}

/** The statements whose principal can name this caller (matchPrincipal decides), in statement order. */
function statementsFor(index: PrincipalIndex, caller: Caller): readonly CompiledStatement[] {
  let merged = mergeByPos(index.always, index.arns.get(caller.principal));
  if (caller.service !== undefined) merged = mergeByPos(merged, index.services.get(caller.service));
  if (caller.account !== undefined) merged = mergeByPos(merged, index.accounts.get(caller.account));
  if (caller.kind === 'session') merged = mergeByPos(merged, index.roles.get(`${caller.account}/${caller.roleName}`));
  return merged;
}

/** Two lists in statement order -> one, without duplicates. An empty or missing list returns the other as is. */
function mergeByPos(a: readonly CompiledStatement[], b: readonly CompiledStatement[] | undefined): readonly CompiledStatement[] {
  if (!b?.length) return a;
  if (!a.length) return b;
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

/** Keyed by the catalog's own actions (a fixed, finite set): needs no bound. */
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
  const coverage = new ListMap<Uint8Array>();
  // ...and so do their conditions (the same Bool or kms:ViaService clause in every grant).
  const compiledClauses = new ListMap<CompiledClause>();
  const compileOnce = (c: ConditionClause) => compiledClauses.get(c.key.value, c.operator.value, c.values.items, () => compileClause(c));
  for (const s of policy.statements) {
    const effect = s.effect?.value;
    if (effect !== 'Allow' && effect !== 'Deny') continue;
    const principalElement = s.principal ?? s.notPrincipal;
    const actionList = s.action ?? s.notAction;
    if (!principalElement || !actionList || !appliesToKey(s, keyArn)) continue;
    const clauses: CompiledClause[] = [];
    const callerClauses: CompiledClause[] = [];
    const actionClauses: CompiledClause[] = [];
    for (const c of s.condition?.clauses ?? []) {
      const compiled = compileOnce(c);
      clauses.push(compiled);
      (isActionDependent(compiled.lowerKey) ? actionClauses : callerClauses).push(compiled);
    }
    const negatedAction = !s.action;
    const items = actionList.items;
    const covers = coverage.get(items[0]?.value ?? '', negatedAction ? '!' : '', items, () => {
      const v = new Uint8Array(kmsActions.length).fill(negatedAction ? 1 : 0);
      for (const i of items) for (const a of expandAction(i.value.trim())) v[actionIndex.get(a)!] = negatedAction ? 0 : 1;
      return v;
    });
    let patterns: { test(action: string): boolean }[] | undefined;
    statements.push({
      pos: statements.length,
      index: s.index,
      sid: s.sid?.value,
      allow: effect === 'Allow',
      principal: compilePrincipal(principalElement, !s.principal),
      clauses,
      actionDependent: actionClauses.length > 0,
      callerClauses,
      actionClauses,
      covers,
      matchesAction: (action) => (patterns ??= items.map((i) => wildcardRegExp(i.value.trim()))).some((re) => re.test(action)) !== negatedAction,
    });
  }
  // Two actions are covered by the same statements exactly when every distinct coverage vector
  // agrees on them, and a policy has few distinct vectors however many statements it has.
  const features = coverage.values();
  const kmsKeys = new Set<string>();
  for (const st of statements) for (const c of st.actionClauses) kmsKeys.add(c.lowerKey);
  for (const k of kmsKeys) features.push(keySupport(k));
  const { actionClass, classFirst } = partition(kmsActions.length, features);
  return { statements, actionClass, classFirst, ownAccounts: inferOwnAccounts(policy, statements), decisions: {}, byPrincipal: indexPrincipals(statements) };
}

/**
 * Splits `n` items into classes of items on which every feature (a 0/1 vector) agrees. Classes
 * are numbered in order of their first item.
 */
function partition(n: number, features: readonly Uint8Array[]): { actionClass: Int16Array; classFirst: Int16Array } {
  let classOf = new Int16Array(n);
  let count = 1;
  for (const feature of features) {
    // Refine: (old class, feature value) -> new class, numbered as first seen.
    const next = new Int16Array(n);
    const split = new Int16Array(count * 2).fill(-1);
    let made = 0;
    for (let i = 0; i < n; i++) {
      const key = classOf[i] * 2 + feature[i];
      if (split[key] < 0) split[key] = made++;
      next[i] = split[key];
    }
    classOf = next;
    count = made;
  }
  const classFirst = new Int16Array(count).fill(-1);
  for (let i = n - 1; i >= 0; i--) classFirst[classOf[i]] = i;
  return { actionClass: classOf, classFirst };
}

/**
 * A map from (a tag, a list of values) to T, for the lists statements repeat: entries are found
 * through a string the caller already has, then compared value by value, so no key string is built.
 */
class ListMap<T> {
  private readonly buckets = new Map<string, { tag: string; values: readonly ScalarValue[]; item: T }[]>();

  /** The item for (tag, values), made on first use. `bucket` is any string equal lists share (their first value, a condition key...). */
  get(bucket: string, tag: string, values: readonly ScalarValue[], make: () => T): T {
    let entries = this.buckets.get(bucket);
    if (!entries) this.buckets.set(bucket, (entries = []));
    for (const e of entries) if (e.tag === tag && sameValues(e.values, values)) return e.item;
    const item = make();
    entries.push({ tag, values, item });
    return item;
  }

  values(): T[] {
    return [...this.buckets.values()].flatMap((b) => b.map((e) => e.item));
  }
}

function sameValues(a: readonly ScalarValue[], b: readonly ScalarValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].value !== b[i].value) return false;
  return true;
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

/** The account of an account id or ARN: 12 digits, or a template placeholder (`${account_id}`). */
export function accountOf(value: string): string | undefined {
  const v = value.trim();
  if (isAccountId(v)) return v;
  if (!v.startsWith('arn:')) return undefined;
  if (hasPlaceholder(v)) {
    const field = arnFields(v)[4];
    return field !== undefined && isAccountField(field) ? field : undefined;
  }
  let i = 3;
  for (let n = 0; n < 3 && i >= 0; n++) i = v.indexOf(':', i + 1);
  const end = i < 0 ? -1 : v.indexOf(':', i + 1);
  const account = end < 0 ? undefined : v.slice(i + 1, end);
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
}

function inferOwnAccounts(policy: PolicyDocument, statements: readonly CompiledStatement[]): ReadonlySet<string> | undefined {
  const delegated = new Set<string>();
  for (const s of statements) if (s.allow && !s.principal.negated) for (const a of s.principal.accounts) delegated.add(a);
  if (delegated.size > 0) return delegated;
  const named = new Set<string>();
  forEachPrincipalValue(policy, (value) => {
    const account = accountOf(value);
    if (account) named.add(account);
  });
  return named.size > 0 ? named : undefined;
}

/** Keys whose condition values name principals. */
export const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['aws:principalarn', 'aws:principalaccount', 'kms:calleraccount']);

/** Every principal-like value the policy writes: Principal/NotPrincipal values and principal condition values. */
export function principalValues(policy: PolicyDocument): { value: string; statement: number; type: string }[] {
  const out: { value: string; statement: number; type: string }[] = [];
  forEachPrincipalValue(policy, (value, statement, type) => out.push({ value, statement, type }));
  return out;
}

/** The same values, in the same order, without building a list. `type` is the entry type or the lowercased condition key. */
export function forEachPrincipalValue(policy: PolicyDocument, visit: (value: string, statement: number, type: string) => void): void {
  for (const s of policy.statements) {
    for (const element of [s.principal, s.notPrincipal]) {
      if (!element) continue;
      if (element.bare) visit(element.bare.value, s.index, 'AWS');
      for (const e of element.entries) for (const i of e.values.items) visit(i.value, s.index, e.type);
    }
    for (const c of s.condition?.clauses ?? []) {
      const key = c.key.value.toLowerCase();
      if (PRINCIPAL_KEYS.has(key)) for (const i of c.values.items) visit(i.value, s.index, key);
    }
  }
}

export function ownAccountsFor(compiled: CompiledPolicy, options: EvaluateOptions | undefined): ReadonlySet<string> | undefined {
  if (options?.keyAccount) return new Set([options.keyAccount]);
  if (options?.keyAccounts?.length) return new Set(options.keyAccounts);
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
  /**
   * For a statement decided per action (outcome -1): its caller clauses ANDed, decided once for
   * this caller (never False: such a statement is no candidate), and each of those clauses'
   * results as digits, for the decision profile.
   */
  readonly callerPart: Tri;
  readonly callerDigits: string;
}

function outcomeOf(viaAccount: boolean, c: Tri): number {
  return c === Tri.False ? 0 : MATCH | (viaAccount ? VIA_ACCOUNT : 0) | (c === Tri.Unknown ? MAYBE : 0);
}

/** Per-caller state, reused across actions: the statements that name the caller, decided once. */
export interface CallerState {
  readonly caller: Caller;
  readonly crossAccount: boolean;
  readonly context: ReadonlyMap<string, readonly string[] | null>;
  readonly candidates: readonly Candidate[];
  /** The values of the keys derived from the caller (see lookupFor), built once rather than per clause. */
  readonly derived: { readonly account: readonly string[] | null; readonly principalArn: readonly string[] | null; readonly isService: readonly string[] };
}

const NO_CONTEXT: ReadonlyMap<string, readonly string[] | null> = new Map();

/** Callers are shared objects (parseCaller caches them), and so are their derived key values. */
const derivedByCaller = new WeakMap<Caller, CallerState['derived']>();
function derivedValues(caller: Caller): CallerState['derived'] {
  let derived = derivedByCaller.get(caller);
  if (!derived) {
    derived = Object.freeze({
      account: caller.account !== undefined ? Object.freeze([caller.account]) : null,
      principalArn: caller.principalArn !== undefined ? Object.freeze([caller.principalArn]) : null,
      isService: Object.freeze([caller.kind === 'service' ? 'true' : 'false']),
    });
    derivedByCaller.set(caller, derived);
  }
  return derived;
}

function contextMap(context: Readonly<Record<string, ContextValue>>): Map<string, readonly string[] | null> {
  const ctx = new Map<string, readonly string[] | null>();
  for (const [k, v] of Object.entries(context)) ctx.set(k.toLowerCase(), v === null ? null : typeof v === 'boolean' ? [String(v)] : Array.isArray(v) ? v : [v]);
  return ctx;
}

export function callerState(
  compiled: CompiledPolicy,
  principal: string,
  ownAccounts: ReadonlySet<string> | undefined,
  context?: Readonly<Record<string, ContextValue>>,
): CallerState {
  const caller = parseCaller(principal);
  const ctx = context ? contextMap(context) : NO_CONTEXT;
  // A key-policy Allow is enough only inside the key's account; the root user needs no IAM policy.
  const crossAccount = ownAccounts !== undefined && caller.kind !== 'service' && caller.kind !== 'root' && caller.account !== undefined && !ownAccounts.has(caller.account);
  const candidates: Candidate[] = [];
  const state = { caller, crossAccount, context: ctx, candidates, derived: derivedValues(caller) };
  let lookup: ContextLookup | undefined;
  for (const s of statementsFor(compiled.byPrincipal, caller)) {
    const p = matchPrincipal(s.principal, caller);
    if (p === PrincipalMatch.None) continue;
    const viaAccount = p === PrincipalMatch.Account;
    // Caller clauses read no action-dependent key, so any action's lookup will do.
    lookup ??= lookupFor(state, -1);
    if (s.actionDependent) {
      // The clauses AND, so the caller clauses are decided here once and only the `kms:` ones
      // per action. A caller clause that is false rules the statement out for every action.
      let callerPart: Tri = Tri.True;
      let callerDigits = '';
      for (const c of s.callerClauses) {
        const r = decideClause(c, lookup);
        callerDigits += r;
        if (r === Tri.False) {
          callerPart = Tri.False; // ruled out for every action: the rest need not be decided
          break;
        }
        if (r === Tri.Unknown) callerPart = Tri.Unknown;
      }
      if (callerPart !== Tri.False) candidates.push({ s, viaAccount, outcome: -1, callerPart, callerDigits });
    } else {
      const o = outcomeOf(viaAccount, decideClauses(s.clauses, lookup));
      if (o !== 0) candidates.push({ s, viaAccount, outcome: o, callerPart: Tri.True, callerDigits: '' });
    }
  }
  return state;
}

/**
 * Everything decide() reads from a caller without request context: the statements that name it
 * and their outcomes, whether it is cross-account and its account (kms:CallerAccount, the via-iam
 * reason). For a statement decided per action, the result of each of its caller clauses stands
 * in for the caller's ARN and kind: its `kms:` clauses read only the action and the account, and
 * the reason text names exactly the clauses that are undecided. Callers with equal profiles get
 * equal decisions for every action.
 */
export function decisionProfile(state: CallerState): string | undefined {
  if (state.context.size > 0) return undefined;
  let profile = `${state.crossAccount ? 'x' : ''}${state.caller.account ?? ''}`;
  for (const c of state.candidates) profile += `|${c.s.pos}${c.viaAccount ? 'a' : ''}${c.outcome}${c.callerDigits}`;
  return profile;
}

function lookupFor(state: CallerState, actionIdx: number): ContextLookup {
  const { context, derived } = state;
  return (key) => {
    // A KMS key the action does not support is never in its request (kms:ViaService on CreateKey,
    // kms:GrantIsForAWSResource outside CreateGrant, ListGrants and RevokeGrant).
    if (actionIdx >= 0 && key.startsWith('kms:') && keySupport(key)[actionIdx] === 0) return null;
    const given = context.get(key);
    if (given === null) return null; // said to be absent
    switch (key) {
      case 'kms:grantisforawsresource':
        return actionIdx >= 0 ? (given ?? null) : null;
      case 'kms:calleraccount':
      case 'aws:principalaccount':
        return given ?? derived.account;
      case 'aws:principalarn':
        return given ?? derived.principalArn;
      case 'aws:principalisawsservice':
        return given ?? derived.isService;
      case 'aws:sourceaccount':
      case 'aws:sourcearn':
      case 'aws:sourceorgid':
      case 'aws:sourceorgpaths':
        // Only in requests a service principal makes for a resource: never in an IAM principal's own.
        return given ?? (derived.isService[0] === 'true' ? undefined : null);
      default:
        return given;
    }
  };
}

/**
 * By index in `kmsActions`: 1 where the catalog lists this `kms:` key for the action (keys the
 * catalog does not know count as supported). Cached: the catalog does not change.
 */
function keySupport(lowerKey: string): Uint8Array {
  return keySupportCache.get(lowerKey);
}
/** Keys are user-typed (`kms:EncryptionContext:<anything>`): bounded. */
const keySupportCache = new BoundedMemo<string, Uint8Array>('evaluate.keySupport', 1000, (lowerKey) => {
  const known = findConditionKey(lowerKey)?.key;
  const v = new Uint8Array(kmsActions.length);
  for (let i = 0; i < v.length; i++) v[i] = known === undefined || kmsActions[i].conditionKeys.includes(known) ? 1 : 0;
  return v;
});

/** How a candidate statement bears on one decision. */
const Bears = { Not: 0, Denies: 1, MaybeDenies: 2, Allows: 3, AllowsViaIam: 4, MaybeAllows: 5 } as const;
type Bears = (typeof Bears)[keyof typeof Bears];

/**
 * How each candidate bears on the decision being made, by candidate index. Reused across calls
 * (decide() is synchronous and never re-entered): most decisions are already in the trie
 * (CompiledPolicy.decisions), and finding one this way allocates nothing.
 */
let bears = new Uint8Array(64);
/** How many candidates bear each way, by Bears value (reused like `bears`). */
const count = new Uint32Array(6);

/** The candidates' statements that bear on the decision this way, in statement order. */
function bearing(candidates: readonly Candidate[], how: Bears): CompiledStatement[] {
  const out: CompiledStatement[] = [];
  for (let i = 0; i < candidates.length; i++) if (bears[i] === how) out.push(candidates[i].s);
  return out;
}

/**
 * Decides one action for a caller. `actionIdx` is the action's index in `kmsActions`, or -1 for
 * an action the catalog does not know (then `action` is matched against each statement).
 * Equal decisions are shared objects (see CompiledPolicy.decisions): do not mutate them.
 */
export function decide(compiled: CompiledPolicy, state: CallerState, actionIdx: number, action: string): Decision {
  const candidates = state.candidates;
  if (bears.length < candidates.length) bears = new Uint8Array(candidates.length * 2);
  count.fill(0);
  let lookup: ContextLookup | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    const s = candidate.s;
    let how: Bears = Bears.Not;
    if (actionIdx >= 0 ? s.covers[actionIdx] === 1 : s.matchesAction(action)) {
      let o = candidate.outcome;
      if (o < 0) o = outcomeOf(candidate.viaAccount, decideClauses(s.actionClauses, (lookup ??= lookupFor(state, actionIdx)), candidate.callerPart));
      if (o & MATCH) {
        if (!s.allow) how = o & MAYBE ? Bears.MaybeDenies : Bears.Denies;
        else if (o & MAYBE) how = Bears.MaybeAllows;
        else if (o & VIA_ACCOUNT || state.crossAccount) how = Bears.AllowsViaIam;
        else how = Bears.Allows;
      }
    }
    bears[i] = how;
    count[how]++;
  }
  if (count[Bears.Denies]) {
    const node = decisionNode(compiled, 'd', candidates, Bears.Denies);
    if (node.decision) return node.decision;
    const denies = bearing(candidates, Bears.Denies);
    return keep(node, { result: 'denied', statements: indexes(denies), reason: `Denied by ${labels(denies)}.` });
  }
  if (!count[Bears.Allows] && !count[Bears.AllowsViaIam] && !count[Bears.MaybeAllows]) return NOT_ALLOWED;
  const caller = state.caller;
  const unless = count[Bears.MaybeDenies] ? Bears.MaybeDenies : undefined;
  if (!count[Bears.Allows] && !count[Bears.AllowsViaIam]) {
    // The reason names the undecided conditions, so it is part of the outcome.
    const allows = bearing(candidates, Bears.MaybeAllows);
    const why = undecided(allows, (lookup ??= lookupFor(state, actionIdx)));
    const node = decisionNode(compiled, `c${why}`, candidates, Bears.MaybeAllows, unless);
    if (node.decision) return node.decision;
    const denies = unless ? bearing(candidates, unless) : undefined;
    return keep(node, {
      result: 'conditional',
      statements: indexes(denies ? [...allows, ...denies] : allows),
      reason: `Allowed only if ${why} hold${denies ? `, and not denied by ${labels(denies)}` : ''}.`,
    });
  }
  // Allowed directly ('a'), or through IAM: delegated to the caller's account ('v') or cross-account ('x').
  const how = count[Bears.Allows] ? Bears.Allows : Bears.AllowsViaIam;
  const kind = how === Bears.Allows ? 'a' : delegated(candidates) ? 'v' : 'x';
  const account = kind === 'a' ? undefined : caller.account;
  if (!unless) {
    const node = decisionNode(compiled, kind, candidates, how, undefined, account);
    return node.decision ?? keep(node, allowDecision(kind, bearing(candidates, how), caller));
  }
  const denies = bearing(candidates, unless);
  const why = undecided(denies, (lookup ??= lookupFor(state, actionIdx)));
  const node = decisionNode(compiled, `u${kind}${why}`, candidates, how, unless, account);
  if (node.decision) return node.decision;
  const d = allowDecision(kind, bearing(candidates, how), caller);
  return keep(node, {
    result: 'conditional',
    statements: [...d.statements, ...indexes(denies)].sort((a, b) => a - b),
    reason: `${d.reason.slice(0, -1)}, unless ${labels(denies)} denies it: that depends on ${why}.`,
  });
}

function allowDecision(kind: 'a' | 'v' | 'x', allows: readonly CompiledStatement[], caller: Caller): Decision {
  if (kind === 'a') return { result: 'allowed', statements: indexes(allows), reason: `Allowed by ${labels(allows)}.` };
  return {
    result: 'via-iam',
    statements: indexes(allows),
    reason:
      kind === 'v'
        ? `Allowed only if an IAM policy also allows it: ${labels(allows)} delegates to account ${caller.account} (${rootArn(caller.account!)}).`
        : `Allowed by ${labels(allows)}, but ${caller.account} is not the key's account, so an IAM policy there must allow it too.`,
  };
}

/** Do the via-iam statements name the caller through its account (a root delegation)? */
function delegated(candidates: readonly Candidate[]): boolean {
  for (let i = 0; i < candidates.length; i++) if (bears[i] === Bears.AllowsViaIam && candidates[i].viaAccount) return true;
  return false;
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

/**
 * The trie node of an outcome: its kind, the account a via-iam reason names, then the positions
 * of the statements that bear on it one way (and of the undecided Denies, after -1). Walking it
 * allocates nothing once the outcome has been seen.
 */
function decisionNode(compiled: CompiledPolicy, kind: string, candidates: readonly Candidate[], how: Bears, unless?: Bears, account?: string): DecisionNode {
  let node = step(compiled.decisions, kind);
  if (account !== undefined) node = step(node, account);
  for (let i = 0; i < candidates.length; i++) if (bears[i] === how) node = step(node, candidates[i].s.pos);
  if (unless !== undefined) {
    node = step(node, -1);
    for (let i = 0; i < candidates.length; i++) if (bears[i] === unless) node = step(node, candidates[i].s.pos);
  }
  return node;
}

/** Freezes a new Decision and stores it in its node, so that every later request shares it. */
function keep(node: DecisionNode, d: Decision): Decision {
  Object.freeze(d.statements);
  return (node.decision = Object.freeze(d));
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
