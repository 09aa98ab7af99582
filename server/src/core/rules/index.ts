/** The rule table (data) and the runner. Settings override any rule's severity by id, or turn it off. */
import { effectiveSeverity, sortFindings } from './severity';
import { effectiveAccess } from '../evaluate/index';
import type { PolicyDocument } from '../policy/model';
import { adminOnDataPrincipal, createGrantForDataPrincipal, isDenyEveryoneElse, lockout, missingDenyEveryoneElse, overBroadGrant, publicKey, rootDelegation, separationOfDuties } from './access';
import { denyEveryoneElseCarveOuts, denyEveryoneElseDeadGrant, denyEveryoneElsePartial } from './denyEveryoneElse';
import { duplicateAction, nonKmsAction, notKeyPolicyAction, unknownAction, wildcardMatchesNothing } from './actions';
import { deprecatedConditionKey, operatorTypeMismatch, unknownConditionKey, unknownOperator } from './conditions';
import { accountWideGrant } from './accountWideGrant';
import { duplicateSid } from './duplicateSid';
import { effect } from './effect';
import { emptyAction } from './emptyAction';
import { impossibleConditionValue } from './impossibleConditionValue';
import { jsonSyntax } from './jsonSyntax';
import { literalWildcard } from './literalWildcard';
import { malformedPrincipal } from './malformedPrincipal';
import { notPrincipalRole } from './notPrincipalRole';
import { partialAnalysis } from './partialAnalysis';
import { policySize } from './policySize';
import { allowNotPrincipal, missingPrincipal } from './principalRequired';
import { missingResource, notResource, resourceNotStar } from './resources';
import type { Finding, Rule, RuleContext, Severity, SeveritySetting } from './types';
import { unknownElement } from './unknownElement';
import { version } from './version';
import { serviceWithoutSourceCondition } from './serviceWithoutSource';
import { wrongType } from './wrongType';

export type { Finding, Rule, RuleContext, Severity, SeveritySetting } from './types';
export { DOCS_PAGE } from './types';

export { isDenyEveryoneElse };

export const RULES: readonly Rule[] = [
  missingDenyEveryoneElse,
  denyEveryoneElsePartial,
  denyEveryoneElseDeadGrant,
  denyEveryoneElseCarveOuts,
  lockout,
  overBroadGrant,
  separationOfDuties,
  publicKey,
  rootDelegation,
  createGrantForDataPrincipal,
  adminOnDataPrincipal,
  jsonSyntax,
  partialAnalysis,
  policySize,
  version,
  effect,
  missingPrincipal,
  allowNotPrincipal,
  duplicateSid,
  unknownElement,
  wrongType,
  emptyAction,
  malformedPrincipal,
  unknownAction,
  wildcardMatchesNothing,
  nonKmsAction,
  notKeyPolicyAction,
  duplicateAction,
  resourceNotStar,
  missingResource,
  notResource,
  unknownOperator,
  unknownConditionKey,
  operatorTypeMismatch,
  deprecatedConditionKey,
  literalWildcard,
  impossibleConditionValue,
  notPrincipalRole,
  accountWideGrant,
  serviceWithoutSourceCondition,
];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function findRule(id: string): Rule | undefined {
  return byId.get(id);
}

/** Past this many findings of one rule in one document, the rest are summed up in one finding: nobody reads 100,000 squiggles, and producing them would stall the editor. */
export const MAX_FINDINGS_PER_RULE = 200;

/** Above this many characters (4x the AWS limit), the rules that need the evaluator are skipped. */
export const ACCESS_ANALYSIS_LIMIT = 128 * 1024;

/**
 * Is the policy small enough for effective access (the access rules, who-can hover, the rewrite)?
 * Measured on the policy itself: for one inside a template, its span there, not the whole file.
 */
export function accessAnalyzable(policy: PolicyDocument): boolean {
  const span = policy.embedded?.span;
  return (span ? span.end - span.start : policy.text.length) <= ACCESS_ANALYSIS_LIMIT;
}

export interface RunOptions {
  /** `kmsPolicy.rules`: rule id -> severity or 'off'. Unknown ids and values are ignored. */
  readonly severities?: Readonly<Record<string, SeveritySetting | undefined>>;
}

/** Runs every enabled rule. Findings are sorted by position, then severity. A rule that throws is reported, never propagated. */
export function runRules(policy: PolicyDocument, options: RunOptions = {}): Finding[] {
  const steps = ruleSteps(policy, options);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * The same analysis one rule at a time: it yields after each rule and returns the sorted
 * findings. The server runs it in slices of the event loop, so a long analysis can be cancelled
 * (`$/cancelRequest`) and newer edits are read between rules.
 */
export function* ruleSteps(policy: PolicyDocument, options: RunOptions = {}): Generator<void, Finding[], void> {
  let access: ReturnType<RuleContext['access']> | undefined;
  const context: RuleContext = { policy, access: () => (access ??= effectiveAccess(policy)) };
  const findings: Finding[] = [];
  const syntaxOnly = policy.fatal !== undefined || (policy.root !== undefined && policy.root.type !== 'object');
  // AWS accepts at most 32 KB. Far beyond that the text is not a policy anyone can deploy, and
  // evaluating every principal against thousands of statements would stall the editor; the
  // element rules still run, and one note says what was skipped.
  const skipAccess = !accessAnalyzable(policy);
  const unknown = policy.unknown?.length ? policy.unknown : undefined;
  if (skipAccess && !syntaxOnly) {
    findings.push({ code: 'policy-too-large', severity: 'info', span: { start: 0, end: Math.min(policy.text.length, 1) }, message: `Effective access (DenyEveryoneElse, lockout, grants...) is not evaluated for documents over ${ACCESS_ANALYSIS_LIMIT / 1024} KB; AWS accepts key policies of at most 32 KB.` });
  }
  for (const rule of RULES) {
    if (options.severities?.[rule.id] === 'off') continue;
    if (syntaxOnly && rule !== jsonSyntax && rule !== policySize && rule !== partialAnalysis) continue;
    if (skipAccess && rule.usesAccess) continue;
    let raw;
    try {
      raw = rule.check(policy, context);
    } catch (e) {
      findings.push({ code: 'internal-error', severity: 'error', span: { start: 0, end: 0 }, message: `rule ${rule.id} failed: ${String(e)}. Please report this.` });
      continue;
    }
    // Nothing is reported inside a part that was not read (template text after a syntax error, an unresolved expression): the parser made it up.
    if (unknown && rule !== jsonSyntax && rule !== partialAnalysis) raw = raw.filter((f) => !unknown.some((u) => u.span.start <= f.span.start && f.span.end <= u.span.end));
    const shown = raw.length > MAX_FINDINGS_PER_RULE ? raw.slice(0, MAX_FINDINGS_PER_RULE) : raw;
    for (const f of shown) findings.push({ ...f, code: rule.id, severity: effectiveSeverity(rule.id, f.severity ?? rule.defaultSeverity, options.severities)! });
    if (shown !== raw) {
      const last = shown[shown.length - 1];
      findings.push({ code: rule.id, severity: 'info', span: last.span, message: `${raw.length - shown.length} more ${rule.id} findings in this document are not shown.` });
    }
    yield;
  }
  return sortFindings(findings);
}
