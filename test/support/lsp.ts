/** Spawns the real language server (the package's bin entry) and speaks JSON-RPC to it over stdio, as an editor does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

export const ROOT = join(__dirname, '..', '..', '..');
export const SERVER_BIN = join(ROOT, 'bin', 'kms-policy-language-server.js');

export interface ServerProcess {
  connection: ProtocolConnection;
  child: ChildProcess;
  /** window/logMessage and stderr lines, for asserting the server logged no error. */
  log: { type: number; message: string }[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves once the server has asked for (and been sent) its settings. */
  configurationAsked: Promise<void>;
  request<R>(method: string, params: unknown): Promise<R>;
  notify(method: string, params: unknown): Promise<void>;
  kill(): void;
}

/** `testHooks`: start it with KMS_POLICY_TEST_HOOKS=1 (server/src/node/testHooks.ts: hold an analysis while a test cancels it). */
/**
 * A message reader with no partial-message timer. vscode-jsonrpc arms a 10 s timer when a message
 * has arrived in part and re-arms it for as long as the rest does not come, and disposing the
 * connection does not clear it: a server killed in the middle of writing a message would keep the
 * test process alive forever.
 */
export function messageReader(stream: NodeJS.ReadableStream): StreamMessageReader {
  const reader = new StreamMessageReader(stream);
  reader.partialMessageTimeout = 0;
  return reader;
}

export function startServer(args: string[] = ['--stdio'], { testHooks = false }: { testHooks?: boolean } = {}): ServerProcess {
  const env = testHooks ? { ...process.env, KMS_POLICY_TEST_HOOKS: '1' } : process.env;
  const child = spawn(process.execPath, [SERVER_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const connection = createProtocolConnection(messageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const log: { type: number; message: string }[] = [];
  const stderr: string[] = [];
  child.stderr!.on('data', (d) => stderr.push(String(d)));
  connection.onNotification('window/logMessage', (p: { type: number; message: string }) => {
    log.push(p);
  });
  let configured!: () => void;
  const configurationAsked = new Promise<void>((resolve) => (configured = resolve));
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => {
    setImmediate(configured);
    return p.items.map(() => settings.current);
  });
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    connection,
    child,
    log,
    stderr,
    exited,
    configurationAsked,
    request: (method, params) => connection.sendRequest(method, params),
    notify: (method, params) => connection.sendNotification(method, params),
    kill: () => {
      connection.dispose();
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** What the fake client answers to workspace/configuration. Tests set it before asking. */
export const settings: { current: unknown } = { current: {} };

export async function initialize(server: ServerProcess, extra: Record<string, unknown> = {}): Promise<{ capabilities: Record<string, unknown> }> {
  const result = await server.request<{ capabilities: Record<string, unknown> }>('initialize', {
    processId: process.pid,
    rootUri: 'file:///work',
    workspaceFolders: [{ uri: 'file:///work', name: 'work' }],
    capabilities: { workspace: { configuration: true }, textDocument: { completion: { completionItem: { snippetSupport: true } } } },
    ...extra,
  });
  await server.notify('initialized', {});
  return result;
}

export async function open(server: ServerProcess, uri: string, text: string, version = 1): Promise<void> {
  await server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version, text } });
}

/** Position of the first occurrence of `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, delta = 0): { line: number; character: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, offset + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}
