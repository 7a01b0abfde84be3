/**
 * The differential corpus: configs built from the DAMON sysfs ABI (Documentation/ABI/testing/
 * sysfs-kernel-mm-damon, Documentation/admin-guide/mm/damon/usage.rst) and damo 3.4.1's reading of
 * its config format -- NOT from this tool's rules. Each case changes one thing in a valid base.
 * test/kernel/corpus.test.ts (system tier, QEMU test host with damo) records, for every case, what
 * damo 3.4.1 does (`damo start`), what the kernel does with the same values written by hand to
 * sysfs, and the read-back trees, into recorded.json; test/core/kernel-corpus.test.ts (unit tier)
 * compares that recorded truth with `check`.
 *
 * The VM: 2 NUMA nodes of 1 GiB, cgroup2 with +memory at the root; cgroups /wa and /wb (memory
 * controller on) and /wa/sub (no +memory in /wa/cgroup.subtree_control: no memory controller).
 */

export interface CorpusCase {
  id: string;
  /** what the case exercises and where the expectation comes from (ABI / damo) */
  basis: string;
  /** damo's kdamonds format (what `damo start FILE.json` reads) */
  config: unknown;
  /**
   * sysfs values written by hand instead of (or in addition to) the ones the config plans,
   * relative to /sys/kernel/mm/damon/admin: for values damo cannot express or refuses.
   */
  hand?: Record<string, string>;
  /**
   * Why `check` reports an error although damo and the kernel both accept the config (required
   * for every such case: the config starts, but cannot work as written).
   */
  justification?: string;
  /**
   * A refusal no static check can foresee from the config and the machine profile (it depends on
   * the host's state at start time): the reason, and who reports it instead.
   */
  outOfReach?: string;
}

type J = Record<string, any>;

export const SCHEME0 = 'kdamonds/0/contexts/0/schemes/0';

export function baseConfig(): J {
  return {
    kdamonds: [
      {
        refresh_ms: 0,
        contexts: [
          {
            ops: 'paddr',
            addr_unit: 1,
            targets: [{ pid: null, regions: [{ start: 4096, end: 1073741824 }] }],
            intervals: { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 },
            nr_regions: { min: 10, max: 1000 },
            schemes: [
              {
                action: 'stat',
                access_pattern: { sz_bytes: { min: 0, max: 'max' }, nr_accesses: { min: 0, max: 'max' }, age: { min: 0, max: 'max' } },
                apply_interval_us: 0,
                quotas: { time_ms: 0, sz_bytes: 0, reset_interval_ms: 1000, weights: { sz_permil: 0, nr_accesses_permil: 0, age_permil: 0 }, goals: [] },
                watermarks: { metric: 'none', interval_us: 0, high_permil: 0, mid_permil: 0, low_permil: 0 },
                filters: [],
              },
            ],
          },
        ],
      },
    ],
  };
}

const ctx0 = (c: J) => c.kdamonds[0].contexts[0];
const sch0 = (c: J) => ctx0(c).schemes[0];

function mk(id: string, basis: string, edit: (c: J) => void, extra: Partial<CorpusCase> = {}): CorpusCase {
  const config = baseConfig();
  edit(config);
  return { id, basis, config, ...extra };
}

const goal = (g: J) => (c: J) => {
  sch0(c).quotas.goals = [{ current_value: 0, ...g }];
  sch0(c).quotas.sz_bytes = 104857600;
};
const filter = (f: J) => (c: J) => {
  sch0(c).filters = [f];
};

export const CASES: CorpusCase[] = [
  // ---- valid shapes -------------------------------------------------------------------------
  mk('base-stat', 'ABI: a paddr context with one stat scheme, every access-pattern bound written', () => {}),
  mk('action-pageout', 'ABI: schemes/<S>/action pageout on paddr', (c) => {
    sch0(c).action = 'pageout';
  }),
  mk('action-lru-prio', 'ABI: action lru_prio (paddr)', (c) => {
    sch0(c).action = 'lru_prio';
  }),
  mk('action-lru-deprio', 'ABI: action lru_deprio (paddr)', (c) => {
    sch0(c).action = 'lru_deprio';
  }),
  mk('migrate-hot-to-0', 'ABI: migrate_hot with target_nid 0 (paddr)', (c) => {
    sch0(c).action = 'migrate_hot';
    sch0(c).target_nid = 0;
  }),
  mk('migrate-cold-to-1', 'ABI: migrate_cold with target_nid 1 (paddr)', (c) => {
    sch0(c).action = 'migrate_cold';
    sch0(c).target_nid = 1;
  }),
  mk('two-kdamonds', 'ABI: nr_kdamonds 2, each with its own context', (c) => {
    c.kdamonds.push(JSON.parse(JSON.stringify(c.kdamonds[0])));
  }),
  mk('no-schemes', 'ABI: a context with nr_schemes 0 monitors only', (c) => {
    ctx0(c).schemes = [];
  }),
  mk('vaddr-init', "ABI: vaddr target pid 1 (the guest's init), regions from its mappings", (c) => {
    ctx0(c).ops = 'vaddr';
    ctx0(c).targets = [{ pid: 1, regions: [] }];
  }),
  mk('vaddr-pageout-memcg-filter', 'kernel-test-host: vaddr context with a memcg ops filter and pageout is accepted', (c) => {
    ctx0(c).ops = 'vaddr';
    ctx0(c).targets = [{ pid: 1, regions: [] }];
    sch0(c).action = 'pageout';
    sch0(c).filters = [{ filter_type: 'memcg', matching: true, allow: false, memcg_path: '/wa' }];
  }),
  mk('quota-size-time', 'ABI: quotas ms/bytes/reset_interval_ms and weights', (c) => {
    Object.assign(sch0(c).quotas, { time_ms: 10, sz_bytes: 8388608, reset_interval_ms: 200, weights: { sz_permil: 1, nr_accesses_permil: 2, age_permil: 3 } });
  }),
  mk('watermarks-free-mem', 'ABI: watermarks metric free_mem_rate with high ≥ mid ≥ low', (c) => {
    sch0(c).watermarks = { metric: 'free_mem_rate', interval_us: 1000000, high_permil: 900, mid_permil: 800, low_permil: 50 };
  }),
  mk('intervals-goal', 'ABI: intervals_goal access_bp/aggrs/min_sample_us/max_sample_us (6.15)', (c) => {
    ctx0(c).intervals.intervals_goal = { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 10000000 };
  }),
  mk('apply-interval', 'ABI: schemes/<S>/apply_interval_us', (c) => {
    sch0(c).apply_interval_us = 1000000;
  }),
  mk('refresh-ms', 'ABI: kdamonds/<K>/refresh_ms (6.17)', (c) => {
    c.kdamonds[0].refresh_ms = 1000;
  }),
  mk('goal-tuner-temporal', 'ABI: quotas/goal_tuner temporal (7.2)', (c) => {
    goal({ metric: 'node_mem_used_bp', nid: 0, target_value: 3000 })(c);
    sch0(c).quotas.goal_tuner = 'temporal';
  }),
  mk('goal-psi', 'ABI: goal metric some_mem_psi_us', goal({ metric: 'some_mem_psi_us', target_value: 1000 })),
  mk('goal-user-input', 'ABI: goal metric user_input with current_value', goal({ metric: 'user_input', target_value: 100, current_value: 50 })),
  mk('goal-node-mem-used', 'ABI: goal node_mem_used_bp with nid', goal({ metric: 'node_mem_used_bp', nid: 1, target_value: 3000 })),
  mk(
    'goal-memcg-valid',
    'ABI: goal node_memcg_used_bp with nid and path /wa (exists, memory controller on)',
    goal({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/wa', target_value: 1000 }),
  ),
  mk(
    'goal-memcg-free-valid',
    'ABI: goal node_memcg_free_bp with nid and path /wb',
    goal({ metric: 'node_memcg_free_bp', nid: 0, memcg_path: '/wb', target_value: 7000 }),
  ),
  mk('filter-memcg-valid', 'ABI: ops filter memcg /wa', filter({ filter_type: 'memcg', matching: true, allow: true, memcg_path: '/wa' })),
  mk('filter-young', 'ABI: ops filter young (paddr)', filter({ filter_type: 'young', matching: true, allow: false })),
  mk('filter-anon', 'ABI: ops filter anon (paddr)', filter({ filter_type: 'anon', matching: true, allow: false })),
  mk('filter-active', 'ABI: ops filter active (6.15)', filter({ filter_type: 'active', matching: false, allow: false })),
  mk('filter-unmapped', 'ABI: ops filter unmapped (6.15)', filter({ filter_type: 'unmapped', matching: true, allow: false })),
  mk(
    'filter-hugepage-size',
    'ABI: ops filter hugepage_size with min/max (6.15)',
    filter({ filter_type: 'hugepage_size', matching: true, allow: true, hugepage_size: [2097152, 2097152] }),
  ),
  mk(
    'filter-addr',
    'ABI: core filter addr with addr_start/addr_end',
    filter({ filter_type: 'addr', matching: true, allow: false, address_range: { start: 4096, end: 536870912 } }),
  ),
  mk('filter-target-0', 'ABI: core filter target damon_target_idx 0', filter({ filter_type: 'target', matching: true, allow: false, damon_target_idx: 0 })),
  mk(
    'regions-empty-list',
    'kernel-test-host: paddr with regions [] starts and monitors nothing',
    (c) => {
      ctx0(c).targets[0].regions = [];
    },
    {
      justification:
        'it starts but monitors nothing: a paddr target with no region never gets a region through sysfs, so every scheme is idle (measured: starts, no regions).',
    },
  ),

  // ---- the kernel refuses ----------------------------------------------------------------------
  mk('nr-regions-min-2', 'usage.rst: min_nr_regions must be at least 3', (c) => {
    ctx0(c).nr_regions.min = 2;
  }),
  mk('nr-regions-min-gt-max', 'usage.rst: min_nr_regions ≤ max_nr_regions', (c) => {
    ctx0(c).nr_regions = { min: 2000, max: 1000 };
  }),
  mk('sample-gt-aggr', 'damon_set_attrs: sample interval ≤ aggregation interval', (c) => {
    ctx0(c).intervals.sample_us = 200000;
  }),
  mk('region-end-before-start', 'ABI: region [start, end) with end < start', (c) => {
    ctx0(c).targets[0].regions = [{ start: 1073741824, end: 4096 }];
  }),
  mk('region-empty', 'ABI: region with start == end', (c) => {
    ctx0(c).targets[0].regions = [{ start: 1048576, end: 1048576 }];
  }),
  mk('regions-overlap', 'ABI: regions must be sorted and not overlap', (c) => {
    ctx0(c).targets[0].regions = [
      { start: 4096, end: 536870912 },
      { start: 268435456, end: 1073741824 },
    ];
  }),
  mk('paddr-two-targets', 'usage.rst: paddr takes one target', (c) => {
    ctx0(c).targets.push({ pid: null, regions: [{ start: 1073741824, end: 2147352576 }] });
  }),
  mk('two-contexts', 'ABI: contexts/nr_contexts accepts 0 or 1', (c) => {
    c.kdamonds[0].contexts.push(JSON.parse(JSON.stringify(ctx0(c))));
  }),
  mk(
    'goal-tuner-unknown',
    'ABI: goal_tuner takes consist or temporal',
    (c) => {
      goal({ metric: 'node_mem_used_bp', nid: 0, target_value: 3000 })(c);
      sch0(c).quotas.goal_tuner = 'aggressive';
    },
    { hand: { [`${SCHEME0}/quotas/goal_tuner`]: 'aggressive' } },
  ),
  mk(
    'goal-memcg-no-path',
    "ABI: node_memcg_used_bp reads the cgroup from the goal's path file (left out)",
    goal({ metric: 'node_memcg_used_bp', nid: 0, target_value: 1000 }),
  ),
  mk(
    'goal-memcg-path-key',
    'damo reads memcg_path; the sysfs file is named path (key misspelled as the file)',
    goal({ metric: 'node_memcg_used_bp', nid: 0, path: '/wa', target_value: 1000 }),
  ),
  mk(
    'goal-memcg-nonexistent',
    'ABI: goal path naming a cgroup that does not exist',
    goal({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/nope', target_value: 1000 }),
  ),
  mk(
    'goal-memcg-relative',
    'cgroup lookup is from the cgroup root: relative "wa"',
    goal({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: 'wa', target_value: 1000 }),
  ),
  mk(
    'goal-memcg-trailing-slash',
    'cgroup paths compared literally: "/wa/"',
    goal({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/wa/', target_value: 1000 }),
  ),
  mk(
    'goal-memcg-double-slash',
    'cgroup paths compared literally: "//wa"',
    goal({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '//wa', target_value: 1000 }),
  ),
  mk(
    'goal-memcg-no-controller',
    'a cgroup without the memory controller (/wa/sub; /wa does not enable +memory)',
    goal({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/wa/sub', target_value: 1000 }),
  ),
  mk(
    'filter-memcg-nonexistent',
    'ABI: memcg filter on a cgroup that does not exist',
    filter({ filter_type: 'memcg', matching: true, allow: true, memcg_path: '/nope' }),
  ),
  mk('filter-memcg-no-path', 'damo reads memcg_path of a memcg filter (left out)', filter({ filter_type: 'memcg', matching: true, allow: true })),
  mk(
    'filter-memcg-trailing-slash',
    'cgroup paths compared literally: memcg filter "/wa/"',
    filter({ filter_type: 'memcg', matching: true, allow: true, memcg_path: '/wa/' }),
  ),
  mk(
    'filter-memcg-no-controller',
    'memcg filter on /wa/sub (no memory controller)',
    filter({ filter_type: 'memcg', matching: true, allow: true, memcg_path: '/wa/sub' }),
  ),
  mk('goal-target-negative', 'ABI: target_value is unsigned; -100 written by hand', goal({ metric: 'node_mem_used_bp', nid: 0, target_value: -100 }), {
    hand: { [`${SCHEME0}/quotas/goals/0/target_value`]: '-100' },
  }),

  mk(
    'action-unknown',
    'ABI: action takes the listed words',
    (c) => {
      sch0(c).action = 'shred';
    },
    { hand: { [`${SCHEME0}/action`]: 'shred' } },
  ),
  mk(
    'ops-unknown',
    'ABI: operations takes avail_operations words',
    (c) => {
      ctx0(c).ops = 'gaddr';
    },
    { hand: { 'kdamonds/0/contexts/0/operations': 'gaddr' } },
  ),
  mk('intervals-goal-min-gt-max', 'intervals_goal: min_sample_us ≤ max_sample_us', (c) => {
    ctx0(c).intervals.intervals_goal = { access_bp: 400, aggrs: 3, min_sample_us: 10000000, max_sample_us: 5000 };
  }),
  mk(
    'vaddr-no-process',
    'vaddr target pid that does not exist',
    (c) => {
      ctx0(c).ops = 'vaddr';
      ctx0(c).targets = [{ pid: 999999, regions: [] }];
    },
    {
      outOfReach:
        'whether pid 999999 exists is known only on the host at start time (processes come and go; the machine profile has no process list): deploy maps the EINVAL at on to "a pid that does not exist"',
    },
  ),
  mk('goal-node-no-nid', 'damo writes nid of node goals (left out)', goal({ metric: 'node_mem_used_bp', target_value: 3000 })),
  mk(
    'goal-eligible-vaddr',
    'node_eligible_mem_bp needs physical placement: on a vaddr context',
    (c) => {
      ctx0(c).ops = 'vaddr';
      ctx0(c).targets = [{ pid: 1, regions: [] }];
      goal({ metric: 'node_eligible_mem_bp', nid: 0, target_value: 5000 })(c);
    },
    {
      justification:
        'node_eligible_mem_bp needs physical placement: on vaddr the start succeeds but the goal reads 0, and a later commit fails with ENOMEM (measured).',
    },
  ),

  // ---- both accept, but it cannot work as written ---------------------------------------------
  mk('nr-accesses-min-gt-max', 'ABI: access pattern min > max is stored; matches nothing', (c) => {
    sch0(c).access_pattern.nr_accesses = { min: '10 samples', max: '2 samples' };
  }),
  mk('watermarks-high-lt-mid', 'ABI: watermarks high < mid are stored', (c) => {
    sch0(c).watermarks = { metric: 'free_mem_rate', interval_us: 1000000, high_permil: 200, mid_permil: 500, low_permil: 50 };
  }),
  mk('goal-target-zero', 'kernel: a goal with target 0 is skipped', goal({ metric: 'some_mem_psi_us', target_value: 0 }), {
    justification: 'the kernel skips a goal whose target is 0 (it would divide by it): the quota is never tuned, so the goal the user wrote has no effect.',
  }),
  mk('goal-free-over-100', 'node_mem_free_bp target 12000 bp (over 100 %)', goal({ metric: 'node_mem_free_bp', nid: 0, target_value: 12000 }), {
    justification: 'a bp metric cannot exceed 10000 (100 %): the goal is never reached, so the tuner keeps raising the quota forever.',
  }),
  mk('goal-nid-7', 'node_mem_used_bp on nid 7 of a 2-node machine', goal({ metric: 'node_mem_used_bp', nid: 7, target_value: 3000 }), {
    justification: 'node 7 does not exist on the 2-node host: the metric reads 0 and the goal can never be met.',
  }),
  mk(
    'migrate-cold-no-target',
    'migrate_cold with target_nid left -1',
    (c) => {
      sch0(c).action = 'migrate_cold';
    },
    { justification: 'migrate_cold with target_nid -1 (NUMA_NO_NODE) has nowhere to move pages: the scheme does nothing.' },
  ),
  mk(
    'migrate-hot-nid-9',
    'migrate_hot to target_nid 9 on a 2-node machine',
    (c) => {
      sch0(c).action = 'migrate_hot';
      sch0(c).target_nid = 9;
    },
    { justification: 'node 9 does not exist: every migration fails, the scheme does nothing.' },
  ),
  mk(
    'nr-accesses-max-2-32',
    'nr_accesses/max 4294967296: the file keeps it, the kernel field is 32 bits',
    (c) => {
      sch0(c).access_pattern.nr_accesses = { min: '0 samples', max: '4294967296 samples' };
    },
    {
      justification:
        'the kernel keeps nr_accesses in 32 bits: 2^32 is truncated to 0, so the scheme only matches regions with no access at all -- the opposite of the unbounded range written.',
    },
  ),
  mk(
    'target-filter-past-last',
    'core filter target damon_target_idx 3 with one target: never matches',
    filter({ filter_type: 'target', matching: true, allow: true, damon_target_idx: 3 }),
  ),
  mk('sz-min-1-eib', 'access pattern sz min 1 EiB: larger than any region', (c) => {
    sch0(c).access_pattern.sz_bytes = { min: '1 EiB', max: 'max' };
  }),
  mk(
    'goal-eligible-paddr',
    'node_eligible_mem_bp on paddr with nid 1 (damo 3.4.1 drops nid)',
    goal({ metric: 'node_eligible_mem_bp', nid: 1, target_value: 5000 }),
  ),
  mk('quota-bytes-16-eib', 'ABI: quotas/bytes is unsigned long; "16 EiB" is 2^64 (damo caps it to 2^64-1; so does deploy)', (c) => {
    sch0(c).quotas.sz_bytes = '16 EiB';
  }),
  mk('octal-looking', 'sysfs integers are parsed in base 0: damo writes 10 for "010"?', (c) => {
    sch0(c).apply_interval_us = '010';
  }),
];
