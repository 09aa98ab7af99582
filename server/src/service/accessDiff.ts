/**
 * The access diff for the CLI (`kms-policy diff`, `check --no-new-access`, `explain`), over the
 * Workspace's parses: the key policies of a file named by their key (logical id, resource address
 * or file name), matched across two versions and compared by core/diff; the widenings that become
 * `new-access` findings, with the governing domain specs as the allow-list; the effective-access
 * view of each key. Text in, text and findings out: nothing here reads the disk or git.
 */
import { actionsOfCapability, CAPABILITIES, type Capability } from '../core/catalog/catalog';
import {
  accessView,
  changeSubject,
  diffAccess,
  diffMarkdown,
  diffText,
  isPartial,
  keyPolicies as namedKeys,
  matchKeys,
  viewHtml,
  viewMarkdown,
  widens,
  type AccessChange,
  type AccessDiff,
  type AccessView,
  type KeyDiff,
  type KeyPolicy,
  type SpecIntent,
} from '../core/diff/index';
import { policiesOf } from '../core/document';
import type { AccessResult } from '../core/evaluate/evaluate';
import type { PolicyDocument, Span } from '../core/policy/model';
import { NEW_ACCESS } from '../core/registry';
import { effectiveSeverity, type Severities } from '../core/rules/severity';
import type { Finding } from '../core/rules/types';
import type { GoverningSpec } from '../core/spec/drift';
import { generateFromSpec } from '../core/spec/generate';
import { resolveSpec } from '../core/spec/resolve';
import type { Workspace } from './workspace';

export type { AccessChange, AccessDiff, KeyDiff } from '../core/diff/index';
export { isPartial } from '../core/diff/index';
export { NEW_ACCESS } from '../core/registry';

export type { KeyPolicy } from '../core/diff/index';

/**
 * The key policies of a document the Workspace serves (a policy file, a template, a Terraform file
 * with its module folder), or undefined when it serves none (not a key policy, a domain spec).
 * `fallback` names a plain policy file's key (the file, as the user reads it).
 */
export function keyPolicies(workspace: Workspace, uri: string, fallback: string, named = false): KeyPolicy[] | undefined {
  const file = workspace.served(uri, named)?.file;
  if (!file || file.kind === 'spec') return undefined;
  return namedKeys(policiesOf(file), fallback);
}

/** A key's diff with the policies it compared (the new one's statements locate a widening). */
export interface KeyComparison extends KeyDiff {
  readonly before?: PolicyDocument;
  readonly after?: PolicyDocument;
}

/**
 * The keys of two versions of a file matched by key and compared: a key on one side only is added
 * or removed. When each side holds one key and one of them is a plain policy file (no resource
 * name), the two are the same key.
 */
export function compareKeys(before: readonly KeyPolicy[] | undefined, after: readonly KeyPolicy[] | undefined, file?: string): KeyComparison[] {
  return matchKeys(before ?? [], after ?? []).map(({ key, before: b, after: a }) => ({ key, file, before: b, after: a, diff: diffAccess(b, a) }));
}

/**
 * A file whose text is the same at both versions: its keys unchanged, without evaluating them
 * (`evaluated`: the comparison a Terraform file still needs, since its module's other files may
 * have changed: kept when it finds a change, or parts read differently). What is unknown in an
 * unchanged file is unknown the same way on both sides: it is not what changed.
 */
export function unchangedKeys(keys: readonly KeyPolicy[], file?: string, evaluated?: readonly KeyComparison[]): KeyComparison[] {
  if (evaluated) {
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (evaluated.some((k) => k.diff.changes.length || k.diff.added || k.diff.removed || !same(k.diff.unknown.before, k.diff.unknown.after))) return [...evaluated];
  }
  const none: AccessDiff = { changes: [], gains: 0, losses: 0, changed: 0, unknown: { before: [], after: [] } };
  return keys.map(({ key, policy }) => ({ key, file, before: policy, after: policy, diff: none }));
}

/** Does the diff say anything: a change, a key added or removed, or a side only partly known (never "no change")? */
export function hasNews(diff: AccessDiff): boolean {
  return diff.changes.length > 0 || diff.added === true || diff.removed === true || isPartial(diff);
}

// ---- reports ------------------------------------------------------------------------------------------

export type DiffFormat = 'text' | 'json' | 'markdown';

/**
 * The diff of every compared key, in a format: text (one line per change, and a line per partial
 * key), JSON, or Markdown for a pull-request comment. Keys with nothing to say are left out; when
 * none is left, the report says there is no change in access (text, Markdown).
 */
export function diffReport(keys: readonly KeyDiff[], format: DiffFormat, against?: string): string {
  const shown = keys.filter((k) => hasNews(k.diff));
  if (format === 'json') return JSON.stringify(diffJson(shown, against), null, 2) + '\n';
  const plain = shown.map(({ key, file, diff }) => ({ key, file, diff }));
  if (format === 'markdown') {
    if (!shown.length) return `No change in access${against ? ` since \`${against}\`` : ''}.\n`;
    const text = diffMarkdown(plain);
    return text.endsWith('\n') ? text : text + '\n';
  }
  if (!shown.length) return '';
  return diffText(plain).map((l) => l + '\n').join('');
}

function diffJson(keys: readonly KeyDiff[], against?: string) {
  return {
    ...(against !== undefined ? { base: against } : {}),
    changed: keys.some((k) => k.diff.changes.length > 0 || k.diff.added || k.diff.removed),
    partial: keys.some((k) => isPartial(k.diff)),
    keys: keys.map(({ key, file, diff }) => ({
      key,
      ...(file !== undefined ? { file } : {}),
      ...(diff.added ? { added: true } : {}),
      ...(diff.removed ? { removed: true } : {}),
      partial: isPartial(diff),
      unknown: diff.unknown,
      gains: diff.gains,
      losses: diff.losses,
      changed: diff.changed,
      changes: diff.changes,
    })),
  };
}

// ---- the no-new-access gate -------------------------------------------------------------------------

const LEVEL: Record<AccessResult, string> = {
  allowed: 'allowed',
  'via-iam': 'allowed through IAM',
  conditional: 'conditional',
  denied: 'denied',
  'not-allowed': 'not allowed',
};

/** The message of a `new-access` finding: one principal's changes of one kind, at one statement. */
export function newAccessMessage(changes: readonly AccessChange[], key: string, against: string): string {
  const change = changes[0];
  const what = changes.map(changeSubject).join(', ');
  const when = change.when ? ` (${change.when})` : '';
  const removed = change.conditionsRemoved.length ? `; condition${change.conditionsRemoved.length === 1 ? '' : 's'} gone: ${change.conditionsRemoved.join('; ')}` : '';
  const added = change.conditionsAdded.length ? `; new condition${change.conditionsAdded.length === 1 ? '' : 's'}: ${change.conditionsAdded.join('; ')}` : '';
  if (change.kind === 'changed') return `New access since ${against}: ${change.label} has different conditions for ${what} on ${key}${when}${removed}${added}. Conditions that changed may widen access.`;
  return `New access since ${against}: ${change.label} gains ${what} on ${key}${when}: ${LEVEL[change.to]}, was ${LEVEL[change.from]}${removed}.`;
}

/**
 * The widenings of a key against its base (gains and changed conditions), less the access the
 * specs that govern the key grant (their generated policy is the allow-list: a widening is new
 * only where the policy also exceeds every governing spec). Each keeps only the actions that are new.
 */
export function newAccess(comparison: KeyComparison, governing: readonly GoverningSpec[]): AccessChange[] {
  const widenings = comparison.diff.changes.filter(widens);
  if (!widenings.length || !comparison.after || !governing.length) return widenings;
  const beyond: AccessChange[][] = [];
  for (const g of governing) {
    const generated = generateFromSpec(g.spec);
    if (!generated.ok) return widenings; // a spec that cannot generate allows nothing
    beyond.push(diffAccess(generated.policy, comparison.after).changes.filter(widens));
  }
  const out: AccessChange[] = [];
  for (const c of widenings) {
    let actions: readonly string[] = c.actions;
    for (const changes of beyond) {
      const over = new Set(changes.filter((w) => w.row === c.row && w.capability === c.capability).flatMap((w) => w.actions));
      actions = actions.filter((a) => over.has(a));
    }
    if (!actions.length) continue;
    out.push(actions.length === c.actions.length ? c : { ...c, actions, partial: true });
  }
  return out;
}

/**
 * `new-access` findings for one key: each at the statement that grants it in the new policy (the
 * first deciding statement; the policy itself when none is known), at the rule's severity or the
 * user's setting; none when the rule is off.
 */
export function newAccessFindings(comparison: KeyComparison, changes: readonly AccessChange[], against: string, severities?: Severities): Finding[] {
  const rule = NEW_ACCESS;
  const severity = effectiveSeverity(rule.id, rule.defaultSeverity, severities);
  const after = comparison.after;
  if (!severity || !after) return [];
  // Say each thing once: a principal's changes of one kind, granted by one statement, are one finding.
  const groups = new Map<string, { changes: AccessChange[]; span: Span }>();
  for (const c of changes) {
    const statement = c.statements.map((i) => after.statements[i]).find((s) => s !== undefined);
    const span = statement?.span ?? after.embedded?.span ?? after.statementSpan ?? { start: 0, end: 0 };
    const key = [c.row, c.kind, c.from, c.to, c.when ?? '', c.conditionsRemoved.join('\n'), c.conditionsAdded.join('\n'), span.start].join('|');
    const group = groups.get(key);
    if (group) group.changes.push(c);
    else groups.set(key, { changes: [c], span });
  }
  const out: Finding[] = [...groups.values()].map(({ changes: group, span }) => ({ code: rule.id, severity, message: newAccessMessage(group, comparison.key, against), span }));
  // Unknown is not absent: a part the analysis cannot read that is new since the base may grant
  // anything, so the gate does not pass it.
  const known = new Set(comparison.before?.unknown?.map((u) => u.what) ?? []);
  for (const part of after.unknown ?? []) {
    if (known.has(part.what)) continue;
    out.push({
      code: rule.id,
      severity,
      message: `New access cannot be ruled out since ${against}: ${part.what} is new in ${comparison.key} and is not evaluated here, so what it grants is unknown.`,
      span: part.span,
    });
  }
  return out;
}

// ---- the effective-access view ------------------------------------------------------------------------

export type ViewFormat = 'text' | 'markdown' | 'html';

/** A domain spec's intent: capabilities by principal ARN (the first spec that can say). */
export function specIntent(governing: readonly GoverningSpec[]): SpecIntent | undefined {
  // A spec with blockers (it cannot generate) still says what it intends for each principal.
  const resolved = governing.map((g) => resolveSpec(g.spec).resolved);
  const first = resolved.find((r) => !r.blockers.length) ?? resolved.find((r) => r.assignment.size > 0);
  return first && new Map([...first.assignment].map(([arn, caps]) => [arn, CAPABILITIES.filter((c) => caps.has(c))]));
}

/** The effective-access table of one key, in a format. */
export function explainKey(policy: PolicyDocument, key: string, format: ViewFormat, intent?: SpecIntent): string {
  const view = accessView(policy);
  if (format === 'markdown') return viewMarkdown(view, key, intent);
  if (format === 'html') return viewHtml(view, key, intent);
  return viewText(view, key, intent);
}

const CELL: Record<AccessResult, string> = { allowed: 'allowed', 'via-iam': 'via IAM', conditional: 'conditional', denied: 'denied', 'not-allowed': '-' };

/** The table as aligned plain text, conditions listed under it. */
export function viewText(view: AccessView, key: string, intent?: SpecIntent): string {
  const notes: string[] = [];
  const header = ['principal', ...CAPABILITIES, ...(intent ? ['spec intent'] : [])];
  const rows = view.rows.map((row) => {
    const cells = CAPABILITIES.map((cap: Capability) => {
      const cell = row.cells[cap];
      let text = CELL[cell.level] + (cell.partial && cell.level !== 'not-allowed' ? ` (${cell.actions.length}/${actionsOfCapability(cap).length})` : '');
      if (cell.conditions.length) {
        notes.push(`[${notes.length + 1}] ${row.label}, ${cap}: ${cell.conditions.join('; ')}`);
        text += ` [${notes.length}]`;
      }
      return text;
    });
    const wanted = intent?.get(row.id) ?? intent?.get(row.label);
    return [row.label, ...cells, ...(intent ? [wanted ? wanted.join(', ') || '(grants only)' : row.kind === 'named' || row.kind === 'service' ? 'not in the spec' : ''] : [])];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols: readonly string[]) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [`Effective access: ${key}`, '', line(header), ...rows.map(line)];
  if (notes.length) out.push('', ...notes);
  if (view.unknown.length) out.push('', `Partial: not analyzed: ${view.unknown.join('; ')}. Access through those parts is not shown.`);
  return out.join('\n') + '\n';
}
