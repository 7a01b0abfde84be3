/**
 * The packaged extension in a real VS Code (code-server) driven through Chromium: install the .vsix,
 * open the seed's buggy config, see squiggles and the Problems panel, a hover, an inlay hint, apply a
 * quick fix through the light bulb; then, with workspace trust on, check that deploy is refused in an
 * untrusted folder. Screenshots go to test-results/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkText } from '../../server/src/core/check';
import { loadProfile } from '../../server/src/core/index';
import { ensureBuilt } from '../lsp/built';
import { bootTestHost, type TestHost } from '../testhost/vm';
import { ensureCodeServer, findLogLines, packageVsix, RESULTS, ROOT, startEditor, type Editor } from './codeserver';

const SEED = readFileSync(join(ROOT, 'examples', 'seed-rfc-example.damon.yaml'), 'utf8');
const SEED_LINES = SEED.split('\n');
const lineOf = (needle: string): number => SEED_LINES.findIndex((l) => l.includes(needle)) + 1;
const colOf = (needle: string, inner = needle): number => SEED_LINES[lineOf(needle) - 1].indexOf(inner) + 1;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `e2e-${name}.png`) });
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(name);
  // wait for the row of this file (not a stale row of the recently opened list) before Enter
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  try {
    await page.locator(`.tab[aria-label*="${name}"], .tab:has-text("${name}")`).first().waitFor({ timeout: 30_000 });
  } catch (e) {
    await shot(page, `open-failed-${name}`);
    throw e;
  }
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
}

async function goTo(page: Page, line: number, col: number): Promise<void> {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(`${line}:${col}`);
  await page.keyboard.press('Enter');
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(title);
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: title.replace(/^DAMON: /, '') })
    .first()
    .waitFor();
  await page.keyboard.press('Enter');
}

/** the webview page shown beside the editor (VS Code's two iframes) */
const webviewFrame = (page: Page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

/** a key the untrusted folder's test binds to Deploy to Inventory… (the palette hides it there) */
const INVENTORY_KEY = { playwright: 'Control+Alt+Shift+I', vscode: 'ctrl+alt+shift+i' };

function workspace(trusted: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), `damon-ws-${trusted ? 'trusted' : 'untrusted'}-`));
  copyFileSync(join(ROOT, 'examples', 'seed-rfc-example.damon.yaml'), join(dir, 'seed-rfc-example.damon.yaml'));
  copyFileSync(join(ROOT, 'examples', 'seed-vm.profile.yaml'), join(dir, 'seed-vm.profile.yaml'));
  copyFileSync(join(ROOT, 'examples', 'memcg-tiering.damon.yaml'), join(dir, 'memcg-tiering.damon.yaml'));
  copyFileSync(join(ROOT, 'examples', 'scripts', 'seed-experiment.sh'), join(dir, 'seed-experiment.sh'));
  writeFileSync(join(dir, 'tiering.damon.yaml'), '');
  mkdirSync(join(dir, '.vscode'));
  // The untrusted folder is the attack of issue 17 item 5: its settings point damon.profile at a
  // FIFO (before, the server blocked on it for good). damon.profile is a restricted setting, so in
  // Restricted Mode VS Code must not pass the folder's value to the server at all.
  if (!trusted) execFileSync('mkfifo', [join(dir, 'attack.fifo')]);
  // an ssh alias that cannot resolve: deploy's dry run fails at once, offline
  writeFileSync(
    join(dir, '.vscode', 'settings.json'),
    JSON.stringify({
      'damon.profile': trusted ? 'seed-vm.profile.yaml' : 'attack.fifo',
      'editor.inlayHints.maximumLength': 0,
      'damon.deploy.hosts': ['unreachable-test-host.invalid'],
    }),
  );
  return dir;
}

describe('VS Code (code-server) with the packaged extension', () => {
  let vsix: string;
  let work: string;
  beforeAll(() => {
    ensureBuilt();
    ensureCodeServer();
    work = mkdtempSync(join(tmpdir(), 'damon-vsix-'));
    vsix = packageVsix(work);
  }, 900_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe('trusted folder', () => {
    let ed: Editor;
    let ws: string;
    beforeAll(async () => {
      ws = workspace(true);
      ed = await startEditor({ vsix, trust: false });
      await ed.page.goto(ed.url(ws));
      await openFile(ed.page, 'seed-rfc-example.damon.yaml');
    }, 180_000);
    afterAll(async () => {
      await ed?.stop();
      rmSync(ws, { recursive: true, force: true });
    });

    it('shows squiggles and the problems in the Problems panel', async () => {
      const { page } = ed;
      // squiggles are rendered for visible lines only: bring the relative cgroup path into view
      await page.locator('#status\\.problems').first().waitFor();
      await expect.poll(async () => page.locator('#status\\.problems').first().getAttribute('aria-label'), { timeout: 60_000 }).toMatch(/Errors: [1-9]/);
      await goTo(page, lineOf('memcg_path: workloads/b'), 1);
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.monaco-editor .squiggly-error').count()).toBeGreaterThan(0);
      await shot(page, 'squiggles');
      await page.keyboard.press('Control+Shift+M');
      const rows = page.locator('.markers-panel .monaco-list-row');
      await rows.first().waitFor();
      await expect.poll(async () => (await page.locator('.markers-panel').innerText()).includes('memcg-path-form'), { timeout: 30_000 }).toBe(true);
      const text = await page.locator('.markers-panel').innerText();
      expect(text).toContain('goal-memcg-path-required');
      expect(text).toMatch(/workloads\/b" is relative/);
      await shot(page, 'problems');
      await page.keyboard.press('Control+Shift+M');
    }, 120_000);

    it('hovers a value with its normalized size', async () => {
      const { page } = ed;
      await goTo(page, lineOf('sz_bytes: 200 MiB'), colOf('sz_bytes: 200 MiB', '200 MiB') + 1);
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      const hover = page.locator('.monaco-hover:visible');
      await hover.first().waitFor({ timeout: 20_000 });
      await expect.poll(async () => hover.first().innerText(), { timeout: 20_000 }).toContain('209715200 bytes');
      await shot(page, 'hover');
      await page.keyboard.press('Escape');
    }, 60_000);

    it('shows an inlay hint with the goal target as a share of the node', async () => {
      const { page } = ed;
      await goTo(page, lineOf('target_value: 29.7%'), 1);
      // the status bar names the machine profile the hints use
      await expect.poll(async () => page.locator('.statusbar-item', { hasText: 'DAMON' }).first().innerText(), { timeout: 30_000 }).toContain('seed-vm');
      await expect
        .poll(
          async () =>
            (await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ').includes('≈ 8.91 GiB of node 0'),
          { timeout: 30_000 },
        )
        .toBe(true);
      await shot(page, 'inlay-hint');
    }, 60_000);

    it('applies the preferred quick fix through the light bulb', async () => {
      const { page } = ed;
      await goTo(page, lineOf('memcg_path: workloads/b'), colOf('memcg_path: workloads/b', 'workloads/b') + 2);
      const bulb = page.locator('.editor-instance .lightBulbWidget:visible').first();
      await bulb.waitFor({ state: 'visible', timeout: 30_000 });
      await shot(page, 'lightbulb');
      await bulb.click();
      const item = page.locator('.action-widget .monaco-list-row, .context-view .action-label').filter({ hasText: 'leading "/"' }).first();
      await item.waitFor({ timeout: 20_000 });
      await shot(page, 'quick-fix-menu');
      await item.click();
      await page.keyboard.press('Control+S');
      const file = join(ws, 'seed-rfc-example.damon.yaml');
      await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 20_000 }).toBe(SEED.replace('memcg_path: workloads/b,', 'memcg_path: /workloads/b,'));
      await page.keyboard.press('Control+Shift+M');
      await expect.poll(async () => (await page.locator('.markers-panel').innerText()).includes('memcg-path-form'), { timeout: 30_000 }).toBe(false);
      await shot(page, 'after-fix');
    }, 90_000);

    it("builds the seed's 4-scheme tiering config from an empty file using only completion", async () => {
      const { page } = ed;
      await openFile(page, 'tiering.damon.yaml');
      const suggest = page.locator('.editor-widget.suggest-widget.visible');
      const focused = suggest.locator('.monaco-list-row.focused');
      /** open the suggestions (Ctrl+Space) unless they are open, wait for a row, and accept it */
      const accept = async (row: RegExp, open = true): Promise<void> => {
        if (open) await page.keyboard.press('Control+Space');
        await suggest.locator('.monaco-list-row', { hasText: row }).first().waitFor({ timeout: 30_000 });
        // walk down to the row (choices open with their first value focused)
        for (let i = 0; i < 10 && !row.test(await focused.innerText().catch(() => '')); i++) await page.keyboard.press('ArrowDown');
        expect(await focused.innerText()).toMatch(row);
        await page.keyboard.press('Enter');
      };
      try {
        await page.keyboard.type('kd');
        await accept(/^kdamonds/);
        // `kdamonds:` + a new item `  - `: the tiering pair skeleton
        await page.keyboard.type('tier');
        await accept(/tiering pair/, false);
        // the snippet's first two placeholders are the cgroups, choices of the profile's cgroups
        await accept(/^\/workloads\/a$/m, false);
        // accepting a choice moves on to the next placeholder (the second cgroup, whose choices start
        // with the profile's second cgroup); if this VS Code does not, Tab does
        const secondOpen = async (ms: number): Promise<boolean> =>
          expect
            .poll(async () => (await focused.innerText().catch(() => '')).trim(), { timeout: ms })
            .toBe('/workload_b')
            .then(
              () => true,
              () => false,
            );
        if (!(await secondOpen(5_000))) {
          await page.keyboard.press('Tab');
          expect(await secondOpen(20_000)).toBe(true);
        }
        await accept(/^\/workloads\/b$/m, false);
        await page.keyboard.press('Escape');
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+S');
      } catch (e) {
        await shot(page, 'completion-build-failed');
        throw e;
      }
      const file = join(ws, 'tiering.damon.yaml');
      await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 20_000 }).toMatch(/memcg_path: \/workloads\/b[^]*migrate_cold/);
      await shot(page, 'completion-built');
      const text = readFileSync(file, 'utf8');
      // it checks clean against the seed VM's profile ...
      const profile = loadProfile(readFileSync(join(ws, 'seed-vm.profile.yaml'), 'utf8'), 'seed-vm.profile.yaml').profile!;
      const r = checkText(text, { format: 'yaml', profile });
      expect(
        r.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => `${d.code}: ${d.message}`),
        text,
      ).toEqual([]);
      // ... and its four schemes are the seed's, corrected (examples/memcg-tiering.damon.yaml)
      const schemesOf = (t: string) => checkText(t, { format: 'yaml' }).documents[0].kconfig!.kdamonds.flatMap((k) => k.contexts.flatMap((c) => c.schemes));
      expect(schemesOf(text)).toEqual(schemesOf(readFileSync(join(ROOT, 'examples', 'memcg-tiering.damon.yaml'), 'utf8')));
      // and the editor shows no squiggle in it
      await expect
        .poll(async () => page.locator('.editor-instance .monaco-editor .squiggly-error, .editor-instance .monaco-editor .squiggly-warning').count(), {
          timeout: 30_000,
        })
        .toBe(0);
    }, 180_000);

    it('refuses to simulate a config with errors, naming the first one', async () => {
      const { page } = ed;
      // the seed RFC example has errors by design; its lens is on the first kdamond
      await openFile(page, 'seed-rfc-example.damon.yaml');
      await goTo(page, lineOf('kdamonds:'), 1);
      const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'not simulated' }).first();
      // code lenses are re-rendered after the save and the re-check: a click can land on a lens that is
      // being replaced (seen on a loaded machine), so click again until the refusal shows
      for (let attempt = 0; ; attempt++) {
        const lens = page.locator('.codelens-decoration a:visible', { hasText: 'Simulate this file' }).first();
        await lens.waitFor({ timeout: 30_000 });
        await lens.click();
        try {
          await toast.waitFor({ timeout: 8_000 });
          break;
        } catch (e) {
          if (attempt >= 3) throw e;
        }
      }
      expect(await toast.innerText()).toMatch(
        /not simulated: on kernel \d+\.\d+ \(the scenario's\) the config has \d+ error\(s\).*the first, at line \d+:\d+ \[[a-z-]+\]/s,
      );
      await shot(page, 'simulation-refused');
      await page.keyboard.press('Escape');
    }, 60_000);

    it("simulates a kdamond from its code lens for the scenario's 10 minutes, charts it, and shows each goal's simulated value", async () => {
      const { page } = ed;
      // the seed config has errors the simulator refuses: simulate the corrected tiering example, for
      // the scenario's own duration (its intervals_goal once made the simulator loop forever)
      await openFile(page, 'memcg-tiering.damon.yaml');
      const lens = page.locator('.codelens-decoration a:visible', { hasText: 'Simulate this file' }).first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();
      const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      try {
        await frame.locator('#title').waitFor({ timeout: 90_000 });
      } catch (e) {
        await shot(page, 'simulation-missing');
        throw e;
      }
      await expect.poll(async () => frame.locator('#meta').innerText(), { timeout: 90_000 }).not.toContain('Waiting');
      await shot(page, 'simulation');
      // damon/simulatedValues → an inlay hint after each goal's target
      const tiering = readFileSync(join(ROOT, 'examples', 'memcg-tiering.damon.yaml'), 'utf8').split('\n');
      await goTo(page, tiering.findIndex((l) => l.includes('target_value: 2970')) + 1, 1);
      // (word wrap may break a hint's text over two view lines; the workspace turns off VS Code's
      // 43-character cut of the hints at one position, here the node share and the simulated value)
      const viewText = async () =>
        (await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ').replace(/\n/g, '');
      try {
        await expect.poll(async () => /sim\s*\d+(\.\d+)?\s*%/.test(await viewText()), { timeout: 30_000 }).toBe(true);
      } catch (e) {
        await shot(page, 'simulated-goal-values-missing');
        throw new Error(`no "sim …" inlay hint in the editor's visible text: ${(await viewText()).slice(0, 1500)}`, { cause: e });
      }
      await shot(page, 'simulated-goal-values');
    }, 150_000);

    it('checks the damo command of a shell script and converts it to a config file from its code lens', async () => {
      const { page } = ed;
      // one editor group, the script alone in it (the simulation opened a webview beside)
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').waitFor();
      await page.keyboard.type('View: Close All Editors');
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Close All Editors' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page
        .locator('.editor-instance')
        .first()
        .waitFor({ state: 'detached', timeout: 10_000 })
        .catch(() => undefined);
      await openFile(page, 'seed-experiment.sh');
      try {
        // the script's validator findings are warnings on the damo options
        await page.locator('.editor-instance .monaco-editor .squiggly-warning').first().waitFor({ timeout: 30_000 });
        await page.locator('.codelens-decoration a', { hasText: 'Convert to config file' }).first().waitFor({ timeout: 30_000 });
      } catch (e) {
        await shot(page, 'shell-script-failed');
        throw e;
      }
      const lens = page.locator('.codelens-decoration a', { hasText: 'Convert to config file' }).first();
      await shot(page, 'shell-script');
      await lens.click();
      await page.locator('.tab', { hasText: 'seed-experiment.damon.yaml' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+S');
      const created = join(ws, 'seed-experiment.damon.yaml');
      await expect
        .poll(() => (existsSync(created) ? readFileSync(created, 'utf8') : ''), { timeout: 20_000 })
        .toMatch(/^# Imported from a damo start command line \(seed-experiment\.sh\)[^]*\nkdamonds:\n/);
      await shot(page, 'shell-converted');
    }, 90_000);

    it('imports the selected damo command line into a config opened beside it', async () => {
      const { page } = ed;
      await openFile(page, 'seed-experiment.sh');
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').waitFor();
      await page.keyboard.type('DAMON: Import damo Command');
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Import damo Command' }).first().waitFor();
      await page.keyboard.press('Enter');
      // a new untitled config in a second editor group, beside the script
      try {
        await page.locator('.editor-group-container').nth(1).waitFor({ timeout: 30_000 });
      } catch (e) {
        await shot(page, 'import-damo-failed');
        throw e;
      }
      const second = page.locator('.editor-group-container').nth(1);
      await expect.poll(async () => second.locator('.view-lines').innerText(), { timeout: 30_000 }).toMatch(/kdamonds:[^]*migrate_hot/);
      await shot(page, 'import-damo');
    }, 90_000);

    it('imports without a selection from the active script, else asks in an input box, never blocking on the clipboard', async () => {
      const { page } = ed;
      const runImport = async (): Promise<void> => {
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input').waitFor();
        await page.keyboard.type('DAMON: Import damo Command');
        await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Import damo Command' }).first().waitFor();
        await page.keyboard.press('Enter');
      };
      const closeAll = async (): Promise<void> => {
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input').waitFor();
        await page.keyboard.type('View: Close All Editors');
        await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Close All Editors' }).first().waitFor();
        await page.keyboard.press('Enter');
        // an imported untitled config asks whether to save it: don't
        const dontSave = page.locator('.monaco-dialog-box .monaco-button', { hasText: /Don.t Save/ }).first();
        if (await dontSave.isVisible({ timeout: 3_000 }).catch(() => false)) await dontSave.click();
        await expect.poll(async () => page.locator('.editor-group-container').count(), { timeout: 20_000 }).toBeLessThanOrEqual(1);
      };
      const clipboardToast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: /clipboard/i });
      try {
        // 1. the active shell script, cursor only (no selection): its damo command
        await closeAll();
        await openFile(page, 'seed-experiment.sh');
        await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
        await runImport();
        await page.locator('.editor-group-container').nth(1).waitFor({ timeout: 30_000 });
        await expect
          .poll(async () => page.locator('.editor-group-container').nth(1).locator('.view-lines').innerText(), { timeout: 30_000 })
          .toMatch(/kdamonds:[^]*migrate_hot/);
        expect(await clipboardToast.count()).toBe(0);
        await shot(page, 'import-damo-script');
        // 2. a config without a damo command: an input box at once (the browser's clipboard is not read)
        await closeAll();
        await openFile(page, 'memcg-tiering.damon.yaml');
        await runImport();
        const box = page.locator('.quick-input-widget', { hasText: 'Import damo Command' });
        await box.waitFor({ timeout: 10_000 });
        await shot(page, 'import-damo-input');
        expect(await clipboardToast.count()).toBe(0);
        await page.keyboard.type('damo start --ops paddr --numa_node 1 --damos_action migrate_hot 0 --damos_quotas 0 200M 1000');
        await page.keyboard.press('Enter');
        await page.locator('.editor-group-container').nth(1).waitFor({ timeout: 30_000 });
        await expect
          .poll(async () => page.locator('.editor-group-container').nth(1).locator('.view-lines').innerText(), { timeout: 30_000 })
          .toMatch(/kdamonds:[^]*migrate_hot/);
        expect(await clipboardToast.count()).toBe(0);
        await closeAll();
      } catch (e) {
        await shot(page, 'import-damo-sources-failed');
        throw e;
      }
    }, 150_000);

    it('stops at a failed dry run with the ssh error, without the confirmation and without "rolled back"', async () => {
      const { page } = ed;
      await openFile(page, 'memcg-tiering.damon.yaml');
      // lenses are rendered for visible lines: bring the first kdamond into view
      await goTo(
        page,
        readFileSync(join(ROOT, 'examples', 'memcg-tiering.damon.yaml'), 'utf8')
          .split('\n')
          .findIndex((l) => l.startsWith('kdamonds:')) + 1,
        1,
      );
      const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'cannot deploy to unreachable-test-host.invalid' }).first();
      for (let attempt = 0; ; attempt++) {
        const lens = page.locator('.codelens-decoration a:visible', { hasText: 'Deploy…' }).first();
        await lens.waitFor({ timeout: 30_000 });
        await lens.click();
        try {
          await toast.waitFor({ timeout: 30_000 });
          break;
        } catch (e) {
          if (attempt >= 2) {
            await shot(page, 'deploy-dry-run-failed-missing');
            throw e;
          }
        }
      }
      const text = await toast.innerText();
      expect(text).toContain('Could not resolve hostname');
      expect(text).toContain('Nothing was written');
      expect(text).not.toMatch(/rolled back/i);
      // no confirmation dialog was opened
      expect(await page.locator('.monaco-dialog-box').count()).toBe(0);
      await shot(page, 'deploy-dry-run-failed');
      await page.keyboard.press('Escape');
    }, 120_000);
    it('explains a config from its "Explain" code lens: the markdown preview opens beside it', async () => {
      const { page } = ed;
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').waitFor();
      await page.keyboard.type('View: Close All Editors');
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Close All Editors' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page
        .locator('.editor-instance')
        .first()
        .waitFor({ state: 'detached', timeout: 10_000 })
        .catch(() => undefined);
      await openFile(page, 'memcg-tiering.damon.yaml');
      const lens = page.locator('.codelens-decoration a', { hasText: /^Explain$/ }).first();
      try {
        await lens.waitFor({ timeout: 30_000 });
        await lens.click();
        // the preview of the untitled markdown, in a second editor group beside the config
        await page
          .locator('.editor-group-container')
          .nth(1)
          .locator('.tab', { hasText: 'Preview Explanation of memcg-tiering.damon.yaml' })
          .first()
          .waitFor({ timeout: 30_000 });
        const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
        await expect
          .poll(async () => preview.locator('body').innerText(), { timeout: 30_000 })
          .toMatch(
            /kdamond 0: paddr, node 1[^]*memcg \/workloads\/a AND young[^]*Tiering[^]*\/workloads\/a is kept between 29\.5 % and 29\.7 % of node 0 \(≈ 8\.85 GiB to 8\.91 GiB on seed-vm\)/,
          );
      } catch (e) {
        await shot(page, 'explain-failed');
        throw e;
      }
      await shot(page, 'explain');
    }, 90_000);

    it('activates quickly and logs its activation time', async () => {
      const lines = findLogLines(join(ed.userDataDir, 'logs'), /DAMON\.log$|exthost\.log$|\d+-DAMON\.log$/, /DAMON extension activated in \d+ ms/);
      expect(lines.length).toBeGreaterThan(0);
      const ms = Number(/activated in (\d+) ms/.exec(lines[0])![1]);
      mkdirSync(RESULTS, { recursive: true });
      writeFileSync(join(RESULTS, 'e2e-activation.json'), JSON.stringify({ activationMs: ms, line: lines[0] }, null, 2));
      expect(ms).toBeLessThan(1000);
    });
  });

  describe('trusted folder: Deploy to Inventory… against a 7.2 test host', () => {
    let ed: Editor;
    let ws: string;
    let vm: TestHost;
    beforeAll(async () => {
      // one VM for this block; its ssh config reaches Ansible through the inventory, as a user's would
      vm = bootTestHost('7.2');
      ws = mkdtempSync(join(tmpdir(), 'damon-ws-inventory-'));
      copyFileSync(join(ROOT, 'test', 'deploy', 'fixtures', 'stat-node1.damon.yaml'), join(ws, 'stat-node1.damon.yaml'));
      mkdirSync(join(ws, 'inventory'));
      writeFileSync(
        join(ws, 'inventory', 'hosts.ini'),
        `[damon]\n${vm.alias} ansible_ssh_common_args='-F ${vm.sshConfig}'\n\n[damon:vars]\n# the test host runs dropbear with no sftp or scp\nansible_ssh_transfer_method=piped\n`,
      );
      ed = await startEditor({ vsix, trust: false });
      await ed.page.goto(ed.url(ws));
      await openFile(ed.page, 'stat-node1.damon.yaml');
    }, 600_000);
    afterAll(async () => {
      await ed?.stop();
      vm?.stop();
      if (ws) rmSync(ws, { recursive: true, force: true });
    });

    it('checks first (per-host diff, nothing written), confirms naming 1 host, deploys, and shows the recap; sysfs reads back the config', async () => {
      const { page } = ed;
      const nrKdamonds = () => vm.sh('cat /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds').trim();
      expect(nrKdamonds()).toBe('0');
      try {
        await runCommand(page, 'DAMON: Deploy to Inventory');
        // the inventory picker lists the workspace's inventory-looking files
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'inventory/hosts.ini' }).first();
        await row.waitFor({ timeout: 30_000 });
        const picker = await page.locator('.quick-input-list').innerText();
        expect(picker).toContain('Browse…');
        expect(picker).not.toContain('stat-node1.damon.yaml');
        await shot(page, 'inventory-pick');
        await row.click();
        // the optional --limit: none
        await page.locator('.quick-input-widget', { hasText: 'limit' }).first().waitFor({ timeout: 10_000 });
        await page.keyboard.press('Enter');
        // check mode: the per-host table and the diff, in a page beside the editor
        const frame = webviewFrame(page);
        // the page's title, '' while the page is (re)loading
        const title = async (): Promise<string> =>
          frame
            .locator('#title')
            .innerText()
            .catch(() => '');
        await expect.poll(title, { timeout: 180_000 }).toMatch(/^DAMON Check: stat-node1\.damon\.yaml/);
        const checkRow = frame.locator(`tr[data-host="${vm.alias}"]`);
        expect(await checkRow.locator('td.status').innerText()).toBe('would apply');
        expect(await checkRow.locator('td.why').innerText()).toMatch(/^\d+ sysfs writes \(start\)/);
        expect(await frame.locator(`section.diff[data-host="${vm.alias}"] pre`).innerText()).toMatch(/\+ kdamonds\/0\/contexts\/0\/schemes\/0\/action = stat/);
        // the check wrote nothing
        expect(nrKdamonds()).toBe('0');
        // the confirmation names the number of hosts
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ timeout: 30_000 });
        expect(await dialog.innerText()).toContain('Deploy to 1 host?');
        await shot(page, 'inventory-check');
        await dialog.locator('.monaco-button', { hasText: 'Deploy to 1 host' }).first().click();
        // the recap, per host
        await expect.poll(title, { timeout: 180_000 }).toMatch(/^DAMON Deploy: stat-node1\.damon\.yaml/);
        const recapRow = frame.locator(`tr[data-host="${vm.alias}"]`);
        expect(await recapRow.locator('td.status').innerText()).toBe('applied');
        expect(await recapRow.locator('td.why').innerText()).toMatch(/^applied \(\d+ writes\)$/);
        await page
          .locator('.notifications-toasts .notification-toast', { hasText: 'deployed stat-node1.damon.yaml to 1 host' })
          .first()
          .waitFor({ timeout: 30_000 });
        await shot(page, 'inventory-recap');
      } catch (e) {
        await shot(page, 'inventory-failed');
        throw e;
      }
      // the host runs the config
      const admin = '/sys/kernel/mm/damon/admin/kdamonds/0';
      expect(vm.sh(`cat ${admin}/state`).trim()).toBe('on');
      expect(vm.sh(`cat ${admin}/contexts/0/operations`).trim()).toBe('paddr');
      expect(vm.sh(`cat ${admin}/contexts/0/schemes/0/action`).trim()).toBe('stat');
      expect(vm.sh(`cat ${admin}/contexts/0/schemes/0/ops_filters/0/type`).trim()).toBe('anon');
    }, 420_000);
  });

  describe('untrusted folder (workspace trust on)', () => {
    let ed: Editor;
    let ws: string;
    beforeAll(async () => {
      ws = workspace(false);
      ed = await startEditor({ vsix, trust: true });
      // the palette hides the host commands in Restricted Mode; a keybinding still runs one
      writeFileSync(join(ed.userDataDir, 'User', 'keybindings.json'), JSON.stringify([{ key: INVENTORY_KEY.vscode, command: 'damon.deployInventory' }]));
      await ed.page.goto(ed.url(ws));
      await openFile(ed.page, 'seed-rfc-example.damon.yaml');
    }, 180_000);
    afterAll(async () => {
      await ed?.stop();
      rmSync(ws, { recursive: true, force: true });
    });

    it('keeps editing features but shows no Deploy… lens and does not offer deploy', async () => {
      const { page } = ed;
      // Restricted Mode: language features still work
      await expect.poll(async () => page.locator('#status\\.problems').first().getAttribute('aria-label'), { timeout: 60_000 }).toMatch(/Errors: [1-9]/);
      // ... and the folder's damon.profile (a FIFO) is not used: the status item names no profile
      const status = page.locator('.statusbar-item', { hasText: 'DAMON' }).first();
      await expect.poll(async () => status.innerText(), { timeout: 30_000 }).toMatch(/DAMON \d+\.\d+/);
      expect(await status.innerText()).not.toContain('attack.fifo');
      expect(await status.innerText()).not.toContain('·');
      // the Simulate lenses are there, the Deploy… lens is not (it could only be refused)
      await page.locator('.codelens-decoration a:visible', { hasText: 'Simulate this file' }).first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.codelens-decoration a', { hasText: 'Deploy…' }).count()).toBe(0);
      await shot(page, 'untrusted-no-deploy-lens');
      // the command palette does not even offer it
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').waitFor();
      await page.keyboard.type('DAMON: Deploy');
      await page.waitForTimeout(500);
      expect(await page.locator('.quick-input-list').innerText()).not.toContain('Deploy to Host');
      expect(await page.locator('.quick-input-list').innerText()).not.toContain('Deploy to Inventory');
      await page.keyboard.press('Escape');
      await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout: 10_000 });
    }, 120_000);

    it('refuses Deploy to Inventory… run anyway (a keybinding), before asking for an inventory', async () => {
      const { page } = ed;
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Deploy to Inventory is disabled in Restricted Mode' }).first();
      // (the workbench reads the user's keybindings.json some time after the page loads: press again)
      for (let attempt = 0; ; attempt++) {
        await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
        await page.keyboard.press(INVENTORY_KEY.playwright);
        try {
          await toast.waitFor({ timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt >= 3) {
            await shot(page, 'untrusted-inventory-refusal-missing');
            throw e;
          }
        }
      }
      expect(await toast.innerText()).toContain('Trust this folder');
      // no inventory picker was opened (a palette still fading out from the test before is not one)
      await page.waitForTimeout(1_000);
      expect(await page.locator('.quick-input-widget:visible', { hasText: /Ansible inventory|inventory file|an Ansible inventory/ }).count()).toBe(0);
      await shot(page, 'untrusted-inventory-refused');
    }, 60_000);
  });
});
