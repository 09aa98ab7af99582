/**
 * The access diff: what changes in effective access between two versions of a key policy, for
 * every principal either names and for the stand-ins (anyone in an account through IAM, anyone
 * in another account, any other AWS service), action by action, grouped by capability.
 * Both versions are judged by the evaluator, so a change the evaluator cannot see (an IAM policy,
 * a condition's value) is no change here; a version with parts it could not read says so.
 */
import { CAPABILITIES, actionsOfCapability, type Capability, type KmsAction } from '../catalog/catalog';
import { RESULT_RANK, type AccessResult, type Decision, type EvaluateOptions } from '../evaluate/index';
import { compilePolicy, ownAccountsFor } from '../evaluate/evaluate';
import type { PolicyDocument } from '../policy/model';
import type { AccessChange, AccessDiff, ChangeKind, RowKind } from './types';
import { accessLimit, conditionsOf, decisionsFor, grants, subjectsOf, unknownOf, type Subject } from './view';

/** Is the diff partial: is either side only partly known? */
export function isPartial(diff: AccessDiff): boolean {
  return diff.unknown.before.length > 0 || diff.unknown.after.length > 0;
}

/** Does this change widen access (a gain, or conditions that changed and may widen)? */
export function widens(change: AccessChange): boolean {
  return change.kind !== 'loss';
}

const SYNTHETIC_ACCOUNT = /^0{6}\d{6}$/;
const ARN_ACCOUNT = /^(arn:[^:]*:[^:]*:[^:]*:)(\d{12})(:.*)$/;

/**
 * The value to ask one policy about a principal written in the other. Plain ARNs are the same
 * principal in both. An IaC symbol's synthetic account (000000000001...) is numbered per file: it
 * is looked up by how it is written in the other version, or, when that version never writes it,
 * replaced by an account that version does not name.
 */
function translate(value: string, from: PolicyDocument, to: PolicyDocument | undefined, spare: () => string): string {
  if (!to || !from.embedded) return value;
  const m = ARN_ACCOUNT.exec(value);
  const account = m ? m[2] : SYNTHETIC_ACCOUNT.test(value) ? value : undefined;
  if (!account || !SYNTHETIC_ACCOUNT.test(account) || account === '000000000000') return value;
  const written = from.embedded.display[account] ?? from.embedded.display[`arn:aws:iam::${account}:root`];
  let mapped: string | undefined;
  if (written !== undefined && to.embedded) {
    for (const [v, w] of Object.entries(to.embedded.display)) {
      if (w !== written) continue;
      const n = ARN_ACCOUNT.exec(v);
      mapped = n ? n[2] : SYNTHETIC_ACCOUNT.test(v) ? v : undefined;
      if (mapped) break;
    }
  }
  mapped ??= spare();
  return m ? `${m[1]}${mapped}${m[3]}` : mapped;
}

interface Side {
  readonly policy: PolicyDocument | undefined;
  readonly subjects: ReadonlyMap<string, Subject>;
}

function sideOf(policy: PolicyDocument | undefined, options: EvaluateOptions | undefined): Side {
  const subjects = new Map<string, Subject>();
  if (policy) for (const s of subjectsOf(policy, options)) if (!subjects.has(s.id)) subjects.set(s.id, s);
  return { policy, subjects };
}

/** The decisions of one side for a row: its own subject, or the other side's principal translated. */
function decider(side: Side, id: string, other: Side, options: EvaluateOptions | undefined, spare: () => string): ((a: KmsAction) => Decision) | undefined {
  if (!side.policy) return undefined;
  const own = side.subjects.get(id);
  if (own) return decisionsFor(side.policy, own.principal, options, own.access);
  const theirs = other.subjects.get(id)!;
  return decisionsFor(side.policy, translate(theirs.principal, other.policy!, side.policy, spare), options);
}

const NONE: Decision = { result: 'not-allowed', statements: [], reason: '' };

/** Conditions as sets of clauses, per deciding statement, split into allows and "unless" denies. */
function parts(conditions: readonly string[]): { allows: string[][]; denies: string[] } {
  const allows: string[][] = [];
  const denies: string[] = [];
  for (const c of conditions) {
    if (c.startsWith('unless ')) denies.push(c);
    else allows.push(c.split(' and '));
  }
  // Conditional only because of a Deny: the deciding Allows are unconditional, one empty alternative.
  if (!allows.length) allows.push([]);
  return { allows, denies };
}

const subset = (a: readonly string[], b: readonly string[]) => a.every((x) => b.includes(x));

type Compare = 'same' | 'gain' | 'loss' | 'changed';

function combine(a: Compare, b: Compare): Compare {
  if (a === 'same') return b;
  if (b === 'same' || a === b) return a;
  return 'changed';
}

/**
 * Two conditional decisions: is the new one looser (every old alternative has a new one with a
 * subset of its clauses), stricter, the same, or neither?
 */
function compareConditions(before: readonly string[], after: readonly string[]): Compare {
  const b = parts(before);
  const a = parts(after);
  const looser = b.allows.every((o) => a.allows.some((n) => subset(n, o)));
  const stricter = a.allows.every((n) => b.allows.some((o) => subset(o, n)));
  const allow: Compare = looser && stricter ? 'same' : looser ? 'gain' : stricter ? 'loss' : 'changed';
  const fewerDenies = subset(a.denies, b.denies);
  const moreDenies = subset(b.denies, a.denies);
  const deny: Compare = fewerDenies && moreDenies ? 'same' : fewerDenies ? 'gain' : moreDenies ? 'loss' : 'changed';
  return combine(allow, deny);
}

/** Denied and not allowed are the same for access: no grant. */
function rank(r: AccessResult): number {
  return grants(r) ? RESULT_RANK[r] : 0;
}

interface Transition {
  readonly kind: ChangeKind;
  readonly from: AccessResult;
  readonly to: AccessResult;
  readonly removed: readonly string[];
  readonly added: readonly string[];
  readonly statements: readonly number[];
}

function transition(before: PolicyDocument | undefined, d0: Decision, after: PolicyDocument | undefined, d1: Decision): Transition | undefined {
  const r0 = rank(d0.result);
  const r1 = rank(d1.result);
  const c0 = before ? conditionsOf(before, d0) : [];
  const c1 = after ? conditionsOf(after, d1) : [];
  let kind: ChangeKind;
  if (r0 === r1) {
    if (d0.result !== 'conditional') return undefined;
    const cmp = compareConditions(c0, c1);
    if (cmp === 'same') return undefined;
    kind = cmp === 'gain' ? 'gain' : cmp === 'loss' ? 'loss' : 'changed';
  } else kind = r1 > r0 ? 'gain' : 'loss';
  return {
    kind,
    from: d0.result,
    to: d1.result,
    removed: c0.filter((c) => !c1.includes(c)),
    added: c1.filter((c) => !c0.includes(c)),
    statements: kind === 'loss' ? d0.statements : d1.statements,
  };
}

const KIND_ORDER: Record<ChangeKind, number> = { gain: 0, changed: 1, loss: 2 };

/** The key's own accounts, as one version writes them (IaC symbols are numbered per file). */
interface Pin {
  readonly from: PolicyDocument;
  readonly accounts: readonly string[];
}

function diffPolicies(before: PolicyDocument | undefined, after: PolicyDocument | undefined, options: EvaluateOptions | undefined, pin: Pin | undefined): AccessChange[] {
  let next = 999999990000;
  const spare = () => String(next++);
  // Each side sees the same accounts as the key's own, each in its own numbering.
  const sideOptions = (side: PolicyDocument | undefined): EvaluateOptions | undefined =>
    pin && side ? { ...options, keyAccounts: pin.accounts.map((a) => translate(a, pin.from, side, spare)) } : options;
  const beforeOptions = sideOptions(before);
  const afterOptions = sideOptions(after);
  const b = sideOf(before, beforeOptions);
  const a = sideOf(after, afterOptions);
  // Rows: the new version's order, then rows only the old one has.
  const rows = new Map<string, { label: string; kind: RowKind }>();
  for (const s of [...a.subjects.values(), ...b.subjects.values()]) if (!rows.has(s.id)) rows.set(s.id, { label: s.label, kind: s.kind });
  const changes: AccessChange[] = [];
  let order = 0;
  const rowOrder = new Map<string, number>();
  for (const [id, row] of rows) {
    rowOrder.set(id, order++);
    const d0 = decider(b, id, a, beforeOptions, spare);
    const d1 = decider(a, id, b, afterOptions, spare);
    for (const capability of CAPABILITIES) {
      const actions = actionsOfCapability(capability);
      // Actions with the same transition (and conditions) form one change.
      const groups = new Map<string, { t: Transition; actions: string[]; statements: Set<number> }>();
      for (const action of actions) {
        const t = transition(before, d0 ? d0(action) : NONE, after, d1 ? d1(action) : NONE);
        if (!t) continue;
        const key = `${t.kind}|${t.from}|${t.to}|${t.removed.join('\n')}|${t.added.join('\n')}`;
        const g = groups.get(key);
        if (g) {
          g.actions.push(action.fullName);
          for (const s of t.statements) g.statements.add(s);
        } else groups.set(key, { t, actions: [action.fullName], statements: new Set(t.statements) });
      }
      for (const { t, actions: acts, statements } of groups.values()) {
        changes.push({
          kind: t.kind,
          row: id,
          label: row.label,
          rowKind: row.kind,
          capability,
          actions: acts,
          partial: acts.length < actions.length,
          from: t.from,
          to: t.to,
          conditionsRemoved: t.removed,
          conditionsAdded: t.added,
          statements: [...statements].sort((x, y) => x - y),
        });
      }
    }
  }
  const capOrder = (c: Capability) => CAPABILITIES.indexOf(c);
  return changes.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || rowOrder.get(x.row)! - rowOrder.get(y.row)! || capOrder(x.capability) - capOrder(y.capability));
}

// ---- Fn::If branches -------------------------------------------------------------------------

type Assignment = ReadonlyMap<string, boolean>;

/** The branch of a policy that holds under an assignment of (some of) its conditions, or the policy itself when it has none. */
function branchUnder(policy: PolicyDocument | undefined, assignment: Assignment): PolicyDocument | undefined | null {
  const branches = policy?.embedded?.branches;
  if (!branches) return policy;
  const branch = branches.find((b) => b.when.every(([c, v]) => !assignment.has(c) || assignment.get(c) === v));
  return branch ? branch.policy : null;
}

function changeKey(c: AccessChange): string {
  return [c.kind, c.row, c.capability, c.from, c.to, c.actions.join(','), c.conditionsRemoved.join('\n'), c.conditionsAdded.join('\n')].join('|');
}

/** "when S3Readers is true" for the assignments at these positions: one condition's value if that picks exactly them, else each in full. */
function describeAssignments(assignments: readonly Assignment[], where: readonly number[]): string {
  const picked = new Set(where);
  for (const condition of assignments[0].keys()) {
    for (const value of [true, false]) {
      const these = assignments.flatMap((a, i) => (a.get(condition) === value ? [i] : []));
      if (these.length === picked.size && these.every((i) => picked.has(i))) return `when ${condition} is ${value}`;
    }
  }
  return where.map((i) => `when ${[...assignments[i]].map(([c, v]) => `${c} is ${v}`).join(' and ')}`).join(', or ');
}

/**
 * With `Fn::If` on either side, both versions are compared under each assignment of the conditions
 * either uses (each side's branch for it): a change in every assignment is said once, plainly; the
 * others say when they hold. A side with no `Fn::If` is the same policy under every assignment.
 */
function diffBranches(before: PolicyDocument | undefined, after: PolicyDocument | undefined, options: EvaluateOptions | undefined, pin: Pin | undefined): AccessChange[] {
  const conditions = [...new Set([before, after].flatMap((p) => p?.embedded?.branches?.flatMap((b) => b.when.map(([c]) => c)) ?? []))];
  // Every combination of up to five conditions (the template analysis takes up to three per policy).
  const assignments: Assignment[] = [];
  const n = Math.min(conditions.length, 5);
  for (let bits = 0; bits < 1 << n; bits++) assignments.push(new Map(conditions.slice(0, n).map((c, i) => [c, (bits & (1 << i)) === 0] as const)));
  const perAssignment: AccessChange[][] = [];
  const used: number[] = [];
  assignments.forEach((assignment, i) => {
    const b = branchUnder(before, assignment);
    const a = branchUnder(after, assignment);
    if (b === null || a === null) return; // no branch of one side holds there (not analyzed)
    perAssignment.push(diffPolicies(b, a, options, pin && { ...pin, from: branchUnder(pin.from, assignment) ?? pin.from }));
    used.push(i);
  });
  const usedAssignments = used.map((i) => assignments[i]);
  const where = new Map<string, { change: AccessChange; at: number[] }>();
  perAssignment.forEach((changes, i) => {
    for (const c of changes) {
      const key = changeKey(c);
      const entry = where.get(key);
      if (entry) {
        if (!entry.at.includes(i)) entry.at.push(i);
      } else where.set(key, { change: c, at: [i] });
    }
  });
  const out: AccessChange[] = [];
  for (const { change, at } of where.values()) {
    out.push(at.length === perAssignment.length ? change : { ...change, when: describeAssignments(usedAssignments, at) });
  }
  return out.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind]);
}

/** What changes in effective access from `before` to `after` (either may be missing: a key added or removed). */
export function diffAccess(before: PolicyDocument | undefined, after: PolicyDocument | undefined, options?: EvaluateOptions): AccessDiff {
  // Beyond the analysis limits nothing is evaluated: unknown, never "no change".
  const limits = [before && accessLimit(before), after && accessLimit(after)];
  if (limits[0] || limits[1]) {
    const unknown = (p: PolicyDocument | undefined, limit: string | undefined) => (limit ? [limit] : unknownOf(p));
    return { changes: [], gains: 0, losses: 0, changed: 0, unknown: { before: unknown(before, limits[0]), after: unknown(after, limits[1]) }, ...(before ? {} : { added: true }), ...(after ? {} : { removed: true }) };
  }
  // The key's accounts do not change between versions: infer them once, from the old version (a
  // new root delegation to another account must not make the key's own roles cross-account), and
  // give them to each side in its own numbering of IaC symbols.
  let pin: Pin | undefined;
  const from = before ?? after;
  if (from && !options?.keyAccount && !options?.keyAccounts?.length && !options?.keyArn) {
    const own = ownAccountsFor(compilePolicy(from), options);
    if (own?.size) pin = { from, accounts: [...own] };
  }
  const changes = before?.embedded?.branches || after?.embedded?.branches ? diffBranches(before, after, options, pin) : diffPolicies(before, after, options, pin);
  let gains = 0;
  let losses = 0;
  let changed = 0;
  for (const c of changes) {
    if (c.kind === 'gain') gains++;
    else if (c.kind === 'loss') losses++;
    else changed++;
  }
  return {
    changes,
    gains,
    losses,
    changed,
    unknown: { before: unknownOf(before), after: unknownOf(after) },
    ...(before ? {} : { added: true }),
    ...(after ? {} : { removed: true }),
  };
}
