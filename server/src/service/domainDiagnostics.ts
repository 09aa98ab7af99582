/** Domain spec diagnostics, and drift diagnostics on the key policies specs govern, as LSP diagnostics. */
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver-types';
import { checkSpec, type SpecCheckInput } from '../core/spec/check';
import { driftFindings, type GoverningSpec } from '../core/spec/drift';
import type { DomainSpec } from '../core/spec/model';
import { settle, type DomainFinding } from '../core/spec/rules';
import type { PolicyDocument } from '../core/policy/model';
import type { SeveritySetting } from '../core/rules/types';
import { SOURCE } from './diagnostics';
import { specValidator } from './domainSchema';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export interface DomainValidationSettings {
  /** `kmsPolicy.rules`: applies to spec and drift ids too. */
  readonly rules?: Readonly<Record<string, SeveritySetting | undefined>>;
  /** URL of docs/domain-spec.md; each diagnostic links to `#<id>`. */
  readonly docsUrl?: string;
}

/** A TextDocument for a spec's text, to turn spans in another file into positions. */
const specDocuments = new WeakMap<DomainSpec, Map<string, TextDocument>>();
function documentFor(uri: string, spec: DomainSpec): TextDocument {
  let byUri = specDocuments.get(spec);
  if (!byUri) specDocuments.set(spec, (byUri = new Map()));
  let doc = byUri.get(uri);
  if (!doc) byUri.set(uri, (doc = TextDocument.create(uri, spec.format, 0, spec.text)));
  return doc;
}

export function toDomainDiagnostic(document: TextDocument, f: DomainFinding, docsUrl: string | undefined, others: ReadonlyMap<string, DomainSpec> = new Map()): Diagnostic {
  const range = { start: document.positionAt(f.span.start), end: document.positionAt(f.span.end) };
  const d: Diagnostic = { range, severity: SEVERITY[f.severity], code: f.code, source: SOURCE, message: f.message };
  if (docsUrl) d.codeDescription = { href: `${docsUrl}#${f.code}` };
  if (f.code === 'spec-unused-principal') d.tags = [DiagnosticTag.Unnecessary];
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of f.related ?? []) related.push({ location: { uri: document.uri, range: { start: document.positionAt(r.span.start), end: document.positionAt(r.span.end) } }, message: r.message });
  for (const e of f.elsewhere ?? []) {
    const spec = others.get(e.uri);
    if (!spec) continue;
    const doc = documentFor(e.uri, spec);
    related.push({ location: { uri: e.uri, range: { start: doc.positionAt(e.span.start), end: doc.positionAt(e.span.end) } }, message: e.message });
  }
  if (related.length) d.relatedInformation = related;
  if (f.data) d.data = f.data;
  return d;
}

export type SpecValidationInput = Omit<SpecCheckInput, 'validate' | 'severities'>;

/**
 * Diagnostics for a spec document. `input` carries what the workspace knows: the governed policy
 * (found, missing or unreadable) and the other specs with the same domain name or policy.
 */
export function doSpecValidation(document: TextDocument, spec: DomainSpec, input: SpecValidationInput = {}, settings: DomainValidationSettings = {}): Diagnostic[] {
  const findings = checkSpec(spec, { ...input, validate: specValidator(), severities: settings.rules });
  return findings.map((f) => toDomainDiagnostic(document, f, settings.docsUrl));
}

/** Drift diagnostics for a key policy, against every spec that governs it (from the workspace index). */
export function doDriftValidation(document: TextDocument, policy: PolicyDocument, governing: readonly GoverningSpec[], settings: DomainValidationSettings = {}): Diagnostic[] {
  if (governing.length === 0) return [];
  const findings = settle(driftFindings(policy, governing), settings.rules);
  const specs = new Map(governing.map((g) => [g.uri, g.spec]));
  return findings.map((f) => toDomainDiagnostic(document, f, settings.docsUrl, specs));
}
