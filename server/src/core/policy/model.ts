/**
 * The key policy model: what a policy says, with the source span of every element.
 * Spans are plain offsets into the text (end exclusive), so the model is serializable and
 * free of any editor type.
 */
import type { Node, ParseError } from 'jsonc-parser';
import type { EmbeddedInfo, IacDocument } from '../embed/types';

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
   * then a stable synthetic stand-in (see core/embed/symbols.ts).
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
  /** Set for a policy found inside an IaC file: spans are offsets in that file (see core/embed). */
  readonly embedded?: EmbeddedInfo;
  /** Set for a whole IaC file (CloudFormation, Terraform): the policies in it. The other fields are then empty. */
  readonly iac?: IacDocument;
}
