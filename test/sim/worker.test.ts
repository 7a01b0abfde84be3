import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerMessage, WorkerRequest } from '../../server/src/core/sim/worker-protocol';
import { GiB, ROOT } from './helpers';

const OUT = join(ROOT, 'test-results', 'sim-worker');
const bundle = join(OUT, 'sim-worker.js');

function run(req: WorkerRequest, onProgress?: (m: WorkerMessage) => void, wallLimitMs = 60_000): Promise<WorkerMessage[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(bundle, { workerData: req });
    const msgs: WorkerMessage[] = [];
    // a simulation stuck in a loop never yields: only terminating its thread stops it
    const limit = setTimeout(() => {
      const last = msgs.filter((m) => m.type === 'progress').at(-1);
      void w.terminate();
      reject(
        new Error(`the worker did not finish within ${wallLimitMs} ms (last progress: ${last?.type === 'progress' ? `${last.simSec} simulated s` : 'none'})`),
      );
    }, wallLimitMs);
    w.on('exit', () => clearTimeout(limit));
    w.on('message', (m: WorkerMessage) => {
      msgs.push(m);
      onProgress?.(m);
    });
    w.on('error', reject);
    w.on('exit', () => resolve(msgs));
  });
}

describe('sim worker (the bundle the language server starts)', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    // the same entry and options as scripts/build.mjs's dist/sim-worker.js
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['server/src/sim-worker/worker.ts'],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      mainFields: ['module', 'main'],
      logLevel: 'warning',
    });
  }, 60_000);

  const configText = readFileSync(join(ROOT, 'examples/seed-test-script.damon.yaml'), 'utf8');

  it('posts progress off the main thread, then the result', async () => {
    const msgs = await run({ configText, fileName: 'seed-test-script.damon.yaml', scenario: { builtin: 'seed-memcg-tiering' }, seed: 9, durationSec: 60 });
    const progress = msgs.filter((m) => m.type === 'progress');
    expect(progress.length).toBeGreaterThan(30);
    const last = msgs.at(-1)!;
    expect(last.type).toBe('result');
    if (last.type !== 'result') return;
    expect(last.result.seed).toBe(9);
    expect(last.result.cancelled).toBe(false);
    expect(last.result.summary.map((s) => s.cgroup)).toEqual(['/workload_a', '/workload_b']);
  });

  it('stops when the host raises the cancel flag', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const msgs = await run({ configText, fileName: 'x.damon.yaml', scenario: { builtin: 'seed-memcg-tiering' }, durationSec: 3600, cancelFlag: flag }, (m) => {
      if (m.type === 'progress' && m.simSec >= 20) Atomics.store(flag, 0, 1);
    });
    const last = msgs.at(-1)!;
    expect(last.type).toBe('result');
    if (last.type === 'result') {
      expect(last.result.cancelled).toBe(true);
      expect(last.result.durationSec).toBeLessThan(60);
    }
  });

  it("finishes the editor's request (the scenario's own 10 minutes) in seconds, one progress message per simulated second", async () => {
    // exactly what the VS Code client sends: document text, a generic file name, the built-in
    // scenario, no seed and no duration. memcg-tiering's intervals_goal grows sample_us to 10 s, longer
    // than its 1 s apply_interval_us: the schedule re-armed at the current sample count and the
    // engine re-applied the schemes at the same instant forever (stuck at 76 simulated seconds).
    const text = readFileSync(join(ROOT, 'examples/memcg-tiering.damon.yaml'), 'utf8');
    const started = Date.now();
    const msgs = await run({ configText: text, fileName: 'config.yaml', scenario: { builtin: 'seed-memcg-tiering' } }, undefined, 30_000);
    const wall = Date.now() - started;
    const last = msgs.at(-1)!;
    expect(last.type).toBe('result');
    if (last.type !== 'result') return;
    expect(last.result.durationSec).toBe(600);
    expect(last.result.cancelled).toBe(false);
    const progress = msgs.filter((m) => m.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(600);
    expect(progress.length).toBeLessThanOrEqual(602);
    expect(wall).toBeLessThan(15_000);
  }, 40_000);

  it('applies a scheme whose apply interval is shorter than the sampling interval once per sample', async () => {
    // sample_us 2 s > apply_interval_us 1 s and ops_update_us 1 s: the kernel checks its schedules
    // after each sample, so the scheme is applied once per sample (30 times in 60 s), not in a loop
    const text = `kdamonds:
  - contexts:
      - ops: paddr
        targets:
          - pid: null
            regions:
              - {start: 31 GiB, end: 61 GiB}
        intervals: {sample_us: 2 s, aggr_us: 20 s, ops_update_us: 1 s}
        nr_regions: {min: 10, max: 1000}
        schemes:
          - action: stat
            access_pattern:
              sz_bytes: {min: min, max: max}
              nr_accesses: {min: 0 %, max: 100 %}
              age: {min: 0, max: max}
            apply_interval_us: 1 s
`;
    const msgs = await run({ configText: text, fileName: 'x.damon.yaml', scenario: { builtin: 'seed-memcg-tiering' }, durationSec: 60 }, undefined, 30_000);
    const last = msgs.at(-1)!;
    expect(last.type).toBe('result');
    if (last.type !== 'result') return;
    expect(last.result.durationSec).toBe(60);
    const regions = last.result.regions[0];
    const st = last.result.stats[0];
    // every region is tried at every application: 30 rounds of between min and max regions
    expect(st.nrTried).toBeGreaterThanOrEqual(30 * regions.min);
    expect(st.nrTried).toBeLessThanOrEqual(30 * regions.max);
    expect(st.szTried / (30 * GiB)).toBeCloseTo(30, 0);
  });

  it('refuses a config with errors, naming the first one and its place (the seed RFC example)', async () => {
    const text = readFileSync(join(ROOT, 'examples/seed-rfc-example.damon.yaml'), 'utf8');
    const msgs = await run({ configText: text, fileName: 'config.yaml', scenario: { builtin: 'seed-memcg-tiering' } });
    expect(msgs).toHaveLength(1);
    const m = msgs[0];
    expect(m.type).toBe('error');
    if (m.type !== 'error') return;
    const first = m.problems![0];
    expect(m.problems!.length).toBeGreaterThan(1);
    expect(m.message).toBe(
      `not simulated: on kernel 6.19 (the scenario's) the config has ${m.problems!.length} error(s) the kernel would refuse or run differently; the first, at line ${first.line}:${first.column} [${first.code}]: ${first.message}`,
    );
    const line = text.split('\n')[first.line - 1];
    expect(line).toContain(line.slice(first.column - 1).split(/[,}]/)[0]);
  });

  it('reports config and scenario errors with their places', async () => {
    const bad = await run({
      configText: 'kdamonds:\n  - contexts:\n      - ops: paddr\n        nr_regions: {min: 2000, max: 1000}\n',
      fileName: 'bad.damon.yaml',
      scenario: { builtin: 'seed-memcg-tiering' },
    });
    expect(bad[0].type).toBe('error');
    if (bad[0].type === 'error') expect(bad[0].problems?.[0]).toMatchObject({ file: 'bad.damon.yaml', line: expect.any(Number) });
    const sc = await run({
      configText,
      fileName: 'x.yaml',
      scenario: { text: 'name: s\nmachine: {nodes: []}\nprocesses: []\ndurationSec: 5\n', fileName: 's.yaml' },
    });
    expect(sc[0].type).toBe('error');
    if (sc[0].type === 'error') expect(sc[0].problems?.[0]).toMatchObject({ file: 's.yaml', line: 2 });
  });

  it("checks against the scenario's kernel: a 6.12 scenario refuses what 6.12 lacks", async () => {
    const cfg = readFileSync(join(ROOT, 'examples/scenarios/test-host-and-temporal.damon.yaml'), 'utf8');
    const scenario = readFileSync(join(ROOT, 'examples/scenarios/test-host-small.yaml'), 'utf8').replace('kernel: "7.2"', 'kernel: "6.12"');
    const msgs = await run({ configText: cfg, fileName: 'c.damon.yaml', scenario: { text: scenario, fileName: 'old.yaml' } });
    expect(msgs).toHaveLength(1);
    const m = msgs[0];
    if (m.type !== 'error') throw new Error(`expected an error, got ${m.type}`);
    expect(m.message).toMatch(/^not simulated: on kernel 6\.12 \(the scenario's\)/);
    expect(m.problems!.filter((p) => p.code === 'kernel-feature').length).toBeGreaterThanOrEqual(2);
  });
});
