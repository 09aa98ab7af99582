/**
 * File kinds by name, written once: the server's workspace scan and file watcher, the CLI's walk
 * and recognition (`parseDocument`) all read these. Content decides the rest (a JSON file whose
 * Statement uses kms: actions, a template with AWS::KMS::Key).
 */

/** `*.key-policy.json`, `*.kms-policy.json`: key policies by name. */
export const KEY_POLICY_NAME = /\.(key-policy|kms-policy)\.json$/i;
/** `orders.kms-domain.yaml`, `.yml`, `.json`: data domain spec files. */
export const SPEC_NAME = /\.kms-domain\.(json|ya?ml)$/i;
/** Loosely named specs (`x.kms-domain.txt`): a file named on the command line with this is read as a spec. */
export const SPEC_NAME_LOOSE = /\.kms-domain\./i;
/** CloudFormation templates by name (the content decides for other JSON and YAML files). */
export const TEMPLATE_NAME = /\.(template|cfn)\.(json|ya?ml)$|\.template$|\.cfn$/i;
/** Terraform and OpenTofu files. */
export const TERRAFORM_NAME = /\.(tf|tofu)$/i;
/** JSON and YAML files, which may be a key policy or a template by content. */
export const JSON_NAME = /\.json$/i;
export const YAML_NAME = /\.ya?ml$/i;
/** Every file a directory walk reads: the candidates for any kind above. */
export const CANDIDATE_NAME = /\.(json|ya?ml|template|cfn|tf|tofu)$/i;
/** Files the server indexes at start-up and watches: specs and the key policies they may govern. */
export const INDEXED_NAME = /\.(kms-domain\.(json|ya?ml)|key-policy\.json|kms-policy\.json)$/i;
/** INDEXED_NAME as the glob of the server's file watcher. */
export const INDEXED_GLOB = '**/*.{kms-domain.yaml,kms-domain.yml,kms-domain.json,key-policy.json,kms-policy.json}';

/** Terraform files, watched by the server: a key and its policy document may sit in different files of a module folder. */
export const TERRAFORM_GLOB = '**/*.{tf,tofu}';

/** Folders never searched (dependencies, VCS, build output): by the CLI and the server's workspace scan. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', '.git', '.terraform', 'cdk.out', '.cache', 'dist', 'out']);

/** `orders.kms-domain.yaml`, `orders.kms-domain.yml`, `orders.kms-domain.json` (a path or a URI). */
export function isDomainSpecName(pathOrUri: string): boolean {
  return SPEC_NAME.test(pathOrUri);
}

export type NameMatcher = (path: string) => boolean;

/** True when the name alone says this is a key policy: `*.key-policy.json`, `*.kms-policy.json`, or a user glob. */
export function isKeyPolicyName(path: string, extra?: NameMatcher, relativePath?: string): boolean {
  if (KEY_POLICY_NAME.test(path)) return true;
  if (!extra) return false;
  return extra(path) || (relativePath !== undefined && extra(relativePath));
}

/** The path of a URI (`file:///a/b.json` -> `/a/b.json`), decoded; a path is returned as it is. */
export function uriPath(uri: string): string {
  const withoutScheme = uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  try {
    return decodeURIComponent(withoutScheme);
  } catch {
    return withoutScheme;
  }
}
