/**
 * Runs the end-to-end mocha suite inside a VS Code extension host (code-server's, through the
 * harness extension, or a downloaded VS Code's, through @vscode/test-electron) and collects the
 * results. The test files are required here, after mocha's TDD globals exist, so the whole
 * suite bundles into one file with esbuild.
 */
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './util';

function loadTests(): void {
  require('./activation.test');
  require('./completion.test');
  require('./hover.test');
  require('./diagnostics.test');
  require('./rewrite.test');
  require('./unrelated.test');
  require('./iac.test');
  require('./domain.test');
  require('./conventions.test');
  require('./access.test');
  // TODO(issue 7, as the features land): the domain spec generate command writes the policy
  // file; diagnostics in place in a CloudFormation YAML template.
}

export interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResults {
  total: number;
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  tests: TestResult[];
  /** Spec-reporter-like lines, for the launcher to print. */
  log: string[];
  host: { vscodeVersion: string; appName: string; appHost: string; extensionVersion?: string; extensionPath?: string };
  /** Set when the suite could not run at all. */
  error?: string;
}

export interface RunOptions {
  /** Also print each line as it comes (test-electron forwards the extension host's console). */
  echo?: boolean;
  timeoutMs?: number;
}

export function runSuite(options: RunOptions = {}): Promise<SuiteResults> {
  const started = Date.now();
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  const results: SuiteResults = {
    total: 0,
    passes: 0,
    failures: 0,
    pending: 0,
    durationMs: 0,
    tests: [],
    log: [],
    host: {
      vscodeVersion: vscode.version,
      appName: vscode.env.appName,
      appHost: vscode.env.appHost,
      extensionVersion: extension?.packageJSON?.version,
      extensionPath: extension?.extensionPath,
    },
  };
  const line = (s: string) => {
    results.log.push(s);
    if (options.echo) console.log(s);
  };

  class Collector {
    constructor(runner: Mocha.Runner) {
      let depth = 0;
      const C = Mocha.Runner.constants;
      runner.on(C.EVENT_SUITE_BEGIN, (s: Mocha.Suite) => {
        if (s.title) line('  '.repeat(depth) + s.title);
        depth++;
      });
      runner.on(C.EVENT_SUITE_END, () => depth--);
      runner.on(C.EVENT_TEST_PASS, (t: Mocha.Test) => {
        results.passes++;
        results.tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
        line(`${'  '.repeat(depth)}✔ ${t.title} (${t.duration ?? 0} ms)`);
      });
      runner.on(C.EVENT_TEST_FAIL, (t: Mocha.Runnable, err: Error) => {
        results.failures++;
        results.tests.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration, error: { message: String(err?.message ?? err), stack: err?.stack } });
        line(`${'  '.repeat(depth)}✘ ${t.title}`);
        for (const l of String(err?.message ?? err).split('\n')) line(`${'  '.repeat(depth + 2)}${l}`);
      });
      runner.on(C.EVENT_TEST_PENDING, (t: Mocha.Test) => {
        results.pending++;
        results.tests.push({ title: t.fullTitle(), state: 'pending' });
        line(`${'  '.repeat(depth)}- ${t.title} (PENDING: skipped tests are not allowed in this suite)`);
      });
    }
  }

  const mocha = new Mocha({ ui: 'tdd', timeout: options.timeoutMs ?? 60_000, color: false, reporter: Collector as unknown as typeof Mocha.reporters.Base });
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'test/e2e/suite', mocha);
  try {
    loadTests();
  } catch (e) {
    results.error = `could not load the suite: ${(e as Error)?.stack ?? String(e)}`;
    return Promise.resolve(results);
  }
  line(`KMS key policy tools end-to-end suite in ${results.host.appName} ${results.host.vscodeVersion} (${results.host.appHost}), extension ${results.host.extensionVersion ?? '(not installed)'}`);
  return new Promise((resolve) => {
    const runner = mocha.run(() => {
      results.total = runner.total;
      results.durationMs = Date.now() - started;
      line(`${results.passes} passing, ${results.failures} failing, ${results.pending} pending (${results.durationMs} ms)`);
      resolve(results);
    });
  });
}
