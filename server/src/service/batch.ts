/**
 * The CLI's `fix` and `generate` as text in, text out: the routing by kind (policy file or IaC
 * file), the safe quick fixes in passes, the least-privilege rewrite in the host's syntax, and the
 * policy a spec generates. The CLI reads and writes the files (node layer) and prints.
 */
import { CAPABILITIES, type Capability } from '../core/catalog/catalog';
import { parseDocument } from '../core/document';
import { hostEdits } from '../core/iac/hostEdits';
import { displayMessage, policyFindings } from '../core/iac/rules';
import type { PolicyDocument } from '../core/policy/model';
import { lineIndex } from '../core/policy/lines';
import { ruleRow, RULE_TABLE, type RuleRow } from '../core/registry';
import { accountRootOf } from '../core/rewrite/account';
import { apply, type Edit } from '../core/rewrite/edits';
import { leastPrivilegeRewrite, LockoutError, rewriteBlocker, RootOnlyError, STYLES, type Assignment, type Style } from '../core/rewrite/leastPrivilege';
import { isPlaceholder } from '../core/policy/placeholder';
import { quickFixes } from '../core/rewrite/quickFixes';
import type { PrincipalForm } from '../core/rewrite/statements';
import { suggestAssignment, suggestsAdministrator, toAssignment, type PrincipalSuggestion } from '../core/rewrite/suggest';
import { runRules, type Finding, type Severity } from '../core/rules/index';
import { checkSpec } from '../core/spec/check';
import { generateFromSpec } from '../core/spec/generate';
import { specFormatOf } from '../core/spec/model';
import { parseSpec } from '../core/spec/parse';
import { specValidator } from './domainSchema';

export { CAPABILITIES, STYLES, type Capability, type Style, type PrincipalForm };
export type { Finding, Severity, RuleRow };

/** Every rule (policy, IaC, spec), for `--rule` and SARIF. */
export const RULES_FOR_REPORTS: readonly RuleRow[] = RULE_TABLE;
export function isRuleId(id: string): boolean {
  return ruleRow(id) !== undefined;
}

/** A finding with 1-based lines and columns, as the CLI reports it. */
export interface LineFinding {
  code: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export function toLineFindings(text: string, findings: readonly Finding[]): LineFinding[] {
  const at = lineIndex(text);
  return findings.map((f) => {
    const start = at(f.span.start);
    const end = at(f.span.end);
    return { code: f.code, severity: f.severity, message: f.message, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
  });
}

/** `--assign <principal ARN>=<cap,cap...>` (repeatable), or the message for the one that is wrong. */
export function parseAssignments(values: readonly string[]): Assignment | { error: string } {
  const entries: [string, Set<Capability>][] = [];
  for (const a of values) {
    const m = /^(.+)=([a-z,-]*)$/.exec(a);
    const caps = m ? m[2].split(',').filter(Boolean) : [];
    const bad = caps.filter((c) => !CAPABILITIES.includes(c as Capability));
    if (!m || bad.length) return { error: `--assign takes <principal ARN>=<${CAPABILITIES.join('|')},...>, not "${a}"` };
    entries.push([m[1], new Set(caps as Capability[])]);
  }
  return new Map(entries);
}

export interface FixOptions {
  readonly leastPrivilege: boolean;
  readonly style: Style;
  readonly principalForm: PrincipalForm;
  readonly assigned?: Assignment;
  readonly resource?: string;
  /** Kept paths by and through AWS services to drop all the same, by Sid or service (`--drop-service`). */
  readonly dropServices?: readonly string[];
  /** A line for the user (the suggestion used when no assignment is given, and the rewrite's summary). */
  readonly note: (line: string) => void;
}

/** What `fix` did: the new text, or why not (`usage`: exit 2 as a usage error; `exit` 1 or 2 otherwise). */
export type FixResult =
  /** `refused`: keys of a file with several that the rewrite left as written (each said); the run then exits 1. */
  | { readonly text: string; readonly refused?: number }
  | { readonly error: string; readonly exit: 1 | 2; readonly usage?: boolean; readonly aboutFile?: boolean };

/**
 * `kms-policy fix`: the safe quick fixes in passes, or the least-privilege rewrite; in a template or
 * Terraform file, every key policy in it (or the one `resource` names), edited in its syntax.
 */
export function fixText(uri: string, original: string, o: FixOptions): FixResult {
  // The rewrite of one policy (a policy file, or one in a template, edited in its host's syntax),
  // with the summary of what each principal and path keeps and loses.
  const leastPrivilege = (policy: PolicyDocument, label: string, show = (s: string) => s): Edit[] => {
    const blocked = rewriteBlocker(policy);
    if (blocked) throw new NotRewritable(show(`${label}${blocked}`));
    let assignment = o.assigned && asWritten(policy, o.assigned);
    if (!assignment) {
      const suggestions = suggestAssignment(policy);
      if (suggestions.length === 0 || !suggestsAdministrator(suggestions)) throw new NoPrincipalError(policy, show, suggestions);
      for (const s of suggestions) o.note(show(`${label}${s.principal}: ${s.suggested.join(', ') || '(nothing)'}  (${s.reason})`));
      assignment = toAssignment(suggestions);
    }
    const result = leastPrivilegeRewrite(policy, assignment, { style: o.style, principalForm: o.principalForm, dropServices: o.dropServices ?? [], accountRoot: accountRootOf(policy, [...assignment.keys()]) });
    if (result.plan.unmatchedDrops.length) {
      const paths = [...result.plan.kept, ...result.plan.dropped].map((k) => k.sid ?? k.services.join(', ') ?? k.label);
      throw new UsageError(`--drop-service ${result.plan.unmatchedDrops.join(', ')}: no kept path by that Sid or service${paths.length ? ` (kept: ${paths.join('; ')})` : ''}`);
    }
    for (const line of result.summary.lines) o.note(show(`${label}${line}`));
    return result.edits;
  };
  const parsed = parseDocument(uri, original);
  try {
    if (parsed.kind === 'iac') {
      const iacKind = parsed.iac.kind;
      const found = parsed.iac.policies;
      const names = found.map((p) => p.embedded!.resource);
      if (found.length === 0) return { error: `no KMS key policy found in this ${iacKind === 'terraform' ? 'Terraform file' : 'template'}`, exit: 2 };
      if (o.resource !== undefined && !names.includes(o.resource)) return { error: `has no key policy in a resource named "${o.resource}" (found: ${names.join(', ')})`, exit: 2, usage: true, aboutFile: true };
      const selected = (p: PolicyDocument) => o.resource === undefined || p.embedded!.resource === o.resource;
      if (o.assigned && found.filter(selected).length > 1) return { error: `--assign applies to one key policy; name it with --resource (found: ${names.join(', ')})`, exit: 2, usage: true };
      if (o.leastPrivilege) {
        const targets = found.filter(selected);
        if (targets.length === 1) return { text: apply(original, leastPrivilege(targets[0], '', (s) => displayMessage(targets[0], s))) };
        // Several keys: each one the rewrite can take is rewritten; each one it refuses is left as
        // written and said, and the run exits 1 (name the key with --resource to rewrite it alone).
        // The rewrite edits the host itself, so kept statements stay exactly as written (intrinsics, ${var.x}).
        const edits: Edit[] = [];
        let refused = 0;
        for (const p of targets) {
          const label = `${p.embedded!.resource}: `;
          try {
            edits.push(...leastPrivilege(p, label, (s) => displayMessage(p, s)));
          } catch (e) {
            if (!(e instanceof LockoutError || e instanceof RootOnlyError || e instanceof NoPrincipalError || e instanceof NotRewritable)) throw e;
            o.note(`${e instanceof NotRewritable ? '' : label}${e.message} (left as written)`);
            refused++;
          }
        }
        return { text: apply(original, edits), ...(refused ? { refused } : {}) };
      }
      // The first pass reads the analysis above; later ones, the text the passes before wrote.
      const policiesOf = (current: string) => {
        if (current === original) return found;
        const again = parseDocument(uri, current);
        return again.kind === 'iac' ? again.iac.policies : [];
      };
      return { text: fixInPasses(original, (current) => policiesOf(current).filter(selected).flatMap((p) => hostEdits(p, (json) => safeFixEdits(json, policyFindings(json))))) };
    }
    if (o.resource !== undefined) return { error: '--resource names a key in a CloudFormation template or a Terraform file', exit: 2, usage: true };
    const policy = parsed.kind === 'policy' ? parsed.policy : undefined;
    if (!policy || policy.fatal || policy.root?.type !== 'object') return { error: 'not a JSON key policy; run kms-policy check for details', exit: 2 };
    if (o.leastPrivilege) return { text: apply(original, leastPrivilege(policy, '')) };
    return {
      text: fixInPasses(original, (current) => {
        const again = current === original ? parsed : parseDocument(uri, current);
        return again.kind === 'policy' ? safeFixEdits(again.policy, runRules(again.policy)) : [];
      }),
    };
  } catch (e) {
    if (e instanceof UsageError) return { error: e.message, exit: 2, usage: true };
    if (!(e instanceof LockoutError || e instanceof RootOnlyError || e instanceof NoPrincipalError || e instanceof NotRewritable)) throw e;
    return { error: e.message, exit: 1 };
  }
}

class UsageError extends Error {}

/**
 * In a template or a Terraform file, `--assign` may name a principal as it is written there
 * (`--assign '!GetAtt AppRole.Arn=read-data'`, `--assign aws_iam_role.app.arn=read-data`): such
 * names become the values the analysis gives them.
 */
function asWritten(policy: PolicyDocument, assigned: Assignment): Assignment {
  const display = policy.embedded?.display;
  if (!display) return assigned;
  const byWritten = new Map(Object.entries(display).map(([value, written]) => [written, value]));
  return new Map([...assigned].map(([who, caps]) => [byWritten.get(who) ?? who, caps]));
}

/** The rewrite refuses a policy it cannot read whole (see rewriteBlocker). */
class NotRewritable extends Error {}

/**
 * An AWS-default policy (no role or user besides the account root): nothing to suggest an
 * assignment from, so the refusal names the way forward.
 */
class NoPrincipalError extends Error {
  constructor(policy: PolicyDocument, show: (s: string) => string, suggestions: readonly PrincipalSuggestion[] = []) {
    const root = accountRootOf(policy);
    const account = root ? /::(\d{12}):root$/.exec(root)?.[1] : undefined;
    const role = `arn:aws:iam::${account && account !== '000000000000' ? account : '<account>'}:role/<name>`;
    // A principal written as a whole placeholder (`"AWS": "${app_role}"`) could be anyone: it is not suggested either.
    const placeholders = [...new Set(policy.statements.flatMap((s) => s.principal?.entries ?? []).flatMap((e) => e.values.items.map((v) => v.value)).filter(isPlaceholder))];
    const names = placeholders.length
      ? `only the account root, AWS services and principals written as placeholders (${placeholders.slice(0, 3).join(', ')}${placeholders.length > 3 ? '...' : ''})`
      : 'only the account root (and AWS services)';
    const who = suggestions.map((s) => s.principal);
    super(
      show(
        (who.length
          ? `no role or user this policy names administers the key today (${who.slice(0, 3).join(', ')}${who.length > 3 ? '...' : ''} only use it; the account root administers through IAM), so the rewrite cannot suggest who administers it. `
          : `no role or user to give the key to: this policy names ${names}, so the rewrite cannot suggest who administers and uses the key. `) +
          (who.length
            ? `Name one${policy.embedded ? `, with --resource ${policy.embedded.resource}` : ''}: --assign ${role}=administer-resource,read-config, and the others as suggested (${suggestions.map((s) => `--assign ${s.principal}=${s.suggested.join(',') || '<capabilities>'}`).join(' ')}).`
            : `Name them: --assign ${role}=administer-resource,read-config (and, for example, --assign <app role ARN>=read-data,write-data).`),
      ),
    );
  }
}

/** Applies `pass` (edits computed on the current text) until nothing changes, at most 5 times: a fix can reveal the next. */
function fixInPasses(original: string, pass: (text: string) => Edit[]): string {
  let text = original;
  for (let i = 0; i < 5; i++) {
    const edits = pass(text);
    if (edits.length === 0) break;
    text = apply(text, edits);
  }
  return text;
}

/** One pass of the preferred (safe) quick fixes of `findings`, without overlaps; the last finding's first. */
function safeFixEdits(policy: PolicyDocument, findings: readonly Finding[]): Edit[] {
  const edits: Edit[] = [];
  let lastEnd = Infinity;
  for (const f of [...findings].sort((a, b) => b.span.start - a.span.start)) {
    const preferred = quickFixes(policy, f).find((x) => x.preferred);
    if (!preferred || preferred.edits.length === 0) continue;
    const start = Math.min(...preferred.edits.map((e) => e.offset));
    const end = Math.max(...preferred.edits.map((e) => e.offset + e.length));
    if (end > lastEnd) continue; // overlaps a fix already taken this pass; the next pass gets it
    edits.push(...preferred.edits);
    lastEnd = start;
  }
  return edits;
}

/** `kms-policy generate`: the policy a spec generates and where it goes, or its errors. */
export type Generation =
  | { readonly errors: readonly LineFinding[] }
  | { readonly error: string }
  | { readonly text: string; readonly policyPath?: string; readonly policyResource?: string };

export function generateFromSpecText(path: string, text: string): Generation {
  const spec = parseSpec(text, specFormatOf(path));
  const errors = checkSpec(spec, { validate: specValidator() }).filter((f) => f.severity === 'error');
  if (errors.length) return { errors: toLineFindings(text, errors) };
  const g = generateFromSpec(spec);
  if (!g.ok) return { error: g.error };
  return { text: g.text, policyPath: g.resolved.policy?.path, policyResource: g.resolved.policy?.resource };
}
