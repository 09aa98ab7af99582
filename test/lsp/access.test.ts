/**
 * Access changes and effective access over stdio (issue 15 item 4): the "Compared with HEAD" code
 * lens in a real temporary git repository (git init, commit, edit), the fallback to the version when
 * opened without git, HEAD from a client that reads it itself (kmsPolicy/baseText), and the
 * executeCommand pages (kmsPolicy.accessDiff, kmsPolicy.effectiveAccess).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { initialize, positionOf, startServer, type ServerProcess } from '../support/lsp';

interface Lens { range: { start: { line: number; character: number } }; command?: { title: string; command: string; arguments?: unknown[] } }
interface Page { title: string; html: string; markdown: string }

const ROOT_ARN = 'arn:aws:iam::111122223333:root';
const APP = 'arn:aws:iam::111122223333:role/appA';
const ETL = 'arn:aws:iam::111122223333:role/etl';

const statement = (sid: string, principal: string, actions: string[]) =>
  `    {\n      "Sid": "${sid}",\n      "Effect": "Allow",\n      "Principal": { "AWS": "${principal}" },\n      "Action": ${JSON.stringify(actions)},\n      "Resource": "*"\n    }`;
const policy = (...statements: string[]) => `{\n  "Version": "2012-10-17",\n  "Statement": [\n${statements.join(',\n')}\n  ]\n}\n`;

const BASE = policy(statement('Root', ROOT_ARN, ['kms:*']), statement('App', APP, ['kms:Decrypt', 'kms:GenerateDataKey*']));
/** One more principal, with read-data. */
const GAIN = policy(statement('Root', ROOT_ARN, ['kms:*']), statement('App', APP, ['kms:Decrypt', 'kms:GenerateDataKey*']), statement('Etl', ETL, ['kms:Decrypt']));
/** appA loses write-data (GenerateDataKey*). */
const LOSS = policy(statement('Root', ROOT_ARN, ['kms:*']), statement('App', APP, ['kms:Decrypt']));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function lenses(server: ServerProcess, uri: string): Promise<Lens[]> {
  return (await server.request<Lens[] | null>('textDocument/codeLens', { textDocument: { uri } })) ?? [];
}
const titles = (ls: Lens[]) => ls.map((l) => l.command?.title);

async function change(server: ServerProcess, uri: string, version: number, text: string): Promise<void> {
  await server.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
}

describe('access changes: the code lens against HEAD, in a real git repository', () => {
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kms-lens-'));
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'orders.key-policy.json'), BASE);
    writeFileSync(join(dir, 'template.yaml'), template('kms:Decrypt'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    server = startServer();
    const folder = pathToFileURL(dir).href;
    await initialize(server, { rootUri: folder, workspaceFolders: [{ uri: folder, name: 'repo' }] });
  });
  after(() => {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no lens while the policy is as committed; an edit that adds a principal shows its gain, one that takes access away its loss', async () => {
    const uri = pathToFileURL(join(dir, 'orders.key-policy.json')).href;
    await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: BASE } });
    assert.deepEqual(await lenses(server, uri), []);

    await change(server, uri, 2, GAIN);
    const gained = await lenses(server, uri);
    assert.deepEqual(titles(gained), ['Compared with HEAD: +1 grant']);
    assert.deepEqual(gained[0].range.start, { line: 0, character: 0 });
    // Other editors: the lens runs the server's command, which answers the page.
    assert.equal(gained[0].command?.command, 'kmsPolicy.accessDiff');
    assert.deepEqual(gained[0].command?.arguments, [uri]);

    await change(server, uri, 3, LOSS);
    assert.deepEqual(titles(await lenses(server, uri)), ['Compared with HEAD: −1']);

    await change(server, uri, 4, BASE);
    assert.deepEqual(await lenses(server, uri), [], 'back to HEAD: no lens');
  });

  test('kmsPolicy.accessDiff (the lens command) answers the diff page: the principal that gains and what', async () => {
    const uri = pathToFileURL(join(dir, 'orders.key-policy.json')).href;
    await change(server, uri, 5, GAIN);
    const page = await server.request<Page | null>('workspace/executeCommand', { command: 'kmsPolicy.accessDiff', arguments: [uri] });
    assert.ok(page);
    assert.equal(page.title, 'Access changes: orders.key-policy.json (compared with HEAD)');
    assert.ok(page.html.includes(ETL), page.html);
    assert.ok(page.html.includes('read-data'), page.html);
    assert.doesNotMatch(page.html, /<script/i);
    assert.ok(page.markdown.includes(ETL), page.markdown);
  });

  test('a file that is not in HEAD: the lens says the key is new', async () => {
    const uri = pathToFileURL(join(dir, 'new.key-policy.json')).href;
    writeFileSync(join(dir, 'new.key-policy.json'), BASE);
    await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: BASE } });
    const ls = await lenses(server, uri);
    assert.equal(ls.length, 1);
    assert.match(ls[0].command!.title, /^Compared with HEAD: new key, \+\d+ grants?$/);
  });

  test('a CloudFormation template: a lens on the key whose policy changed, at its logical id', async () => {
    const uri = pathToFileURL(join(dir, 'template.yaml')).href;
    const committed = template('kms:Decrypt');
    await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: committed } });
    assert.deepEqual(await lenses(server, uri), []);
    const edited = template('kms:Decrypt", "kms:Encrypt');
    await change(server, uri, 2, edited);
    const ls = await lenses(server, uri);
    assert.deepEqual(titles(ls), ['Compared with HEAD: +1 grant']);
    assert.deepEqual(ls[0].range.start, positionOf(edited, 'DataKey:'));
  });

  test('a commit moves HEAD: on save, the base is read again', async () => {
    const uri = pathToFileURL(join(dir, 'orders.key-policy.json')).href;
    await change(server, uri, 6, GAIN);
    assert.equal((await lenses(server, uri)).length, 1);
    writeFileSync(join(dir, 'orders.key-policy.json'), GAIN);
    git(dir, 'commit', '-q', '-am', 'etl');
    await server.notify('textDocument/didSave', { textDocument: { uri } });
    const deadline = Date.now() + 5000;
    let now = await lenses(server, uri);
    while (now.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      now = await lenses(server, uri);
    }
    assert.deepEqual(now, []);
  });
});

function template(actions: string): string {
  return `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OtherKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: Root
            Effect: Allow
            Principal: { AWS: "${ROOT_ARN}" }
            Action: "kms:*"
            Resource: "*"
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: Root
            Effect: Allow
            Principal: { AWS: "${ROOT_ARN}" }
            Action: "kms:*"
            Resource: "*"
          - Sid: App
            Effect: Allow
            Principal: { AWS: "${APP}" }
            Action: ["${actions}"]
            Resource: "*"
`;
}

describe('access changes without git, and with a client that reads HEAD', () => {
  test('no repository: compared with the version when opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-nogit-'));
    mkdirSync(join(dir, 'keys'));
    const server = startServer();
    try {
      const folder = pathToFileURL(dir).href;
      await initialize(server, { rootUri: folder, workspaceFolders: [{ uri: folder, name: 'plain' }] });
      const uri = pathToFileURL(join(dir, 'keys', 'orders.key-policy.json')).href;
      writeFileSync(join(dir, 'keys', 'orders.key-policy.json'), BASE);
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: BASE } });
      assert.deepEqual(await lenses(server, uri), []);
      await change(server, uri, 2, GAIN);
      assert.deepEqual(titles(await lenses(server, uri)), ['Compared with the version when opened: +1 grant']);
      // An untitled document has no file at all: the same.
      const untitled = 'untitled:Untitled-1';
      await server.notify('textDocument/didOpen', { textDocument: { uri: untitled, languageId: 'json', version: 1, text: LOSS } });
      assert.deepEqual(await lenses(server, untitled), []);
      await change(server, untitled, 2, BASE);
      assert.deepEqual(titles(await lenses(server, untitled)), ['Compared with the version when opened: +1 grant']);
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a client that announced baseText is asked for HEAD, and its lens command is its own', async () => {
    const server = startServer();
    try {
      const asked: string[] = [];
      server.connection.onRequest('kmsPolicy/baseText', (p: { uri: string }): { text?: string } => {
        asked.push(p.uri);
        return p.uri.endsWith('new.key-policy.json') ? {} : { text: LOSS };
      });
      await initialize(server, { initializationOptions: { baseText: true, accessViews: true } });
      const uri = 'file:///work/keys/orders.key-policy.json';
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: BASE } });
      const ls = await lenses(server, uri);
      assert.deepEqual(titles(ls), ['Compared with HEAD: +1 grant']);
      assert.equal(ls[0].command?.command, 'kmsPolicy.showAccessChanges');
      assert.deepEqual(asked, [uri]);
      await lenses(server, uri);
      assert.deepEqual(asked, [uri], 'HEAD is read once per document, not per request');
    } finally {
      server.kill();
    }
  });
});

describe('effective access over stdio', () => {
  test('kmsPolicy.effectiveAccess: the table of the policy, with each principal and the "anyone else" rows', async () => {
    const server = startServer();
    try {
      await initialize(server);
      const uri = 'file:///work/keys/orders.key-policy.json';
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: GAIN } });
      const page = await server.request<Page | null>('workspace/executeCommand', { command: 'kmsPolicy.effectiveAccess', arguments: [{ uri }] });
      assert.ok(page);
      assert.equal(page.title, 'Effective access: orders.key-policy.json');
      assert.doesNotMatch(page.html, /<script/i);
      // Each row's cells, by capability: the principal's own grant, and IAM (the root statement) for the rest.
      const cells = (principal: string) => {
        const row = new RegExp(`<tr data-principal="${principal.replace(/[/.]/g, '\\$&')}">(.*?)</tr>`).exec(page.html)?.[1];
        assert.ok(row, `no row for ${principal} in\n${page.html}`);
        return Object.fromEntries([...row.matchAll(/<td class="[^"]*" data-capability="([a-z-]+)"[^>]*>(.*?)<\/td>/g)].map((m) => [m[1], m[2].replace(/<sup>.*<\/sup>/, '')]));
      };
      assert.deepEqual(cells(ETL), { 'administer-resource': 'via IAM', 'read-config': 'via IAM', 'read-data': 'allowed (1/4)', 'write-data': 'via IAM', 'delete-data': 'via IAM' });
      assert.deepEqual(cells(APP), { 'administer-resource': 'via IAM', 'read-config': 'via IAM', 'read-data': 'allowed (1/4)', 'write-data': 'allowed (4/11)', 'delete-data': 'via IAM' });
      assert.equal(cells('anyone in 111122223333 through IAM')['read-data'], 'via IAM');
      assert.equal(cells('anyone in another account')['read-data'], '—');
      assert.ok(page.markdown.includes(ETL), page.markdown);
      assert.equal(await server.request('workspace/executeCommand', { command: 'kmsPolicy.effectiveAccess', arguments: [{ uri: 'file:///work/package.json' }] }), null);
    } finally {
      server.kill();
    }
  });

  test('a policy a domain spec governs: the spec\'s intent is a column, by principal', async () => {
    const server = startServer();
    try {
      await initialize(server);
      const spec = 'file:///work/keys/orders.kms-domain.yaml';
      const specText = 'domain: orders\naccount: "111122223333"\nkey:\n  policy: ./orders.key-policy.json\n  style: key-policy-only\nprincipals:\n  app: role/appA\n  etl: role/etl\naccess:\n  read-data: [app, etl]\n  write-data: [app]\n';
      await server.notify('textDocument/didOpen', { textDocument: { uri: spec, languageId: 'yaml', version: 1, text: specText } });
      const uri = 'file:///work/keys/orders.key-policy.json';
      await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: GAIN } });
      const page = await server.request<Page | null>('workspace/executeCommand', { command: 'kmsPolicy.effectiveAccess', arguments: [{ uri, position: { line: 0, character: 0 } }] });
      assert.ok(page);
      assert.ok(page.html.includes('<th>Spec intent</th>'), page.html);
      assert.match(page.html, new RegExp(`<tr data-principal="${APP}">.*<td>read-data, write-data</td></tr>`));
      assert.match(page.html, new RegExp(`<tr data-principal="${ETL}">.*<td>read-data</td></tr>`));
      // From the spec itself: the table of the policy it governs, with its intent.
      const fromSpec = await server.request<Page | null>('workspace/executeCommand', { command: 'kmsPolicy.effectiveAccess', arguments: [{ uri: spec, position: { line: 0, character: 0 } }] });
      assert.ok(fromSpec);
      assert.equal(fromSpec.title, 'Effective access: orders.key-policy.json');
      assert.equal(fromSpec.html, page.html);
    } finally {
      server.kill();
    }
  });
});
