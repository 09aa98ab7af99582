/** The least-privilege rewrite as LSP code actions and as the `kmsPolicy.applyLeastPrivilege` command. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type Diagnostic, type WorkspaceEdit } from 'vscode-languageserver-types';
import { CAPABILITIES, type Capability } from '../core/catalog/catalog';
import { accountRootOf } from '../core/rewrite/account';
import type { Edit } from '../core/rewrite/edits';
import { leastPrivilegeRewrite, LockoutError, rewriteBlocker, RootOnlyError, STYLES, type LeastPrivilegeOptions, type RewriteResult, type Style } from '../core/rewrite/leastPrivilege';
import { keptPaths } from '../core/rewrite/paths';
import { displayMessage } from '../core/iac/rules';
import type { PrincipalForm } from '../core/rewrite/statements';
import { suggestAssignment, suggestsAdministrator, toAssignment, type PrincipalSuggestion } from '../core/rewrite/suggest';
import type { PolicyDocument } from '../core/policy/model';
import { toWorkspaceEdit } from './textEdits';
import { COMMANDS, INTERACTIVE_REWRITE, type ApplyArgs, type ServicePath, type SuggestResult } from '../protocol';

export const APPLY_LEAST_PRIVILEGE = COMMANDS.applyLeastPrivilege;
export { INTERACTIVE_REWRITE };
export const SUGGEST_REQUEST = COMMANDS.suggestAssignment;

export interface RewriteSettings {
  readonly style: Style;
  readonly principalForm: PrincipalForm;
}

export type { ApplyArgs, ServicePath, SuggestResult };

function short(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1) || arn;
}

export function describeAssignment(suggestions: readonly PrincipalSuggestion[]): string {
  return suggestions
    .filter((s) => s.suggested.length)
    .map((s) => `${short(s.principal)} → ${s.suggested.join(', ')}`)
    .join('; ');
}

/** The least-privilege rewrite for an assignment (edits and summary), or the reason there is none. */
export function leastPrivilegeEdits(
  policy: PolicyDocument,
  assignment: ReturnType<typeof toAssignment>,
  style: Style,
  principalForm: PrincipalForm,
  dropServices: readonly string[] = [],
): RewriteResult | { error: string } {
  const blocked = rewriteBlocker(policy);
  if (blocked) return { error: blocked };
  const options: LeastPrivilegeOptions = { style, principalForm, accountRoot: accountRootOf(policy, [...assignment.keys()]), dropServices };
  if (style === 'delegate-to-iam' && !options.accountRoot) return { error: 'delegate-to-iam needs an account: name the account root or a principal ARN with an account id.' };
  try {
    const result = leastPrivilegeRewrite(policy, assignment, options);
    if (result.plan.unmatchedDrops.length) return { error: `No kept path by the Sid or service ${result.plan.unmatchedDrops.join(', ')}.` };
    return result;
  } catch (e) {
    if (e instanceof LockoutError || e instanceof RootOnlyError) return { error: e.message };
    throw e;
  }
}

/** The summary in a code action title: the paths kept and what is taken away, briefly (the apply command and the quick pick give every line). */
export function summaryTitle(result: RewriteResult): string {
  const kept = result.plan.kept.filter((k) => k.kind !== 'guardrail');
  const losing = result.summary.entries.filter((e) => e.loses.length > 0).map((e) => short(e.subject));
  const parts: string[] = [];
  if (kept.length) parts.push(`keeps ${kept.map((k) => k.services[0] ?? k.sid ?? k.label).join(', ')}`);
  if (losing.length) parts.push(`takes away from ${losing.length <= 3 ? losing.join(', ') : `${losing.slice(0, 3).join(', ')} and ${losing.length - 3} more`}`);
  return parts.length ? ` — ${parts.join('; ')}` : '';
}

/** Code actions: the suggested rewrite in each style (for every editor), and the interactive one where the client has it. */
export function rewriteActions(document: TextDocument, policy: PolicyDocument, settings: RewriteSettings, interactive: boolean, diagnostics: Diagnostic[], kind: string): CodeAction[] {
  const suggestions = suggestAssignment(policy);
  const actions: CodeAction[] = [];
  const blocked = rewriteBlocker(policy);
  if (blocked) {
    // Said where the rewrite would be offered, rather than offered and failing.
    if (diagnostics.length) actions.push({ title: 'Rewrite to least privilege', kind, disabled: { reason: blocked } });
    return actions;
  }
  if (interactive) {
    actions.push({ title: 'Rewrite to least privilege…', kind, diagnostics: diagnostics.length ? diagnostics : undefined, command: { title: 'Rewrite to least privilege…', command: INTERACTIVE_REWRITE, arguments: [document.uri] } });
  }
  if (suggestions.length === 0) {
    // An AWS-default policy: nobody to suggest. The interactive command asks; other editors are told how.
    if (!interactive && diagnostics.length) {
      actions.push({ title: 'Rewrite to least privilege', kind, disabled: { reason: `This policy names no role or user besides the account root: name who administers the key, with the ${APPLY_LEAST_PRIVILEGE} command's assignment (or kms-policy fix --least-privilege --assign <role ARN>=administer-resource).` } });
    }
    return actions;
  }
  if (!suggestsAdministrator(suggestions)) {
    // Root + application roles (the common shape): nobody named administers today, and giving it
    // to an application is not least privilege. The interactive command asks; other editors are told how.
    if (!interactive && diagnostics.length) {
      const who = suggestions.map((s) => short(s.principal)).join(', ');
      actions.push({
        title: 'Rewrite to least privilege',
        kind,
        disabled: {
          reason: displayMessage(
            policy,
            `Nobody this policy names administers the key today (${who} only use it; the account root administers through IAM), so a rewrite from it would lock the key. Name an administrator: kms-policy fix --least-privilege --assign <admin role ARN>=administer-resource,read-config, with --assign for the others.`,
          ),
        },
      });
    }
    return actions;
  }
  const assignment = toAssignment(suggestions);
  const styles = [settings.style, ...STYLES.filter((s) => s !== settings.style)];
  for (const style of styles) {
    const base = `Rewrite to least privilege (${style}): ${describeAssignment(suggestions)}`;
    const result = leastPrivilegeEdits(policy, assignment, style, settings.principalForm);
    if ('error' in result) {
      actions.push({ title: base, kind, disabled: { reason: result.error } });
      continue;
    }
    const unchanged = result.edits.every((e) => policy.text.slice(e.offset, e.offset + e.length) === e.content);
    if (unchanged) continue;
    const shown = (line: string) => displayMessage(policy, line); // intrinsics and references as written
    actions.push({
      title: shown(base + summaryTitle(result)),
      kind,
      diagnostics: diagnostics.length ? diagnostics : undefined,
      isPreferred: style === settings.style && kind === CodeActionKind.QuickFix,
      edit: toWorkspaceEdit(document, result.edits),
      data: { summary: result.summary.lines.map(shown) },
    });
  }
  return actions;
}

export function suggest(policy: PolicyDocument, settings: RewriteSettings): SuggestResult {
  const servicePaths = keptPaths(policy).map((k) => ({ id: k.sid ?? k.services[0] ?? String(k.index), kind: k.kind, label: k.label, sid: k.sid, actions: k.actions }));
  return { principals: suggestAssignment(policy), style: settings.style, capabilities: [...CAPABILITIES], servicePaths, accountRoot: accountRootOf(policy) };
}

/** The edit for `kmsPolicy.applyLeastPrivilege`, validated, with the summary of what it keeps and takes away. */
export function applyLeastPrivilege(document: TextDocument, policy: PolicyDocument, args: ApplyArgs, settings: RewriteSettings): { edit: WorkspaceEdit; summary: readonly string[] } | { error: string } {
  if (args.version !== undefined && args.version !== document.version) return { error: 'The document changed since the rewrite was computed; try again.' };
  const style = args.style && STYLES.includes(args.style) ? args.style : settings.style;
  const principalForm = args.principalForm === 'explicit' || args.principalForm === 'k9' ? args.principalForm : settings.principalForm;
  const entries: [string, Set<Capability>][] = [];
  for (const a of args.assignment ?? []) {
    if (typeof a?.principal !== 'string' || !Array.isArray(a.capabilities)) return { error: 'Each assignment needs a principal and a list of capabilities.' };
    const bad = a.capabilities.filter((c) => !CAPABILITIES.includes(c as Capability));
    if (bad.length) return { error: `Unknown capabilities: ${bad.join(', ')}. Use ${CAPABILITIES.join(', ')}.` };
    if (a.capabilities.length) entries.push([a.principal.trim(), new Set(a.capabilities as Capability[])]);
  }
  const drops = Array.isArray(args.dropServices) ? args.dropServices.filter((d): d is string => typeof d === 'string') : [];
  const result = leastPrivilegeEdits(policy, new Map(entries), style, principalForm, drops);
  return 'error' in result ? result : { edit: toWorkspaceEdit(document, result.edits), summary: result.summary.lines };
}
