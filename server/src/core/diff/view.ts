/**
 * The effective-access view: every principal a key policy names, then the stand-ins for everyone
 * else, against the five capabilities, as the evaluator decides (see design.md, "Evaluating a key
 * policy"). The access diff compares two of these, action by action.
 */
import { CAPABILITIES, actionsOfCapability, type Capability, type KmsAction } from '../catalog/catalog';
import { effectiveAccess, evaluatorFor, iamDelegations, UNNAMED_ROLE, RESULT_RANK, type AccessResult, type Decision, type EvaluateOptions, type PrincipalAccess } from '../evaluate/index';
import type { PolicyDocument, Statement } from '../policy/model';
import type { AccessCell, AccessRow, AccessView, RowKind } from './types';
import { tooComplex } from '../limits';
import { ACCESS_ANALYSIS_LIMIT, accessAnalyzable } from '../rules/index';

/** The name of the key a policy belongs to: the IaC resource (logical id, `aws_kms_key.x`), else `fallback` (a file name). */
export function keyName(policy: PolicyDocument, fallback: string): string {
  return policy.embedded?.resource ?? fallback;
}

/** A row before its cells: who it is, and the principal the evaluator is asked about. */
export interface Subject {
  readonly id: string;
  readonly label: string;
  readonly kind: RowKind;
  readonly namedIn: readonly number[];
  /** The value the evaluator sees (an IaC symbol's synthetic value, a stand-in's ARN). */
  readonly principal: string;
  /** For `account` rows: the account, as the evaluator sees it. */
  readonly account?: string;
  /** The policy's own effective access for it, when the row comes from that policy. */
  readonly access?: PrincipalAccess;
}

/** How a policy writes a value the evaluator sees: IaC symbols as written, the rest as is. */
export function displayOf(policy: PolicyDocument, value: string): string {
  return policy.embedded?.display[value] ?? value;
}

function accountLabel(policy: PolicyDocument, account: string): string {
  const display = policy.embedded?.display;
  if (!display) return account;
  const root = `arn:aws:iam::${account}:root`;
  const written = display[account] ?? display[root];
  if (written === undefined) return account;
  // `!Sub arn:aws:iam::${AWS::AccountId}:root` names the account by its root: say which account.
  const m = /arn:[^:]*:iam::([^:]+):root/.exec(written);
  return m ? m[1] : written;
}

/** The rows of a policy, in the view's order: named principals as they first appear, then the stand-ins. */
export function subjectsOf(policy: PolicyDocument, options?: EvaluateOptions): Subject[] {
  const subjects = effectiveAccess(policy, options).map((access): Subject => {
    const base = { namedIn: access.namedIn, principal: access.principal, access };
    switch (access.origin) {
      case 'named': {
        const label = displayOf(policy, access.principal);
        return { ...base, id: label, label, kind: access.kind === 'service' ? 'service' : 'named' };
      }
      case 'unnamed-same-account': {
        const account = accountLabel(policy, access.account ?? '');
        return { ...base, id: `anyone in ${account} through IAM`, label: `anyone in ${account} through IAM`, kind: 'account', account: access.account };
      }
      case 'unnamed-other-account':
        return { ...base, id: 'anyone in another account', label: 'anyone in another account', kind: 'other-account' };
      case 'unnamed-service':
        return { ...base, id: 'any other AWS service', label: 'any other AWS service', kind: 'other-service' };
    }
  });
  // Anyone in another account the policy delegates to (its root in an Allow), through IAM there.
  const listed = new Set(subjects.filter((s) => s.kind === 'account').map((s) => s.account));
  const delegated = iamDelegations(policy, options)
    .filter((d) => !listed.has(d.account))
    .map((d): Subject => {
      const label = `anyone in ${accountLabel(policy, d.account)} through IAM`;
      return { id: label, label, kind: 'account', namedIn: [], principal: `arn:aws:iam::${d.account}:role/${UNNAMED_ROLE}`, account: d.account };
    });
  if (delegated.length) subjects.splice(subjects.findIndex((s) => s.kind === 'other-account'), 0, ...delegated);
  return subjects;
}

/** The decision for every catalog action (by index in `kmsActions`), for a subject of this policy or another. */
export function decisionsFor(policy: PolicyDocument, principal: string, options: EvaluateOptions | undefined, access?: PrincipalAccess): (action: KmsAction) => Decision {
  if (access) return (a) => access.decisionOf(a);
  return evaluatorFor(policy, principal, options);
}

/** A statement's conditions as written, one clause per entry: `StringEquals kms:ViaService = s3.us-east-1.amazonaws.com`. */
export function clausesOf(policy: PolicyDocument, statement: Statement | undefined): string[] {
  if (!statement?.condition) return [];
  return statement.condition.clauses.map((c) => {
    const values = c.values.items.map((v) => v.written ?? displayOf(policy, v.value));
    return `${c.operator.value} ${c.key.value} = ${values.length === 1 ? values[0] : `[${values.join(', ')}]`}`;
  });
}

/**
 * The conditions behind a decision, one entry per deciding statement: an Allow's clauses joined
 * by "and", a Deny's prefixed "unless". Only conditional decisions have any.
 */
export function conditionsOf(policy: PolicyDocument, decision: Decision): string[] {
  if (decision.result !== 'conditional') return [];
  const out: string[] = [];
  for (const i of decision.statements) {
    const s = policy.statements[i];
    const clauses = clausesOf(policy, s);
    if (clauses.length === 0) continue;
    const deny = s?.effect?.value === 'Deny';
    const text = `${deny ? 'unless ' : ''}${clauses.join(' and ')}`;
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** Denied and not allowed are both "no access" for a reader of the view. */
export function grants(result: AccessResult): boolean {
  return RESULT_RANK[result] >= RESULT_RANK.conditional;
}

function cellOf(policy: PolicyDocument, capability: Capability, decide: (a: KmsAction) => Decision): AccessCell {
  const actions = actionsOfCapability(capability);
  const decisions = actions.map(decide);
  let best = decisions[0];
  for (const d of decisions) if (RESULT_RANK[d.result] > RESULT_RANK[best.result]) best = d;
  // No access at all: "denied" when any action is denied explicitly, else "not-allowed".
  if (!grants(best.result)) best = decisions.find((d) => d.result === 'denied') ?? best;
  const at = decisions.map((d, i) => (d.result === best.result ? i : -1)).filter((i) => i >= 0);
  const partial = at.length < actions.length;
  const statements = new Set<number>();
  const conditions: string[] = [];
  for (const i of at) {
    for (const s of decisions[i].statements) statements.add(s);
    for (const c of conditionsOf(policy, decisions[i])) if (!conditions.includes(c)) conditions.push(c);
  }
  return {
    level: best.result,
    partial,
    actions: partial ? at.map((i) => actions[i].fullName) : [],
    conditions,
    statements: [...statements].sort((a, b) => a - b),
  };
}

function rowOf(policy: PolicyDocument, subject: Subject, options: EvaluateOptions | undefined): AccessRow {
  const decide = decisionsFor(policy, subject.principal, options, subject.access);
  const cells = {} as Record<Capability, AccessCell>;
  for (const c of CAPABILITIES) cells[c] = cellOf(policy, c, decide);
  return { id: subject.id, label: subject.label, kind: subject.kind, namedIn: subject.namedIn, cells };
}

/** What a policy's unknown parts are, as written. */
export function unknownOf(policy: PolicyDocument | undefined): string[] {
  return policy?.unknown?.map((u) => u.what) ?? [];
}

/**
 * Why a policy's effective access is not evaluated, or undefined when it is: the analysis limits
 * (core/limits.ts) and the 128 KB effective-access limit, as for the rules and hover.
 */
export function accessLimit(policy: PolicyDocument): string | undefined {
  if (!accessAnalyzable(policy)) return `the whole policy (over ${ACCESS_ANALYSIS_LIMIT / 1024} KB: effective access is not evaluated)`;
  const skipped = tooComplex(policy);
  return skipped ? `the whole policy (${skipped.message})` : undefined;
}

/** Every principal the policy names, then the stand-ins, against the five capabilities. */
export function accessView(policy: PolicyDocument, options?: EvaluateOptions): AccessView {
  const limit = accessLimit(policy);
  if (limit) return { rows: [], unknown: [limit] };
  return { rows: subjectsOf(policy, options).map((s) => rowOf(policy, s, options)), unknown: unknownOf(policy) };
}

