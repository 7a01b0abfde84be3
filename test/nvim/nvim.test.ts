/**
 * Neovim (Debian's package, headless) as an independent LSP client: it opens the seed's buggy tiering
 * config, receives the diagnostics, applies the preferred quick fix and writes the file. Catches
 * capability-negotiation bugs a hand-written test client would share with the server. A second run
 * (shell.lua) does the same for a .sh script with the seed RFC's damo command and converts it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/check';
import { ensureBuilt, ROOT, SERVER_JS } from '../lsp/built';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });

describe('Neovim headless as an LSP client', () => {
  let dir: string;
  beforeAll(() => {
    if (nvim.error) throw new Error('nvim is not installed: run scripts/ci/editor.sh (apt-get install neovim)');
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'damon-nvim-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the profile from init_options (the 0.7 setup of docs/editor.md), gets the seed config's diagnostics and applies the quick fix for the relative cgroup path", () => {
    const seed = join(ROOT, 'examples', 'seed-rfc-example.damon.yaml');
    const file = join(dir, 'seed-rfc-example.damon.yaml');
    copyFileSync(seed, file);
    const out = join(dir, 'out.json');
    const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'client.lua')}`], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        DAMON_SERVER: SERVER_JS,
        DAMON_FILE: file,
        DAMON_OUT: out,
        DAMON_PROFILE: join(ROOT, 'examples', 'seed-vm.profile.yaml'),
        XDG_STATE_HOME: dir,
        XDG_DATA_HOME: dir,
        XDG_CONFIG_HOME: dir,
      },
    });
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      errors: string[];
      fixed: boolean;
      hover?: string;
      hints: { label: string; line: number; character: number }[];
      status?: { settingsSource?: string; profileName?: string };
      diagnostics: { code: string; lnum: number; col: number; end_col: number; severity: number }[];
      actions: { title: string; kind: string; isPreferred?: boolean }[];
    };
    expect(result.errors, r.stderr).toEqual([]);
    const seedText = readFileSync(seed, 'utf8');
    const codes = result.diagnostics.map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['memcg-path-form', 'goal-memcg-path-required', 'filter-admits-outside-goal-cgroup']));
    const rel = result.diagnostics.find((d) => d.code === 'memcg-path-form')!;
    const lines = seedText.split('\n');
    expect(lines[rel.lnum].slice(rel.col, rel.end_col)).toBe('workloads/b');
    expect(rel.severity).toBe(1);
    expect(result.hover).toContain('200 MiB = 209715200 bytes');
    // the profile from init_options took effect: the goal target as bytes of node 0 of the seed VM
    expect(result.status).toMatchObject({ settingsSource: 'initializationOptions', profileName: 'seed-vm' });
    const t = lines.findIndex((l) => l.includes('target_value: 29.7%'));
    expect(result.hints).toContainEqual({ label: '≈ 8.91 GiB of node 0', line: t, character: lines[t].indexOf('29.7%') + '29.7%'.length });
    expect(result.actions.find((a) => a.isPreferred)?.title).toContain('/workloads/b');
    expect(result.fixed).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(seedText.replace('memcg_path: workloads/b,', 'memcg_path: /workloads/b,'));
  });

  it('gets the diagnostics of a damo command in a .sh script, fixes its filter counts and converts it to a config file', () => {
    const fixture = readFileSync(join(ROOT, 'test', 'damo', 'fixtures', 'seed-example.txt'), 'utf8');
    const script = `#!/bin/sh\n${fixture.replace(/^ {4}# \.\/damo start/m, './damo start')}`;
    const file = join(dir, 'seed-rfc.sh');
    writeFileSync(file, script);
    const out = join(dir, 'out-shell.json');
    const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', 'filetype on', '-c', `luafile ${join(__dirname, 'shell.lua')}`], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        DAMON_SERVER: SERVER_JS,
        DAMON_FILE: file,
        DAMON_OUT: out,
        DAMON_PROFILE: join(ROOT, 'examples', 'seed-vm.profile.yaml'),
        XDG_STATE_HOME: dir,
        XDG_DATA_HOME: dir,
        XDG_CONFIG_HOME: dir,
      },
    });
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      errors: string[];
      fixed: boolean;
      after: string[];
      converted: string | null;
      filetype: string;
      diagnostics: { code: string; lnum: number; col: number; end_lnum: number; end_col: number; severity: number }[];
      actions: { title: string; kind: string; isPreferred?: boolean; command?: string; hasEdit: boolean }[];
    };
    expect(result.errors, r.stderr).toEqual([]);
    expect(result.filetype).toBe('sh');
    const lines = script.split('\n');
    const at = (d: { lnum: number; col: number; end_lnum: number; end_col: number }) =>
      d.lnum === d.end_lnum ? lines[d.lnum].slice(d.col, d.end_col) : `${lines[d.lnum].slice(d.col)}…`;
    expect(
      result.diagnostics
        .filter((d) => d.severity === 1)
        .map((d) => `${d.code}@${at(d)}`)
        .sort(),
    ).toEqual(['damo-count-mismatch@--damos_nr_filters 1 1 1 1', 'damo-missing-argument@0', 'damo-missing-argument@0', 'memcg-path-form@workloads/b']);
    expect(result.actions.find((a) => a.isPreferred)?.title).toBe('Set --damos_nr_filters 2 2 2 2 (by position)');
    // Neovim 0.7 does not announce documentChanges: the conversion comes as a server command
    expect(result.actions.find((a) => a.title === 'Convert to config file (seed-rfc.damon.yaml)')).toMatchObject({
      kind: 'quickfix',
      command: 'damon.server.convertToConfig',
      hasEdit: false,
    });
    expect(result.fixed).toBe(true);
    expect(result.after).not.toContain('damo-count-mismatch');
    expect(readFileSync(file, 'utf8')).toBe(script.replace('--damos_nr_filters 1 1 1 1', '--damos_nr_filters 2 2 2 2'));
    const created = join(dir, 'seed-rfc.damon.yaml');
    expect(result.converted).toBe(pathToFileURL(created).toString());
    const yaml = readFileSync(created, 'utf8');
    expect(yaml).toContain('# promotion scheme for cgroup a');
    expect(checkText(yaml, { format: 'yaml' }).documents[0].kconfig!.kdamonds).toHaveLength(2);
  });
});
