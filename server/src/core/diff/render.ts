/**
 * The diff and the effective-access view for people: text lines (the CLI), Markdown (a pull-request
 * comment, `explain`), and HTML fragments (the editor's webviews: no script, the editor's theme
 * through `--vscode-*` variables with fallbacks).
 */
import { CAPABILITIES, actionsOfCapability, type Capability } from '../catalog/catalog';
import type { AccessResult } from '../evaluate/index';
import { isPartial } from './diff';
import type { AccessCell, AccessChange, AccessDiff, AccessRow, AccessView, SpecIntent } from './types';

export interface KeyDiff {
  /** The key: logical id, resource address or file name. */
  readonly key: string;
  /** The file, as the user should read it (a relative path). */
  readonly file?: string;
  readonly diff: AccessDiff;
}

const LEVEL: Readonly<Record<AccessResult, string>> = {
  allowed: 'allowed',
  'via-iam': 'via IAM',
  conditional: 'conditional',
  denied: 'denied',
  'not-allowed': 'not allowed',
};

const short = (action: string) => action.replace(/^kms:/, '');

/** `read-data`, or `read-data (Decrypt, ReEncryptFrom)` when only some of its actions change. */
export function changeSubject(c: AccessChange): string {
  return c.partial ? `${c.capability} (${c.actions.map(short).join(', ')})` : c.capability;
}

const hasAccess = (r: AccessResult) => r === 'allowed' || r === 'via-iam' || r === 'conditional';

/** The change as a sentence after the principal: `gains read-data through IAM`, `read-data: conditional → allowed`. */
function sentence(c: AccessChange, subject = changeSubject(c)): string {
  const conds = (label: string, list: readonly string[]) => (list.length ? ` (${label}: ${list.join('; ')})` : '');
  if (c.kind === 'changed') return `${subject}: conditions changed${conds('removed', c.conditionsRemoved)}${conds('added', c.conditionsAdded)}`;
  if (c.kind === 'gain' && !hasAccess(c.from)) {
    const how = c.to === 'via-iam' ? ' through IAM' : c.to === 'conditional' ? ` if ${c.conditionsAdded.join(', or ')}` : '';
    return `gains ${subject}${how}`;
  }
  if (c.kind === 'loss' && !hasAccess(c.to)) return `loses ${subject}`;
  if (c.from === c.to) {
    return `${subject}: ${LEVEL[c.from]} with ${c.kind === 'gain' ? 'fewer' : 'more'} conditions${conds('removed', c.conditionsRemoved)}${conds('added', c.conditionsAdded)}`;
  }
  return `${subject}: ${LEVEL[c.from]} → ${LEVEL[c.to]}${conds('condition removed', c.conditionsRemoved)}${conds('condition added', c.conditionsAdded)}`;
}

const SIGN = { gain: '+', loss: '-', changed: '~' } as const;

function partialNote(diff: AccessDiff): string | undefined {
  const parts = [...new Set([...diff.unknown.before, ...diff.unknown.after])];
  return parts.length ? `partly known: not evaluated: ${parts.join('; ')}` : undefined;
}

/** One line per change: `+ arn:aws:iam::111122223333:role/etl gains read-data on OrdersKey`. */
export function diffText(diffs: readonly KeyDiff[]): string[] {
  const lines: string[] = [];
  for (const { key, diff } of diffs) {
    if (diff.added) lines.push(`+ ${key}: new key`);
    if (diff.removed) lines.push(`- ${key}: key removed`);
    const partial = partialNote(diff);
    if (partial) lines.push(`? ${key}: ${partial}${diff.changes.length ? '; the changes below are those of the parts read' : '; no change in the parts read'}`);
    else if (!diff.changes.length && !diff.added && !diff.removed) lines.push(`= ${key}: no change in access`);
    // A principal's changes of one kind across capabilities make one line.
    const same = (a: AccessChange, b: AccessChange) =>
      a.row === b.row && a.kind === b.kind && a.from === b.from && a.to === b.to && a.when === b.when && `${a.conditionsRemoved}` === `${b.conditionsRemoved}` && `${a.conditionsAdded}` === `${b.conditionsAdded}`;
    for (let i = 0; i < diff.changes.length; ) {
      const c = diff.changes[i];
      let j = i + 1;
      while (j < diff.changes.length && same(c, diff.changes[j])) j++;
      const subject = diff.changes.slice(i, j).map(changeSubject).join(', ');
      lines.push(`${SIGN[c.kind]} ${c.label} ${sentence(c, subject)} on ${key}${c.when ? ` (${c.when})` : ''}`);
      i = j;
    }
  }
  return lines;
}

/** Does the diff change access (a change, a key added or removed)? A partial diff may also: see `unknown`. */
export function changesAccess(diff: AccessDiff): boolean {
  return diff.changes.length > 0 || !!diff.added || !!diff.removed;
}

/** For a code lens: `+2 grants, −1` (or `no change in access`). */
export function diffSummary(diff: AccessDiff): string {
  const parts: string[] = [];
  if (diff.added) parts.push('new key');
  if (diff.removed) parts.push('key removed');
  if (diff.gains) parts.push(`+${diff.gains} grant${diff.gains === 1 ? '' : 's'}`);
  if (diff.losses) parts.push(`−${diff.losses}`);
  if (diff.changed) parts.push(`~${diff.changed} changed condition${diff.changed === 1 ? '' : 's'}`);
  const partly = isPartial(diff);
  // Partly known: never "no change in access", only in the parts read.
  if (!parts.length) parts.push(partly ? 'no change in the parts read' : 'no change in access');
  if (partly) parts.push('partly known');
  return parts.join(', ');
}

/**
 * Text from the policy (principals, conditions, key names) is untrusted: in Markdown it is escaped
 * so that it renders as itself, never as a link, an image, a mention or HTML.
 */
const mdCell = (s: string) =>
  s
    .replace(/[\\`*_{}[\]()|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/[\r\n]+/g, ' ');
/** A code span that holds any text: a fence longer than its longest run of backticks; `|` escaped for tables. */
const code = (s: string) => {
  const text = s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || text.startsWith(' ') || text.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
};

/** A Markdown section ready for a pull-request comment: a table per key. */
export function diffMarkdown(diffs: readonly KeyDiff[]): string {
  const out: string[] = [];
  for (const { key, file, diff } of diffs) {
    out.push(`### ${mdCell(key)}${file && file !== key ? ` (${code(file)})` : ''}`, '');
    if (diff.added) out.push('A new key.', '');
    if (diff.removed) out.push('The key is removed.', '');
    const partial = partialNote(diff);
    if (partial) out.push(`> **Partly known.** Not evaluated: ${partial.replace(/^partly known: not evaluated: /, '')}. ${diff.changes.length ? 'The changes below are those of the parts read.' : 'No change in the parts read.'}`, '');
    if (!diff.changes.length) {
      if (!partial && !diff.added && !diff.removed) out.push('No change in access.', '');
      continue;
    }
    out.push('| | Principal | Capability | Actions | Change |', '|---|---|---|---|---|');
    for (const c of diff.changes) {
      const change =
        c.from === c.to
          ? `${LEVEL[c.from]}, conditions changed`
          : `${LEVEL[c.from]} → ${LEVEL[c.to]}`;
      const notes = [
        ...c.conditionsRemoved.map((x) => `removed: ${code(x)}`),
        ...c.conditionsAdded.map((x) => `added: ${code(x)}`),
        ...(c.when ? [mdCell(c.when)] : []),
      ];
      const actions = c.partial ? c.actions.map(short).join(', ') : `all (${c.actions.length})`;
      const who = c.rowKind === 'named' || c.rowKind === 'service' ? code(c.label) : `*${mdCell(c.label)}*`;
      out.push(`| ${SIGN[c.kind] === '-' ? '−' : SIGN[c.kind]} | ${who} | ${c.capability} | ${mdCell(actions)} | ${change}${notes.length ? `<br>${notes.join('<br>')}` : ''} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

// ---- the effective-access view ---------------------------------------------------------------

function cellText(cell: AccessCell, capability: Capability): string {
  if (!hasAccess(cell.level)) return cell.level === 'denied' ? 'denied' : '—';
  const total = actionsOfCapability(capability).length;
  return `${LEVEL[cell.level]}${cell.partial ? ` (${cell.actions.length}/${total})` : ''}`;
}

function intentOf(row: AccessRow, intent: SpecIntent | undefined): readonly Capability[] | undefined {
  return intent?.get(row.label) ?? intent?.get(row.id);
}

interface Footnotes {
  readonly list: string[];
  ref(cell: AccessCell): number[];
}

/** Conditions and partial action lists, numbered once each. */
function footnotes(): Footnotes {
  const list: string[] = [];
  const n = (text: string) => {
    let i = list.indexOf(text);
    if (i < 0) i = list.push(text) - 1;
    return i + 1;
  };
  return {
    list,
    ref: (cell) => {
      if (!hasAccess(cell.level)) return [];
      const refs: number[] = [];
      if (cell.partial) refs.push(n(`only ${cell.actions.map(short).join(', ')}`));
      for (const c of cell.conditions) refs.push(n(c.startsWith('unless ') ? c : `if ${c}`));
      return refs;
    },
  };
}

/** The effective-access table: principals against the five capabilities, the spec's intent when given. */
export function viewMarkdown(view: AccessView, key: string, intent?: SpecIntent): string {
  const notes = footnotes();
  const head = ['Principal', ...CAPABILITIES, ...(intent ? ['Spec intent'] : [])];
  const out = [`### Effective access: ${mdCell(key)}`, ''];
  if (view.unknown.length) out.push(`> **Partly known.** Not evaluated: ${mdCell(view.unknown.join('; '))}. Access shown is that of the parts read.`, '');
  out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const row of view.rows) {
    const cells = CAPABILITIES.map((c) => {
      const refs = notes.ref(row.cells[c]);
      return `${cellText(row.cells[c], c)}${refs.map((r) => ` [${r}]`).join('')}`;
    });
    const wanted = intentOf(row, intent);
    out.push(`| ${row.kind === 'named' || row.kind === 'service' ? code(row.label) : `*${mdCell(row.label)}*`} | ${cells.join(' | ')}${intent ? ` | ${wanted ? wanted.join(', ') || 'none' : '—'}` : ''} |`);
  }
  out.push('');
  out.push('allowed: by the key policy alone · via IAM: if an IAM policy in that account also allows it · conditional: depends on conditions the key policy cannot decide alone · —: no access');
  if (notes.list.length) {
    out.push('');
    notes.list.forEach((text, i) => out.push(`${i + 1}. ${mdCell(text)}`));
  }
  return `${out.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Theme-following styles: VS Code's variables, with fallbacks for a plain browser. */
const STYLE = `<style>
.kms-access{font-family:var(--vscode-font-family,system-ui,sans-serif);font-size:var(--vscode-font-size,13px);color:var(--vscode-foreground,#333);}
.kms-access table{border-collapse:collapse;margin:0.5em 0 1em;}
.kms-access th,.kms-access td{border:1px solid var(--vscode-panel-border,#ccc);padding:3px 8px;text-align:left;vertical-align:top;}
.kms-access th{background:var(--vscode-editorWidget-background,#f3f3f3);}
.kms-access code{font-family:var(--vscode-editor-font-family,monospace);}
.kms-access .allowed{background:var(--vscode-diffEditor-insertedTextBackground,rgba(155,185,85,.25));}
.kms-access .via-iam{background:var(--vscode-editorInfo-background,rgba(55,148,255,.15));}
.kms-access .conditional{background:var(--vscode-editorWarning-background,rgba(205,173,0,.18));}
.kms-access .denied{background:var(--vscode-diffEditor-removedTextBackground,rgba(255,0,0,.18));}
.kms-access .gain td:first-child{color:var(--vscode-gitDecoration-addedResourceForeground,#587c0c);font-weight:bold;}
.kms-access .loss td:first-child{color:var(--vscode-gitDecoration-deletedResourceForeground,#ad0707);font-weight:bold;}
.kms-access .stand-in{font-style:italic;}
.kms-access .note{color:var(--vscode-descriptionForeground,#666);}
.kms-access .partial{border-left:3px solid var(--vscode-editorWarning-foreground,#bf8803);padding-left:8px;}
</style>`;

/** The same table as a self-contained HTML fragment (no script), conditions as footnotes and on hover (title). */
export function viewHtml(view: AccessView, key: string, intent?: SpecIntent): string {
  const notes = footnotes();
  const out = [STYLE, '<div class="kms-access">', `<h2>Effective access: ${esc(key)}</h2>`];
  if (view.unknown.length) out.push(`<p class="partial"><strong>Partly known.</strong> Not evaluated: ${esc(view.unknown.join('; '))}. Access shown is that of the parts read.</p>`);
  out.push('<table>', `<thead><tr><th>Principal</th>${CAPABILITIES.map((c) => `<th>${c}</th>`).join('')}${intent ? '<th>Spec intent</th>' : ''}</tr></thead>`, '<tbody>');
  for (const row of view.rows) {
    const standIn = row.kind !== 'named' && row.kind !== 'service';
    const cells = CAPABILITIES.map((c) => {
      const cell = row.cells[c];
      const refs = notes.ref(cell);
      const title = refs.map((r) => notes.list[r - 1]).join('\n');
      return `<td class="${hasAccess(cell.level) || cell.level === 'denied' ? cell.level : 'none'}" data-capability="${c}"${title ? ` title="${esc(title)}"` : ''}>${esc(cellText(cell, c))}${refs.map((r) => `<sup>${r}</sup>`).join('')}</td>`;
    });
    const wanted = intentOf(row, intent);
    out.push(
      `<tr data-principal="${esc(row.label)}"><th class="${standIn ? 'stand-in' : ''}">${standIn ? esc(row.label) : `<code>${esc(row.label)}</code>`}</th>${cells.join('')}${intent ? `<td>${wanted ? esc(wanted.join(', ') || 'none') : '—'}</td>` : ''}</tr>`,
    );
  }
  out.push('</tbody></table>');
  out.push('<p class="note">allowed: by the key policy alone · via IAM: if an IAM policy in that account also allows it · conditional: depends on conditions the key policy cannot decide alone · —: no access</p>');
  if (notes.list.length) out.push(`<ol class="note">${notes.list.map((t) => `<li>${esc(t)}</li>`).join('')}</ol>`);
  out.push('</div>');
  return out.join('\n');
}

/** The diff as a self-contained HTML fragment (no script), styled with the editor's theme variables. */
export function diffHtml(diffs: readonly KeyDiff[], title: string): string {
  const out = [STYLE, '<div class="kms-access">', `<h2>${esc(title)}</h2>`];
  for (const { key, file, diff } of diffs) {
    out.push(`<h3>${esc(key)}${file && file !== key ? ` <span class="note">(${esc(file)})</span>` : ''} <span class="note">${esc(diffSummary(diff))}</span></h3>`);
    const partial = partialNote(diff);
    if (partial) out.push(`<p class="partial"><strong>Partly known.</strong> ${esc(partial.replace(/^partly known: /, ''))}. ${diff.changes.length ? 'The changes below are those of the parts read.' : 'No change in the parts read.'}</p>`);
    if (!diff.changes.length) {
      if (!partial) out.push('<p>No change in access.</p>');
      continue;
    }
    out.push('<table><thead><tr><th></th><th>Principal</th><th>Capability</th><th>Actions</th><th>Change</th></tr></thead><tbody>');
    for (const c of diff.changes) {
      const notes = [...c.conditionsRemoved.map((x) => `removed: ${x}`), ...c.conditionsAdded.map((x) => `added: ${x}`), ...(c.when ? [c.when] : [])];
      const change = c.from === c.to ? `${LEVEL[c.from]}, conditions changed` : `${LEVEL[c.from]} → ${LEVEL[c.to]}`;
      out.push(
        `<tr class="${c.kind}" data-principal="${esc(c.label)}"><td>${c.kind === 'gain' ? '+' : c.kind === 'loss' ? '−' : '~'}</td><td>${c.rowKind === 'named' || c.rowKind === 'service' ? `<code>${esc(c.label)}</code>` : `<em>${esc(c.label)}</em>`}</td><td>${c.capability}</td><td>${esc(c.partial ? c.actions.map(short).join(', ') : `all (${c.actions.length})`)}</td><td>${esc(change)}${notes.map((n) => `<br><span class="note">${esc(n)}</span>`).join('')}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  out.push('</div>');
  return out.join('\n');
}
