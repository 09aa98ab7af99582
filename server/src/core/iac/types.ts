/**
 * Key policies inside IaC files: what was found, where, and in which of the host's syntaxes.
 * Plain data; every span is an offset in the host file.
 */
import type { EmbeddedInfo, IacKind, PolicyDocument, PolicyForm, Span } from '../policy/model';

export type { EmbeddedInfo, IacKind, PolicyForm };

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
