/**
 * The describer in the editor, over LSP against the in-process server: hover on a kdamond's and a
 * scheme's first key, the outline's detail line, the "Explain" code lens and the command it runs, and
 * the inline preview of what the kernel is given.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeLens, DocumentSymbol, Hover, InlayHint } from 'vscode-languageserver-protocol';
import { fileUri, inProcess, positionOf, type TestClient } from './harness';
import { main } from '../../server/src/cli/main';

const ROOT = join(__dirname, '..', '..');
const SEED_PATH = join(ROOT, 'examples', 'seed-test-script.damon.yaml');
const SEED = readFileSync(SEED_PATH, 'utf8');
const SEED_URI = fileUri(SEED_PATH);
const TIER_PATH = join(ROOT, 'examples', 'memcg-tiering.damon.yaml');
const TIER = readFileSync(TIER_PATH, 'utf8');
const TIER_URI = fileUri(TIER_PATH);
const PROFILE = 'examples/seed-vm.profile.yaml';

const md = (h: Hover | null): string => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

describe('explain over LSP', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await inProcess({ rootDir: ROOT, settings: { profile: PROFILE } });
    await c.open(SEED_URI, SEED, 'yaml');
    await c.open(TIER_URI, TIER, 'yaml');
    await c.diagnostics(SEED_URI);
  });
  afterAll(async () => c.close());

  const hover = (uri: string, pos: { line: number; character: number }) =>
    c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos });

  it("hover on a kdamond's first key says what it watches, how often, with the profile's node", async () => {
    const h = md(await hover(SEED_URI, positionOf(SEED, 'contexts:', 2)));
    expect(h).toMatch(/^\*\*kdamond 0: paddr, node 1\*\* — what it does/);
    expect(h).toContain('- Watches physical memory (paddr) [31 GiB, 61 GiB), 30 GiB: all of node 1 on seed-vm.');
    expect(h).toContain('- Samples every 5 ms and aggregates every 100 ms');
    // the key's own documentation stays below
    expect(h).toContain('**contexts**');
  });

  it("hover on a scheme's first key: the action, the OR of its filter chain, the goal in bytes, what it will not do", async () => {
    const h = md(await hover(SEED_URI, positionOf(SEED, 'action:', 2)));
    expect(h).toMatch(/^\*\*scheme 0: migrate_hot\*\* — what it does/);
    expect(h).toContain('only what the filters admit: memcg /workload_a OR young');
    expect(h).toContain('- Until when: /workload_a uses 9.7 % of node 0 (≈ 2.91 GiB on seed-vm).');
    expect(h).toMatch(
      /\*\*Will not do what you may expect:\*\*\n- The filters admit "memcg \/workload_a OR young", not only \/workload_a: .*also moves other cgroups' pages/,
    );
    expect(h).toContain('**action**');
    // the second scheme (line of its action key)
    const h2 = md(await hover(SEED_URI, positionOf(SEED, 'action:', 2, 1)));
    expect(h2).toContain('/workload_b uses 19.7 % of node 0 (≈ 5.91 GiB on seed-vm)');
  });

  it('no explanation on other keys', async () => {
    const h = md(await hover(SEED_URI, positionOf(SEED, 'target_nid:', 2)));
    expect(h).toContain('**target_nid**');
    expect(h).not.toContain('what it does');
  });

  it("the outline's detail line is the short form", async () => {
    const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: SEED_URI } });
    expect(syms[0].detail).toBe('watches node 1 [31 GiB, 61 GiB), 2 schemes');
    expect(syms[0].children![0].detail).toBe('moves to node 0: accessed ≥ 5 %, memcg /workload_a OR young · until /workload_a uses 9.7 % of node 0');
    expect(syms[1].children![0].detail).toBe('moves to node 1: idle, memcg /workload_a OR NOT young · until /workload_a uses ≤ 9.5 % of node 0');
  });

  it('an "Explain" lens on the file runs the command that returns the whole file\'s markdown, the same as the CLI', async () => {
    const lenses = await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: TIER_URI } });
    const lens = lenses.filter((l) => l.command!.title === 'Explain');
    expect(lens).toHaveLength(1);
    expect(lens[0].command!.command).toBe('damon.explain');
    expect(lens[0].range.start).toEqual(positionOf(TIER, 'kdamonds:'));
    // the VS Code client's damon.explain asks the server for the markdown with the lens' arguments
    const r = await c.request<{ title: string; markdown: string } | null>('workspace/executeCommand', {
      command: 'damon.server.explain',
      arguments: lens[0].command!.arguments,
    });
    expect(r!.title).toBe('Explanation of memcg-tiering.damon.yaml');
    let cli = '';
    await main(['explain', '--format', 'markdown', '--profile', PROFILE, TIER_PATH], {
      stdout: (s) => void (cli += s),
      stderr: () => undefined,
      isTTY: false,
      cwd: ROOT,
      readStdin: async () => '',
    });
    // the same explanation; only the file name in the heading differs
    expect(r!.markdown).toBe(cli.replace(`## \`${TIER_PATH}\``, '## `memcg-tiering.damon.yaml`'));
    expect(r!.markdown).toContain('### Tiering');
    expect(await c.request('workspace/executeCommand', { command: 'damon.server.explain', arguments: [{ uri: 'file:///nope.yaml' }] })).toBeNull();
  });

  it('inline: what the kernel is given where the written form differs, and node shares in bytes', async () => {
    const hints = async (uri: string) =>
      (
        await c.request<InlayHint[]>('textDocument/inlayHint', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: 400, character: 0 } },
        })
      ).map((h) => String(h.label));
    const seed = await hints(SEED_URI);
    expect(seed).toContain('→ 970 bp');
    expect(seed).toContain('→ 1970 bp');
    expect(seed).toContain('≈ 2.91 GiB of node 0');
    const tier = await hints(TIER_URI);
    expect(tier).toContain('→ 209715200');
    expect(tier).toContain('→ 1000 ms');
    // target_value: 2970 is already what the kernel is given: no preview, but the share
    expect(tier.filter((l) => l.startsWith('→ ') && l.endsWith(' bp'))).toEqual([]);
    expect(tier).toContain('≈ 8.91 GiB of node 0');
  });

  it('without a profile: kernel values inline, shares in percent in the hover; bytes as soon as a profile is set', async () => {
    const d = await inProcess({ rootDir: ROOT, settings: {} });
    try {
      await d.open(SEED_URI, SEED, 'yaml');
      await d.diagnostics(SEED_URI);
      const hints = async () =>
        (
          await d.request<InlayHint[]>('textDocument/inlayHint', {
            textDocument: { uri: SEED_URI },
            range: { start: { line: 0, character: 0 }, end: { line: 400, character: 0 } },
          })
        ).map((h) => String(h.label));
      expect(await hints()).toContain('→ 970 bp');
      expect((await hints()).some((l) => /≈ .* of node 0/.test(l))).toBe(false);
      const h = md(await d.request<Hover | null>('textDocument/hover', { textDocument: { uri: SEED_URI }, position: positionOf(SEED, 'action:', 2) }));
      expect(h).toContain('/workload_a uses 9.7 % of node 0 (in bytes with a machine profile (the damon.profile setting, or “DAMON: Use Host Profile…”))');
      // “Use Host Profile…” sets damon.profile; the server re-checks with it
      d.settings.profile = PROFILE;
      await d.notify('workspace/didChangeConfiguration', { settings: { damon: d.settings } });
      await expect.poll(async () => (await hints()).includes('≈ 2.91 GiB of node 0'), { timeout: 30_000 }).toBe(true);
      const h2 = md(await d.request<Hover | null>('textDocument/hover', { textDocument: { uri: SEED_URI }, position: positionOf(SEED, 'action:', 2) }));
      expect(h2).toContain('(≈ 2.91 GiB on seed-vm)');
    } finally {
      await d.close();
    }
  });
});
