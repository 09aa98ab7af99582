/**
 * How the server process starts: initialize is answered once, before the language service is
 * loaded, the command ids it announces are the service's, the node flags of the bin's shebang
 * reach the VS Code client, and the IPC transport the client uses works.
 */
import { strict as assert } from 'node:assert';
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProtocolConnection, IPCMessageReader, IPCMessageWriter, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { COMMANDS, SERVER_NAME } from '../../server/src/server';
import { APPLY_LEAST_PRIVILEGE, SUGGEST_REQUEST } from '../../server/src/service/rewrite';
import { CREATE_DOMAIN_SPEC, GENERATE_KEY_POLICY } from '../../server/src/service/domainCommands';
import { messageReader, ROOT, SERVER_BIN } from '../support/lsp';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { serverNodeFlags, SERVER_ENV } = require(join(ROOT, 'bin', 'server-node-flags.js')) as { serverNodeFlags(): string[]; SERVER_ENV: Record<string, string> };

const TYPICAL = readFileSync(join(ROOT, 'bench', 'docs', 'typical.key-policy.json'), 'utf8');

test('the command ids the server announces are the service’s', () => {
  assert.deepEqual(COMMANDS, {
    applyLeastPrivilege: APPLY_LEAST_PRIVILEGE,
    generateKeyPolicy: GENERATE_KEY_POLICY,
    createDomainSpec: CREATE_DOMAIN_SPEC,
    suggestAssignment: SUGGEST_REQUEST,
    // The access views (server.ts routes them to the Workspace; test/lsp/access.test.ts uses these ids).
    accessDiff: 'kmsPolicy.accessDiff',
    effectiveAccess: 'kmsPolicy.effectiveAccess',
    baseText: 'kmsPolicy/baseText',
  });
});

test('the node flags of the bin’s shebang and the server’s environment are the ones the VS Code client starts the server with', () => {
  const flags = serverNodeFlags();
  assert.ok(flags.includes('--max-semi-space-size=1'), `shebang flags: ${flags.join(' ')}`);
  assert.ok(flags.includes('--expose-gc'), 'the server collects a large document’s previous parse with gc (server.ts)');
  const client = readFileSync(join(ROOT, 'dist', 'client.js'), 'utf8');
  assert.ok(client.includes(JSON.stringify(flags)), 'dist/client.js carries the same flags');
  // The server needs no CA certificates: node must not build a certificate store before it starts.
  assert.deepEqual(SERVER_ENV, { NODE_EXTRA_CA_CERTS: '' });
  for (const [name, value] of Object.entries(SERVER_ENV)) {
    assert.match(client, new RegExp(`\\b"?${name}"?:${JSON.stringify(value)}`), `dist/client.js sets ${name} for the server`);
  }
});

test('the build’s code cache of lsp.js is accepted with the server’s node flags only, and the server uses it', () => {
  const env = { ...process.env, ...SERVER_ENV, NODE_OPTIONS: '' };
  const check = (flags: string[]) => spawnSync(process.execPath, [...flags, join(ROOT, 'scripts', 'code-cache.mjs'), '--check', join(ROOT, 'dist', 'lsp.js')], { env }).status;
  assert.equal(check(serverNodeFlags()), 0, 'accepted: start-up deserializes instead of compiling');
  assert.equal(check([]), 1, 'rejected under other flags (and then lsp.js is compiled as usual)');
  // The server itself, started and stopped (stdin closed): main.ts compiles lsp.js with the cache.
  const spy = join(ROOT, 'test', 'support', 'code-cache-spy.cjs');
  const started = (flags: string[]) => spawnSync(process.execPath, [...flags, '-r', spy, join(ROOT, 'dist', 'server.js'), '--stdio'], { env, input: '', encoding: 'utf8' }).stderr;
  assert.match(started(serverNodeFlags()), /code cache of lsp\.js: accepted/);
  assert.match(started([]), /code cache of lsp\.js: rejected/);
});

/** initialize, open a key policy, pull its diagnostics: over the given connection. */
async function session(connection: ReturnType<typeof createProtocolConnection>, errors: string[]): Promise<void> {
  connection.onNotification('window/logMessage', (p: { type: number; message: string }) => {
    if (p.type === 1) errors.push(p.message);
  });
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  connection.listen();
  const init = await connection.sendRequest<{ capabilities: Record<string, unknown>; serverInfo: { name: string } }>('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true }, textDocument: { diagnostic: { dynamicRegistration: false } } },
  });
  assert.equal(init.serverInfo.name, SERVER_NAME);
  assert.ok(init.capabilities.diagnosticProvider, 'pull diagnostics are offered to a client that has them');
  await connection.sendNotification('initialized', {});
  const uri = 'file:///work/typical.key-policy.json';
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: TYPICAL } });
  const report = await connection.sendRequest<{ kind: string; items: unknown[] }>('textDocument/diagnostic', { textDocument: { uri } });
  assert.equal(report.kind, 'full');
  assert.ok(report.items.length > 0);
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
}

/** Runs the session over the child's connection, expects the server to exit 0 after it, and returns the errors it logged. */
async function sessionUntilExit(child: ChildProcess, connection: ReturnType<typeof createProtocolConnection>): Promise<string[]> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const errors: string[] = [];
  try {
    await session(connection, errors);
    assert.equal(await exited, 0);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  return errors;
}

test('over stdio with the shebang’s flags, initialize is answered once and the server then works', async () => {
  const child = spawn(process.execPath, [...serverNodeFlags(), SERVER_BIN, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout!.on('data', (d) => (raw += String(d)));
  const errors = await sessionUntilExit(child, createProtocolConnection(messageReader(child.stdout!), new StreamMessageWriter(child.stdin!)));
  assert.equal(raw.match(/"id":0,"result":\{"capabilities"/g)?.length, 1, 'one answer to initialize');
  assert.deepEqual(errors, [], 'no error was logged');
});

test('over IPC, as the VS Code client starts it', async () => {
  const env = { ...process.env, ...SERVER_ENV };
  const child = fork(join(ROOT, 'dist', 'server.js'), ['--node-ipc'], { execArgv: serverNodeFlags(), env, stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  const errors = await sessionUntilExit(child, createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child)));
  assert.deepEqual(errors, [], 'no error was logged');
});
