/** Completion in key policies: KMS actions, the policy grammar, condition operators and keys, statement snippets. */
import { getLocation, type Location, type Node, type Segment } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type Position,
} from 'vscode-languageserver-types';
import { conditionKeys, kmsActions, type Capability, type ConditionKey, type KmsAction } from '../core/catalog/catalog';
import { POLICY_ELEMENTS, POLICY_VERSION, PRINCIPAL_TYPES, STATEMENT_ELEMENTS, type ElementInfo } from '../core/policy/grammar';
import type { PolicyDocument, Statement } from '../core/policy/model';
import { BASE_OPERATORS, operatorSpellings, parseOperator } from '../core/policy/operators';
import { allowStatement, denyEveryoneElse, type Json } from '../core/rewrite/statements';
import { actionMarkdown, actionSummary, conditionKeyMarkdown, operatorMarkdown } from './docs';

const EMPTY: CompletionList = { isIncomplete: false, items: [] };

/** Order in which capability groups are listed: data first, then configuration, then administration. */
const GROUP_ORDER: Record<Capability, number> = {
  'read-data': 0,
  'write-data': 1,
  'read-config': 2,
  'administer-resource': 3,
  'delete-data': 4,
};
const GROUP_KIND: Record<Capability, CompletionItemKind> = {
  'read-data': CompletionItemKind.Method,
  'write-data': CompletionItemKind.Method,
  'read-config': CompletionItemKind.Field,
  'administer-resource': CompletionItemKind.Constructor,
  'delete-data': CompletionItemKind.Event,
};

/** Where the edit goes and what the user has typed there. */
interface Target {
  start: number;
  end: number;
  /** True when the range covers an existing string token (quotes included). */
  inString: boolean;
}

export interface CompletionOptions {
  /**
   * Where the offset is in the policy (path, key or value, the token typed so far). Defaults to
   * jsonc-parser's `getLocation` on the policy text; policies inside YAML or HCL provide their own.
   */
  readonly locate?: (text: string, offset: number) => Location;
}

export function doComplete(document: TextDocument, position: Position, policy: PolicyDocument, options: CompletionOptions = {}): CompletionList {
  if (policy.fatal) return EMPTY;
  const text = policy.text;
  const offset = document.offsetAt(position);
  const location = options.locate ? options.locate(text, offset) : locate(policy, offset);
  const path = location.path;
  const prev = location.previousNode;

  const target = targetAt(text, offset, prev);
  if (target === undefined) return EMPTY; // cursor is past the closing quote of a complete string
  const ctx: Ctx = { document, text, target, policy };

  if (path.length === 0) return list(target.inString ? [] : newPolicySnippet(ctx));

  const stmt = statementPath(path);
  if (location.isAtPropertyKey) {
    const keyPath = path.slice(0, -1);
    if (keyPath.length === 0) return list(elementKeys(ctx, POLICY_ELEMENTS, policy.properties.map((p) => p.name)));
    if (stmt && keyPath.length === stmt.length) {
      return list(elementKeys(ctx, STATEMENT_ELEMENTS, statementAt(policy, stmt)?.properties.map((p) => p.name) ?? []));
    }
    if (stmt && keyPath.length === stmt.length + 1 && keyPath[stmt.length] === 'Condition') return list(operatorKeys(ctx));
    if (stmt && keyPath.length === stmt.length + 2 && keyPath[stmt.length] === 'Condition') {
      return list(conditionKeyItems(ctx, String(keyPath[stmt.length + 1])));
    }
    if (stmt && keyPath.length === stmt.length + 1 && (keyPath[stmt.length] === 'Principal' || keyPath[stmt.length] === 'NotPrincipal')) {
      return list(elementKeys(ctx, PRINCIPAL_TYPES, []));
    }
    return EMPTY;
  }

  if (path.length === 1 && path[0] === 'Version') return list([valueItem(ctx, POLICY_VERSION, 'current policy language version')]);
  if (path[0] === 'Statement' && !stmt && !target.inString && (path.length === 1 || typeof path[1] === 'number')) {
    return list(path.length === 2 ? statementSnippets(ctx) : []);
  }
  if (!stmt || path.length <= stmt.length) return EMPTY;
  const element = path[stmt.length];
  const rest = path.length - stmt.length; // 1: the element's value; 2: inside its array or object
  switch (element) {
    case 'Effect':
      return rest === 1 ? list(['Allow', 'Deny'].map((v) => valueItem(ctx, v, v === 'Deny' ? 'explicit deny: always wins' : ''))) : EMPTY;
    case 'Action':
    case 'NotAction':
      if (rest > 2) return EMPTY;
      return list(actionItems(ctx, statementAt(policy, stmt), element));
    case 'Resource':
    case 'NotResource':
      return rest <= 2 ? list([valueItem(ctx, '*', 'this key')]) : EMPTY;
    case 'Principal':
    case 'NotPrincipal':
      if (rest === 1) return list(principalValueItems(ctx));
      if (rest <= 3 && path[stmt.length + 1] === 'AWS') return list(awsPrincipalItems(ctx));
      return EMPTY;
    case 'Condition':
      if (rest === 3 || rest === 4) return list(conditionValueItems(ctx, String(path[stmt.length + 1]), String(path[stmt.length + 2])));
      return EMPTY;
    default:
      return EMPTY;
  }
}

/**
 * Below this, scanning the whole text is fast enough (a few tenths of a millisecond). A 32 KB
 * policy, or a template whose policy text is padded to the template's length, takes longer.
 */
const LONG_TEXT = 8 * 1024;

/**
 * jsonc-parser's getLocation scans the text from its start: milliseconds in a 1 MB document. A
 * statement is a complete object on its own, so in a long document only the statement the
 * offset is in is scanned, and the location is put back in terms of the whole text.
 */
function locate(policy: PolicyDocument, offset: number): Location {
  const { text, statements } = policy;
  if (text.length < LONG_TEXT || statements.length === 0 || !policy.statementSpan) return getLocation(text, offset);
  let lo = 0;
  let hi = statements.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (statements[mid].span.start < offset) lo = mid;
    else hi = mid - 1;
  }
  const s = statements[lo];
  // A syntax error before the statement can change how the text up to the offset reads.
  if (!(s.span.start < offset && offset < s.span.end) || policy.syntaxErrors.some((e) => e.offset < s.span.start)) return getLocation(text, offset);
  const inner = getLocation(text.slice(s.span.start, s.span.end), offset - s.span.start);
  const prefix: Segment[] = text.charCodeAt(policy.statementSpan.start) === 91 /* [ */ ? ['Statement', s.index] : ['Statement'];
  const path = [...prefix, ...inner.path];
  const previousNode = inner.previousNode && { ...inner.previousNode, offset: inner.previousNode.offset + s.span.start };
  return {
    path,
    previousNode,
    isAtPropertyKey: inner.isAtPropertyKey,
    matches: (pattern) => {
      let k = 0;
      for (let i = 0; k < pattern.length && i < path.length; i++) {
        if (pattern[k] === path[i] || pattern[k] === '*') k++;
        else if (pattern[k] !== '**') return false;
      }
      return k === pattern.length;
    },
  };
}

interface Ctx {
  document: TextDocument;
  text: string;
  target: Target;
  policy: PolicyDocument;
}

function list(items: CompletionItem[]): CompletionList {
  return { isIncomplete: false, items };
}

/** `['Statement', 2, ...]` -> `['Statement', 2]`; a single statement object -> `['Statement']`. */
function statementPath(path: Segment[]): Segment[] | undefined {
  if (path[0] !== 'Statement') return undefined;
  if (typeof path[1] === 'number') return path.length >= 3 ? path.slice(0, 2) : undefined;
  return path.length >= 2 ? path.slice(0, 1) : undefined;
}

function statementAt(policy: PolicyDocument, stmtPath: Segment[]): Statement | undefined {
  if (stmtPath.length === 1) return policy.statements[0];
  const index = stmtPath[1] as number;
  return policy.statements.find((s) => s.index === index);
}

/**
 * The range an item replaces. Inside a string token it covers the token, quotes included, so
 * accepting an item never doubles quotes or prefixes. An unterminated string, or one that
 * swallowed the text after it (`"kms:Dec, "kms:Encrypt"`), is replaced only up to the cursor.
 */
function targetAt(text: string, offset: number, prev: Node | undefined): Target | undefined {
  if (prev && (prev.type === 'string' || prev.type === 'property') && offset > prev.offset && offset <= prev.offset + prev.length) {
    const start = prev.offset;
    const end = prev.offset + prev.length;
    const token = text.slice(start, end);
    const closed = token.length >= 2 && token.endsWith('"') && !token.endsWith('\\"');
    if (closed && offset === end) return undefined;
    const tail = text.slice(offset, closed ? end - 1 : end);
    const clean = closed && /^[\w:*?.\-/${}]*$/.test(tail);
    return { start, end: clean ? end : offset, inString: true };
  }
  return { start: offset, end: offset, inString: false };
}

function range(ctx: Ctx) {
  return { start: ctx.document.positionAt(ctx.target.start), end: ctx.document.positionAt(ctx.target.end) };
}

function quoted(s: string): string {
  return JSON.stringify(s);
}

/** A plain string value item: replaces the target with `"value"`. */
function valueItem(ctx: Ctx, value: string, detail: string, kind: CompletionItemKind = CompletionItemKind.Value): CompletionItem {
  const newText = quoted(value);
  return { label: newText, kind, detail: detail || undefined, filterText: newText, textEdit: { range: range(ctx), newText } };
}

// ---- keys --------------------------------------------------------------------------------

/** Text following the target, used to decide whether `: value` and a comma are needed. */
function followingChar(ctx: Ctx): string {
  const m = /\S/.exec(ctx.text.slice(ctx.target.end));
  return m ? m[0] : '';
}

function keyItem(ctx: Ctx, name: string, valueSnippet: string, doc: string, kind: CompletionItemKind, sortText?: string): CompletionItem {
  const next = followingChar(ctx);
  const hasColon = ctx.target.inString && next === ':';
  let newText = escapeSnippet(quoted(name));
  if (!hasColon) {
    newText += ': ' + valueSnippet;
    if (next === '"' || next === '{') newText += ',';
  }
  const label = name;
  return {
    label,
    kind,
    sortText,
    filterText: ctx.target.inString ? quoted(name) : name,
    documentation: doc ? { kind: MarkupKind.Markdown, value: doc } : undefined,
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range: range(ctx), newText },
  };
}

const VALUE_SNIPPETS: Record<string, string> = {
  Version: quoted(POLICY_VERSION),
  Id: '"${1:key-policy}"',
  Statement: '[\n\t{\n\t\t$0\n\t}\n]',
  Sid: '"$1"',
  Effect: '"${1|Allow,Deny|}"',
  Principal: '{\n\t"AWS": "$1"\n}',
  NotPrincipal: '{\n\t"AWS": "$1"\n}',
  Action: '[\n\t"$1"\n]',
  NotAction: '[\n\t"$1"\n]',
  Resource: '"*"',
  NotResource: '"$1"',
  Condition: '{\n\t"$1": {\n\t\t"$2": "$3"\n\t}\n}',
  AWS: '"$1"',
  Service: '"$1"',
  Federated: '"$1"',
  CanonicalUser: '"$1"',
};

function elementKeys(ctx: Ctx, elements: readonly ElementInfo[], present: readonly string[]): CompletionItem[] {
  const typed = ctx.target.inString ? ctx.text.slice(ctx.target.start + 1, ctx.target.end).replace(/"$/, '') : undefined;
  const taken = new Set(present.filter((p) => p !== typed));
  return elements
    .filter((e) => !taken.has(e.name) && !(e.excludes && taken.has(e.excludes)))
    .map((e, i) => keyItem(ctx, e.name, VALUE_SNIPPETS[e.name] ?? '"$1"', e.doc, CompletionItemKind.Property, String(i).padStart(2, '0')));
}

function operatorKeys(ctx: Ctx): CompletionItem[] {
  const order = new Map(BASE_OPERATORS.map((o, i) => [o.name, i]));
  return operatorSpellings().map((spelling) => {
    const parsed = parseOperator(spelling)!;
    const rank = (order.get(parsed.base.name) ?? 0) + (parsed.ifExists ? 100 : 0) + (parsed.qualifier ? 200 : 0);
    const item = keyItem(ctx, spelling, '{\n\t"$1": "$2"\n}', cached(operatorDocs, spelling, () => operatorMarkdown(spelling)), CompletionItemKind.Operator, String(rank).padStart(3, '0'));
    item.detail = parsed.base.family === 'Null' ? 'key presence' : `${parsed.base.family} operator`;
    return item;
  });
}

function conditionKeyItems(ctx: Ctx, operator: string): CompletionItem[] {
  const parsed = parseOperator(operator);
  const boolish = parsed?.base.family === 'Bool' || parsed?.base.family === 'Null';
  return conditionKeys.filter((k) => k.featured).map((k) => {
    const isBool = boolish || k.type === 'Bool';
    const multi = k.type.startsWith('ArrayOf') || k.key === 'aws:PrincipalArn';
    const value = isBool ? '"${1|true,false|}"' : multi ? '[\n\t"$1"\n]' : '"$1"';
    const name = k.key.replace(/\$\{[^}]*\}/, '${1}');
    const item = keyItem(ctx, k.key, value, conditionKeyDoc(k), CompletionItemKind.Variable, `${k.global ? 1 : 0}${k.key}`);
    if (name !== k.key && item.textEdit) {
      // `kms:EncryptionContext:${EncryptionContextKey}`: make the variable part a placeholder.
      const placeholder = /\$\{([^}]*)\}/.exec(k.key)![1];
      item.textEdit.newText = item.textEdit.newText.replace(escapeSnippet('${' + placeholder + '}'), '${9:' + placeholder + '}');
    }
    item.detail = k.type;
    return item;
  });
}

// ---- values ------------------------------------------------------------------------------

function actionItems(ctx: Ctx, statement: Statement | undefined, element: 'Action' | 'NotAction'): CompletionItem[] {
  const listed = statement?.[element === 'Action' ? 'action' : 'notAction'];
  const present = new Set(
    (listed?.items ?? [])
      .filter((i) => i.span.start !== ctx.target.start)
      .map((i) => i.value.toLowerCase()),
  );
  const items = kmsActions.filter((a) => !present.has(a.fullName.toLowerCase())).map((a) => actionItem(ctx, a));
  if (!present.has('kms:*')) {
    const all = valueItem(ctx, 'kms:*', 'every KMS action: administration and data access at once', CompletionItemKind.Keyword);
    all.label = 'kms:*';
    all.filterText = ctx.target.inString ? all.filterText : 'kms:*';
    all.sortText = '9';
    items.push(all);
  }
  return items;
}

/**
 * The catalog does not change: the markdown of each action, condition key and operator is built once, not on every completion request.
 * Keyed by catalog objects and by operatorSpellings() (fixed, finite sets, never user-typed text): no bound needed.
 */
const actionDocs = new Map<KmsAction, string>();
const conditionKeyDocs = new Map<ConditionKey, string>();
const operatorDocs = new Map<string, string>();
function cached<K>(docs: Map<K, string>, key: K, build: () => string): string {
  let doc = docs.get(key);
  if (doc === undefined) docs.set(key, (doc = build()));
  return doc;
}
const actionDoc = (a: KmsAction) => cached(actionDocs, a, () => actionMarkdown(a));
const conditionKeyDoc = (k: ConditionKey) => cached(conditionKeyDocs, k, () => conditionKeyMarkdown(k.key, k));

function actionItem(ctx: Ctx, a: KmsAction): CompletionItem {
  const newText = quoted(a.fullName);
  return {
    label: a.fullName,
    labelDetails: { description: a.capability },
    kind: GROUP_KIND[a.capability],
    detail: actionSummary(a),
    documentation: { kind: MarkupKind.Markdown, value: actionDoc(a) },
    sortText: `${GROUP_ORDER[a.capability]}${a.name}`,
    filterText: ctx.target.inString ? newText : a.fullName,
    textEdit: { range: range(ctx), newText },
  };
}

function principalValueItems(ctx: Ctx): CompletionItem[] {
  if (ctx.target.inString) return [valueItem(ctx, '*', 'everyone: limit it with a Condition on aws:PrincipalArn')];
  return [
    snippetItem(ctx, '{"AWS": "*"} (k9 style)', '{\n\t"AWS": "*"\n}', 'any principal; name the allowed ones with ArnEquals aws:PrincipalArn'),
    snippetItem(ctx, '{"AWS": [...]}', '{\n\t"AWS": [\n\t\t"${1:arn:aws:iam::111122223333:role/name}"\n\t]\n}', 'explicit principals'),
    snippetItem(ctx, '{"Service": ...}', '{\n\t"Service": "${1:logs.amazonaws.com}"\n}', 'an AWS service principal'),
  ];
}

function awsPrincipalItems(ctx: Ctx): CompletionItem[] {
  return [
    valueItem(ctx, '*', 'any principal (k9 style, with a Condition on aws:PrincipalArn)'),
    snippetItem(ctx, 'arn:aws:iam::<account>:root', '"arn:aws:iam::${1:111122223333}:root"', 'the account: delegates to its IAM policies'),
    snippetItem(ctx, 'arn:aws:iam::<account>:role/<name>', '"arn:aws:iam::${1:111122223333}:role/${2:name}"', 'an IAM role'),
    snippetItem(ctx, 'arn:aws:iam::<account>:user/<name>', '"arn:aws:iam::${1:111122223333}:user/${2:name}"', 'an IAM user'),
  ];
}

function conditionValueItems(ctx: Ctx, operator: string, key: string): CompletionItem[] {
  const parsed = parseOperator(operator);
  const k = conditionKeys.find((c) => c.key.toLowerCase() === key.toLowerCase());
  if (parsed?.base.family === 'Bool' || parsed?.base.family === 'Null' || k?.type === 'Bool') {
    return ['true', 'false'].map((v) => valueItem(ctx, v, ''));
  }
  return [];
}

function snippetItem(ctx: Ctx, label: string, snippet: string, detail: string, kind = CompletionItemKind.Snippet): CompletionItem {
  return {
    label,
    kind,
    detail,
    filterText: ctx.target.inString ? undefined : label,
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range: range(ctx), newText: snippet },
  };
}

// ---- statement snippets ------------------------------------------------------------------

export function escapeSnippet(s: string): string {
  return s.replace(/[\\$}]/g, '\\$&');
}

/** Serializes a statement with tab indentation (clients re-indent snippets) and turns marked values into placeholders. */
function toSnippet(value: Json, placeholders: Record<string, string>): string {
  let text = escapeSnippet(JSON.stringify(value, null, '\t'));
  let n = 1;
  for (const [marker, def] of Object.entries(placeholders)) {
    text = text.replace(quoted(marker), `"\${${n++}:${escapeSnippet(def)}}"`);
  }
  return text;
}

const ADMIN = '@ADMIN@';
const USER = '@USER@';
const ROOT = '@ROOT@';

function statementSnippets(ctx: Ctx): CompletionItem[] {
  const adminArn = 'arn:aws:iam::111122223333:role/key-admin';
  const userArn = 'arn:aws:iam::111122223333:role/app';
  const items: [string, Json, Record<string, string>, string][] = [
    [
      'Key administrators (k9)',
      allowStatement('AllowKeyAdministrators', ['administer-resource', 'read-config'], [ADMIN]),
      { [ADMIN]: adminArn },
      'Allow named principals to administer the key and read its configuration, and nothing else.',
    ],
    [
      'Key users (k9)',
      allowStatement('AllowKeyUsers', ['read-data', 'write-data'], [USER]),
      { [USER]: userArn },
      'Allow named principals to encrypt and decrypt data with the key.',
    ],
    [
      'DenyEveryoneElse',
      denyEveryoneElse([ROOT, ADMIN, USER]),
      { [ROOT]: 'arn:aws:iam::111122223333:root', [ADMIN]: adminArn, [USER]: userArn },
      'Deny every KMS action to anyone not listed, keeping AWS service integrations working.',
    ],
  ];
  return items.map(([label, statement, placeholders, doc], i) => {
    const item = snippetItem(ctx, label, toSnippet(statement, placeholders), 'statement');
    item.documentation = { kind: MarkupKind.Markdown, value: doc + '\n\n```json\n' + JSON.stringify(statement, null, 2) + '\n```' };
    item.sortText = `0${i}`;
    return item;
  });
}

function newPolicySnippet(ctx: Ctx): CompletionItem[] {
  if (ctx.text.trim() !== '') return [];
  const policy: Json = {
    Version: POLICY_VERSION,
    Statement: [
      allowStatement('AllowRestrictedAdministerResource', ['administer-resource', 'read-config'], [ADMIN]),
      allowStatement('AllowRestrictedReadWriteData', ['read-data', 'write-data'], [USER]),
    ],
  };
  const item = snippetItem(
    ctx,
    'New KMS key policy (k9 least privilege)',
    toSnippet(policy, { [ADMIN]: 'arn:aws:iam::111122223333:role/key-admin', [USER]: 'arn:aws:iam::111122223333:role/app' }),
    'key policy',
  );
  return [item];
}
