/**
 * The key policy model: what a policy says, with the source span of every element.
 * Spans are plain offsets into the text (end exclusive), so the model is serializable and
 * free of any editor type.
 */
import type { Node, ParseError } from 'jsonc-parser';

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A scalar as written: strings keep their text; numbers and booleans are stringified with `literal: false`. */
export interface ScalarValue {
  readonly value: string;
  /** Span of the whole token, quotes included. */
  readonly span: Span;
  /** True when written as a JSON string. */
  readonly literal: boolean;
  /**
   * Set for a policy embedded in an IaC file when the value is an intrinsic or a reference
   * (`!GetAtt AppRole.Arn`, `aws_iam_role.ci.arn`): the text as written, for messages. `value` is
   * then a stable synthetic stand-in (see core/iac/symbols.ts).
   */
  readonly written?: string;
}

/** An element that IAM lets you write as one string or as an array of strings. */
export interface ValueList {
  readonly span: Span;
  readonly isArray: boolean;
  readonly items: readonly ScalarValue[];
  /** Spans of values that are neither strings, numbers nor booleans (objects, arrays, null). */
  readonly wrongTypes: readonly Span[];
}

/** One member of a Principal block: `"AWS": [...]`, `"Service": "..."`. */
export interface PrincipalEntry {
  readonly type: string;
  readonly typeSpan: Span;
  readonly values: ValueList;
}

export interface PrincipalElement {
  readonly span: Span;
  /** Set when the principal is the bare string `"*"` (or any bare string, which AWS rejects unless it is `*`). */
  readonly bare?: ScalarValue;
  readonly entries: readonly PrincipalEntry[];
  /** True when the value is neither a string nor an object. */
  readonly wrongType: boolean;
}

export interface ConditionClause {
  readonly operator: ScalarValue;
  readonly key: ScalarValue;
  readonly values: ValueList;
}

/** A property as written: its key, key span and value span. Used for grammar checks and completion. */
export interface PropertyInfo {
  readonly name: string;
  readonly keySpan: Span;
  readonly valueSpan?: Span;
  readonly valueType?: Node['type'];
}

export interface Statement {
  readonly index: number;
  readonly span: Span;
  readonly properties: readonly PropertyInfo[];
  readonly sid?: ScalarValue;
  readonly effect?: ScalarValue;
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  readonly action?: ValueList;
  readonly notAction?: ValueList;
  readonly resource?: ValueList;
  readonly notResource?: ValueList;
  readonly condition?: {
    readonly span: Span;
    readonly clauses: readonly ConditionClause[];
    /** Operators whose value is not an object of condition keys (`"StringEquals": "x"`). */
    readonly notObjects: readonly { readonly operator: string; readonly span: Span }[];
  };
}

/** A key that an earlier key of the same object already has: AWS rejects the policy. */
export interface DuplicateKey {
  readonly name: string;
  readonly span: Span;
  /** The first key of that name in the object. */
  readonly first: Span;
}

/**
 * A part of the policy the analysis could not read or resolve: statements after a syntax error,
 * a Terraform `dynamic` block or `concat(var.x)`, a CloudFormation `Fn::ImportValue`... Unknown is
 * not absent: while a policy has one, findings that claim something is missing (lockout, no
 * DenyEveryoneElse) are not reported, and one info finding names what was not evaluated.
 */
export interface UnknownPart {
  readonly span: Span;
  /** What it is, as written or described: `dynamic "statement"`, `concat(..., var.extra)`. */
  readonly what: string;
}

export interface PolicyDocument {
  readonly text: string;
  /**
   * The jsonc-parser tree, for position-based features. Undefined for empty or hopeless text.
   * parsePolicy reads each statement of a Statement array into the model as it is parsed and
   * keeps only its node, with no children (a stub): a parse holds the model and not a second copy
   * of the policy as a tree. `locateNode` (parse.ts) parses a stub's text again when a feature
   * needs a position inside it.
   */
  readonly root: Node | undefined;
  readonly syntaxErrors: readonly ParseError[];
  /** Duplicate keys anywhere in the document, found while parsing. */
  readonly duplicateKeys: readonly DuplicateKey[];
  /** Set when parsing gave up (for example, nesting too deep to walk safely). */
  readonly fatal?: string;
  readonly properties: readonly PropertyInfo[];
  readonly version?: ScalarValue;
  readonly id?: ScalarValue;
  /** Span of the Statement value, if present. */
  readonly statementSpan?: Span;
  readonly statements: readonly Statement[];
  /** Parts not analyzed (see UnknownPart); absent when the whole policy is known. */
  readonly unknown?: readonly UnknownPart[];
  /** Set when the text is a template (`%{ for ... }` outside strings where JSON is expected): the directive that makes it one. */
  readonly templateDirective?: { readonly span: Span; readonly text: string };
  /** Set for a policy found inside an IaC file: spans are offsets in that file (see core/iac). */
  readonly embedded?: EmbeddedInfo;
}

// ---- where a policy found inside an IaC file sits (core/iac fills these in) ----------------------

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
  /**
   * Terraform `policy = "{\"Version\": ...}"`: JSON written as an escaped HCL string. It is read
   * (its spans are close to exact: a string's range ends on its closing backslash), but no edit is
   * offered, since edits would have to be escaped.
   */
  readonly escapedString?: true;
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

