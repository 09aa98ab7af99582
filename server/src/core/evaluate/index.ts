/** The evaluator's public API: effective access under a key policy. */
import type { KmsAction } from '../catalog/catalog';
import type { PolicyDocument } from '../policy/model';
import { actionIndex, callerState, compilePolicy, decide, ownAccountsFor, type Decision, type EvaluateOptions } from './evaluate';
export {
  atLeast,
  evaluate,
  RESULT_RANK,
  type AccessResult,
  type ContextValue,
  type Decision,
  type EvaluateOptions,
  type EvaluationRequest,
} from './evaluate';
export {
  effectiveAccess,
  holds,
  iamDelegations,
  whoCan,
  UNNAMED_ROLE,
  UNNAMED_SERVICE,
  type CapabilityAccess,
  type Coverage,
  type IamDelegation,
  type PrincipalAccess,
  type PrincipalOrigin,
} from './access';
export { parseCaller, type Caller, type PrincipalKind } from '../principal/caller';

/**
 * Decides many actions for one principal under one policy, compiling and reading the caller
 * once (rules that re-ask the evaluator for a few pairs use this, not a full effectiveAccess).
 */
export function evaluatorFor(policy: PolicyDocument, principal: string, options?: EvaluateOptions): (action: KmsAction) => Decision {
  const compiled = compilePolicy(policy, options?.keyArn);
  const state = callerState(compiled, principal, ownAccountsFor(compiled, options));
  return (action) => decide(compiled, state, actionIndex.get(action)!, action.fullName);
}
