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
  /** Arguments `[AccessArgs]` -> `AccessPage | null`: the access changes of a document's key policies against its base (HEAD, or the version when opened). */
  accessDiff: 'kmsPolicy.accessDiff',
  /** Arguments `[AccessArgs]` -> `AccessPage | null`: the effective-access table of the key policy at the position (or the only one). */
  effectiveAccess: 'kmsPolicy.effectiveAccess',
  /**
   * Server -> client request `BaseTextParams` -> `BaseTextResult | null`: a file's text at HEAD,
   * sent only to a client that announced `InitializationOptions.baseText` (the VS Code client,
   * through the built-in git extension). `null`: not in a git repository (or git is off).
   */
  baseText: 'kmsPolicy/baseText',
} as const;

/** The VS Code client's own commands (package.json `contributes.commands`). */
export const CLIENT_COMMANDS = {
  /** The interactive rewrite (quick picks), offered in code actions only to clients that have it. Arguments `[uri]`. */
  rewriteLeastPrivilege: 'kmsPolicy.rewriteLeastPrivilege',
  generateKeyPolicyFromSpec: 'kmsPolicy.generateKeyPolicyFromSpec',
  createDomainSpecFromPolicy: 'kmsPolicy.createDomainSpecFromPolicy',
  restartServer: 'kmsPolicy.restartServer',
  showOutput: 'kmsPolicy.showOutput',
  /** The code lens's command: the access diff in a webview. Arguments `[uri]`. */
  showAccessChanges: 'kmsPolicy.showAccessChanges',
  /** The effective-access table of the key policy at the cursor in a webview. Arguments `[uri?, position?]`. */
  showEffectiveAccess: 'kmsPolicy.showEffectiveAccess',
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

/** What a client may announce in `initializationOptions` beyond settings. */
export interface InitializationOptions {
  readonly interactiveRewrite?: boolean;
  /** The client answers `COMMANDS.baseText` (the server then never runs git itself). */
  readonly baseText?: boolean;
  /** The client has `CLIENT_COMMANDS.showAccessChanges`: code lenses open the diff with it. */
  readonly accessViews?: boolean;
}

export interface BaseTextParams {
  readonly uri: string;
}

export interface BaseTextResult {
  /** The file's text at HEAD; absent when the file is not in HEAD (a new file). */
  readonly text?: string;
}

export interface AccessArgs {
  readonly uri: string;
  /** For `effectiveAccess`: the key policy at this position (else the first). */
  readonly position?: { readonly line: number; readonly character: number };
}

/** A page for a webview (or a Markdown preview, in editors without webviews). */
export interface AccessPage {
  readonly title: string;
  /** A self-contained HTML fragment (no script), styled with the editor's `--vscode-*` theme variables. */
  readonly html: string;
  readonly markdown: string;
}
