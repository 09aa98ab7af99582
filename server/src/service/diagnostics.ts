/** Findings -> LSP diagnostics. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import type { PolicyDocument } from '../core/policy/model';
import { runRules, type Finding, type Severity, type SeveritySetting } from '../core/rules/index';

export const SOURCE = 'kms-policy';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Rules whose findings mean "this has no effect": editors can fade them. */
const UNNECESSARY = new Set(['not-key-policy-action', 'non-kms-action', 'duplicate-action', 'wildcard-matches-nothing']);

export interface ValidationSettings {
  readonly rules?: Readonly<Record<string, SeveritySetting | undefined>>;
  /** Base of the rule docs (`.../docs/rules.md`); each diagnostic links to `#<rule id>`. */
  readonly docsUrl?: string;
}

export function toDiagnostic(document: TextDocument, f: Finding, docsUrl?: string): Diagnostic {
  const range = { start: document.positionAt(f.span.start), end: document.positionAt(f.span.end) };
  const d: Diagnostic = { range, severity: SEVERITY[f.severity], code: f.code, source: SOURCE, message: f.message };
  if (docsUrl) d.codeDescription = { href: `${docsUrl}#${f.code}` };
  if (UNNECESSARY.has(f.code)) d.tags = [DiagnosticTag.Unnecessary];
  if (f.related?.length) {
    d.relatedInformation = f.related.map((r) => ({
      location: { uri: document.uri, range: { start: document.positionAt(r.span.start), end: document.positionAt(r.span.end) } },
      message: r.message,
    }));
  }
  if (f.data) d.data = f.data;
  return d;
}

export function doValidation(document: TextDocument, policy: PolicyDocument, settings: ValidationSettings = {}): Diagnostic[] {
  return runRules(policy, { severities: settings.rules }).map((f) => toDiagnostic(document, f, settings.docsUrl));
}

/** The one diagnostic a document over the size limit gets instead of analysis. */
export function tooLargeDiagnostic(size: number, limit: number): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    code: 'not-analyzed',
    source: SOURCE,
    message: `This document is ${size} characters, over the kmsPolicy.maxFileSize limit of ${limit}; it is not analyzed. (AWS key policies are at most 32 KB.)`,
  };
}
