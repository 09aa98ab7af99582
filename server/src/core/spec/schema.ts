/**
 * The JSON Schema of a data domain spec, built from the catalog (so capability descriptions list
 * their exact actions). `schemas/kms-domain.schema.json` is this object written out; a unit test
 * fails when they differ (run it with UPDATE_SCHEMA=1 to rewrite the file).
 *
 * Core does not load a validator: the caller passes one (ajv in service/domainSchema.ts), and
 * `schemaFindings` maps its errors to precise spans.
 */
import { actionsOfCapability, CAPABILITIES, CAPABILITY_INFO } from '../catalog/catalog';
import type { Span } from '../policy/model';
import { STYLES } from '../rewrite/leastPrivilege';
import { nodeAtPath, type DomainSpec, type SpecNode } from './model';
import { PARTITIONS } from '../principal/check';

const STYLE_DOCS: Record<string, string> = {
  'key-policy-only': "k9's current form (the default): the key policy alone decides. One Allow per capability, no account-root statement, so IAM policies cannot add access.",
  'delegate-to-iam':
    "The article's form: the account-root statement lets IAM policies grant, the capability statements, and DenyEveryoneElse, which limits every KMS action to the root and the principals this spec names.",
};

export const STYLE_DESCRIPTIONS: Readonly<Record<string, string>> = STYLE_DOCS;

export const DOMAIN_SCHEMA_ID = 'kms-domain.schema.json';

export const DOMAIN_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: DOMAIN_SCHEMA_ID,
  title: 'KMS data domain spec',
  description: 'One data domain, one KMS key, and who may administer it, read its data and write its data. The key policy is generated from this file. See docs/domain-spec.md.',
  type: 'object',
  required: ['domain', 'key', 'access'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'The schema of this file (for editors).' },
    domain: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      maxLength: 128,
      description: 'The data domain (a bounded context), such as orders. Unique in the workspace.',
    },
    description: { type: 'string', description: 'What data the domain holds and where (free text).' },
    account: {
      type: 'string',
      pattern: '^\\d{12}$',
      description: 'The 12-digit AWS account that owns the key. Completes short principal forms (role/ci) and names the account root of the delegate-to-iam style. Quote it in YAML.',
    },
    region: {
      type: 'string',
      pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$',
      description: 'The key\'s region, such as us-east-1. With services, kms:ViaService values name this region; without it they match any region.',
    },
    partition: {
      type: 'string',
      enum: [...PARTITIONS],
      default: 'aws',
      description: 'The AWS partition of short principal forms and of the account root (default aws).',
    },
    key: {
      type: 'object',
      description: 'The key policy this spec governs, and how it is written.',
      required: ['policy'],
      additionalProperties: false,
      properties: {
        policy: {
          type: 'string',
          minLength: 1,
          description: 'The key policy file this spec governs, relative to this file: ./orders.key-policy.json. (file#resource names a key policy inside a CloudFormation or Terraform file.)',
        },
        style: {
          type: 'string',
          enum: [...STYLES],
          default: 'key-policy-only',
          description: 'The least-privilege form of the generated policy.',
          enumDescriptions: STYLES.map((s) => STYLE_DOCS[s]),
        },
        id: { type: 'string', description: 'The Id of the generated policy (optional).' },
        principalForm: {
          type: 'string',
          enum: ['k9', 'explicit'],
          default: 'k9',
          description: 'How statements name principals: k9 writes {"AWS": "*"} with an ArnEquals aws:PrincipalArn condition; explicit lists them in Principal.',
        },
      },
    },
    principals: {
      type: 'object',
      description: 'Names for principals, used under access and grantsForAWSResources. Each value is an IAM ARN, or role/<name> or user/<name> in the spec\'s account.',
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_.-]*$' },
      additionalProperties: { type: 'string', minLength: 1 },
    },
    access: {
      type: 'object',
      description: 'Capability -> the principal names (or ARNs) that hold it. Nobody else gets anything.',
      additionalProperties: false,
      properties: Object.fromEntries(
        CAPABILITIES.map((c) => [
          c,
          {
            // null: `delete-data:` with nothing after it, which YAML reads as null, means nobody.
            type: ['array', 'null'],
            uniqueItems: true,
            items: { type: 'string', minLength: 1 },
            description: `${CAPABILITY_INFO[c].meaning} Actions: ${actionsOfCapability(c).map((a) => a.name).join(', ')}.`,
          },
        ]),
      ),
    },
    services: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9.*?-]*$' },
      description: 'Optional: read-data and write-data only through these AWS services (kms:ViaService), such as s3 or sqs, or full kms:ViaService values.',
    },
    grantsForAWSResources: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'Optional: principals that may create, list and revoke grants for AWS resources (EBS, RDS...): kms:CreateGrant, kms:ListGrants and kms:RevokeGrant with kms:GrantIsForAWSResource true.',
    },
  },
} as const;

/** The part of an ajv ErrorObject that we read (ajv's errors have this shape). */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
  /** Set by ajv on errors about a property name (propertyNames). */
  readonly propertyName?: string;
}

/** Validates a plain value against DOMAIN_SCHEMA: the errors, or [] when valid. */
export type SchemaValidator = (value: unknown) => readonly SchemaError[];

export interface SchemaFinding {
  readonly span: Span;
  readonly message: string;
  readonly path: readonly (string | number)[];
  readonly keyword: string;
}

function decodePointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function keySpanAt(root: SpecNode | undefined, path: readonly (string | number)[], key: string): Span | undefined {
  const parent = nodeAtPath(root, path);
  if (parent?.kind !== 'object') return undefined;
  let found: Span | undefined;
  for (const e of parent.entries) if (e.key === key) found = e.keySpan;
  return found;
}

function where(path: readonly (string | number)[]): string {
  return path.length ? path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[') : 'the spec';
}

/** A path at the start of a sentence: field paths stay as written, the root is "The spec". */
function subject(path: readonly (string | number)[]): string {
  return path.length ? where(path) : 'The spec';
}

/**
 * Schema errors as findings with the narrowest span: an unknown property's key, a missing
 * property's parent key, a wrong value itself. Errors that the semantic checks report better
 * (unknown capabilities, malformed account ids) are left to them.
 */
export function schemaFindings(spec: DomainSpec, validate: SchemaValidator): SchemaFinding[] {
  if (!spec.root) return [];
  const out: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const e of validate(toPlainForSchema(spec))) {
    const path = decodePointer(e.instancePath);
    const node = nodeAtPath(spec.root, path);
    const parentKey = path.length ? keySpanAt(spec.root, path.slice(0, -1), String(path[path.length - 1])) : undefined;
    let span: Span = node?.span ?? parentKey ?? { start: spec.root.span.start, end: spec.root.span.start };
    let message: string;
    const p = e.params;
    switch (e.keyword) {
      case 'additionalProperty':
      case 'additionalProperties': {
        const name = String(p.additionalProperty);
        if (path.length === 1 && path[0] === 'access') continue; // spec-unknown-capability says it with a suggestion
        span = keySpanAt(spec.root, path, name) ?? span;
        message = path.length === 0 ? `"${name}" is not a domain spec field.` : `"${name}" is not a field of ${where(path)}.`;
        break;
      }
      case 'required': {
        const name = String(p.missingProperty);
        span = path.length ? (parentKey ?? span) : { start: spec.root.span.start, end: Math.min(spec.root.span.end, spec.root.span.start + 1) };
        message = `${subject(path)} needs "${name}".`;
        break;
      }
      case 'type': {
        if (path.length === 1 && path[0] === 'account' && node?.kind === 'scalar' && node.type === 'number') {
          message = `Write the account id as a string: "${node.text}". Unquoted, YAML reads it as a number (and would drop leading zeros).`;
        } else message = `${subject(path)} must be ${String(p.type).split(',').filter((t) => t !== 'null').map(article).join(' or ')}${describeFound(node)}.`;
        break;
      }
      case 'pattern':
        if (e.propertyName !== undefined) continue; // reported by its propertyNames error
        if (path.length === 1 && path[0] === 'account') continue; // spec-malformed-account
        message = patternMessage(path, node);
        break;
      case 'propertyNames': {
        const name = String(p.propertyName);
        span = keySpanAt(spec.root, path, name) ?? span;
        message = patternMessage([...path, name], undefined);
        break;
      }
      case 'enum':
        message = `${subject(path)} must be one of: ${(p.allowedValues as unknown[]).map((v) => String(v)).join(', ')}.`;
        break;
      case 'uniqueItems':
        message = `${subject(path)} lists ${describeItem(nodeAtPath(spec.root, [...path, Number(p.i)]))} twice.`;
        span = nodeAtPath(spec.root, [...path, Number(p.i)])?.span ?? span;
        break;
      case 'minLength':
        message = `${subject(path)} must not be empty.`;
        break;
      case 'maxLength':
        message = `${subject(path)} is too long (at most ${String(p.limit)} characters).`;
        break;
      default:
        message = `${subject(path)} ${e.message ?? 'is not valid'}.`;
    }
    const dedupe = `${span.start}:${span.end}:${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    out.push({ span, message, path, keyword: e.keyword });
  }
  return out;
}

function patternMessage(path: readonly (string | number)[], node: SpecNode | undefined): string {
  const value = node?.kind === 'scalar' ? node.text : '';
  if (path.length === 2 && path[0] === 'principals') return `"${path[1]}" is not a valid principal name: start with a letter; then letters, digits, _, . or -.`;
  switch (path[0]) {
    case 'domain':
      return `"${value}" is not a valid domain name: letters, digits, ., _ and - (starting with a letter or digit).`;
    case 'region':
      return `"${value}" is not an AWS region (such as us-east-1).`;
    case 'services':
      return `"${value}" is not a service name (s3, sqs...) or a kms:ViaService value (s3.us-east-1.amazonaws.com).`;
    default:
      return `${subject(path)} is not valid.`;
  }
}

/** The plain value for the validator, with principal names (whose pattern errors we word better) kept. */
function toPlainForSchema(spec: DomainSpec): unknown {
  const plain = (node: SpecNode | undefined): unknown => {
    if (!node) return null;
    if (node.kind === 'scalar') return node.value;
    if (node.kind === 'array') return node.items.map(plain);
    const out: Record<string, unknown> = {};
    for (const e of node.entries) out[e.key] = plain(e.value);
    return out;
  };
  return plain(spec.root);
}

function article(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping of fields';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    default:
      return `a ${type}`;
  }
}

function describeFound(node: SpecNode | undefined): string {
  if (!node) return ', not empty';
  if (node.kind === 'array') return ', not a list';
  if (node.kind === 'object') return ', not a mapping';
  return node.type === 'null' ? ', not empty' : `, not the ${node.type} ${node.text}`;
}

function describeItem(node: SpecNode | undefined): string {
  return node?.kind === 'scalar' ? `"${node.text}"` : 'an item';
}
