/** What a rule is and what it reports. Plain data only: `service/` turns findings into LSP diagnostics, the CLI into text, JSON or SARIF. */
import type { PrincipalAccess } from '../evaluate/index';
import type { PolicyDocument, Span } from '../policy/model';

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

export interface Related {
  readonly span: Span;
  readonly message: string;
}

/** What a rule's check returns; the runner adds the code and the effective severity. */
export interface RuleFinding {
  readonly span: Span;
  readonly message: string;
  readonly related?: readonly Related[];
  /** Serializable hints for the quick fix of this rule (for example the suggested action). */
  readonly data?: Readonly<Record<string, unknown>>;
  /** A rule may raise or lower its own severity for one finding (for example lockout is always an error). */
  readonly severity?: Severity;
}

export interface Finding extends RuleFinding {
  readonly code: string;
  readonly severity: Severity;
}

export interface RuleContext {
  readonly policy: PolicyDocument;
  /** Effective access of every principal (computed once, on first use, shared by all rules). */
  access(): readonly PrincipalAccess[];
}

export interface Rule {
  /** Stable id: the diagnostic code, the settings key (`kmsPolicy.rules.<id>`) and the docs anchor. */
  readonly id: string;
  readonly defaultSeverity: Severity;
  /** One line for the rule table and SARIF. */
  readonly summary: string;
  /** The rule asks the evaluator (effective access). Such rules are skipped on documents far over the AWS size limit. */
  readonly usesAccess?: boolean;
  check(policy: PolicyDocument, context: RuleContext): readonly RuleFinding[];
}

export const DOCS_PAGE = 'docs/rules.md';
