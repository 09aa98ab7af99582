/**
 * Principals: ARN shapes (`arn.ts`), the caller classification the evaluator matches with
 * (`caller.ts`: account root, role, assumed-role session, user, service, other) and the
 * validation of principals written in domain specs (`check.ts`).
 */
export * from './arn';
export { parseCaller, compilePrincipal, matchPrincipal, PrincipalMatch, type Caller, type PrincipalKind, type PrincipalMatcher } from './caller';
export { checkPrincipal, looksLikeArn, shortName, accountRoot, PRINCIPAL_NAME, type PrincipalCheck } from './check';
