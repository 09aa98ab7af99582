/**
 * Who is calling, and whether a Principal or NotPrincipal element names them. Plain string
 * work: no ARN library, nothing that needs Node.
 */
import type { PrincipalElement } from '../policy/model';
import { arnFields, isAccountPlaceholder, isPlaceholder } from '../policy/placeholder';
import { BoundedMemo } from '../util/memo';
import { ACCOUNT_ID, rootArn } from './arn';

export type PrincipalKind = 'root' | 'role' | 'user' | 'session' | 'service' | 'other';

/** A caller as the evaluator sees it, derived once from the principal string. */
export interface Caller {
  /** The principal as given; a bare account id becomes its root ARN. */
  readonly principal: string;
  readonly kind: PrincipalKind;
  /** Undefined for service principals and for strings that are not ARNs. */
  readonly account?: string;
  /** The value of `aws:PrincipalArn`: the role ARN for an assumed-role session; undefined for services. */
  readonly principalArn?: string;
  /** For roles and sessions: the role name (last path segment of a role ARN), lowercased. */
  readonly roleName?: string;
  /** For service principals: `s3.amazonaws.com`, lowercased. */
  readonly service?: string;
}

export { ACCOUNT_ID, rootArn };

/** Principal strings are user-typed: a bounded memo (Callers are small; the evaluator's WeakMap follows them). */
const callers = new BoundedMemo<string, Caller>('principal.parseCaller', 5000, (input) => Object.freeze(parse(input.trim())));

/** Parses `arn:aws:iam::111122223333:role/ci`, a session ARN, a root ARN, an account id or `s3.amazonaws.com`. Cached: the same few principals recur. */
export function parseCaller(input: string): Caller {
  return callers.get(input);
}

/** A 12-digit account id, or a template placeholder named for an account (`${account_id}`, `<ACCOUNT_ID>`). */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value) || isAccountPlaceholder(value);
}

function parse(principal: string): Caller {
  if (isAccountId(principal)) {
    const arn = rootArn(principal);
    return { principal: arn, kind: 'root', account: principal, principalArn: arn };
  }
  if (!principal.startsWith('arn:')) {
    // A placeholder for a whole ARN (`<YOUR ADMIN USER ARN>`) names one principal, as written: its aws:PrincipalArn is itself.
    if (isPlaceholder(principal)) return { principal, kind: 'other', principalArn: principal };
    if (!principal.includes(':') && principal.includes('.')) return { principal, kind: 'service', service: principal.toLowerCase() };
    return { principal, kind: 'other' };
  }
  const parts = arnFields(principal);
  if (parts.length < 6) return { principal, kind: 'other' };
  const partition = parts[1];
  const service = parts[2];
  const account = parts[4] || undefined;
  const resource = parts.length === 6 ? parts[5] : parts.slice(5).join(':');
  let kind: PrincipalKind = 'other';
  let roleName: string | undefined;
  let principalArn = principal;
  if (service === 'iam') {
    if (resource === 'root') kind = 'root';
    else if (resource.startsWith('role/')) {
      kind = 'role';
      roleName = lastSegment(resource).toLowerCase();
    } else if (resource.startsWith('user/')) kind = 'user';
  } else if (service === 'sts' && resource.startsWith('assumed-role/')) {
    kind = 'session';
    const role = resource.split('/')[1] ?? '';
    roleName = role.toLowerCase();
    // A session's aws:PrincipalArn is its role's ARN. The session ARN carries no role path,
    // so this is the path-less role ARN; a caller with a pathed role passes the real one in context.
    principalArn = `arn:${partition}:iam::${account}:role/${role}`;
  }
  return { principal, kind, account, principalArn, roleName };
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** How a Principal element names a caller. */
export const PrincipalMatch = {
  None: 0,
  /** Named directly: its ARN, its role (for a session), a service, `*`, or the root user by its account. */
  Direct: 1,
  /** Only through its account (`arn:aws:iam::ACCOUNT:root` or `ACCOUNT`): IAM policies decide. */
  Account: 2,
} as const;
export type PrincipalMatch = (typeof PrincipalMatch)[keyof typeof PrincipalMatch];

/** A Principal or NotPrincipal element compiled for matching. */
export interface PrincipalMatcher {
  readonly negated: boolean;
  readonly wildcard: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  /** `account/rolename` (lowercased name) for every role ARN, so sessions match their role. */
  readonly roles: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  /** Federated, CanonicalUser and other principal types: matched as exact strings. */
  readonly others: ReadonlySet<string>;
}

/** Shared by every matcher that names nothing of a kind (most name only ARNs, or only an account). Never added to. */
const NONE: ReadonlySet<string> = new Set();

/** `set` with `value` added: a new set in place of NONE. */
function added(set: ReadonlySet<string>, value: string): ReadonlySet<string> {
  if (set === NONE) return new Set([value]);
  (set as Set<string>).add(value);
  return set;
}

export function compilePrincipal(element: PrincipalElement, negated: boolean): PrincipalMatcher {
  let wildcard = false;
  let accounts = NONE;
  let arns = NONE;
  let roles = NONE;
  let services = NONE;
  let others = NONE;
  const addAws = (value: string) => {
    const v = value.trim();
    if (v === '*') {
      wildcard = true;
      return;
    }
    if (isAccountId(v)) {
      accounts = added(accounts, v);
      return;
    }
    const caller = parseCaller(v);
    if (caller.kind === 'root' && caller.account) accounts = added(accounts, caller.account);
    else {
      arns = added(arns, v);
      if (caller.kind === 'role' && caller.account) roles = added(roles, `${caller.account}/${caller.roleName}`);
    }
  };
  if (element.bare) {
    // AWS accepts only "*" as a bare string; anything else is read as an AWS principal.
    addAws(element.bare.value);
  }
  for (const entry of element.entries) {
    for (const item of entry.values.items) {
      if (entry.type === 'AWS') addAws(item.value);
      else if (entry.type === 'Service') services = added(services, item.value.toLowerCase());
      else others = added(others, item.value);
    }
  }
  return { negated, wildcard, accounts, arns, roles, services, others };
}

/**
 * Does the element name the caller? For NotPrincipal, the result is inverted, and a listed
 * account excludes only that account's root user: AWS documents that `NotPrincipal` with an
 * account ARN does not exclude the account's roles and users (it recommends listing account,
 * role and session together). A listed role does exclude its sessions here, as `Principal` does.
 */
export function matchPrincipal(m: PrincipalMatcher, caller: Caller): PrincipalMatch {
  if (m.negated) return namedDirectly(m, caller) || (caller.kind === 'root' && m.accounts.has(caller.account!)) ? PrincipalMatch.None : PrincipalMatch.Direct;
  if (namedDirectly(m, caller)) return PrincipalMatch.Direct;
  if (caller.account !== undefined && m.accounts.has(caller.account)) {
    return caller.kind === 'root' ? PrincipalMatch.Direct : PrincipalMatch.Account;
  }
  return PrincipalMatch.None;
}

function namedDirectly(m: PrincipalMatcher, caller: Caller): boolean {
  if (m.wildcard) return true;
  if (caller.kind === 'service') return m.services.has(caller.service!);
  if (m.arns.has(caller.principal) || m.others.has(caller.principal)) return true;
  return caller.kind === 'session' && m.roles.has(`${caller.account}/${caller.roleName}`);
}
