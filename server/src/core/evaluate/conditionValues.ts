/**
 * Values a condition key can never take. A key with a fixed set of values (the catalog's `values`:
 * the KMS API enum of a kms: key, aws:PrincipalType's five types) or a Bool key compared with a
 * value outside that set never matches it. The evaluator decides such a clause without the
 * request; the impossible-condition-value rule says so where it is written.
 */
import { findConditionKey } from '../catalog/catalog';
import type { ConditionClause, ScalarValue } from '../policy/model';
import { parseOperator, type ParsedOperator } from '../policy/operators';
import { globMatch } from '../util/wildcard';

/**
 * Text that stands for something else, never compared as written: policy variables and their
 * escapes (`${aws:username}`, `${*}`) and template placeholders (`#{...}`, `{{...}}`, `%{...}`,
 * `<ACCOUNT_ID>`).
 */
export const SUBSTITUTED = /\$\{[^}]*\}|#\{[^}]*\}|%\{[^}]*\}|\{\{[^}]*\}\}|<[^<>]*>/g;

/** A value the analysis reads as written: not a placeholder, a policy variable or an IaC reference. */
export function isPlainValue(v: ScalarValue): boolean {
  SUBSTITUTED.lastIndex = 0;
  return v.written === undefined && !SUBSTITUTED.test(v.value);
}

const BOOL_VALUES: readonly string[] = ['true', 'false'];

export interface ImpossibleValues {
  /** The key as the catalog spells it, and the values it can take. */
  readonly key: string;
  readonly domain: readonly string[];
  readonly op: ParsedOperator;
  /** The values of the clause the key can never take. */
  readonly values: readonly ScalarValue[];
  /** Every value of the clause is impossible (and each was read as written). */
  readonly all: boolean;
}

/** The clause's values that its key can never take, or undefined when there are none (or it cannot tell). */
export function impossibleValues(clause: ConditionClause): ImpossibleValues | undefined {
  const op = parseOperator(clause.operator.value);
  if (!op || (op.base.family !== 'String' && op.base.family !== 'Bool')) return undefined;
  const info = findConditionKey(clause.key.value);
  if (!info) return undefined;
  const isBool = info.type === 'Bool' || info.type === 'ArrayOfBool';
  const domain = info.values ?? (isBool ? BOOL_VALUES : undefined);
  if (!domain) return undefined;
  // A Bool operator on a key that is not Bool is operator-type-mismatch's to report.
  if (op.base.family === 'Bool' && !isBool) return undefined;
  const ignoreCase = isBool || op.base.name.includes('IgnoreCase');
  const like = op.base.name.includes('Like');
  const possible = (v: string) =>
    domain.some((d) => (like ? globMatch(ignoreCase ? v.toLowerCase() : v, ignoreCase ? d.toLowerCase() : d) : ignoreCase ? d.toLowerCase() === v.toLowerCase() : d === v));
  const items = clause.values.items;
  const plain = items.filter(isPlainValue);
  const values = plain.filter((v) => !possible(v.value));
  if (values.length === 0) return undefined;
  return { key: info.key, domain, op, values, all: values.length === items.length };
}

/**
 * The clause's result whatever the request holds, when every value is impossible: a plain or
 * ForAnyValue positive operator never matches (present or absent); a negated one without a
 * qualifier always does. Undefined when the answer depends on whether the key is present
 * (a positive IfExists, ForAllValues, a negated ForAnyValue).
 */
export function constantOutcome(clause: ConditionClause): boolean | undefined {
  const found = impossibleValues(clause);
  if (!found?.all) return undefined;
  const op = found.op;
  if (op.base.negated) return op.qualifier === undefined ? true : undefined;
  return op.ifExists || op.qualifier === 'ForAllValues' ? undefined : false;
}
