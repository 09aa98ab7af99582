#!/usr/bin/env node
// `npm run test:vscode`: the same end-to-end suite as `npm run test:e2e`, in a real desktop VS Code
// downloaded by @vscode/test-electron. For machines that can download VS Code (a developer's
// desktop, a CI with network); on Linux without a display run it under xvfb:
//   xvfb-run -a npm run test:vscode
// It installs the packaged kms-key-policy-tools.vsix (like a user would) into a temporary
// extensions dir, loads the test harness (test/e2e/harness) as the development extension and
// runs the suite through the harness's `run()` export.
// Environment: KMS_VSCODE_VERSION (default "stable"; e.g. "1.91.0", the oldest we support),
// KMS_E2E_VSIX=<path> (test that .vsix instead of running `npm run package`).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { USER_SETTINGS, buildHarness, commitWorkspace, cacheDir, e2eDir, packageExtension } from './e2e-build.mjs';

const version = process.env.KMS_VSCODE_VERSION ?? 'stable';
const harnessDir = join(e2eDir, 'harness');

let testElectron;
try {
  testElectron = await import('@vscode/test-electron');
} catch (e) {
  console.error(`test:vscode needs the devDependency @vscode/test-electron (npm ci): ${e.message}`);
  process.exit(1);
}
const { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath, runTests } = testElectron;

const tmp = mkdtempSync(join(tmpdir(), 'kms-vscode-'));
let code = 1;
try {
  const vsix = process.env.KMS_E2E_VSIX ? resolve(process.env.KMS_E2E_VSIX) : packageExtension();
  if (!existsSync(vsix)) throw new Error(`no such .vsix: ${vsix}`);
  await buildHarness();

  let executable;
  try {
    executable = await downloadAndUnzipVSCode({ version, cachePath: join(cacheDir, 'vscode-test'), timeout: 30_000 });
  } catch (e) {
    console.error(
      `\ntest:vscode: could not download VS Code ${version}: ${e?.message ?? e}\n` +
        `This runner needs to download a VS Code build (about 150 MB, cached in test/e2e/.cache/vscode-test/).\n` +
        `Machines without that access (such as this project's CI) run the same suite with \`npm run test:e2e\`,\n` +
        `in code-server installed from npm. Nothing was tested.`,
    );
    process.exit(2);
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('test:vscode: no DISPLAY: VS Code will likely fail to start. Run it as `xvfb-run -a npm run test:vscode`.');
  }

  const userData = join(tmp, 'user-data');
  const extensionsDir = join(tmp, 'extensions');
  const workspace = join(tmp, 'workspace');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  cpSync(join(e2eDir, 'fixtures/workspace'), workspace, { recursive: true });
  commitWorkspace(workspace);
  const profile = [`--user-data-dir=${userData}`, `--extensions-dir=${extensionsDir}`];

  const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(executable, { reuseMachineInstall: true });
  const install = spawnSync(cli, [...cliArgs, ...profile, '--install-extension', vsix, '--force'], { encoding: 'utf8', stdio: 'inherit' });
  if (install.status !== 0) throw new Error(`${cli} --install-extension ${vsix} failed (exit ${install.status})`);

  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: harnessDir,
    extensionTestsPath: join(harnessDir, 'dist/extension.js'),
    launchArgs: [workspace, ...profile, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  code = 0;
} catch (e) {
  console.error(`\ntest:vscode: FAIL: ${e?.message ?? e}`);
} finally {
  rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(code);
