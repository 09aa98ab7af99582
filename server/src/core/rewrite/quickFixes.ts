/**
 * Quick fixes, each found by its rule id (the diagnostic code). They return plain edits that
 * touch only what must change; `service/` turns them into LSP code actions.
 */
import { parse as parseJsonc, type JSONPath } from 'jsonc-parser';
import { locateNode } from '../policy/parse';
import { capabilitiesOf, expandAction, isWildcard, splitAction, type Capability } from '../catalog/catalog';
import { effectiveAccess } from '../evaluate/index';
import { parseOperator } from '../policy/operators';
import { actionsFor, denyEveryoneElse } from './statements';
import { suggestAssignment } from './suggest';
import { POLICY_VERSION } from '../policy/grammar';
import type { PolicyDocument, Span, Statement, ValueList } from '../policy/model';
import { replaceSpan, setValue, type Edit } from './edits';

export interface Fix {
  readonly title: string;
  readonly edits: readonly Edit[];
  readonly preferred?: boolean;
}

export interface FixRequest {
  readonly code: string;
  readonly span: Span;
  readonly data?: Readonly<Record<string, unknown>>;
}

type Fixer = (policy: PolicyDocument, request: FixRequest) => Fix[];

const replacement = (r: FixRequest) => (typeof r.data?.replacement === 'string' ? r.data.replacement : undefined);

function pathAt(policy: PolicyDocument, offset: number): JSONPath | undefined {
  const found = locateNode(policy, offset);
  return found?.pathOf(found.node);
}

function statementPathAt(policy: PolicyDocument, offset: number): JSONPath | undefined {
  const s = policy.statements.find((x) => x.span.start <= offset && offset < x.span.end);
  if (!s) return undefined;
  const path = pathAt(policy, s.span.start);
  return path;
}

const replaceString: Fixer = (_policy, r) => {
  const value = replacement(r);
  return value === undefined ? [] : [{ title: `Change to "${value}"`, edits: [replaceSpan(r.span, JSON.stringify(value))], preferred: true }];
};

/** The JSON path of a statement: `['Statement', i]`, or `['Statement']` for a single statement object. */
function statementPath(policy: PolicyDocument, s: Statement): JSONPath {
  const path = pathAt(policy, s.span.start);
  return path ?? ['Statement', s.index];
}

function statementAt(policy: PolicyDocument, offset: number): Statement | undefined {
  return policy.statements.find((x) => x.span.start <= offset && offset < x.span.end);
}

/** Principals that hold some access today (named roles, users, sessions and account roots): who DenyEveryoneElse must exempt. */
export function allowedPrincipals(policy: PolicyDocument): string[] {
  return effectiveAccess(policy)
    .filter((p) => p.origin === 'named' && p.kind !== 'service' && p.distinctDecisions.some((d) => d.result === 'allowed' || d.result === 'via-iam'))
    .map((p) => p.principal);
}

const addDenyEveryoneElse: Fixer = (policy) => {
  const exempt = allowedPrincipals(policy);
  if (exempt.length === 0 || !policy.statementSpan) return [];
  const statement = denyEveryoneElse(exempt);
  const single = policy.statements.length === 1 && policy.root?.children?.some((p) => p.children?.[0]?.value === 'Statement' && p.children?.[1]?.type === 'object');
  if (single) {
    const only = policy.statements[0];
    const current = JSON.parse(policy.text.slice(only.span.start, only.span.end));
    return [{ title: `Add DenyEveryoneElse (exempting ${exempt.length} principal${exempt.length === 1 ? '' : 's'})`, edits: setValue(policy.text, ['Statement'], [current, statement]) }];
  }
  return [{ title: `Add DenyEveryoneElse (exempting ${exempt.length} principal${exempt.length === 1 ? '' : 's'})`, edits: setValue(policy.text, ['Statement', -1], statement), preferred: true }];
};

/** Replaces a wildcard in one statement with the actions its principals need, by the suggested assignment. */
const narrowWildcard: Fixer = (policy, r) => {
  const s = statementAt(policy, r.span.start);
  if (!s || !s.action) return [];
  const suggestions = suggestAssignment(policy);
  const named = effectiveAccessNames(policy, s);
  const inStatement = suggestions.filter((x) => named.includes(x.principal));
  const needed = new Set<Capability>(inStatement.flatMap((x) => x.suggested));
  if (needed.size === 0) return [];
  const caps = capabilitiesOf(expandAction('kms:*')).filter((c) => needed.has(c));
  const wildcardValue = policy.text.slice(r.span.start, r.span.end);
  const kept = s.action.items.filter((i) => i.span.start !== r.span.start).map((i) => i.value);
  const actions = [...new Set([...kept, ...actionsFor(caps)])];
  return [
    {
      title: `Replace ${wildcardValue} with the actions of ${caps.join(', ')} (what ${inStatement.map((x) => x.principal.slice(x.principal.lastIndexOf('/') + 1)).join(', ')} need${inStatement.length === 1 ? 's' : ''})`,
      edits: setValue(policy.text, [...statementPath(policy, s), 'Action'], actions),
    },
  ];
};

function effectiveAccessNames(policy: PolicyDocument, s: Statement): string[] {
  return effectiveAccess(policy)
    .filter((p) => p.origin === 'named' && p.namedIn.includes(s.index))
    .map((p) => p.principal);
}

const exemptPrincipal: Fixer = (policy, r) => {
  const principal = typeof r.data?.principal === 'string' ? r.data.principal : undefined;
  const s = statementAt(policy, r.span.start);
  if (!principal || !s) return [];
  const clause = (s.condition?.clauses ?? []).find((c) => parseOperator(c.operator.value)?.base.negated && c.key.value.toLowerCase() === 'aws:principalarn');
  if (!clause) return [];
  const path = [...statementPath(policy, s), 'Condition', clause.operator.value, clause.key.value];
  const edits = clause.values.isArray ? setValue(policy.text, [...path, -1], principal) : setValue(policy.text, path, [...clause.values.items.map((v) => v.value), principal]);
  return [{ title: `Exempt ${principal} from DenyEveryoneElse`, edits, preferred: true }];
};

const addCarveOuts: Fixer = (policy, r) => {
  const s = statementAt(policy, r.span.start);
  if (!s) return [];
  const base = [...statementPath(policy, s), 'Condition'];
  if (r.data?.replacement === 'BoolIfExists') {
    // Move kms:GrantIsForAWSResource from Bool to BoolIfExists.
    const clause = s.condition?.clauses.find((c) => c.key.value.toLowerCase() === 'kms:grantisforawsresource');
    if (!clause) return [];
    const bool = s.condition!.clauses.filter((c) => c.operator.value === 'Bool');
    const condition = JSON.parse(policy.text.slice(s.condition!.span.start, s.condition!.span.end));
    if (bool.length === 1) delete condition.Bool;
    else delete condition.Bool[clause.key.value];
    condition.BoolIfExists = { ...(condition.BoolIfExists ?? {}), [clause.key.value]: 'false' };
    return [{ title: 'Use BoolIfExists for kms:GrantIsForAWSResource', edits: setValue(policy.text, base, condition), preferred: true }];
  }
  const has = (k: string) => s.condition?.clauses.some((c) => c.key.value.toLowerCase() === k);
  const edits = [];
  if (!has('aws:principalisawsservice')) edits.push(...setValue(policy.text, [...base, 'Bool', 'aws:PrincipalIsAWSService'], 'false'));
  if (edits.length) return [{ title: 'Add the aws:PrincipalIsAWSService carve-out', edits, preferred: true }];
  if (!has('kms:grantisforawsresource')) return [{ title: 'Add the kms:GrantIsForAWSResource carve-out (BoolIfExists)', edits: setValue(policy.text, [...base, 'BoolIfExists', 'kms:GrantIsForAWSResource'], 'false') }];
  return [];
};

/**
 * literal-wildcard: read the clause's values as patterns. A clause alone under its operator has
 * the operator renamed; one beside other keys moves to the `...Like` operator. No fix when the
 * `...Like` operator already compares that key (merging would turn AND into OR).
 */
const useLikeOperator: Fixer = (policy, r) => {
  const like = replacement(r);
  const s = statementAt(policy, r.span.start);
  const clause = s?.condition?.clauses.find((c) => c.values.span.start <= r.span.start && r.span.end <= c.values.span.end);
  if (!like || !s || !clause) return [];
  const clauses = s.condition!.clauses;
  if (clauses.some((c) => c.operator.value === like && c.key.value === clause.key.value)) return [];
  const sameOperator = clauses.filter((c) => c.operator.span.start === clause.operator.span.start);
  const title = `Use ${like} (match "*" and "?" as wildcards)`;
  const likeExists = clauses.some((c) => c.operator.value === like);
  if (sameOperator.length === 1 && !likeExists) return [{ title, edits: [replaceSpan(clause.operator.span, JSON.stringify(like))], preferred: !/IgnoreCase/.test(clause.operator.value) }];
  const base = [...statementPath(policy, s), 'Condition'];
  const values = clause.values.isArray ? clause.values.items.map((v) => v.value) : clause.values.items[0]?.value;
  const removed = sameOperator.length === 1 ? [...base, clause.operator.value] : [...base, clause.operator.value, clause.key.value];
  const edits = [...setValue(policy.text, removed, undefined), ...setValue(policy.text, [...base, like, clause.key.value], values)];
  return [{ title, edits, preferred: !/IgnoreCase/.test(clause.operator.value) }];
};

/**
 * not-principal-role: AWS's recommended form of the same Deny. `"Principal": {"AWS": "*"}` and
 * `ArnNotEquals aws:PrincipalArn` with the NotPrincipal's ARNs: a session's aws:PrincipalArn is
 * its role's ARN, so the roles' sessions become exempt; listed account roots exempt the root user
 * as before. Only for a NotPrincipal of AWS ARNs that lists no session and a statement with no
 * ArnNotEquals on aws:PrincipalArn already.
 */
const principalArnInsteadOfNotPrincipal: Fixer = (policy, r) => {
  const s = statementAt(policy, r.span.start);
  const entries = s?.notPrincipal?.entries ?? [];
  if (!s || s.notPrincipal?.bare || entries.length === 0 || entries.some((e) => e.type !== 'AWS')) return [];
  const arns = entries.flatMap((e) => e.values.items.map((v) => v.value));
  if (arns.some((a) => !a.startsWith('arn:') || a.includes(':assumed-role/'))) return [];
  if (s.condition?.clauses.some((c) => c.operator.value === 'ArnNotEquals' && c.key.value.toLowerCase() === 'aws:principalarn')) return [];
  const current = parseJsonc(policy.text.slice(s.span.start, s.span.end)) as Record<string, unknown> | undefined;
  if (!current || typeof current !== 'object') return [];
  const next: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(current)) {
    if (k === 'NotPrincipal') next.Principal = { AWS: '*' };
    else next[k] = v;
  }
  const condition = { ...((current.Condition as Record<string, unknown> | undefined) ?? {}) };
  condition.ArnNotEquals = { ...((condition.ArnNotEquals as Record<string, unknown> | undefined) ?? {}), 'aws:PrincipalArn': arns.length === 1 ? arns[0] : arns };
  next.Condition = condition;
  return [{ title: 'Use "Principal": {"AWS": "*"} with ArnNotEquals aws:PrincipalArn (exempts the listed roles\' sessions too)', edits: setValue(policy.text, statementPath(policy, s), next) }];
};

const FIXERS: Record<string, Fixer> = {
  'not-principal-role': principalArnInsteadOfNotPrincipal,
  'literal-wildcard': useLikeOperator,
  'missing-deny-everyone-else': addDenyEveryoneElse,
  'over-broad-grant': narrowWildcard,
  'deny-everyone-else-dead-grant': exemptPrincipal,
  'deny-everyone-else-partial': replaceString,
  'deny-everyone-else-carve-outs': addCarveOuts,
  'unknown-action': replaceString,
  'invalid-effect': replaceString,
  'unknown-element': replaceString,
  'deprecated-condition-key': replaceString,
  'resource-not-star': (_policy, r) => [{ title: 'Set Resource to "*" (this key)', edits: [replaceSpan(r.span, '"*"')], preferred: true }],
  'invalid-version': (policy, r) => {
    if (policy.version) return [{ title: `Set Version to "${POLICY_VERSION}"`, edits: [replaceSpan(policy.version.span, JSON.stringify(POLICY_VERSION))], preferred: true }];
    return [{ title: `Add "Version": "${POLICY_VERSION}"`, edits: setValue(policy.text, ['Version'], POLICY_VERSION, 0), preferred: true }];
  },
  'missing-resource': (policy, r) => {
    const path = statementPathAt(policy, r.span.start);
    return path ? [{ title: 'Add "Resource": "*"', edits: setValue(policy.text, [...path, 'Resource'], '*'), preferred: true }] : [];
  },
  'duplicate-action': (policy, r) => {
    const path = pathAt(policy, r.span.start);
    return path ? [{ title: 'Remove the duplicate action', edits: setValue(policy.text, path, undefined), preferred: true }] : [];
  },
};

export function quickFixes(policy: PolicyDocument, request: FixRequest): Fix[] {
  const fixer = FIXERS[request.code];
  if (!fixer || !policy.root) return [];
  try {
    return fixer(policy, request);
  } catch {
    return [];
  }
}

// ---- refactorings on Action lists (not tied to a diagnostic) --------------------------------

/** At an action wildcard: expand it into the actions it matches. */
export function expandWildcard(policy: PolicyDocument, offset: number): Fix | undefined {
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction]) {
      const item = list?.items.find((i) => i.literal && i.span.start <= offset && offset <= i.span.end);
      if (!item || !isWildcard(item.value)) continue;
      const matched = expandAction(item.value);
      if (matched.length === 0 || matched.length > 60) return undefined;
      const path = pathAt(policy, item.span.start);
      if (!path || !list) return undefined;
      const others = list.items.filter((i) => i !== item).map((i) => i.value);
      const values = [...others, ...matched.map((a) => a.fullName).filter((n) => !others.includes(n))];
      const listPath = list.isArray ? path.slice(0, -1) : path;
      return { title: `Expand "${item.value}" into its ${matched.length} action${matched.length === 1 ? '' : 's'}`, edits: setValue(policy.text, listPath, values) };
    }
  }
  return undefined;
}

/** On an Action list whose actions are exactly what one wildcard matches: collapse them into it. */
export function collapseToWildcard(policy: PolicyDocument, offset: number): Fix | undefined {
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction]) {
      if (!list || !list.isArray || offset < list.span.start || offset > list.span.end) continue;
      const wildcard = exactWildcard(list);
      if (!wildcard) return undefined;
      const path = pathAt(policy, list.span.start);
      if (!path) return undefined;
      return { title: `Collapse ${list.items.length} actions into "${wildcard}"`, edits: setValue(policy.text, path, wildcard) };
    }
  }
  return undefined;
}

function exactWildcard(list: ValueList): string | undefined {
  if (list.items.length < 2 || list.items.some((i) => !i.literal || isWildcard(i.value) || splitAction(i.value).service.toLowerCase() !== 'kms')) return undefined;
  const names = list.items.map((i) => splitAction(i.value).name);
  let prefix = names[0];
  for (const n of names) while (!n.toLowerCase().startsWith(prefix.toLowerCase())) prefix = prefix.slice(0, -1);
  if (prefix.length < 3) return undefined;
  const candidate = `kms:${prefix}*`;
  const matched = new Set(expandAction(candidate).map((a) => a.name.toLowerCase()));
  const listed = new Set(names.map((n) => n.toLowerCase()));
  if (matched.size !== listed.size || [...listed].some((n) => !matched.has(n))) return undefined;
  return candidate;
}
