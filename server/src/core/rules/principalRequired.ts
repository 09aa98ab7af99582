import type { Rule, RuleFinding } from './types';
import { capitalize, isAllow, keySpan, statementHead, statementName } from './util';

export const missingPrincipal: Rule = {
  id: 'missing-principal',
  defaultSeverity: 'error',
  summary: 'A key policy statement has no Principal or NotPrincipal.',
  check(policy) {
    return policy.statements
      .filter((s) => !s.properties.some((p) => p.name === 'Principal' || p.name === 'NotPrincipal'))
      .map((s) => ({
        span: statementHead(s),
        message: `${capitalize(statementName(s))} names no Principal; every statement in a key policy must say who it applies to, and AWS rejects it. Add "Principal".`,
      }));
  },
};

export const allowNotPrincipal: Rule = {
  id: 'allow-with-not-principal',
  defaultSeverity: 'error',
  summary: 'Allow with NotPrincipal grants access to everyone except the listed principals.',
  check(policy) {
    const out: RuleFinding[] = [];
    for (const s of policy.statements) {
      if (isAllow(s) && s.notPrincipal) {
        out.push({
          span: keySpan(s, 'NotPrincipal') ?? s.notPrincipal.span,
          message: `${capitalize(statementName(s))} allows every principal in every account except the ones listed. Use "Principal" with the principals to allow instead.`,
        });
      }
    }
    return out;
  },
};
