// Generated inputs for the benchmark: many distinct ~3 KB key policies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lsp.mjs';

const TYPICAL = readFileSync(join(ROOT, 'bench', 'docs', 'typical.key-policy.json'), 'utf8');

/** The typical policy with its principal names and Id made unique by `i`. */
export function policyVariant(i) {
  return TYPICAL.replaceAll('orders', `orders${i}`).replaceAll('billing-worker', `billing${i}-worker`).replaceAll('analyst', `analyst${i}`);
}

/**
 * A workspace of `files` files (half domain specs, half the key policies they govern), in
 * folders of 100: `team<k>/orders<i>.kms-domain.yaml` governs `team<k>/orders<i>.key-policy.json`
 * (the typical policy, made unique by `i`, which predates its spec: every pair drifts). Every
 * third spec also lets its analyst write data. Returns relative paths and texts.
 */
export function domainWorkspace(files) {
  const out = [];
  for (let i = 0; i < files / 2; i++) {
    const folder = `team${Math.floor(i / 50)}`;
    const writers = i % 3 === 0 ? '[app, billing, analyst]' : '[app, billing]';
    const spec = `domain: orders${i}
description: Orders of team ${folder}
account: "111122223333"
key:
  policy: ./orders${i}.key-policy.json
principals:
  admin: role/KeyAdmin
  ci: role/ci-deploy
  app: role/orders${i}-app
  billing: role/billing${i}-worker
  analyst: user/analyst${i}
access:
  administer-resource: [admin, ci]
  read-config: [admin, ci, app, billing, analyst]
  read-data: [app, billing, analyst]
  write-data: ${writers}
`;
    out.push({ path: `${folder}/orders${i}.kms-domain.yaml`, text: spec });
    out.push({ path: `${folder}/orders${i}.key-policy.json`, text: policyVariant(i) });
  }
  return out;
}
