/**
 * The domain spec schema validator: ajv over DOMAIN_SCHEMA, compiled on first use (ajv is
 * loaded lazily, so the server's start-up does not pay for it until a spec is opened).
 * Shared by the server and the CLI.
 */
import type { SchemaError, SchemaValidator } from '../core/spec/schema';
import { DOMAIN_SCHEMA } from '../core/spec/schema';

let compiled: SchemaValidator | undefined;

export function specValidator(): SchemaValidator {
  if (!compiled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvModule = require('ajv') as typeof import('ajv');
    const Ajv = AjvModule.default;
    // strict: false lets the schema carry editor keywords (enumDescriptions) that ajv does not know.
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(DOMAIN_SCHEMA);
    compiled = (value) => (validate(value) ? [] : ((validate.errors ?? []) as readonly SchemaError[]));
  }
  return compiled;
}
