/**
 * The language features for key policies inside CloudFormation templates and Terraform files.
 * Each feature finds the embedded policy at the position and runs the same feature as for a
 * policy file on it (spans are already host offsets); what it writes comes out in the host's
 * syntax (YAML, JSON, HCL object syntax or `aws_iam_policy_document` blocks).
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CodeAction,
  type CodeActionContext,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-types';
import { actionsOfCapability, CAPABILITY_INFO, type Capability } from '../core/catalog/catalog';
import { fromShadow, restoreSources, shadowOf, toShadowSpan } from '../core/iac/hostEdits';
import { policyAt } from '../core/iac/index';
import { locator } from '../core/iac/locate';
import { iacOutline } from '../core/iac/outline';
import { displayMessage } from '../core/iac/rules';
import type { IacFile } from '../core/document';
import { hclString, yamlString, yamlValue, type Json } from '../core/iac/serialize';
import { K9_INPUTS, K9_TEST_INPUTS, POLICY_DOCUMENT_NAMES } from '../core/iac/terraform';
import type { IacDocument, IacSymbol, K9Module, PolicyForm } from '../core/iac/types';
import type { PolicyDocument, Span } from '../core/policy/model';
import { doComplete } from './completion';
import { fromTextEdits, toTextEdits } from './textEdits';
import { doHover } from './hover';

const EMPTY: CompletionList = { isIncomplete: false, items: [] };

function iacOf(file: IacFile): IacDocument {
  return file.iac;
}

function range(document: TextDocument, span: Span): Range {
  return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
}

// ---- hover ------------------------------------------------------------------------------------

export function iacHover(document: TextDocument, position: Position, host: IacFile): Hover | null {
  const offset = document.offsetAt(position);
  const iac = iacOf(host);
  for (const m of iac.modules) {
    const input = m.inputs.find((i) => i.nameSpan.start <= offset && offset <= i.nameSpan.end);
    if (input) {
      const markdown = k9InputMarkdown(input.name);
      return markdown ? { contents: { kind: MarkupKind.Markdown, value: markdown }, range: range(document, input.nameSpan) } : null;
    }
  }
  const policy = policyAt(iac, offset);
  const hover = policy ? doHover(document, position, policy) : null;
  // Principals as written (`!GetAtt AppRole.Arn`), not as their synthetic stand-ins.
  if (hover && policy && typeof hover.contents === 'object' && 'value' in hover.contents) {
    return { ...hover, contents: { ...hover.contents, value: displayMessage(policy, hover.contents.value) } };
  }
  return hover;
}

function capabilityMarkdown(capability: Capability): string {
  const actions = actionsOfCapability(capability).map((a) => '`' + a.fullName + '`');
  return `**${capability}**: ${CAPABILITY_INFO[capability].meaning}\n\n${actions.length} KMS actions: ${actions.join(', ')}`;
}

function k9InputMarkdown(name: string): string | undefined {
  const capability = K9_INPUTS[name] as Capability | undefined;
  if (capability) {
    return `**${name}** (k9 KMS key module): the principal ARNs that get the **${capability}** capability. The module writes one Allow statement with these ARNs in an \`ArnEquals\` (or \`ArnLike\`) condition on \`aws:PrincipalArn\`, and denies everyone else.\n\n${capabilityMarkdown(capability)}`;
  }
  if (K9_TEST_INPUTS.includes(name)) {
    return `**${name}** (k9 KMS key module): the condition operator for the matching \`allow_*_arns\` input: \`ArnEquals\` (the default) for exact ARNs, or \`ArnLike\` when an ARN holds a wildcard.`;
  }
  return undefined;
}

// ---- completion ---------------------------------------------------------------------------------

export function iacComplete(document: TextDocument, position: Position, host: IacFile): CompletionList {
  const offset = document.offsetAt(position);
  const iac = iacOf(host);
  const module = iac.modules.find((m) => m.bodySpan.start < offset && offset <= m.bodySpan.end);
  if (module) return k9Completion(document, offset, module);
  const policy = policyAt(iac, offset);
  const form = policy?.embedded?.form;
  if (!policy || !form || policy.embedded?.escapedString) return EMPTY;
  if (form === 'json' || form === 'heredoc-json') return doComplete(document, position, policy);
  const list = doComplete(document, position, policy, { locate: locator(policy) });
  const text = document.getText();
  return { isIncomplete: list.isIncomplete, items: list.items.map((i) => toHost(i, form, text, document)).filter((i): i is CompletionItem => i !== undefined) };
}

const YAML_VALUES: Readonly<Record<string, string>> = {
  Version: " '2012-10-17'",
  Id: ' ${1:key-policy}',
  Statement: '\n\t- $0',
  Sid: ' $1',
  Effect: ' ${1|Allow,Deny|}',
  Principal: '\n\tAWS: $1',
  NotPrincipal: '\n\tAWS: $1',
  Action: '\n\t- $1',
  NotAction: '\n\t- $1',
  Resource: " '*'",
  NotResource: ' $1',
  Condition: '\n\t$1:\n\t\t$2: $3',
};

const POLICY_DOCUMENT_SNIPPETS: Readonly<Record<string, string>> = {
  Version: 'version = "2012-10-17"',
  Id: 'policy_id = "$1"',
  Statement: 'statement {\n\t$0\n}',
  Sid: 'sid = "$1"',
  Effect: 'effect = "${1|Allow,Deny|}"',
  Action: 'actions = [\n\t"$1",\n]',
  NotAction: 'not_actions = [\n\t"$1",\n]',
  Resource: 'resources = ["*"]',
  NotResource: 'not_resources = ["$1"]',
  Principal: 'principals {\n\ttype        = "${1|AWS,Service|}"\n\tidentifiers = ["$2"]\n}',
  NotPrincipal: 'not_principals {\n\ttype        = "${1|AWS,Service|}"\n\tidentifiers = ["$2"]\n}',
  Condition: 'condition {\n\ttest     = "$1"\n\tvariable = "$2"\n\tvalues   = ["$3"]\n}',
};

function escapeSnippet(s: string): string {
  return s.replace(/[\\$}]/g, '\\$&');
}

/** One completion item from JSON syntax to the host's. */
function toHost(item: CompletionItem, form: PolicyForm, text: string, document: TextDocument): CompletionItem | undefined {
  const edit = item.textEdit && 'range' in item.textEdit ? item.textEdit : undefined;
  if (!edit) return item;
  const start = document.offsetAt(edit.range.start);
  const quote = text[start] === '"' || text[start] === "'" ? text[start] : '';
  const newText = edit.newText;
  const snippet = item.insertTextFormat === InsertTextFormat.Snippet;
  const out: CompletionItem = { ...item, textEdit: { ...edit } };
  const set = (t: string, filter?: string) => {
    (out.textEdit as TextEdit).newText = t;
    if (filter !== undefined) out.filterText = filter;
  };
  // A plain value: "kms:Decrypt"
  if (!snippet && /^"(?:[^"\\]|\\.)*"$/.test(newText)) {
    const value = JSON.parse(newText) as string;
    if (form === 'yaml') {
      const y = quote === '"' ? newText : quote === "'" ? `'${value.replace(/'/g, "''")}'` : yamlString(value);
      set(y, quote ? y : value);
    } else set(hclString(value));
    return out;
  }
  const key = /^"((?:[^"\\]|\\.)*)"(: ([\s\S]*?))?(,?)$/.exec(newText);
  const isElement = item.kind === CompletionItemKind.Property;
  if (key && (isElement || item.kind === CompletionItemKind.Operator || item.kind === CompletionItemKind.Variable)) {
    const name = String(item.label);
    const value = key[3];
    const hasValue = key[2] !== undefined;
    if (form === 'policy-document') {
      // Operators, condition keys and principal types are string values of test / variable / type here.
      if (!isElement || !(name in POLICY_DOCUMENT_SNIPPETS)) {
        if (!quote && item.kind !== CompletionItemKind.Property) return undefined;
        set(escapeSnippet(hclString(name)));
        return out;
      }
      if (quote) return undefined;
      set(POLICY_DOCUMENT_SNIPPETS[name], name.toLowerCase());
      out.label = POLICY_DOCUMENT_NAMES[name] ?? name;
      return out;
    }
    if (form === 'yaml') {
      const k = escapeSnippet(yamlString(name));
      if (!hasValue) {
      set(k, quote ? undefined : name);
      return out;
    }
      let v = YAML_VALUES[name];
      if (v === undefined) {
        if (item.kind === CompletionItemKind.Operator) v = '\n\t$1: $2';
        else if (value?.includes('true,false')) v = ' ${1|true,false|}';
        else if (value?.startsWith('[')) v = '\n\t- $1';
        else v = ' $1';
      }
      set(k + ':' + v, name);
      return out;
    }
    // HCL object syntax: JSON values are valid HCL expressions; keys become `Key =`.
    const k = /^[A-Za-z_][\w-]*$/.test(name) ? name : escapeSnippet(hclString(name));
    if (!hasValue) {
      set(quote ? escapeSnippet(hclString(name)) : k, quote ? undefined : name);
      return out;
    }
    set(k + ' = ' + hclObjectSnippet(value ?? '') + key[4], name);
    return out;
  }
  if (snippet) {
    const converted = convertSnippet(newText, form);
    if (converted === undefined) return undefined;
    set(converted);
    return out;
  }
  return out;
}

/** `"Key": value` lines of a JSON snippet as HCL `Key = value`. */
function hclObjectSnippet(s: string): string {
  return s.replace(/^(\s*)"([A-Za-z_][\w-]*)": /gm, '$1$2 = ').replace(/^(\s*)("(?:[^"\\]|\\.)*"): /gm, '$1$2 = ');
}

/** A JSON snippet (principal values, statements) in the host's syntax, placeholders kept. */
function convertSnippet(snippetText: string, form: PolicyForm): string | undefined {
  if (form === 'hcl-object') return hclObjectSnippet(snippetText);
  if (form !== 'yaml') return undefined;
  const placeholders: string[] = [];
  const marked = snippetText.replace(/\$\{\d+(?::(?:[^}\\]|\\.)*|\|[^|]*\|)?\}|\$\d+/g, (m) => `@@${placeholders.push(m) - 1}@@`);
  let value: Json;
  try {
    value = JSON.parse(marked.replace(/\\([\\$}])/g, '$1')) as Json;
  } catch {
    return undefined;
  }
  const y = yamlValue(value, '\t', { unit: '\t', eol: '\n' });
  return escapeYamlSnippet(y).replace(/'?@@(\d+)@@'?/g, (_m, i: string) => placeholders[Number(i)]);
}

function escapeYamlSnippet(s: string): string {
  return s.replace(/[\\$}]/g, (c, i: number, all: string) => (all.startsWith('@@', i) ? c : '\\' + c));
}

function k9Completion(document: TextDocument, offset: number, module: K9Module): CompletionList {
  const text = document.getText();
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(ls, offset);
  const r = (start: number) => ({ start: document.positionAt(start), end: document.positionAt(offset) });
  const typedKey = /^\s*([A-Za-z_][\w-]*)?$/.exec(before);
  if (typedKey) {
    const typed = typedKey[1] ?? '';
    const present = new Set(module.inputs.map((i) => i.name));
    const names = [...Object.keys(K9_INPUTS), ...K9_TEST_INPUTS].filter((n) => !present.has(n) || n === typed);
    return {
      isIncomplete: false,
      items: names.map((n, i) => ({
        label: n,
        kind: CompletionItemKind.Property,
        detail: K9_INPUTS[n] ? `k9: ${K9_INPUTS[n]}` : 'k9: condition operator',
        documentation: { kind: MarkupKind.Markdown, value: k9InputMarkdown(n) ?? '' },
        sortText: String(i).padStart(2, '0'),
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range: r(offset - typed.length), newText: K9_INPUTS[n] ? `${n} = [\n\t"\${1:arn:aws:iam::111122223333:role/name}",\n]` : `${n} = "\${1|ArnEquals,ArnLike|}"` },
      })),
    };
  }
  const test = /(allow_\w+_test)\s*=\s*"([^"]*)$/.exec(before);
  if (test) {
    return {
      isIncomplete: false,
      items: ['ArnEquals', 'ArnLike'].map((v) => ({ label: v, kind: CompletionItemKind.Value, textEdit: { range: r(offset - test[2].length), newText: v } })),
    };
  }
  return EMPTY;
}

// ---- code actions ------------------------------------------------------------------------------

export type CodeActionRunner = (document: TextDocument, range: Range, context: CodeActionContext, policy: PolicyDocument) => CodeAction[];

/** Quick fixes and refactorings of the policy at the range, with their edits in the host's syntax. */
export function iacCodeActions(document: TextDocument, r: Range, context: CodeActionContext, host: IacFile, run: CodeActionRunner, rewrite?: CodeActionRunner): CodeAction[] {
  const iac = iacOf(host);
  const offset = document.offsetAt(r.start);
  const policy = policyAt(iac, offset) ?? iac.policies.find((p) => context.diagnostics.some((d) => within(p, document.offsetAt(d.range.start))));
  if (!policy?.embedded) return [];
  const diagnostics = context.diagnostics.filter((d) => within(policy, document.offsetAt(d.range.start)));
  // The rewrite edits the host itself (kept statements stay exactly as written); the other fixes run on JSON.
  const rewritten = rewrite ? rewrite(document, r, { ...context, diagnostics }, policy).filter((a) => !a.command) : [];
  return [...rewritten, ...iacFixes(document, r, context, policy, diagnostics, rewrite ? (d, x, c, p) => run(d, x, c, p).filter((a) => !a.title.startsWith(REWRITE_TITLE)) : run)];
}

const REWRITE_TITLE = 'Rewrite to least privilege';

function iacFixes(document: TextDocument, r: Range, context: CodeActionContext, policy: PolicyDocument, diagnostics: Diagnostic[], run: CodeActionRunner): CodeAction[] {
  const form = policy.embedded!.form;
  const uri = document.uri;
  if (policy.embedded!.escapedString) return []; // edits would have to be escaped: none offered
  if (form === 'json' || form === 'heredoc-json') {
    return run(document, r, { ...context, diagnostics }, policy)
      .filter((a) => !a.command)
      .map((a) => mapEdits(a, uri, (edits) => toTextEdits(document, restoreSources(policy, fromTextEdits(document, edits)))));
  }
  const shadow = shadowOf(policy);
  const shadowDoc = TextDocument.create(uri, 'json', document.version, shadow.policy.text);
  const toShadowRange = (hr: Range): Range | undefined => {
    const span = toShadowSpan(policy, shadow, { start: document.offsetAt(hr.start), end: document.offsetAt(hr.end) });
    return span && { start: shadowDoc.positionAt(span.start), end: shadowDoc.positionAt(span.end) };
  };
  const mapped: Diagnostic[] = [];
  const original = new Map<Diagnostic, Diagnostic>();
  for (const d of diagnostics) {
    const sr = toShadowRange(d.range);
    if (!sr) continue;
    const sd = { ...d, range: sr };
    mapped.push(sd);
    original.set(sd, d);
  }
  const shadowRange = toShadowRange(r) ?? { start: shadowDoc.positionAt(0), end: shadowDoc.positionAt(0) };
  const actions = run(shadowDoc, shadowRange, { ...context, diagnostics: mapped }, shadow.policy);
  const out: CodeAction[] = [];
  for (const a of actions) {
    if (a.command) continue; // interactive commands work on whole policy files
    const edits = a.edit?.changes?.[uri];
    const diags = a.diagnostics?.map((d) => original.get(d) ?? d);
    if (!edits) {
      if (a.disabled) out.push({ ...a, diagnostics: diags });
      continue;
    }
    const hostEdits = fromShadow(policy, shadow, fromTextEdits(shadowDoc, edits));
    if (hostEdits.length === 0) continue;
    out.push({ ...a, diagnostics: diags, edit: { changes: { [uri]: toTextEdits(document, hostEdits) } } });
  }
  return out;
}

/** Is the offset inside the embedded policy (or on its resource's lockout-bypass flag)? */
export function within(policy: PolicyDocument, offset: number): boolean {
  const e = policy.embedded;
  return !!e && ((e.span.start <= offset && offset <= e.span.end) || (e.bypassLockoutSafetyCheck !== undefined && e.bypassLockoutSafetyCheck.start === offset));
}

function mapEdits(a: CodeAction, uri: string, f: (edits: TextEdit[]) => TextEdit[]): CodeAction {
  const edits = a.edit?.changes?.[uri];
  return edits ? { ...a, edit: { changes: { [uri]: f(edits) } } } : a;
}

// ---- document symbols ----------------------------------------------------------------------------

const SYMBOL_KIND: Record<IacSymbol['kind'], SymbolKind> = {
  key: SymbolKind.Key,
  policy: SymbolKind.Object,
  statement: SymbolKind.Struct,
  module: SymbolKind.Module,
  input: SymbolKind.Property,
};

export function iacDocumentSymbols(document: TextDocument, host: IacFile): DocumentSymbol[] {
  const convert = (s: IacSymbol): DocumentSymbol => ({
    name: s.name,
    detail: s.detail,
    kind: SYMBOL_KIND[s.kind],
    range: range(document, s.span),
    selectionRange: range(document, s.selectionSpan),
    children: s.children.map(convert),
  });
  return iacOutline(iacOf(host)).map(convert);
}

