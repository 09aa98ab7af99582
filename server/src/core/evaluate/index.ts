/** The evaluator's public API: effective access under a key policy. */
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
export { parseCaller, type Caller, type PrincipalKind } from './principal';
