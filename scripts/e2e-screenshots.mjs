// Screenshots of the extension at work in code-server's workbench, driven like a user would:
// Quick Open (ctrl+p), Go to Line (ctrl+g), hover (ctrl+k ctrl+i), suggest (typing `"`, ctrl+space),
// Problems (ctrl+shift+m), quick fixes (ctrl+.). Seven pictures: the hover on kms:Decrypt, the
// completion list in an Action, the problems on the broad example policy, its quick fixes, the
// policy after the least-privilege rewrite, its access changes against HEAD (the code lens and the
// diff it opens) and the effective-access view (whose cells are checked in its webview).
// Called by scripts/e2e-code-server.mjs after the suite ran (`npm run test:e2e` writes them to
// test/e2e/.cache/artifacts/screenshots/, `npm run screenshots` to docs/images/).
// Every wait is on the workbench's own elements; a screenshot that does not show what it should
// throws, and the run fails. KMS_E2E_DEBUG_SHOTS=<dir> also saves a picture at a few steps.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** 1-based line and column of `needle` (plus `delta` characters) in a workspace file. */
function lineColumn(workspace, file, needle, delta = 0) {
  const text = readFileSync(join(workspace, file), 'utf8');
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${file}: no ${needle}`);
  const before = text.slice(0, offset + delta);
  const line = before.split('\n').length;
  return { line, column: offset + delta - before.lastIndexOf('\n') };
}

const debugDir = process.env.KMS_E2E_DEBUG_SHOTS;
let debugCount = 0;
async function debugShot(page, name) {
  if (debugDir) await page.screenshot({ path: join(debugDir, `${String(++debugCount).padStart(2, '0')}-${name}.png`) });
}

async function openFile(page, file) {
  await debugShot(page, 'before-open');
  await page.keyboard.press('Escape');
  await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(file);
  await debugShot(page, 'quick-open');
  // Wait for the filtered list: until then the focused row may still be a recently opened file.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: file }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[aria-label*="${file}"], .tab.active[data-resource-name="${file}"]`).first().waitFor({ timeout: 15_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
}

async function goTo(page, { line, column }) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Runs a command by its title from the Command Palette (F1). */
async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  // A webview that has the focus (its iframe) can keep F1 from the workbench: then the focus goes
  // back to the workbench's document and F1 is pressed again.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
    }
  }
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Retries `attempt` (which waits for a widget) until it succeeds or `timeoutMs` passes: the language server may not be ready yet. */
async function retry(what, attempt, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`${what}: ${last?.message ?? 'timed out'}`);
}

/** Waits until no CSS animation or transition runs (a hover fades in), so the picture is not caught half-drawn. */
async function settled(page) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), null, { timeout: 10_000 });
}

/** Drags the top edge of a hover shown above its line up to the top of the editor, so more of it shows (hovers open at most 250 px high). */
async function enlargeHover(page) {
  const sash = page.locator('.monaco-resizable-hover .monaco-sash.orthogonal-edge-north:not(.disabled)').first();
  const editor = await page.locator('.editor-instance .monaco-editor').first().boundingBox();
  const box = (await sash.count()) ? await sash.boundingBox() : null;
  if (!box || !editor) return;
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(x, editor.y + 6, { steps: 8 });
  await page.mouse.up();
  // Rest the mouse inside the hover, off the sash (drawn highlighted under the mouse): moving out of it would hide it.
  const hover = await page.locator('.monaco-resizable-hover').first().boundingBox();
  if (hover) await page.mouse.move(hover.x + hover.width / 2, hover.y + hover.height / 2, { steps: 4 });
  await settled(page);
}

/** The content of the webview panel whose tab reads `title…` (a webview is an iframe holding the active-frame iframe). */
function webviewFrame(page, title) {
  void title; // one webview at a time: the panel just opened
  return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

/**
 * Brings the workbench back to the state the pictures start from, after an attempt that failed
 * half-way: no widget open, every modified editor reverted, no editor open, no panel.
 */
let failedOnce = false;

export async function resetWorkbench(page) {
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
  const dirty = page.locator('.tab.dirty');
  for (let i = 0; i < 10; i++) {
    const before = await dirty.count();
    if (before === 0) break;
    await dirty.first().click({ timeout: 5_000 });
    await runCommand(page, 'View: Revert and Close Editor');
    // The closed tab can linger for a moment: wait until it is gone before looking for the next.
    await page.waitForFunction((n) => document.querySelectorAll('.tab.dirty').length < n, before, { timeout: 10_000 });
  }
  if ((await dirty.count()) > 0) throw new Error('an editor is still modified after reverting');
  await runCommand(page, 'View: Close All Editors');
  if (await page.locator('.part.panel').isVisible()) await runCommand(page, 'View: Hide Panel');
}

export async function takeScreenshots(page, outDir, workspace) {
  mkdirSync(outDir, { recursive: true });
  const written = [];
  const file = 'orders.key-policy.json';
  // The kms:* of statement AllowFullAccess (line 23).
  const kmsStar = lineColumn(workspace, file, '"Action": "kms:*",\n      "Resource": "*"\n    },\n    {\n      "Sid": "AllowAppToUseKey"', 12);
  // The editor alone: close the primary side bar (ctrl+b) so the widgets have room.
  if (await page.locator('.part.sidebar').isVisible()) {
    await page.keyboard.press('Control+B');
    await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 5_000 });
  }

  // 1. Hover on kms:Decrypt.
  await openFile(page, file);
  await goTo(page, lineColumn(workspace, file, '"kms:Decrypt"', 6));
  const hover = page.locator('.monaco-hover:visible', { hasText: 'read-data' });
  await retry('the hover on kms:Decrypt', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    await hover.first().waitFor({ state: 'visible', timeout: 3_000 });
  });
  await page.locator('.monaco-hover:visible', { hasText: 'API reference' }).first().waitFor({ timeout: 5_000 });
  await settled(page);
  await enlargeHover(page);
  await hover.first().waitFor({ state: 'visible', timeout: 1_000 }); // still showing what the picture is about
  const hoverPng = join(outDir, 'hover-kms-decrypt.png');
  await page.screenshot({ path: hoverPng });
  written.push(hoverPng);
  await page.keyboard.press('Escape');
  await page.mouse.move(25, 600); // park the mouse on the empty activity bar: nothing there reacts to it

  // 2. The completion list in a new entry of an Action array (kms:Decrypt is already there, so it is not offered).
  await goTo(page, lineColumn(workspace, file, '"kms:GenerateDataKey*"', '"kms:GenerateDataKey*"'.length));
  await page.keyboard.press('End');
  await page.keyboard.type(',');
  await page.keyboard.press('Enter');
  await page.keyboard.type('"');
  const suggest = page.locator('.editor-widget.suggest-widget.visible');
  const encrypt = suggest.locator('.monaco-list-row', { hasText: 'kms:Encrypt' });
  await retry('the completion list in an Action', async () => {
    if (!(await suggest.isVisible())) await page.keyboard.press('Control+Space');
    await encrypt.first().waitFor({ state: 'visible', timeout: 3_000 });
  });
  // ctrl+space again shows the focused item's documentation next to the list.
  const details = page.locator('.suggest-details-container:visible', { hasText: 'Capability' });
  if (!(await details.isVisible())) await page.keyboard.press('Control+Space');
  await details.first().waitFor({ state: 'visible', timeout: 5_000 });
  await settled(page);
  const completionPng = join(outDir, 'completion-action.png');
  await page.screenshot({ path: completionPng });
  written.push(completionPng);
  await page.keyboard.press('Escape');
  // Undo the typing (ctrl+z) until the tab is clean again, so the next picture shows the file as it is.
  const dirtyTab = page.locator('.tab.active.dirty');
  for (let i = 0; i < 10 && (await dirtyTab.count()) > 0; i++) {
    await page.keyboard.press('Control+Z');
    await dirtyTab.waitFor({ state: 'detached', timeout: 1_000 }).catch(() => {});
  }
  if ((await dirtyTab.count()) > 0) throw new Error(`${file} is still modified after undoing the completion example`);
  await debugShot(page, 'after-undo');
  await runCommand(page, 'View: Close All Editors');

  // 3. Diagnostics: the squiggles and the Problems panel (ctrl+shift+m) on the broad example policy.
  await openFile(page, file);
  await page.keyboard.press('Control+Shift+M');
  const problems = page.locator('.markers-panel .monaco-list-row');
  for (const rule of ['over-broad-grant', 'missing-deny-everyone-else']) {
    await problems.filter({ hasText: rule }).first().waitFor({ state: 'visible', timeout: 30_000 });
  }
  await goTo(page, kmsStar);
  await settled(page);
  const problemsPng = join(outDir, 'diagnostics-broad-policy.png');
  await page.screenshot({ path: problemsPng });
  written.push(problemsPng);

  // 4. The quick fixes on kms:* (ctrl+.), then the policy after the least-privilege rewrite.
  await goTo(page, kmsStar);
  const menu = page.locator('.action-widget');
  const rewrite = menu.locator('.monaco-list-row', { hasText: 'Rewrite to least privilege (' }).first();
  await retry('the quick fix menu on kms:*', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+.');
    await rewrite.waitFor({ state: 'visible', timeout: 3_000 });
  });
  await settled(page);
  const menuPng = join(outDir, 'quick-fix-least-privilege.png');
  await page.screenshot({ path: menuPng });
  written.push(menuPng);
  await rewrite.click();
  await page.locator('.tab.active.dirty').waitFor({ timeout: 15_000 });
  await page.keyboard.press('Control+Home');
  // Lines 1-25 showed statement AllowFullAccess before the rewrite.
  await page.waitForFunction(() => !document.querySelector('.editor-instance .view-lines')?.textContent?.includes('AllowFullAccess'), null, { timeout: 15_000 });
  // The Problems panel (still open from picture 3) empties once the server has checked the new text.
  await page.locator('.markers-panel', { hasText: 'No problems have been detected' }).waitFor({ timeout: 15_000 });
  await settled(page);
  const rewrittenPng = join(outDir, 'least-privilege-rewrite.png');
  await page.screenshot({ path: rewrittenPng });
  written.push(rewrittenPng);
  // For trying the reset between attempts: the first attempt stops here, with the policy modified
  // and the Problems panel open.
  if (process.env.KMS_E2E_SCREENSHOTS_FAIL_ONCE === '1' && !failedOnce) {
    failedOnce = true;
    throw new Error('KMS_E2E_SCREENSHOTS_FAIL_ONCE=1: the first attempt stops after the rewrite');
  }

  // 6. The rewritten policy against HEAD (the workspace copy is a git repository): the code lens
  // says what it takes away; clicked, it opens the access diff beside the policy.
  await runCommand(page, 'View: Hide Panel'); // the Problems panel: room for the diff
  const lens = page.locator('.codelens-decoration a', { hasText: 'Compared with HEAD' }).first();
  await lens.waitFor({ state: 'attached', timeout: 30_000 });
  // A lens that arrives while line 1 is at the top of the editor goes above it, and the editor keeps
  // line 1 where it was: the lens is then scrolled out, under the tab bar, where no click reaches it
  // (seen in CI). The wheel brings the editor back to its very top first.
  const lines = page.locator('.editor-instance .view-lines').first();
  await retry('a click on the "Compared with HEAD" code lens', async () => {
    await lines.hover();
    await page.mouse.wheel(0, -2_000);
    await lens.click({ timeout: 3_000 });
  });
  const diffFrame = webviewFrame(page, 'Access changes');
  await diffFrame.locator('.kms-access h2, .kms-access table').first().waitFor({ timeout: 15_000 });
  await settled(page);
  const diffPng = join(outDir, 'access-changes.png');
  await page.screenshot({ path: diffPng });
  written.push(diffPng);
  // Back to the policy as written in the fixture for the next picture.
  await page.locator('.tab', { hasText: file }).first().click();
  await runCommand(page, 'File: Revert File');
  await page.locator('.tab.dirty').waitFor({ state: 'detached', timeout: 15_000 });
  await runCommand(page, 'View: Close All Editors');

  // 7. "Show effective access" on the broad example policy: the table of its principals, beside it.
  await openFile(page, file);
  await goTo(page, kmsStar);
  await runCommand(page, 'KMS Key Policy: Show effective access');
  const accessFrame = webviewFrame(page, 'Effective access');
  const appReadData = accessFrame.locator('tr[data-principal="arn:aws:iam::111122223333:role/appA"] td[data-capability="read-data"]');
  await appReadData.waitFor({ timeout: 15_000 });
  if ((await appReadData.textContent())?.trim() !== 'allowed') throw new Error(`effective access: appA read-data reads ${await appReadData.textContent()}, expected allowed`);
  const iam = accessFrame.locator('tr[data-principal="anyone in 111122223333 through IAM"] td[data-capability="read-data"]');
  if ((await iam.textContent())?.trim() !== 'via IAM') throw new Error(`effective access: anyone in the account through IAM reads ${await iam.textContent()}, expected via IAM`);
  // The table alone, at the workbench's full width.
  await page.locator('.tab', { hasText: 'Effective access' }).first().click();
  await runCommand(page, 'View: Toggle Maximize Editor Group');
  await settled(page);
  const accessPng = join(outDir, 'effective-access.png');
  await page.screenshot({ path: accessPng });
  written.push(accessPng);
  return written;
}
