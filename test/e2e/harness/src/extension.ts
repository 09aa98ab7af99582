/**
 * The end-to-end test harness: a test-only extension installed next to the real one.
 * - In code-server (`npm run test:e2e`): when KMS_E2E_RESULTS names a file, it runs the suite
 *   once the workbench has started and writes the results there as JSON.
 * - In @vscode/test-electron (`npm run test:vscode`): `run()` is the extensionTestsPath entry.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { runSuite, type SuiteResults } from '../../suite/index';
import { revertAndCloseAll } from '../../suite/util';

export function activate(): void {
  const out = process.env.KMS_E2E_RESULTS;
  if (!out) return;
  // Do not hold up activation: the suite opens editors and waits on other extensions.
  setTimeout(() => void runAndWrite(out), 0);
}

async function runAndWrite(out: string): Promise<void> {
  let results: SuiteResults | { error: string };
  try {
    results = await runSuite();
  } catch (e) {
    results = { error: `the suite crashed: ${(e as Error)?.stack ?? String(e)}` };
  }
  try {
    // Leave a clean workbench for the screenshots the launcher takes next.
    await revertAndCloseAll();
  } catch (e) {
    console.error('kms-e2e-harness: could not close the editors', e);
  }
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, JSON.stringify(results, null, 2));
  renameSync(tmp, out);
}

/** @vscode/test-electron's entry point: runs the suite and fails the run unless every test passed. */
export async function run(): Promise<void> {
  const results = await runSuite({ echo: true });
  if (results.error) throw new Error(results.error);
  if (results.failures > 0 || results.pending > 0 || results.passes === 0) {
    throw new Error(`end-to-end suite: ${results.passes} passing, ${results.failures} failing, ${results.pending} pending of ${results.total}`);
  }
}

export function deactivate(): void {}
