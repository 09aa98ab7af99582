/**
 * The wire protocol between the VS Code client and the server beyond LSP: command ids and the
 * shapes of their arguments and results. Types and string constants only, no imports: the client
 * bundles it, and the server answers initialize from it before any analysis code is loaded.
 */

/** `workspace/executeCommand` ids the server answers, the client command the server offers, and the custom request. */
export const COMMANDS = {
  /** Arguments `[ApplyArgs]`: the least-privilege rewrite of an open key policy. */
  applyLeastPrivilege: 'kmsPolicy.applyLeastPrivilege',
  /** Arguments `[{ uri: <spec URI> }]`: write the key policy the spec generates. */
  generateKeyPolicy: 'kmsPolicy.generateKeyPolicy',
  /** Arguments `[{ uri: <key policy URI> }]`: a domain spec beside the policy, from its effective access. */
  createDomainSpec: 'kmsPolicy.createDomainSpec',
  /** Request `SuggestParams` -> `SuggestResult | null`. */
  suggestAssignment: 'kmsPolicy/suggestAssignment',
} as const;

/** The VS Code client's own commands (package.json `contributes.commands`). */
export const CLIENT_COMMANDS = {
  /** The interactive rewrite (quick picks), offered in code actions only to clients that have it. Arguments `[uri]`. */
  rewriteLeastPrivilege: 'kmsPolicy.rewriteLeastPrivilege',
  generateKeyPolicyFromSpec: 'kmsPolicy.generateKeyPolicyFromSpec',
  createDomainSpecFromPolicy: 'kmsPolicy.createDomainSpecFromPolicy',
  restartServer: 'kmsPolicy.restartServer',
  showOutput: 'kmsPolicy.showOutput',
} as const;

export const INTERACTIVE_REWRITE = CLIENT_COMMANDS.rewriteLeastPrivilege;

export type Capability = 'administer-resource' | 'read-config' | 'read-data' | 'write-data' | 'delete-data';
export type RewriteStyle = 'key-policy-only' | 'delegate-to-iam';
export type PrincipalFormName = 'k9' | 'explicit';

export interface SuggestParams {
  readonly uri: string;
}

/** One principal of the policy: what it holds today and what the suggestion gives it. */
export interface Suggestion {
  readonly principal: string;
  readonly current: readonly string[];
  readonly suggested: readonly string[];
  readonly reason: string;
}

/** A path by or through AWS services the rewrite keeps unless the user drops it (core/rewrite/paths.ts `KeptKind`). */
export interface ServicePath {
  /** What to pass in `dropServices` to drop it: its Sid, else its first service, else its statement number. */
  readonly id: string;
  readonly kind: 'service' | 'service-limited' | 'via-service' | 'aws-resource-grant' | 'guardrail';
  readonly label: string;
  readonly sid?: string;
  readonly actions: readonly string[];
}

export interface SuggestResult {
  readonly principals: readonly Suggestion[];
  readonly style: RewriteStyle;
  readonly capabilities: readonly Capability[];
  /** Paths by and through AWS services the rewrite keeps (pre-checked in the quick pick). */
  readonly servicePaths: readonly ServicePath[];
  /** The key's account root, when the policy says (for the ARNs a user types in). */
  readonly accountRoot?: string;
}

export interface ApplyArgs {
  readonly uri: string;
  readonly version?: number;
  readonly style?: RewriteStyle;
  readonly principalForm?: PrincipalFormName;
  readonly assignment: readonly { principal: string; capabilities: readonly string[] }[];
  /** Kept paths to drop all the same (their Sids, services or kms:ViaService values), as `kms-policy fix --drop-service`. */
  readonly dropServices?: readonly string[];
  /** Compute the edit and its summary, apply nothing (the client shows the summary first). */
  readonly dryRun?: boolean;
}

export interface UriArgs {
  readonly uri: string;
}

/** What the server's executeCommand answers. */
export interface CommandResult {
  readonly applied: boolean;
  readonly uri?: string;
  readonly message?: string;
  /** `applyLeastPrivilege`: each principal and path, with what it keeps and what it loses. */
  readonly summary?: readonly string[];
}
