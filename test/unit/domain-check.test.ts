import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { checkSpec, type SpecCheckInput } from '../../server/src/core/spec/check';
import { generateFromSpec } from '../../server/src/core/spec/generate';
import { parseSpec } from '../../server/src/core/spec/parse';
import { DOMAIN_RULES } from '../../server/src/core/spec/rules';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { doSpecCodeActions } from '../../server/src/service/domainCommands';
import { doSpecValidation } from '../../server/src/service/domainDiagnostics';
import { specValidator } from '../../server/src/service/domainSchema';
import { unmark } from '../support/marks';

const root = join(__dirname, '..', '..', '..');

/** A valid spec; cases change one thing. */
const BASE = `domain: orders
account: "111122223333"
key:
  policy: ./orders.key-policy.json
principals:
  ci: arn:aws:iam::111122223333:role/ci
  appA: arn:aws:iam::111122223333:role/appA
access:
  administer-resource: [ci]
  read-config: [ci, appA]
  read-data: [appA]
  write-data: [appA]
`;

function run(marked: string, code: string, input: SpecCheckInput = {}) {
  const { text, spans } = unmark(marked);
  const all = checkSpec(parseSpec(text, 'yaml'), { validate: specValidator(), ...input });
  const got = all.filter((f) => f.code === code);
  return { text, spans, got, all };
}

/** The finding `code` fires exactly at the ⟦marked⟧ spans, with messages matching `messages`. */
function fires(marked: string, code: string, messages: (string | RegExp)[], input: SpecCheckInput = {}) {
  const { text, spans, got } = run(marked, code, input);
  assert.deepEqual(
    got.map((f) => text.slice(f.span.start, f.span.end)),
    spans.map((s) => text.slice(s.start, s.end)),
  );
  assert.equal(got.length, messages.length);
  got.forEach((f, i) => (typeof messages[i] === 'string' ? assert.equal(f.message, messages[i]) : assert.match(f.message, messages[i] as RegExp)));
  return got;
}

function silent(text: string, code: string, input: SpecCheckInput = {}) {
  assert.deepEqual(run(text, code, input).got, []);
}

describe('spec diagnostics: each fires where it should, and stays silent otherwise', () => {
  test('the base spec is clean', () => {
    assert.deepEqual(run(BASE, 'x').all, []);
  });

  test('spec-unknown-capability, with a did-you-mean', () => {
    const [f] = fires(BASE.replace('  read-data:', '  ⟦read-datas⟧:'), 'spec-unknown-capability', [
      '"read-datas" is not a capability. Did you mean "read-data"? The capabilities are administer-resource, read-config, read-data, write-data, delete-data.',
    ]);
    assert.deepEqual(f.data, { replacement: 'read-data' });
    fires(BASE + '  ⟦everything⟧: [ci]\n', 'spec-unknown-capability', [/^"everything" is not a capability\. The capabilities are/]);
    silent(BASE, 'spec-unknown-capability');
  });

  test('spec-undefined-principal, with a did-you-mean or the defined names', () => {
    fires(BASE.replace('read-data: [appA]', 'read-data: [⟦appa⟧]'), 'spec-undefined-principal', ['"appa" is not defined under principals. Did you mean "appA"?']);
    fires(BASE.replace('read-data: [appA]', 'read-data: [⟦person1⟧]'), 'spec-undefined-principal', ['"person1" is not defined under principals (defined: ci, appA).']);
    fires(BASE + 'grantsForAWSResources: [⟦nobody⟧]\n', 'spec-undefined-principal', [/^"nobody" is not defined/]);
    silent(BASE.replace('read-data: [appA]', 'read-data: [appA, arn:aws:iam::111122223333:user/person1]'), 'spec-undefined-principal');
  });

  test('spec-malformed-arn: definitions and ARNs written under access', () => {
    fires(BASE.replace('ci: arn:aws:iam::111122223333:role/ci', 'ci: ⟦arn:aws:s3:::bucket/ci⟧'), 'spec-malformed-arn', [
      '"arn:aws:s3:::bucket/ci" is not an IAM principal: the service must be iam (or sts for a role session), not "s3".',
    ]);
    fires(BASE.replace('read-data: [appA]', 'read-data: [⟦arn:aws:iam:us-east-1:111122223333:role/x⟧]'), 'spec-malformed-arn', ['IAM ARNs have no region: remove "us-east-1" (arn:aws:iam::111122223333:role/x).']);
    fires(BASE.replace('ci: arn:aws:iam::111122223333:role/ci', 'ci: ⟦arn:aws:iam::111122223333:group/ci⟧'), 'spec-malformed-arn', ['"group/ci" is not an IAM principal: use root, role/<name> or user/<name>.']);
    fires(BASE.replace('account: "111122223333"\n', '').replace('ci: arn:aws:iam::111122223333:role/ci', 'ci: ⟦role/ci⟧'), 'spec-malformed-arn', [/^"role\/ci" is a short form: set "account"/]);
    silent(BASE.replace('ci: arn:aws:iam::111122223333:role/ci', 'ci: role/deploy/ci'), 'spec-malformed-arn');
  });

  test('spec-malformed-account: the account field and ARN accounts', () => {
    fires(BASE.replace('account: "111122223333"', 'account: ⟦"11112222333"⟧'), 'spec-malformed-account', ['"11112222333" is not an account id: an account id is exactly 12 digits.']);
    fires(BASE.replace('ci: arn:aws:iam::111122223333:role/ci', 'ci: ⟦arn:aws:iam::1111-2222-3333:role/ci⟧'), 'spec-malformed-account', ['"1111-2222-3333" is not an account id: an account id is exactly 12 digits.']);
    silent(BASE, 'spec-malformed-account');
  });

  test('spec-unknown-service warns; known services and full ViaService values do not', () => {
    fires(BASE + 'services: [s3, ⟦sqss⟧]\n', 'spec-unknown-service', ['"sqss" is not a service we know to call KMS on a principal\'s behalf. Did you mean "sqs"? It is used as written: kms:ViaService sqss.*.amazonaws.com.']);
    fires(BASE + 'region: eu-west-1\nservices: [⟦zzzzzz⟧]\n', 'spec-unknown-service', ['"zzzzzz" is not a service we know to call KMS on a principal\'s behalf. It is used as written: kms:ViaService zzzzzz.eu-west-1.amazonaws.com.']);
    silent(BASE + 'services: [s3, dynamodb, lambda.us-east-1.amazonaws.com]\n', 'spec-unknown-service');
  });

  test('spec-no-administrator: an error, at administer-resource or at access', () => {
    const [f] = fires(BASE.replace('  administer-resource: [ci]', '  ⟦administer-resource⟧: []'), 'spec-no-administrator', [/^No principal holds administer-resource, so nobody could call kms:PutKeyPolicy/]);
    assert.equal(f.severity, 'error');
    fires(BASE.replace('access:\n  administer-resource: [ci]', '⟦access⟧:'), 'spec-no-administrator', [/^No principal holds administer-resource/]);
    silent(BASE, 'spec-no-administrator');
  });

  test('spec-separation-of-duties: info, on the administrator entry', () => {
    const [f] = fires(BASE.replace('administer-resource: [ci]', 'administer-resource: [ci, ⟦appA⟧]'), 'spec-separation-of-duties', [
      'appA both administers the key and holds read-data and write-data: one compromised credential could change the policy and read the data. Consider separate principals for administration and data access.',
    ]);
    assert.equal(f.severity, 'info');
    silent(BASE.replace('administer-resource: [ci]', 'administer-resource: [ci]\n  delete-data: [ci]'), 'spec-separation-of-duties');
  });

  test('spec-unused-principal: a principal listed under no capability', () => {
    fires(BASE.replace('principals:\n', 'principals:\n  ⟦person1⟧: user/person1\n'), 'spec-unused-principal', ['person1 is listed under no capability, so the generated policy gives it nothing. Add it under access, or remove it.']);
    silent(BASE.replace('principals:\n', 'principals:\n  person1: user/person1\n') + 'grantsForAWSResources: [person1]\n', 'spec-unused-principal');
  });

  test('spec-duplicate-domain and spec-duplicate-policy, from what the workspace index says', () => {
    fires(BASE.replace('domain: orders', 'domain: ⟦orders⟧'), 'spec-duplicate-domain', ['Another domain spec also names the domain "orders": other/orders.kms-domain.yaml. One data domain has one key and one spec; rename one of them.'], {
      sameDomain: ['other/orders.kms-domain.yaml'],
    });
    fires(BASE.replace('policy: ./orders.key-policy.json', 'policy: ⟦./orders.key-policy.json⟧'), 'spec-duplicate-policy', [/^b\.kms-domain\.yaml also governs this key policy/], { samePolicy: ['b.kms-domain.yaml'] });
    silent(BASE, 'spec-duplicate-domain', { sameDomain: [] });
  });

  test('spec-policy-missing: the key.policy path does not exist', () => {
    fires(BASE.replace('policy: ./orders.key-policy.json', 'policy: ⟦./orders.key-policy.json⟧'), 'spec-policy-missing', [
      './orders.key-policy.json does not exist. Generate it from this spec ("Generate key policy from domain spec", or kms-policy generate --write).',
    ], { policy: { state: 'missing' } });
    silent(BASE, 'spec-policy-missing', { policy: { state: 'unknown' } });
  });

  test('spec-policy-out-of-date: effective access differs; silent when the policy is what the spec generates', () => {
    const broad = parsePolicy(readFileSync(join(root, 'examples', 'orders.key-policy.json'), 'utf8'));
    fires(BASE.replace('policy: ./orders.key-policy.json', 'policy: ⟦./orders.key-policy.json⟧'), 'spec-policy-out-of-date', [
      /^\.\/orders\.key-policy\.json is out of date with this spec \(\d+ differences in effective access; the first\): .+ Regenerate it from this spec, or change the spec\.$/,
    ], { policy: { state: 'found', policy: broad } });
    fires(BASE.replace('policy: ./orders.key-policy.json', 'policy: ⟦./orders.key-policy.json⟧'), 'spec-policy-out-of-date', ['./orders.key-policy.json cannot be compared with this spec: not JSON'], {
      policy: { state: 'unreadable', message: 'not JSON' },
    });
    const g = generateFromSpec(parseSpec(BASE, 'yaml'));
    assert.ok(g.ok);
    silent(BASE, 'spec-policy-out-of-date', { policy: { state: 'found', policy: parsePolicy(g.text) } });
    // Formatting alone is not drift.
    silent(BASE, 'spec-policy-out-of-date', { policy: { state: 'found', policy: parsePolicy(JSON.stringify(JSON.parse(g.text))) } });
  });

  test('kmsPolicy.rules settings apply to spec ids: off drops, a level overrides', () => {
    const text = BASE.replace('administer-resource: [ci]', 'administer-resource: [ci, appA]');
    assert.equal(checkSpec(parseSpec(text, 'yaml'), { severities: { 'spec-separation-of-duties': 'off' } }).length, 0);
    assert.equal(checkSpec(parseSpec(text, 'yaml'), { severities: { 'spec-separation-of-duties': 'warning' } })[0].severity, 'warning');
  });

  test('an empty file, a list instead of a mapping', () => {
    assert.deepEqual(checkSpec(parseSpec('', 'yaml')).map((f) => f.message), ['This domain spec is empty: it needs domain, key and access.']);
    assert.deepEqual(checkSpec(parseSpec('- a\n- b\n', 'yaml')).map((f) => f.code), ['spec-schema']);
  });
});

describe('spec diagnostics and quick fixes over LSP types', () => {
  const uri = 'file:///work/orders.kms-domain.yaml';
  test('diagnostics carry code, source, severity, a docs link and data', () => {
    const text = BASE.replace('read-data: [appA]', 'read-data: [appa]');
    const document = TextDocument.create(uri, 'yaml', 1, text);
    const [d] = doSpecValidation(document, parseSpec(text, 'yaml'), {}, { docsUrl: 'file:///docs/domain-spec.md' });
    assert.equal(d.code, 'spec-undefined-principal');
    assert.equal(d.source, 'kms-policy');
    assert.equal(d.severity, 1);
    assert.equal(d.codeDescription?.href, 'file:///docs/domain-spec.md#spec-undefined-principal');
    assert.equal(document.getText(d.range), 'appa');
    const [fix] = doSpecCodeActions(document, d.range, { diagnostics: [d] }, parseSpec(text, 'yaml'), { specUri: uri, policyText: undefined });
    assert.equal(fix.title, 'Change to "appA"');
    assert.equal(TextDocument.applyEdits(document, fix.edit!.changes![uri]), BASE);
  });

  test('a missing policy: the quick fix creates the file with the generated policy', () => {
    const document = TextDocument.create(uri, 'yaml', 1, BASE);
    const spec = parseSpec(BASE, 'yaml');
    const diagnostics = doSpecValidation(document, spec, { policy: { state: 'missing' } });
    assert.deepEqual(diagnostics.map((d) => d.code), ['spec-policy-missing']);
    const actions = doSpecCodeActions(document, diagnostics[0].range, { diagnostics }, spec, { specUri: uri, policyText: undefined });
    assert.equal(actions[0].title, 'Generate orders.key-policy.json from this spec');
    const changes = actions[0].edit!.documentChanges!;
    assert.deepEqual(changes[0], { kind: 'create', uri: 'file:///work/orders.key-policy.json', options: { overwrite: false, ignoreIfExists: true } });
    assert.match((changes[1] as { edits: { newText: string }[] }).edits[0].newText, /^\{\n {2}"Version": "2012-10-17",\n {2}"Statement": \[/);
    assert.equal(actions[1].title, 'Generate key policy from domain spec', 'and as a source action');
  });
});

describe('every spec and drift id is documented in docs/domain-spec.md', () => {
  test('one ## section per id, and no section for an unknown id', () => {
    const doc = readFileSync(join(root, 'docs', 'domain-spec.md'), 'utf8');
    const diagnostics = doc.slice(doc.indexOf('\n# Diagnostics'));
    const sections = [...diagnostics.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, DOMAIN_RULES.map((r) => r.id));
    for (const r of DOMAIN_RULES) {
      const body = diagnostics.slice(diagnostics.indexOf(`## ${r.id}\n`));
      assert.match(body, new RegExp(`^## ${r.id}\\n\\n\\*\\*Default: ${r.defaultSeverity}\\.\\*\\*`), r.id);
    }
  });
});
