import { POLICY_VERSION } from '../policy/grammar';
import type { Rule } from './types';

export const version: Rule = {
  id: 'invalid-version',
  defaultSeverity: 'error',
  summary: 'Version is missing or is not "2012-10-17".',
  check(policy) {
    if (policy.root?.type !== 'object') return [];
    const v = policy.version;
    if (!v) {
      if (policy.properties.some((p) => p.name === 'Version')) return []; // wrong type: wrong-type reports it
      return [
        {
          span: { start: policy.root.offset, end: policy.root.offset + 1 },
          message: `The policy has no "Version": AWS then uses "2008-10-17", which has no policy variables. Add "Version": "${POLICY_VERSION}".`,
          severity: 'warning',
        },
      ];
    }
    if (v.value === POLICY_VERSION) return [];
    if (v.value === '2008-10-17') {
      return [{ span: v.span, message: `"2008-10-17" is the old policy language, without policy variables. Use "${POLICY_VERSION}".`, severity: 'info' }];
    }
    return [{ span: v.span, message: `"${v.value}" is not a policy language version; AWS rejects the policy. Use "${POLICY_VERSION}".` }];
  },
};
