/**
 * What the status bar item says about the language server. Plain data, no vscode import, so that
 * the wording is tested with the unit tests (test/unit/manifest.test.ts).
 */
export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusView {
  readonly text: string;
  readonly tooltip: string;
  /** Shown with the error background, and whatever editor is active. */
  readonly error: boolean;
}

const NAME = 'KMS';
const ACTIONS = 'Click to show its output; "KMS Key Policy: Restart language server" restarts it.';

export function statusView(state: ServerState, busy: boolean, detail?: string): StatusView {
  switch (state) {
    case 'starting':
      return { text: `$(sync~spin) ${NAME}`, tooltip: 'KMS key policy language server: starting…', error: false };
    case 'running':
      return busy
        ? { text: `$(sync~spin) ${NAME}`, tooltip: 'KMS key policy language server: analyzing…', error: false }
        : { text: `$(shield) ${NAME}`, tooltip: `KMS key policy language server: running. ${ACTIONS}`, error: false };
    case 'stopped':
      return { text: `$(circle-slash) ${NAME}`, tooltip: `KMS key policy language server: stopped. ${ACTIONS}`, error: false };
    case 'failed':
      return { text: `$(error) ${NAME}`, tooltip: `KMS key policy language server: failed${detail ? ` (${detail})` : ''}. ${ACTIONS}`, error: true };
  }
}
