/**
 * Every language server feature, driven through LSP messages the way an editor sends them, against an
 * in-process server (client and server joined by streams).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CodeLens, CompletionItem, Diagnostic, DocumentSymbol, Hover, InlayHint } from 'vscode-languageserver-protocol';
import { checkText } from '../../server/src/core/check';
import { applyEdits, expandSnippet, fileUri, inProcess, positionOf, type TestClient } from './harness';

const ROOT = join(__dirname, '..', '..');
const SEED_PATH = join(ROOT, 'examples', 'seed-rfc-example.damon.yaml');
const SEED = readFileSync(SEED_PATH, 'utf8');
const SEED_URI = fileUri(SEED_PATH);
const PROFILE = 'examples/seed-vm.profile.yaml';

const md = (h: Hover | null): string => {
  const c = h?.contents as { value?: string } | undefined;
  return c?.value ?? '';
};

describe('language server features (in-process)', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await inProcess({ rootDir: ROOT, settings: { profile: PROFILE } });
    await c.open(SEED_URI, SEED, 'yaml');
  });
  afterAll(async () => c.close());

  describe('diagnostics', () => {
    let diags: Diagnostic[];
    beforeAll(async () => {
      diags = await c.diagnostics(SEED_URI, 1);
    });

    it("reports the seed command line's mistakes with the rule id as code, at the exact range", () => {
      const rel = diags.find((d) => d.code === 'memcg-path-form');
      expect(rel).toBeDefined();
      const at = positionOf(SEED, 'workloads/b, current_value');
      expect(rel!.range.start).toEqual(at);
      expect(rel!.range.end).toEqual({ line: at.line, character: at.character + 'workloads/b'.length });
      expect(rel!.severity).toBe(1);
      expect(rel!.source).toBe('damon');
      const missing = diags.filter((d) => d.code === 'goal-memcg-path-required');
      expect(missing).toHaveLength(2);
      expect(diags.filter((d) => d.code === 'filter-admits-outside-goal-cgroup').length).toBeGreaterThanOrEqual(2);
    });

    it('links every rule to its explanation and points at the other half of a pair', () => {
      for (const d of diags.filter((x) => !String(x.code).startsWith('yaml-'))) {
        expect(d.codeDescription?.href, String(d.code)).toMatch(new RegExp(`${String(d.code)}\\.md$`));
      }
      const withRelated = diags.find((d) => d.code === 'filter-admits-outside-goal-cgroup' && d.relatedInformation?.length);
      expect(withRelated).toBeDefined();
      const r = withRelated!.relatedInformation![0];
      expect(r.location.uri).toBe(SEED_URI);
      expect(r.message.length).toBeGreaterThan(3);
    });

    it('serves the rule explanation for damon-rule: links', async () => {
      const doc = await c.request<string | null>('damon/ruleDoc', { id: 'memcg-path-form' });
      expect(doc).toMatch(/^# memcg-path-form/);
      expect(await c.request('damon/ruleDoc', { id: 'no-such-rule' })).toBeNull();
    });

    it('reports the profile and kernel in damon/status', () => {
      const s = [...c.status].reverse().find((x) => x.uri === SEED_URI)!;
      expect(s.damon).toBe(true);
      expect(s.profileName).toBe('seed-vm');
      expect(s.kernel).toBe('7.2');
      expect(s.errors).toBeGreaterThanOrEqual(3);
    });

    it('serves a YAML file with a root kdamonds key whatever its name, and ignores other YAML', async () => {
      const uri = fileUri(join(ROOT, 'tmp-other.yaml'));
      await c.open(uri, 'services:\n  web:\n    image: nginx\n', 'yaml');
      const uri2 = fileUri(join(ROOT, 'tmp-config.yaml'));
      await c.open(uri2, 'kdamonds:\n  - contexts:\n      - ops: paddr\n        targets: []\n        bogus_key: 1\n', 'yaml');
      const d2 = await c.diagnostics(uri2, 1);
      expect(d2.map((d) => d.code)).toContain('schema-unknown-key');
      // the non-DAMON file: status says so, and features answer nothing
      await expect.poll(() => c.status.some((s) => s.uri === uri && s.damon === false)).toBe(true);
      expect(c.published.some((p) => p.uri === uri && p.diagnostics.length > 0)).toBe(false);
      expect(await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 3 } })).toBeNull();
      await c.notify('textDocument/didClose', { textDocument: { uri } });
      await c.notify('textDocument/didClose', { textDocument: { uri: uri2 } });
    });

    it('checks JSON configs with exact ranges', async () => {
      const uri = fileUri(join(ROOT, 'tmp.damon.json'));
      const text =
        '{"kdamonds": [{"contexts": [{"ops": "paddr", "targets": [{"pid": null, "regions": [{"start": "4 GiB", "end": "8 GiB"}]}],\n  "schemes": [{"action": "migrate_hot", "target_nid": 0, "quotas": {"time_ms": 0, "sz_bytes": "200 MiB", "reset_interval_ms": "1 s", "weights": {"sz_permil": 0, "nr_accesses_permil": 0, "age_permil": 0},\n    "goals": [{"metric": "node_memcg_used_bp", "target_value": "29.7%", "current_value": 0, "nid": 0, "memcg_path": "workload_a"}]}}]}]}]}\n';
      await c.open(uri, text, 'json');
      const d = await c.diagnostics(uri, 1);
      const rel = d.find((x) => x.code === 'memcg-path-form');
      expect(rel).toBeDefined();
      expect(rel!.range.start).toEqual(positionOf(text, '"workload_a"'));
      await c.notify('textDocument/didClose', { textDocument: { uri } });
    });
  });

  describe('hover', () => {
    const hover = (needle: string, delta = 1, nth = 0) =>
      c.request<Hover | null>('textDocument/hover', { textDocument: { uri: SEED_URI }, position: positionOf(SEED, needle, delta, nth) });

    it('explains a value with its unit and normalized value', async () => {
      const h = md(await hover('200 MiB'));
      expect(h).toContain('200 MiB = 209715200 bytes');
      expect(h).toMatch(/Size quota/);
      expect(h).toContain('Default: 0');
      expect(h).toContain('sysfs: `quotas/bytes`');
    });

    it('explains a key with the kernel version that added it', async () => {
      const h = md(await hover('target_nid'));
      expect(h).toContain('**target_nid**');
      expect(h).toContain('Since: Linux 6.11');
    });

    it('explains enum values', async () => {
      const h = md(await hover('migrate_hot', 3));
      expect(h).toContain('**migrate_hot**');
      expect(h).toMatch(/hottest regions first/);
    });

    it('shows the admission formula the filter chain really implements', async () => {
      const h = md(await hover('filters:', 2));
      expect(h).toContain('Filter chain admits:** memcg /workloads/a OR young');
    });

    it("explains a goal's metric and previews it, including simulated and live values", async () => {
      let h = md(await hover('node_memcg_used_bp', 3));
      expect(h).toContain('Goal metric `node_memcg_used_bp`');
      expect(h).toContain('Target: 29.7 % = 2970 bp');
      expect(h).toContain('29.7 % of node 0 ≈ 8.91 GiB');
      expect(h).toContain('No simulated or live value yet');
      const goal = ['kdamonds', 0, 'contexts', 0, 'schemes', 0, 'quotas', 'goals', 0];
      await c.notify('damon/simulatedValues', { uri: SEED_URI, values: [{ path: goal, value: 2811 }] });
      await c.notify('damon/liveValues', { uri: SEED_URI, source: 'testvm', values: [{ path: goal, value: 3020 }] });
      await expect.poll(async () => md(await hover('node_memcg_used_bp', 3))).toContain('Last simulated value: 28.11 %');
      h = md(await hover('node_memcg_used_bp', 3));
      expect(h).toContain('Last live value on testvm: 30.2 %');
    });
  });

  describe('completion', () => {
    const CFG = [
      'kdamonds:',
      '  - contexts:',
      '      - ops: paddr',
      '        targets:',
      '          - pid: null',
      '            regions: [{start: 4 GiB, end: 8 GiB}]',
      '        schemes:',
      '          - action: migrate_hot',
      '            quotas:',
      '              time_ms: 0',
      '              sz_bytes: 1 GiB',
      '              reset_interval_ms: 1 s',
      '              weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}',
      '              goals:',
      '                - metric: node_memcg_used_bp',
      '                  nid: ',
      '                  memcg_path: ',
      '                  target_value: 30%',
      '            ',
      '',
    ].join('\n');
    const uri = fileUri(join(ROOT, 'tmp-complete.damon.yaml'));
    beforeAll(async () => {
      await c.open(uri, CFG, 'damon-yaml');
      await c.diagnostics(uri, 1);
    });
    const complete = async (line: number, character: number) => {
      const r = await c.request<CompletionItem[] | { items: CompletionItem[] } | null>('textDocument/completion', {
        textDocument: { uri },
        position: { line, character },
      });
      return Array.isArray(r) ? r : (r?.items ?? []);
    };

    it("offers the keys valid at the cursor's level, minus those present", async () => {
      const items = await complete(18, 12);
      const labels = items.map((i) => i.label);
      expect(labels).toEqual(expect.arrayContaining(['filters', 'access_pattern', 'target_nid', 'apply_interval_us', 'watermarks']));
      expect(labels).not.toContain('quotas');
      expect(labels).not.toContain('action');
      expect(labels).not.toContain('ops');
      const filters = items.find((i) => i.label === 'filters')!;
      expect((filters.textEdit as { newText: string }).newText).toBe('filters:\n              - $0');
    });

    it('offers enum values', async () => {
      const items = await complete(7, 20);
      expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['migrate_hot', 'migrate_cold', 'pageout', 'stat']));
      const ops = await complete(2, 15);
      expect(ops.map((i) => i.label)).toEqual(['vaddr', 'fvaddr', 'paddr']);
    });

    it('offers node ids and memcg paths from the machine profile', async () => {
      const nids = await complete(15, 23);
      expect(nids.map((i) => i.label)).toEqual(['0', '1']);
      expect(nids[0].detail).toContain('node 0: 30 GiB');
      const cgs = await complete(16, 30);
      expect(cgs.map((i) => i.label)).toEqual(['/workload_a', '/workload_b', '/workloads/a', '/workloads/b']);
    });

    it('offers unit snippets for values', async () => {
      const items = await complete(10, 25);
      expect(items.map((i) => i.label)).toContain('200 MiB');
      expect(items.find((i) => i.label === '200 MiB')!.insertTextFormat).toBe(2);
    });

    it('offers the keys of a new list item and a tiering pair skeleton for a new kdamond', async () => {
      const text = 'kdamonds:\n  - \n';
      const u = fileUri(join(ROOT, 'tmp-skel.damon.yaml'));
      await c.open(u, text, 'damon-yaml');
      const r = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position: { line: 1, character: 4 } });
      const labels = r.map((i) => i.label);
      expect(labels).toContain('contexts');
      const skel = r.find((i) => i.label.startsWith('tiering pair'));
      expect(skel).toBeDefined();
      // absolute indentation: the client must insert it as is
      expect(skel!.insertTextMode).toBe(1);
      const edit = skel!.textEdit as { newText: string; range: never };
      const inserted = applyEdits(text, [{ ...edit, newText: expandSnippet(edit.newText) }]);
      // the skeleton is a valid two-kdamond config
      await c.change(u, inserted);
      const d = await c.diagnostics(u);
      expect(d.filter((x) => x.severity === 1 || x.severity === 2).map((x) => `${String(x.code)}: ${x.message}`)).toEqual([]);
      const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: u } });
      expect(syms.map((x) => x.name)).toEqual(['kdamond 0 · paddr node 1', 'kdamond 1 · paddr node 0']);
      await c.notify('textDocument/didClose', { textDocument: { uri: u } });
    });

    // the skeletons at any indentation and in flow style, with the profile's cgroups and node ids:
    // two cgroups (different targets), accepted with the defaults or with other cgroups picked
    const SKELETON_CASES: { name: string; text: string; at: string; label: string; pick?: Record<number, string> }[] = [
      { name: 'pair, list at column 0', text: 'kdamonds:\n- ', at: '- ', label: 'tiering pair' },
      { name: 'pair, list at column 2', text: 'kdamonds:\n  - ', at: '  - ', label: 'tiering pair', pick: { 1: '/workloads/a', 2: '/workloads/b' } },
      { name: 'pair, list at column 6', text: 'kdamonds:\n      - ', at: '      - ', label: 'tiering pair' },
      { name: 'pair, flow sequence', text: 'kdamonds: []', at: 'kdamonds: [', label: 'tiering pair' },
      { name: 'pair, multi-line flow sequence', text: 'kdamonds: [\n    \n]', at: '[\n    ', label: 'tiering pair' },
      {
        name: 'promotion scheme, deep block list',
        text: 'kdamonds:\n  - contexts:\n      - ops: paddr\n        targets: [{pid: null, regions: [{start: 31 GiB, end: 61 GiB}]}]\n        schemes:\n          - ',
        at: '          - ',
        label: 'promotion scheme',
      },
      {
        name: 'demotion scheme, flow sequence',
        text: 'kdamonds:\n  - contexts:\n      - ops: paddr\n        targets: [{pid: null, regions: [{start: 4 GiB, end: 31 GiB}]}]\n        schemes: []\n',
        at: 'schemes: [',
        label: 'demotion scheme',
      },
    ];
    it('offers the flow skeleton after an item of a flow sequence, not inside an item', async () => {
      const text = 'kdamonds: [{contexts: [{ops: paddr}]}, ]';
      const u = fileUri(join(ROOT, 'tmp-skel-flow-comma.damon.yaml'));
      await c.open(u, text, 'damon-yaml');
      const labels = async (character: number) =>
        (await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position: { line: 0, character } })).map((i) => i.label);
      expect(await labels(text.length - 1)).toContain('tiering pair: promotion + demotion kdamonds');
      expect(await labels(text.indexOf('ops'))).not.toContain('tiering pair: promotion + demotion kdamonds');
      await c.notify('textDocument/didClose', { textDocument: { uri: u } });
    });

    for (const t of SKELETON_CASES) {
      it(`inserts a skeleton that checks clean: ${t.name}`, async () => {
        const u = fileUri(join(ROOT, `tmp-skel-${t.name.replace(/\W+/g, '-')}.damon.yaml`));
        await c.open(u, t.text, 'damon-yaml');
        await c.diagnostics(u, 1);
        const pos = positionOf(t.text, t.at, t.at.length);
        const r = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position: pos });
        const item = r.find((i) => i.label.startsWith(t.label));
        expect(item, r.map((i) => i.label).join(', ')).toBeDefined();
        const edit = item!.textEdit as { newText: string; range: never };
        // the cgroups are choices of every cgroup in the profile
        expect(edit.newText).toContain('|/workload_a,/workload_b,/workloads/a,/workloads/b|');
        const inserted = applyEdits(t.text, [{ ...edit, newText: expandSnippet(edit.newText, t.pick) }]);
        await c.change(u, inserted);
        const d = await c.diagnostics(u);
        expect(
          d.filter((x) => x.severity === 1 || x.severity === 2).map((x) => `${String(x.code)}: ${x.message}`),
          inserted,
        ).toEqual([]);
        const checked = await c.request<{
          documents: {
            kconfig: {
              kdamonds: { contexts: { schemes: { targetNid: number; quota: { goals: { path: string; targetValue: number; nid: number }[] } }[] }[] }[];
            };
          }[];
        }>('workspace/executeCommand', { command: 'damon.server.checkedConfig', arguments: [{ uri: u }] });
        const schemes = checked.documents[0].kconfig.kdamonds.flatMap((k) => k.contexts.flatMap((x) => x.schemes));
        const goals = schemes.map((s) => s.quota.goals[0]);
        if (t.label === 'tiering pair') {
          const [a, b] = t.pick ? [t.pick[1], t.pick[2]] : ['/workload_a', '/workload_b'];
          expect(goals.map((g) => [g.path, g.targetValue, g.nid])).toEqual([
            [a, 2970, 0],
            [b, 6970, 0],
            [a, 7050, 0],
            [b, 3050, 0],
          ]);
          expect(schemes.map((s) => s.targetNid)).toEqual([0, 0, 1, 1]);
          if (t.pick) {
            // with the seed's cgroups picked, the skeleton IS the seed's corrected 4-scheme tiering config
            const example = checkText(readFileSync(join(ROOT, 'examples', 'memcg-tiering.damon.yaml'), 'utf8'), { format: 'yaml' }).documents[0].kconfig!;
            expect(schemes).toEqual(example.kdamonds.flatMap((k) => k.contexts.flatMap((x) => x.schemes)));
          }
        } else {
          expect(goals.map((g) => g.path)).toEqual(['/workload_a']);
          expect(schemes.map((s) => s.targetNid)).toEqual([t.label.startsWith('promotion') ? 0 : 1]);
        }
        await c.notify('textDocument/didClose', { textDocument: { uri: u } });
      });
    }
  });

  describe('quick fixes', () => {
    it('adds the leading "/" with a minimal edit that keeps every other byte, and offers fixAll', async () => {
      const uri = fileUri(join(ROOT, 'tmp-fix.damon.yaml'));
      await c.open(uri, SEED, 'damon-yaml');
      const diags = await c.diagnostics(uri, 1);
      const d = diags.find((x) => x.code === 'memcg-path-form')!;
      const actions = await c.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      const fix = actions.find((a) => a.kind === 'quickfix')!;
      expect(fix.title).toContain('/workloads/b');
      expect(fix.isPreferred).toBe(true);
      expect(fix.diagnostics?.[0].code).toBe('memcg-path-form');
      const fixed = applyEdits(SEED, fix.edit!.changes![uri]);
      expect(fixed).toBe(SEED.replace('memcg_path: workloads/b,', 'memcg_path: /workloads/b,'));
      const v = await c.change(uri, fixed);
      const after = await c.diagnostics(uri, v);
      expect(after.some((x) => x.code === 'memcg-path-form')).toBe(false);

      const all = await c.request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ['source.fixAll'] },
      });
      expect(all).toHaveLength(1);
      expect(all[0].kind).toBe('source.fixAll.damon');
      const fixedAll = applyEdits(fixed, all[0].edit!.changes![uri]);
      const v2 = await c.change(uri, fixedAll);
      const left = await c.diagnostics(uri, v2);
      // the promotion schemes' OR chains had a preferred fix (the AND form); they are gone
      expect(left.filter((x) => x.code === 'filter-admits-outside-goal-cgroup' && /OR young/.test(String(x.message)))).toEqual([]);
      expect(fixedAll).toContain('- {filter_type: memcg, matching: false, allow: false, memcg_path: "/workloads/b"}');
      // comments survive
      expect(fixedAll).toContain('# promotion scheme for cgroup b');
      await c.notify('textDocument/didClose', { textDocument: { uri } });
    });
  });

  describe('inlay hints', () => {
    const uri = fileUri(join(ROOT, 'tmp-hints.damon.yaml'));
    const TEXT = SEED.replace('sample_us: 5 ms', 'sample_us: 5000');
    beforeAll(async () => {
      await c.open(uri, TEXT, 'damon-yaml');
      await c.diagnostics(uri, 1);
    });
    const hints = async (fromLine = 0, toLine = 200) => {
      const r = await c.request<InlayHint[]>('textDocument/inlayHint', {
        textDocument: { uri },
        range: { start: { line: fromLine, character: 0 }, end: { line: toLine, character: 0 } },
      });
      return r.map((h) => ({ label: String(h.label), line: h.position.line, character: h.position.character }));
    };

    it('shows bp goal targets as a share of the node, and units next to bare numbers', async () => {
      const hs = await hints();
      const at = positionOf(TEXT, '29.7%', 5);
      expect(hs).toContainEqual({ label: '≈ 8.91 GiB of node 0', line: at.line, character: at.character });
      const s = positionOf(TEXT, 'sample_us: 5000', 'sample_us: 5000'.length);
      expect(hs).toContainEqual({ label: 'µs = 5 ms', line: s.line, character: s.character });
    });

    it('computes only the requested range', async () => {
      const at = positionOf(TEXT, '29.7%');
      const hs = await hints(at.line + 1, at.line + 20);
      expect(hs.some((h) => h.label.startsWith('29.7 %'))).toBe(false);
      expect(hs.every((h) => h.line >= at.line + 1 && h.line <= at.line + 20)).toBe(true);
    });

    it('shows the last simulated and live values of each goal, and refreshes when they arrive', async () => {
      const before = c.refreshes;
      const goal = ['kdamonds', 1, 'contexts', 0, 'schemes', 0, 'quotas', 'goals', 0];
      await c.notify('damon/simulatedValues', { uri, values: [{ path: goal, value: 7012 }] });
      await c.notify('damon/liveValues', { uri, source: 'vm', values: [{ path: goal, value: 6950 }] });
      await expect.poll(() => c.refreshes).toBeGreaterThanOrEqual(before + 2);
      const hs = await hints();
      expect(hs.map((h) => h.label)).toContain('sim 70.12 % · live 69.5 % @vm');
    });

    it('switches each kind off by setting', async () => {
      c.settings.inlayHints = { units: false, nodeShare: true, goalValues: false };
      await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
      await expect.poll(async () => (await hints()).some((h) => h.label === 'µs = 5 ms')).toBe(false);
      const hs = await hints();
      expect(hs.some((h) => h.label.startsWith('sim '))).toBe(false);
      expect(hs.some((h) => h.label.includes('of node 0'))).toBe(true);
      c.settings.inlayHints = { units: true, nodeShare: true, goalValues: true };
      await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
    });
  });

  describe('code lens and symbols', () => {
    it('puts one Simulate lens named for what it runs (the whole file) and Deploy… on each kdamond', async () => {
      const lenses = await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: SEED_URI } });
      const titles = lenses.map((l) => l.command!.title);
      expect(titles.filter((t) => t === 'Deploy…')).toHaveLength(2);
      expect(titles.filter((t) => t.includes('Simulate'))).toEqual(['▶ Simulate this file (all kdamonds)']);
      const sim = lenses.find((l) => l.command!.title.includes('Simulate'))!;
      expect(sim.command!.arguments).toEqual([{ uri: SEED_URI }]);
      const deploy = lenses.find((l) => l.command!.title === 'Deploy…')!;
      expect(deploy.command!.command).toBe('damon.deploy');
      expect(deploy.command!.arguments).toEqual([{ uri: SEED_URI, kdamond: 0 }]);
      expect(deploy.range.start).toEqual(positionOf(SEED, 'contexts:'));
    });

    it('names the outline the way a person reads it', async () => {
      const syms = await c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: SEED_URI } });
      expect(syms.map((s) => s.name)).toEqual(['kdamond 0 · paddr node 1', 'kdamond 1 · paddr node 0']);
      expect(syms[0].children!.map((s) => s.name)).toEqual(['migrate_hot → node 0 · /workloads/a', 'migrate_hot → node 0 · /workloads/b']);
      expect(syms[1].children![1].name).toBe('migrate_cold → node 1 · /workloads/a');
      expect(syms[0].children![0].children!.map((s) => s.name)).toEqual(['node_memcg_used_bp 29.7%', 'allow memcg /workloads/a', 'allow young']);
    });
  });

  describe('settings, debounce and server commands', () => {
    it('checks against the target kernel from the settings', async () => {
      c.settings.kernel = '6.12';
      await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
      await expect.poll(() => c.status.filter((s) => s.uri === SEED_URI).at(-1)?.kernel).toBe('6.12');
      const last = c.published.filter((p) => p.uri === SEED_URI).at(-1)!;
      expect(last.diagnostics.some((d) => d.code === 'kernel-feature' && /6\.19/.test(String(d.message)))).toBe(true);
      c.settings.kernel = '';
      await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
      await expect.poll(() => c.status.filter((s) => s.uri === SEED_URI).at(-1)?.kernel).toBe('7.2');
    });

    it('validates a burst of edits once, after the last one', async () => {
      const uri = fileUri(join(ROOT, 'tmp-burst.damon.yaml'));
      await c.open(uri, SEED, 'damon-yaml');
      await c.diagnostics(uri, 1);
      let v = 1;
      for (let i = 0; i < 6; i++) v = await c.change(uri, SEED.replace('200 MiB', `${200 + i} MiB`));
      await c.diagnostics(uri, v);
      const runs = c.published.filter((p) => p.uri === uri && (p.version ?? 0) > 1);
      expect(runs.length).toBeLessThanOrEqual(2);
      expect(runs.at(-1)!.version).toBe(v);
      await c.notify('textDocument/didClose', { textDocument: { uri } });
      await expect.poll(() => c.published.filter((p) => p.uri === uri).at(-1)?.diagnostics.length).toBe(0);
    });

    it('reports a missing machine profile in the status', async () => {
      c.settings.profile = 'does/not/exist.yaml';
      await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
      await expect.poll(() => c.status.filter((s) => s.uri === SEED_URI).at(-1)?.profileError).toMatch(/not found/);
      c.settings.profile = PROFILE;
      await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
      await expect.poll(() => c.status.filter((s) => s.uri === SEED_URI).at(-1)?.profileName).toBe('seed-vm');
    });

    it('returns the checked config in kernel units for the simulator and deploy', async () => {
      const r = await c.request<{ errors: number; documents: { kconfig: { kdamonds: { contexts: { schemes: { quota: { bytes: number } }[] }[] }[] } }[] }>(
        'workspace/executeCommand',
        { command: 'damon.server.checkedConfig', arguments: [{ uri: SEED_URI }] },
      );
      expect(r.errors).toBeGreaterThan(0);
      expect(r.documents[0].kconfig.kdamonds[0].contexts[0].schemes[0].quota.bytes).toBe(200 * 2 ** 20);
    });
  });
});
