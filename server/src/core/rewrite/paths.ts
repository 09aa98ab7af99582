/**
 * The paths by and through AWS services that a least-privilege rewrite keeps as written:
 * statements for service principals, `"*"` limited to AWS services, via-service paths
 * (`kms:ViaService`, usually with `kms:CallerAccount`), grants for AWS resources, and Deny
 * statements other than DenyEveryoneElse (guardrails). Everything else is the access of named
 * principals and account roots, which the rewrite expresses again from the assignment.
 */
import { expandAction } from '../catalog/catalog';
import type { PolicyDocument, Statement } from '../policy/model';
import { parseOperator } from '../policy/operators';
import { isDenyEveryoneElse } from '../rules/access';
import type { Json } from './statements';

export type KeptKind = 'service' | 'service-limited' | 'via-service' | 'aws-resource-grant' | 'guardrail';

export interface KeptPath {
  /** Index of the statement in the Statement array. */
  readonly index: number;
  readonly sid?: string;
  readonly kind: KeptKind;
  /** Service principals (`service`), kms:ViaService values (`via-service`), else empty. */
  readonly services: readonly string[];
  /** The `kms:ViaService` operator of a via-service path (`StringEquals`, `StringLike`...). */
  readonly viaOperator?: string;
  /** Who uses the path, for the summary: `cloudtrail.amazonaws.com`, `anyone in 111122223333 through ec2.us-east-1.amazonaws.com`. */
  readonly label: string;
  /** The statement's actions as written, without `kms:`. */
  readonly actions: readonly string[];
}

/** Condition keys that only requests made by an AWS service on behalf of a resource carry. */
const SOURCE_KEYS = new Set(['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths']);

function awsValues(s: Statement): string[] {
  const p = s.principal;
  if (!p) return [];
  const out = p.bare ? [p.bare.value] : [];
  for (const e of p.entries) if (e.type === 'AWS') out.push(...e.values.items.map((v) => v.value));
  return out;
}

function serviceValues(s: Statement): string[] {
  return s.principal?.entries.filter((e) => e.type === 'Service').flatMap((e) => e.values.items.map((v) => v.value)) ?? [];
}

const ROOT = /^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$/;

/** Positive clauses on a key (an operator that is not negated). */
function positive(s: Statement, key: string) {
  return (s.condition?.clauses ?? []).filter((c) => c.key.value.toLowerCase() === key && parseOperator(c.operator.value)?.base.negated === false);
}

function shortActions(s: Statement): string[] {
  return (s.action ?? s.notAction)?.items.map((i) => i.value.replace(/^kms:/i, '')) ?? [];
}

/** What kind of kept path a statement is, or undefined when the rewrite replaces it. */
export function keptPathOf(s: Statement): KeptPath | undefined {
  const effect = s.effect?.value;
  const base = { index: s.index, sid: s.sid?.value, actions: shortActions(s) };
  if (effect === 'Deny') return isDenyEveryoneElse(s) ? undefined : { ...base, kind: 'guardrail', services: [], label: `Deny ${s.sid?.value ? `"${s.sid.value}"` : `statement ${s.index}`}` };
  if (effect !== 'Allow' || !s.principal) return undefined;
  const services = serviceValues(s);
  if (services.length) return { ...base, kind: 'service', services, label: services.join(', ') };
  const aws = awsValues(s);
  const wide = aws.includes('*');
  const grant = positive(s, 'kms:grantisforawsresource').some((c) => c.values.items.some((v) => v.value.toLowerCase() === 'true'));
  const via = positive(s, 'kms:viaservice');
  if (via.length && (wide || (aws.length > 0 && aws.every((v) => ROOT.test(v))))) {
    const values = via.flatMap((c) => c.values.items.map((v) => v.value));
    const callers = positive(s, 'kms:calleraccount').flatMap((c) => c.values.items.map((v) => v.value));
    const who = wide ? (callers.length ? `anyone in ${callers.join(', ')}` : 'anyone') : `IAM principals of ${aws.map((v) => v.replace(/^arn:[^:]*:iam::(\d{12}):root$/, '$1')).join(', ')}`;
    return { ...base, kind: 'via-service', services: values, viaOperator: via[0].operator.value, label: `${who} through ${values.join(', ')}` };
  }
  if (grant) return { ...base, kind: 'aws-resource-grant', services: [], label: `grants for AWS resources by ${wide ? 'anyone' : aws.join(', ')}` };
  if (wide) {
    const isService = positive(s, 'aws:principalisawsservice').some((c) => c.values.items.some((v) => v.value.toLowerCase() === 'true'));
    const source = (s.condition?.clauses ?? []).filter((c) => SOURCE_KEYS.has(c.key.value.toLowerCase()) && parseOperator(c.operator.value)?.base.negated === false);
    if (isService || source.length) {
      const what = source.map((c) => `${c.key.value} ${c.values.items.map((v) => v.value).join(', ')}`);
      return { ...base, kind: 'service-limited', services: [], label: `AWS services${what.length ? ` (${what.join('; ')})` : ''}` };
    }
  }
  return undefined;
}

/** The kept paths of a policy, in statement order. */
export function keptPaths(policy: PolicyDocument): KeptPath[] {
  return policy.statements.map((s) => keptPathOf(s)).filter((k): k is KeptPath => k !== undefined);
}

/** The short name of a service principal or kms:ViaService value: `cloudtrail`, `ec2`. */
function shortService(v: string): string {
  return v.split('.')[0].toLowerCase();
}

/** Does `--drop-service <name>` name this path: its Sid (or number, without one), a service principal or kms:ViaService value, or their short name? */
export function dropMatches(path: KeptPath, name: string): boolean {
  const n = name.trim().toLowerCase();
  if (!n) return false;
  if (path.sid !== undefined && path.sid.toLowerCase() === n) return true;
  if (path.sid === undefined && n === String(path.index)) return true; // a statement without a Sid, by its number
  return path.services.some((v) => v.toLowerCase() === n || shortService(v) === n);
}

/** The statement as plain JSON, from the model (synthetic values for intrinsics): for evaluating the result. */
export function statementJson(s: Statement): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (s.sid) out.Sid = s.sid.value;
  if (s.effect) out.Effect = s.effect.value;
  for (const [key, p] of [['Principal', s.principal], ['NotPrincipal', s.notPrincipal]] as const) {
    if (!p) continue;
    if (p.bare) out[key] = p.bare.value;
    else out[key] = Object.fromEntries(p.entries.map((e) => [e.type, e.values.items.map((v) => v.value)]));
  }
  for (const [key, list] of [['Action', s.action], ['NotAction', s.notAction], ['Resource', s.resource], ['NotResource', s.notResource]] as const) {
    if (list) out[key] = list.items.map((v) => v.value);
  }
  if (s.condition) {
    const c: { [op: string]: { [key: string]: Json } } = {};
    for (const clause of s.condition.clauses) (c[clause.operator.value] ??= {})[clause.key.value] = clause.values.items.map((v) => v.value);
    out.Condition = c;
  }
  return out;
}

/** A caller and request context for which the path's own statement applies: what the evaluator is asked about the path. */
export function probeOf(path: KeptPath, s: Statement, keyAccount?: string): { principal: string; context: Record<string, string> } {
  const context: Record<string, string> = {};
  // The statement's own conditions hold: their first literal value (no wildcard) for each key.
  for (const c of s.condition?.clauses ?? []) {
    if (parseOperator(c.operator.value)?.base.negated !== false) continue;
    const v = c.values.items.find((x) => !/[*?]/.test(x.value))?.value;
    if (v !== undefined && !(c.key.value.toLowerCase() in context)) context[c.key.value.toLowerCase()] = v;
  }
  const account = context['kms:calleraccount'] ?? keyAccount ?? '111122223333';
  delete context['kms:calleraccount']; // derived from the caller
  switch (path.kind) {
    case 'service':
      return { principal: path.services[0], context };
    case 'service-limited':
      return { principal: 'someone-else.amazonaws.com', context };
    case 'via-service':
      return { principal: `arn:aws:iam::${/^\d{12}$/.test(account) ? account : '111122223333'}:role/someone-else`, context };
    default: {
      const aws = awsValues(s).find((v) => v !== '*' && v.startsWith('arn:'));
      return { principal: aws ?? `arn:aws:iam::${account}:role/someone-else`, context };
    }
  }
}

/** The catalog actions a kept path's statement covers (for the evaluator's proof and the summary). */
export function actionsOfPath(s: Statement): string[] {
  if (!s.action) return [];
  return [...new Set(s.action.items.flatMap((i) => expandAction(i.value).map((a) => a.fullName)))];
}
