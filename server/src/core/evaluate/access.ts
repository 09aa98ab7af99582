/**
 * Effective access: every principal a policy names (plus stand-ins for those it does not),
 * with the decision for every KMS action and the capabilities that adds up to.
 */
import { actionsOfCapability, CAPABILITIES, findAction, kmsActions, type Capability } from '../catalog/catalog';
import type { PolicyDocument } from '../policy/model';
import {
  callerState,
  compilePolicy,
  decide,
  decisionProfile,
  ownAccountsFor,
  principalValues,
  accountOf,
  type AccessResult,
  type Decision,
  type EvaluateOptions,
} from './evaluate';
import { rootArn, type PrincipalKind } from './principal';

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
  /** By full action name, `kms:Decrypt`, for every KMS action in the catalog. */
  readonly actions: Readonly<Record<string, Decision>>;
  readonly capabilities: Readonly<Record<Capability, CapabilityAccess>>;
}

export const UNNAMED_ROLE = 'someone-else';
export const UNNAMED_SERVICE = 'someone-else.amazonaws.com';

const accessCache = new WeakMap<PolicyDocument, Map<string, readonly PrincipalAccess[]>>();

/**
 * Every principal the policy names, then the stand-ins, each with its decision for every KMS
 * action. Cached per document (and options), so rules and hover can all call it.
 */
export function effectiveAccess(policy: PolicyDocument, options?: EvaluateOptions): readonly PrincipalAccess[] {
  const key = `${options?.keyAccount ?? ''}|${options?.keyArn ?? ''}`;
  let byOptions = accessCache.get(policy);
  if (!byOptions) accessCache.set(policy, (byOptions = new Map()));
  let result = byOptions.get(key);
  if (!result) byOptions.set(key, (result = computeAccess(policy, options)));
  return result;
}

interface Listed {
  principal: string;
  origin: PrincipalOrigin;
  namedIn: number[];
}

function computeAccess(policy: PolicyDocument, options: EvaluateOptions | undefined): PrincipalAccess[] {
  const compiled = compilePolicy(policy, options?.keyArn);
  const ownAccounts = ownAccountsFor(compiled, options);
  const listed = listPrincipals(policy, ownAccounts);
  // Principals named by the same statements (the users of one grant...) share their decisions.
  const byProfile = new Map<string, Pick<PrincipalAccess, 'actions' | 'capabilities'>>();
  return listed.map(({ principal, origin, namedIn }) => {
    const state = callerState(compiled, principal, ownAccounts);
    const { kind, account } = state.caller;
    const profile = decisionProfile(state);
    const shared = profile !== undefined ? byProfile.get(profile) : undefined;
    if (shared) return { principal: state.caller.principal, kind, account, origin, namedIn, actions: shared.actions, capabilities: shared.capabilities };
    const actions: Record<string, Decision> = { ...ACTIONS_TEMPLATE }; // every key up front: one shape, no regrowth
    const results: AccessResult[] = [];
    const byClass: Decision[] = new Array(compiled.classCount);
    kmsActions.forEach((a, i) => {
      const c = compiled.actionClass[i];
      const d = (byClass[c] ??= decide(compiled, state, i, a.fullName));
      actions[a.fullName] = d;
      results[i] = d.result;
    });
    const capabilities = {} as Record<Capability, CapabilityAccess>;
    for (const [c, indexes] of CAPABILITY_ACTIONS) capabilities[c] = capabilityAccess(indexes.map((i) => results[i]));
    if (profile !== undefined) byProfile.set(profile, { actions, capabilities });
    return { principal: state.caller.principal, kind, account, origin, namedIn, actions, capabilities };
  });
}

const ACTIONS_TEMPLATE: Record<string, Decision> = Object.fromEntries(kmsActions.map((a) => [a.fullName, undefined as unknown as Decision]));

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
  const add = (principal: string, origin: PrincipalOrigin, statement?: number) => {
    let entry = byPrincipal.get(principal);
    if (!entry) byPrincipal.set(principal, (entry = { principal, origin, namedIn: [] }));
    if (statement !== undefined && !entry.namedIn.includes(statement)) entry.namedIn.push(statement);
  };
  const mentioned = new Set<string>();
  for (const { value, statement, type } of principalValues(policy)) {
    const v = value.trim();
    if (v === '*' || v === '' || v.includes('${')) continue;
    let principal: string | undefined;
    if (type === 'AWS' || type === 'aws:principalarn') {
      if (/^\d{12}$/.test(v)) principal = rootArn(v);
      else if (v.startsWith('arn:')) principal = v;
    } else if (type === 'Service') principal = v;
    else if (type === 'aws:principalaccount' || type === 'kms:calleraccount') {
      if (/^\d{12}$/.test(v)) principal = rootArn(v);
    }
    if (principal === undefined) continue;
    add(principal, 'named', statement);
    const account = accountOf(principal);
    if (account) mentioned.add(account);
  }
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
  const name = findAction(action)?.fullName;
  if (name === undefined) return [];
  return access.filter((p) => results.includes(p.actions[name].result));
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
}

/** Root delegations: for each account an Allow names by its root, what IAM policies there could grant. */
export function iamDelegations(policy: PolicyDocument, options?: EvaluateOptions): IamDelegation[] {
  const compiled = compilePolicy(policy, options?.keyArn);
  const byAccount = new Map<string, number[]>();
  for (const s of compiled.statements) {
    if (!s.allow || s.principal.negated) continue;
    for (const account of s.principal.accounts) {
      const list = byAccount.get(account) ?? [];
      if (!list.includes(s.index)) list.push(s.index);
      byAccount.set(account, list);
    }
  }
  const ownAccounts = ownAccountsFor(compiled, options);
  return [...byAccount].map(([account, statements]) => {
    const state = callerState(compiled, `arn:aws:iam::${account}:role/${UNNAMED_ROLE}`, ownAccounts);
    const actions: string[] = [];
    const conditionalActions: string[] = [];
    kmsActions.forEach((a, i) => {
      const r = decide(compiled, state, i, a.fullName).result;
      if (r === 'via-iam') actions.push(a.fullName);
      else if (r === 'conditional') conditionalActions.push(a.fullName);
    });
    return { account, statements, actions, conditionalActions };
  });
}
