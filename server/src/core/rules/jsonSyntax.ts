import { printParseErrorCode, ParseErrorCode, type Node } from 'jsonc-parser';
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
    if (policy.root) duplicateKeys(policy.root, out);
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

function duplicateKeys(node: Node, out: RuleFinding[]): void {
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    const children = n.children;
    if (!children) continue;
    if (n.type === 'object') {
      // Most objects in a policy have a handful of keys: comparing each with the earlier ones
      // allocates nothing. Large ones get a map, so a hostile object stays linear.
      const first = children.length > 16 ? new Map<unknown, Node>() : undefined;
      for (let i = 0; i < children.length; i++) {
        const key = children[i].children?.[0];
        if (!key || key.type !== 'string') continue;
        const earlier = first ? first.get(key.value) : firstKey(children, i, key.value);
        if (earlier) {
          const name = String(key.value);
          out.push({
            span: spanOf(key),
            message: `Duplicate key "${name}": AWS rejects a policy with duplicate keys, and other tools silently keep only one of them. Merge or remove one.`,
            related: [{ span: spanOf(earlier), message: `first "${name}"` }],
          });
        } else first?.set(key.value, key);
      }
    }
    // Only objects and arrays are pushed: a property's value is pushed in place of the property.
    for (const c of children) {
      if (c.type !== 'property') {
        if (c.children) stack.push(c);
      } else for (const part of c.children ?? []) if (part.children) stack.push(part);
    }
  }
}

/** The key of the first of properties[0..before) with this name, if any. */
function firstKey(properties: readonly Node[], before: number, name: unknown): Node | undefined {
  for (let j = 0; j < before; j++) {
    const key = properties[j].children?.[0];
    if (key && key.type === 'string' && key.value === name) return key;
  }
  return undefined;
}
