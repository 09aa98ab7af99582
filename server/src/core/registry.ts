/**
 * The one rule registry: every rule the analysis reports, for policies, IaC files and domain specs,
 * as a row (id, scope, default severity, summary, docs page). A row's `check` runs it:
 * - `policy` rows (core/rules) run on every key policy, a file's or one inside a template;
 * - `iac` rows run on each policy inside a template (or come from the host's parser: `iac-syntax`);
 * - `spec` rows come from the spec check (`checkSpec`) and the drift comparison (`driftFindings`),
 *   which decide them together;
 * - `diff` rows come from comparing a policy with an earlier version (`check --no-new-access`:
 *   service/accessDiff.ts over core/diff).
 * Settings (`kmsPolicy.rules`, `--rule`) name these ids; `rules/severity.ts` applies them.
 */
import { IAC_POLICY_RULES, IAC_RULES } from './iac/rules';
import { NOT_ANALYZED } from './limits';
import { RULES, type Rule } from './rules/index';
import { DOCS_PAGE, type Severity } from './rules/types';
import { DOMAIN_DOCS_PAGE, DOMAIN_RULES } from './spec/rules';

export type RuleScope = 'policy' | 'iac' | 'spec' | 'diff';

export interface RuleRow {
  readonly id: string;
  readonly scope: RuleScope;
  readonly defaultSeverity: Severity;
  readonly summary: string;
  /** The page that documents it, with a `## <id>` section. */
  readonly docs: string;
  /** For policy and IaC-policy rules: the check. Spec rows are decided by checkSpec / driftFindings. */
  readonly check?: Rule['check'];
  readonly usesAccess?: boolean;
}

const row = (scope: RuleScope, r: Pick<Rule, 'id' | 'defaultSeverity' | 'summary'> & Partial<Rule>, docs: string): RuleRow => ({
  id: r.id,
  scope,
  defaultSeverity: r.defaultSeverity,
  summary: r.summary,
  docs,
  check: r.check,
  usesAccess: r.usesAccess,
});

/** `check --no-new-access --base <ref>`: access the policy grants that it did not at the base revision (and no governing spec grants). */
export const NEW_ACCESS = row(
  'diff',
  { id: 'new-access', defaultSeverity: 'error', summary: 'The policy grants access it did not grant at the base revision, and no governing domain spec grants it.' },
  DOCS_PAGE,
);

export const RULE_TABLE: readonly RuleRow[] = [
  ...RULES.map((r) => row('policy', r, DOCS_PAGE)),
  ...IAC_RULES.map((r) => row('iac', IAC_POLICY_RULES.find((x) => x.id === r.id) ?? r, DOCS_PAGE)),
  NEW_ACCESS,
  ...DOMAIN_RULES.map((r) => row('spec', r, DOMAIN_DOCS_PAGE)),
];

const byId = new Map(RULE_TABLE.map((r) => [r.id, r]));

/** A rule by id, whatever its scope. */
export function ruleRow(id: string): RuleRow | undefined {
  return byId.get(id);
}

/** Ids that are findings but no rule: the analysis limits' note. */
export const NOTE_IDS: readonly string[] = [NOT_ANALYZED];
