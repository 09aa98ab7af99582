// A minimal LSP client over stdio for the benchmark: spawns bin/kms-policy-language-server.js
// as the VS Code client starts it (the node flags of the bin's shebang, and the server's
// environment: bin/server-node-flags.js), and reads the server's memory from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');

export const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
export const SERVER_BIN = join(ROOT, 'bin', 'kms-policy-language-server.js');
/** The server's own node flags (bin/server-node-flags.js), then extra ones to try out: KMS_BENCH_NODE_FLAGS="--max-semi-space-size=1". */
const launch = require(join(ROOT, 'bin', 'server-node-flags.js'));
export const SERVER_NODE_FLAGS = launch.serverNodeFlags();
/** The environment the VS Code client starts the server with: this process's, with SERVER_ENV over it. */
export const SERVER_PROCESS_ENV = { ...process.env, ...launch.SERVER_ENV };
export const NODE_FLAGS = [...SERVER_NODE_FLAGS, ...(process.env.KMS_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];

/**
 * Spawns the server as the VS Code client does (its node flags and environment); `env` replaces
 * that environment. `initialize({pull})` declares the textDocument.diagnostic capability (LSP
 * 3.17), otherwise the server pushes.
 */
export function spawnServer({ env = SERVER_PROCESS_ENV } = {}) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, SERVER_BIN, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  // No partial-message timer: vscode-jsonrpc re-arms it forever once a killed server left half a message.
  const reader = new StreamMessageReader(child.stdout);
  reader.partialMessageTimeout = 0;
  const connection = createProtocolConnection(reader, new StreamMessageWriter(child.stdin));
  const stderr = [];
  const errors = [];
  child.stderr.on('data', (d) => stderr.push(String(d)));
  connection.onNotification('window/logMessage', (p) => {
    if (p.type === 1) errors.push(p.message);
  });
  connection.onRequest('workspace/configuration', (p) => p.items.map(() => ({})));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('workspace/diagnostic/refresh', () => null);
  const waiters = new Set();
  connection.onNotification('textDocument/publishDiagnostics', (p) => {
    for (const w of [...waiters]) {
      if (w.uri === p.uri && w.accept(p)) {
        waiters.delete(w);
        w.resolve(p);
      }
    }
  });
  connection.listen();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    spawnedAt: t0,
    child,
    connection,
    stderr,
    errors,
    exited,
    request: (method, params) => connection.sendRequest(method, params),
    notify: (method, params) => connection.sendNotification(method, params),
    /** Resolves with the next publishDiagnostics for `uri` accepted by `accept`. Call before sending what triggers it. */
    published(uri, accept = () => true) {
      return new Promise((resolve) => waiters.add({ uri, accept, resolve }));
    },
    /** `resolveDocs`: say, as VS Code does, that completion documentation is resolved lazily (completionItem/resolve). */
    async initialize({ pull = false, resolveDocs = false } = {}) {
      const textDocument = { completion: { completionItem: { snippetSupport: true, ...(resolveDocs ? { resolveSupport: { properties: ['documentation', 'detail', 'additionalTextEdits'] } } : {}) } } };
      if (pull) textDocument.diagnostic = { dynamicRegistration: false };
      const result = await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: 'file:///bench',
        workspaceFolders: [{ uri: 'file:///bench', name: 'bench' }],
        capabilities: { workspace: { configuration: true }, textDocument },
      });
      await connection.sendNotification('initialized', {});
      return result;
    },
    /** {rss, hwm} in bytes, from /proc/<pid>/status (VmRSS, VmHWM). */
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    },
    async shutdown() {
      try {
        await Promise.race([connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        await connection.sendNotification('exit');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      this.kill();
    },
    kill() {
      connection.dispose();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
