/** Unknown is not absent: a policy with parts the analysis could not read says so, once. */
import type { PolicyDocument, Span } from '../policy/model';
import type { Rule } from './types';

/** Is part of the policy unknown? Then findings that claim something is missing are not reported. */
export function partlyKnown(policy: PolicyDocument): boolean {
  return (policy.unknown?.length ?? 0) > 0;
}

/**
 * Could an unknown part hold a Deny statement? One inside an Allow statement (anywhere but its
 * Effect: a principal, a condition value) can only change what that Allow grants.
 */
export function unknownMayDeny(policy: PolicyDocument): boolean {
  const within = (a: Span, b: Span) => b.start <= a.start && a.end <= b.end;
  return (policy.unknown ?? []).some(
    (u) => !policy.statements.some((s) => s.effect?.value === 'Allow' && s.effect.literal && within(u.span, s.span) && !within(u.span, s.effect.span)),
  );
}

const SHOWN = 3;

export const partialAnalysis: Rule = {
  id: 'partial-analysis',
  defaultSeverity: 'info',
  summary: 'Part of the policy is not known here (a template, a Terraform function or dynamic block, an unresolved intrinsic): only the rest is analyzed.',
  check(policy) {
    // The statements after a template directive: json-syntax's finding already says they are not analyzed.
    const template = policy.templateDirective?.span.start;
    const parts = (policy.unknown ?? []).filter((p) => p.span.start !== template).sort((a, b) => a.span.start - b.span.start);
    if (parts.length === 0) return [];
    // The same thing written many times (16 `dynamic "statement"` blocks) is named once, with its count.
    const counts = new Map<string, number>();
    for (const p of parts) counts.set(p.what, (counts.get(p.what) ?? 0) + 1);
    const named = [...counts].slice(0, SHOWN).map(([what, n]) => (n > 1 ? `${n} × ${what}` : what));
    const more = counts.size > SHOWN ? ` and ${counts.size - SHOWN} more` : '';
    return [
      {
        span: parts[0].span,
        message:
          `Not evaluated: ${named.join('; ')}${more}. Only the parts known here are analyzed; findings about what the policy lacks ` +
          `(${unknownMayDeny(policy) ? 'lockout, no DenyEveryoneElse' : 'lockout'}) are not reported, since the unknown parts may supply it.`,
        related: parts.slice(1).map((p) => ({ span: p.span, message: `not evaluated: ${p.what}` })),
      },
    ];
  },
};
