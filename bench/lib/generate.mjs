// Generated inputs for the benchmark: many distinct ~3 KB key policies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lsp.mjs';

const TYPICAL = readFileSync(join(ROOT, 'bench', 'docs', 'typical.key-policy.json'), 'utf8');

/** The typical policy with its principal names and Id made unique by `i`. */
export function policyVariant(i) {
  return TYPICAL.replaceAll('orders', `orders${i}`).replaceAll('billing-worker', `billing${i}-worker`).replaceAll('analyst', `analyst${i}`);
}
