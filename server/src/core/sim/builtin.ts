/**
 * Built-in scenarios. `seed-memcg-tiering` is the seed RFC's test VM: 40 CPUs, two NUMA nodes of
 * 30 GiB laid out like a real x86 VM (node 0 at [0, 31) GiB with the PCI hole at [3, 4) GiB, node 1
 * at [31, 61) GiB), cgroups /workload_a and /workload_b each running one 10 GiB process split in 10
 * regions with one hot region moving every minute.
 */
import type { Scenario } from './types';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface SeedScenarioOptions {
  /** multiply every size (machine, processes) by this: the speed bench runs 1 and 10 */
  scale?: number;
}

export function seedScenario(opts: SeedScenarioOptions = {}): Scenario {
  const k = opts.scale ?? 1;
  return {
    name: k === 1 ? 'seed-memcg-tiering' : `seed-memcg-tiering-x${k}`,
    description:
      "The seed RFC's per-memcg tiering test: two 10 GiB processes with a hot 1 GiB moving every minute, " +
      'started on node 0 before DAMON; node 0 usage read 42 times 5 s apart at the end.',
    // the RFC ran an mm-new kernel of October 2025 (what became v6.19)
    kernel: '6.19',
    machine: {
      name: 'seed-vm',
      nodes: [
        {
          nid: 0,
          sizeBytes: 30 * GiB * k,
          cpus: 40,
          ranges: [
            { start: 0, end: 3 * GiB },
            { start: 4 * GiB, end: (31 + 30 * (k - 1)) * GiB },
          ],
          // struct pages and boot reservations (~1.6 % of a node), plus the kernel's own memory
          reservedBytes: 512 * MiB * k,
          otherUsedBytes: 768 * MiB * k,
        },
        {
          nid: 1,
          sizeBytes: 30 * GiB * k,
          ranges: [{ start: (31 + 30 * (k - 1)) * GiB, end: (61 + 60 * (k - 1)) * GiB }],
          reservedBytes: 512 * MiB * k,
        },
      ],
      cgroups: ['/workload_a', '/workload_b'],
    },
    processes: [
      {
        name: 'masim-a',
        pid: 1001,
        cgroup: '/workload_a',
        sizeBytes: 10 * GiB * k,
        node: 0,
        workload: { pattern: 'rotating-hot', regions: 10, hotRegions: 1, periodSec: 60, offsetSec: 0, accessesPerSec: 15 },
      },
      {
        name: 'masim-b',
        pid: 1002,
        cgroup: '/workload_b',
        sizeBytes: 10 * GiB * k,
        node: 0,
        workload: { pattern: 'rotating-hot', regions: 10, hotRegions: 1, periodSec: 60, offsetSec: 23, accessesPerSec: 15 },
      },
    ],
    durationSec: 600,
    sampling: { intervalSec: 1, window: { samples: 42, intervalSec: 5 } },
    seed: 1,
  };
}

export const BUILTIN_SCENARIOS: Record<string, () => Scenario> = {
  'seed-memcg-tiering': () => seedScenario(),
};
