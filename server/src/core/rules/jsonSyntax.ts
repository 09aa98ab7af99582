import { printParseErrorCode, ParseErrorCode } from 'jsonc-parser';
import { spanOf, trailingComma } from '../policy/parse';
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
    const template = policy.templateDirective;
    if (template) {
      out.push({
        span: template.span,
        message: `This policy is a template, not JSON: ${template.text} is a template directive (Terraform templatefile, Jinja, ERB...). AWS receives the JSON it renders to; the statements from here on are not analyzed. Check the rendered policy.`,
      });
    }
    for (const e of policy.syntaxErrors) {
      // The errors after a template directive are the template's text read as JSON: the one finding above says so.
      if (seen.has(e.offset) || (template && e.offset >= template.span.start)) continue;
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


function describe(code: ParseErrorCode): string {
  const name = printParseErrorCode(code);
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
