/**
 * Shell scripts with `damo start|tune` command lines, through LSP messages against an in-process
 * server: diagnostics at the exact words of the command, the damo-count quick fix, hover on options,
 * "Convert to config file" as a code action (CreateFile + insert) and as a code lens command, and
 * silence for scripts without damo commands.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CodeLens, CreateFile, Diagnostic, Hover, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { checkText } from '../../server/src/core/check';
import { loadProfile } from '../../server/src/core/profile-load';
import { applyEdits, fileUri, inProcess, positionOf, type TestClient } from './harness';

const ROOT = join(__dirname, '..', '..');
const PROFILE_PATH = join(ROOT, 'examples', 'seed-vm.profile.yaml');
const PROFILE = loadProfile(readFileSync(PROFILE_PATH, 'utf8'), PROFILE_PATH).profile!;
const EXPERIMENT = readFileSync(join(ROOT, 'examples', 'scripts', 'seed-experiment.sh'), 'utf8');
/** the seed RFC's first command as a script: its "# ./damo start" prompt made a real command line */
const SEED_FIRST = `#!/bin/sh\n${readFileSync(join(ROOT, 'test', 'damo', 'fixtures', 'seed-example.txt'), 'utf8').replace(/^ {4}# \.\/damo start/m, './damo start')}`;

/** Offsets of the LSP range in `text` (LF line ends). */
function slice(text: string, r: Diagnostic['range']): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return text.slice(starts[r.start.line] + r.start.character, starts[r.end.line] + r.end.character);
}
const FILTERS = (cg: string, verdict: 'allow' | 'reject') => `--damos_filter allow memcg ${cg} \\\n            --damos_filter ${verdict} young`;
/** Polls `cond` every 20 ms for up to 2 s (notifications arrive in order, but after the awaited one). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
}
const md = (h: Hover | null): string => (h?.contents as { value?: string } | undefined)?.value ?? '';

/** Applies a WorkspaceEdit of CreateFile + TextDocumentEdit to disk, as an editor would; returns the created paths. */
function applyCreate(edit: WorkspaceEdit): string[] {
  const created: string[] = [];
  for (const ch of edit.documentChanges ?? []) {
    if ('kind' in ch) {
      expect(ch.kind).toBe('create');
      const path = fileURLToPath((ch as CreateFile).uri);
      expect(existsSync(path), `${path} must not be overwritten`).toBe(false);
      writeFileSync(path, '');
      created.push(path);
    } else {
      const te = ch;
      const path = fileURLToPath(te.textDocument.uri);
      writeFileSync(path, applyEdits(readFileSync(path, 'utf8'), te.edits as Parameters<typeof applyEdits>[1]));
    }
  }
  return created;
}

describe('shell scripts with damo commands (in-process)', () => {
  let c: TestClient;
  let dir: string;
  let expUri: string;
  let seedUri: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'damon-shell-'));
    copyFileSync(join(ROOT, 'examples', 'scripts', 'seed-experiment.sh'), join(dir, 'seed-experiment.sh'));
    writeFileSync(join(dir, 'seed-rfc-command.sh'), SEED_FIRST);
    expUri = fileUri(join(dir, 'seed-experiment.sh'));
    seedUri = fileUri(join(dir, 'seed-rfc-command.sh'));
    c = await inProcess({ rootDir: ROOT, settings: { profile: PROFILE_PATH }, fileOps: true });
    await c.open(expUri, EXPERIMENT, 'shellscript');
    await c.open(seedUri, SEED_FIRST, 'shellscript');
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks the seed experiment script: validator findings at the options that produced them', async () => {
    const diags = await c.diagnostics(expUri, 1);
    expect(diags.map((d) => [d.code, d.severity, slice(EXPERIMENT, d.range)])).toEqual([
      ['filter-admits-outside-goal-cgroup', 2, FILTERS('/workload_a', 'allow')],
      ['quota-goal-consist-overshoot', 2, '--damos_quota_interval 1s'],
      ['damo-float-truncation', 3, '9.7%'],
      ['filter-admits-outside-goal-cgroup', 2, FILTERS('/workload_b', 'allow')],
      ['quota-goal-consist-overshoot', 2, '--damos_quota_interval 1s'],
      ['damo-float-truncation', 3, '19.7%'],
      ['filter-admits-outside-goal-cgroup', 2, FILTERS('/workload_a', 'reject')],
      ['quota-goal-consist-overshoot', 2, '--damos_quota_interval 1s'],
      ['filter-admits-outside-goal-cgroup', 2, FILTERS('/workload_b', 'reject')],
      ['quota-goal-consist-overshoot', 2, '--damos_quota_interval 1s'],
    ]);
    // the first scheme's findings are on its own lines, not on a later scheme's identical text
    expect(diags[0].range.start).toEqual(positionOf(EXPERIMENT, '--damos_filter allow memcg /workload_a'));
    expect(diags[1].range.start).toEqual(positionOf(EXPERIMENT, '--damos_quota_interval 1s'));
    expect(diags[4].range.start).toEqual(positionOf(EXPERIMENT, '--damos_quota_interval 1s', 0, 1));
    for (const d of diags) {
      expect(d.source).toBe('damon');
      expect(d.codeDescription?.href, String(d.code)).toMatch(new RegExp(`${String(d.code)}\\.md$`));
    }
    // relatedInformation: the goal whose cgroup the filter chain disagrees with
    const rel = diags[0].relatedInformation!;
    expect(rel).toHaveLength(1);
    expect(rel[0].location.uri).toBe(expUri);
    expect(slice(EXPERIMENT, rel[0].location.range)).toBe('/workload_a');
    expect(rel[0].location.range.start).toEqual(positionOf(EXPERIMENT, '/workload_a', 0, 1));
    await until(() => c.status.some((s) => s.uri === expUri));
    const status = [...c.status].reverse().find((s) => s.uri === expUri)!;
    expect(status).toMatchObject({ damon: true, errors: 0, warnings: 8, profileName: 'seed-vm' });
  });

  it("checks the seed RFC's first command: damo command-line errors and validator errors at the exact words", async () => {
    const diags = await c.diagnostics(seedUri, 1);
    expect(diags.map((d) => [d.code, d.severity, slice(SEED_FIRST, d.range)])).toEqual([
      ['filter-admits-outside-goal-cgroup', 2, '--damos_filter allow memcg /workloads/a \\\n            --damos_filter allow young'],
      ['tiering-unpaired', 3, '29.7%'],
      ['filter-admits-outside-goal-cgroup', 2, '--damos_filter allow memcg /workloads/b \\\n            --damos_filter allow young'],
      ['tiering-unpaired', 3, '69.7%'],
      ['memcg-path-form', 1, 'workloads/b'],
      ['damo-missing-argument', 1, '0'],
      ['scheme-duplicate', 2, '--damos_filter allow memcg /workloads/a \\\n            --damos_filter reject young'],
      ['damo-missing-argument', 1, '0'],
      ['damo-count-mismatch', 1, '--damos_nr_filters 1 1 1 1'],
    ]);
    const missing = diags.filter((d) => d.code === 'damo-missing-argument');
    expect(missing[0].range.start).toEqual(positionOf(SEED_FIRST, 'node_memcg_free_bp 70.5% 0', 'node_memcg_free_bp 70.5% '.length));
    expect(missing[1].range.start).toEqual(positionOf(SEED_FIRST, 'node_memcg_free_bp 30.5% 0', 'node_memcg_free_bp 30.5% '.length));
    expect(diags.find((d) => d.code === 'memcg-path-form')!.range.start).toEqual(positionOf(SEED_FIRST, '69.7% 0 workloads/b', '69.7% 0 '.length));
    // the duplicate scheme points at the scheme it duplicates (the first demotion scheme's filters)
    const dup = diags.find((d) => d.code === 'scheme-duplicate')!;
    expect(dup.range.start).toEqual(positionOf(SEED_FIRST, '--damos_filter allow memcg /workloads/a', 0, 2));
    expect(dup.relatedInformation![0].location.range.start).toEqual(positionOf(SEED_FIRST, '--damos_filter allow memcg /workloads/a', 0, 1));
    // command-line codes link to their explanation too, served by damon/ruleDoc
    const count = diags.find((d) => d.code === 'damo-count-mismatch')!;
    expect(count.codeDescription?.href).toBe('damon-rule:/damo-count-mismatch.md');
    expect(await c.request<string>('damon/ruleDoc', { id: 'damo-count-mismatch' })).toMatch(/^# damo-count-mismatch: .*\n[^]*--damos_nr_filters/);
  });

  it('applies the --damos_nr_filters quick fix: only the counts change, and the error goes away', async () => {
    const diags = await c.diagnostics(seedUri, 1);
    const d = diags.find((x) => x.code === 'damo-count-mismatch')!;
    const actions = await c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: seedUri },
      range: d.range,
      context: { diagnostics: [d], only: ['quickfix'] },
    });
    const fix = actions.find((a) => a.title === 'Set --damos_nr_filters 2 2 2 2 (by position)')!;
    expect(fix.kind).toBe('quickfix');
    expect(fix.isPreferred).toBe(true);
    expect(fix.diagnostics?.map((x) => x.code)).toEqual(['damo-count-mismatch']);
    const fixed = applyEdits(SEED_FIRST, fix.edit!.changes![seedUri]);
    expect(fixed).toBe(SEED_FIRST.replace('--damos_nr_filters 1 1 1 1', '--damos_nr_filters 2 2 2 2'));
    const v = await c.change(seedUri, fixed);
    const after = await c.diagnostics(seedUri, v);
    expect(after.map((x) => x.code)).not.toContain('damo-count-mismatch');
    expect(after.filter((x) => x.code === 'damo-missing-argument')).toHaveLength(2);
    await c.change(seedUri, SEED_FIRST);
  });

  it('hovers on a damo option and on an option argument with what it means in the config', async () => {
    const h = await c.request<Hover>('textDocument/hover', { textDocument: { uri: expUri }, position: positionOf(EXPERIMENT, '--damos_nr_filters', 3) });
    expect(md(h)).toContain('**--damos_nr_filters**');
    expect(md(h)).toContain('counts options, not filters');
    expect(h.range).toEqual({
      start: positionOf(EXPERIMENT, '--damos_nr_filters'),
      end: positionOf(EXPERIMENT, '--damos_nr_filters', '--damos_nr_filters'.length),
    });
    const q = await c.request<Hover>('textDocument/hover', { textDocument: { uri: expUri }, position: positionOf(EXPERIMENT, '--damos_quota_goal', 2, 2) });
    expect(md(q)).toContain('**--damos_quota_goal**');
    expect(md(q)).toContain('In the imported config: `kdamonds[1].contexts[0].schemes[0].quotas.goals[0]`.');
    const act = await c.request<Hover>('textDocument/hover', { textDocument: { uri: expUri }, position: positionOf(EXPERIMENT, 'migrate_cold', 2) });
    expect(md(act)).toMatch(/^`migrate_cold` → `kdamonds\[1\]\.contexts\[0\]\.schemes\[0\]\.action`/);
    expect(md(act)).toContain('**--damos_action**');
    // outside any damo option: nothing
    expect(await c.request('textDocument/hover', { textDocument: { uri: expUri }, position: { line: 1, character: 5 } })).toBeNull();
  });

  it('offers "Convert to config file" on each damo command: CreateFile + insert of the imported config', async () => {
    const actions = await c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: expUri },
      range: { start: positionOf(EXPERIMENT, '--numa_node 0'), end: positionOf(EXPERIMENT, '--numa_node 0') },
      context: { diagnostics: [] },
    });
    const conv = actions.find((a) => a.title.startsWith('Convert to config file'))!;
    expect(conv.title).toBe('Convert to config file (seed-experiment.damon.yaml)');
    expect(conv.kind).toBe('quickfix');
    const changes = conv.edit!.documentChanges!;
    const target = fileUri(join(dir, 'seed-experiment.damon.yaml'));
    expect(changes[0]).toEqual({ kind: 'create', uri: target, options: { overwrite: false, ignoreIfExists: false } });
    expect((changes[1] as TextDocumentEdit).textDocument.uri).toBe(target);
    expect(conv.command).toEqual({ title: 'Open seed-experiment.damon.yaml', command: 'damon.server.showDocument', arguments: [{ uri: target }] });
    expect(applyCreate(conv.edit!)).toEqual([join(dir, 'seed-experiment.damon.yaml')]);
    await c.request('workspace/executeCommand', { command: conv.command!.command, arguments: conv.command!.arguments });
    expect(c.shown).toContain(target);

    const yaml = readFileSync(join(dir, 'seed-experiment.damon.yaml'), 'utf8');
    expect(yaml).toMatch(/^# Imported from a damo start command line \(seed-experiment\.sh\)/);
    const r = checkText(yaml, { format: 'yaml', profile: PROFILE });
    // clean of errors: the same 8 warnings the script has, now on the config's keys
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual([
      ...new Array(4).fill('filter-admits-outside-goal-cgroup'),
      ...new Array(4).fill('quota-goal-consist-overshoot'),
    ]);
    const js = r.documents[0].kconfig!;
    expect(js.kdamonds).toHaveLength(2);
    expect(js.kdamonds[0].contexts[0].schemes.map((s) => s.action)).toEqual(['migrate_hot', 'migrate_hot']);
    expect(js.kdamonds[1].contexts[0].schemes.map((s) => s.action)).toEqual(['migrate_cold', 'migrate_cold']);

    // the file exists now: the next conversion does not overwrite it
    const again = await c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: expUri },
      range: { start: positionOf(EXPERIMENT, 'damo start'), end: positionOf(EXPERIMENT, 'damo start') },
      context: { diagnostics: [] },
    });
    expect(again.find((a) => a.title.startsWith('Convert'))!.title).toBe('Convert to config file (seed-experiment-2.damon.yaml)');
  });

  it('puts a "Convert to config file" code lens on each damo command; running it creates the config', async () => {
    const lenses = await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: seedUri } });
    expect(lenses).toHaveLength(1);
    expect(lenses[0].range.start).toEqual(positionOf(SEED_FIRST, './damo start'));
    expect(lenses[0].command!.title).toBe('Convert to config file');
    expect(c.init!.capabilities.executeCommandProvider).toEqual({ commands: expect.arrayContaining([lenses[0].command!.command]) });
    const before = c.appliedEdits.length;
    const res = await c.request<{ uri: string }>('workspace/executeCommand', { command: lenses[0].command!.command, arguments: lenses[0].command!.arguments });
    const target = fileUri(join(dir, 'seed-rfc-command.damon.yaml'));
    expect(res).toEqual({ uri: target });
    expect(c.appliedEdits).toHaveLength(before + 1);
    applyCreate(c.appliedEdits[before]);
    expect(c.shown).toContain(target);
    const yaml = readFileSync(join(dir, 'seed-rfc-command.damon.yaml'), 'utf8');
    // backtick comments carried over
    expect(yaml).toContain('# kdamond for node 1 (slow)');
    expect(yaml).toContain('# demotion scheme for cgroup b');
    const r = checkText(yaml, { format: 'yaml', profile: PROFILE });
    // exactly the command's own mistakes, now as config findings
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code}`).sort()).toEqual([
      'error goal-memcg-path-required',
      'error goal-memcg-path-required',
      'error memcg-path-form',
      'information tiering-unpaired',
      'information tiering-unpaired',
      'warning filter-admits-outside-goal-cgroup',
      'warning filter-admits-outside-goal-cgroup',
      'warning scheme-duplicate',
    ]);
  });

  it('ignores shell scripts without damo start|tune commands: no diagnostics, lenses, actions or hovers', async () => {
    const plain = fileUri(join(dir, 'plain.sh'));
    const text = '#!/bin/bash\n# damo report access is not a start command\ndamo report access\necho "damo start" > /dev/null\nkdamonds: 1\n';
    await c.open(plain, text, 'shellscript');
    // the server answers each opened document with a status; wait for this one's
    await until(() => c.status.some((s) => s.uri === plain));
    expect(c.status.find((s) => s.uri === plain)).toMatchObject({ damon: false });
    expect(c.published.filter((p) => p.uri === plain)).toEqual([]);
    expect(await c.request('textDocument/codeLens', { textDocument: { uri: plain } })).toEqual([]);
    expect(
      await c.request('textDocument/codeAction', {
        textDocument: { uri: plain },
        range: { start: { line: 2, character: 0 }, end: { line: 2, character: 4 } },
        context: { diagnostics: [] },
      }),
    ).toBeNull();
    expect(await c.request('textDocument/hover', { textDocument: { uri: plain }, position: { line: 2, character: 6 } })).toBeNull();
  });

  it('recognizes scripts by .sh/.bash name or shebang whatever the languageId, and clears diagnostics when damo goes away', async () => {
    const byShebang = fileUri(join(dir, 'run-tiering'));
    const text = '#!/usr/bin/env bash\nset -e\nsudo damo start --numa_node 1 --damos_action pageout --damos_nr_filters 1\n';
    await c.open(byShebang, text, 'plaintext');
    const d = await c.diagnostics(byShebang, 1);
    expect(d.map((x) => [x.code, slice(text, x.range)])).toEqual([['damo-count-mismatch', '--damos_nr_filters 1']]);
    const bash = fileUri(join(dir, 'x.bash'));
    const tune = 'damo tune --numa_node 1 --damos_action pageout --damos_access_rate 5%\n';
    await c.open(bash, tune, 'plaintext');
    expect((await c.diagnostics(bash, 1)).map((x) => [x.code, x.message, slice(tune, x.range)])).toEqual([
      ['damo-missing-argument', '--damos_access_rate expects 2 arguments, got 1 (5%)', '--damos_access_rate 5%'],
    ]);
    // the damo command removed: the published diagnostics are cleared
    const v = await c.change(bash, 'echo done\n');
    await until(() => c.published.some((p) => p.uri === bash && p.diagnostics.length === 0));
    expect(c.published.filter((p) => p.uri === bash).at(-1)!.diagnostics).toEqual([]);
    expect(v).toBe(2);
  });
});

describe('"Convert to config file" for clients that cannot create files', () => {
  it('the code action is a server command that writes the file itself, never over an existing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'damon-shell-'));
    const c = await inProcess({ rootDir: ROOT, settings: { profile: PROFILE_PATH } });
    try {
      const uri = fileUri(join(dir, 'tier.sh'));
      const text = 'damo start --numa_node 0 --damos_action pageout --damos_quota_interval 1s --damos_quota_space 100M\n';
      await c.open(uri, text, 'shellscript');
      const actions = await c.request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [] },
      });
      const conv = actions.find((a) => a.title === 'Convert to config file (tier.damon.yaml)')!;
      expect(conv.edit).toBeUndefined();
      expect(conv.command!.command).toBe('damon.server.convertToConfig');
      writeFileSync(join(dir, 'tier.damon.yaml'), 'kept\n');
      // tier.damon.yaml appeared before the command ran: it is kept, the next free name is used
      expect(await c.request('workspace/executeCommand', { command: conv.command!.command, arguments: conv.command!.arguments })).toEqual({
        uri: fileUri(join(dir, 'tier-2.damon.yaml')),
      });
      expect(readFileSync(join(dir, 'tier.damon.yaml'), 'utf8')).toBe('kept\n');
      const yaml = readFileSync(join(dir, 'tier-2.damon.yaml'), 'utf8');
      const r = checkText(yaml, { format: 'yaml', profile: PROFILE });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.documents[0].kconfig!.kdamonds[0].contexts[0].schemes[0]).toMatchObject({ action: 'pageout', quota: { bytes: 100 * 1024 * 1024 } });
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
