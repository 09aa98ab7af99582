/**
 * Completion in domain specs (YAML and JSON): field names, capability names under access,
 * principal names defined under principals, principal ARNs the workspace's key policies name,
 * style values and service names.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList, type Position } from 'vscode-languageserver-types';
import { CAPABILITIES, CAPABILITY_INFO } from '../core/catalog/catalog';
import { cursorAt, type SpecCursor } from '../core/spec/cursor';
import { yamlScalar } from '../core/spec/fromPolicy';
import { entryOf, nodeAtPath, type DomainSpec } from '../core/spec/model';
import { PARTITIONS, shortName } from '../core/principal/check';
import { resolveSpec } from '../core/spec/resolve';
import { DOMAIN_SCHEMA, STYLE_DESCRIPTIONS } from '../core/spec/schema';
import { VIA_SERVICES } from '../core/spec/services';
import { STYLES } from '../core/rewrite/leastPrivilege';
import { capabilityMarkdown } from './domainHover';

export interface SpecCompletionContext {
  /** Role, user and session ARNs named by the workspace's key policies (DomainIndex.workspaceArns()). */
  readonly workspaceArns?: readonly string[];
  /** Key policy files in the workspace, as paths relative to the spec's folder (`./orders.key-policy.json`). */
  readonly policyFiles?: readonly string[];
}

const EMPTY: CompletionList = { isIncomplete: false, items: [] };

type Props = Record<string, { description?: string }>;
const TOP = DOMAIN_SCHEMA.properties as unknown as Props;
const KEY = DOMAIN_SCHEMA.properties.key.properties as unknown as Props;

const TOP_ORDER = ['domain', 'description', 'account', 'region', 'partition', 'key', 'principals', 'access', 'services', 'grantsForAWSResources'];
const KEY_ORDER = ['policy', 'style', 'id', 'principalForm'];
const LIST_FIELDS = new Set(['services', 'grantsForAWSResources', ...CAPABILITIES.map((c) => `access.${c}`)]);

interface Ctx {
  readonly document: TextDocument;
  readonly spec: DomainSpec;
  readonly cursor: SpecCursor;
  readonly context: SpecCompletionContext;
}

export function doSpecComplete(document: TextDocument, position: Position, spec: DomainSpec, context: SpecCompletionContext = {}): CompletionList {
  const cursor = cursorAt(spec.text, document.offsetAt(position), spec.format);
  if (!cursor) return EMPTY;
  const ctx: Ctx = { document, spec, cursor, context };
  const path = cursor.path.join('.');
  const items: CompletionItem[] = [];
  if (cursor.position === 'key') {
    if (path === '') items.push(...fieldKeys(ctx, TOP_ORDER, TOP, []));
    else if (path === 'key') items.push(...fieldKeys(ctx, KEY_ORDER, KEY, ['key']));
    else if (path === 'access') items.push(...capabilityKeys(ctx));
    else if (path === 'principals') items.push(...principalKeys(ctx));
    else if (spec.format === 'yaml' && LIST_FIELDS.has(path)) items.push(...listItems(ctx, path, true));
  } else if (cursor.position === 'item') {
    if (LIST_FIELDS.has(path)) items.push(...listItems(ctx, path, false));
  } else {
    if (LIST_FIELDS.has(path)) items.push(...listValue(ctx, path));
    else items.push(...scalarValues(ctx, path));
  }
  return { isIncomplete: false, items };
}

// ---- edits -----------------------------------------------------------------------------------

function range(ctx: Ctx) {
  return { start: ctx.document.positionAt(ctx.cursor.replace.start), end: ctx.document.positionAt(ctx.cursor.replace.end) };
}

function escapeSnippet(s: string): string {
  return s.replace(/[\\$}]/g, '\\$&');
}

/** A scalar as written in this format at the cursor. */
function written(ctx: Ctx, value: string): string {
  if (ctx.spec.format === 'json' || ctx.cursor.quoted) return JSON.stringify(value);
  return yamlScalar(value);
}

function item(ctx: Ctx, label: string, newText: string, kind: CompletionItemKind, extra: Partial<CompletionItem> = {}): CompletionItem {
  const { cursor } = ctx;
  const text = cursor.needsSpace ? ` ${newText}` : newText;
  return {
    label,
    kind,
    filterText: cursor.quoted ? JSON.stringify(label) : label,
    textEdit: { range: range(ctx), newText: text },
    ...extra,
  };
}

function markdown(value: string | undefined) {
  return value ? { kind: MarkupKind.Markdown, value } : undefined;
}

/** Whether a colon already follows the key being typed (JSON: after the replaced token). */
function colonFollows(ctx: Ctx): boolean {
  if (ctx.spec.format === 'yaml') return ctx.cursor.colonFollows === true;
  return /^\s*:/.test(ctx.spec.text.slice(ctx.cursor.replace.end));
}

/** The value part of a new field, as a snippet, for each format. */
function valueSnippet(ctx: Ctx, field: string): string {
  const yaml = ctx.spec.format === 'yaml';
  const child = `${ctx.cursor.indent}  `;
  const json = (s: string) => s;
  switch (field) {
    case 'domain':
      return yaml ? '${1:orders}' : json('"${1:orders}"');
    case 'account':
      return '"${1:111122223333}"';
    case 'region':
      return yaml ? '${1:us-east-1}' : '"${1:us-east-1}"';
    case 'partition':
      return yaml ? '${1|aws,aws-cn,aws-us-gov|}' : '"${1|aws,aws-cn,aws-us-gov|}"';
    case 'key':
      return yaml
        ? `\n${child}policy: \${1:./name.key-policy.json}\n${child}style: \${2|key-policy-only,delegate-to-iam|}`
        : '{\n\t"policy": "${1:./name.key-policy.json}",\n\t"style": "${2|key-policy-only,delegate-to-iam|}"\n}';
    case 'principals':
      return yaml ? `\n${child}\${1:name}: \${2:arn:aws:iam::111122223333:role/name}` : '{\n\t"${1:name}": "${2:arn:aws:iam::111122223333:role/name}"\n}';
    case 'access':
      return yaml
        ? CAPABILITIES.map((c, i) => `\n${child}${c}: [\$${i + 1}]`).join('')
        : `{\n${CAPABILITIES.map((c, i) => `\t"${c}": [\$${i + 1}]`).join(',\n')}\n}`;
    case 'services':
    case 'grantsForAWSResources':
      return '[$1]';
    case 'style':
      return yaml ? '${1|key-policy-only,delegate-to-iam|}' : '"${1|key-policy-only,delegate-to-iam|}"';
    case 'principalForm':
      return yaml ? '${1|k9,explicit|}' : '"${1|k9,explicit|}"';
    default:
      return yaml ? '$1' : '"$1"';
  }
}

function keyItem(ctx: Ctx, name: string, doc: string | undefined, kind: CompletionItemKind, sortText: string, value?: string): CompletionItem {
  const yaml = ctx.spec.format === 'yaml';
  const key = yaml ? escapeSnippet(yamlScalar(name)) : escapeSnippet(JSON.stringify(name));
  const v = value ?? valueSnippet(ctx, name);
  const newText = colonFollows(ctx) ? key : `${key}:${v.startsWith('\n') ? '' : ' '}${v}`;
  return item(ctx, name, newText, kind, { insertTextFormat: InsertTextFormat.Snippet, documentation: markdown(doc), sortText });
}

// ---- keys ------------------------------------------------------------------------------------

function present(ctx: Ctx, path: readonly string[]): Set<string> {
  const node = nodeAtPath(ctx.spec.root, path);
  const names = new Set<string>();
  const { start, end } = ctx.cursor.replace;
  // The key being typed or edited does not count as present.
  if (node?.kind === 'object') for (const e of node.entries) if (e.keySpan.end < start || e.keySpan.start > end) names.add(e.key);
  return names;
}

function fieldKeys(ctx: Ctx, order: readonly string[], props: Props, path: readonly string[]): CompletionItem[] {
  const taken = present(ctx, path);
  return order
    .filter((f) => !taken.has(f))
    .map((f, i) => keyItem(ctx, f, props[f]?.description, f === 'key' || f === 'principals' || f === 'access' ? CompletionItemKind.Module : CompletionItemKind.Property, String(i).padStart(2, '0')));
}

function capabilityKeys(ctx: Ctx): CompletionItem[] {
  const taken = present(ctx, ['access']);
  return CAPABILITIES.filter((c) => !taken.has(c)).map((c, i) => {
    const it = keyItem(ctx, c, capabilityMarkdown(c), CompletionItemKind.EnumMember, String(i), '[$1]');
    it.detail = CAPABILITY_INFO[c].title;
    return it;
  });
}

/** Under `principals`: the workspace's ARNs not yet defined, each as `name: arn`. */
function principalKeys(ctx: Ctx): CompletionItem[] {
  const { resolved } = resolveSpec(ctx.spec);
  const taken = present(ctx, ['principals']);
  const defined = new Set(resolved.arnOfName.values());
  const yaml = ctx.spec.format === 'yaml';
  return (ctx.context.workspaceArns ?? [])
    .filter((arn) => !defined.has(arn))
    .map((arn) => {
      let name = shortName(arn).replace(/[^A-Za-z0-9_.-]+/g, '-');
      if (!/^[A-Za-z]/.test(name)) name = `p-${name}`;
      for (let i = 2; taken.has(name); i++) name = `${shortName(arn)}-${i}`;
      const value = yaml ? escapeSnippet(yamlScalar(arn)) : escapeSnippet(JSON.stringify(arn));
      return { ...keyItem(ctx, name, `\`${arn}\`\n\nNamed in a key policy of this workspace.`, CompletionItemKind.Reference, name, value), detail: arn };
    });
}

// ---- values ----------------------------------------------------------------------------------

/** Principal names (for access and grants) or services, minus those already in the list. */
function candidates(ctx: Ctx, path: string): { value: string; detail?: string; doc?: string; kind: CompletionItemKind }[] {
  const listPath = path.split('.');
  const list = nodeAtPath(ctx.spec.root, listPath);
  const listed = new Set<string>();
  if (list?.kind === 'array') for (const i of list.items) if (i.kind === 'scalar' && !(i.span.start <= ctx.cursor.replace.start && ctx.cursor.replace.end <= i.span.end)) listed.add(i.text);
  if (path === 'services') {
    return VIA_SERVICES.filter((s) => !listed.has(s.name)).map((s) => ({ value: s.name, detail: s.title, kind: CompletionItemKind.Module }));
  }
  const { resolved } = resolveSpec(ctx.spec);
  return ctx.spec.principals
    .filter((p) => !listed.has(p.name))
    .map((p) => {
      const arn = resolved.arnOfName.get(p.name);
      return { value: p.name, detail: arn ?? p.value?.value, doc: arn ? `\`${arn}\`` : undefined, kind: CompletionItemKind.Variable };
    });
}

/** Items in a list: `appA` in `[...]` or after `- `; or, on a new line under the field, `- appA`. */
function listItems(ctx: Ctx, path: string, withDash: boolean): CompletionItem[] {
  return candidates(ctx, path).map((c, i) =>
    item(ctx, c.value, `${withDash ? '- ' : ''}${written(ctx, c.value)}`, c.kind, { detail: c.detail, documentation: markdown(c.doc), sortText: String(i).padStart(3, '0') }),
  );
}

/** The value of a list field, not yet a list: `[appA]`. */
function listValue(ctx: Ctx, path: string): CompletionItem[] {
  const yaml = ctx.spec.format === 'yaml';
  return candidates(ctx, path).map((c, i) =>
    item(ctx, c.value, `[${yaml ? yamlScalar(c.value) : JSON.stringify(c.value)}]`, c.kind, { detail: c.detail, documentation: markdown(c.doc), sortText: String(i).padStart(3, '0'), filterText: c.value }),
  );
}

function scalarValues(ctx: Ctx, path: string): CompletionItem[] {
  const values: { value: string; detail?: string; doc?: string }[] = [];
  const segments = path.split('.');
  if (path === 'key.style') for (const s of STYLES) values.push({ value: s, doc: STYLE_DESCRIPTIONS[s], detail: s === 'key-policy-only' ? 'default' : undefined });
  else if (path === 'key.principalForm') values.push({ value: 'k9', detail: 'default' }, { value: 'explicit' });
  else if (path === 'partition') for (const p of PARTITIONS) values.push({ value: p });
  else if (path === 'key.policy') for (const f of ctx.context.policyFiles ?? []) values.push({ value: f, detail: 'key policy' });
  else if (path === 'account') {
    const accounts = new Set<string>();
    for (const arn of [...resolveSpec(ctx.spec).resolved.arnOfName.values(), ...(ctx.context.workspaceArns ?? [])]) {
      const a = arn.split(':')[4];
      if (a && /^\d{12}$/.test(a)) accounts.add(a);
    }
    for (const a of [...accounts].sort()) values.push({ value: a, detail: 'account of principals in this workspace' });
  } else if (segments[0] === 'principals' && segments.length === 2) {
    const { resolved } = resolveSpec(ctx.spec);
    const defined = new Set(resolved.arnOfName.values());
    const own = entryOf(nodeAtPath(ctx.spec.root, ['principals']), segments[1])?.value;
    const current = own?.kind === 'scalar' ? own.text : undefined;
    for (const arn of ctx.context.workspaceArns ?? []) if (!defined.has(arn) || arn === current) values.push({ value: arn, detail: 'named in a key policy of this workspace' });
  }
  return values.map((v, i) => {
    const text = path === 'account' ? JSON.stringify(v.value) : written(ctx, v.value);
    return item(ctx, v.value, text, CompletionItemKind.Value, { detail: v.detail, documentation: markdown(v.doc), sortText: String(i).padStart(3, '0') });
  });
}
