/**
 * The seed RFC's measured result (real kernel, its test script's config on its test VM) and the test
 * of whether a config is that config: `simulate` prints the measurement beside its own table only then.
 */
import type { KConfig } from '../model/kernel';

/** The RFC's table ("node0_memory_usage average stdev"), 42 samples 5 s apart after convergence. */
export const SEED_MEASURED_LINE = 'the RFC measured (real kernel, same config): /workload_a 2.79GiB (stdev 522.06MiB), /workload_b 5.15GiB (stdev 739.10MiB)';

/**
 * What decides the result, per kdamond: the monitored regions; per scheme: the action, destination
 * node, access pattern, apply interval, size quota, filters and goals. Intervals, region limits and
 * other knobs the RFC left at damo's defaults are not compared.
 */
export function configSignature(k: KConfig): string {
  return JSON.stringify(
    k.kdamonds.map((kd) =>
      kd.contexts.map((c) => ({
        ops: c.ops,
        regions: c.targets.map((t) => t.regions.map((r) => [r.start, r.end])),
        schemes: c.schemes.map((s) => ({
          action: s.action,
          nid: s.targetNid,
          pattern: [
            s.accessPattern.sz.min,
            s.accessPattern.sz.max,
            s.accessPattern.nrAccesses.min,
            s.accessPattern.nrAccesses.max,
            s.accessPattern.age.min,
            s.accessPattern.age.max,
          ],
          apply: s.applyIntervalUs,
          quota: [s.quota.bytes, s.quota.resetIntervalMs],
          filters: [...s.coreFilters, ...s.opsFilters].map((f) => [f.type, f.matching, f.allow, f.memcgPath]),
          goals: s.quota.goals.map((g) => [g.metric, g.targetValue, g.nid, g.path]),
        })),
      })),
    ),
  );
}

const GiB = 2 ** 30;
const U32 = 4294967295;
const U64 = 2 ** 64;
const hot = (cg: string, bp: number) => ({
  action: 'migrate_hot',
  nid: 0,
  pattern: [0, U64, 1, U32, 0, U32],
  apply: 1e6,
  quota: [0, 1000],
  filters: [
    ['memcg', true, true, cg],
    ['young', true, true, null],
  ],
  goals: [['node_memcg_used_bp', bp, 0, cg]],
});
const cold = (cg: string, bp: number) => ({
  action: 'migrate_cold',
  nid: 1,
  pattern: [0, U64, 0, 0, 0, U32],
  apply: 1e6,
  quota: [0, 1000],
  filters: [
    ['memcg', true, true, cg],
    ['young', true, false, null],
  ],
  goals: [['node_memcg_free_bp', bp, 0, cg]],
});

/**
 * The RFC's test script ("Test: Per-cgroup Memory Tiering", examples/seed-test-script.damon.yaml):
 * node 1 [31, 61) GiB promotes each cgroup's hot pages to node 0 up to 9.7 % / 19.7 % of node 0;
 * node 0 [4, 31) GiB demotes its cold pages to node 1 until 90.5 % / 80.5 % of node 0 is free of it.
 */
const SEED_SIGNATURE = JSON.stringify([
  [{ ops: 'paddr', regions: [[[31 * GiB, 61 * GiB]]], schemes: [hot('/workload_a', 970), hot('/workload_b', 1970)] }],
  [{ ops: 'paddr', regions: [[[4 * GiB, 31 * GiB]]], schemes: [cold('/workload_a', 9050), cold('/workload_b', 8050)] }],
]);

/** Whether `k` is the config the RFC measured (so its measurement may be printed beside a simulation). */
export function isSeedMeasuredConfig(k: KConfig): boolean {
  return configSignature(k) === SEED_SIGNATURE;
}
