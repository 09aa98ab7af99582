/** IAM condition operators: the grammar, not data from the catalog. */
import { BoundedMemo } from '../util/memo';

export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

export interface BaseOperator {
  readonly name: string;
  readonly family: OperatorFamily;
  /** True for operators that match when the value does NOT match (StringNotEquals, ArnNotLike...). */
  readonly negated: boolean;
  readonly meaning: string;
}

const op = (name: string, family: OperatorFamily, meaning: string, negated = false): BaseOperator => ({ name, family, meaning, negated });

export const BASE_OPERATORS: readonly BaseOperator[] = [
  op('StringEquals', 'String', 'Exact, case-sensitive match against any of the listed values.'),
  op('StringNotEquals', 'String', 'Matches when the value equals none of the listed values (case-sensitive).', true),
  op('StringEqualsIgnoreCase', 'String', 'Exact match against any listed value, ignoring case.'),
  op('StringNotEqualsIgnoreCase', 'String', 'Matches when the value equals none of the listed values, ignoring case.', true),
  op('StringLike', 'String', 'Case-sensitive match with `*` (any run) and `?` (one character) wildcards.'),
  op('StringNotLike', 'String', 'Matches when the value matches none of the listed wildcard patterns.', true),
  op('NumericEquals', 'Numeric', 'Numeric equality.'),
  op('NumericNotEquals', 'Numeric', 'Numeric inequality.', true),
  op('NumericLessThan', 'Numeric', 'Value is less than the listed number.'),
  op('NumericLessThanEquals', 'Numeric', 'Value is less than or equal to the listed number.'),
  op('NumericGreaterThan', 'Numeric', 'Value is greater than the listed number.'),
  op('NumericGreaterThanEquals', 'Numeric', 'Value is greater than or equal to the listed number.'),
  op('DateEquals', 'Date', 'Matches a specific date (ISO 8601 or epoch seconds).'),
  op('DateNotEquals', 'Date', 'Matches any date but the listed one.', true),
  op('DateLessThan', 'Date', 'Date is before the listed date.'),
  op('DateLessThanEquals', 'Date', 'Date is at or before the listed date.'),
  op('DateGreaterThan', 'Date', 'Date is after the listed date.'),
  op('DateGreaterThanEquals', 'Date', 'Date is at or after the listed date.'),
  op('Bool', 'Bool', 'Boolean match: `"true"` or `"false"`.'),
  op('BinaryEquals', 'Binary', 'Byte-for-byte match of a base64-encoded value.'),
  op('IpAddress', 'IpAddress', 'Source address is in one of the listed CIDR ranges.'),
  op('NotIpAddress', 'IpAddress', 'Source address is in none of the listed CIDR ranges.', true),
  op('ArnEquals', 'Arn', 'ARN match, segment by segment, with `*` and `?` wildcards allowed within a segment (same as ArnLike).'),
  op('ArnLike', 'Arn', 'ARN match, segment by segment, with `*` and `?` wildcards within a segment.'),
  op('ArnNotEquals', 'Arn', 'Matches when the ARN matches none of the listed ARNs (wildcards allowed).', true),
  op('ArnNotLike', 'Arn', 'Matches when the ARN matches none of the listed patterns.', true),
  op('Null', 'Null', '`"true"`: the key is absent from the request; `"false"`: the key is present.'),
];

/** Keyed by the fixed operator names: no bound needed. */
const baseByLower = new Map(BASE_OPERATORS.map((o) => [o.name.toLowerCase(), o]));

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

export interface ParsedOperator {
  readonly text: string;
  readonly base: BaseOperator;
  readonly qualifier?: SetQualifier;
  readonly ifExists: boolean;
}

/**
 * Parses `ForAnyValue:StringLikeIfExists` into its parts, or undefined for an unknown operator. Operators are case-sensitive in AWS, so is this.
 * Cached: a policy repeats a few operators, and rules and the evaluator all ask. The result is frozen.
 */
export function parseOperator(text: string): ParsedOperator | undefined {
  return parsedOperators.get(text);
}
/** Operator texts are user-typed (typos included): bounded. */
const parsedOperators = new BoundedMemo<string, ParsedOperator | undefined>('operators.parseOperator', 1000, (text) => {
  const parsed = parse(text);
  return parsed && Object.freeze(parsed);
});

function parse(text: string): ParsedOperator | undefined {
  let rest = text;
  let qualifier: SetQualifier | undefined;
  for (const q of ['ForAnyValue', 'ForAllValues'] as const) {
    if (rest.startsWith(q + ':')) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
    }
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const base = baseByLower.get(rest.toLowerCase());
  if (!base || base.name !== rest) return undefined;
  if (ifExists && base.family === 'Null') return undefined;
  return { text, base, qualifier, ifExists };
}

/** Every operator spelling worth offering in completion. */
export function operatorSpellings(): string[] {
  const out: string[] = [];
  for (const b of BASE_OPERATORS) {
    out.push(b.name);
    if (b.family !== 'Null') out.push(b.name + 'IfExists');
  }
  for (const b of BASE_OPERATORS) {
    if (b.family === 'String' || b.family === 'Arn' || b.family === 'Numeric') {
      out.push(`ForAnyValue:${b.name}`, `ForAllValues:${b.name}`);
    }
  }
  return out;
}

/** Plain-language explanation of an operator, including its qualifiers. */
export function describeOperator(p: ParsedOperator): string {
  const parts = [`**${p.base.name}**: ${p.base.meaning}`];
  if (p.ifExists) parts.push('`...IfExists`: also matches when the key is absent from the request.');
  if (p.qualifier === 'ForAnyValue')
    parts.push('`ForAnyValue:` for multivalued keys: matches when at least one value in the request matches. Does not match when the key is absent.');
  if (p.qualifier === 'ForAllValues')
    parts.push('`ForAllValues:` for multivalued keys: matches when every value in the request matches. **Also matches when the key is absent or empty**; pair it with a `Null` check.');
  return parts.join('\n\n');
}
