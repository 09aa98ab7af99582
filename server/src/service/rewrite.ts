/** The least-privilege rewrite as LSP code actions and as the `kmsPolicy.applyLeastPrivilege` command. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type Diagnostic, type WorkspaceEdit } from 'vscode-languageserver-types';
import { CAPABILITIES, type Capability } from '../core/catalog/catalog';
import { accountRootOf } from '../core/rewrite/account';
import type { Edit } from '../core/rewrite/edits';
import { LockoutError, rewriteEdits, STYLES, type LeastPrivilegeOptions, type Style } from '../core/rewrite/leastPrivilege';
import type { PrincipalForm } from '../core/rewrite/statements';
import { suggestAssignment, toAssignment, type PrincipalSuggestion } from '../core/rewrite/suggest';
import type { PolicyDocument } from '../core/policy/model';
import { toWorkspaceEdit } from './textEdits';
import { COMMANDS, INTERACTIVE_REWRITE, type ApplyArgs, type SuggestResult } from '../protocol';

export const APPLY_LEAST_PRIVILEGE = COMMANDS.applyLeastPrivilege;
export { INTERACTIVE_REWRITE };
export const SUGGEST_REQUEST = COMMANDS.suggestAssignment;

export interface RewriteSettings {
  readonly style: Style;
  readonly principalForm: PrincipalForm;
}

export type { ApplyArgs, SuggestResult };


function short(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1) || arn;
}

export function describeAssignment(suggestions: readonly PrincipalSuggestion[]): string {
  return suggestions
    .filter((s) => s.suggested.length)
    .map((s) => `${short(s.principal)} → ${s.suggested.join(', ')}`)
    .join('; ');
}

/** Least-privilege edits for an assignment, or the reason there are none. */
export function leastPrivilegeEdits(policy: PolicyDocument, assignment: ReturnType<typeof toAssignment>, style: Style, principalForm: PrincipalForm): { edits: Edit[] } | { error: string } {
  const options: LeastPrivilegeOptions = { style, principalForm, accountRoot: accountRootOf(policy, [...assignment.keys()]) };
  if (style === 'delegate-to-iam' && !options.accountRoot) return { error: 'delegate-to-iam needs an account: name the account root or a principal ARN with an account id.' };
  try {
    return { edits: rewriteEdits(policy, assignment, options) };
  } catch (e) {
    if (e instanceof LockoutError) return { error: e.message };
    throw e;
  }
}

/** Code actions: the suggested rewrite in each style (for every editor), and the interactive one where the client has it. */
export function rewriteActions(document: TextDocument, policy: PolicyDocument, settings: RewriteSettings, interactive: boolean, diagnostics: Diagnostic[], kind: string): CodeAction[] {
  const suggestions = suggestAssignment(policy);
  if (suggestions.length === 0) return [];
  const actions: CodeAction[] = [];
  if (interactive) {
    actions.push({ title: 'Rewrite to least privilege…', kind, diagnostics: diagnostics.length ? diagnostics : undefined, command: { title: 'Rewrite to least privilege…', command: INTERACTIVE_REWRITE, arguments: [document.uri] } });
  }
  const assignment = toAssignment(suggestions);
  const styles = [settings.style, ...STYLES.filter((s) => s !== settings.style)];
  for (const style of styles) {
    const title = `Rewrite to least privilege (${style}): ${describeAssignment(suggestions)}`;
    const result = leastPrivilegeEdits(policy, assignment, style, settings.principalForm);
    if ('error' in result) {
      actions.push({ title, kind, disabled: { reason: result.error } });
      continue;
    }
    const unchanged = result.edits.every((e) => policy.text.slice(e.offset, e.offset + e.length) === e.content);
    if (unchanged) continue;
    actions.push({ title, kind, diagnostics: diagnostics.length ? diagnostics : undefined, isPreferred: style === settings.style && kind === CodeActionKind.QuickFix, edit: toWorkspaceEdit(document, result.edits) });
  }
  return actions;
}

export function suggest(policy: PolicyDocument, settings: RewriteSettings): SuggestResult {
  return { principals: suggestAssignment(policy), style: settings.style, capabilities: [...CAPABILITIES] };
}

/** The edit for `kmsPolicy.applyLeastPrivilege`, validated. */
export function applyLeastPrivilege(document: TextDocument, policy: PolicyDocument, args: ApplyArgs, settings: RewriteSettings): { edit: WorkspaceEdit } | { error: string } {
  if (args.version !== undefined && args.version !== document.version) return { error: 'The document changed since the rewrite was computed; try again.' };
  const style = args.style && STYLES.includes(args.style) ? args.style : settings.style;
  const principalForm = args.principalForm === 'explicit' || args.principalForm === 'k9' ? args.principalForm : settings.principalForm;
  const entries: [string, Set<Capability>][] = [];
  for (const a of args.assignment ?? []) {
    if (typeof a?.principal !== 'string' || !Array.isArray(a.capabilities)) return { error: 'Each assignment needs a principal and a list of capabilities.' };
    const bad = a.capabilities.filter((c) => !CAPABILITIES.includes(c as Capability));
    if (bad.length) return { error: `Unknown capabilities: ${bad.join(', ')}. Use ${CAPABILITIES.join(', ')}.` };
    if (a.capabilities.length) entries.push([a.principal, new Set(a.capabilities as Capability[])]);
  }
  const result = leastPrivilegeEdits(policy, new Map(entries), style, principalForm);
  return 'error' in result ? result : { edit: toWorkspaceEdit(document, result.edits) };
}
