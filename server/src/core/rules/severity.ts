/** The one place the user's severity settings (`kmsPolicy.rules`, `--rule id=level`) apply, for every rule: policy, IaC and spec. */
import { compareIds } from '../util/text';
import type { Finding, Severity, SeveritySetting } from './types';

export type Severities = Readonly<Record<string, SeveritySetting | undefined>>;

/** The severity a finding of `id` is reported at: the setting, else the finding's or rule's own; undefined when the rule is `off`. */
export function effectiveSeverity(id: string, own: Severity, severities: Severities | undefined): Severity | undefined {
  const setting = severities?.[id];
  if (setting === 'off') return undefined;
  return setting === 'error' || setting === 'warning' || setting === 'info' ? setting : own;
}

export const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Findings by position, then severity, then id. */
export function sortFindings<F extends Finding>(findings: F[]): F[] {
  return findings.sort((a, b) => a.span.start - b.span.start || RANK[a.severity] - RANK[b.severity] || compareIds(a.code, b.code));
}
