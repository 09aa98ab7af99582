/**
 * The one parse entry: `parseDocument(uri, text)` reads any file we serve into one of three kinds.
 * - `policy`: a key policy file (JSON), one `PolicyDocument`;
 * - `iac`: a CloudFormation template or Terraform file, with its embedded `PolicyDocument`s
 *   (spans are offsets in the file);
 * - `spec`: a data domain spec.
 * A `PolicyDocument` is only ever a policy. Whether a file is served at all (a JSON file that is no
 * key policy, a template with no key) is the Workspace's call (`isServed`).
 */
import { isDomainSpecName, uriPath } from './fileKinds';
import { analyzeIac, classify, isRelevantIac, type TerraformFolder } from './iac/index';
import { NO_FOLDER, pathNamesKms } from './iac/terraformFolder';
import type { IacDocument } from './iac/types';
import type { PolicyDocument } from './policy/model';
import { parsePolicy } from './policy/parse';
import { looksLikeKeyPolicy } from './policy/recognize';
import type { DomainSpec } from './spec/model';
import { specFormatOf } from './spec/model';
import { parseSpec } from './spec/parse';

export interface PolicyFile {
  readonly kind: 'policy';
  readonly uri: string;
  readonly text: string;
  readonly policy: PolicyDocument;
}

export interface IacFile {
  readonly kind: 'iac';
  readonly uri: string;
  readonly text: string;
  /** The key policies found (each with `embedded` set), the host's problems and k9 modules. */
  readonly iac: IacDocument;
}

export interface SpecFile {
  readonly kind: 'spec';
  readonly uri: string;
  readonly text: string;
  readonly spec: DomainSpec;
}

export type ParsedFile = PolicyFile | IacFile | SpecFile;

export interface ParseContext {
  /** For a Terraform file: what the other .tf files of its folder (module) declare. */
  readonly terraformFolder?: TerraformFolder;
}

export function parseDocument(uri: string, text: string, context: ParseContext = {}): ParsedFile {
  const path = uriPath(uri);
  if (isDomainSpecName(path)) return { kind: 'spec', uri, text, spec: parseSpec(text, specFormatOf(path)) };
  const iacKind = classify(path, text);
  if (iacKind === 'terraform') {
    const folder = context.terraformFolder ?? NO_FOLDER;
    return { kind: 'iac', uri, text, iac: analyzeIac(text, iacKind, folder.kmsModule || !pathNamesKms(path) ? folder : { ...folder, kmsModule: true }) };
  }
  if (iacKind) return { kind: 'iac', uri, text, iac: analyzeIac(text, iacKind) };
  return { kind: 'policy', uri, text, policy: parsePolicy(text) };
}

/** Is this a file we analyze by its content: a template or .tf file with a key policy (or broken, naming KMS keys), a JSON policy using kms: actions? Specs always are. */
export function servedByContent(file: ParsedFile): boolean {
  switch (file.kind) {
    case 'spec':
      return true;
    case 'iac':
      return isRelevantIac(file.iac, file.text);
    case 'policy':
      return looksLikeKeyPolicy(file.policy);
  }
}

/** The policies of a file: its own, or those embedded in it. */
export function policiesOf(file: ParsedFile): readonly PolicyDocument[] {
  return file.kind === 'policy' ? [file.policy] : file.kind === 'iac' ? file.iac.policies : [];
}
