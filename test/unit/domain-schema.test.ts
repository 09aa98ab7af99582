import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { checkSpec } from '../../server/src/core/spec/check';
import { specFormatOf, type SpecFormat } from '../../server/src/core/spec/model';
import { parseSpec } from '../../server/src/core/spec/parse';
import { DOMAIN_SCHEMA } from '../../server/src/core/spec/schema';
import { specValidator } from '../../server/src/service/domainSchema';
import { unmark } from '../support/marks';

const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'domain');
const SCHEMA_FILE = join(root, 'schemas', 'kms-domain.schema.json');

function ajvValidate() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
}

function plain(text: string, format: SpecFormat): unknown {
  return format === 'json' ? JSON.parse(text) : parseYaml(text);
}

describe('the domain spec schema file', () => {
  test('schemas/kms-domain.schema.json is DOMAIN_SCHEMA written out (UPDATE_SCHEMA=1 rewrites it)', () => {
    const expected = JSON.stringify(DOMAIN_SCHEMA, null, 2) + '\n';
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, expected);
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), expected);
  });

  test('it is a valid draft-07 schema, and strict ajv only objects to the editor keywords', () => {
    const strict = new Ajv({ allErrors: true, strict: true });
    strict.addKeyword('enumDescriptions');
    assert.ok(strict.compile(DOMAIN_SCHEMA));
  });
});

describe('valid specs (JSON and YAML) pass the schema and every check', () => {
  for (const name of readdirSync(join(fixtures, 'valid')).sort()) {
    test(name, () => {
      const text = readFileSync(join(fixtures, 'valid', name), 'utf8');
      const format = specFormatOf(name);
      const validate = ajvValidate();
      assert.ok(validate(plain(text, format)), JSON.stringify(validate.errors));
      const errors = checkSpec(parseSpec(text, format), { validate: specValidator() }).filter((f) => f.severity !== 'info');
      assert.deepEqual(errors, []);
    });
  }
});

describe('invalid specs fail the schema', () => {
  const expectations: Record<string, RegExp[]> = {
    'unknown-fields.kms-domain.yaml': [/additionalProperty.*acount/, /additionalProperty.*sytle/],
    'wrong-types.kms-domain.json': [/\/account.*type/, /\/key\/style.*enum/, /\/principals\/ci.*type/, /\/access\/administer-resource.*type/],
    'missing-required.kms-domain.yaml': [/missingProperty.*domain/, /missingProperty.*key/, /missingProperty.*access/],
  };
  for (const name of readdirSync(join(fixtures, 'invalid')).sort()) {
    test(name, () => {
      const text = readFileSync(join(fixtures, 'invalid', name), 'utf8');
      const validate = ajvValidate();
      assert.equal(validate(plain(text, specFormatOf(name))), false);
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`);
      for (const re of expectations[name] ?? []) assert.ok(errors.some((e) => re.test(e)), `${re} in ${errors.join('\n')}`);
    });
  }
});

/** Spec diagnostics of `code` as `⟦marked⟧` text and messages. */
function findings(marked: string, format: SpecFormat, code = 'spec-schema') {
  const { text, spans } = unmark(marked);
  const all = checkSpec(parseSpec(text, format), { validate: specValidator() });
  const got = all.filter((f) => f.code === code);
  return { spans, got, text: got.map((f) => text.slice(f.span.start, f.span.end)), messages: got.map((f) => f.message), all };
}

describe('schema errors map to precise ranges, in YAML and JSON', () => {
  const cases: [string, SpecFormat, string, string[]][] = [
    [
      'an unknown field: its key',
      'yaml',
      'domain: orders\n⟦acount⟧: "111122223333"\nkey:\n  policy: ./p.json\naccess:\n  administer-resource: [role/x]\n',
      ['"acount" is not a domain spec field.'],
    ],
    ['an unknown field of key', 'yaml', 'domain: orders\nkey:\n  policy: ./p.json\n  ⟦sytle⟧: x\naccess:\n  administer-resource: [arn:aws:iam::111122223333:role/a]\n', ['"sytle" is not a field of key.']],
    ['an unknown field, JSON', 'json', '{"domain": "orders", ⟦"acount"⟧: "1", "key": {"policy": "p"}, "access": {"administer-resource": ["arn:aws:iam::111122223333:role/a"]}}', ['"acount" is not a domain spec field.']],
    ['a missing required field: at its parent key', 'yaml', 'domain: orders\n⟦key⟧:\n  style: key-policy-only\naccess:\n  administer-resource: [arn:aws:iam::111122223333:role/a]\n', ['key needs "policy".']],
    ['a missing top-level field: at the start', 'yaml', '⟦d⟧omain: orders\naccess:\n  administer-resource: [arn:aws:iam::111122223333:role/a]\n', ['The spec needs "key".']],
    ['a string where a list belongs', 'yaml', 'domain: o\nkey:\n  policy: p\naccess:\n  administer-resource: ⟦arn:aws:iam::111122223333:role/a⟧\n', ['access.administer-resource must be a list, not the string arn:aws:iam::111122223333:role/a.']],
    ['an unquoted account id', 'yaml', 'domain: o\naccount: ⟦111122223333⟧\nkey:\n  policy: p\naccess:\n  administer-resource: [role/a]\n', ['Write the account id as a string: "111122223333". Unquoted, YAML reads it as a number (and would drop leading zeros).']],
    ['an unknown style', 'json', '{"domain": "o", "key": {"policy": "p", "style": ⟦"k9"⟧}, "access": {"administer-resource": ["arn:aws:iam::111122223333:role/a"]}}', ['key.style must be one of: key-policy-only, delegate-to-iam.']],
    ['a bad domain name', 'yaml', 'domain: ⟦my orders⟧\nkey:\n  policy: p\naccess:\n  administer-resource: [arn:aws:iam::111122223333:role/a]\n', ['"my orders" is not a valid domain name: letters, digits, ., _ and - (starting with a letter or digit).']],
    ['a bad principal name', 'yaml', 'domain: o\nkey:\n  policy: p\nprincipals:\n  ⟦1st⟧: arn:aws:iam::111122223333:role/a\naccess:\n  administer-resource: [arn:aws:iam::111122223333:role/a]\n', ['"1st" is not a valid principal name: start with a letter; then letters, digits, _, . or -.']],
    ['a duplicate list item', 'yaml', 'domain: o\nkey:\n  policy: p\nprincipals:\n  a: arn:aws:iam::111122223333:role/a\naccess:\n  administer-resource: [a, ⟦a⟧]\n', ['access.administer-resource lists "a" twice.']],
    ['a bad region and service', 'yaml', 'domain: o\nregion: ⟦Mars⟧\nkey:\n  policy: p\naccess:\n  administer-resource: [arn:aws:iam::111122223333:role/a]\nservices: [⟦S3!⟧]\n', ['"Mars" is not an AWS region (such as us-east-1).', '"S3!" is not a service name (s3, sqs...) or a kms:ViaService value (s3.us-east-1.amazonaws.com).']],
  ];
  for (const [name, format, marked, messages] of cases) {
    test(name, () => {
      const f = findings(marked, format);
      const { text, spans } = unmark(marked);
      assert.deepEqual(f.text, spans.map((s) => text.slice(s.start, s.end)));
      assert.deepEqual(f.messages, messages);
    });
  }

  test('an unknown capability is left to spec-unknown-capability, a bad account to spec-malformed-account', () => {
    const f = findings('domain: o\naccount: "1234"\nkey:\n  policy: p\naccess:\n  administer-resource: [role/a]\n  read-datas: []\n', 'yaml');
    assert.deepEqual(f.messages, []);
    assert.deepEqual(f.all.map((x) => x.code).sort(), ['spec-malformed-account', 'spec-malformed-arn', 'spec-unknown-capability']);
  });

  test('syntax errors: YAML and JSON, each at its place, and nothing else is reported', () => {
    const yaml = findings('domain: o\nkey: [⟦⟧\n', 'yaml', 'spec-syntax');
    assert.equal(yaml.got.length > 0, true);
    assert.match(yaml.messages[0], /^YAML: /);
    const json = findings('{"domain": "o" "key": {}}', 'json', 'spec-syntax');
    assert.match(json.messages[0], /^JSON: /);
    assert.equal(parseSpec('a: 1\na: 2\n', 'yaml').syntaxErrors[0].message, 'YAML: Map keys must be unique.');
    assert.equal(parseSpec('x: &a 1\ny: *a\n', 'yaml').syntaxErrors[0].message, 'YAML: aliases (*name) are not supported in domain specs; write the value out.');
  });
});
