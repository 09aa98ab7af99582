/**
 * Text edits that keep the document's formatting: jsonc-parser's `modify` touches only what must
 * change, with the document's own indentation and line endings.
 */
import { applyEdits, modify, type Edit, type FormattingOptions, type JSONPath } from 'jsonc-parser';
import type { Span } from '../policy/model';

export type { Edit } from 'jsonc-parser';

/** The indentation and line ending the document already uses (two spaces and \n when it shows none). */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indents = [...text.matchAll(/\n([ \t]+)\S/g)].map((m) => m[1]);
  if (indents.some((i) => i.startsWith('\t'))) return { insertSpaces: false, tabSize: 1, eol };
  const sizes = indents.map((i) => i.length).filter((n) => n > 0);
  const step = sizes.length ? sizes.reduce(gcd) : 2;
  return { insertSpaces: true, tabSize: step > 0 && step <= 8 ? step : 2, eol };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Replaces a span with text. */
export function replaceSpan(span: Span, content: string): Edit {
  return { offset: span.start, length: span.end - span.start, content };
}

/** Sets (or with `undefined`, removes) the value at `path`, formatted like the rest of the document. */
export function setValue(text: string, path: JSONPath, value: unknown, insertAt?: number): Edit[] {
  const formattingOptions = detectFormatting(text);
  return modify(text, path, value, {
    formattingOptions,
    getInsertionIndex: insertAt === undefined ? undefined : () => insertAt,
  });
}

export function apply(text: string, edits: readonly Edit[]): string {
  return applyEdits(text, [...edits]);
}
