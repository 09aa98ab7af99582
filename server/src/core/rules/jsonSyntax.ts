import { printParseErrorCode, ParseErrorCode } from 'jsonc-parser';
import { spanOf } from '../policy/parse';
import type { Rule, RuleFinding } from './types';

/** JSON that AWS rejects: syntax errors, comments, trailing commas, duplicate keys, a non-object root. */
export const jsonSyntax: Rule = {
  id: 'json-syntax',
  defaultSeverity: 'error',
  summary: 'The policy is not JSON that AWS accepts (syntax error, comment, trailing comma, duplicate key).',
  check(policy) {
    const out: RuleFinding[] = [];
    const text = policy.text;
    if (policy.fatal) return [{ span: { start: 0, end: Math.min(text.length, 1) }, message: policy.fatal }];
    const seen = new Set<number>();
    for (const e of policy.syntaxErrors) {
      if (seen.has(e.offset)) continue;
      seen.add(e.offset);
      const span = { start: e.offset, end: e.offset + Math.max(1, e.length) };
      if (e.error === ParseErrorCode.InvalidCommentToken) {
        out.push({ span, message: 'AWS rejects comments in a key policy. Remove this comment.' });
        continue;
      }
      const comma = trailingComma(text, e.offset);
      if (comma !== undefined && (e.error === ParseErrorCode.ValueExpected || e.error === ParseErrorCode.PropertyNameExpected)) {
        out.push({ span: { start: comma, end: comma + 1 }, message: 'AWS rejects trailing commas. Remove this comma.' });
        continue;
      }
      out.push({ span, message: `Invalid JSON: ${describe(e.error)}.` });
    }
    if (policy.root && policy.root.type !== 'object') {
      out.push({ span: spanOf(policy.root), message: 'A key policy must be a JSON object with a "Statement" element.' });
    }
    for (const d of policy.duplicateKeys) {
      out.push({
        span: d.span,
        message: `Duplicate key "${d.name}": AWS rejects a policy with duplicate keys, and other tools silently keep only one of them. Merge or remove one.`,
        related: [{ span: d.first, message: `first "${d.name}"` }],
      });
    }
    if (!policy.root && text.trim() === '') {
      out.push({ span: { start: 0, end: 0 }, message: 'Empty key policy: it needs a "Version" and a "Statement".' });
    }
    return out;
  },
};

function trailingComma(text: string, closeOffset: number): number | undefined {
  const c = text[closeOffset];
  if (c !== '}' && c !== ']') return undefined;
  let i = closeOffset - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  return text[i] === ',' ? i : undefined;
}

function describe(code: ParseErrorCode): string {
  const name = printParseErrorCode(code);
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
