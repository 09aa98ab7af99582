import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { driftFindings } from '../../server/src/core/spec/drift';
import { generateFromSpec } from '../../server/src/core/spec/generate';
import { parseSpec } from '../../server/src/core/spec/parse';
import { settle } from '../../server/src/core/spec/rules';
import { baseName, DomainIndex, normalizeUri, relativePath, resolveUri } from '../../server/src/core/spec/workspace';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { createSpecEdit, doPolicyDomainActions, generatePolicyEdit, SOURCE_CREATE_SPEC, SOURCE_GENERATE } from '../../server/src/service/domainCommands';
import { doDriftValidation } from '../../server/src/service/domainDiagnostics';
import { DomainWorkspace } from '../../server/src/service/domainWorkspace';

const root = join(__dirname, '..', '..', '..');
const ACCT = '111122223333';
const CI = `arn:aws:iam::${ACCT}:role/ci`;
const APP = `arn:aws:iam::${ACCT}:role/appA`;
const APPB = `arn:aws:iam::${ACCT}:role/appB`;
const SPEC_URI = 'file:///work/keys/orders.kms-domain.yaml';
const POLICY_URI = 'file:///work/keys/orders.key-policy.json';

const SPEC = `domain: orders
account: "${ACCT}"
key:
  policy: ./orders.key-policy.json
principals:
  ci: ${CI}
  appA: ${APP}
access:
  administer-resource: [ci]
  read-config: [ci, appA]
  read-data: [appA]
  write-data: [appA]
`;

type Stmt = Record<string, unknown>;
const allow = (sid: string, principals: string[], actions: string[] | string): Stmt => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: actions,
  Resource: '*',
  Condition: { ArnEquals: { 'aws:PrincipalArn': principals } },
});
const policyText = (statements: Stmt[]) => JSON.stringify({ Version: '2012-10-17', Id: 'orders', Statement: statements }, null, 2) + '\n';

/** The policy the spec generates, as statements, to start from. */
function generatedStatements(spec = SPEC): Stmt[] {
  const g = generateFromSpec(parseSpec(spec, 'yaml'));
  assert.ok(g.ok);
  return JSON.parse(g.text).Statement;
}

function drift(text: string, spec = SPEC) {
  const policy = parsePolicy(text);
  return settle(driftFindings(policy, [{ uri: SPEC_URI, spec: parseSpec(spec, 'yaml') }])).map((f) => ({ ...f, at: text.slice(f.span.start, f.span.end) }));
}

describe('drift on the key policy, decided by the evaluator', () => {
  test('a policy generated from the spec has no drift', () => {
    assert.deepEqual(drift(policyText(generatedStatements())), []);
  });

  test('extra access: "appB can Decrypt here, but the orders domain spec gives appB no read-data", at appB', () => {
    const text = policyText([...generatedStatements(), allow('Legacy', [APPB], ['kms:Decrypt'])]);
    const [f, ...rest] = drift(text);
    assert.deepEqual(rest, []);
    assert.equal(f.code, 'drift-extra-access');
    assert.equal(f.severity, 'error');
    assert.equal(f.message, 'appB can Decrypt here, but the orders domain spec gives appB no read-data.');
    assert.equal(f.at, JSON.stringify(APPB));
    assert.deepEqual(f.data, { spec: SPEC_URI, principal: APPB, direction: 'extra', capabilities: ['read-data'] });
  });

  test('missing access: "ci should administer this key per the orders domain spec, but nothing here lets ci call PutKeyPolicy"', () => {
    const statements = generatedStatements().filter((s) => s.Sid !== 'AllowRestrictedAdministerResource');
    statements.push(allow('AdminWithoutPolicy', [CI], ['kms:ScheduleKeyDeletion', 'kms:DisableKey']));
    const [f] = drift(policyText(statements));
    assert.equal(f.code, 'drift-missing-access');
    assert.equal(f.severity, 'warning');
    assert.equal(f.message, 'ci should administer this key per the orders domain spec, but nothing here lets ci call PutKeyPolicy (+17 more administer-resource actions).');
    assert.equal(f.at, JSON.stringify(CI), 'at the first mention of ci');
  });

  test('the reason names a Deny, conditions, or IAM', () => {
    const deny = { Sid: 'NoDecrypt', Effect: 'Deny', Principal: { AWS: APP }, Action: 'kms:Decrypt', Resource: '*' };
    assert.deepEqual(drift(policyText([...generatedStatements(), deny])).map((f) => f.message), ['appA should read orders data per the orders domain spec, but statement "NoDecrypt" denies appA Decrypt.']);
    const conditional = generatedStatements().map((s) => (s.Sid === 'AllowRestrictedReadData' ? { ...s, Condition: { ...(s.Condition as object), StringEquals: { 'kms:EncryptionContext:Dept': 'orders' } } } : s));
    assert.deepEqual(drift(policyText(conditional)).map((f) => f.message), [
      'appA should read orders data per the orders domain spec, but appA gets Decrypt (+3 more read-data actions) here only under conditions the evaluator cannot decide.',
    ]);
  });

  test('a root delegation without DenyEveryoneElse: the unnamed principals of the account, at the root ARN', () => {
    const text = policyText([{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }, ...generatedStatements()]);
    const findings = drift(text);
    assert.deepEqual(findings.map((f) => [f.code, f.at]), [['drift-extra-access', JSON.stringify(`arn:aws:iam::${ACCT}:root`)]]);
    assert.equal(
      findings[0].message,
      `Any principal in account ${ACCT} that an IAM policy allows can PutKeyPolicy (+19 more administer-resource actions), DescribeKey (+9 more read-config actions), Decrypt (+3 more read-data actions), Encrypt (+9 more write-data actions) and DeleteImportedKeyMaterial here (statement "Root" delegates to IAM in ${ACCT}), but the orders domain spec gives administer-resource, read-config, read-data, write-data and delete-data only to the principals it names (ci and appA).`,
    );
    // A delegate-to-iam spec wants the delegation, but with everyone else denied: still extra for the unnamed.
    const delegate = SPEC.replace('key:\n', 'key:\n  style: delegate-to-iam\n');
    assert.deepEqual(drift(text, delegate).map((f) => f.message.split(' PutKeyPolicy')[0]), [`Any principal in account ${ACCT} that an IAM policy allows can`]);
    assert.deepEqual(drift(policyText(generatedStatements(delegate)), delegate), []);
  });

  test('services: access outside them is extra; a spec with services is met only by the ViaService conditions', () => {
    const spec = `${SPEC}region: us-east-1\nservices: [s3]\n`;
    const [f] = drift(policyText(generatedStatements()), spec);
    assert.equal(f.message, 'appA can Decrypt (+3 more read-data actions) without going through s3 and Encrypt (+9 more write-data actions) without going through s3 here, but the orders domain spec gives appA read-data and write-data only through s3 (kms:ViaService).');
    assert.deepEqual(drift(policyText(generatedStatements(spec)), spec), []);
    const otherService = generatedStatements(spec).map((s) => (s.Sid === 'AllowRestrictedReadData' ? JSON.parse(JSON.stringify(s).replace('s3.us-east-1', 'lambda.us-east-1')) : s));
    assert.deepEqual(drift(policyText(otherService), spec).map((x) => x.code).sort(), ['drift-extra-access', 'drift-missing-access']);
  });

  test('grants for AWS resources: missing when the statement is absent, extra when the grant is for anyone', () => {
    const spec = `${SPEC}grantsForAWSResources: [appA]\n`;
    const [missing] = drift(policyText(generatedStatements()), spec);
    assert.equal(missing.message, 'appA should create grants for AWS resources per the orders domain spec, but nothing here lets appA call CreateGrant or RevokeGrant for an AWS resource.');
    const [extra] = drift(policyText([...generatedStatements(), allow('Grants', [APP], ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'])]), spec);
    assert.equal(extra.message, 'appA can CreateGrant and RevokeGrant for anyone here, but the orders domain spec gives appA CreateGrant and RevokeGrant only for AWS resources (kms:GrantIsForAWSResource).');
  });

  test('a spec with errors gives no drift (its own diagnostics say why)', () => {
    assert.deepEqual(drift(policyText([allow('X', [APPB], '*')]), SPEC.replace('[ci]', '[cj]')), []);
  });
});

describe('the drift quick fix and the generate and create commands', () => {
  const broad = readFileSync(join(root, 'examples', 'orders.key-policy.json'), 'utf8');
  const examplesSpec = readFileSync(join(root, 'examples', 'orders.kms-domain.yaml'), 'utf8');

  function fixAll(text: string, spec: string): string {
    const document = TextDocument.create(POLICY_URI, 'json', 1, text);
    const governing = [{ uri: SPEC_URI, spec: parseSpec(spec, 'yaml') }];
    const diagnostics = doDriftValidation(document, parsePolicy(text), governing);
    assert.ok(diagnostics.length > 0);
    const actions = doPolicyDomainActions(document, diagnostics[0].range, { diagnostics, only: ['quickfix'] }, parsePolicy(text), { governing, exists: () => false });
    assert.equal(actions.length, 1, 'one fix per spec, for all its drift diagnostics');
    assert.equal(actions[0].title, 'Rewrite the policy from the orders domain spec');
    assert.equal(actions[0].diagnostics?.length, diagnostics.length);
    return TextDocument.applyEdits(document, actions[0].edit!.changes![POLICY_URI]);
  }

  test('the fix rewrites the policy from the spec, keeps the rest of the document, and clears the drift', () => {
    const fixed = fixAll(broad, SPEC);
    assert.deepEqual(drift(fixed), []);
    assert.equal(JSON.parse(fixed).Id, 'orders-key-policy', 'the Id is kept');
    assert.equal(JSON.parse(fixed).Statement[0].Sid, 'AllowRestrictedAdministerResource');
  });

  test('with services and grants (the example spec), too', () => {
    const fixed = fixAll(broad, examplesSpec);
    assert.deepEqual(drift(fixed, examplesSpec), []);
    assert.match(fixed, /"kms:ViaService"/);
    assert.match(fixed, /"kms:GrantIsForAWSResource": "true"/);
  });

  test('drift diagnostics point back at the spec (related information, in the spec file)', () => {
    const text = policyText([...generatedStatements(), allow('Legacy', [APPB], ['kms:Decrypt'])]);
    const document = TextDocument.create(POLICY_URI, 'json', 1, text);
    const [d] = doDriftValidation(document, parsePolicy(text), [{ uri: SPEC_URI, spec: parseSpec(SPEC, 'yaml') }], { docsUrl: 'https://x/domain-spec.md' });
    assert.equal(d.code, 'drift-extra-access');
    assert.equal(d.codeDescription?.href, 'https://x/domain-spec.md#drift-extra-access');
    const specDoc = TextDocument.create(SPEC_URI, 'yaml', 1, SPEC);
    assert.deepEqual(d.relatedInformation?.map((r) => [r.location.uri, specDoc.getText(r.location.range), r.message]), [[SPEC_URI, 'read-data', 'read-data in the orders domain spec']]);
    assert.deepEqual(doDriftValidation(document, parsePolicy(text), [{ uri: SPEC_URI, spec: parseSpec(SPEC, 'yaml') }], { rules: { 'drift-extra-access': 'off' } }), []);
  });

  test('generate: creates the file when missing, replaces it when present, nothing when up to date', () => {
    const spec = parseSpec(SPEC, 'yaml');
    const created = generatePolicyEdit(SPEC_URI, spec, undefined);
    assert.ok('edit' in created);
    assert.equal(created.uri, POLICY_URI);
    const text = (created.edit.documentChanges![1] as { edits: { newText: string }[] }).edits[0].newText;
    assert.equal(text, (generateFromSpec(spec) as { text: string }).text);
    const replaced = generatePolicyEdit(SPEC_URI, spec, broad);
    assert.ok('edit' in replaced);
    const doc = TextDocument.create(POLICY_URI, 'json', 1, broad);
    assert.equal(TextDocument.applyEdits(doc, replaced.edit.changes![POLICY_URI]), text, 'same bytes');
    const same = generatePolicyEdit(SPEC_URI, spec, text);
    assert.ok('edit' in same && same.unchanged);
    const broken = generatePolicyEdit(SPEC_URI, parseSpec(SPEC.replace('[ci]', '[]'), 'yaml'), undefined);
    assert.ok('error' in broken && /^Fix the domain spec first: No principal holds administer-resource/.test(broken.error));
  });

  test('create spec: a YAML spec beside the policy, as a source action where no spec governs it', () => {
    const policy = parsePolicy(broad);
    const r = createSpecEdit(POLICY_URI, policy, () => false);
    assert.ok('edit' in r);
    assert.equal(r.uri, 'file:///work/keys/orders.kms-domain.yaml');
    assert.deepEqual(r.edit.documentChanges![0], { kind: 'create', uri: r.uri, options: { overwrite: false, ignoreIfExists: true } });
    const exists = createSpecEdit(POLICY_URI, policy, (u) => u === r.uri);
    assert.ok('error' in exists && /already exists/.test(exists.error));
    const document = TextDocument.create(POLICY_URI, 'json', 1, broad);
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const actions = doPolicyDomainActions(document, range, { diagnostics: [], only: ['source'] }, policy, { governing: [], exists: () => false });
    assert.deepEqual(actions.map((a) => [a.title, a.kind, a.command?.command, a.command?.arguments]), [['Create domain spec from key policy', SOURCE_CREATE_SPEC, 'kmsPolicy.createDomainSpec', [{ uri: POLICY_URI }]]]);
    const governed = doPolicyDomainActions(document, range, { diagnostics: [], only: ['source'] }, policy, { governing: [{ uri: SPEC_URI, spec: parseSpec(SPEC, 'yaml') }], exists: () => false });
    assert.deepEqual(governed.map((a) => [a.title, a.kind]), [['Replace with the policy generated from the orders domain spec', SOURCE_GENERATE]]);
  });
});

describe('the workspace index', () => {
  test('spec -> governed policy URI, policy -> governing specs, across folders and encodings', () => {
    const index = new DomainIndex();
    index.setSpec('file:///w/specs/orders.kms-domain.yaml', SPEC.replace('./orders.key-policy.json', '../keys/my%20orders.key-policy.json'));
    index.setSpec('file:///w/keys/orders.kms-domain.json', JSON.stringify({ domain: 'orders', key: { policy: 'my orders.key-policy.json' }, access: {} }));
    index.setSpec('file:///w/other.kms-domain.yml', 'domain: billing\nkey:\n  policy: ./billing.key-policy.json\naccess: {}\n');
    assert.equal(index.getSpec('file:///w/keys/orders.kms-domain.json')?.policyUri, 'file:///w/keys/my%20orders.key-policy.json');
    assert.deepEqual(index.governing('file:///w/keys/my%20orders.key-policy.json').map((s) => s.uri), ['file:///w/keys/orders.kms-domain.json']);
    assert.deepEqual(index.sameDomain('file:///w/keys/orders.kms-domain.json').map((s) => s.uri), ['file:///w/specs/orders.kms-domain.yaml']);
    assert.deepEqual(index.sameDomain('file:///w/other.kms-domain.yml'), []);
    assert.deepEqual(index.affectedBy('file:///w/other.kms-domain.yml'), ['file:///w/billing.key-policy.json']);
    assert.deepEqual(index.affectedBy('file:///w/billing.key-policy.json'), ['file:///w/other.kms-domain.yml']);
    assert.ok(index.deleteSpec('file:///w/other.kms-domain.yml'));
    assert.deepEqual(index.governing('file:///w/billing.key-policy.json'), [], 'a deleted spec governs nothing');
  });

  test('an edit that changes key.policy moves the governed file', () => {
    const index = new DomainIndex();
    index.setSpec(SPEC_URI, SPEC);
    assert.equal(index.governing(POLICY_URI).length, 1);
    index.setSpec(SPEC_URI, SPEC.replace('./orders.key-policy.json', './elsewhere.json'));
    assert.equal(index.governing(POLICY_URI).length, 0);
    assert.equal(index.governing('file:///work/keys/elsewhere.json').length, 1);
  });

  test('principal ARNs of the workspace key policies, for completion', () => {
    const index = new DomainIndex();
    index.setPolicy(POLICY_URI, parsePolicy(readFileSync(join(root, 'examples', 'orders.key-policy.json'), 'utf8')));
    index.setPolicy('file:///work/b.key-policy.json', parsePolicy(policyText([allow('X', [APPB, `arn:aws:iam::${ACCT}:role/app-*`], 'kms:Decrypt')])));
    assert.deepEqual(index.workspaceArns(), [APP, APPB, `arn:aws:iam::${ACCT}:user/ci`]);
    index.deletePolicy('file:///work/b.key-policy.json');
    assert.deepEqual(index.workspaceArns(), [APP, `arn:aws:iam::${ACCT}:user/ci`]);
  });

  test('URI and path helpers', () => {
    assert.equal(resolveUri('file:///a/b/spec.kms-domain.yaml', './p.json'), 'file:///a/b/p.json');
    assert.equal(resolveUri('file:///a/b/spec.kms-domain.yaml', '../c/p q.json'), 'file:///a/c/p%20q.json');
    assert.equal(resolveUri('file:///c%3A/w/spec.yaml', 'p.json'), 'file:///c%3A/w/p.json');
    assert.equal(resolveUri('/a/b/spec.kms-domain.yaml', '../p.json'), '/a/p.json');
    assert.equal(resolveUri('specs/spec.kms-domain.yaml', './p.json'), 'specs/p.json');
    assert.equal(normalizeUri('file:///C:/w/./x%20y.json'), normalizeUri('file:///c%3A/w/x y.json'));
    assert.equal(baseName('file:///a/my%20orders.key-policy.json'), 'my orders.key-policy.json');
    assert.equal(relativePath('file:///a/keys/p.json', 'file:///a/specs/s.yaml'), '../specs/s.yaml');
  });
});

describe('DomainWorkspace: the index fed from a host, with every feature one call away', () => {
  function workspace(files: Record<string, string>) {
    const ws = new DomainWorkspace({ readText: (uri) => files[uri] });
    return { ws, files };
  }
  const doc = (uri: string, text: string) => TextDocument.create(uri, uri.endsWith('.json') ? 'json' : 'yaml', 1, text);

  test('a spec on disk governs an open policy; its deletion stops it; each change says what to refresh', () => {
    const broad = policyText([...generatedStatements(), allow('Legacy', [APPB], ['kms:Decrypt'])]);
    const { ws, files } = workspace({ [SPEC_URI]: SPEC, [POLICY_URI]: broad });
    assert.deepEqual(ws.fileChanged(SPEC_URI, 'created'), [POLICY_URI]);
    const policyDoc = doc(POLICY_URI, broad);
    assert.deepEqual(ws.driftFindings(policyDoc.uri, parsePolicy(broad)).map((d) => d.code), ['drift-extra-access']);
    assert.deepEqual(ws.specFindings(SPEC_URI, SPEC, undefined).map((d) => d.code), ['spec-policy-out-of-date']);
    delete files[SPEC_URI];
    assert.deepEqual(ws.fileChanged(SPEC_URI, 'deleted'), [POLICY_URI]);
    assert.deepEqual(ws.driftFindings(policyDoc.uri, parsePolicy(broad)), []);
  });

  test('a spec whose policy is missing; the generate command creates it; create-spec refuses to overwrite', () => {
    const { ws } = workspace({ [SPEC_URI]: SPEC });
    assert.deepEqual(ws.specFindings(SPEC_URI, SPEC, undefined).map((d) => d.code), ['spec-policy-missing']);
    const r = ws.executeCommand('kmsPolicy.generateKeyPolicy', [{ uri: SPEC_URI }]);
    assert.ok(r && 'edit' in r && r.uri === POLICY_URI);
    assert.deepEqual(ws.executeCommand('kmsPolicy.createDomainSpec', [{ uri: POLICY_URI }]), { error: 'orders.key-policy.json does not exist.' });
    assert.equal(ws.executeCommand('something.else', []), undefined);
  });

  test('completion gets the workspace ARNs and policy files; an IaC resource picks only its own specs', () => {
    const { ws } = workspace({});
    ws.updatePolicy('file:///work/keys/billing.key-policy.json', parsePolicy(policyText([allow('X', [APPB], 'kms:Decrypt')])));
    const text = 'key:\n  policy: \nprincipals:\n  b: \n';
    const labels = (line: number, character: number) => ws.complete(doc(SPEC_URI, text), { line, character }).items.map((i) => i.label);
    assert.deepEqual(labels(1, 10), ['./billing.key-policy.json']);
    assert.deepEqual(labels(3, 5), [APPB]);
    ws.updateSpec('file:///work/iac.kms-domain.yaml', SPEC.replace('./orders.key-policy.json', './stack.yaml#OrdersKey'));
    assert.equal(ws.governing('file:///work/stack.yaml', 'OrdersKey').length, 1);
    assert.equal(ws.governing('file:///work/stack.yaml', 'OtherKey').length, 0);
    assert.equal(ws.governing('file:///work/stack.yaml').length, 0);
  });
});
