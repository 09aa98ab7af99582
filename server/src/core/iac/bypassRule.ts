/**
 * The rule for `bypass_policy_lockout_safety_check = true` / `BypassPolicyLockoutSafetyCheck: true`.
 * Its own module with no dependency on the rule table, so that core/rules/index.ts can list it.
 */
import type { Rule } from '../rules/types';

export const BYPASS_RULE_ID = 'bypass-lockout-safety-check';

/** `bypass_policy_lockout_safety_check = true` / `BypassPolicyLockoutSafetyCheck: true`. */
export const bypassLockoutSafetyCheck: Rule = {
  id: BYPASS_RULE_ID,
  defaultSeverity: 'warning',
  summary: 'The key resource bypasses the lockout safety check, so AWS would accept a policy that locks the key forever.',
  check(policy) {
    const e = policy.embedded;
    if (!e?.bypassLockoutSafetyCheck) return [];
    return [{ span: e.bypassLockoutSafetyCheck, message: bypassMessage(e.kind === 'terraform') }];
  },
};

export function bypassMessage(terraform: boolean): string {
  return terraform ? TERRAFORM_BYPASS : CFN_BYPASS;
}

const RISK =
  'AWS will then accept a key policy that leaves nobody able to change it, and after that no principal, not even the account root, can ever call PutKeyPolicy again; AWS Support cannot undo it.';
const TERRAFORM_BYPASS = `bypass_policy_lockout_safety_check = true: ${RISK} Remove it (it defaults to false) unless you are deliberately handing the key to principals other than the one that applies this change.`;
const CFN_BYPASS = `BypassPolicyLockoutSafetyCheck: true: ${RISK} Remove it (it defaults to false) unless you are deliberately handing the key to principals other than the one that deploys this stack.`;

