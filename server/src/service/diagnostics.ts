/** Findings -> LSP diagnostics. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import type { PolicyDocument } from '../core/policy/model';
import { ruleSteps, runRules, type Finding, type Severity, type SeveritySetting } from '../core/rules/index';

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

/**
 * A key policy is at most 32 KB: a few hundred statements and a few thousand values. A document
 * with far more is not one we can help with, and the element rules alone would take seconds on
 * it (100,000 statements or actions) while the editor waits.
 */
export const MAX_STATEMENTS = 5000;
export const MAX_VALUES = 50_000;
/** A 32 KB policy cannot have more; one broken token early in a 1 MB array makes every later token an error (180,000 of them). */
export const MAX_SYNTAX_ERRORS = 5000;

function valueCount(policy: PolicyDocument): number {
  let n = 0;
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction, s.resource, s.notResource]) if (list) n += list.items.length + list.wrongTypes.length;
    for (const p of [s.principal, s.notPrincipal]) if (p) for (const e of p.entries) n += 1 + e.values.items.length + e.values.wrongTypes.length;
    for (const c of s.condition?.clauses ?? []) n += 1 + c.values.items.length + c.values.wrongTypes.length;
  }
  return n;
}

/** The one diagnostic of a document too big to analyze, or undefined. */
function tooComplex(document: TextDocument, policy: PolicyDocument): Diagnostic | undefined {
  const errors = policy.syntaxErrors;
  if (errors.length > MAX_SYNTAX_ERRORS) {
    // At the first error, which is where the document needs fixing.
    const first = errors[0];
    return notAnalyzed(
      { start: document.positionAt(first.offset), end: document.positionAt(first.offset + first.length) },
      `${errors.length} syntax errors (more than ${MAX_SYNTAX_ERRORS}), the first here`,
    );
  }
  const statements = policy.statements.length;
  const values = statements > MAX_STATEMENTS ? 0 : valueCount(policy);
  if (statements <= MAX_STATEMENTS && values <= MAX_VALUES) return undefined;
  const start = { line: 0, character: 0 };
  return notAnalyzed({ start, end: start }, statements > MAX_STATEMENTS ? `${statements} statements (more than ${MAX_STATEMENTS})` : `${values} values (more than ${MAX_VALUES})`);
}

function notAnalyzed(range: Diagnostic['range'], what: string): Diagnostic {
  return {
    range,
    severity: DiagnosticSeverity.Information,
    code: 'not-analyzed',
    source: SOURCE,
    message: `This document has ${what}; it is not analyzed. (AWS key policies are at most 32 KB.)`,
  };
}

export function doValidation(document: TextDocument, policy: PolicyDocument, settings: ValidationSettings = {}): Diagnostic[] {
  const skipped = tooComplex(document, policy);
  if (skipped) return [skipped];
  return runRules(policy, { severities: settings.rules }).map((f) => toDiagnostic(document, f, settings.docsUrl));
}

/** doValidation one rule at a time: yields between rules (see ruleSteps), returns the diagnostics. */
export function* validationSteps(document: TextDocument, policy: PolicyDocument, settings: ValidationSettings = {}): Generator<void, Diagnostic[], void> {
  const skipped = tooComplex(document, policy);
  if (skipped) return [skipped];
  const findings = yield* ruleSteps(policy, { severities: settings.rules });
  return findings.map((f) => toDiagnostic(document, f, settings.docsUrl));
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
