/**
 * The domain spec commands and code actions, as WorkspaceEdits (the server never writes files):
 * - "Generate key policy from domain spec": creates or replaces the governed file with the
 *   generated policy (same spec, same bytes);
 * - "Create domain spec from key policy": a YAML spec beside the policy, from its effective access;
 * - the drift quick fix: rewrite the policy from its spec (the rewrite's edits, formatting kept);
 * - spec quick fixes: did-you-mean replacements, generate a missing or out-of-date policy.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionContext,
  type CreateFile,
  type Diagnostic,
  type Range,
  type TextDocumentEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-types';
import { generationErrors } from '../core/spec/check';
import type { GoverningSpec } from '../core/spec/drift';
import { specFromPolicy } from '../core/spec/fromPolicy';
import { generateFromSpec, specRewriteEdits } from '../core/spec/generate';
import { yamlScalar } from '../core/spec/fromPolicy';
import type { DomainSpec } from '../core/spec/model';
import { baseName, resolveUri } from '../core/spec/workspace';
import type { PolicyDocument } from '../core/policy/model';
import { LockoutError } from '../core/rewrite/leastPrivilege';
import { hostEdits } from '../core/iac/hostEdits';
import { SOURCE } from './diagnostics';
import { COMMANDS } from '../protocol';
import { toTextEdits } from './textEdits';
import { specValidator } from './domainSchema';

/** `workspace/executeCommand`: arguments `[{ uri: <spec URI> }]`. */
export const GENERATE_KEY_POLICY = COMMANDS.generateKeyPolicy;
/** `workspace/executeCommand`: arguments `[{ uri: <key policy URI> }]`. */
export const CREATE_DOMAIN_SPEC = COMMANDS.createDomainSpec;

export const SOURCE_GENERATE = `${CodeActionKind.Source}.kmsPolicy.generateKeyPolicy`;
export const SOURCE_CREATE_SPEC = `${CodeActionKind.Source}.kmsPolicy.createDomainSpec`;

export type EditResult = { readonly edit: WorkspaceEdit; readonly uri: string; readonly unchanged?: boolean } | { readonly error: string };

function wholeRange(text: string): Range {
  const doc = TextDocument.create('untitled:x', 'json', 0, text);
  return { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) };
}

/** Creates a file with content, or replaces the content of an existing one. */
export function writeFileEdit(uri: string, text: string, current: string | undefined): WorkspaceEdit {
  if (current !== undefined) return { changes: { [uri]: [{ range: wholeRange(current), newText: text }] } };
  const create: CreateFile = { kind: 'create', uri, options: { overwrite: false, ignoreIfExists: true } };
  const insert: TextDocumentEdit = { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: text }] };
  return { documentChanges: [create, insert] };
}

/**
 * The edit of "Generate key policy from domain spec". `current` is the governed file's text
 * (from the open document or the disk), undefined when it does not exist.
 */
export function generatePolicyEdit(specUri: string, spec: DomainSpec, current: string | undefined): EditResult {
  const errors = generationErrors(spec, specValidator());
  if (errors.length) return { error: `Fix the domain spec first: ${errors.slice(0, 3).join(' ')}${errors.length > 3 ? ` (${errors.length - 3} more errors)` : ''}` };
  const g = generateFromSpec(spec);
  if (!g.ok) return { error: g.error };
  const ref = g.resolved.policy;
  if (!ref?.path) return { error: 'The spec has no key.policy: set it to the key policy file to generate, such as ./orders.key-policy.json.' };
  if (ref.resource !== undefined) return { error: `${ref.path}#${ref.resource} is a key policy inside an IaC file: generation writes plain JSON key policy files only. Use the drift quick fix in that file instead.` };
  const uri = resolveUri(specUri, ref.path);
  if (current === g.text) return { edit: { changes: {} }, uri, unchanged: true };
  return { edit: writeFileEdit(uri, g.text, current), uri };
}

/** The edit of "Create domain spec from key policy": `<domain>.kms-domain.yaml` beside the policy. */
export function createSpecEdit(policyUri: string, policy: PolicyDocument, exists: (uri: string) => boolean): EditResult {
  if (policy.fatal || policy.root?.type !== 'object' || policy.statements.length === 0) return { error: 'This is not a key policy with statements; there is no access to describe.' };
  if (policy.embedded) return { error: 'Domain specs for key policies inside IaC files are not supported yet: create the spec by hand and set key.policy to file#resource.' };
  const created = specFromPolicy(policy, { policyFileName: baseName(policyUri) });
  const uri = resolveUri(policyUri, created.fileName);
  if (exists(uri)) return { error: `${created.fileName} already exists beside this policy. Open it, or delete it to create it again.` };
  return { edit: writeFileEdit(uri, created.text, undefined), uri };
}

// ---- code actions in specs --------------------------------------------------------------------

function wants(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(o + '.'));
}

const REPLACEABLE = new Set(['spec-unknown-capability', 'spec-undefined-principal', 'spec-unknown-service']);

export interface SpecActionInput {
  readonly specUri: string;
  /** The governed policy's current text, undefined when the file does not exist. */
  readonly policyText: string | undefined;
}

export function doSpecCodeActions(document: TextDocument, _range: Range, context: CodeActionContext, spec: DomainSpec, input: SpecActionInput): CodeAction[] {
  const actions: CodeAction[] = [];
  let generated: EditResult | undefined;
  const generate = () => (generated ??= generatePolicyEdit(input.specUri, spec, input.policyText));
  if (wants(context.only, CodeActionKind.QuickFix)) {
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE || typeof d.code !== 'string') continue;
      const data = d.data as Record<string, unknown> | undefined;
      if (REPLACEABLE.has(d.code) && typeof data?.replacement === 'string') {
        const quoted = /^["']/.test(document.getText(d.range));
        const text = spec.format === 'json' || quoted ? JSON.stringify(data.replacement) : yamlScalar(data.replacement);
        actions.push({ title: `Change to "${data.replacement}"`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: { changes: { [document.uri]: [{ range: d.range, newText: text }] } } });
      }
      if ((d.code === 'spec-policy-missing' || d.code === 'spec-policy-out-of-date') && data?.generate) {
        const r = generate();
        if ('edit' in r && !r.unchanged) actions.push({ title: d.code === 'spec-policy-missing' ? `Generate ${baseName(r.uri)} from this spec` : `Regenerate ${baseName(r.uri)} from this spec`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: r.edit });
      }
    }
  }
  if (wants(context.only, SOURCE_GENERATE)) {
    const r = generate();
    if ('edit' in r) {
      if (!r.unchanged) actions.push({ title: 'Generate key policy from domain spec', kind: SOURCE_GENERATE, edit: r.edit });
    } else actions.push({ title: 'Generate key policy from domain spec', kind: SOURCE_GENERATE, disabled: { reason: r.error } });
  }
  return actions;
}

// ---- code actions in key policies -------------------------------------------------------------

function specName(g: GoverningSpec): string {
  const domain = generateFromSpec(g.spec).resolved.domain;
  return domain ? `the ${domain} domain spec` : baseName(g.uri);
}

function policyEdit(document: TextDocument, policy: PolicyDocument, g: GoverningSpec): WorkspaceEdit | { error: string } {
  const gen = generateFromSpec(g.spec);
  if (!gen.ok) return { error: gen.error };
  try {
    // A policy inside a template is rewritten in the template's syntax (YAML, JSON, HCL), at its place there.
    const edits = policy.embedded ? hostEdits(policy, (json) => specRewriteEdits(json, gen.resolved)) : specRewriteEdits(policy, gen.resolved);
    return { changes: { [document.uri]: toTextEdits(document, edits) } };
  } catch (e) {
    return { error: e instanceof LockoutError ? e.message : String(e) };
  }
}

export interface PolicyActionInput {
  /** The specs that govern this policy (DomainIndex.governing). */
  readonly governing: readonly GoverningSpec[];
  /** Whether a file exists (for "Create domain spec", which must not overwrite one). */
  readonly exists: (uri: string) => boolean;
}

/**
 * Code actions in a key policy: the drift quick fix ("Rewrite the policy from the orders domain
 * spec", one per spec, attached to all its drift diagnostics), "Replace with the policy generated
 * from ..." and "Create domain spec from key policy" as source actions.
 */
/** Diagnostics whose fix is the whole least-privilege rewrite; when a spec governs the policy, the spec decides it. */
const BROAD = new Set(['over-broad-grant', 'missing-deny-everyone-else']);

export function doPolicyDomainActions(document: TextDocument, _range: Range, context: CodeActionContext, policy: PolicyDocument, input: PolicyActionInput): CodeAction[] {
  const actions: CodeAction[] = [];
  // "Rewrite to least privilege" on a governed policy: exactly what the spec says, no suggestion.
  const broad = context.diagnostics.filter((d) => d.source === SOURCE && typeof d.code === 'string' && BROAD.has(d.code));
  for (const [kind, diagnostics] of [[CodeActionKind.QuickFix, broad], [CodeActionKind.RefactorRewrite, []]] as const) {
    if (!wants(context.only, kind) || (kind === CodeActionKind.QuickFix && diagnostics.length === 0)) continue;
    for (const g of input.governing) {
      const edit = policyEdit(document, policy, g);
      const title = `Rewrite to least privilege (from ${specName(g)})`;
      actions.push('error' in edit ? { title, kind, disabled: { reason: edit.error } } : { title, kind, diagnostics: diagnostics.length ? [...diagnostics] : undefined, isPreferred: kind === CodeActionKind.QuickFix, edit });
    }
  }
  if (wants(context.only, CodeActionKind.QuickFix)) {
    const bySpec = new Map<string, Diagnostic[]>();
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE || (d.code !== 'drift-extra-access' && d.code !== 'drift-missing-access')) continue;
      const uri = (d.data as { spec?: unknown } | undefined)?.spec;
      if (typeof uri === 'string') bySpec.set(uri, [...(bySpec.get(uri) ?? []), d]);
    }
    for (const [uri, diagnostics] of bySpec) {
      const g = input.governing.find((x) => x.uri === uri);
      if (!g) continue;
      const edit = policyEdit(document, policy, g);
      const title = `Rewrite the policy from ${specName(g)}`;
      actions.push('error' in edit ? { title, kind: CodeActionKind.QuickFix, diagnostics, disabled: { reason: edit.error } } : { title, kind: CodeActionKind.QuickFix, diagnostics, isPreferred: true, edit });
    }
  }
  if (wants(context.only, SOURCE_GENERATE)) {
    for (const g of input.governing) {
      const gen = generateFromSpec(g.spec);
      if (!gen.ok || policy.embedded || gen.resolved.policy?.resource !== undefined) continue;
      if (gen.text === policy.text) continue;
      actions.push({ title: `Replace with the policy generated from ${specName(g)}`, kind: SOURCE_GENERATE, edit: writeFileEdit(document.uri, gen.text, policy.text) });
    }
  }
  if (wants(context.only, SOURCE_CREATE_SPEC) && input.governing.length === 0 && !policy.embedded && policy.statements.length > 0) {
    // A command, not an edit: the spec is computed only when asked for (this runs on every lightbulb request).
    actions.push({ title: 'Create domain spec from key policy', kind: SOURCE_CREATE_SPEC, command: { title: 'Create domain spec from key policy', command: CREATE_DOMAIN_SPEC, arguments: [{ uri: document.uri }] } });
  }
  return actions;
}
