import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../server/src/cli/io';
import { simulate } from '../../server/src/cli/simulate';
import { ROOT } from './helpers';

function io(isTTY = false) {
  let out = '';
  let err = '';
  const o: CliIO = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY, cwd: ROOT, readStdin: async () => '' };
  return { o, out: () => out, err: () => err };
}

describe('damon-config simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));

  it('prints the seed-style table and writes --json and --csv', async () => {
    const t = io();
    const json = join(dir, 'r.json');
    const csv = join(dir, 'r.csv');
    const code = await simulate(
      ['examples/seed-test-script.damon.yaml', '--scenario', 'seed-memcg-tiering', '--duration', '4m', '--seed', '5', '--json', json, '--csv', csv],
      t.o,
    );
    expect(code).toBe(0);
    expect(t.out()).toMatch(/with seed 5 /);
    expect(t.out()).toMatch(/node0_memory_usage\s+average\s+stdev\s+target\s+converged/);
    expect(t.out()).toMatch(/\/workload_a\s+\d+\.\d\dGiB\s+\d+\.\d\d[MG]iB\s+2\.86GiB\s+(\d+ s|never)/);
    expect(t.out()).toMatch(/\/workload_b\s+\d+\.\d\dGiB/);
    expect(t.err()).not.toMatch(/\r/); // no progress bar off a TTY
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.seed).toBe(5);
    expect(r.summary).toHaveLength(2);
    for (const s of r.summary)
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['cgroup', 'nid', 'meanBytes', 'stdevBytes', 'targetBytes', 'convergedAtSec']));
    expect(r.summary.map((s: { cgroup: string }) => s.cgroup)).toEqual(['/workload_a', '/workload_b']);
    expect(r.series.t.at(-1)).toBe(240);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^t_sec,usage_bytes\[\/workload_a\]\[node0\]/);
    expect(lines).toHaveLength(242);
  });

  it('draws a progress bar on a TTY', async () => {
    const t = io(true);
    expect(await simulate(['examples/seed-test-script.damon.yaml', '--scenario', 'seed-memcg-tiering', '--duration', '30'], t.o)).toBe(0);
    expect(t.err()).toMatch(/\r\[#+\.*\]\s+\d+%/);
  });

  it('runs a scenario file and reports scenario errors at their line', async () => {
    const t = io();
    expect(
      await simulate(
        ['examples/scenarios/test-host-and-temporal.damon.yaml', '--scenario', 'examples/scenarios/test-host-small.yaml', '--duration', '20'],
        t.o,
      ),
    ).toBe(0);
    expect(t.out()).toMatch(/\/workload_a/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'name: x\nmachine:\n  nodes:\n    - nid: 0\n      ranges: [{start: 0, end: 1 GiB}]\nprocesses:\n  - {name: p, pid: 1, cgroup: /a, sizeBytes: 10 GiB, workload: {pattern: uniform}}\ndurationSec: 10\n',
    );
    const u = io();
    expect(await simulate(['examples/scenarios/test-host-and-temporal.damon.yaml', '--scenario', bad], u.o)).toBe(2);
    expect(u.err()).toMatch(/bad\.yaml:7:\d+: error: .*accessesPerSec/);
    const big = join(dir, 'big.yaml');
    writeFileSync(
      big,
      'name: x\nmachine:\n  nodes:\n    - nid: 0\n      ranges: [{start: 0, end: 1 GiB}]\nprocesses:\n  - {name: p, pid: 1, cgroup: /a, sizeBytes: 10 GiB, workload: {pattern: idle}}\ndurationSec: 10\n',
    );
    const v = io();
    expect(await simulate(['examples/scenarios/test-host-and-temporal.damon.yaml', '--scenario', big], v.o)).toBe(2);
    expect(v.err()).toMatch(/processes need 10737418240 bytes but the machine has 1073741824/);
  });

  it('refuses bad arguments and broken configs with a clear message', async () => {
    const a = io();
    expect(await simulate(['examples/seed-test-script.damon.yaml'], a.o)).toBe(2);
    expect(a.err()).toMatch(/--scenario is required/);
    const b = io();
    expect(await simulate(['examples/seed-test-script.damon.yaml', '--scenario', 'nope'], b.o)).toBe(2);
    expect(b.err()).toMatch(/nope: .*built-in scenarios: seed-memcg-tiering/);
    const c = io();
    expect(await simulate(['examples/seed-test-script.damon.yaml', '--scenario', 'seed-memcg-tiering', '--seed', 'x'], c.o)).toBe(2);
    expect(c.err()).toMatch(/--seed must be an integer/);
    const broken = join(dir, 'broken.damon.yaml');
    writeFileSync(broken, 'kdamonds:\n  - contexts:\n      - ops: paddr\n        nr_regions: {min: 2000, max: 1000}\n');
    const d = io();
    expect(await simulate([broken, '--scenario', 'seed-memcg-tiering'], d.o)).toBe(1);
    expect(d.err()).toMatch(/broken\.damon\.yaml:\d+:\d+: error \[/);
  });

  it("checks the config against the scenario's kernel, as check --kernel does", async () => {
    const scenario = join(dir, 'old-kernel.yaml');
    writeFileSync(scenario, readFileSync(join(ROOT, 'examples/scenarios/test-host-small.yaml'), 'utf8').replace('kernel: "7.2"', 'kernel: "6.12"'));
    const t = io();
    const code = await simulate(['examples/scenarios/test-host-and-temporal.damon.yaml', '--scenario', scenario], t.o);
    expect(code).toBe(1);
    const kf = t.err().match(/: error \[kernel-feature\] [^\n]*6\.12/g) ?? [];
    expect(kf.length).toBeGreaterThanOrEqual(2);
    expect(t.err()).toMatch(/check \(kernel 6\.12, scenario test-host-small\): \d+ error\(s\)/);
    expect(t.err()).toMatch(/fix the errors first \(damon-config check examples\/scenarios\/test-host-and-temporal\.damon\.yaml --kernel 6\.12\)/);
    expect(t.out()).toBe('');
    // the same config on the 7.2 scenario simulates
    const ok = io();
    expect(
      await simulate(
        ['examples/scenarios/test-host-and-temporal.damon.yaml', '--scenario', 'examples/scenarios/test-host-small.yaml', '--duration', '20s'],
        ok.o,
      ),
    ).toBe(0);
    expect(ok.err()).toMatch(/check \(kernel 7\.2, scenario test-host-small\)/);
  });
});

describe('damon-config simulate with process mappings', () => {
  it('runs the vaddr demotion example and reports a bad mapping at its line', async () => {
    const t = io();
    expect(
      await simulate(['scripts/experiments/vaddr-demotion.damon.yaml', '--scenario', 'examples/scenarios/vaddr-demotion.yaml', '--duration', '30'], t.o),
    ).toBe(0);
    expect(t.out()).toMatch(/\/workload_a/);
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-maps-'));
    const bad = join(dir, 'maps.yaml');
    const text = readFileSync(join(ROOT, 'examples/scenarios/vaddr-demotion.yaml'), 'utf8').replace(
      /\{name: heap, start: 0x[0-9a-f]+, end: 0x[0-9a-f]+\}/,
      '{name: heap, start: 0x4b0000, size: 1 MiB}',
    );
    writeFileSync(bad, text);
    const u = io();
    expect(await simulate(['scripts/experiments/vaddr-demotion.damon.yaml', '--scenario', bad], u.o)).toBe(2);
    const line = text.split('\n').findIndex((l) => l.includes('start: 0x4b0000')) + 1;
    expect(u.err()).toMatch(new RegExp(`maps\\.yaml:${line}:\\d+: error: processes\\.0\\.mappings\\.6: heap \\[0x4b0000, 0x5b0000\\) overlaps`));
  });
});
