/**
 * literal-wildcard: `StringEquals` and its kin compare literally, so a `*` or `?` in their values
 * is just a character. The `Arn*` operators are not among them: AWS documents ArnEquals and
 * ArnLike alike as "case-sensitive matching of the ARN; each of the six colon-delimited
 * components is checked separately and each can include multi-character (*) or single-character
 * (?) match wildcards" (IAM User Guide, condition operators, ARN condition operators).
 */
import { SUBSTITUTED } from '../evaluate/conditionValues';
import { parseOperator, type ParsedOperator } from '../policy/operators';
import type { ConditionClause, ScalarValue, Statement } from '../policy/model';
import type { Rule, RuleFinding } from './types';
import { isDeny, statementName } from './util';

/** The literal String operators and the `...Like` operator that reads the same values as patterns. */
const LIKE_OF: Readonly<Record<string, string>> = {
  StringEquals: 'StringLike',
  StringNotEquals: 'StringNotLike',
  StringEqualsIgnoreCase: 'StringLike',
  StringNotEqualsIgnoreCase: 'StringNotLike',
};


/** A `*` or `?` in the text as written, outside substitutions (an IaC `!Sub` or `"${var.x}"` keeps its literal parts). */
function hasWildcard(v: ScalarValue): boolean {
  if (!v.literal) return false;
  return /[*?]/.test((v.written ?? v.value).replace(SUBSTITUTED, ''));
}

/** The `...Like` spelling of a literal operator, qualifier and IfExists kept: `ForAnyValue:StringNotLikeIfExists`. */
export function likeOperator(op: ParsedOperator): string | undefined {
  const like = LIKE_OF[op.base.name];
  if (!like) return undefined;
  return `${op.qualifier ? op.qualifier + ':' : ''}${like}${op.ifExists ? 'IfExists' : ''}`;
}

function consequence(s: Statement, op: ParsedOperator, c: ConditionClause): { text: string; severity?: 'error' } {
  const key = c.key.value;
  if (isDeny(s)) {
    return op.base.negated
      ? { text: `so this Deny applies to every request whose ${key} is not that literal text: in practice every request, which the Deny then refuses`, severity: 'error' }
      : { text: `so this Deny never applies to real requests: it protects nothing` };
  }
  return op.base.negated
    ? { text: `so this condition holds for every real request and limits nothing` }
    : { text: `so ${statementName(s)} never applies to real requests: it grants nothing` };
}

export const literalWildcard: Rule = {
  id: 'literal-wildcard',
  defaultSeverity: 'warning',
  summary: 'A StringEquals-family operator with * or ? in a value: the wildcard is compared as a literal character.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const c of s.condition?.clauses ?? []) {
        const op = parseOperator(c.operator.value);
        const like = op && likeOperator(op);
        if (!op || !like) continue;
        const wild = c.values.items.filter(hasWildcard);
        if (wild.length === 0) continue;
        // Every value literal with a wildcard: the clause compares nothing real. Some: only those are dead.
        const all = wild.length === c.values.items.length;
        const then = consequence(s, op, c);
        const ignoreCase = op.base.name.endsWith('IgnoreCase');
        for (const v of wild) {
          out.push({
            span: v.span,
            message:
              `${op.base.name} compares literally: "${v.written ?? v.value}" matches only a value with that exact text, "*" and "?" included, not a pattern` +
              (all ? `; ${then.text}.` : '.') +
              ` Use ${like} to match it as a pattern${ignoreCase ? ' (case-sensitive: StringLike has no IgnoreCase form)' : ''}` +
              (v.value === '*' ? `, or "Null": {"${c.key.value}": "false"} to require only that the key is present.` : '.'),
            severity: all ? then.severity : undefined,
            data: { operator: c.operator.value, replacement: like, key: c.key.value },
          });
        }
      }
    }
    return out;
  },
};
