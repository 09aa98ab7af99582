import type { Rule } from './types';
import { utf8Length } from './util';

export const KEY_POLICY_MAX_BYTES = 32 * 1024;

export const policySize: Rule = {
  id: 'policy-too-large',
  defaultSeverity: 'error',
  summary: 'The key policy is over the 32 KB AWS limit.',
  check(policy) {
    const bytes = utf8Length(policy.text);
    if (bytes <= KEY_POLICY_MAX_BYTES) return [];
    const firstLine = policy.text.indexOf('\n');
    return [
      {
        span: { start: 0, end: firstLine < 0 ? Math.min(policy.text.length, 1) : firstLine },
        message: `This key policy is ${bytes} bytes; AWS refuses key policies over ${KEY_POLICY_MAX_BYTES} bytes (32 KB). Merge statements, or use wildcards that match exactly one capability.`,
      },
    ];
  },
};
