/**
 * What users expect of a language extension, as ESLint's and YAML's do: "Restart language server"
 * and "Show output" commands, a status bar item that says when the server is busy or has failed,
 * and `kmsPolicy.trace.server` tracing the LSP traffic.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient, type LanguageClientOptions } from 'vscode-languageclient/node';
import { statusView, type ServerState, type StatusView } from './status';
import { CLIENT_COMMANDS } from '../../server/src/protocol';

const RESTART_COMMAND = CLIENT_COMMANDS.restartServer;
const SHOW_OUTPUT_COMMAND = CLIENT_COMMANDS.showOutput;
const SELECTOR_LANGUAGES = new Set(['json', 'jsonc', 'yaml', 'terraform']);
/** A request running longer than this shows the server as busy (quicker ones would only flicker). */
const BUSY_AFTER_MS = 300;

/** What the extension returns from activate(), for the end-to-end tests. */
export interface ConventionsApi {
  status(): StatusView & { state: ServerState; busy: boolean; visible: boolean; starts: number };
  /** The last lines of the LSP trace (kmsPolicy.trace.server). */
  traceLines(): readonly string[];
}

export interface Conventions {
  /** Spread into the LanguageClientOptions. */
  readonly clientOptions: Pick<LanguageClientOptions, 'traceOutputChannel' | 'middleware'>;
  /** Registers the commands and the status bar item for the client, and starts it. */
  start(context: vscode.ExtensionContext, client: LanguageClient): Promise<void>;
  readonly api: ConventionsApi;
}

export function editorConventions(): Conventions {
  const trace = new TraceChannel('KMS Key Policy Trace');
  const item = vscode.window.createStatusBarItem('kmsPolicy.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'KMS Key Policy';
  item.command = SHOW_OUTPUT_COMMAND;
  let state: ServerState = 'starting';
  let detail: string | undefined;
  let running = 0;
  let busy = false;
  let busyTimer: ReturnType<typeof setTimeout> | undefined;
  let starts = 0;
  let visible = false;

  const render = () => {
    const view = statusView(state, busy, detail);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const language = vscode.window.activeTextEditor?.document.languageId;
    visible = view.error || (language !== undefined && SELECTOR_LANGUAGES.has(language));
    if (visible) item.show();
    else item.hide();
  };
  /** Counts a request while it runs; the item turns busy when one has run for BUSY_AFTER_MS. */
  const track = <T>(result: T): T => {
    const thenable = result as { then?: unknown } | null | undefined;
    if (typeof thenable?.then !== 'function') return result;
    running++;
    busyTimer ??= setTimeout(() => {
      busyTimer = undefined;
      busy = running > 0;
      render();
    }, BUSY_AFTER_MS);
    const done = () => {
      if (--running > 0) return;
      if (busyTimer) clearTimeout(busyTimer);
      busyTimer = undefined;
      if (busy) {
        busy = false;
        render();
      }
    };
    (result as PromiseLike<unknown>).then(done, done);
    return result;
  };

  const api: ConventionsApi = {
    status: () => ({ ...statusView(state, busy, detail), state, busy, visible, starts }),
    traceLines: () => trace.recent(),
  };

  return {
    clientOptions: {
      traceOutputChannel: trace,
      middleware: {
        provideDiagnostics: (document, previousResultId, token, next) => track(next(document, previousResultId, token)),
        executeCommand: (command, args, next) => track(next(command, args)),
      },
    },
    api,
    async start(context, client) {
      /** Set while we stop the server ourselves (a restart), so that its stop is not a failure. */
      let stopping = false;
      context.subscriptions.push(
        item,
        trace,
        vscode.window.onDidChangeActiveTextEditor(render),
        client.onDidChangeState(({ newState }) => {
          if (newState === State.Starting) state = 'starting';
          else if (newState === State.Running) {
            state = 'running';
            detail = undefined;
            starts++;
          } else {
            state = stopping ? 'stopped' : 'failed';
            if (!stopping) detail = 'the server stopped; see the output';
          }
          render();
        }),
        vscode.commands.registerCommand(SHOW_OUTPUT_COMMAND, () => client.outputChannel.show(true)),
        vscode.commands.registerCommand(RESTART_COMMAND, async () => {
          stopping = true;
          try {
            if (client.isRunning()) await client.stop();
          } catch (e) {
            client.warn(`stopping the server failed: ${String(e)}`);
          } finally {
            stopping = false;
          }
          await startClient();
        }),
      );
      const startClient = async () => {
        try {
          await client.start();
        } catch (e) {
          state = 'failed';
          detail = e instanceof Error ? e.message : String(e);
          render();
          throw e;
        }
      };
      render();
      // A server that cannot start leaves the extension active: the item says so in red, and
      // "Restart language server" can try again (the client has logged and shown the error).
      await startClient().catch(() => undefined);
    },
  };
}

/**
 * The channel the client writes the LSP trace to. vscode-languageclient 10 and later trace only
 * while their channel's log level is Trace (set through "Developer: Set Log Level..."), so
 * `kmsPolicy.trace.server` alone would do nothing: this channel's level follows the setting
 * instead, and it writes every line it is given. The last lines are kept for the tests.
 */
class TraceChannel implements vscode.LogOutputChannel {
  private readonly channel: vscode.OutputChannel;
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  private readonly lines: string[] = [];
  private readonly subscription: vscode.Disposable;
  private level: vscode.LogLevel;
  readonly onDidChangeLogLevel = this.levelChanged.event;

  constructor(readonly name: string) {
    this.channel = vscode.window.createOutputChannel(name);
    this.level = TraceChannel.fromSetting();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('kmsPolicy.trace.server')) return;
      const level = TraceChannel.fromSetting();
      if (level === this.level) return;
      this.level = level;
      this.levelChanged.fire(level);
    });
  }

  private static fromSetting(): vscode.LogLevel {
    const setting = vscode.workspace.getConfiguration('kmsPolicy').get<string>('trace.server', 'off');
    return setting === 'messages' || setting === 'verbose' ? vscode.LogLevel.Trace : vscode.LogLevel.Info;
  }

  get logLevel(): vscode.LogLevel {
    return this.level;
  }

  recent(): readonly string[] {
    return [...this.lines];
  }

  private write(level: string, message: string | Error, args: unknown[]): void {
    const text = `${message instanceof Error ? (message.stack ?? message.message) : message}${args.length ? ' ' + args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') : ''}`;
    const line = `${new Date().toISOString()} [${level}] ${text}`;
    this.lines.push(line);
    if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
    this.channel.appendLine(line);
  }

  trace(message: string, ...args: unknown[]): void {
    this.write('trace', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.write('debug', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.write('info', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.write('warning', message, args);
  }
  error(error: string | Error, ...args: unknown[]): void {
    this.write('error', error, args);
  }
  append(value: string): void {
    this.channel.append(value);
  }
  appendLine(value: string): void {
    this.channel.appendLine(value);
  }
  replace(value: string): void {
    this.channel.replace(value);
  }
  clear(): void {
    this.lines.length = 0;
    this.channel.clear();
  }
  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === 'boolean') this.channel.show(columnOrPreserveFocus);
    else this.channel.show(columnOrPreserveFocus, preserveFocus);
  }
  hide(): void {
    this.channel.hide();
  }
  dispose(): void {
    this.subscription.dispose();
    this.levelChanged.dispose();
    this.channel.dispose();
  }
}
