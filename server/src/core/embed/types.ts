/**
 * Key policies inside IaC files: what was found, where, and in which of the host's syntaxes.
 * Plain data; every span is an offset in the host file.
 */
import type { PolicyDocument, Span } from '../policy/model';

export type IacKind = 'cfn-json' | 'cfn-yaml' | 'terraform';

/**
 * How the policy is written in its host, which decides the syntax of edits:
 * - `json`: a CloudFormation JSON template's KeyPolicy;
 * - `yaml`: a CloudFormation YAML template's KeyPolicy;
 * - `hcl-object`: Terraform `policy = jsonencode({ ... })`;
 * - `heredoc-json`: Terraform `policy = <<EOF ... EOF`;
 * - `policy-document`: Terraform `data "aws_iam_policy_document"` blocks, referenced from a key.
 */
export type PolicyForm = 'json' | 'yaml' | 'hcl-object' | 'heredoc-json' | 'policy-document';

export interface EmbeddedInfo {
  readonly kind: IacKind;
  readonly form: PolicyForm;
  /** The resource that holds the policy: the logical id (CloudFormation) or `aws_kms_key.name` (Terraform). */
  readonly resource: string;
  /** `AWS::KMS::Key`, `aws_kms_key`, ... */
  readonly resourceType: string;
  /** Span of the resource's name (or whole header) in the host. */
  readonly resourceSpan: Span;
  /** Span of the whole resource. */
  readonly resourceFullSpan: Span;
  /** Span of the policy value: the KeyPolicy mapping, the jsonencode object, the heredoc body, the data block. */
  readonly span: Span;
  /** Span of the `KeyPolicy` / `policy` key. */
  readonly keySpan: Span;
  /** For `policy-document`: the data block's address, `data.aws_iam_policy_document.name`. */
  readonly document?: string;
  /** `bypass_policy_lockout_safety_check = true` / `BypassPolicyLockoutSafetyCheck: true`, where it is set. */
  readonly bypassLockoutSafetyCheck?: Span;
  /** Synthetic principal value -> the text as written, for messages. */
  readonly display: Readonly<Record<string, string>>;
  /** Synthetic principal value -> its source text in the host, for edits that keep what the user wrote. */
  readonly source: Readonly<Record<string, string>>;
  /** The size of the JSON AWS receives (minified), for the 32 KB limit. */
  readonly bytes: number;
  /**
   * A CloudFormation policy with `Fn::If` inside: the policy in each branch (condition values ->
   * the policy then). Rules run on each branch; a finding of only some branches says when it holds.
   */
  readonly branches?: readonly PolicyBranch[];
}

export interface PolicyBranch {
  /** The value of each `Fn::If` condition of the policy in this branch. */
  readonly when: readonly (readonly [condition: string, value: boolean])[];
  readonly policy: PolicyDocument;
}

export interface IacProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly span: Span;
  readonly message: string;
}

/** k9's KMS key module, read as a capability assignment (`allow_read_data_arns` ...). */
export interface K9ModuleInput {
  /** `allow_read_data_arns` */
  readonly name: string;
  readonly nameSpan: Span;
  readonly valueSpan: Span;
  /** The capability an `allow_*_arns` input grants; undefined for `allow_*_test` and other inputs. */
  readonly capability?: string;
  /** The principal values listed (literal strings, or references as written). */
  readonly principals: readonly { readonly value: string; readonly span: Span; readonly symbolic: boolean }[];
}

export interface K9Module {
  readonly name: string;
  readonly span: Span;
  readonly nameSpan: Span;
  readonly bodySpan: Span;
  readonly source: string;
  readonly inputs: readonly K9ModuleInput[];
}

/** A document symbol: plain data, the service turns it into LSP DocumentSymbols. */
export interface IacSymbol {
  readonly name: string;
  readonly detail?: string;
  readonly kind: 'key' | 'policy' | 'statement' | 'module' | 'input';
  readonly span: Span;
  readonly selectionSpan: Span;
  readonly children: readonly IacSymbol[];
}

export interface IacDocument {
  readonly kind: IacKind;
  /** One PolicyDocument per key policy found, each with `embedded` set; spans are host offsets. */
  readonly policies: readonly PolicyDocument[];
  /** Parse errors of the host file and IaC-level findings that belong to no policy. */
  readonly problems: readonly IacProblem[];
  readonly modules: readonly K9Module[];
}
