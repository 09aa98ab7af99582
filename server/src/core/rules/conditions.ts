/** Condition operators and keys. */
import { findConditionKey } from '../catalog/catalog';
import { parseOperator, type OperatorFamily } from '../policy/operators';
import type { Rule, RuleFinding } from './types';

export const unknownOperator: Rule = {
  id: 'unknown-operator',
  defaultSeverity: 'error',
  summary: 'A condition operator that does not exist.',
  check(policy) {
    const out: RuleFinding[] = [];
    const seen = new Set<number>();
    for (const s of policy.statements) {
      for (const c of s.condition?.clauses ?? []) {
        if (seen.has(c.operator.span.start) || parseOperator(c.operator.value)) continue;
        seen.add(c.operator.span.start);
        const hint = /^nullifexists$/i.test(c.operator.value) ? ' Null has no IfExists form.' : ' Operators are case-sensitive, such as "StringEquals" or "ArnLike".';
        out.push({ span: c.operator.span, message: `"${c.operator.value}" is not a condition operator; AWS rejects the policy.${hint}` });
      }
    }
    return out;
  },
};

export const unknownConditionKey: Rule = {
  id: 'unknown-condition-key',
  defaultSeverity: 'error',
  summary: 'A condition key that KMS requests never carry.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const c of s.condition?.clauses ?? []) {
        const key = c.key.value;
        if (findConditionKey(key)) continue;
        const service = key.split(':')[0].toLowerCase();
        if (service === 'kms') out.push({ span: c.key.span, message: `"${key}" is not a KMS condition key, so this condition never matches.` });
        else if (service === 'aws') out.push({ span: c.key.span, message: `"${key}" is not a known global condition key, so this condition may never match.`, severity: 'warning' });
        else if (!key.includes(':')) out.push({ span: c.key.span, message: `"${key}" is not a condition key (keys look like "kms:ViaService" or "aws:PrincipalArn"), so this condition never matches.` });
        else out.push({ span: c.key.span, message: `"${key}" is a ${service} key; KMS requests never carry it, so this condition never matches.`, severity: 'warning' });
      }
    }
    return out;
  },
};

const FAMILY_FOR_TYPE: Record<string, OperatorFamily[]> = {
  String: ['String'],
  ARN: ['Arn', 'String'],
  Bool: ['Bool'],
  Numeric: ['Numeric'],
  Date: ['Date'],
  IPAddress: ['IpAddress'],
  Binary: ['Binary'],
};

export const operatorTypeMismatch: Rule = {
  id: 'operator-type-mismatch',
  defaultSeverity: 'warning',
  summary: 'A condition operator that does not fit the type of its key.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const c of s.condition?.clauses ?? []) {
        const op = parseOperator(c.operator.value);
        const key = findConditionKey(c.key.value);
        if (!op || !key || op.base.family === 'Null') continue;
        const multi = key.type.startsWith('ArrayOf');
        const scalarType = multi ? key.type.slice('ArrayOf'.length) : key.type;
        const fits = FAMILY_FOR_TYPE[scalarType];
        // The key as written: a pattern key's catalog name holds `${EncryptionContextKey}`.
        const name = key.key.includes('${') ? c.key.value : key.key;
        // A string key whose values are ARNs (kms:EncryptionContext:aws:logs:arn) is compared as
        // ARNs by the Arn operators: the pattern AWS documents for CloudWatch Logs and CloudTrail.
        const arnValues = op.base.family === 'Arn' && scalarType === 'String' && c.values.items.length > 0 && c.values.items.every((v) => v.value.startsWith('arn:'));
        if (fits && !fits.includes(op.base.family) && !arnValues) {
          out.push({
            span: c.operator.span,
            message: `${op.base.name} compares ${op.base.family === 'Arn' ? 'ARNs' : op.base.family.toLowerCase() + ' values'}, but ${name} is ${scalarType}; the condition does not work as written. Use a ${fits[0]} operator.`,
          });
        } else if (op.qualifier && !multi) {
          out.push({
            span: c.operator.span,
            message: `${op.qualifier}: is for multivalued keys, but ${name} has one value; ${op.qualifier === 'ForAllValues' ? 'ForAllValues also matches when the key is absent, which can allow more than intended' : 'drop the qualifier'}. Use ${op.base.name}${op.ifExists ? 'IfExists' : ''}.`,
          });
        } else if (multi && !op.qualifier && op.base.family !== 'Bool') {
          out.push({
            span: c.operator.span,
            message: `${name} is multivalued; use ForAnyValue:${op.base.name} or ForAllValues:${op.base.name} to say how its values are compared.`,
            severity: 'info',
          });
        }
      }
    }
    return out;
  },
};

export const deprecatedConditionKey: Rule = {
  id: 'deprecated-condition-key',
  defaultSeverity: 'warning',
  summary: 'A deprecated KMS condition key.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const c of s.condition?.clauses ?? []) {
        const key = findConditionKey(c.key.value);
        if (!key?.replacedBy) continue;
        out.push({
          span: c.key.span,
          message: `${key.key} is deprecated. Use ${key.replacedBy} instead.`,
          data: { replacement: key.replacedBy },
        });
      }
    }
    return out;
  },
};
