import type { Rule, RuleFinding } from './types';
import { capitalize, keySpan, statementHead, statementName } from './util';

export const emptyAction: Rule = {
  id: 'empty-action',
  defaultSeverity: 'error',
  summary: 'A statement has no actions.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      const list = s.action ?? s.notAction;
      if (!list) {
        if (!keySpan(s, 'Action') && !keySpan(s, 'NotAction')) {
          out.push({ span: statementHead(s), message: `${capitalize(statementName(s))} has no "Action"; AWS rejects the policy. Add the KMS actions it is about.` });
        }
      } else if (list.isArray && list.items.length === 0 && list.wrongTypes.length === 0) {
        out.push({ span: list.span, message: `The action list of ${statementName(s)} is empty; AWS rejects the policy. Add actions or remove the statement.` });
      }
    }
    return out;
  },
};
