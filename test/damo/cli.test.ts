/** The CLI the way a user runs it: import-damo and export-damo, in process and through bin/damon-config. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';
import { checkText } from '../../server/src/core/check';
import type { CliIO } from '../../server/src/cli/io';
import { GiB } from './helpers';

const root = join(__dirname, '..', '..');

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    isTTY: false,
    cwd: root,
    readStdin: async () => stdin,
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe('damon-config import-damo', () => {
  it('imports the seed experiment script with the seed VM profile: valid YAML, exit 0', async () => {
    const r = await run(['import-damo', 'examples/scripts/seed-experiment.sh', '--profile', 'examples/seed-vm.profile.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# Imported from a damo start command line \(examples\/scripts\/seed-experiment.sh\)/);
    // node 1 is [31, 61) GiB, node 0 two ranges around the PCI hole
    const check = checkText(r.out, { format: 'yaml' });
    const k = check.documents[0].kconfig!;
    expect(k.kdamonds[0].contexts[0].targets[0].regions).toEqual([{ start: 31 * GiB, end: 61 * GiB }]);
    expect(k.kdamonds[1].contexts[0].targets[0].regions).toEqual([
      { start: 0, end: 3 * GiB },
      { start: 4 * GiB, end: 31 * GiB },
    ]);
    expect(k.kdamonds[0].contexts[0].schemes[0].quota.goals[0].targetValue).toBe(970);
    expect(r.err).toMatch(/seed-experiment.sh:13:51: information \[damo-float-truncation\]/);
  });

  it('reports the mistakes of the seed example at line:column and exits 1', async () => {
    const r = await run(['import-damo', 'test/damo/fixtures/seed-example.txt', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/seed-example.txt:38:44: error \[damo-count-mismatch\] wrong --damos_nr_filters/);
    expect(r.err).toMatch(/fix: Set --damos_nr_filters 2 2 2 2 \(by position\)/);
    expect(r.err).toMatch(/seed-example.txt:18:59: error \[memcg-path-form\]/);
    expect(JSON.parse(r.out).kdamonds).toHaveLength(2);
  });

  it('reads stdin; no damo command is a usage error (2)', async () => {
    const ok = await run(['import-damo', '-'], 'damo start --ops paddr --regions 4G-8G --damos_action pageout');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('action: pageout');
    const none = await run(['import-damo'], 'echo hello');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no `damo start` or `damo tune` command found/);
    expect((await run(['import-damo', '--format', 'toml'])).code).toBe(2);
    expect((await run(['import-damo', 'no/such/file.sh'])).code).toBe(2);
  });

  it('several commands: YAML documents, or a clear refusal for JSON', async () => {
    const text = 'damo start --ops paddr --regions 4G-8G\ndamo tune --ops paddr --regions 4G-16G\n';
    const y = await run(['import-damo', '-'], text);
    expect(y.code).toBe(0);
    expect(checkText(y.out, { format: 'yaml' }).documents).toHaveLength(2);
    const j = await run(['import-damo', '-', '--format', 'json'], text);
    expect(j.code).toBe(2);
  });
});

describe('damon-config export-damo', () => {
  it('exports an example config to a command line that imports back to the same kernel config', async () => {
    const e = await run(['export-damo', 'examples/seed-test-script.damon.yaml']);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^damo start \\\n {4}--ops paddr/);
    expect(e.out).toContain('--damos_nr_filters 2 2 2 2');
    const i = await run(['import-damo', '-', '--format', 'json'], e.out);
    // the canonical JSON of the example keeps the written 19.7% as 1970 bp (damo itself computes 1969)
    const j = await run(['export-damo', 'examples/seed-test-script.damon.yaml', '--format', 'json']);
    const orig = checkText(j.out, { format: 'json' }).documents[0].kconfig;
    expect(orig!.kdamonds[0].contexts[0].schemes[1].quota.goals[0].targetValue).toBe(1970);
    expect(checkText(i.out, { format: 'json' }).documents[0].kconfig).toEqual(orig);
  });

  it('--format json writes canonical damo JSON', async () => {
    const e = await run(['export-damo', 'examples/proactive-reclaim.damon.json', '--format', 'json']);
    expect(e.code).toBe(0);
    const js = JSON.parse(e.out);
    expect(Object.keys(js)).toEqual(['kdamonds']);
    expect(checkText(e.out, { format: 'json' }).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('says what cannot be written on a command line and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'damo-export-'));
    const f = join(dir, 'c.yaml');
    writeFileSync(f, 'kdamonds:\n  - contexts:\n      - ops: paddr\n        targets: [{pid: null, regions: []}]\n');
    const e = await run(['export-damo', f]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/kdamonds\.0\.contexts\.0\.targets\.0\.regions: error: a paddr target with no regions/);
    expect((await run(['export-damo'])).code).toBe(2);
  });
});

describe('bin/damon-config (the bundle)', () => {
  it('import-damo | export-damo through real processes', () => {
    const bin = join(root, 'bin', 'damon-config');
    const imp = spawnSync(bin, ['import-damo', '--profile', 'examples/seed-vm.profile.yaml'], {
      cwd: root,
      input: readFileSync(join(root, 'test/damo/fixtures/seed-experiment.sh')),
      encoding: 'utf8',
    });
    expect(imp.status).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'damo-bin-'));
    writeFileSync(join(dir, 'seed.yaml'), imp.stdout);
    const exp = spawnSync(bin, ['export-damo', join(dir, 'seed.yaml')], { cwd: root, encoding: 'utf8' });
    expect(exp.status).toBe(0);
    expect(exp.stdout).toContain('--damos_quota_goal node_memcg_used_bp 970 0 /workload_a');
  }, 60_000);
});
