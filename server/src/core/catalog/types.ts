/** The shape of the generated KMS catalog snapshot (see scripts/update-catalog.mjs). */

export type AccessLevel = 'Read' | 'Write' | 'List' | 'Tagging' | 'Permissions management';

export interface ActionInfo {
  /** The action name without the `kms:` prefix, in AWS's casing, e.g. `Decrypt`. */
  readonly name: string;
  readonly description: string;
  readonly accessLevel: AccessLevel | string;
  readonly resourceTypes: readonly { readonly name: string; readonly required: boolean }[];
  readonly conditionKeys: readonly string[];
  readonly dependentActions: readonly string[];
  readonly docUrl: string;
}

export interface ConditionKeyInfo {
  /** Full key, possibly a pattern such as `kms:EncryptionContext:${EncryptionContextKey}`. */
  readonly key: string;
  /** IAM type: String, ARN, Bool, Numeric, Date, ArrayOfString, ... */
  readonly type: string;
  readonly description: string;
  /** Global keys only: one of the keys that matter in key policies, offered in completion. */
  readonly featured?: boolean;
  /**
   * Every value the key can take, when that is a fixed set: the KMS API enum of the parameter or
   * key property a kms: key reads, or the values the IAM User Guide lists for a global key.
   */
  readonly values?: readonly string[];
}

export interface ResourceTypeInfo {
  readonly name: string;
  readonly arn: string;
  readonly conditionKeys: readonly string[];
}

export interface CatalogSnapshot {
  readonly source: {
    readonly package: string;
    readonly version: string;
    readonly updatedAt: string;
    /** Where the condition key values come from (the KMS API's enums). */
    readonly values: { readonly package: string; readonly version: string };
  };
  readonly actions: readonly ActionInfo[];
  readonly resourceTypes: readonly ResourceTypeInfo[];
  readonly conditionKeys: readonly ConditionKeyInfo[];
  readonly globalConditionKeys: readonly ConditionKeyInfo[];
}
