/**
 * The least-privilege form of a key policy: one Allow statement per capability that has
 * principals, in one of the two styles of the design, written with the document's own
 * formatting and key order. The domain spec generator uses the same function.
 */
import { CAPABILITIES, expandAction, type Capability } from '../catalog/catalog';
import { POLICY_VERSION } from '../policy/grammar';
import { isAccountRoot } from '../principal/arn';
import type { PolicyDocument, Statement } from '../policy/model';
import { blockJson, detectFormatting, setValue, type Edit } from './edits';
import { allowStatement, denyEveryoneElse, sidFor, type Json, type PrincipalForm } from './statements';

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
}

export class LockoutError extends Error {
  constructor() {
    super('No principal would be left able to administer the key (kms:PutKeyPolicy). AWS refuses such a policy unless its lockout safety check is bypassed, and then nobody could ever change it again. Give administer-resource to at least one principal.');
  }
}

/** The statements of the least-privilege policy, as plain JSON. Throws LockoutError when no principal administers. */
export function leastPrivilegeStatements(assignment: Assignment, options: LeastPrivilegeOptions, keepSids: SidMemory = emptySids()): { [key: string]: Json }[] {
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
    const deny = denyEveryoneElse([options.accountRoot!, ...assignment.keys()]);
    if (keepSids.deny) deny.Sid = keepSids.deny;
    statements.push(deny);
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

/** Finds, in the current policy, the root statement, the DenyEveryoneElse and single-capability statements, and keeps their Sids. */
export function survivingSids(policy: PolicyDocument): SidMemory {
  const memory = emptySids();
  for (const s of policy.statements) {
    const sid = s.sid?.literal ? s.sid.value : undefined;
    if (!sid) continue;
    const actions = s.action?.items.map((i) => i.value) ?? [];
    const all = actions.some((a) => a === '*' || a.toLowerCase() === 'kms:*');
    if (s.effect?.value === 'Deny' && all) memory.deny ??= sid;
    else if (s.effect?.value === 'Allow' && all && isRootOnly(s)) memory.root ??= sid;
    else if (s.effect?.value === 'Allow' && !all) {
      const caps = new Set(actions.flatMap((a) => expandAction(a).map((x) => x.capability)));
      if (caps.size === 1) {
        const [cap] = caps;
        if (!memory.byCapability.has(cap)) memory.byCapability.set(cap, sid);
      }
    }
  }
  return memory;
}

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
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  return Object.fromEntries(Object.entries(statement).sort(([a], [b]) => rank(a) - rank(b)));
}

/** Edits that replace the policy's statements with their least-privilege form, keeping everything else and the formatting. */
export function rewriteEdits(policy: PolicyDocument, assignment: Assignment, options: LeastPrivilegeOptions): Edit[] {
  const order = keyOrder(policy);
  const statements = leastPrivilegeStatements(assignment, options, survivingSids(policy)).map((s) => reorder(s, order));
  if (policy.root?.type !== 'object') {
    const f = detectFormatting(policy.text);
    return [{ offset: 0, length: policy.text.length, content: blockJson({ Version: POLICY_VERSION, Statement: statements }, '', f) + f.eol }];
  }
  // Both edits are computed on the original text and do not overlap: Version goes right after
  // the opening brace, the Statement value is replaced where it stands.
  const edits = setValue(policy.text, ['Statement'], statements);
  if (!policy.version) edits.unshift(...setValue(policy.text, ['Version'], POLICY_VERSION, 0));
  return edits;
}

/** The whole least-privilege policy text, for `kms-policy generate` and new files. Same input, same bytes. */
export function generatePolicyText(assignment: Assignment, options: LeastPrivilegeOptions, id?: string): string {
  const policy: { [key: string]: Json } = { Version: POLICY_VERSION };
  if (id) policy.Id = id;
  policy.Statement = leastPrivilegeStatements(assignment, options);
  return JSON.stringify(policy, null, 2) + '\n';
}
