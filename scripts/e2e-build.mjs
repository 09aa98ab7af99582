#!/usr/bin/env node
// Builds what the end-to-end runners install: the project's own .vsix (`npm run package`) and
// the test-harness extension (test/e2e/harness: the mocha suite of test/e2e/suite bundled with
// esbuild into dist/extension.js, packaged with vsce into test/e2e/.cache/kms-e2e-harness.vsix).
// Run alone: `node scripts/e2e-build.mjs` (prints the two paths).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const e2eDir = join(root, 'test/e2e');
export const cacheDir = join(e2eDir, '.cache'); // git-ignored (.cache/)
export const extensionVsix = join(root, 'kms-key-policy-tools.vsix');
export const harnessVsix = join(cacheDir, 'kms-e2e-harness.vsix');
const harnessDir = join(e2eDir, 'harness');

/** User settings for the editor under test: no welcome page, tips, AI panels, trust prompt, animations or network look-ups. */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.layoutControl.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  // The workspace copy is a git repository (commitWorkspace): the access-changes lens compares with HEAD through the git extension.
  'git.enabled': true,
  'git.autofetch': false,
  'git.openRepositoryInParentFolders': 'never',
  'git.decorations.enabled': false,
  'scm.diffDecorations': 'none',
  'files.autoSave': 'off',
  'workbench.reduceMotion': 'on',
  'editor.minimap.enabled': false,
  'editor.stickyScroll.enabled': false,
  'editor.fontSize': 15,
  'editor.hover.delay': 200,
  'editor.suggest.showStatusBar': false,
  'window.commandCenter': false,
};

/**
 * Makes the fixture workspace copy a git repository with one commit (`git init`, `add`, `commit`,
 * no hooks, no signing, a local identity), so the access-changes code lens has a HEAD to compare with.
 */
export function commitWorkspace(dir) {
  const git = (...args) =>
    run('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixtures');
}

/** Runs a command, inheriting stdio; throws with the command line when it fails. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

/** `npm run package`: type-check, bundle and write kms-key-policy-tools.vsix (also proves the package installs). */
export function packageExtension() {
  run('npm', ['run', '--silent', 'package'], { cwd: root });
  if (!existsSync(extensionVsix)) throw new Error(`npm run package wrote no ${extensionVsix}`);
  return extensionVsix;
}

/** Type-checks the suite and the harness, bundles them (mocha included) and packages the harness. */
export async function buildHarness() {
  mkdirSync(cacheDir, { recursive: true });
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(e2eDir, 'tsconfig.json')], { cwd: root });
  await build({
    entryPoints: [join(harnessDir, 'src/extension.ts')],
    outfile: join(harnessDir, 'dist/extension.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode'],
    logLevel: 'error',
  });
  run(
    process.execPath,
    [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', harnessVsix],
    { cwd: harnessDir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return harnessVsix;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(packageExtension());
  console.log(await buildHarness());
}
