/**
 * Terraform module folders: a key's `policy = data.aws_iam_policy_document.x.json` (an
 * `aws_kms_key`, `aws_kms_key_policy`, `aws_kms_replica_key`, `aws_kms_external_key`...) may name a
 * policy document written in another `.tf` file of the same folder (one module). The document is
 * analyzed as that key's policy in its own file, at its own lines; a standalone document with KMS
 * actions and principals that no key of the folder uses is analyzed as a key policy when it looks
 * like one. Plain data in, plain data out: the Workspace gathers the folder's other files.
 */
import type { PolicyDocument } from '../policy/model';
import { looksLikeKeyPolicy } from '../policy/recognize';
import { embeddedPolicy } from './build';
import { attribute, parseHcl, type HclBlock, type HclFile } from './hcl';
import type { Symbols } from './symbols';

/** What the other `.tf` files of a folder declare that a file's analysis needs. */
export interface TerraformFolder {
  /** Policy document names (`data "aws_iam_policy_document" "<name>"`) declared in the other files. */
  readonly documents: ReadonlySet<string>;
  /** The first key resource of the other files whose policy is the document, by document name. */
  readonly keys: ReadonlyMap<string, { readonly resource: string; readonly resourceType: string }>;
  /**
   * The module is about KMS: another file of it declares a KMS resource, or its path names KMS
   * (`terraform-aws-kms-key/k9policy/main.tf`). A standalone policy document with principals whose
   * actions are not literal (`actions = local.read_data`) is then taken for a key policy.
   */
  readonly kmsModule?: boolean;
}

export const NO_FOLDER: TerraformFolder = { documents: new Set(), keys: new Map() };

/** Does a path name KMS: the file's name, its folder's or the parent folder's has `kms` as a word (`k9-kms-key`, `kms_policy`)? */
export function pathNamesKms(path: string): boolean {
  return path
    .split(/[\\/]/)
    .slice(-3)
    .some((part) => /(^|[^a-z0-9])kms([^a-z]|$)/i.test(part));
}

/** Terraform resources whose `policy` argument is a key policy. */
export const TERRAFORM_KEY_RESOURCES = ['aws_kms_key', 'aws_kms_key_policy', 'aws_kms_replica_key', 'aws_kms_external_key', 'aws_kms_replica_external_key'];

/** The policy document a key's `policy` names (`data.aws_iam_policy_document.<name>.json`), if it names one. */
export function documentReference(block: HclBlock): string | undefined {
  const expr = attribute(block.body, 'policy')?.expr;
  if (expr?.kind !== 'traversal' || expr.root !== 'data' || expr.steps[0] !== 'aws_iam_policy_document' || typeof expr.steps[1] !== 'string') return undefined;
  return expr.steps[1];
}

/** What one file contributes to its folder: its documents, and its keys' document references. */
export interface TerraformDeclarations {
  readonly documents: readonly string[];
  readonly keys: readonly (readonly [string, { readonly resource: string; readonly resourceType: string }])[];
  /** The file declares a KMS resource (`aws_kms_*`). */
  readonly kms?: boolean;
}

export function terraformDeclarations(text: string): TerraformDeclarations {
  const file: HclFile = parseHcl(text);
  const documents: string[] = [];
  const keys: [string, { resource: string; resourceType: string }][] = [];
  let kms = false;
  for (const item of file.body.items) {
    if (item.kind !== 'block') continue;
    if (item.type === 'resource' && item.labels[0]?.value.startsWith('aws_kms_')) kms = true;
    if (item.type === 'data' && item.labels[0]?.value === 'aws_iam_policy_document' && item.labels[1]) documents.push(item.labels[1].value);
    if (item.type === 'resource' && TERRAFORM_KEY_RESOURCES.includes(item.labels[0]?.value ?? '')) {
      const doc = documentReference(item);
      if (doc) keys.push([doc, { resource: `${item.labels[0].value}.${item.labels[1]?.value ?? ''}`, resourceType: item.labels[0].value }]);
    }
  }
  return { documents, keys, kms };
}

/** The folder as the other files (in a stable order) declare it. */
export function terraformFolder(others: readonly TerraformDeclarations[]): TerraformFolder {
  const documents = new Set<string>();
  const keys = new Map<string, { resource: string; resourceType: string }>();
  for (const d of others) {
    for (const name of d.documents) documents.add(name);
    for (const [doc, key] of d.keys) if (!keys.has(doc)) keys.set(doc, key);
  }
  return { documents, keys, kmsModule: others.some((d) => d.kms === true) };
}

/**
 * The policy documents of this file that no key of this file analyzed: each one a key of another
 * file uses, analyzed as that key's policy; and each standalone one that looks like a key policy
 * (KMS actions and a principal, or in a KMS module a principal and actions that are not literal),
 * analyzed as one.
 */
export function folderDocuments(
  documents: ReadonlyMap<string, HclBlock>,
  analyzed: ReadonlySet<string>,
  folder: TerraformFolder,
  text: string,
  symbols: Symbols,
  tree: (block: HclBlock) => Parameters<typeof embeddedPolicy>[1],
  /** This file declares a KMS resource. */
  hasKmsResource = false,
): PolicyDocument[] {
  const out: PolicyDocument[] = [];
  const kmsModule = folder.kmsModule === true || hasKmsResource;
  for (const [name, block] of documents) {
    if (analyzed.has(name)) continue;
    const key = folder.keys.get(name);
    symbols.startPolicy();
    const root = tree(block);
    const header = block.labels[1]?.span ?? block.typeSpan;
    const policy = embeddedPolicy(text, root, [], {
      kind: 'terraform',
      form: 'policy-document',
      resource: key?.resource ?? `data.aws_iam_policy_document.${name}`,
      resourceType: key?.resourceType ?? 'aws_iam_policy_document',
      resourceSpan: header,
      resourceFullSpan: block.span,
      span: block.span,
      keySpan: header,
      document: `data.aws_iam_policy_document.${name}`,
    }, symbols);
    const resourcePolicy = policy.statements.some((s) => s.principal || s.notPrincipal);
    // In a KMS module, a resource policy whose actions are all unresolved (`local.actions_read_data`
    // from file()) is a key policy we cannot read: partial-analysis says so rather than silence.
    const unknown = policy.unknown ?? [];
    const isUnknown = (span: { start: number; end: number }) => unknown.some((u) => u.span.start <= span.start && span.end <= u.span.end);
    const actionsUnknown = unknown.length > 0 && policy.statements.length > 0 && policy.statements.every((s) => [...(s.action?.items ?? []), ...(s.notAction?.items ?? [])].every((i) => isUnknown(i.span)));
    if (key || (resourcePolicy && (looksLikeKeyPolicy(policy) || (kmsModule && actionsUnknown)))) out.push(policy);
  }
  return out;
}
