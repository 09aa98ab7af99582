/** The one finding -> LSP diagnostic converter, for every rule: policy, IaC, spec and drift. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver-types';
import { lineIndex } from '../core/policy/lines';
import { ruleRow } from '../core/registry';
import type { Finding, Severity } from '../core/rules/types';
import type { ElsewhereRef } from '../core/spec/rules';

export const SOURCE = 'kms-policy';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Rules whose findings mean "this has no effect": editors can fade them. */
const UNNECESSARY = new Set(['not-key-policy-action', 'non-kms-action', 'duplicate-action', 'wildcard-matches-nothing', 'spec-unused-principal']);

export interface DiagnosticContext {
  /** docs/rules.md, for each policy and IaC rule's codeDescription link (`#<id>`). */
  readonly docsUrl?: string;
  /** docs/domain-spec.md, for the spec and drift rules. */
  readonly domainDocsUrl?: string;
  /** The text of another file a finding points into (a drift finding's spec), for related information. */
  readonly textOf?: (uri: string) => string | undefined;
}

/** A finding of any rule, with related places in another file (`elsewhere`, drift findings' specs). */
export type AnyFinding = Finding & { readonly elsewhere?: readonly ElsewhereRef[] };

export function toDiagnostic(document: TextDocument, f: AnyFinding, context: DiagnosticContext = {}): Diagnostic {
  const range = { start: document.positionAt(f.span.start), end: document.positionAt(f.span.end) };
  const d: Diagnostic = { range, severity: SEVERITY[f.severity], code: f.code, source: SOURCE, message: f.message };
  const docs = ruleRow(f.code)?.scope === 'spec' ? context.domainDocsUrl : context.docsUrl;
  if (docs) d.codeDescription = { href: `${docs}#${f.code}` };
  if (UNNECESSARY.has(f.code)) d.tags = [DiagnosticTag.Unnecessary];
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of f.related ?? []) related.push({ location: { uri: document.uri, range: { start: document.positionAt(r.span.start), end: document.positionAt(r.span.end) } }, message: r.message });
  for (const e of f.elsewhere ?? []) {
    const text = context.textOf?.(e.uri);
    if (text === undefined) continue;
    const at = lineIndex(text);
    related.push({ location: { uri: e.uri, range: { start: at(e.span.start), end: at(e.span.end) } }, message: e.message });
  }
  if (related.length) d.relatedInformation = related;
  if (f.data) d.data = f.data;
  return d;
}
