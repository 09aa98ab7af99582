/**
 * Hooks that make timing-dependent behaviour deterministic in tests over stdio. They exist only
 * when the server is started with KMS_POLICY_TEST_HOOKS=1 (test/support/lsp.ts); an editor never
 * sets it, and without it nothing here is registered.
 *
 * `kmsPolicy/test/holdNextAnalysis` arms a hold: the next analysis stops at its first slice
 * boundary (server.ts diagnoseSliced) and waits there, as a long analysis on a slow machine would,
 * until `kmsPolicy/test/release`, which answers how many analyses it released. A test can then send
 * `$/cancelRequest` or an edit while the analysis is known to be running.
 */
import type { Connection } from 'vscode-languageserver';

export interface AnalysisHold {
  /** A promise to wait on at a slice boundary when a hold is armed (then disarmed), else undefined. */
  atSliceBoundary(): Promise<void> | undefined;
}

export function testHooks(connection: Connection, env: NodeJS.ProcessEnv = process.env): AnalysisHold | undefined {
  if (env.KMS_POLICY_TEST_HOOKS !== '1') return undefined;
  let armed = false;
  const held: (() => void)[] = [];
  connection.onRequest('kmsPolicy/test/holdNextAnalysis', () => {
    armed = true;
    return null;
  });
  connection.onRequest('kmsPolicy/test/release', () => {
    const released = held.splice(0);
    for (const release of released) release();
    return { released: released.length };
  });
  return {
    atSliceBoundary() {
      if (!armed) return undefined;
      armed = false;
      return new Promise<void>((resolve) => held.push(resolve));
    },
  };
}
