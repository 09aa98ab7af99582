/**
 * Key policies in Terraform: `policy = jsonencode({...})` (HCL object syntax), `policy = <<EOF`
 * heredoc JSON, and `data "aws_iam_policy_document"` blocks referenced from a key's policy; plus
 * k9's KMS key module read as a capability assignment.
 */
import type { PolicyDocument, Span } from '../policy/model';
import { embeddedPolicy, oneLine, symbolicNode, type PolicyPlace } from './build';
import { attribute, blocks, parseHcl, parseHclExpression, templateText, traversalText, type HclBlock, type HclBody, type HclExpr, type TemplatePart } from './hcl';
import { principalKey, regionParser, transformTree } from './jsonRegion';
import { splitInterpolations, Symbols, type Segment, type SymbolMeaning, type ValueRole } from './symbols';
import { append, makeNode, makeProperty, type TreeNode } from './tree';
import type { IacDocument, IacProblem, K9Module, K9ModuleInput } from './types';
import { BYPASS_RULE_ID, bypassMessage } from './bypassRule';
import { folderDocuments, NO_FOLDER, TERRAFORM_KEY_RESOURCES, type TerraformFolder } from './terraformFolder';

export { TERRAFORM_KEY_RESOURCES };

/** k9's module inputs and the capability each grants. */
export const K9_INPUTS: Readonly<Record<string, string>> = {
  allow_administer_resource_arns: 'administer-resource',
  allow_read_data_arns: 'read-data',
  allow_write_data_arns: 'write-data',
  allow_delete_data_arns: 'delete-data',
};
export const K9_TEST_INPUTS = ['allow_administer_resource_test', 'allow_read_data_test', 'allow_write_data_test', 'allow_delete_data_test'];

export function isK9Source(source: string): boolean {
  const s = source.toLowerCase();
  return s.includes('k9securityio/') && (s.includes('kms-key') || s.includes('kms_key'));
}

/** `folder`: what the other .tf files of the folder (the module) declare; without it, the file is read alone. */
export function terraformDocument(text: string, folder: TerraformFolder = NO_FOLDER): IacDocument {
  const parseRegion = regionParser(text);
  const file = parseHcl(text);
  const problems: IacProblem[] = file.errors.map((e) => ({ code: 'iac-syntax', severity: 'error', span: e.span, message: `Terraform syntax: ${e.message}` }));
  const symbols = new Symbols();
  const policies: PolicyDocument[] = [];
  const modules: K9Module[] = [];
  const documents = new Map<string, HclBlock>();
  const locals = new Map<string, HclExpr>();
  for (const item of file.body.items) {
    if (item.kind !== 'block') continue;
    if (item.type === 'data' && item.labels[0]?.value === 'aws_iam_policy_document' && item.labels[1]) documents.set(item.labels[1].value, item);
    if (item.type === 'locals') for (const a of item.body.items) if (a.kind === 'attribute' && a.expr) locals.set(a.name, a.expr);
  }
  const analyzedDocuments = new Set<string>();
  for (const item of file.body.items) {
    if (item.kind !== 'block') continue;
    if (item.type === 'module') {
      const m = k9Module(item, text);
      if (m) {
        modules.push(m);
        problems.push(...k9Problems(m));
      }
      continue;
    }
    if (item.type !== 'resource' || !TERRAFORM_KEY_RESOURCES.includes(item.labels[0]?.value ?? '')) continue;
    const type = item.labels[0].value;
    const name = item.labels[1]?.value ?? '';
    const policyAttr = attribute(item.body, 'policy');
    const bypass = attribute(item.body, 'bypass_policy_lockout_safety_check');
    const bypassSpan = bypass?.expr?.kind === 'literal' && bypass.expr.value === true ? { start: bypass.span.start, end: bypass.span.end } : undefined;
    if (!policyAttr?.expr) {
      if (bypassSpan) problems.push(bypassProblem(bypassSpan));
      continue;
    }
    let expr: HclExpr = policyAttr.expr;
    if (expr.kind === 'traversal' && expr.root === 'local' && typeof expr.steps[0] === 'string' && expr.steps.length === 1) expr = locals.get(expr.steps[0]) ?? expr;
    const place = (form: PolicyPlace['form'], span: Span, document?: string): PolicyPlace => ({
      kind: 'terraform',
      form,
      resource: `${type}.${name}`,
      resourceType: type,
      resourceSpan: item.labels[1]?.span ?? item.typeSpan,
      resourceFullSpan: item.span,
      span,
      keySpan: policyAttr.nameSpan,
      document,
      bypassLockoutSafetyCheck: bypassSpan,
    });
    const before = policies.length;
    if (expr.kind === 'call' && expr.name === 'jsonencode' && expr.args[0]?.kind === 'object') {
      const obj = expr.args[0];
      symbols.startPolicy();
      const root = hclToTree(obj, false, text, symbols);
      policies.push(embeddedPolicy(text, root, [], place('hcl-object', obj.span), symbols));
    } else if (expr.kind === 'heredoc') {
      if (!expr.closed) {
        // Reported as a syntax error: the rest of the file is its text.
        if (bypassSpan) problems.push(bypassProblem(bypassSpan));
        continue;
      }
      symbols.startPolicy();
      const region = parseRegion(expr.body);
      if (region.root) transformTree(region.root, (n, principal) => (n.type === 'string' && String(n.value).includes('${') ? interpolatedJsonString(n, principal, text, symbols) : undefined));
      policies.push(embeddedPolicy(region.text, region.root, region.errors, place('heredoc-json', expr.body), symbols));
    } else if (expr.kind === 'template' && expr.closed && escapedJsonView(text.slice(expr.span.start + 1, expr.span.end - 1)) !== undefined) {
      // `policy = "{\"Version\": ...}"`: JSON as an escaped string, read in place (no edits offered).
      const body = { start: expr.span.start + 1, end: expr.span.end - 1 };
      symbols.startPolicy();
      const region = parseRegion(body, escapedJsonView(text.slice(body.start, body.end)));
      if (region.root) transformTree(region.root, (n, principal) => (n.type === 'string' && String(n.value).includes('${') ? interpolatedJsonString(n, principal, text, symbols) : undefined));
      policies.push(embeddedPolicy(region.text, region.root, region.errors, { ...place('heredoc-json', body), escapedString: true }, symbols));
    } else {
      // `data.aws_iam_policy_document.x.json`, or one inside `coalesce(var.policy, ...)`: the document, the other arguments unknown.
      let docRef = policyDocumentRef(expr);
      let others: readonly HclExpr[] = [];
      if (!docRef && expr.kind === 'call') {
        const i = expr.args.findIndex((a) => policyDocumentRef(a) !== undefined);
        if (i >= 0) {
          docRef = policyDocumentRef(expr.args[i]);
          others = expr.args.filter((_, j) => j !== i);
        }
      }
      if (docRef) {
        const { name: docName, span: refSpan } = docRef;
        const block = documents.get(docName);
        if (!block) {
          // In another file of the module: analyzed there, at the document's own lines.
          if (folder.documents.has(docName)) {
            if (bypassSpan) problems.push(bypassProblem(bypassSpan));
            continue;
          }
          problems.push({ code: 'iac-syntax', severity: 'info', span: refSpan, message: `data "aws_iam_policy_document" "${docName}" is not in this file, so this key policy is not analyzed here.` });
          if (bypassSpan) problems.push(bypassProblem(bypassSpan));
          continue;
        }
        if (analyzedDocuments.has(docName)) continue;
        analyzedDocuments.add(docName);
        symbols.startPolicy();
        for (const o of others) symbols.unresolved(o.span, `${text.slice(o.span.start, o.span.end)} (in ${expr.kind === 'call' ? expr.name : 'policy'}(), may replace the document)`);
        const root = policyDocumentTree(block, text, symbols);
        policies.push(embeddedPolicy(text, root, [], place('policy-document', block.span, `data.aws_iam_policy_document.${docName}`), symbols));
      } else {
        // file(), templatefile(), var.policy...: the whole policy is unknown here. Say so, never stay silent.
        symbols.startPolicy();
        symbols.unresolved(expr.span, `policy = ${text.slice(expr.span.start, expr.span.end)}`);
        policies.push(embeddedPolicy(text, undefined, [], place('hcl-object', expr.span), symbols));
      }
    }
    if (policies.length === before && bypassSpan && !problems.some((p) => p.span === bypassSpan)) problems.push(bypassProblem(bypassSpan));
  }
  const kmsResource = file.body.items.some((i) => i.kind === 'block' && i.type === 'resource' && (i.labels[0]?.value ?? '').startsWith('aws_kms_'));
  policies.push(...folderDocuments(documents, analyzedDocuments, folder, text, symbols, (block) => policyDocumentTree(block, text, symbols), kmsResource));
  return { kind: 'terraform', policies, problems, modules };
}

/**
 * The JSON object inside a quoted HCL string (`"{\"Version\": ...}"`) as text of the same length,
 * so that offsets stay the file's: each `\"` becomes a quote with a space on its outer side, and
 * `\n`, `\t`, `\r` between tokens two spaces. Undefined when the string is not such JSON, or holds
 * what this cannot carry over (another escape, a directive, an interpolation outside a JSON string).
 */
function escapedJsonView(raw: string): string | undefined {
  if (!raw.trimStart().startsWith('{') || !raw.includes('\\"')) return undefined;
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === '"') {
        out += inString ? '" ' : ' "';
        inString = !inString;
      } else if (!inString && (next === 'n' || next === 't' || next === 'r')) out += '  ';
      else return undefined;
      i++;
      continue;
    }
    if (raw.startsWith('%{', i) || raw.startsWith('$${', i) || (!inString && raw.startsWith('${', i))) return undefined;
    out += c;
  }
  return inString ? undefined : out;
}

/** `data.aws_iam_policy_document.NAME.json` (or `NAME[0].json`): the document's name. */
function policyDocumentRef(expr: HclExpr): { name: string; span: Span } | undefined {
  if (expr.kind !== 'traversal' || expr.root !== 'data' || expr.steps[0] !== 'aws_iam_policy_document' || typeof expr.steps[1] !== 'string') return undefined;
  return { name: expr.steps[1], span: expr.span };
}

function bypassProblem(span: Span): IacProblem {
  return { code: BYPASS_RULE_ID, severity: 'warning', span, message: bypassMessage(true) };
}

// ---- symbols ----------------------------------------------------------------------------------

/** What a Terraform reference stands for. */
export function terraformMeaning(expr: HclExpr | undefined, written: string): SymbolMeaning {
  if (expr?.kind !== 'traversal') return { kind: 'unknown', name: written };
  const steps = expr.steps.map(String);
  const isData = expr.root === 'data';
  const type = isData ? steps[0] : expr.root;
  const rest = isData ? steps.slice(1) : steps;
  const last = rest[rest.length - 1];
  if (type === 'aws_caller_identity' && last === 'account_id') return { kind: 'this-account' };
  if (type === 'aws_partition' && last === 'partition') return { kind: 'partition' };
  if (type === 'aws_region' && (last === 'name' || last === 'region')) return { kind: 'region' };
  if (type === 'aws_partition' && last === 'dns_suffix') return { kind: 'url-suffix' };
  const ref = traversalText(expr) ?? written;
  if ((type === 'aws_iam_role' || type === 'aws_iam_user') && last === 'arn' && rest.length === 2) {
    return { kind: 'principal', type: type === 'aws_iam_role' ? 'role' : 'user', name: ref.slice(0, -'.arn'.length) };
  }
  return { kind: 'unknown', name: ref };
}

function templateSegments(parts: readonly TemplatePart[], text: string): Segment[] | undefined {
  const out: Segment[] = [];
  for (const p of parts) {
    if (p.kind === 'literal') out.push({ lit: p.value });
    else if (p.kind === 'interpolation') {
      const inner = p.expr ? text.slice(p.expr.span.start, p.expr.span.end) : text.slice(p.span.start, p.span.end);
      out.push({ sym: '${' + inner + '}', meaning: terraformMeaning(p.expr, inner) });
    } else return undefined;
  }
  return out;
}

/** A JSON string in a heredoc with `${...}` inside. */
function interpolatedJsonString(node: TreeNode, principal: ValueRole, text: string, symbols: Symbols): TreeNode {
  const raw = String(node.value);
  const segments: Segment[] = splitInterpolations(raw, 'terraform').map((p) => {
    if ('lit' in p) return { lit: p.lit };
    const parsed = parseHclExpression(p.expr);
    return { sym: '${' + p.expr + '}', meaning: terraformMeaning(parsed.errors.length ? undefined : parsed.expr, p.expr) };
  });
  const source = text.slice(node.offset, node.offset + node.length);
  return symbolicNode({ start: node.offset, end: node.offset + node.length }, segments, principal, raw, source, symbols);
}

// ---- HCL object syntax -> tree -----------------------------------------------------------------

export function hclToTree(expr: HclExpr, principal: ValueRole, text: string, symbols: Symbols): TreeNode {
  const source = text.slice(expr.span.start, expr.span.end);
  switch (expr.kind) {
    case 'object': {
      const obj = makeNode('object', expr.span);
      for (const item of expr.items) {
        const key = objectKey(item.key, text);
        // `Statement = var.statements`, `AWS = var.reader_arns`: a variable where a list may stand is not known here.
        // An account key's variable (`"kms:CallerAccount" = local.account_id`) is a symbolic account, as in a template.
        if (item.value?.kind === 'traversal' && VARIABLE_ROOTS.has(item.value.root) && !SCALAR_ELEMENTS.has(key) && principalKey(key) !== 'account') symbols.unresolved(item.value.span, text.slice(item.value.span.start, item.value.span.end));
        const value = item.value ? hclToTree(item.value, principal || principalKey(key), text, symbols) : undefined;
        append(obj, makeProperty(key, item.key.span, item.separator, value));
      }
      return obj;
    }
    case 'tuple': {
      const arr = makeNode('array', expr.span);
      for (const item of expr.items) append(arr, hclToTree(item, principal, text, symbols));
      return arr;
    }
    case 'literal':
      if (expr.value === null) return makeNode('null', expr.span, null);
      return makeNode(typeof expr.value === 'number' ? 'number' : 'boolean', expr.span, expr.value);
    case 'template':
    case 'heredoc': {
      const plain = templateText(expr);
      if (plain !== undefined) return makeNode('string', expr.span, plain);
      const segments = templateSegments(expr.parts, text);
      const inner = expr.kind === 'template' && expr.closed ? source.slice(1, -1) : source;
      if (segments) return symbolicNode(expr.span, segments, principal, inner, source, symbols);
      return opaque(expr.span, source, principal, symbols);
    }
    case 'traversal':
      return symbolicNode(expr.span, [{ sym: source, meaning: terraformMeaning(expr, source) }], principal, source, source, symbols);
    case 'call':
      return callTree(expr, principal, text, symbols) ?? opaque(expr.span, source, principal, symbols);
    default:
      // A `for` expression, or a conditional that picks a list or an object, stands for a
      // structure not known here; an operator or a conditional between strings is a symbolic value.
      if (/^[[{]/.test(source) || expr.children.some((c) => c.kind === 'tuple' || c.kind === 'object')) symbols.unresolved(expr.span, source);
      return opaque(expr.span, source, principal, symbols);
  }
}

/** References whose value is set outside this file: variables, locals, module outputs. */
const VARIABLE_ROOTS = new Set(['var', 'local', 'module']);
/** Policy elements that hold one string, never a list. */
const SCALAR_ELEMENTS = new Set(['Sid', 'Effect', 'Version', 'Id']);

/** Functions that build a list from lists: their literal arguments are read, the others are unknown. */
const LIST_FUNCTIONS = new Set(['concat', 'flatten', 'tolist', 'toset', 'distinct', 'compact', 'sort']);
/** Functions whose value depends on what is not in this file (a file, a variable's keys, a lookup): unknown. */
const UNKNOWN_FUNCTIONS = new Set(['file', 'templatefile', 'jsondecode', 'lookup', 'try', 'coalesce', 'coalescelist', 'element', 'keys', 'values', 'setunion', 'setproduct', 'setsubtract', 'setintersection', 'zipmap', 'transpose', 'chunklist', 'slice', 'reverse', 'matchkeys']);

/**
 * `concat([...], var.extra)`, `flatten([[...], [...]])`, `merge({...}, var.tags)`: the literal
 * parts as a list or an object, each other argument noted as unknown. Undefined for a function
 * whose value is a symbolic scalar (`format(...)`, `join(...)`).
 */
function callTree(expr: Extract<HclExpr, { kind: 'call' }>, principal: ValueRole, text: string, symbols: Symbols): TreeNode | undefined {
  const unknown = (e: HclExpr) => symbols.unresolved(e.span, text.slice(e.span.start, e.span.end));
  if (expr.name === 'merge') {
    const obj = makeNode('object', expr.span);
    for (const arg of expr.args) {
      if (arg.kind !== 'object') {
        unknown(arg);
        continue;
      }
      for (const p of hclToTree(arg, principal, text, symbols).children ?? []) append(obj, p);
    }
    return obj;
  }
  if (LIST_FUNCTIONS.has(expr.name)) {
    const arr = makeNode('array', expr.span);
    const add = (e: HclExpr, nested: boolean) => {
      // `compact(concat([...], var.extra))`: a list function of a list function reads through.
      if (e.kind === 'call' && LIST_FUNCTIONS.has(e.name)) {
        for (const c of [...(callTree(e, principal, text, symbols)?.children ?? [])]) append(arr, c);
        return;
      }
      if (e.kind !== 'tuple') {
        if (nested) append(arr, hclToTree(e, principal, text, symbols));
        else unknown(e);
        return;
      }
      for (const item of e.items) {
        if (expr.name === 'flatten' && item.kind === 'tuple') add(item, false);
        else append(arr, hclToTree(item, principal, text, symbols));
      }
    };
    for (const arg of expr.args) add(arg, false);
    return arr;
  }
  if (expr.name === 'format') {
    const segments = formatSegments(expr, text);
    if (segments) return symbolicNode(expr.span, segments, principal, oneLine(text.slice(expr.span.start, expr.span.end)), text.slice(expr.span.start, expr.span.end), symbols);
  }
  if (UNKNOWN_FUNCTIONS.has(expr.name)) unknown(expr);
  return undefined;
}

/**
 * `format("arn:aws:iam::%s:root", var.account_id)`: the literal format with each verb replaced by
 * its argument, as a template would read (`"arn:aws:iam::${var.account_id}:root"`), so that the
 * root of an account given as a variable is a root delegation like any other. Undefined when the
 * format is not a literal, or uses a verb other than %s, %d, %v and %%.
 */
function formatSegments(expr: Extract<HclExpr, { kind: 'call' }>, text: string): Segment[] | undefined {
  const first = expr.args[0];
  // The format may itself interpolate (`format("arn:${local.partition}:iam::%s:root", ...)`).
  const parts = first?.kind === 'template' || first?.kind === 'heredoc' ? templateSegments(first.parts, text) : undefined;
  if (!parts) return undefined;
  const out: Segment[] = [];
  let lit = '';
  const flush = () => {
    if (lit) out.push({ lit });
    lit = '';
  };
  let next = 1;
  for (const part of parts) {
    if ('sym' in part) {
      flush();
      out.push(part);
      continue;
    }
    const spec = part.lit;
    for (let i = 0; i < spec.length; i++) {
      if (spec[i] !== '%') {
        lit += spec[i];
        continue;
      }
      const verb = spec[++i];
      if (verb === '%') {
        lit += '%';
        continue;
      }
      const arg = expr.args[next++];
      if (!(verb === 's' || verb === 'd' || verb === 'v') || !arg) return undefined;
      const plain = arg.kind === 'literal' ? (arg.value === null ? undefined : String(arg.value)) : templateText(arg);
      if (plain !== undefined) {
        lit += plain;
        continue;
      }
      flush();
      const inner = arg.kind === 'template' || arg.kind === 'heredoc' ? templateSegments(arg.parts, text) : undefined;
      if (inner) out.push(...inner);
      else {
        const written = text.slice(arg.span.start, arg.span.end);
        out.push({ sym: written, meaning: terraformMeaning(arg, written) });
      }
    }
  }
  flush();
  return next === expr.args.length ? out : undefined;
}

/** A list-valued argument (`identifiers`, `actions`, `values`) given as a variable or a function: the list is not known here. */
function listTree(expr: HclExpr, principal: ValueRole, text: string, symbols: Symbols): TreeNode {
  if (expr.kind === 'traversal' && VARIABLE_ROOTS.has(expr.root)) symbols.unresolved(expr.span, text.slice(expr.span.start, expr.span.end));
  return hclToTree(expr, principal, text, symbols);
}

function opaque(span: Span, source: string, principal: ValueRole, symbols: Symbols): TreeNode {
  const written = oneLine(source);
  return symbolicNode(span, [{ sym: written, meaning: { kind: 'unknown', name: written } }], principal, written, source, symbols);
}

function objectKey(key: HclExpr, text: string): string {
  if (key.kind === 'traversal' && key.steps.length === 0) return key.root;
  const plain = templateText(key);
  if (plain !== undefined) return plain;
  if (key.kind === 'other' && key.children.length === 1) return objectKey(key.children[0], text);
  return text.slice(key.span.start, key.span.end);
}

// ---- data "aws_iam_policy_document" -> tree ------------------------------------------------------

const STATEMENT_ATTRIBUTES: Readonly<Record<string, string>> = {
  sid: 'Sid',
  effect: 'Effect',
  actions: 'Action',
  not_actions: 'NotAction',
  resources: 'Resource',
  not_resources: 'NotResource',
};

/** HCL attribute name for a policy element (the reverse of the table above). */
export const POLICY_DOCUMENT_NAMES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(STATEMENT_ATTRIBUTES).map(([k, v]) => [v, k])),
  Principal: 'principals',
  NotPrincipal: 'not_principals',
  Condition: 'condition',
  Version: 'version',
  Id: 'policy_id',
};

export function policyDocumentTree(block: HclBlock, text: string, symbols: Symbols): TreeNode {
  const root = makeNode('object', block.span);
  const at = block.open + 1;
  const version = attribute(block.body, 'version');
  if (version?.expr) append(root, makeProperty('Version', version.nameSpan, version.equals, hclToTree(version.expr, false, text, symbols)));
  else append(root, makeProperty('Version', { start: at, end: at }, undefined, makeNode('string', { start: at, end: at }, '2012-10-17')));
  const id = attribute(block.body, 'policy_id');
  if (id?.expr) append(root, makeProperty('Id', id.nameSpan, id.equals, hclToTree(id.expr, false, text, symbols)));
  const statements = blocks(block.body, 'statement');
  for (const d of blocks(block.body, 'dynamic')) symbols.unresolved(d.span, `dynamic "${d.labels[0]?.value ?? ''}"`);
  for (const name of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
    const a = attribute(block.body, name);
    if (a?.expr) symbols.unresolved(a.span, `${name} = ${text.slice(a.expr.span.start, a.expr.span.end)}`);
  }
  if (statements.length) {
    const array = makeNode('array', { start: statements[0].span.start, end: statements[statements.length - 1].span.end });
    for (const s of statements) append(array, statementTree(s, text, symbols));
    append(root, makeProperty('Statement', statements[0].typeSpan, undefined, array));
  }
  return root;
}

function statementTree(block: HclBlock, text: string, symbols: Symbols): TreeNode {
  const obj = makeNode('object', block.span);
  const body = block.body;
  let hasEffect = false;
  for (const item of body.items) {
    if (item.kind !== 'attribute' || !item.expr) continue;
    const name = STATEMENT_ATTRIBUTES[item.name];
    if (!name) continue;
    if (name === 'Effect') hasEffect = true;
    const value = name === 'Sid' || name === 'Effect' ? hclToTree(item.expr, false, text, symbols) : listTree(item.expr, false, text, symbols);
    append(obj, makeProperty(name, item.nameSpan, item.equals, value));
  }
  for (const d of blocks(body, 'dynamic')) symbols.unresolved(d.span, `dynamic "${d.labels[0]?.value ?? ''}"`);
  if (!hasEffect) {
    // The data source's default.
    const at = block.open + 1;
    append(obj, makeProperty('Effect', { start: at, end: at }, undefined, makeNode('string', { start: at, end: at }, 'Allow')));
  }
  for (const [blockType, element] of [
    ['principals', 'Principal'],
    ['not_principals', 'NotPrincipal'],
  ] as const) {
    const list = blocks(body, blockType);
    if (!list.length) continue;
    const value = makeNode('object', { start: list[0].span.start, end: list[list.length - 1].span.end });
    const byType = new Map<string, { key: Span; values: TreeNode }>();
    for (const p of list) {
      const typeAttr = attribute(p.body, 'type');
      const ids = attribute(p.body, 'identifiers');
      const typeName = templateText(typeAttr?.expr) ?? '';
      if (!typeAttr?.expr || !ids?.expr) continue;
      const converted = listTree(ids.expr, true, text, symbols);
      const existing = byType.get(typeName);
      if (existing) {
        for (const c of converted.type === 'array' ? [...(converted.children ?? [])] : [converted]) append(existing.values, c);
        existing.values.length = Math.max(existing.values.length, converted.offset + converted.length - existing.values.offset);
        continue;
      }
      const values = converted.type === 'array' ? converted : wrapArray(converted);
      byType.set(typeName, { key: typeAttr.expr.span, values });
      append(value, makeProperty(typeName, typeAttr.expr.span, undefined, values));
    }
    append(obj, makeProperty(element, list[0].typeSpan, undefined, value));
  }
  const conditions = blocks(body, 'condition');
  if (conditions.length) {
    const value = makeNode('object', { start: conditions[0].span.start, end: conditions[conditions.length - 1].span.end });
    const byTest = new Map<string, TreeNode>();
    for (const c of conditions) {
      const test = attribute(c.body, 'test');
      const variable = attribute(c.body, 'variable');
      const values = attribute(c.body, 'values');
      if (!test?.expr || !variable?.expr) continue;
      const testName = templateText(test.expr) ?? text.slice(test.expr.span.start, test.expr.span.end);
      const variableName = templateText(variable.expr) ?? text.slice(variable.expr.span.start, variable.expr.span.end);
      // `test = var.x` or `variable = local.y`: an operator or key we cannot read is unknown, not a typo.
      for (const e of [test.expr, variable.expr]) if (templateText(e) === undefined) symbols.unresolved(e.span, `${e === test.expr ? 'test' : 'variable'} = ${text.slice(e.span.start, e.span.end)}`);
      let operator = byTest.get(testName);
      if (!operator) {
        operator = makeNode('object', c.span);
        byTest.set(testName, operator);
        append(value, makeProperty(testName, test.expr.span, undefined, operator));
      } else {
        operator.length = Math.max(operator.length, c.span.end - operator.offset);
      }
      const converted = values?.expr ? listTree(values.expr, principalKey(variableName), text, symbols) : undefined;
      append(operator, makeProperty(variableName, variable.expr.span, undefined, converted));
    }
    append(obj, makeProperty('Condition', conditions[0].typeSpan, undefined, value));
  }
  // Keep properties in source order, as jsonc-parser would.
  obj.children!.sort((a, b) => a.offset - b.offset);
  return obj;
}

function wrapArray(node: TreeNode): TreeNode {
  const arr = makeNode('array', { start: node.offset, end: node.offset + node.length });
  append(arr, node);
  return arr;
}

// ---- k9's module -----------------------------------------------------------------------------

function k9Module(block: HclBlock, text: string): K9Module | undefined {
  const source = templateText(attribute(block.body, 'source')?.expr);
  if (!source || !isK9Source(source)) return undefined;
  const inputs: K9ModuleInput[] = [];
  for (const item of block.body.items) {
    if (item.kind !== 'attribute' || !item.name.startsWith('allow_')) continue;
    const principals: K9ModuleInput['principals'][number][] = [];
    const list = item.expr?.kind === 'tuple' ? item.expr.items : item.expr ? [item.expr] : [];
    for (const e of list) {
      const plain = templateText(e);
      principals.push({ value: plain ?? oneLine(text.slice(e.span.start, e.span.end)), span: e.span, symbolic: plain === undefined });
    }
    inputs.push({
      name: item.name,
      nameSpan: item.nameSpan,
      valueSpan: item.expr?.span ?? { start: item.equals + 1, end: item.equals + 1 },
      capability: K9_INPUTS[item.name],
      principals,
    });
  }
  return { name: block.labels[0]?.value ?? '', span: block.span, nameSpan: block.labels[0]?.span ?? block.typeSpan, bodySpan: { start: block.open, end: block.close ?? block.span.end }, source, inputs };
}

/** k9's module read as an assignment: it must name an administrator, and literal ARNs must be ARNs. */
function k9Problems(m: K9Module): IacProblem[] {
  const out: IacProblem[] = [];
  const admin = m.inputs.find((i) => i.capability === 'administer-resource');
  if (!admin || admin.principals.length === 0) {
    out.push({
      code: 'lockout',
      severity: 'error',
      span: admin?.nameSpan ?? m.nameSpan,
      message: `module "${m.name}" names no allow_administer_resource_arns: the policy k9's module generates would let nobody call kms:PutKeyPolicy, so nobody could ever change it. List at least one administrator.`,
    });
  }
  for (const input of m.inputs) {
    if (!input.capability) continue;
    for (const p of input.principals) {
      if (p.symbolic || /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):\S+$/.test(p.value)) continue;
      out.push({ code: 'malformed-principal', severity: 'error', span: p.span, message: `"${p.value}" in ${input.name} is not an IAM principal ARN such as "arn:aws:iam::111122223333:role/name"; k9's module matches it against aws:PrincipalArn, so it would never match.` });
    }
  }
  return out;
}

export type { HclBody };
