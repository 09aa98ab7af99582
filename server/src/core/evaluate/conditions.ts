/**
 * Condition clauses, compiled once per policy and decided against a request context with
 * three-valued logic: a clause is true, false, or unknown (it needs a value we do not have).
 */
import { wildcardMatcher, type WildcardMatcher } from '../util/wildcard';
import type { ConditionClause } from '../policy/model';
import { parseOperator, type ParsedOperator } from '../policy/operators';
import { arnFields, hasPolicyVariable, isPlaceholder } from '../policy/placeholder';
import { constantOutcome } from './conditionValues';

export const Tri = { False: 0, True: 1, Unknown: 2 } as const;
export type Tri = (typeof Tri)[keyof typeof Tri];

/**
 * A context value by lowercased key: the values when present, `null` when the key is known to
 * be absent from the request, `undefined` when we cannot know.
 */
export type ContextLookup = (lowerKey: string) => readonly string[] | null | undefined;

export interface CompiledClause {
  readonly operator: string;
  /** The key as written. */
  readonly key: string;
  readonly lowerKey: string;
  readonly op: ParsedOperator | undefined;
  readonly values: readonly string[];
  /** One request value against the policy values, before negation; undefined when this family is not decided here. */
  readonly test: ((requestValue: string) => boolean) | undefined;
  /** The clause's result whatever the request holds (its values are ones the key never takes); usually undefined. */
  readonly constant: Tri | undefined;
}

export function compileClause(clause: ConditionClause): CompiledClause {
  const op = parseOperator(clause.operator.value);
  const values = clause.values.items.map((i) => i.value);
  // Policy variables (`${aws:username}`) need a value we do not model; template placeholders
  // (`${account_id}`) are symbolic values, compared as written.
  // A value from an IaC reference whose value is not known here (`var.x`, `!Ref Param` outside an
  // account or principal key) leaves the clause undecided, as a policy variable does.
  const test = op && !values.some(hasPolicyVariable) && !clause.values.items.some(isOpaque) ? valueTest(op, values) : undefined;
  const fixed = constantOutcome(clause);
  const constant = fixed === undefined ? undefined : fixed ? Tri.True : Tri.False;
  return { operator: clause.operator.value, key: clause.key.value, lowerKey: clause.key.value.toLowerCase(), op, values, test, constant };
}

/** A stand-in for an IaC value unknown here (see core/iac/symbols.ts): written as a reference, not as a string. */
const isOpaque = (v: { readonly literal: boolean; readonly written?: string }) => v.written !== undefined && !v.literal;

function valueTest(op: ParsedOperator, values: readonly string[]): ((v: string) => boolean) | undefined {
  switch (op.base.name) {
    case 'StringEquals':
    case 'StringNotEquals': {
      const set = new Set(values);
      return (v) => set.has(v);
    }
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase': {
      const set = new Set(values.map((x) => x.toLowerCase()));
      return (v) => set.has(v.toLowerCase());
    }
    case 'StringLike':
    case 'StringNotLike': {
      const res = values.map(caseSensitiveWildcard);
      return (v) => res.some((re) => re.test(v));
    }
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike': {
      // Without wildcards, part-by-part equality of two six-part ARNs is string equality.
      // A placeholder for a whole ARN (`<ADMIN_ROLE_ARN>`) is compared as written, as Principal compares it.
      const literal = new Set(values.filter((v) => !/[*?]/.test(v) && (isArn(v) || isPlaceholder(v))));
      const patterns = values.filter((v) => /[*?]/.test(v)).map(arnPattern).filter((p) => p !== undefined);
      if (patterns.length === 0) return (v) => literal.has(v);
      return (v) => {
        if (literal.has(v)) return true;
        const parts = splitArn(v);
        return parts !== undefined && patterns.some((p) => p.every((re, i) => re.test(parts[i])));
      };
    }
    case 'Bool': {
      const set = new Set(values.map((x) => x.toLowerCase()).filter(isBoolText));
      return (v) => {
        const lower = v.toLowerCase();
        return isBoolText(lower) && set.has(lower);
      };
    }
    default:
      return undefined;
  }
}

const isBoolText = (s: string) => s === 'true' || s === 'false';

/**
 * Decides one clause. Absent keys follow IAM: a plain operator is false, `...IfExists` is true,
 * a negated operator (StringNotEquals, ArnNotLike...) is true, `ForAnyValue:` is false and
 * `ForAllValues:` is true. A single-valued operator on a multivalued key is false.
 */
export function decideClause(c: CompiledClause, lookup: ContextLookup): Tri {
  const op = c.op;
  if (!op) return Tri.Unknown;
  if (c.constant !== undefined) return c.constant;
  const value = lookup(c.lowerKey);
  if (value === undefined) return Tri.Unknown;
  if (op.base.family === 'Null') {
    const want = value === null ? 'true' : 'false';
    return c.values.some((v) => v.toLowerCase() === want) ? Tri.True : Tri.False;
  }
  if (value === null) {
    if (op.ifExists || op.qualifier === 'ForAllValues') return Tri.True;
    if (op.qualifier === 'ForAnyValue') return Tri.False;
    return op.base.negated ? Tri.True : Tri.False;
  }
  const test = c.test;
  if (!test) return Tri.Unknown;
  const negated = op.base.negated;
  if (op.qualifier === 'ForAnyValue') {
    for (const v of value) if (test(v) !== negated) return Tri.True;
    return Tri.False;
  }
  if (op.qualifier === 'ForAllValues') {
    for (const v of value) if (test(v) === negated) return Tri.False;
    return Tri.True;
  }
  return value.length === 1 && test(value[0]) !== negated ? Tri.True : Tri.False;
}

/** ANDs the clauses of a statement, and `start` (a part already decided). */
export function decideClauses(clauses: readonly CompiledClause[], lookup: ContextLookup, start: Tri = Tri.True): Tri {
  let result: Tri = start;
  for (const c of clauses) {
    const r = decideClause(c, lookup);
    if (r === Tri.False) return Tri.False;
    if (r === Tri.Unknown) result = Tri.Unknown;
  }
  return result;
}

// ---- patterns --------------------------------------------------------------------------------

/** IAM string wildcards (`*`, `?`), case-sensitive as StringLike and ArnLike are. */
function caseSensitiveWildcard(pattern: string): WildcardMatcher {
  return wildcardMatcher(pattern, true);
}

/** Has the six parts of an ARN (five colons or more)? */
function isArn(value: string): boolean {
  let colons = 0;
  for (let i = value.indexOf(':'); i >= 0 && colons < 5; i = value.indexOf(':', i + 1)) colons++;
  return colons >= 5;
}

/** The six parts of an ARN (`arn`, partition, service, region, account, resource); undefined if it has fewer. */
function splitArn(arn: string): string[] | undefined {
  const parts = arnFields(arn);
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ArnEquals and ArnLike compare an ARN part by part, with wildcards inside each part. */
function arnPattern(value: string): WildcardMatcher[] | undefined {
  return splitArn(value)?.map(caseSensitiveWildcard);
}
