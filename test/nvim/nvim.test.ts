/**
 * Neovim (Debian's package, headless) as an independent LSP client: it opens the seed's buggy tiering
 * config, receives the diagnostics, applies the preferred quick fix and writes the file. Catches
 * capability-negotiation bugs a hand-written test client would share with the server.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('gets the seed config\'s diagnostics and applies the quick fix for the relative cgroup path', () => {
    const seed = join(ROOT, 'examples', 'seed-rfc-example.damon.yaml');
    const file = join(dir, 'seed-rfc-example.damon.yaml');
    copyFileSync(seed, file);
    const out = join(dir, 'out.json');
    const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'client.lua')}`], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DAMON_SERVER: SERVER_JS, DAMON_FILE: file, DAMON_OUT: out, DAMON_PROFILE: join(ROOT, 'examples', 'seed-vm.profile.yaml'), XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    });
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      errors: string[]; fixed: boolean; hover?: string;
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
    expect(result.actions.find((a) => a.isPreferred)?.title).toContain('/workloads/b');
    expect(result.fixed).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(seedText.replace('memcg_path: workloads/b,', 'memcg_path: /workloads/b,'));
  });
});
