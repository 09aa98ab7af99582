/**
 * What a least-privilege rewrite keeps and takes away, principal by principal and path by path,
 * judged by the evaluator on the policy before and after. Every removal is said: the CLI prints
 * these lines, the code action and the quick pick show them, the apply command returns them.
 */
import { actionsOfCapability, CAPABILITIES, kmsActions, type KmsAction } from '../catalog/catalog';
import { effectiveAccess, evaluatorFor, iamDelegations, RESULT_RANK, UNNAMED_ROLE, type AccessResult, type Decision, type EvaluateOptions } from '../evaluate/index';
import type { PolicyDocument, Statement } from '../policy/model';
import type { KeptKind, KeptPath } from './paths';

export type SummaryKind = 'principal' | 'account' | 'others' | KeptKind | 'replaced';

export interface SummaryEntry {
  /** Who or what: a principal ARN, `IAM principals of 111122223333 not named in the policy`, a service, a via-service path. */
  readonly subject: string;
  readonly kind: SummaryKind;
  /** Short action or capability names it keeps (may be empty). */
  readonly keeps: readonly string[];
  /** ...and loses. Non-empty exactly when the rewrite takes something from it. */
  readonly loses: readonly string[];
  /** Actions it gets that it did not have (an assignment that names it anew). */
  readonly gains: readonly string[];
  /** The original statements this entry is about (kept, dropped or replaced). */
  readonly statements: readonly number[];
  /** The line shown to the user. */
  readonly text: string;
}

export interface RewriteSummary {
  readonly entries: readonly SummaryEntry[];
  /** `entries[i].text`, for printing. */
  readonly lines: readonly string[];
  /** Entries that lose something. */
  readonly removals: number;
}

interface PlanView {
  readonly kept: readonly KeptPath[];
  readonly dropped: readonly KeptPath[];
  readonly dead: readonly KeptPath[];
  readonly replaced: readonly number[];
}

/** Has it (directly, or once IAM agrees)... */
const HAS: ReadonlySet<AccessResult> = new Set(['allowed', 'via-iam']);
/** ...or might have it (a condition the evaluator cannot decide: a service path, a source condition). */
const MIGHT: ReadonlySet<AccessResult> = new Set(['allowed', 'via-iam', 'conditional']);

/** `read-config, Decrypt`: whole capabilities by name, other actions by their short names; `every KMS action` for all. */
export function describeActions(actions: readonly string[]): string {
  const set = new Set(actions);
  if (kmsActions.every((a) => set.has(a.fullName))) return 'every KMS action';
  const out: string[] = [];
  const covered = new Set<string>();
  for (const c of CAPABILITIES) {
    const all = actionsOfCapability(c);
    if (all.every((a) => set.has(a.fullName))) {
      out.push(c);
      for (const a of all) covered.add(a.fullName);
    }
  }
  for (const a of actions) if (!covered.has(a)) out.push(a.replace(/^kms:/, ''));
  return out.join(', ');
}

function statementName(s: Statement | undefined, index: number): string {
  return s?.sid?.value ? `statement ${s.sid.value}` : `statement ${index}`;
}

function shortActions(actions: readonly string[]): string {
  return actions.join(', ') || 'nothing';
}

/** Decisions of one principal under a policy, for every catalog action. */
function decisions(policy: PolicyDocument, principal: string, options: EvaluateOptions | undefined): Decision[] {
  const decide = evaluatorFor(policy, principal, options);
  return kmsActions.map((a: KmsAction) => decide(a));
}

interface Change {
  keeps: string[];
  /** Of `keeps`: what it had only if an IAM policy granted it, and now gets from the key policy alone. */
  direct: string[];
  /** Of `loses`: what it still gets if an IAM policy grants it (root delegation). */
  viaIam: string[];
  loses: string[];
  gains: string[];
  /** Statements that decided what it had before. */
  from: Set<number>;
  deniedAfter: boolean;
}

function change(before: readonly Decision[], after: readonly Decision[]): Change {
  const c: Change = { keeps: [], direct: [], viaIam: [], loses: [], gains: [], from: new Set(), deniedAfter: false };
  kmsActions.forEach((a, i) => {
    const b = before[i];
    const x = after[i];
    const had = MIGHT.has(b.result);
    const has = HAS.has(x.result);
    if (has && HAS.has(b.result) && RESULT_RANK[x.result] >= RESULT_RANK[b.result]) {
      c.keeps.push(a.fullName);
      if (b.result === 'via-iam' && x.result === 'allowed') c.direct.push(a.fullName);
    }
    if (had && RESULT_RANK[x.result] < RESULT_RANK[b.result]) {
      c.loses.push(a.fullName);
      if (x.result === 'via-iam') c.viaIam.push(a.fullName);
      for (const s of b.statements) c.from.add(s);
      if (x.result === 'denied') c.deniedAfter = true;
    }
    if (!HAS.has(b.result) && has) c.gains.push(a.fullName);
  });
  return c;
}

/**
 * The summary of a rewrite from `before` to `after` (the planned policy). `keyAccount`: the key's
 * account, so both are judged alike (a key-policy-only result names no root to infer it from).
 */
export function summarize(before: PolicyDocument, after: PolicyDocument, plan: PlanView, keyAccount?: string): RewriteSummary {
  const options: EvaluateOptions | undefined = keyAccount ? { keyAccount } : undefined;
  const byIndex = new Map(before.statements.map((s) => [s.index, s]));
  const replaced = new Set(plan.replaced);
  const entries: SummaryEntry[] = [];
  const names = (indexes: Iterable<number>) => [...new Set(indexes)].filter((i) => replaced.has(i)).map((i) => statementName(byIndex.get(i), i));
  const cause = (c: Change) => {
    const removed = names(c.from);
    if (c.deniedAfter) return 'denied by the new DenyEveryoneElse';
    return removed.length ? `${removed.join(', ')} replaced` : 'rewritten';
  };

  // Named principals: roles, users, sessions, and the principals the assignment adds.
  const listed = new Set<string>();
  const named = effectiveAccess(before, options).filter((p) => p.origin === 'named' && (p.kind === 'role' || p.kind === 'user' || p.kind === 'session' || p.kind === 'other'));
  const afterNamed = effectiveAccess(after, options).filter((p) => p.origin === 'named' && (p.kind === 'role' || p.kind === 'user' || p.kind === 'session' || p.kind === 'other'));
  for (const p of [...named, ...afterNamed]) {
    if (listed.has(p.principal)) continue;
    listed.add(p.principal);
    const c = change(decisions(before, p.principal, options), decisions(after, p.principal, options));
    const parts: string[] = [];
    // Root delegation made much of the account's access "only if an IAM policy grants it": what the
    // key policy now grants by itself is new access for this principal, and is said as such.
    const kept = c.keeps.filter((a) => !c.direct.includes(a));
    if (kept.length || (!c.gains.length && !c.direct.length)) parts.push(`keeps ${kept.length ? describeActions(kept) : 'nothing'}`);
    if (c.gains.length) parts.push(`gets ${describeActions(c.gains)}`);
    if (c.direct.length) parts.push(`gets ${describeActions(c.direct)} from the key policy alone (before, only if an IAM policy granted it)`);
    const gone = c.loses.filter((a) => !c.viaIam.includes(a));
    if (gone.length) parts.push(`loses ${describeActions(gone)} (${cause(c)})`);
    if (c.viaIam.length) parts.push(`${describeActions(c.viaIam)} only if an IAM policy grants it now (${cause(c)})`);
    parts[0] = `${p.principal} ${parts[0]}`;
    const namedIn = before.statements.length ? (named.find((x) => x.principal === p.principal)?.namedIn ?? []) : [];
    entries.push({ subject: p.principal, kind: 'principal', keeps: c.keeps, loses: c.loses, gains: c.gains, statements: [...new Set([...namedIn, ...c.from])].filter((i) => replaced.has(i)), text: parts.join('; ') });
  }

  // Principals the policy does not name: through root delegation, a wide statement, or from elsewhere.
  const accounts = new Set<string>([...iamDelegations(before, options).map((d) => d.account)]);
  const standIns = effectiveAccess(before, options).filter((p) => p.origin !== 'named');
  for (const p of standIns) {
    if (p.origin === 'unnamed-same-account' && p.account) accounts.delete(p.account);
    const c = change(decisions(before, p.principal, options), decisions(after, p.principal, options));
    const who =
      p.origin === 'unnamed-same-account' ? `IAM principals of ${p.account} not named in the policy` : p.origin === 'unnamed-other-account' ? 'principals of other accounts not named in the policy' : 'AWS services not named in the policy';
    if (c.loses.length === 0 && c.gains.length === 0) continue;
    const rootOnly = [...c.from].some((i) => isRootDelegation(byIndex.get(i)));
    const text =
      c.keeps.length === 0 && c.loses.length
        ? `${p.origin === 'unnamed-same-account' ? `IAM policies in ${p.account} no longer grant access` : `${who} lose ${describeActions(c.loses)}`} (${rootOnly && !c.deniedAfter ? 'root delegation removed' : cause(c)})`
        : `${who} keep ${describeActions(c.keeps)}${c.loses.length ? `; lose ${describeActions(c.loses)} (${cause(c)})` : ''}${c.gains.length ? `; get ${describeActions(c.gains)}` : ''}`;
    entries.push({ subject: who, kind: p.origin === 'unnamed-same-account' ? 'account' : 'others', keeps: c.keeps, loses: c.loses, gains: c.gains, statements: [...c.from].filter((i) => replaced.has(i)), text });
  }
  for (const account of accounts) {
    // A delegation to an account that is not the key's own (another account's root).
    const principal = `arn:aws:iam::${account}:role/${UNNAMED_ROLE}`;
    const c = change(decisions(before, principal, options), decisions(after, principal, options));
    if (c.loses.length === 0) continue;
    const text = c.keeps.length === 0 ? `IAM policies in ${account} no longer grant access (${isCross(c, byIndex) ? 'cross-account root delegation removed' : cause(c)})` : `IAM principals of ${account} keep ${describeActions(c.keeps)}; lose ${describeActions(c.loses)} (${cause(c)})`;
    entries.push({ subject: `IAM principals of ${account}`, kind: 'account', keeps: c.keeps, loses: c.loses, gains: c.gains, statements: [...c.from].filter((i) => replaced.has(i)), text });
  }

  for (const k of plan.kept) {
    entries.push({ subject: k.label, kind: k.kind, keeps: k.actions, loses: [], gains: [], statements: [k.index], text: `${k.label} ${k.kind === 'guardrail' ? 'stays' : `keeps ${shortActions(k.actions)}`} (${statementName(byIndex.get(k.index), k.index)}, kept)` });
  }
  for (const k of plan.dropped) {
    entries.push({ subject: k.label, kind: k.kind, keeps: [], loses: k.actions, gains: [], statements: [k.index], text: `${k.label} loses ${shortActions(k.actions)} (${statementName(byIndex.get(k.index), k.index)}, dropped as asked)` });
  }

  for (const k of plan.dead) {
    entries.push({ subject: k.label, kind: k.kind, keeps: [], loses: [], gains: [], statements: [k.index], text: `${k.label} had nothing: a Deny of this policy cancels ${statementName(byIndex.get(k.index), k.index)}, so it is not kept (keeping it without that Deny would widen access)` });
  }

  // Statements replaced with no principal above to speak for them (a Deny, a statement that allowed nothing).
  const said = new Set(entries.flatMap((e) => e.statements));
  for (const i of plan.replaced) {
    if (said.has(i)) continue;
    const s = byIndex.get(i);
    const what = s?.effect?.value === 'Deny' ? 'replaced by the generated DenyEveryoneElse (or, in key-policy-only, by allowing only the named principals)' : 'replaced: the access it gave is now the assignment\'s';
    entries.push({ subject: statementName(s, i), kind: 'replaced', keeps: [], loses: [], gains: [], statements: [i], text: `${statementName(s, i)} ${what}` });
  }
  return { entries, lines: entries.map((e) => e.text), removals: entries.filter((e) => e.loses.length > 0).length };
}

function isRootDelegation(s: Statement | undefined): boolean {
  const values = s?.principal?.entries.flatMap((e) => e.values.items.map((v) => v.value)) ?? [];
  return s?.effect?.value === 'Allow' && values.length > 0 && values.every((v) => /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(v) || /^\d{12}$/.test(v));
}

function isCross(c: Change, byIndex: ReadonlyMap<number, Statement>): boolean {
  return [...c.from].some((i) => isRootDelegation(byIndex.get(i)));
}
