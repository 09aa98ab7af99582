/**
 * Analysis limits, applied on every path (plain policies, each policy inside a template, the CLI):
 * they keep the server responsive on any input. A key policy is at most 32 KB: a few hundred
 * statements and a few thousand values. A document with far more is not one we can help with, and
 * the element rules alone would take seconds on it (100,000 statements or actions).
 */
import type { PolicyDocument } from './policy/model';
import type { Finding } from './rules/types';

export const MAX_STATEMENTS = 5000;
export const MAX_VALUES = 50_000;
/** A 32 KB policy cannot have more; one broken token early in a 1 MB array makes every later token an error (180,000 of them). */
export const MAX_SYNTAX_ERRORS = 5000;
/** Documents larger than this many characters are not analyzed (`kmsPolicy.maxFileSize`, and the CLI's read limit). */
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

export const NOT_ANALYZED = 'not-analyzed';

function valueCount(policy: PolicyDocument): number {
  let n = 0;
  for (const s of policy.statements) {
    for (const list of [s.action, s.notAction, s.resource, s.notResource]) if (list) n += list.items.length + list.wrongTypes.length;
    for (const p of [s.principal, s.notPrincipal]) if (p) for (const e of p.entries) n += 1 + e.values.items.length + e.values.wrongTypes.length;
    for (const c of s.condition?.clauses ?? []) n += 1 + c.values.items.length + c.values.wrongTypes.length;
  }
  return n;
}

/** The one finding of a policy too big to analyze (its rules are then not run), or undefined. */
export function tooComplex(policy: PolicyDocument): Finding | undefined {
  const what = policy.embedded ? 'key policy' : 'document';
  const errors = policy.syntaxErrors;
  if (errors.length > MAX_SYNTAX_ERRORS) {
    // At the first error, which is where the document needs fixing.
    const first = errors[0];
    return notAnalyzed({ start: first.offset, end: first.offset + first.length }, what, `${errors.length} syntax errors (more than ${MAX_SYNTAX_ERRORS}), the first here`);
  }
  const statements = policy.statements.length;
  const values = statements > MAX_STATEMENTS ? 0 : valueCount(policy);
  if (statements <= MAX_STATEMENTS && values <= MAX_VALUES) return undefined;
  const at = policy.embedded?.keySpan ?? { start: 0, end: 0 };
  return notAnalyzed(at, what, statements > MAX_STATEMENTS ? `${statements} statements (more than ${MAX_STATEMENTS})` : `${values} values (more than ${MAX_VALUES})`);
}

function notAnalyzed(span: Finding['span'], what: string, detail: string): Finding {
  return { code: NOT_ANALYZED, severity: 'info', span, message: `This ${what} has ${detail}; it is not analyzed. (AWS key policies are at most 32 KB.)` };
}

/** The one finding of a document over the size limit, instead of analysis. */
export function tooLarge(size: number, limit: number): Finding {
  return {
    code: NOT_ANALYZED,
    severity: 'info',
    span: { start: 0, end: 0 },
    message: `This document is ${size} characters, over the kmsPolicy.maxFileSize limit of ${limit}; it is not analyzed. (AWS key policies are at most 32 KB.)`,
  };
}
