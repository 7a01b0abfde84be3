import { describe, expect, it } from 'vitest';
import { goalMetricValue, type UsageSnapshot } from '../../server/src/core/goal-metric';
import { SchemeState, machineUsage } from '../../server/src/core/sim/damos';
import { DamonContext } from '../../server/src/core/sim/damon';
import { simKernel } from '../../server/src/core/sim/engine';
import { Machine } from '../../server/src/core/sim/machine';
import { Rng } from '../../server/src/core/sim/rng';
import { goalValue } from '../../server/src/host/status';
import { parseProbeOutput } from '../../server/src/core/sysfs/hostinfo';
import { MiB, context, scheme, tinyScenario } from '../sim/helpers';

const GiB = 1024 * MiB;
/** node 0: 1 GiB managed, 400 MiB free; node 1: 2 GiB, all free; /a has 100 MiB on node 0 and 1 MiB on node 1; /gone does not exist */
const snap: UsageSnapshot = {
  nodes: new Map([
    [0, { totalBytes: GiB, freeBytes: 400 * MiB }],
    [1, { totalBytes: 2 * GiB, freeBytes: 2 * GiB }],
  ]),
  memcgNodeBytes: (path, nid) => (path === '/a' ? (nid === 0 ? 100 * MiB : MiB) : undefined),
  lru: () => ({ active: 300 * MiB, inactive: 100 * MiB }),
};

// metric, nid, path, expected (the kernel's mm/damon/core.c formula), why
const TABLE: [string, number | null, string | null, number | null, string][] = [
  ['node_mem_used_bp', 0, null, 6093, '(1024 - 400) MiB * 10000 / 1024 MiB, floored'],
  ['node_mem_free_bp', 0, null, 3906, '400 * 10000 / 1024, floored'],
  ['node_mem_used_bp', 7, null, 0, 'invalid node: used 0'],
  ['node_mem_free_bp', 7, null, 10000, 'invalid node: free 10000'],
  ['node_memcg_used_bp', 0, '/a', 976, '100 * 10000 / 1024 (the whole node is the denominator)'],
  ['node_memcg_free_bp', 0, '/a', 9023, '(1024 - 100) * 10000 / 1024: node memory not used by /a'],
  ['node_memcg_used_bp', 1, '/a', 4, '1 MiB of 2 GiB'],
  ['node_memcg_used_bp', 0, '/gone', 0, 'a cgroup the kernel cannot find: used 0'],
  ['node_memcg_free_bp', 0, '/gone', 10000, 'a cgroup the kernel cannot find: free 10000'],
  ['node_memcg_free_bp', 0, null, 10000, 'no path'],
  ['node_memcg_free_bp', 5, '/a', 10000, 'invalid node'],
  ['active_mem_bp', null, null, 7500, '300 / (300 + 100)'],
  ['inactive_mem_bp', null, null, 2500, '100 / (300 + 100)'],
  ['user_input', null, null, 42, 'the current_value written'],
  ['some_mem_psi_us', null, null, null, 'a PSI delta: not in a snapshot'],
  ['node_eligible_mem_bp', 0, null, null, "the scheme's regions: not in a snapshot"],
];

describe('goal metrics: one evaluator (kernel formulas), used by the simulator and the live status', () => {
  it.each(TABLE)('%s nid %s path %s = %s (%s)', (metric, nid, path, want) => {
    expect(goalMetricValue({ metric, nid, path, currentValue: 42 }, snap)).toBe(want);
  });

  it('live status computes the same values from a probe of a host', () => {
    // the probe's own output format: node meminfo, /proc/meminfo and memory.numa_stat dumps
    const probe = parseProbeOutput(
      [
        '@@REL 7.2.13',
        '@@FILE /sys/devices/system/node/node0/meminfo',
        '|Node 0 MemTotal:  1048576 kB',
        '|Node 0 MemFree:   409600 kB',
        '@@FILE /proc/meminfo',
        '|Active:  307200 kB',
        '|Inactive:  102400 kB',
        '@@NUMASTAT /a',
        '|anon N0=104857600 N1=0',
        '|file N0=0 N1=0',
        '@@END',
      ].join('\n'),
    );
    for (const [metric, nid, path, want] of TABLE) {
      if (nid === 1 || want === null || metric === 'user_input') continue;
      expect(goalValue(probe, metric, nid, path, 42), `${metric} ${nid} ${path}`).toBe(want);
    }
  });

  it('the simulator measures its machine with the same evaluator', () => {
    const sc = tinyScenario('7.2');
    const rng = new Rng(1);
    const m = new Machine(sc, rng);
    const ctx = new DamonContext(0, context({ regions: [{ start: 0, end: 128 * MiB }] }), m, rng, simKernel('7.2'), { lastNrRegions: 0 }, 0);
    const s = new SchemeState(0, 0, scheme(), ctx);
    const u = machineUsage(m, 0);
    for (const metric of ['node_memcg_used_bp', 'node_memcg_free_bp', 'node_mem_used_bp', 'node_mem_free_bp']) {
      for (const [nid, path] of [
        [1, '/a'],
        [0, '/b'],
        [1, '/nope'],
        [9, '/a'],
      ] as const) {
        const g = { metric, nid, path, targetValue: 1000, currentValue: 0 } as Parameters<SchemeState['measureGoal']>[0];
        expect(s.measureGoal(g, 0)).toBe(goalMetricValue(g, u));
      }
    }
    // /a's 16 MiB sit on node 1 (64 MiB, minus nothing reserved)
    expect(s.measureGoal({ metric: 'node_memcg_used_bp', nid: 1, path: '/a', targetValue: 1, currentValue: 0 }, 0)).toBe(2500);
  });
});
