/** Code actions: quick fixes found by diagnostic code, and refactorings on Action lists. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type CodeActionContext, type Diagnostic, type Range } from 'vscode-languageserver-types';
import type { PolicyDocument } from '../core/policy/model';
import { collapseToWildcard, expandWildcard, quickFixes, type Fix } from '../core/rewrite/quickFixes';
import { toTextEdits } from './textEdits';
import { SOURCE } from './diagnostics';
import { accessAnalyzable } from '../core/rules/index';
import { rewriteActions, type RewriteSettings } from './rewrite';

/** Diagnostics whose quick fixes include the whole least-privilege rewrite. */
const REWRITE_ON = new Set(['over-broad-grant', 'missing-deny-everyone-else']);

export interface CodeActionOptions {
  readonly rewrite: RewriteSettings;
  /** The client has the interactive rewrite command (the VS Code extension). */
  readonly interactive: boolean;
  /** A domain spec governs the policy: its spec decides the rewrite, so the suggestion-based one is not offered. */
  readonly governed?: boolean;
}

function toAction(document: TextDocument, fix: Fix, kind: string, diagnostics?: Diagnostic[]): CodeAction {
  return {
    title: fix.title,
    kind,
    diagnostics,
    isPreferred: fix.preferred,
    edit: { changes: { [document.uri]: toTextEdits(document, fix.edits) } },
  };
}

function wants(only: string[] | undefined, kind: string): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(o + '.'));
}

export function doCodeActions(document: TextDocument, range: Range, context: CodeActionContext, policy: PolicyDocument, options: CodeActionOptions): CodeAction[] {
  // A policy a domain spec governs is rewritten from its spec (the spec's own action), not from a suggestion.
  const actions: CodeAction[] = options.governed ? [] : rewriteCodeActions(document, context, policy, options);
  if (wants(context.only, CodeActionKind.QuickFix)) {
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE || typeof d.code !== 'string') continue;
      const span = { start: document.offsetAt(d.range.start), end: document.offsetAt(d.range.end) };
      for (const fix of quickFixes(policy, { code: d.code, span, data: d.data as Record<string, unknown> | undefined })) {
        actions.push(toAction(document, fix, CodeActionKind.QuickFix, [d]));
      }
    }
  }
  if (wants(context.only, CodeActionKind.RefactorRewrite)) {
    const offset = document.offsetAt(range.start);
    for (const fix of [expandWildcard(policy, offset), collapseToWildcard(policy, offset)]) {
      if (fix) actions.push(toAction(document, fix, CodeActionKind.RefactorRewrite));
    }
  }
  return actions;
}

/**
 * The least-privilege rewrite as code actions: a quick fix of the broad-access diagnostics, else a
 * refactoring. Works on a policy inside IaC too (edits in the host's syntax, kept statements as written).
 */
export function rewriteCodeActions(document: TextDocument, context: CodeActionContext, policy: PolicyDocument, options: CodeActionOptions): CodeAction[] {
  // Code actions are asked for at every cursor move. Like the access rules, the rewrite (effective
  // access of every principal) is not offered far over the AWS size limit: 600 ms and 54 MB on 1 MB.
  if (!accessAnalyzable(policy)) return [];
  if (wants(context.only, CodeActionKind.QuickFix)) {
    const broad = context.diagnostics.filter((d) => d.source === SOURCE && typeof d.code === 'string' && REWRITE_ON.has(d.code));
    if (broad.length) return rewriteActions(document, policy, options.rewrite, options.interactive, broad, CodeActionKind.QuickFix);
  }
  if (wants(context.only, CodeActionKind.RefactorRewrite)) return rewriteActions(document, policy, options.rewrite, options.interactive, [], CodeActionKind.RefactorRewrite);
  return [];
}
