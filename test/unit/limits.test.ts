/**
 * The limits of issue 8: documents far over the AWS size limit are not analyzed (statements,
 * values), completion in a long document scans only the statement at the cursor, and hover and
 * code actions skip effective access over ACCESS_ANALYSIS_LIMIT. Each limit is checked on both
 * sides of its boundary, and the fast completion path against jsonc-parser's getLocation.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { getLocation } from 'jsonc-parser';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, DiagnosticSeverity, type CompletionList, type Diagnostic } from 'vscode-languageserver-types';
import { kmsActions } from '../../server/src/core/catalog/catalog';
import { parsePolicy } from '../../server/src/core/policy/parse';
import { ACCESS_ANALYSIS_LIMIT, runRules } from '../../server/src/core/rules/index';
import { doCodeActions } from '../../server/src/service/codeActions';
import { doComplete } from '../../server/src/service/completion';
import { toDiagnostic } from '../../server/src/service/diagnostics';
import { MAX_STATEMENTS, MAX_SYNTAX_ERRORS, MAX_VALUES } from '../../server/src/core/limits';
import { doHover } from '../../server/src/service/hover';
import { documentWorkspace } from '../support/workspace';
import { withCursor } from '../support/text';

const ACCT = '111122223333';
const URI = 'file:///work/limits.key-policy.json';
const doc = (text: string) => TextDocument.create(URI, 'json', 1, text);
/** The diagnostics of a key policy document, as the server computes them (the policy is parsed there again). */
const doValidation = (document: TextDocument, _policy: unknown) => documentWorkspace().diagnostics(document);
const policyText = (statements: readonly string[]) => `{\n  "Version": "2012-10-17",\n  "Statement": [\n    ${statements.join(',\n    ')}\n  ]\n}\n`;

// ---- not analyzed: statements and values ----------------------------------------------------

/** One statement with `actions` Action values; it names one role. Counts 3 + actions values (Principal entry + value, Resource). */
function statement(i: number, actions = ['kms:Decrypt']): string {
  return JSON.stringify({ Sid: `S${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/r${i % 7}` }, Action: actions, Resource: '*' });
}

/** `n` statements, the last with a typo (an unknown-action finding when analyzed). */
function statements(n: number): string {
  const all = Array.from({ length: n }, (_, i) => statement(i));
  all[n - 1] = all[n - 1].replace('kms:Decrypt', 'kms:Decrpyt');
  return policyText(all);
}

/** Statements besides the filler, with the number of values diagnostics.ts counts in them. */
const EXTRAS = {
  none: { statements: [], count: 0 },
  // 2,400 statements of 17 actions: 17 + Principal (1 + 1) + Resource (1) = 20 values each.
  'actions in 2,400 statements': { statements: Array.from({ length: 2400 }, (_, i) => statement(i, kmsActions.slice(0, 17).map((a) => a.fullName))), count: 48_000 },
  // Principal: AWS (1 + 100) and Service (1 + 2); Action and Resource: 1 each.
  'Principal values': {
    statements: [JSON.stringify({ Effect: 'Allow', Principal: { AWS: Array.from({ length: 100 }, (_, i) => `arn:aws:iam::${ACCT}:user/u${i}`), Service: ['s3.amazonaws.com', 'logs.amazonaws.com'] }, Action: 'kms:Decrypt', Resource: '*' })],
    count: 106,
  },
  // NotPrincipal (1 + 2), NotAction (2), NotResource (1).
  'NotPrincipal, NotAction and NotResource values': {
    statements: [JSON.stringify({ Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${ACCT}:root`, `arn:aws:iam::${ACCT}:role/admin`] }, NotAction: ['kms:Decrypt', 'kms:Encrypt'], NotResource: 'arn:aws:kms:*:*:alias/x' })],
    count: 6,
  },
  // Three clauses (1 + 2, 1 + 1, 1 + 1), Principal (2), Action (1), Resource (1).
  'several condition clauses': {
    statements: [JSON.stringify({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/app` }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/a': ['x', 'y'], 'aws:PrincipalTag/b': 'z' }, Bool: { 'aws:SecureTransport': 'true' } } })],
    count: 11,
  },
  // Wrong-typed values count: a number in Action, a number and an object in Resource.
  'wrong-typed values': {
    statements: ['{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": ["kms:Decrypt", 7], "Resource": ["*", 8, {"x": 1}]}'],
    count: 7,
  },
} satisfies Record<string, { statements: string[]; count: number }>;

/**
 * A policy of exactly `total` values as diagnostics.ts counts them: a statement with a typo (4
 * values), the extra statements, and one condition list making up the rest (Principal 2, Action 1,
 * Resource 1, the clause 1 + its n values).
 */
function values(total: number, extra: keyof typeof EXTRAS): string {
  const typo = JSON.stringify({ Sid: 'Typo', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:Decrpyt', Resource: '*' });
  const { statements, count } = EXTRAS[extra];
  const n = total - 4 - count - 5;
  const list = Array.from({ length: n }, (_, i) => `v${i}`);
  const filler = JSON.stringify({ Sid: 'Ctx', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/app` }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': list } } });
  return policyText([typo, ...statements, filler]);
}

describe('diagnostics: documents too big to analyze', () => {
  type Case = [name: string, text: () => string, notAnalyzed: RegExp | undefined];
  const cases: Case[] = [
    [`${MAX_STATEMENTS} statements: analyzed`, () => statements(MAX_STATEMENTS), undefined],
    [`${MAX_STATEMENTS + 1} statements: not analyzed`, () => statements(MAX_STATEMENTS + 1), /has 5001 statements \(more than 5000\); it is not analyzed/],
    ...(Object.keys(EXTRAS) as (keyof typeof EXTRAS)[]).flatMap((extra): Case[] => [
      [`${MAX_VALUES} values (${extra}): analyzed`, () => values(MAX_VALUES, extra), undefined],
      [`${MAX_VALUES + 1} values (${extra}): not analyzed`, () => values(MAX_VALUES + 1, extra), /has 50001 values \(more than 50000\); it is not analyzed/],
    ]),
  ];
  for (const [name, make, notAnalyzed] of cases) {
    test(name, () => {
      const document = doc(make());
      const policy = parsePolicy(document.getText());
      const diagnostics = doValidation(document, policy);
      if (notAnalyzed) {
        assert.equal(diagnostics.length, 1, `exactly one diagnostic, got ${diagnostics.map((d) => d.code).join(', ')}`);
        const [d] = diagnostics;
        assert.equal(d.code, 'not-analyzed');
        assert.equal(d.severity, DiagnosticSeverity.Information);
        assert.equal(d.source, 'kms-policy');
        assert.deepEqual(d.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
        assert.match(String(d.message), notAnalyzed);
      } else {
        assert.ok(!diagnostics.some((d) => d.code === 'not-analyzed'), 'analyzed');
        assert.deepEqual(diagnostics, runRules(policy).map((f) => toDiagnostic(document, f)), 'the rules, as for any document');
        assert.ok(diagnostics.some((d) => d.code === 'unknown-action' && /Decrpyt/.test(String(d.message))), 'the typo is found');
      }
    });
  }

  test('through the language service, as the server asks', () => {
    const service = documentWorkspace();
    const big = doc(statements(MAX_STATEMENTS + 1));
    assert.deepEqual(service.diagnostics(big).map((d) => d.code), ['not-analyzed']);
    const small = doc(statements(3));
    assert.ok(service.diagnostics(small).some((d) => d.code === 'unknown-action'));
  });

  test('a broken token early in a long array (every later token an error): one diagnostic at the first error', () => {
    // The fuzz case that took over 1 s over the wire: 10,000 actions before the break, 179,000 syntax errors after it.
    const values = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? '"kms:Decrypt"' : `"kms:Act${i}"`)).join(',');
    const intact = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${ACCT}:root"}, "Action": [${values}], "Resource": "*"}]}`;
    const at = intact.indexOf('"kms:Act10000"');
    const broken = intact.slice(0, at + 5) + '5<<: *a\nB' + intact.slice(at + 5); // inside a string: a raw line break ends it, and every later string turns inside out
    const policy = parsePolicy(broken);
    assert.ok(policy.syntaxErrors.length > MAX_SYNTAX_ERRORS, `${policy.syntaxErrors.length} syntax errors`);
    const document = doc(broken);
    const diagnostics = doValidation(document, policy);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['not-analyzed', DiagnosticSeverity.Information]]);
    const first = policy.syntaxErrors[0];
    assert.deepEqual(diagnostics[0].range, { start: document.positionAt(first.offset), end: document.positionAt(first.offset + first.length) });
    assert.match(String(diagnostics[0].message), new RegExp(`${policy.syntaxErrors.length} syntax errors \\(more than ${MAX_SYNTAX_ERRORS}\\)`));
    // A few syntax errors are reported as such, with the rest of the analysis.
    const typo = intact.replace('"Resource": "*"', '"Resource": "*",');
    const some = doValidation(doc(typo), parsePolicy(typo));
    assert.ok(some.some((d) => d.code === 'json-syntax') && !some.some((d) => d.code === 'not-analyzed'), 'analyzed, with its syntax error');
  });
});

// ---- completion in long documents -------------------------------------------------------------

/** Statements with a cursor `|` at the places completion is asked for. `local`: the items depend on the statement only. */
const TARGETS: [name: string, statement: string, expect: string, local: boolean][] = [
  ['action value in an array', '{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, "Action": ["kms:Decrypt", "kms:|"], "Resource": "*"}', 'kms:Encrypt', true],
  ['partial action value', '{"Effect": "Allow", "Action": "kms:Gen|", "Resource": "*"}', 'kms:GenerateDataKey', true],
  ['after a comma, no quote yet', '{"Effect": "Allow", "Action": ["kms:Decrypt", |], "Resource": "*"}', 'kms:Encrypt', true],
  ['after a comma on its own line', '{\n      "Effect": "Allow",\n      "Action": [\n        "kms:Decrypt",\n        |\n      ],\n      "Resource": "*"\n    }', 'kms:Sign', true],
  ['NotAction value', '{"Effect": "Deny", "NotAction": "|", "Resource": "*"}', 'kms:Decrypt', true],
  ['statement property key, quoted', '{"Effect": "Allow", "|"}', 'Principal', true],
  ['statement property key after a comma', '{"Effect": "Allow", "Action": "kms:Decrypt", |}', 'Resource', true],
  ['first key, just after the brace', '{|"Effect": "Allow"}', 'Sid', true],
  ['Effect value', '{"Effect": "|", "Action": "kms:Decrypt"}', '"Deny"', true],
  ['Resource value', '{"Effect": "Allow", "Resource": "|"}', '"*"', true],
  ['Principal type key', '{"Effect": "Allow", "Principal": {"|": ""}}', 'AWS', true],
  ['AWS principal value', '{"Effect": "Allow", "Principal": {"AWS": [|]}}', '"*"', true],
  ['condition operator', '{"Effect": "Allow", "Action": "kms:Decrypt", "Condition": {"|": {}}}', 'StringEquals', true],
  ['condition key', '{"Effect": "Allow", "Action": "kms:Decrypt", "Condition": {"StringEquals": {"|": "x"}}}', 'kms:ViaService', true],
  ['condition key after a comma', '{"Effect": "Allow", "Action": "kms:Decrypt", "Condition": {"StringEquals": {"kms:ViaService": "x", |}}}', 'kms:CallerAccount', true],
  ['condition value', '{"Effect": "Allow", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "|"}}}', '"false"', true],
  ['just before the closing brace', '{"Effect": "Allow", "Action": "kms:Decrypt"|}', '', true],
  // At the statement's edges (outside it): statement snippets, which name the document's principals.
  ['just before the statement', '|{"Effect": "Allow"}', '', false],
  ['just after the statement', '{"Effect": "Allow"}|', '', false],
];

const FILLER = Array.from({ length: 500 }, (_, i) => statement(i, ['kms:Encrypt', 'kms:GenerateDataKey*'])).join(',\n    ');
const PAD = (' '.repeat(99) + '\n').repeat(700);
const HEAD = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    ';

/** Documents over 64 KB holding a statement; `{statement}` is replaced by it. */
const SHAPES: [name: string, template: string, sameReading: boolean][] = [
  ['array, between 500 statements on each side', `${HEAD}${FILLER},\n    {statement},\n    ${FILLER}\n  ]\n}\n`, true],
  ['array, the first statement', `${HEAD}{statement},\n    ${FILLER}\n  ]\n}\n`, true],
  ['array, the last statement, document cut off after it', `${HEAD}${FILLER},\n    {statement}`, true],
  ['array, after elements that are not objects', `${HEAD}"x", 7, null, ${FILLER},\n    {statement}\n  ]\n}\n`, true],
  ['array, CRLF line ends', `${HEAD}${FILLER},\n    {statement},\n    ${FILLER}\n  ]\n}\n`.replace(/\n/g, '\r\n'), true],
  ['single statement object', `{\n  "Version": "2012-10-17",\n${PAD}  "Statement": {statement}\n${PAD}}\n`, true],
  ['single statement object, padding after it', `{\n  "Version": "2012-10-17",\n  "Statement": {statement}\n${PAD}}\n`, true],
  ['array, a syntax error in a statement before it', `${HEAD}${FILLER.replace('"Effect":"Allow",', '"Effect":"Allow" ')},\n    {statement},\n    ${FILLER}\n  ]\n}\n`, false],
  ['array, a missing comma between statements before it', `${HEAD}${FILLER.replace('},{', '} {').replace('},\n', '}\n')},\n    {statement}\n  ]\n}\n`, false],
  ['array, an unclosed string before it', `${HEAD}${FILLER},\n    {"Sid": "oops\n    {statement}\n  ]\n}\n`, false],
  ['array, a comment before it', `${HEAD}${FILLER},\n    // the next one\n    {statement}\n  ]\n}\n`, false],
];

function completeAt(marked: string, locate?: typeof getLocation): { list: CompletionList; document: TextDocument; offset: number } {
  const { document, position, offset } = withCursor(marked, URI);
  return { list: doComplete(document, position, parsePolicy(document.getText()), locate ? { locate } : {}), document, offset };
}

/** Items with their ranges as offsets relative to `base` (the statement's start), for comparing documents. */
function relative(list: CompletionList, document: TextDocument, base: number) {
  return list.items.map((i) => {
    const edit = i.textEdit && 'range' in i.textEdit ? i.textEdit : undefined;
    return {
      ...i,
      textEdit: edit && { newText: edit.newText, start: document.offsetAt(edit.range.start) - base, end: document.offsetAt(edit.range.end) - base },
    };
  });
}

describe('completion in documents over 64 KB: the statement at the cursor, read alone', () => {
  for (const [shape, template, sameReading] of SHAPES) {
    describe(shape, () => {
      for (const [name, stmt, expect, local] of TARGETS) {
        test(name, () => {
          const marked = template.replace('{statement}', () => stmt);
          assert.ok(marked.length >= 64 * 1024 + 1, 'long enough for the statement scan');
          const fast = completeAt(marked);
          const full = completeAt(marked, getLocation);
          assert.deepEqual(fast.list, full.list, 'the same items as jsonc-parser getLocation over the whole text');
          if (!sameReading) return; // getLocation itself may read the text differently (a missing comma: the previous statement)
          if (expect) assert.ok(full.list.items.some((i) => i.label === expect), `${expect} offered; got ${full.list.items.map((i) => i.label).slice(0, 8).join(', ')}`);
          if (!local) return;
          // The same statement in a small document.
          const isObject = /"Statement": \{statement\}/.test(template);
          const small = completeAt(`{"Version": "2012-10-17", "Statement": ${isObject ? '' : '['}${stmt}${isObject ? '' : ']'}}`);
          const bigBase = template.indexOf('{statement}');
          const smallBase = (isObject ? '{"Version": "2012-10-17", "Statement": ' : '{"Version": "2012-10-17", "Statement": [').length;
          const crlf = template.includes('\r\n');
          if (!crlf) assert.deepEqual(relative(fast.list, fast.document, bigBase), relative(small.list, small.document, smallBase), 'the same items as in a small document');
          else assert.deepEqual(fast.list.items.map((i) => i.label), small.list.items.map((i) => i.label), 'the same items as in a small document');
        });
      }
    });
  }

  test('between statements (no statement at the cursor): statement snippets, as getLocation reads it', () => {
    const marked = `${HEAD}${FILLER},\n    |\n    ${FILLER}\n  ]\n}\n`;
    const fast = completeAt(marked);
    assert.deepEqual(fast.list, completeAt(marked, getLocation).list);
    assert.ok(fast.list.items.length > 0, 'snippets offered');
  });

  test('top-level keys after the statements', () => {
    const marked = `{\n  "Statement": [\n    ${FILLER}\n  ],\n  |\n}\n`;
    const fast = completeAt(marked);
    assert.deepEqual(fast.list, completeAt(marked, getLocation).list);
    assert.deepEqual(fast.list.items.map((i) => i.label), ['Version', 'Id']);
  });
});

// ---- hover and code actions over ACCESS_ANALYSIS_LIMIT ------------------------------------------

const BROAD = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/app` }, Action: ['kms:Decrypt', 'kms:*'], Resource: '*' },
    ],
  },
  null,
  2,
);
/** The broad policy, padded with trailing blanks to `length` characters: the same policy, a longer text. */
const padded = (length: number) => BROAD + ' '.repeat(length - BROAD.length);
const REWRITE = { rewrite: { style: 'key-policy-only' as const, principalForm: 'k9' as const }, interactive: false };

describe(`hover and code actions: effective access up to ${ACCESS_ANALYSIS_LIMIT / 1024} KB only`, () => {
  const sizes: [string, number, boolean][] = [
    ['a small document', BROAD.length, true],
    ['exactly at the limit', ACCESS_ANALYSIS_LIMIT, true],
    ['one character over the limit', ACCESS_ANALYSIS_LIMIT + 1, false],
    ['1 MB', 1024 * 1024, false],
  ];
  // The diagnostics of the small document (the client may still hold them when the text grows).
  const smallDoc = doc(BROAD);
  const broadDiagnostics: Diagnostic[] = doValidation(smallDoc, parsePolicy(BROAD));
  assert.ok(broadDiagnostics.some((d) => d.code === 'over-broad-grant'));

  for (const [name, length, analyzed] of sizes) {
    test(`${name}: hover on an action ${analyzed ? 'says' : 'does not say'} who can call it`, () => {
      const document = doc(padded(length));
      const policy = parsePolicy(document.getText());
      const h = doHover(document, document.positionAt(BROAD.indexOf('kms:Decrypt') + 4), policy);
      const text = (h?.contents as { value: string } | undefined)?.value ?? '';
      assert.match(text, /\*\*kms:Decrypt\*\*/, 'the action is still described');
      if (analyzed) {
        assert.match(text, /\*\*Who can call kms:Decrypt under this policy\*\*/);
        assert.match(text, /- Allowed: `arn:aws:iam::111122223333:root`, `arn:aws:iam::111122223333:role\/app`/);
      } else assert.doesNotMatch(text, /Who can call/);
    });

    test(`${name}: "Rewrite to least privilege" ${analyzed ? 'is' : 'is not'} offered`, () => {
      const document = doc(padded(length));
      const policy = parsePolicy(document.getText());
      const at = document.positionAt(BROAD.indexOf('"kms:*"', BROAD.indexOf('"App"')) + 2);
      const quick = doCodeActions(document, { start: at, end: at }, { diagnostics: broadDiagnostics, only: [CodeActionKind.QuickFix] }, policy, REWRITE);
      const refactor = doCodeActions(document, { start: at, end: at }, { diagnostics: [], only: [CodeActionKind.RefactorRewrite] }, policy, REWRITE);
      const rewrites = (actions: { title: string }[]) => actions.filter((a) => a.title.startsWith('Rewrite to least privilege')).map((a) => a.title.replace(/\):.*/, ')'));
      const expected = analyzed ? ['Rewrite to least privilege (key-policy-only)', 'Rewrite to least privilege (delegate-to-iam)'] : [];
      assert.deepEqual(rewrites(quick), expected, 'as a quick fix of over-broad-grant');
      assert.deepEqual(rewrites(refactor), expected, 'as a refactoring');
      // The cheap actions stay, whatever the size.
      assert.ok(refactor.some((a) => a.title.startsWith('Expand "kms:*"')), 'the wildcard expansion is still offered');
      assert.ok(quick.some((a) => a.title.startsWith('Replace "kms:*"')), 'the over-broad-grant fix is still offered');
    });
  }
});
