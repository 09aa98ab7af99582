/**
 * The least-privilege form of a key policy: one Allow statement per capability that has
 * principals, in one of the two styles of the design, written with the document's own
 * formatting and key order. Paths by and through AWS services are kept as written (paths.ts),
 * and every change is summarized (summary.ts). The domain spec generator uses the same function.
 */
import { actionsOfCapability, CAPABILITIES, expandAction, type Capability } from '../catalog/catalog';
import { statementsEdits } from '../iac/hostEdits';
import { POLICY_VERSION } from '../policy/grammar';
import { isAccountRoot } from '../principal/arn';
import type { PolicyDocument, Statement } from '../policy/model';
import { parsePolicy } from '../policy/parse';
import { isDenyEveryoneElse } from '../rules/access';
import { blockJson, detectFormatting, setValue, type Edit } from './edits';
import { accountRootOf } from './account';
import { evaluate } from '../evaluate/index';
import { actionsOfPath, dropMatches, keptPaths, probeOf, statementJson, type KeptPath } from './paths';
import { summarize, type RewriteSummary } from './summary';
import { allowStatement, denyEveryoneElse, denyOtherActionsThrough, sidFor, type Json, type PrincipalForm } from './statements';

export type Style = 'key-policy-only' | 'delegate-to-iam';
export const STYLES: readonly Style[] = ['key-policy-only', 'delegate-to-iam'];

/** Principal ARN -> the capabilities it must have. Order is kept in the output. */
export type Assignment = ReadonlyMap<string, ReadonlySet<Capability>>;

export interface LeastPrivilegeOptions {
  readonly style: Style;
  /** `k9`: `{"AWS":"*"}` with ArnEquals aws:PrincipalArn (default); `explicit`: `"Principal": {"AWS": [...]}`. */
  readonly principalForm?: PrincipalForm;
  /** The account root ARN, required by `delegate-to-iam`. */
  readonly accountRoot?: string;
  /** Kept paths to drop all the same: Sids, service principals, kms:ViaService values, or their short names (`cloudtrail`, `ec2`). */
  readonly dropServices?: readonly string[];
  /** false: replace every statement, keep nothing (the domain spec, which says exactly what the policy allows). Default true. */
  readonly keepPaths?: boolean;
}

export class LockoutError extends Error {
  constructor() {
    super('No principal would be left able to administer the key (kms:PutKeyPolicy). AWS refuses such a policy unless its lockout safety check is bypassed, and then nobody could ever change it again. Give administer-resource to at least one principal.');
  }
}

/** An assignment whose DenyEveryoneElse would exempt account roots only: every IAM role and user of the account would be denied. */
export class RootOnlyError extends Error {
  constructor(root: string) {
    const account = /::(\d{12}):root$/.exec(root)?.[1] ?? 'ACCOUNT';
    super(`The DenyEveryoneElse would exempt only the account root (${root}): it would deny every IAM role and user of the account, so the key would be unusable in practice. Assign the role that administers the key instead, for example --assign arn:aws:iam::${account}:role/<name>=administer-resource.`);
  }
}

const ROOT_ARN = /^arn:aws[a-z-]*:iam::\d{12}:root$/;

/**
 * The via-service paths the DenyEveryoneElse must not cancel. The DenyEveryoneElse exempts calls
 * made through their services (kms:ViaService), and one more Deny per group of services denies,
 * through those services, every action their paths do not have: the exemption keeps the paths
 * working for everyone they name and lets nothing else through (docs/rewrite.md).
 */
export interface ViaExemption {
  readonly operator: 'StringNotEqualsIfExists' | 'StringNotLikeIfExists';
  readonly values: readonly string[];
  /** Services whose kept paths have the same actions, and those actions as written. */
  readonly groups: readonly { readonly services: readonly string[]; readonly actions: readonly string[]; readonly like: boolean }[];
}

/** The exemption on kms:ViaService for the kept via-service paths (undefined when there are none). */
export function viaExemption(kept: readonly KeptPath[]): ViaExemption | undefined {
  const via = kept.filter((k) => k.kind === 'via-service');
  const values = [...new Set(via.flatMap((k) => k.services))];
  if (values.length === 0) return undefined;
  const isLike = (k: KeptPath) => /Like/i.test(k.viaOperator ?? '') || k.services.some((v) => /[*?]/.test(v));
  // A service's actions: those of every kept path through it.
  const byService = new Map<string, Set<string>>();
  for (const k of via) for (const s of k.services) for (const a of k.actions) (byService.get(s) ?? byService.set(s, new Set()).get(s)!).add(`kms:${a}`);
  const groups = new Map<string, { services: string[]; actions: string[]; like: boolean }>();
  for (const [service, actions] of byService) {
    const list = [...actions].sort();
    const key = list.join(' ');
    const g = groups.get(key) ?? groups.set(key, { services: [], actions: list, like: false }).get(key)!;
    g.services.push(service);
    g.like ||= via.some((k) => k.services.includes(service) && isLike(k));
  }
  return { operator: via.some(isLike) ? 'StringNotLikeIfExists' : 'StringNotEqualsIfExists', values, groups: [...groups.values()] };
}

/**
 * The statements of the least-privilege policy, as plain JSON. Throws LockoutError when no
 * principal administers, RootOnlyError when a DenyEveryoneElse would exempt account roots only.
 * `via`: kms:ViaService values the DenyEveryoneElse exempts (the kept via-service paths).
 */
export function leastPrivilegeStatements(assignment: Assignment, options: LeastPrivilegeOptions, keepSids: SidMemory = emptySids(), via?: ViaExemption): { [key: string]: Json }[] {
  const admins = [...assignment].filter(([, caps]) => caps.has('administer-resource'));
  if (admins.length === 0) throw new LockoutError();
  if (options.style === 'delegate-to-iam' && !options.accountRoot) throw new Error('delegate-to-iam needs the account root ARN');
  const statements: { [key: string]: Json }[] = [];
  if (options.style === 'delegate-to-iam') {
    statements.push({ Sid: keepSids.root ?? 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: options.accountRoot! }, Action: 'kms:*', Resource: '*' });
  }
  for (const capability of CAPABILITIES) {
    const principals = [...assignment].filter(([, caps]) => caps.has(capability)).map(([p]) => p);
    if (principals.length === 0) continue;
    statements.push(allowStatement(keepSids.byCapability.get(capability) ?? sidFor(capability), [capability], principals, options.principalForm ?? 'k9'));
  }
  if (options.style === 'delegate-to-iam') {
    // Each ARN once: the root may be assigned too.
    const exempt = [...new Set([options.accountRoot!, ...assignment.keys()])];
    if (exempt.every((p) => ROOT_ARN.test(p))) throw new RootOnlyError(options.accountRoot!);
    const deny = denyEveryoneElse(exempt, via);
    if (keepSids.deny) deny.Sid = keepSids.deny;
    statements.push(deny);
    via?.groups.forEach((g, i) => statements.push(denyOtherActionsThrough(exempt, g.services, g.actions, g.like, via.groups.length > 1 ? String(i + 1) : '')));
  }
  return statements;
}

/** Sids of the statements that survive a rewrite, so that references to them stay valid. */
export interface SidMemory {
  root?: string;
  deny?: string;
  byCapability: Map<Capability, string>;
}

function emptySids(): SidMemory {
  return { byCapability: new Map() };
}

/**
 * Finds, among the statements the rewrite replaces (all, unless `replaced` says), those that do
 * what a generated statement does, and keeps their Sids for it: the root statement, the
 * DenyEveryoneElse, and a statement granting exactly one capability's actions. A Sid never moves
 * to a statement that does something else (a service's GenerateDataKey* is not write-data).
 */
export function survivingSids(policy: PolicyDocument, replaced?: ReadonlySet<number>): SidMemory {
  const memory = emptySids();
  for (const s of policy.statements) {
    if (replaced && !replaced.has(s.index)) continue;
    const sid = s.sid?.literal ? s.sid.value : undefined;
    if (!sid) continue;
    const actions = s.action?.items.map((i) => i.value) ?? [];
    const all = actions.some((a) => a === '*' || a.toLowerCase() === 'kms:*');
    if (s.effect?.value === 'Deny' && all && isDenyEveryoneElse(s)) memory.deny ??= sid;
    else if (s.effect?.value === 'Allow' && all && isRootOnly(s) && !s.condition) memory.root ??= sid;
    else if (s.effect?.value === 'Allow' && !all && !s.condition?.clauses.some((c) => !PRINCIPAL_ARN.test(c.key.value))) {
      const expanded = new Set(actions.flatMap((a) => expandAction(a).map((x) => x.fullName)));
      const caps = new Set(actions.flatMap((a) => expandAction(a).map((x) => x.capability)));
      if (caps.size !== 1) continue;
      const [cap] = caps;
      const exact = actionsOfCapability(cap).every((a) => expanded.has(a.fullName));
      if (exact && !memory.byCapability.has(cap)) memory.byCapability.set(cap, sid);
    }
  }
  return memory;
}

const PRINCIPAL_ARN = /^aws:principalarn$/i;

function isRootOnly(s: Statement): boolean {
  const values = s.principal?.entries.flatMap((e) => e.values.items.map((v) => v.value)) ?? [];
  return values.length > 0 && values.every(isAccountRoot);
}

/** The order of statement keys the document already uses (k9 writes Sid, Effect, Action, Resource, Principal, Condition). */
function keyOrder(policy: PolicyDocument): string[] | undefined {
  const withMost = [...policy.statements].sort((a, b) => b.properties.length - a.properties.length)[0];
  return withMost && withMost.properties.length >= 4 ? withMost.properties.map((p) => p.name) : undefined;
}

function reorder(statement: { [key: string]: Json }, order: string[] | undefined): { [key: string]: Json } {
  if (!order) return statement;
  const rank = (k: string) => {
    const i = order.indexOf(k === 'NotAction' ? 'Action' : k);
    return i < 0 ? order.length : i;
  };
  return Object.fromEntries(Object.entries(statement).sort(([a], [b]) => rank(a) - rank(b)));
}

/** One statement of the rewritten policy: generated from the assignment, or kept as written. */
export type PlannedStatement = { readonly generated: { [key: string]: Json } } | { readonly kept: KeptPath };

export interface RewritePlan {
  /** The new Statement array: the root statement and capability statements, the kept paths in their order, the DenyEveryoneElse. */
  readonly statements: readonly PlannedStatement[];
  /** Paths by and through AWS services kept as written. */
  readonly kept: readonly KeptPath[];
  /** Paths the user chose to drop (`dropServices`). */
  readonly dropped: readonly KeptPath[];
  /** Paths the policy's own Deny cancels (they grant nothing): replaced, not kept. */
  readonly dead: readonly KeptPath[];
  /** Indexes of the statements the rewrite replaces (their access is the assignment's now). */
  readonly replaced: readonly number[];
  /** `dropServices` names that matched no kept path. */
  readonly unmatchedDrops: readonly string[];
}

/**
 * What the rewrite does: which statements it keeps as written (paths by and through AWS
 * services, guardrail Denies), which it replaces, and the statements it generates, with Sids
 * that are their own. Throws LockoutError / RootOnlyError.
 */
export function planRewrite(policy: PolicyDocument, assignment: Assignment, options: LeastPrivilegeOptions): RewritePlan {
  const found = options.keepPaths === false ? [] : keptPaths(policy);
  // A path the policy's own Deny cancels grants nothing today: keeping it without that Deny would widen access.
  const paths = found.filter((p) => p.kind === 'guardrail' || isLive(policy, p));
  const dead = found.filter((p) => !paths.includes(p));
  const drops = options.dropServices ?? [];
  const isDropped = (p: KeptPath) => drops.some((d) => dropMatches(p, d));
  const kept = paths.filter((p) => !isDropped(p));
  const dropped = paths.filter(isDropped);
  const keptIndexes = new Set(kept.map((k) => k.index));
  const replaced = policy.statements.map((s) => s.index).filter((i) => !keptIndexes.has(i));
  const order = keyOrder(policy);
  const generated = leastPrivilegeStatements(assignment, options, survivingSids(policy, new Set(replaced)), viaExemption(kept)).map((s) => reorder(s, order));
  // A generated Sid never repeats a kept statement's.
  const taken = new Set(kept.map((k) => k.sid).filter((x): x is string => x !== undefined));
  for (const g of generated) {
    if (typeof g.Sid !== 'string' || !taken.has(g.Sid)) continue;
    let n = 2;
    while (taken.has(`${g.Sid}${n}`)) n++;
    g.Sid = `${g.Sid}${n}`;
  }
  const denies: { [key: string]: Json }[] = [];
  while (generated.length && generated[generated.length - 1].Effect === 'Deny') denies.unshift(generated.pop()!);
  const statements: PlannedStatement[] = [...generated.map((g) => ({ generated: g })), ...kept.map((k) => ({ kept: k })), ...denies.map((d) => ({ generated: d }))];
  return { statements, kept, dropped, dead, replaced, unmatchedDrops: drops.filter((d) => !found.some((p) => dropMatches(p, d))) };
}

/** Does the policy let the path work for at least one of its actions (not denied), for a caller the path is for? */
function isLive(policy: PolicyDocument, path: KeptPath): boolean {
  const s = policy.statements.find((x) => x.index === path.index);
  if (!s) return false;
  const { principal, context } = probeOf(path, s, accountRootOf(policy)?.match(/::(\d{12}):root$/)?.[1]);
  const actions = actionsOfPath(s);
  return actions.length === 0 || actions.some((action) => evaluate(policy, { principal, action, context }).result !== 'denied');
}

const KEEP = '__KMS_KEEP_';
const KEPT_MARK = /statement\s*\{\s*sid\s*=\s*"__KMS_KEEP_(\d+)__"\s*\}|"__KMS_KEEP_(\d+)__"|__KMS_KEEP_(\d+)__/g;

/** Edits that make the plan: the Statement array rewritten, the kept statements in it exactly as written (re-indented only). */
export function planEdits(policy: PolicyDocument, plan: RewritePlan): Edit[] {
  const form = policy.embedded?.form;
  const json: Json[] = plan.statements.map((p) => ('kept' in p ? (form === 'policy-document' ? { Sid: `${KEEP}${p.kept.index}__` } : `${KEEP}${p.kept.index}__`) : p.generated));
  if (policy.embedded) return withKeptText(policy, statementsEdits(policy, json as { [key: string]: Json }[]));
  if (policy.root?.type !== 'object') {
    const f = detectFormatting(policy.text);
    return [{ offset: 0, length: policy.text.length, content: blockJson({ Version: POLICY_VERSION, Statement: json }, '', f) + f.eol }];
  }
  // Both edits are computed on the original text and do not overlap: Version goes right after
  // the opening brace, the Statement value is replaced where it stands.
  const edits = setValue(policy.text, ['Statement'], json);
  if (!policy.version) edits.unshift(...setValue(policy.text, ['Version'], POLICY_VERSION, 0));
  return withKeptText(policy, edits);
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Puts each kept statement's own text where its placeholder was written, at the indentation of that place. */
function withKeptText(policy: PolicyDocument, edits: readonly Edit[]): Edit[] {
  const text = policy.text;
  return edits.map((e) => {
    if (!e.content.includes(KEEP)) return e;
    const content = e.content.replace(KEPT_MARK, (match, a: string | undefined, b: string | undefined, c: string | undefined, at: number) => {
      const s = policy.statements.find((x) => x.index === Number(a ?? b ?? c));
      if (!s) return match;
      const before = e.content.slice(0, at);
      const nl = before.lastIndexOf('\n');
      const prefix = nl >= 0 ? before.slice(nl + 1) : text.slice(lineStartOf(text, e.offset), e.offset) + before;
      const to = /^[ \t]*/.exec(prefix)![0];
      const from = /^[ \t]*/.exec(text.slice(lineStartOf(text, s.span.start)))![0];
      return reindent(text.slice(s.span.start, s.span.end).replace(/\s+$/, ''), from, to);
    });
    return { ...e, content };
  });
}

/** The continuation lines of `block` moved from indentation `from` to `to`. */
function reindent(block: string, from: string, to: string): string {
  if (from === to) return block;
  return block.replace(/(\r?\n)([ \t]*)/g, (_m, eol: string, ws: string) => {
    if (to.startsWith(from)) return eol + to.slice(from.length) + ws;
    if (from.startsWith(to) && ws.startsWith(from.slice(to.length))) return eol + ws.slice(from.length - to.length);
    if (from.startsWith(to) && ws.length >= from.length - to.length) return eol + ws.slice(from.length - to.length);
    return eol + ws;
  });
}

/** The policy after the plan, as the evaluator reads it (kept statements from the model: intrinsics as their synthetic values). */
export function plannedPolicy(policy: PolicyDocument, plan: RewritePlan): PolicyDocument {
  const byIndex = new Map(policy.statements.map((s) => [s.index, s]));
  const statements = plan.statements.map((p) => ('kept' in p ? statementJson(byIndex.get(p.kept.index)!) : p.generated));
  return parsePolicy(JSON.stringify({ Version: POLICY_VERSION, Statement: statements }, null, 2));
}

/** Edits that rewrite the policy to its least-privilege form, keeping paths by and through AWS services, everything else and the formatting. */
export function rewriteEdits(policy: PolicyDocument, assignment: Assignment, options: LeastPrivilegeOptions): Edit[] {
  return planEdits(policy, planRewrite(policy, assignment, options));
}

export interface RewriteResult {
  readonly edits: Edit[];
  readonly plan: RewritePlan;
  /** What every principal and path keeps and loses (see summary.ts). */
  readonly summary: RewriteSummary;
}

/** The rewrite with its summary: what each principal and path keeps and loses, judged by the evaluator. */
/**
 * Why the rewrite must not take this policy as it reads here, or undefined. The rewrite replaces
 * statements, so it would drop what it cannot read (the rest of a template, a statement list or a
 * principal given as a variable) and it would write back what AWS would not read (the second of
 * two duplicate keys): a fix never takes away what the user did not choose to lose.
 */
export function rewriteBlocker(policy: PolicyDocument): string | undefined {
  if (policy.embedded?.escapedString) {
    return 'This policy is JSON written as an escaped string (policy = "{\\"Version\\": ...}"), and the rewrite does not write escaped JSON: write it as jsonencode({ ... }) or a heredoc first.';
  }
  if (policy.templateDirective) {
    return `This policy is a template (${policy.templateDirective.text}): the rewrite would replace statements the template makes. Rewrite the policy it renders to.`;
  }
  if (policy.syntaxErrors.length) return 'This policy has syntax errors (see json-syntax): fix them first, so that the rewrite reads the policy as AWS would.';
  const duplicate = policy.duplicateKeys[0];
  if (duplicate) return `This policy has the key "${duplicate.name}" twice in one object, and AWS reads only one of them: remove the one you do not mean first, so that the rewrite does not copy both.`;
  const unknown = policy.unknown ?? [];
  if (unknown.length) {
    const named = [...new Set(unknown.map((u) => u.what))];
    return `Part of this policy is not known here (${named.slice(0, 3).join('; ')}${named.length > 3 ? ` and ${named.length - 3} more` : ''}): the rewrite would drop the statements and principals it stands for. Write them out, or rewrite the policy as rendered.`;
  }
  return undefined;
}

export function leastPrivilegeRewrite(policy: PolicyDocument, assignment: Assignment, options: LeastPrivilegeOptions): RewriteResult {
  const plan = planRewrite(policy, assignment, options);
  const root = options.accountRoot ?? accountRootOf(policy, [...assignment.keys()]);
  const keyAccount = root ? /::(\d{12}):root$/.exec(root)?.[1] : undefined;
  return { edits: planEdits(policy, plan), plan, summary: summarize(policy, plannedPolicy(policy, plan), plan, keyAccount) };
}

/** The whole least-privilege policy text, for `kms-policy generate` and new files. Same input, same bytes. */
export function generatePolicyText(assignment: Assignment, options: LeastPrivilegeOptions, id?: string): string {
  const policy: { [key: string]: Json } = { Version: POLICY_VERSION };
  if (id) policy.Id = id;
  policy.Statement = leastPrivilegeStatements(assignment, options);
  return JSON.stringify(policy, null, 2) + '\n';
}
