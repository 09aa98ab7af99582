/**
 * Our classification of every KMS action into one access capability, after k9 Security's
 * access-capability model (see ../../../../ARCHITECTURE.md and docs). This is the one
 * hand-maintained part of the catalog: a catalog refresh that brings a new action fails the
 * catalog test until someone classifies it here.
 */

export const CAPABILITIES = [
  'administer-resource',
  'read-config',
  'read-data',
  'write-data',
  'delete-data',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

export const CAPABILITY_INFO: Readonly<Record<Capability, { title: string; meaning: string }>> = {
  'administer-resource': {
    title: 'Administer the key',
    meaning: 'Change the key, its policy, grants, aliases, tags and lifecycle.',
  },
  'read-config': { title: 'Read the key configuration', meaning: "See the key's configuration, policy, grants and tags." },
  'read-data': { title: 'Read data', meaning: 'Read (decrypt or verify) data protected by the key.' },
  'write-data': { title: 'Write data', meaning: 'Protect new data with the key (encrypt, generate data keys, sign).' },
  'delete-data': { title: 'Delete data', meaning: 'Destroy key material, making data protected by it unrecoverable.' },
};

/** Action name (without `kms:`) -> capability. */
export const ACTION_CAPABILITY: Readonly<Record<string, Capability>> = {
  // k9's published administer-resource list
  CancelKeyDeletion: 'administer-resource',
  ConnectCustomKeyStore: 'administer-resource',
  CreateAlias: 'administer-resource',
  CreateCustomKeyStore: 'administer-resource',
  CreateGrant: 'administer-resource',
  CreateKey: 'administer-resource',
  DeleteAlias: 'administer-resource',
  DisableKey: 'administer-resource',
  DisableKeyRotation: 'administer-resource',
  DisconnectCustomKeyStore: 'administer-resource',
  EnableKey: 'administer-resource',
  EnableKeyRotation: 'administer-resource',
  PutKeyPolicy: 'administer-resource',
  RetireGrant: 'administer-resource',
  RevokeGrant: 'administer-resource',
  ScheduleKeyDeletion: 'administer-resource',
  TagResource: 'administer-resource',
  UntagResource: 'administer-resource',
  UpdateAlias: 'administer-resource',
  UpdateCustomKeyStore: 'administer-resource',
  UpdateKeyDescription: 'administer-resource',
  // ours: k9 does not classify these
  ReplicateKey: 'administer-resource',
  RotateKeyOnDemand: 'administer-resource',
  SynchronizeMultiRegionKey: 'administer-resource',
  UpdatePrimaryRegion: 'administer-resource',

  // k9's read-config list
  DescribeCustomKeyStores: 'read-config',
  DescribeKey: 'read-config',
  GetKeyPolicy: 'read-config',
  GetKeyRotationStatus: 'read-config',
  GetParametersForImport: 'read-config',
  GetPublicKey: 'read-config',
  ListAliases: 'read-config',
  ListGrants: 'read-config',
  ListKeyPolicies: 'read-config',
  ListKeys: 'read-config',
  ListResourceTags: 'read-config',
  ListRetirableGrants: 'read-config',
  // ours
  GetKeyLastUsage: 'read-config',
  ListKeyRotations: 'read-config',

  // k9's read-data list
  Decrypt: 'read-data',
  Verify: 'read-data',
  // ours
  DeriveSharedSecret: 'read-data',
  VerifyMac: 'read-data',

  // k9's write-data list
  Encrypt: 'write-data',
  GenerateDataKey: 'write-data',
  GenerateDataKeyPair: 'write-data',
  GenerateDataKeyPairWithoutPlaintext: 'write-data',
  GenerateDataKeyWithoutPlaintext: 'write-data',
  GenerateRandom: 'write-data',
  ImportKeyMaterial: 'write-data',
  ReEncryptFrom: 'write-data',
  ReEncryptTo: 'write-data',
  Sign: 'write-data',
  // ours
  GenerateMac: 'write-data',

  // k9's delete-data list
  DeleteCustomKeyStore: 'delete-data',
  DeleteImportedKeyMaterial: 'delete-data',
};
