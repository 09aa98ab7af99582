/**
 * Effective access: every principal a policy names (plus stand-ins for those it does not),
 * with the decision for every KMS action and the capabilities that adds up to.
 */
import { actionsOfCapability, CAPABILITIES, findAction, kmsActions, type Capability, type KmsAction } from '../catalog/catalog';
import type { PolicyDocument } from '../policy/model';
import {
  actionIndex,
  callerState,
  RESULT_RANK,
  type CallerState,
  type CompiledPolicy,
  compilePolicy,
  decide,
  decisionProfile,
  ownAccountsFor,
  forEachPrincipalValue,
  accountOf,
  type AccessResult,
  type Decision,
  type EvaluateOptions,
} from './evaluate';
import { hasPolicyVariable, isAccountPlaceholder, isPlaceholder } from '../policy/placeholder';
import { ACCOUNT_ID, rootArn, type PrincipalKind } from '../principal/caller';
import { Tri } from './conditions';

/**
 * Why a principal is listed: the policy names it, or it stands for principals the policy does
 * not name (so rules can ask "who else can get in"):
 * - `unnamed-same-account`: an unnamed role in one of the key's own accounts;
 * - `unnamed-other-account`: a role in an account the policy never mentions;
 * - `unnamed-service`: an AWS service principal the policy does not name.
 */
export type PrincipalOrigin = 'named' | 'unnamed-same-account' | 'unnamed-other-account' | 'unnamed-service';

export type Coverage = 'full' | 'partial' | 'none';

/**
 * How much of a capability's actions a principal gets, at three cumulative levels:
 * `allowed` counts actions that are allowed; `viaIam` also counts via-iam ones (allowed once an
 * IAM policy agrees); `conditional` also counts conditional ones (it might get them).
 */
export interface CapabilityAccess {
  readonly allowed: Coverage;
  readonly viaIam: Coverage;
  readonly conditional: Coverage;
}

export interface PrincipalAccess {
  /** The principal as evaluated: an ARN (account ids become root ARNs) or a service principal. */
  readonly principal: string;
  readonly kind: PrincipalKind;
  readonly account?: string;
  readonly origin: PrincipalOrigin;
  /** Statements that name it (in Principal, NotPrincipal or a principal condition); empty for stand-ins. */
  readonly namedIn: readonly number[];
  /** By full action name, `kms:Decrypt`, for every KMS action in the catalog. Built on first read: prefer `decisionOf` in loops. */
  readonly actions: Readonly<Record<string, Decision>>;
  readonly capabilities: Readonly<Record<Capability, CapabilityAccess>>;
  /** The decision for one catalog action (the same object as `actions[action.fullName]`). */
  decisionOf(action: KmsAction): Decision;
  /** The distinct decisions it gets across all KMS actions, for "does any action..." questions. */
  readonly distinctDecisions: readonly Decision[];
}

export const UNNAMED_ROLE = 'someone-else';
export const UNNAMED_SERVICE = 'someone-else.amazonaws.com';

/** A result computed once per document and options, dropped with the document. */
function perPolicy<T>(cache: WeakMap<PolicyDocument, Map<string, T>>, policy: PolicyDocument, options: EvaluateOptions | undefined, compute: () => T): T {
  const key = `${options?.keyAccount ?? ''}|${options?.keyAccounts?.join(',') ?? ''}|${options?.keyArn ?? ''}`;
  let byOptions = cache.get(policy);
  if (!byOptions) cache.set(policy, (byOptions = new Map()));
  let result = byOptions.get(key);
  if (result === undefined) byOptions.set(key, (result = compute()));
  return result;
}

const accessCache = new WeakMap<PolicyDocument, Map<string, readonly PrincipalAccess[]>>();

/**
 * Every principal the policy names, then the stand-ins, each with its decision for every KMS
 * action. Cached per document (and options), so rules and hover can all call it.
 */
export function effectiveAccess(policy: PolicyDocument, options?: EvaluateOptions): readonly PrincipalAccess[] {
  return perPolicy(accessCache, policy, options, () => computeAccess(policy, options));
}

interface Listed {
  principal: string;
  origin: PrincipalOrigin;
  namedIn: number[];
}

/**
 * A caller's decisions, one per action class (CompiledPolicy.actionClass): actions of a class get
 * the same decision, so a policy with 60 actions and a dozen classes decides a dozen times per
 * caller. Callers with equal decision profiles share one table. The by-name record and the
 * capability summary are derived on first read; capability summaries are shared again by every
 * table with the same results per class.
 */
class DecisionTable {
  private record?: Record<string, Decision>;
  private caps?: Record<Capability, CapabilityAccess>;
  private distinct?: Decision[];

  constructor(
    private readonly byClass: readonly Decision[],
    private readonly actionClass: Int16Array,
    private readonly capsByResults: Map<string, Record<Capability, CapabilityAccess>>,
  ) {}

  /** By index in `kmsActions`. */
  at(i: number): Decision {
    return this.byClass[this.actionClass[i]];
  }

  actions(): Record<string, Decision> {
    if (!this.record) {
      const record: Record<string, Decision> = {};
      for (let i = 0; i < kmsActions.length; i++) record[kmsActions[i].fullName] = this.at(i);
      this.record = record;
    }
    return this.record;
  }

  capabilities(): Record<Capability, CapabilityAccess> {
    if (!this.caps) {
      let key = '';
      for (const d of this.byClass) key += RESULT_RANK[d.result];
      let caps = this.capsByResults.get(key);
      if (!caps) {
        caps = {} as Record<Capability, CapabilityAccess>;
        for (const [c, indexes] of CAPABILITY_ACTIONS) caps[c] = capabilityAccess(indexes.map((i) => this.at(i).result));
        this.capsByResults.set(key, caps);
      }
      this.caps = caps;
    }
    return this.caps;
  }

  distinctDecisions(): Decision[] {
    return (this.distinct ??= [...new Set(this.byClass)]);
  }
}

class Access implements PrincipalAccess {
  readonly #table: DecisionTable;

  constructor(
    readonly principal: string,
    readonly kind: PrincipalKind,
    readonly account: string | undefined,
    readonly origin: PrincipalOrigin,
    readonly namedIn: readonly number[],
    table: DecisionTable,
  ) {
    this.#table = table;
  }

  get actions(): Readonly<Record<string, Decision>> {
    return this.#table.actions();
  }

  get capabilities(): Readonly<Record<Capability, CapabilityAccess>> {
    return this.#table.capabilities();
  }

  get distinctDecisions(): readonly Decision[] {
    return this.#table.distinctDecisions();
  }

  decisionOf(action: KmsAction): Decision {
    return this.#table.at(actionIndex.get(action)!);
  }
}

/** The caller's decision for each action class. */
function decideClasses(compiled: CompiledPolicy, state: CallerState): Decision[] {
  const byClass: Decision[] = [];
  for (const i of compiled.classFirst) byClass.push(decide(compiled, state, i, kmsActions[i].fullName));
  return byClass;
}

function computeAccess(policy: PolicyDocument, options: EvaluateOptions | undefined): PrincipalAccess[] {
  const compiled = compilePolicy(policy, options?.keyArn);
  const ownAccounts = ownAccountsFor(compiled, options);
  const listed = listPrincipals(policy, ownAccounts);
  // Principals named by the same statements (the users of one grant...) share their decisions.
  const byProfile = new Map<string, DecisionTable>();
  const capsByResults = new Map<string, Record<Capability, CapabilityAccess>>();
  return listed.map(({ principal, origin, namedIn }) => {
    const state = callerState(compiled, principal, ownAccounts);
    const { kind, account } = state.caller;
    const profile = decisionProfile(state);
    let table = profile !== undefined ? byProfile.get(profile) : undefined;
    if (!table) {
      table = new DecisionTable(decideClasses(compiled, state), compiled.actionClass, capsByResults);
      if (profile !== undefined) byProfile.set(profile, table);
    }
    return new Access(state.caller.principal, kind, account, origin, namedIn, table);
  });
}

/** Each capability with the kmsActions indexes of its actions. */
const CAPABILITY_ACTIONS: readonly [Capability, number[]][] = CAPABILITIES.map((c) => [
  c,
  actionsOfCapability(c).map((a) => kmsActions.indexOf(a)),
]);

function coverage(n: number, of: number): Coverage {
  return n === 0 ? 'none' : n === of ? 'full' : 'partial';
}

function capabilityAccess(results: readonly AccessResult[]): CapabilityAccess {
  let allowed = 0;
  let viaIam = 0;
  let conditional = 0;
  for (const r of results) {
    if (r === 'allowed') allowed++;
    if (r === 'allowed' || r === 'via-iam') viaIam++;
    if (r === 'allowed' || r === 'via-iam' || r === 'conditional') conditional++;
  }
  const n = results.length;
  return { allowed: coverage(allowed, n), viaIam: coverage(viaIam, n), conditional: coverage(conditional, n) };
}

/** Named principals in order of first appearance, then one stand-in per own account, one from elsewhere, one service. */
function listPrincipals(policy: PolicyDocument, ownAccounts: ReadonlySet<string> | undefined): Listed[] {
  const byPrincipal = new Map<string, Listed>();
  /** Lists the principal (or adds the statement to it); true when it is new. */
  const add = (principal: string, origin: PrincipalOrigin, statement?: number): boolean => {
    const entry = byPrincipal.get(principal);
    if (!entry) {
      byPrincipal.set(principal, { principal, origin, namedIn: statement === undefined ? [] : [statement] });
      return true;
    }
    if (statement !== undefined && !entry.namedIn.includes(statement)) entry.namedIn.push(statement);
    return false;
  };
  const mentioned = new Set<string>();
  // The account of a principal listed already is in `mentioned` already.
  const mention = (principal: string) => {
    const account = accountOf(principal);
    if (account) mentioned.add(account);
  };
  forEachPrincipalValue(policy, (value, statement, type) => {
    const v = value.trim();
    if (v === '*' || v === '' || hasPolicyVariable(v)) return;
    if (type === 'Service') {
      if (add(v, 'named', statement)) mention(v);
      return;
    }
    const arnType = type === 'AWS' || type === 'aws:principalarn';
    if (!arnType && type !== 'aws:principalaccount' && type !== 'kms:calleraccount') return;
    if (ACCOUNT_ID.test(v) || (isPlaceholder(v) && (!arnType || isAccountPlaceholder(v)))) {
      // An account id (or an account placeholder) stands for its root user.
      add(rootArn(v), 'named', statement);
      mentioned.add(v);
    } else if (arnType && (v.startsWith('arn:') || isPlaceholder(v))) {
      if (add(v, 'named', statement)) mention(v);
    }
  });
  for (const account of ownAccounts ?? mentioned) add(`arn:aws:iam::${account}:role/${UNNAMED_ROLE}`, 'unnamed-same-account');
  let other = 999999999999;
  while (mentioned.has(String(other)) || ownAccounts?.has(String(other))) other--;
  add(`arn:aws:iam::${other}:role/${UNNAMED_ROLE}`, 'unnamed-other-account');
  add(UNNAMED_SERVICE, 'unnamed-service');
  return [...byPrincipal.values()];
}

// ---- questions rules ask --------------------------------------------------------------------

/** Who can call `action` with one of these results? Default: allowed or via-iam. */
export function whoCan(
  access: readonly PrincipalAccess[],
  action: string,
  results: readonly AccessResult[] = ['allowed', 'via-iam'],
): PrincipalAccess[] {
  const known = findAction(action);
  if (known === undefined) return [];
  return access.filter((p) => results.includes(p.decisionOf(known).result));
}

/** How much of a capability a principal holds at a level (see CapabilityAccess). */
export function holds(access: PrincipalAccess, capability: Capability, level: 'allowed' | 'via-iam' | 'conditional' = 'allowed'): Coverage {
  const c = access.capabilities[capability];
  return level === 'allowed' ? c.allowed : level === 'via-iam' ? c.viaIam : c.conditional;
}

export interface IamDelegation {
  readonly account: string;
  /** The Allow statements that name the account (root ARN or account id). */
  readonly statements: readonly number[];
  /** What an IAM policy could grant an unnamed principal of that account: its via-iam actions. */
  readonly actions: readonly string[];
  /** Actions it might get, depending on conditions the evaluator cannot decide. */
  readonly conditionalActions: readonly string[];
  /** Of `actions`, those each statement allows (by statement index): what that statement alone delegates. */
  readonly byStatement: ReadonlyMap<number, readonly string[]>;
}

const delegationCache = new WeakMap<PolicyDocument, Map<string, readonly IamDelegation[]>>();

/** Root delegations: for each account an Allow names by its root, what IAM policies there could grant. Cached per document (and options). */
export function iamDelegations(policy: PolicyDocument, options?: EvaluateOptions): IamDelegation[] {
  return [...perPolicy(delegationCache, policy, options, () => computeDelegations(policy, options))];
}

function computeDelegations(policy: PolicyDocument, options: EvaluateOptions | undefined): readonly IamDelegation[] {
  const compiled = compilePolicy(policy, options?.keyArn);
  const byAccount = new Map<string, number[]>();
  for (const s of compiled.statements) {
    // A statement with a clause that never holds (a value its key never takes) delegates nothing.
    if (!s.allow || s.principal.negated || s.clauses.some((c) => c.constant === Tri.False)) continue;
    for (const account of s.principal.accounts) {
      const list = byAccount.get(account) ?? [];
      if (!list.includes(s.index)) list.push(s.index);
      byAccount.set(account, list);
    }
  }
  const ownAccounts = ownAccountsFor(compiled, options);
  return [...byAccount].map(([account, statements]) => {
    const state = callerState(compiled, `arn:aws:iam::${account}:role/${UNNAMED_ROLE}`, ownAccounts);
    const byClass = decideClasses(compiled, state);
    const actions: string[] = [];
    const conditionalActions: string[] = [];
    const byStatement = new Map<number, string[]>();
    kmsActions.forEach((a, i) => {
      const d = byClass[compiled.actionClass[i]];
      if (d.result === 'via-iam') {
        actions.push(a.fullName);
        for (const s of d.statements) {
          const list = byStatement.get(s);
          if (list) list.push(a.fullName);
          else byStatement.set(s, [a.fullName]);
        }
      } else if (d.result === 'conditional') conditionalActions.push(a.fullName);
    });
    return Object.freeze({ account, statements: Object.freeze(statements), actions: Object.freeze(actions), conditionalActions: Object.freeze(conditionalActions), byStatement });
  });
}
