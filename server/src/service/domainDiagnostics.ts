/** Domain spec diagnostics, and drift diagnostics on the key policies specs govern, through the one converter (diagnostics.ts). */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver-types';
import { checkSpec, type SpecCheckInput } from '../core/spec/check';
import { driftFindings, type GoverningSpec } from '../core/spec/drift';
import type { DomainSpec } from '../core/spec/model';
import { settle } from '../core/spec/rules';
import type { PolicyDocument } from '../core/policy/model';
import type { SeveritySetting } from '../core/rules/types';
import { toDiagnostic } from './diagnostics';
import { specValidator } from './domainSchema';

export interface DomainValidationSettings {
  /** `kmsPolicy.rules`: applies to spec and drift ids too. */
  readonly rules?: Readonly<Record<string, SeveritySetting | undefined>>;
  /** URL of docs/domain-spec.md; each diagnostic links to `#<id>`. */
  readonly docsUrl?: string;
}

export type SpecValidationInput = Omit<SpecCheckInput, 'validate' | 'severities'>;

/**
 * Diagnostics for a spec document. `input` carries what the workspace knows: the governed policy
 * (found, missing or unreadable) and the other specs with the same domain name or policy.
 */
export function doSpecValidation(document: TextDocument, spec: DomainSpec, input: SpecValidationInput = {}, settings: DomainValidationSettings = {}): Diagnostic[] {
  const findings = checkSpec(spec, { ...input, validate: specValidator(), severities: settings.rules });
  return findings.map((f) => toDiagnostic(document, f, { domainDocsUrl: settings.docsUrl }));
}

/** Drift findings for a key policy, against every spec that governs it (from the workspace index). */
export function policyDriftFindings(policy: PolicyDocument, governing: readonly GoverningSpec[], rules?: DomainValidationSettings['rules']) {
  return governing.length === 0 ? [] : settle(driftFindings(policy, governing), rules);
}

/** Drift diagnostics for a key policy; related information points into the specs. */
export function doDriftValidation(document: TextDocument, policy: PolicyDocument, governing: readonly GoverningSpec[], settings: DomainValidationSettings = {}): Diagnostic[] {
  const specs = new Map(governing.map((g) => [g.uri, g.spec.text]));
  return policyDriftFindings(policy, governing, settings.rules).map((f) => toDiagnostic(document, f, { domainDocsUrl: settings.docsUrl, textOf: (u) => specs.get(u) }));
}
