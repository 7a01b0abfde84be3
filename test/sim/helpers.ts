import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkText } from '../../server/src/core/index';
import type { KConfig, KContext, KFilter, KScheme } from '../../server/src/core/model/kernel';
import { loadScenarioText } from '../../server/src/core/sim/scenario';
import type { Scenario } from '../../server/src/core/sim/types';

export const ROOT = join(__dirname, '..', '..');
export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function configFile(rel: string): KConfig {
  const r = checkText(readFileSync(join(ROOT, rel), 'utf8'), { fileName: rel });
  const k = r.documents[0]?.kconfig;
  if (!k) throw new Error(`${rel}: no kconfig`);
  return k;
}

export function scenarioFile(rel: string): Scenario {
  const r = loadScenarioText(readFileSync(join(ROOT, rel), 'utf8'), rel);
  if (!r.scenario) throw new Error(`${rel}: ${JSON.stringify(r.problems)}`);
  return r.scenario;
}

export function filter(p: Partial<KFilter> & Pick<KFilter, 'type'>): KFilter {
  return { matching: true, allow: true, memcgPath: null, addrStart: 0, addrEnd: 0, targetIdx: 0, hugepageMin: 0, hugepageMax: 0, sourceIndex: 0, ...p };
}

export function scheme(p: Partial<KScheme> = {}): KScheme {
  return {
    action: 'migrate_hot',
    accessPattern: { sz: { min: 0, max: 2 ** 64 }, nrAccesses: { min: 0, max: 2 ** 32 }, age: { min: 0, max: 2 ** 32 } },
    applyIntervalUs: 0,
    quota: {
      ms: 0,
      bytes: 0,
      resetIntervalMs: 1000,
      weights: { szPermil: 0, nrAccessesPermil: 0, agePermil: 0 },
      goals: [],
      goalTuner: null,
      failChargeNum: 0,
      failChargeDenom: 0,
    },
    watermarks: { metric: 'none', intervalUs: 0, high: 0, mid: 0, low: 0 },
    targetNid: 0,
    dests: [],
    coreFilters: [],
    opsFilters: [],
    maxNrSnapshots: 0,
    ...p,
  };
}

/** a tiny two-node machine: node 0 [0, 64 MiB), node 1 [64, 128 MiB), 1 MiB chunks, processes A and B of 16 MiB on node 1 */
/** A monitoring context with the kernel's default intervals (5 ms / 100 ms / 1 s) over `regions` of one target. */
export function context(p: Partial<KContext> & { regions: { start: number; end: number }[]; pid?: number | null }): KContext {
  const { regions, pid = null, ...rest } = p;
  return {
    ops: 'paddr',
    addrUnit: 1,
    sampleUs: 5000,
    aggrUs: 100000,
    updateUs: 1000000,
    intervalsGoal: null,
    nrRegions: { min: 10, max: 1000 },
    pause: false,
    targets: [{ pid, obsolete: false, regions }],
    schemes: [],
    ...rest,
  };
}

export function tinyScenario(kernel = '7.2'): Scenario {
  return {
    name: 'tiny',
    kernel,
    machine: {
      nodes: [
        { nid: 0, sizeBytes: 64 * MiB, ranges: [{ start: 0, end: 64 * MiB }] },
        { nid: 1, sizeBytes: 64 * MiB, ranges: [{ start: 64 * MiB, end: 128 * MiB }] },
      ],
      cgroups: ['/a', '/b'],
      chunkBytes: MiB,
    },
    processes: [
      { name: 'a', pid: 11, cgroup: '/a', sizeBytes: 16 * MiB, node: 1, workload: { pattern: 'idle' } },
      { name: 'b', pid: 12, cgroup: '/b', sizeBytes: 16 * MiB, node: 1, workload: { pattern: 'idle' } },
    ],
    durationSec: 10,
    sampling: { intervalSec: 1, window: { samples: 5, intervalSec: 1 } },
  };
}
