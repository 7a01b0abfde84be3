import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerMessage, WorkerRequest } from '../../server/src/core/sim/worker-protocol';
import { ROOT } from './helpers';

const OUT = join(ROOT, 'test-results', 'sim-worker');
const bundle = join(OUT, 'sim-worker.js');

function run(req: WorkerRequest, onProgress?: (m: WorkerMessage) => void): Promise<WorkerMessage[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(bundle, { workerData: req });
    const msgs: WorkerMessage[] = [];
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
    await build({ absWorkingDir: ROOT, entryPoints: ['server/src/core/sim/worker.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', mainFields: ['module', 'main'], logLevel: 'warning' });
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

  it('reports config and scenario errors with their places', async () => {
    const bad = await run({ configText: 'kdamonds:\n  - contexts:\n      - ops: paddr\n        nr_regions: {min: 2000, max: 1000}\n', fileName: 'bad.damon.yaml', scenario: { builtin: 'seed-memcg-tiering' } });
    expect(bad[0].type).toBe('error');
    if (bad[0].type === 'error') expect(bad[0].problems?.[0]).toMatchObject({ file: 'bad.damon.yaml', line: expect.any(Number) });
    const sc = await run({ configText, fileName: 'x.yaml', scenario: { text: 'name: s\nmachine: {nodes: []}\nprocesses: []\ndurationSec: 5\n', fileName: 's.yaml' } });
    expect(sc[0].type).toBe('error');
    if (sc[0].type === 'error') expect(sc[0].problems?.[0]).toMatchObject({ file: 's.yaml', line: 2 });
  });
});
