/**
 * The domain spec features of a workspace, for server.ts: the workspace index (core's
 * DomainIndex) kept current from open documents and watched-file events, and every spec feature
 * as one call per LSP handler. It reads nothing itself: the server passes a host that returns a
 * file's text (open document first, then disk) and the cached parse of open policies.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeActionContext, CompletionList, DocumentSymbol, Hover, Location, Position, Range } from 'vscode-languageserver-types';
import type { PolicyLookup } from '../core/spec/check';
import type { GoverningSpec } from '../core/spec/drift';
import { isDomainSpecName, specFormatOf, type DomainSpec } from '../core/spec/model';
import { parseSpec } from '../core/spec/parse';
import { baseName, DomainIndex, normalizeUri, relativePath, specLinks } from '../core/spec/workspace';
import type { PolicyDocument } from '../core/policy/model';
import { parsePolicy } from '../core/policy/parse';
import { isKeyPolicyName } from '../core/policy/recognize';
import { CREATE_DOMAIN_SPEC, createSpecEdit, doPolicyDomainActions, doSpecCodeActions, generatePolicyEdit, GENERATE_KEY_POLICY, type EditResult } from './domainCommands';
import { doSpecComplete } from './domainCompletion';
import { policyDefinition, specDefinition } from './domainDefinition';
import { policyDriftFindings } from './domainDiagnostics';
import { checkSpec } from '../core/spec/check';
import type { DomainFinding } from '../core/spec/rules';
import type { SeveritySetting } from '../core/rules/types';
import { specValidator } from './domainSchema';
import { doSpecHover } from './domainHover';
import { specSymbols } from './domainSymbols';

export { CREATE_DOMAIN_SPEC, GENERATE_KEY_POLICY } from './domainCommands';

export interface DomainHost {
  /** A file's text: the open document's, else the disk's; undefined when it does not exist. */
  readText(uri: string): string | undefined;
  /** The server's cached parse of an open key policy (shared with its diagnostics), if open. */
  openPolicy?(uri: string): PolicyDocument | undefined;
  /**
   * For `key.policy: file#resource`: the key policy of that resource in a CloudFormation or
   * Terraform file (core/iac), or undefined when the file has none. Without it such specs get
   * no policy-side checks.
   */
  embeddedPolicy?(uri: string, resource: string): PolicyDocument | undefined;
}

export type FileChange = 'created' | 'changed' | 'deleted';

export class DomainWorkspace {
  readonly index = new DomainIndex();
  private readonly specs = new Map<string, { text: string; spec: DomainSpec }>();
  private readonly diskPolicies = new Map<string, { text: string; policy: PolicyDocument }>();

  /**
   * `retain: false` (the CLI): keep no text or parse of a spec or a policy read from disk, only each
   * spec's links; a spec is parsed again when asked for, so memory does not grow with the specs.
   */
  constructor(
    private readonly host: DomainHost,
    private readonly retain = true,
  ) {}

  /** The parse of a spec's text (cached per text, or the one given), indexed. Returns the URIs whose diagnostics may change. */
  updateSpec(uri: string, text: string, parsed?: DomainSpec): { spec: DomainSpec; affected: string[] } {
    const key = normalizeUri(uri);
    const before = this.index.affectedBy(uri);
    if (!this.retain) {
      const spec = parsed ?? parseSpec(text, specFormatOf(uri));
      this.index.setSpecLinks(uri, specLinks(uri, spec), () => parseSpec(this.host.readText(uri) ?? '', specFormatOf(uri)));
      return { spec, affected: union(before, this.index.affectedBy(uri)) };
    }
    let hit = this.specs.get(key);
    if (!hit || hit.text !== text) {
      hit = { text, spec: parsed ?? parseSpec(text, specFormatOf(uri)) };
      this.specs.set(key, hit);
      this.index.setParsedSpec(uri, hit.spec);
    }
    return { spec: hit.spec, affected: union(before, this.index.affectedBy(uri)) };
  }

  /** Records the principals of a key policy (for completion) and returns the specs that govern it. */
  updatePolicy(uri: string, policy: PolicyDocument): string[] {
    this.index.setPolicy(uri, policy);
    return this.index.governing(uri).map((s) => s.uri);
  }

  /** A watched-file event (or a start-up scan): re-read, or forget, a spec or a key policy. Returns the URIs to refresh. */
  fileChanged(uri: string, change: FileChange): string[] {
    if (isDomainSpecName(uri)) {
      const before = this.index.affectedBy(uri);
      if (change === 'deleted') {
        this.specs.delete(normalizeUri(uri));
        this.index.deleteSpec(uri);
        return before;
      }
      const text = this.host.readText(uri);
      if (text === undefined) return this.fileChanged(uri, 'deleted');
      return union(before, this.updateSpec(uri, text).affected);
    }
    this.diskPolicies.delete(normalizeUri(uri));
    if (change === 'deleted') this.index.deletePolicy(uri);
    else if (isKeyPolicyName(uri)) {
      const text = this.host.readText(uri);
      if (text !== undefined) this.index.setPolicy(uri, parsePolicy(text));
    }
    return this.index.governing(uri).map((s) => s.uri);
  }

  /** The specs that govern a key policy, for drift: a plain policy file, or one resource's policy in an IaC file. */
  governing(policyUri: string, resource?: string): GoverningSpec[] {
    return this.index
      .governing(policyUri)
      .filter((s) => s.policyResource === resource)
      .map((s) => ({ uri: s.uri, spec: s.spec }));
  }

  private policyAt(uri: string): PolicyDocument | undefined {
    const open = this.host.openPolicy?.(uri);
    if (open) return open;
    const text = this.host.readText(uri);
    if (text === undefined) return undefined;
    const key = normalizeUri(uri);
    const hit = this.diskPolicies.get(key);
    if (hit && hit.text === text) return hit.policy;
    const policy = parsePolicy(text);
    if (this.retain) this.diskPolicies.set(key, { text, policy });
    return policy;
  }

  private lookup(specUri: string): PolicyLookup {
    const s = this.index.getSpec(specUri);
    if (!s?.policyUri) return { state: 'unknown' };
    if (s.policyResource !== undefined) {
      if (!this.host.embeddedPolicy) return { state: 'unknown' };
      if (this.host.readText(s.policyUri) === undefined) return { state: 'missing' };
      const embedded = this.host.embeddedPolicy(s.policyUri, s.policyResource);
      return embedded ? { state: 'found', policy: embedded } : { state: 'unreadable', message: `it has no key policy for the resource "${s.policyResource}".` };
    }
    const policy = this.policyAt(s.policyUri);
    if (!policy) return { state: 'missing' };
    if (policy.fatal || policy.root?.type !== 'object') return { state: 'unreadable', message: 'it is not a JSON key policy.' };
    return { state: 'found', policy };
  }

  /** The key policy a spec governs, with the file it is in, when it can be read. */
  governedPolicy(specUri: string): { uri: string; policy: PolicyDocument } | undefined {
    const s = this.index.getSpec(specUri);
    const found = s?.policyUri ? this.lookup(specUri) : undefined;
    return found?.state === 'found' ? { uri: s!.policyUri!, policy: found.policy } : undefined;
  }

  /** The spec's text, if the index holds it (for related information pointing into it). */
  specText(uri: string): string | undefined {
    return this.specs.get(normalizeUri(uri))?.text;
  }

  // ---- findings ----------------------------------------------------------------------------------

  /** A spec's own findings: schema, semantics, and its governed policy (found, missing, out of date), with the other specs of the workspace. */
  specFindings(uri: string, text: string, parsed: DomainSpec | undefined, severities?: Readonly<Record<string, SeveritySetting | undefined>>, display: (uri: string) => string = (u) => relativePath(uri, u)): DomainFinding[] {
    const { spec } = this.updateSpec(uri, text, parsed);
    return checkSpec(spec, {
      validate: specValidator(),
      policy: this.lookup(uri),
      sameDomain: this.index.sameDomain(uri).map((s) => display(s.uri)),
      samePolicy: this.index.samePolicy(uri).map((s) => display(s.uri)),
      severities,
    });
  }

  /**
   * Drift findings of a key policy: a policy file's (recorded in the index for completion when
   * `record`), or one embedded in an IaC file (its `embedded.resource` picks the specs that govern it).
   */
  driftFindings(uri: string, policy: PolicyDocument, severities?: Readonly<Record<string, SeveritySetting | undefined>>, record = true): DomainFinding[] {
    if (!policy.embedded && record) this.updatePolicy(uri, policy);
    return policyDriftFindings(policy, this.governing(uri, policy.embedded?.resource), severities);
  }

  // ---- features ------------------------------------------------------------------------------

  complete(document: TextDocument, position: Position): CompletionList {
    const { spec } = this.updateSpec(document.uri, document.getText());
    const policyFiles = this.index.policyUris().map((u) => `./${relativePath(document.uri, u)}`.replace(/^\.\/\.\.\//, '../'));
    return doSpecComplete(document, position, spec, { workspaceArns: this.index.workspaceArns(), policyFiles: [...new Set(policyFiles)] });
  }

  hover(document: TextDocument, position: Position): Hover | null {
    return doSpecHover(document, position, this.updateSpec(document.uri, document.getText()).spec);
  }

  symbols(document: TextDocument): DocumentSymbol[] {
    return specSymbols(document, this.updateSpec(document.uri, document.getText()).spec);
  }

  specDefinition(document: TextDocument, position: Position): Location[] {
    return specDefinition(document, position, this.updateSpec(document.uri, document.getText()).spec);
  }

  /** `keyUri`: the file a spec names for this policy (for a Terraform policy document, the file of the key that uses it). */
  policyDefinition(document: TextDocument, position: Position, policy: PolicyDocument, keyUri = document.uri): Location[] {
    return policyDefinition(document, position, policy, this.governing(keyUri, policy.embedded?.resource));
  }

  specCodeActions(document: TextDocument, range: Range, context: CodeActionContext): CodeAction[] {
    const { spec } = this.updateSpec(document.uri, document.getText());
    const s = this.index.getSpec(document.uri);
    return doSpecCodeActions(document, range, context, spec, { specUri: document.uri, policyText: s?.policyUri ? this.host.readText(s.policyUri) : undefined });
  }

  /** Drift quick fixes and the source actions of a key policy (append them to its other code actions). */
  policyCodeActions(document: TextDocument, range: Range, context: CodeActionContext, policy: PolicyDocument, keyUri = document.uri): CodeAction[] {
    return doPolicyDomainActions(document, range, context, policy, { governing: this.governing(keyUri, policy.embedded?.resource), exists: (u) => this.host.readText(u) !== undefined });
  }

  /** `kmsPolicy.generateKeyPolicy` / `kmsPolicy.createDomainSpec` with `[{ uri }]`: the edit to apply, or why not. */
  executeCommand(command: string, args: unknown): EditResult | undefined {
    const uri = (Array.isArray(args) ? args[0] : args) as { uri?: unknown } | undefined;
    if (typeof uri?.uri !== 'string') return command === GENERATE_KEY_POLICY || command === CREATE_DOMAIN_SPEC ? { error: 'Give the document as [{ "uri": ... }].' } : undefined;
    if (command === GENERATE_KEY_POLICY) {
      const text = this.host.readText(uri.uri);
      if (text === undefined) return { error: `${baseName(uri.uri)} does not exist.` };
      const { spec } = this.updateSpec(uri.uri, text);
      const s = this.index.getSpec(uri.uri);
      return generatePolicyEdit(uri.uri, spec, s?.policyUri ? this.host.readText(s.policyUri) : undefined);
    }
    if (command === CREATE_DOMAIN_SPEC) {
      const policy = this.policyAt(uri.uri);
      if (!policy) return { error: `${baseName(uri.uri)} does not exist.` };
      return createSpecEdit(uri.uri, policy, (u) => this.host.readText(u) !== undefined);
    }
    return undefined;
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
