import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Hover, MarkupContent } from 'vscode-languageserver-types';
import { parseSpec } from '../../server/src/core/spec/parse';
import type { SpecFormat } from '../../server/src/core/spec/model';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { doSpecComplete, type SpecCompletionContext } from '../../server/src/service/domainCompletion';
import { policyDefinition, specDefinition } from '../../server/src/service/domainDefinition';
import { doSpecHover } from '../../server/src/service/domainHover';
import { specSymbols } from '../../server/src/service/domainSymbols';
import { applyItem, withCursor } from '../support/text';

const YAML_URI = 'file:///work/orders.kms-domain.yaml';
const JSON_URI = 'file:///work/orders.kms-domain.json';

function complete(marked: string, format: SpecFormat = 'yaml', context: SpecCompletionContext = {}) {
  const { document, position } = withCursor(marked, format === 'yaml' ? YAML_URI : JSON_URI);
  return { document, list: doSpecComplete(document, position, parseSpec(document.getText(), format), context) };
}

function labels(marked: string, format: SpecFormat = 'yaml', context: SpecCompletionContext = {}): string[] {
  return complete(marked, format, context).list.items.map((i) => String(i.label));
}

/** Completes at `|`, accepts the item with this label, and returns the resulting text. */
function accept(marked: string, label: string, format: SpecFormat = 'yaml', context: SpecCompletionContext = {}): string {
  const { document, list } = complete(marked, format, context);
  const item = list.items.find((i) => i.label === label);
  assert.ok(item, `no item ${label}; got ${list.items.map((i) => i.label).join(', ')}`);
  return applyItem(document, item);
}

const HEAD = 'domain: orders\naccount: "111122223333"\nkey:\n  policy: ./orders.key-policy.json\nprincipals:\n  ci: role/ci\n  appA: arn:aws:iam::111122223333:role/appA\n';

describe('domain spec completion (YAML)', () => {
  test('top-level field names, minus those present', () => {
    assert.deepEqual(labels('|'), ['domain', 'description', 'account', 'region', 'partition', 'key', 'principals', 'access', 'services', 'grantsForAWSResources']);
    assert.deepEqual(labels('domain: orders\nkey:\n  policy: ./x.json\n|'), ['description', 'account', 'region', 'partition', 'principals', 'access', 'services', 'grantsForAWSResources']);
  });

  const cases: [string, string, string, string][] = [
    ['a scalar field', 'dom|', 'domain', 'domain: orders'],
    ['the account, quoted', 'domain: x\nacc|', 'account', 'domain: x\naccount: "111122223333"'],
    ['key, with its fields', 'domain: x\n|', 'key', 'domain: x\nkey:\n  policy: ./name.key-policy.json\n  style: key-policy-only'],
    [
      'access, with every capability',
      'acc|',
      'access',
      'access:\n  administer-resource: []\n  read-config: []\n  read-data: []\n  write-data: []\n  delete-data: []',
    ],
    ['a key being edited keeps its colon', 'domain: x\nreg|ion: us-east-1', 'region', 'domain: x\nregion: us-east-1'],
    ['key fields', 'key:\n  policy: ./x.json\n  |', 'style', 'key:\n  policy: ./x.json\n  style: key-policy-only'],
    ['a capability under access', `${HEAD}access:\n  read-d|`, 'read-data', `${HEAD}access:\n  read-data: []`],
    ['a style value', 'key:\n  style: |', 'delegate-to-iam', 'key:\n  style: delegate-to-iam'],
    ['a style value, partly typed', 'key:\n  style: dele|', 'delegate-to-iam', 'key:\n  style: delegate-to-iam'],
    ['a style value right after the colon', 'key:\n  style:|', 'key-policy-only', 'key:\n  style: key-policy-only'],
    ['a principal name in a flow list', `${HEAD}access:\n  read-data: [|]`, 'appA', `${HEAD}access:\n  read-data: [appA]`],
    ['after a comma in a flow list', `${HEAD}access:\n  read-data: [ci, a|]`, 'appA', `${HEAD}access:\n  read-data: [ci, appA]`],
    ['a principal name on a - line', `${HEAD}access:\n  administer-resource:\n    - |`, 'ci', `${HEAD}access:\n  administer-resource:\n    - ci`],
    ['a - line at the key\'s indentation', `${HEAD}access:\n  administer-resource:\n  - c|`, 'ci', `${HEAD}access:\n  administer-resource:\n  - ci`],
    ['a new line under a list field gets the dash', `${HEAD}access:\n  administer-resource:\n    |`, 'ci', `${HEAD}access:\n  administer-resource:\n    - ci`],
    ['a capability value becomes a list', `${HEAD}access:\n  read-data: |`, 'appA', `${HEAD}access:\n  read-data: [appA]`],
    ['grants take principal names', `${HEAD}grantsForAWSResources: [|]`, 'appA', `${HEAD}grantsForAWSResources: [appA]`],
    ['a service name', 'services: [s3, sq|]', 'sqs', 'services: [s3, sqs]'],
    ['a quoted item stays quoted', `${HEAD}access:\n  read-data: ["a|"]`, 'appA', `${HEAD}access:\n  read-data: ["appA"]`],
  ];
  for (const [name, input, label, expected] of cases) test(name, () => assert.equal(accept(input, label), expected));

  test('principal names already in the list are not offered again; services likewise', () => {
    assert.deepEqual(labels(`${HEAD}access:\n  read-data: [appA, |]`), ['ci']);
    assert.ok(!labels('services: [s3, |]').includes('s3'));
    assert.ok(labels('services: [s3, |]').includes('dynamodb'));
  });

  test('capabilities already under access are not offered again', () => {
    assert.deepEqual(labels('access:\n  read-data: []\n  |'), ['administer-resource', 'read-config', 'write-data', 'delete-data']);
  });

  test('principal ARNs from the workspace: as new entries under principals, and as values', () => {
    const context = { workspaceArns: ['arn:aws:iam::111122223333:role/appA', 'arn:aws:iam::111122223333:role/appB'] };
    assert.equal(accept(`${HEAD}  |`, 'appB', 'yaml', context), `${HEAD}  appB: arn:aws:iam::111122223333:role/appB`);
    assert.deepEqual(labels(`${HEAD}  |`, 'yaml', context), ['appB'], 'appA is already defined');
    assert.equal(accept('principals:\n  app: |', 'arn:aws:iam::111122223333:role/appB', 'yaml', context), 'principals:\n  app: arn:aws:iam::111122223333:role/appB');
  });

  test('key.policy offers the workspace policy files; account offers the accounts of principals', () => {
    assert.equal(accept('key:\n  policy: |', './orders.key-policy.json', 'yaml', { policyFiles: ['./orders.key-policy.json'] }), 'key:\n  policy: ./orders.key-policy.json');
    assert.equal(accept('principals:\n  a: arn:aws:iam::444455556666:role/a\naccount: |', '444455556666'), 'principals:\n  a: arn:aws:iam::444455556666:role/a\naccount: "444455556666"');
  });

  test('nothing in comments, in descriptions, or under a principal name key', () => {
    assert.deepEqual(labels('# dom|'), []);
    assert.deepEqual(labels('description: some |'), []);
    assert.deepEqual(labels('domain: x # a comment |'), []);
  });
});

describe('domain spec completion (JSON)', () => {
  test('field names with their values', () => {
    assert.equal(accept('{"domain": "x", |}', 'account', 'json'), '{"domain": "x", "account": "111122223333"}');
    assert.equal(accept('{"|"}', 'domain', 'json'), '{"domain": "orders"}');
  });
  test('capabilities, principal names, styles', () => {
    const head = '{"principals": {"ci": "arn:aws:iam::111122223333:role/ci"}, ';
    assert.equal(accept(`${head}"access": {"read-d|"}}`, 'read-data', 'json'), `${head}"access": {"read-data": []}}`);
    assert.equal(accept(`${head}"access": {"read-data": [|]}}`, 'ci', 'json'), `${head}"access": {"read-data": ["ci"]}}`);
    assert.equal(accept(`${head}"access": {"read-data": ["c|"]}}`, 'ci', 'json'), `${head}"access": {"read-data": ["ci"]}}`);
    assert.equal(accept('{"key": {"style": "|"}}', 'delegate-to-iam', 'json'), '{"key": {"style": "delegate-to-iam"}}');
    assert.equal(accept('{"key": {"policy": "x", "style": |}}', 'key-policy-only', 'json'), '{"key": {"policy": "x", "style": "key-policy-only"}}');
  });
  test('a key being edited keeps its colon', () => {
    assert.equal(accept('{"dom|": "x"}', 'domain', 'json'), '{"domain": "x"}');
  });
});

function hover(marked: string, format: SpecFormat = 'yaml'): { text: string; range: string } | null {
  const { document, position } = withCursor(marked, format === 'yaml' ? YAML_URI : JSON_URI);
  const h: Hover | null = doSpecHover(document, position, parseSpec(document.getText(), format));
  if (!h) return null;
  const r = h.range!;
  return { text: (h.contents as MarkupContent).value, range: document.getText(r) };
}

describe('domain spec hover', () => {
  const spec = `${HEAD}access:\n  administer-resource: [ci]\n  read-data: [appA, arn:aws:iam::111122223333:user/person1]\nservices: [s3]\nregion: eu-west-1\n`;

  test('a capability: its meaning and the exact actions', () => {
    const h = hover(spec.replace('read-data:', 'read-d|ata:'))!;
    assert.equal(h.range, 'read-data');
    assert.match(h.text, /^\*\*read-data\*\* — Read data\n\nRead \(decrypt or verify\) data protected by the key\.\n\nGrants 4 actions: `kms:Decrypt`, `kms:DeriveSharedSecret`, `kms:Verify`, `kms:VerifyMac`$/);
  });

  test('administer-resource notes the actions no key policy can scope', () => {
    const h = hover(spec.replace('administer-resource:', 'administer-reso|urce:'))!;
    assert.match(h.text, /`kms:PutKeyPolicy`/);
    assert.match(h.text, /no key policy can scope them to this key: `kms:ConnectCustomKeyStore`, `kms:CreateCustomKeyStore`, `kms:CreateKey`/);
  });

  test('a principal name under access: resolved ARN and every capability it holds here', () => {
    const h = hover(spec.replace('read-data: [appA', 'read-data: [ap|pA'))!;
    assert.equal(h.range, 'appA');
    assert.equal(h.text, '**appA** — `arn:aws:iam::111122223333:role/appA`\n\nHolds in this spec:\n- `read-data`: Read (decrypt or verify) data protected by the key. (only through s3)\n\nNothing else: not administer-resource, read-config, write-data, delete-data.');
  });

  test('a short form resolves with the account; a principal definition key hovers too', () => {
    const h = hover(spec.replace('  ci: role/ci', '  c|i: role/ci'))!;
    assert.equal(h.range, 'ci');
    assert.match(h.text, /^\*\*ci\*\* — `arn:aws:iam::111122223333:role\/ci`\n\nHolds in this spec:\n- `administer-resource`/);
  });

  test('an ARN written directly under access', () => {
    const h = hover(spec.replace('user/person1]', 'user/per|son1]'))!;
    assert.match(h.text, /^\*\*arn:aws:iam::111122223333:user\/person1\*\* — `arn:aws:iam::111122223333:user\/person1`\n\nHolds in this spec:\n- `read-data`/);
  });

  test('fields, styles and services', () => {
    assert.match(hover(`dom|ain: x`)!.text, /^\*\*domain\*\* — The data domain/);
    assert.match(hover(`key:\n  st|yle: delegate-to-iam`)!.text, /^\*\*key\.style\*\*/);
    assert.match(hover(`key:\n  style: delegate-to|-iam`)!.text, /^\*\*delegate-to-iam\*\* — The article's form/);
    assert.equal(hover(spec.replace('services: [s3]', 'services: [s|3]'))!.text, '**s3** — Amazon S3 (objects encrypted with SSE-KMS)\n\nread-data and write-data only through it: `kms:ViaService` `s3.eu-west-1.amazonaws.com`');
  });

  test('JSON specs too; nothing on plain values', () => {
    assert.match(hover('{"access": {"write-d|ata": []}}', 'json')!.text, /^\*\*write-data\*\*/);
    assert.equal(hover('domain: ord|ers'), null);
  });
});

describe('domain spec outline', () => {
  test('sections, principals with their ARNs, capabilities with their principals', () => {
    const text = `${HEAD}access:\n  administer-resource: [ci]\n  read-data: [appA]\nservices: [s3]\n`;
    const document = TextDocument.create(YAML_URI, 'yaml', 1, text);
    const symbols = specSymbols(document, parseSpec(text, 'yaml'));
    const flat = (s: typeof symbols): string[] => s.flatMap((x) => [`${x.name}${x.detail ? ` (${x.detail})` : ''}`, ...flat(x.children ?? []).map((c) => `  ${c}`)]);
    assert.deepEqual(flat(symbols), [
      'domain (orders)',
      'account (111122223333)',
      'key (./orders.key-policy.json)',
      '  policy (./orders.key-policy.json)',
      'principals (2)',
      '  ci (role/ci)',
      '  appA (arn:aws:iam::111122223333:role/appA)',
      'access (2)',
      '  administer-resource (ci)',
      '  read-data (appA)',
      'services (s3)',
    ]);
    const principals = symbols.find((s) => s.name === 'principals')!;
    assert.equal(document.getText(principals.children![1].selectionRange), 'appA');
  });
});

describe('go to definition', () => {
  const specText = `${HEAD}access:\n  administer-resource: [ci]\n  read-data: [appA, arn:aws:iam::111122223333:user/person1]\n`;
  const spec = parseSpec(specText, 'yaml');
  const specDoc = TextDocument.create(YAML_URI, 'yaml', 1, specText);

  test('from a principal ARN in a key policy to its entry in the governing spec', () => {
    const { document, position } = withCursor('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ap|pA"}, "Action": "kms:Decrypt", "Resource": "*"}]}');
    const locations = policyDefinition(document, position, parsePolicy(document.getText()), [{ uri: YAML_URI, spec }]);
    assert.equal(locations.length, 1);
    assert.equal(locations[0].uri, YAML_URI);
    assert.equal(specDoc.getText(locations[0].range), 'appA: arn:aws:iam::111122223333:role/appA');
  });

  test('a short-form definition and an ARN written under access are found too; other values are not', () => {
    const at = (marked: string) => {
      const { document, position } = withCursor(marked);
      return policyDefinition(document, position, parsePolicy(document.getText()), [{ uri: YAML_URI, spec }]).map((l) => specDoc.getText(l.range));
    };
    assert.deepEqual(at('{"Statement": [{"Condition": {"ArnEquals": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/c|i"]}}}]}'), ['ci: role/ci']);
    assert.deepEqual(at('{"Statement": [{"Principal": {"AWS": "arn:aws:iam::111122223333:user/pers|on1"}}]}'), ['arn:aws:iam::111122223333:user/person1']);
    assert.deepEqual(at('{"Statement": [{"Principal": {"AWS": "arn:aws:iam::111122223333:role/no|body"}}]}'), []);
    assert.deepEqual(at('{"Statement": [{"Action": "kms:Dec|rypt"}]}'), []);
  });

  test('in a spec: a name to its definition, key.policy to the policy file', () => {
    const { document, position } = withCursor(specText.replace('read-data: [appA', 'read-data: [ap|pA'), YAML_URI);
    const [loc] = specDefinition(document, position, spec);
    assert.equal(document.getText(loc.range), 'appA: arn:aws:iam::111122223333:role/appA');
    const p = withCursor(specText.replace('policy: ./orders', 'policy: ./ord|ers'), YAML_URI);
    assert.deepEqual(specDefinition(p.document, p.position, spec), [{ uri: 'file:///work/orders.key-policy.json', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }]);
  });
});
