/** Resource and NotResource: in a key policy the resource is always this key, written "*". */
import type { Rule, RuleFinding } from './types';
import { capitalize, keySpan, statementHead, statementName, stringItems } from './util';

export const resourceNotStar: Rule = {
  id: 'resource-not-star',
  defaultSeverity: 'warning',
  summary: 'Resource in a key policy should be "*" (this key).',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      for (const v of stringItems(s.resource)) {
        if (v.value === '*') continue;
        const isKeyArn = /^arn:aws[a-z-]*:kms:[^:]*:\d{12}:key\//.test(v.value);
        out.push({
          span: v.span,
          message: isKeyArn
            ? `In a key policy "Resource" means this key; write "*". A key ARN here breaks as soon as the policy is copied to another key or a replica.`
            : `"${v.value}" is not this key: in a key policy "Resource" must be "*", otherwise ${statementName(s)} never applies.`,
          data: { replacement: '*' },
        });
      }
    }
    return out;
  },
};

export const missingResource: Rule = {
  id: 'missing-resource',
  defaultSeverity: 'error',
  summary: 'A statement with no Resource.',
  check(policy) {
    return policy.statements
      .filter((s) => !keySpan(s, 'Resource') && !keySpan(s, 'NotResource'))
      .map((s) => ({
        span: statementHead(s),
        message: `${capitalize(statementName(s))} has no "Resource", so it is not a valid key policy statement and grants or denies nothing. Add "Resource": "*".`,
      }));
  },
};

export const notResource: Rule = {
  id: 'not-resource',
  defaultSeverity: 'warning',
  summary: 'NotResource has no useful meaning in a key policy.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      const k = keySpan(s, 'NotResource');
      if (k) out.push({ span: k, message: `A key policy only ever applies to its own key, so "NotResource" in ${statementName(s)} either matches this key or nothing. Use "Resource": "*".` });
    }
    return out;
  },
};
