import type { Rule, RuleFinding } from './types';
import { capitalize, statementHead, statementName } from './util';

export const effect: Rule = {
  id: 'invalid-effect',
  defaultSeverity: 'error',
  summary: 'Effect is missing or is not "Allow" or "Deny".',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      if (!s.effect) {
        if (!s.properties.some((p) => p.name === 'Effect')) {
          out.push({ span: statementHead(s), message: `${capitalize(statementName(s))} has no "Effect"; AWS rejects the policy. Add "Effect": "Allow" or "Deny".` });
        }
      } else if (s.effect.value !== 'Allow' && s.effect.value !== 'Deny') {
        const fixed = /^allow$/i.test(s.effect.value) ? 'Allow' : /^deny$/i.test(s.effect.value) ? 'Deny' : undefined;
        out.push({
          span: s.effect.span,
          message: `"${s.effect.value}" is not an Effect; AWS rejects the policy. Use ${fixed ? `"${fixed}" (Effect is case-sensitive)` : '"Allow" or "Deny"'}.`,
          data: fixed ? { replacement: fixed } : undefined,
        });
      }
    }
    return out;
  },
};
