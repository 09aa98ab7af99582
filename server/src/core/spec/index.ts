/** The data domain spec: model, parse, schema, checks, generation, drift, create-from-policy and the workspace index. */
export * from './model';
export { parseSpec, specFromTree } from './parse';
export { DOMAIN_SCHEMA, DOMAIN_SCHEMA_ID, STYLE_DESCRIPTIONS, schemaFindings, type SchemaError, type SchemaFinding, type SchemaValidator } from './schema';
export { checkPrincipal, looksLikeArn, shortName, accountRoot, PRINCIPAL_NAME, PARTITIONS, type PrincipalCheck } from '../principal/check';
export { VIA_SERVICES, findService, viaServiceValue, parseViaService, type ServiceInfo } from './services';
export { resolveSpec, parsePolicyRef, closest, type PolicyRef, type ResolvedSpec, type Resolution } from './resolve';
export { generateFromSpec, specRewriteEdits, specStatements, hasExtras, leastPrivilegeOptions, GRANT_ACTIONS, GRANTS_SID, type Generated } from './generate';
export { checkSpec, generationErrors, type PolicyLookup, type SpecCheckInput } from './check';
export { compareWithSpec, driftFindings, driftSummary, type Comparison, type Difference, type Direction, type GoverningSpec } from './drift';
export { specFromPolicy, domainNameFor, yamlScalar, type CreatedSpec, type SpecFromPolicyOptions } from './fromPolicy';
export { cursorAt, type CursorPosition, type SpecCursor } from './cursor';
export { DOMAIN_RULES, DOMAIN_DOCS_PAGE, findDomainRule, settle, type DomainFinding, type DomainRule, type ElsewhereRef, type RawDomainFinding } from './rules';
export { DomainIndex, normalizeUri, resolveUri, baseName, relativePath, principalArnsOf, type IndexedSpec } from './workspace';
