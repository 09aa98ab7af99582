import type { ScalarValue } from '../policy/model';
import type { Rule, RuleFinding } from './types';

export const duplicateSid: Rule = {
  id: 'duplicate-sid',
  defaultSeverity: 'error',
  summary: 'Two statements have the same Sid.',
  check(policy) {
    const out: RuleFinding[] = [];
    const first = new Map<string, ScalarValue>();
    for (const s of policy.statements) {
      if (!s.sid?.literal || s.sid.value === '') continue;
      const earlier = first.get(s.sid.value);
      if (earlier) {
        out.push({
          span: s.sid.span,
          message: `Sid "${s.sid.value}" is used twice; AWS rejects the policy. Give each statement its own Sid.`,
          related: [{ span: earlier.span, message: 'first use' }],
        });
      } else first.set(s.sid.value, s.sid);
    }
    return out;
  },
};
