/**
 * Access changes and effective access in the editor (issue 15 item 4): the code lens that
 * summarizes what a document's key policies grant compared with a base (the file at HEAD, or the
 * text when it was opened), the full diff page it opens, and the effective-access page.
 *
 * The base's parse is made once per base text and kept until the base changes or the document
 * closes; the lenses are computed once per document version, on request (never in the diagnostics
 * path). A key whose text is the same as in the base is not diffed at all.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeLens, Position } from 'vscode-languageserver-types';
import { policiesOf, type ParsedFile } from '../core/document';
import { uriPath } from '../core/fileKinds';
import {
  accessLimit,
  accessView,
  diffAccess,
  diffHtml,
  diffMarkdown,
  diffSummary,
  isPartial,
  keyName,
  keyPolicies,
  matchKeys,
  viewHtml,
  viewMarkdown,
  type AccessDiff,
  type KeyDiff,
  type KeyPair,
  type SpecIntent,
} from '../core/diff/index';
import { policyAt } from '../core/iac/index';
import type { PolicyDocument } from '../core/policy/model';
import type { AccessPage } from '../protocol';

/**
 * What a document is compared with: `head` (the file at HEAD; `text` undefined when the file is
 * not in HEAD: every key is new) or `opened` (the text when the document was opened: no git, an
 * untitled or virtual document).
 */
export interface Base {
  readonly kind: 'head' | 'opened';
  readonly text: string | undefined;
}

/** The words before the summary, by base. */
export function basePrefix(base: Base): string {
  return base.kind === 'head' ? 'Compared with HEAD' : 'Compared with the version when opened';
}

interface BaseEntry {
  readonly base: Base;
  /** Parsed on first use, once per base text. */
  parsed?: { file: ParsedFile | undefined };
}

/** One key of the document with its counterpart in the base. */
interface KeyPairSame extends KeyPair {
  /** The policy's text is the same in both: no change in access, nothing to compute. */
  readonly same: boolean;
}

/** The file's name, for a plain key policy's key. */
export function fileName(uri: string): string {
  const path = uriPath(uri.replace(/[?#].*$/, ''));
  return path.slice(path.lastIndexOf('/') + 1) || uri;
}

/** The source text of a policy: the whole file, or its span in the template. */
function sourceOf(policy: PolicyDocument): string {
  const span = policy.embedded?.span;
  return span ? policy.text.slice(span.start, span.end) : policy.text;
}

/** The document's keys paired with the base's, by key (core/diff `matchKeys`, as the CLI pairs them). */
function pairKeys(uri: string, file: ParsedFile | undefined, base: ParsedFile | undefined): KeyPairSame[] {
  const name = fileName(uri);
  const keys = (f: ParsedFile | undefined) => keyPolicies(f ? policiesOf(f) : [], name);
  return matchKeys(keys(base), keys(file)).map((pair) => ({ ...pair, same: pair.before !== undefined && pair.after !== undefined && sourceOf(pair.before) === sourceOf(pair.after) }));
}

export class AccessChanges {
  private readonly bases = new Map<string, BaseEntry>();
  private readonly lensCache = new Map<string, { version: number; text: string; lenses: CodeLens[] }>();

  constructor(private readonly parseBase: (uri: string, text: string) => ParsedFile | undefined) {}

  setBase(uri: string, base: Base): void {
    const old = this.bases.get(uri);
    if (old && old.base.kind === base.kind && old.base.text === base.text) return;
    this.bases.set(uri, { base });
    this.lensCache.delete(uri);
  }

  base(uri: string): Base | undefined {
    return this.bases.get(uri)?.base;
  }

  forget(uri: string): void {
    this.bases.delete(uri);
    this.lensCache.delete(uri);
  }

  private baseFile(uri: string, entry: BaseEntry): ParsedFile | undefined {
    if (!entry.parsed) entry.parsed = { file: entry.base.text === undefined ? undefined : this.parseBase(uri, entry.base.text) };
    return entry.parsed.file;
  }

  /**
   * The code lenses of a document: one per key whose access changed against the base (or that is
   * new), none when nothing changed. `command`: the command a click runs (with `[uri]`).
   */
  lenses(document: TextDocument, file: ParsedFile | undefined, command: string): CodeLens[] {
    const uri = document.uri;
    const entry = this.bases.get(uri);
    if (!entry || !file || file.kind === 'spec') return [];
    const text = document.getText();
    const hit = this.lensCache.get(uri);
    if (hit && hit.version === document.version && hit.text === text) return hit.lenses;
    const lenses: CodeLens[] = [];
    if (entry.base.text !== text) {
      const prefix = basePrefix(entry.base);
      for (const pair of pairKeys(uri, file, this.baseFile(uri, entry))) {
        if (pair.same || !pair.after) continue;
        const diff = diffAccess(pair.before, pair.after);
        if (diff.changes.length === 0 && !diff.added && !isPartial(diff)) continue;
        const at = document.positionAt(pair.after.embedded?.resourceSpan.start ?? 0);
        const title = `${prefix}: ${diffSummary(diff)}`;
        lenses.push({ range: { start: at, end: at }, command: { title, command, arguments: [uri] } });
      }
    }
    this.lensCache.set(uri, { version: document.version, text, lenses });
    return lenses;
  }

  /** The full diff of the document's keys against the base, for the lens's click. Undefined when there is no base. */
  diffPage(document: TextDocument, file: ParsedFile | undefined): AccessPage | undefined {
    const uri = document.uri;
    const entry = this.bases.get(uri);
    if (!entry || file?.kind === 'spec') return undefined;
    const name = fileName(uri);
    const diffs: KeyDiff[] = [];
    for (const pair of pairKeys(uri, file, this.baseFile(uri, entry))) {
      if (pair.same) continue;
      const diff: AccessDiff = diffAccess(pair.before, pair.after);
      diffs.push({ key: pair.key, file: name, diff });
    }
    const title = `Access changes: ${name} (compared with ${entry.base.kind === 'head' ? 'HEAD' : 'the version when opened'})`;
    return { title, html: diffHtml(diffs, title), markdown: diffMarkdown(diffs) };
  }
}

/** The key policy at `position` (for a template or .tf file), else the first one. */
export function policyAtPosition(document: TextDocument, file: ParsedFile, position: Position | undefined): PolicyDocument | undefined {
  if (file.kind === 'policy') return file.policy;
  if (file.kind !== 'iac') return undefined;
  return (position && policyAt(file.iac, document.offsetAt(position))) || file.iac.policies[0];
}

/** The effective-access page of one key policy, with the governing spec's intent when there is one. */
export function effectiveAccessPage(uri: string, policy: PolicyDocument, intent: SpecIntent | undefined): AccessPage | { error: string } {
  const limit = accessLimit(policy);
  if (limit) return { error: `Effective access is not evaluated for this key policy: ${limit.replace(/^the whole policy \((.*)\)$/, '$1')}.` };
  const key = keyName(policy, fileName(uri));
  const view = accessView(policy);
  return { title: `Effective access: ${key}`, html: viewHtml(view, key, intent), markdown: viewMarkdown(view, key, intent) };
}
