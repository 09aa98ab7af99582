/**
 * Key policies inside IaC files. `classify` decides whether a file is a CloudFormation template
 * or a Terraform file; `analyzeIac` finds its key policies, each a PolicyDocument whose spans are
 * offsets in the file, so every rule and feature works on them unchanged.
 */
import type { PolicyDocument } from '../policy/model';
import { cfnJsonDocument } from './cfnJson';
import { cfnYamlDocument } from './cfnYaml';
import { terraformDocument } from './terraform';
import type { TerraformFolder } from './terraformFolder';

export { terraformDeclarations, terraformFolder, type TerraformDeclarations, type TerraformFolder } from './terraformFolder';
import type { IacDocument, IacKind } from './types';
import { isDomainSpecName, JSON_NAME, KEY_POLICY_NAME, TEMPLATE_NAME, TERRAFORM_NAME, YAML_NAME } from '../fileKinds';

export type { EmbeddedInfo, IacDocument, IacKind, IacProblem, IacSymbol, K9Module, PolicyForm } from './types';


/** The IaC kind of a file, by its name and (for JSON and YAML) its content; undefined when it is none. */
export function classify(path: string, text: string): IacKind | undefined {
  if (TERRAFORM_NAME.test(path)) return 'terraform';
  const json = JSON_NAME.test(path) || (!YAML_NAME.test(path) && text.trimStart().startsWith('{'));
  const named = TEMPLATE_NAME.test(path);
  if (!named && !JSON_NAME.test(path) && !YAML_NAME.test(path)) return undefined;
  if (KEY_POLICY_NAME.test(path) || isDomainSpecName(path)) return undefined;
  if (!named && !hasTemplateMarkers(text)) return undefined;
  return json ? 'cfn-json' : 'cfn-yaml';
}

/**
 * Cheap content check before any parse: a CloudFormation template names `AWSTemplateFormatVersion`,
 * or has `Resources` and an `AWS::` resource type. `analyzeIac` confirms it on the parsed tree.
 */
export function hasTemplateMarkers(text: string): boolean {
  if (text.includes('AWSTemplateFormatVersion')) return true;
  return text.includes('Resources') && /["'\s]AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/.test(text);
}

/** `folder`: for a Terraform file, what the other .tf files of its folder (module) declare. */
export function analyzeIac(text: string, kind: IacKind, folder?: TerraformFolder): IacDocument {
  try {
    switch (kind) {
      case 'terraform':
        return terraformDocument(text, folder);
      case 'cfn-json':
        return cfnJsonDocument(text);
      case 'cfn-yaml':
        return cfnYamlDocument(text);
    }
  } catch (e) {
    return { kind, policies: [], modules: [], problems: [{ code: 'internal-error', severity: 'error', span: { start: 0, end: 0 }, message: `Reading this file failed: ${String(e)}. Please report this.` }] };
  }
}

/** A template or .tf file is ours when it holds a key policy or k9's module, or is a broken file that mentions KMS keys. */
export function isRelevantIac(iac: IacDocument, text: string): boolean {
  if (iac.policies.length > 0 || iac.modules.length > 0) return true;
  return iac.problems.length > 0 && /aws_kms_|AWS::KMS::|k9securityio/.test(text);
}

/** The embedded policy whose span holds `offset`, if any. */
export function policyAt(iac: IacDocument, offset: number): PolicyDocument | undefined {
  return iac.policies.find((p) => p.embedded && p.embedded.span.start <= offset && offset <= p.embedded.span.end);
}
