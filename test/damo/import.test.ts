/** Every option form and count rule of damo 3.3's command line, imported (validator off: damo's own rules only). */
import { describe, expect, it } from 'vitest';
import { GiB, imp, INTERVALS_DEFAULT, SCHEME_DEFAULTS } from './helpers';

const ctx0 = (text: string) => imp(text).config!.kdamonds[0].contexts[0];
const scheme0 = (text: string) => ctx0(text).schemes[0];

describe('argparse behaviour', () => {
  it('accepts unambiguous prefixes, --opt=value and attached short values', () => {
    const c = ctx0('damo start --op=vaddr --target 42 --damos_act stat -s5000 -a 200ms --updr 2s');
    expect(c.ops).toBe('vaddr');
    expect(c.targets[0].pid).toBe(42);
    expect(c.intervals).toEqual({ sample_us: 5000, aggr_us: 200000, ops_update_us: 2000000 });
    expect(c.schemes[0].action).toBe('stat');
  });

  it('reports ambiguous and unknown options at the word', () => {
    const { codes, diags } = imp('damo start --ops paddr --damos_quota 1 --foo --quota_goals_only');
    expect(codes).toContain('damo-ambiguous-option@--damos_quota');
    expect(diags.find((d) => d.code === 'damo-ambiguous-option')!.message).toMatch(/--damos_quotas.*--damos_quota_interval/);
    expect(codes).toContain('damo-unknown-option@--foo');
    expect(diags.find((d) => d.at === '--quota_goals_only')!.message).toMatch(/only damo tune/);
    expect(imp('damo tune --quota_goals_only --ops paddr').codes.filter((c) => c.startsWith('damo-unknown'))).toEqual([]);
  });

  it('reports missing arguments of fixed-arity options, bad ints and bad choices', () => {
    const { codes } = imp('damo start --ops xaddr --nr_targets x --damos_action stat --damos_age 1s --damos_wmarks none 0 0');
    expect(codes).toContain('damo-invalid-value@xaddr');
    expect(codes).toContain('damo-invalid-value@x');
    expect(codes).toContain('damo-missing-argument@--damos_age 1s');
    expect(codes).toContain('damo-missing-argument@--damos_wmarks none 0 0');
  });

  it('a second positional is rejected; a repeated count option keeps the last', () => {
    expect(imp('damo start paddr extra --ops paddr').codes).toContain('damo-extra-argument@extra');
    const r = imp('damo start --ops paddr --ops paddr --nr_targets 5 --nr_targets 1 1');
    expect(r.codes).toContain('damo-repeated-option@--nr_targets 5');
    expect(r.config!.kdamonds[0].contexts.map((c) => c.targets.length)).toEqual([1, 1]);
  });

  it('nargs=+ options swallow a positional target; the import says so', () => {
    const { diags } = imp('damo start --damos_action pageout paddr');
    const d = diags.find((x) => x.code === 'damo-extra-argument')!;
    expect(d.at).toBe('paddr');
    expect(d.message).toMatch(/put it before the options/);
  });
});

describe('contexts, targets and their counts (--nr_ctxs, --nr_targets)', () => {
  it("a paddr target without --regions covers the profile's System RAM; --regions is parsed with units", () => {
    expect(ctx0('damo start --ops paddr').targets).toEqual([{ pid: null, regions: [{ start: 0, end: 60 * GiB }] }]);
    expect(ctx0("damo start --ops paddr --regions '4G-8G 16GiB-32GiB'").targets[0].regions).toEqual([
      { start: 4 * GiB, end: 8 * GiB },
      { start: 16 * GiB, end: 32 * GiB },
    ]);
  });

  it('rejects overlapping, reversed and malformed --regions at the argument', () => {
    expect(imp("damo start --ops paddr --regions '8G-16G 4G-12G'").codes).toContain("damo-invalid-value@'8G-16G 4G-12G'");
    expect(imp('damo start --ops paddr --regions 8G-4G').diags[0].message).toMatch(/start >= end/);
    expect(imp('damo start --ops paddr --regions 4G').diags[0].message).toMatch(/two addresses/);
    expect(imp('damo start --ops paddr --regions 4k-8k').diags[0].message).toMatch(/unknown size unit "k"/);
  });

  it('--numa_node takes the node ranges from the profile, merging several nodes', () => {
    expect(ctx0('damo start --numa_node 0 1').targets[0].regions).toEqual([{ start: 0, end: 60 * GiB }]);
    const r = imp('damo start --numa_node 7');
    expect(r.codes).toContain('damo-numa-node-unknown@7');
  });

  it('--numa_node is ignored for vaddr targets and with --regions', () => {
    expect(imp('damo start --ops vaddr --target_pid 1 --numa_node 1').codes).toContain('damo-ignored@--numa_node 1');
    expect(imp('damo start --ops paddr --regions 1G-2G --numa_node 1').codes).toContain('damo-ignored@--numa_node 1');
  });

  it("ops defaults to vaddr when the context's pid is given, else paddr", () => {
    expect(ctx0('damo start --target_pid 7').ops).toBe('vaddr');
    expect(ctx0('damo start --damos_action stat').ops).toBe('paddr');
  });

  it('several contexts need --nr_targets; sums and lengths must match', () => {
    expect(imp('damo start --ops paddr --ops paddr').codes).toContain('damo-count-missing@--ops paddr');
    const sum = imp('damo start --numa_node 0 --numa_node 1 --numa_node 1 --nr_targets 1 1');
    expect(sum.diags.find((d) => d.code === 'damo-count-mismatch')!.message).toMatch(/--nr_targets and number of targets mismatch \(2 != 3\)/);
    const len = imp('damo start --ops paddr --ops paddr --regions 1G-2G --regions 2G-3G --regions 3G-4G --nr_targets 3');
    expect(len.diags.find((d) => d.code === 'damo-count-mismatch')!.message).toMatch(/--nr_targets and number of ctxs mismatch \(1 != 2\)/);
  });

  it('targets and contexts are split by the counts, across kdamonds by --nr_ctxs', () => {
    const cfg = imp(
      'damo start --ops vaddr --ops paddr --target_pid 10 --target_pid 11 --target_pid 0 --regions "" --regions "" --regions 1G-2G --nr_targets 2 1 --nr_ctxs 1 1',
    ).config!;
    expect(cfg.kdamonds).toHaveLength(2);
    expect(cfg.kdamonds[0].contexts[0].targets).toEqual([
      { pid: 10, regions: [] },
      { pid: 11, regions: [] },
    ]);
    expect(cfg.kdamonds[1].contexts[0].targets).toEqual([{ pid: null, regions: [{ start: GiB, end: 2 * GiB }] }]);
  });

  it('--nr_ctxs must add up to the number of contexts; without it all contexts share one kdamond', () => {
    expect(imp('damo start --ops paddr --ops paddr --nr_targets 1 1 --nr_ctxs 1').diags.find((d) => d.code === 'damo-count-mismatch')!.message).toMatch(
      /\(1 != 2\)/,
    );
    expect(imp('damo start --ops paddr --ops paddr --nr_targets 1 1').config!.kdamonds[0].contexts).toHaveLength(2);
  });

  it('per-context options: intervals, goal, autotune, nr_regions, addr_unit, pause, refresh', () => {
    const c = ctx0(
      'damo start --ops paddr --monitoring_intervals 10ms 200ms 2s --monitoring_intervals_goal 4% 3 5ms 10s --monitoring_nr_regions_range 20 2000 --damon_addr_unit 4096 --pause_ctx 0',
    );
    expect(c.intervals).toEqual({
      sample_us: 10000,
      aggr_us: 200000,
      ops_update_us: 2000000,
      intervals_goal: { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 10000000 },
    });
    expect(c.nr_regions).toEqual({ min: 20, max: 2000 });
    expect(c.addr_unit).toBe(4096);
    expect(c.pause).toBe(true);
    expect(ctx0('damo start --ops paddr --monitoring_intervals_autotune').intervals.intervals_goal).toEqual({
      access_bp: 400,
      aggrs: 3,
      min_sample_us: 5000,
      max_sample_us: 10000000,
    });
    expect(imp('damo start --ops vaddr --target_pid 1 --damon_addr_unit 4096').codes).toContain('damo-invalid-value@--damon_addr_unit 4096');
    expect(imp('damo start --ops paddr --refresh_stat 1s').config!.kdamonds[0].refresh_ms).toBe(1000);
  });

  it('the positional target: pid, paddr, a command (placeholder pid), a config file', () => {
    expect(ctx0('damo start 1234').targets[0].pid).toBe(1234);
    expect(ctx0('damo start 1234').ops).toBe('vaddr');
    expect(ctx0('damo start paddr --target_pid 5').targets[0].pid).toBeNull();
    const cmd = imp('damo start "sleep 5"');
    expect(String(cmd.config!.kdamonds[0].contexts[0].targets[0].pid)).toMatch(/^UNKNOWN: pid of "sleep 5"/);
    expect(cmd.codes).toContain('damo-command-target@"sleep 5"');
    const file = imp('damo start tiering.yaml');
    expect(file.config).toBeNull();
    expect(file.codes).toEqual(['damo-config-from-file@tiering.yaml']);
    expect(imp('damo start --kdamonds ./k.json').config).toBeNull();
  });

  it('--obsolete_targets marks targets; out-of-range indexes are refused', () => {
    expect(ctx0('damo start --ops vaddr --target_pid 1 --target_pid 2 --obsolete_targets 1').targets[1].obsolete).toBe(true);
    expect(imp('damo start --ops vaddr --target_pid 1 --obsolete_targets 3').codes).toContain('damo-invalid-value@--obsolete_targets 3');
  });

  it('options with no config-file key are reported, not silently dropped', () => {
    expect(imp('damo start --ops paddr --exp_ops_cpus 0-3').codes).toContain('damo-not-in-config@--exp_ops_cpus 0-3');
    expect(imp('damo start --ops paddr --damos_action stat --damos_max_nr_snapshots 5').codes).toContain('damo-not-in-config@--damos_max_nr_snapshots 5');
  });
});

describe('schemes and their per-scheme options', () => {
  it('defaults of a bare --damos_action', () => {
    expect(scheme0('damo start --ops paddr --damos_action pageout')).toEqual({ action: 'pageout', ...SCHEME_DEFAULTS });
  });

  it('--damos_action forms: target node, destinations, wrong words', () => {
    expect(scheme0('damo start --ops paddr --damos_action migrate_hot 1').target_nid).toBe(1);
    expect(scheme0('damo start --ops paddr --damos_action migrate_cold 0 1 1 3').dests).toEqual([
      { id: 0, weight: 1 },
      { id: 1, weight: 3 },
    ]);
    expect(imp('damo start --ops paddr --damos_action migrate_cold 0 1 1').diags[0].message).toMatch(/numeric target_nid or dests/);
    expect(imp('damo start --ops paddr --damos_action migrate_hot x').codes).toContain('damo-invalid-value@x');
    expect(imp('damo start --ops paddr --damos_action pagout').codes).toContain('damo-invalid-value@pagout');
  });

  it('access pattern, apply interval, quotas and watermarks with units', () => {
    const s = scheme0(
      'damo start --ops paddr --damos_action pageout --damos_sz_region 4K 2MiB --damos_access_rate 0% 5 --damos_age 30s max ' +
        '--damos_apply_interval 100ms --damos_quotas 10ms 1G 1s 0 300 70% --damos_wmarks free_mem_rate 5s 50% 40% 5%',
    );
    expect(s.access_pattern).toEqual({ sz_bytes: { min: 4096, max: 2 * 2 ** 20 }, nr_accesses: { min: 0, max: 5 }, age: { min: 30000000, max: 'max' } });
    expect(s.apply_interval_us).toBe(100000);
    expect(s.quotas).toEqual({
      time_ms: 10,
      sz_bytes: GiB,
      reset_interval_ms: 1000,
      weights: { sz_permil: 0, nr_accesses_permil: 300, age_permil: 700 },
      goals: [],
    });
    expect(s.watermarks).toEqual({ metric: 'free_mem_rate', interval_us: 5000000, high_permil: 500, mid_permil: 400, low_permil: 50 });
  });

  it('--damos_quota_interval builds the quota with time, space and weights (default 1 1 1)', () => {
    const s = scheme0('damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_quota_time 20ms --damos_quota_space 200MB');
    expect(s.quotas).toEqual({
      time_ms: 20,
      sz_bytes: 209715200,
      reset_interval_ms: 1000,
      weights: { sz_permil: 1, nr_accesses_permil: 1, age_permil: 1 },
      goals: [],
    });
    expect(scheme0('damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_quota_weights 0 0 1000').quotas.weights).toEqual({
      sz_permil: 0,
      nr_accesses_permil: 0,
      age_permil: 1000,
    });
  });

  it('quota options damo silently drops are reported', () => {
    const r = imp('damo start --ops paddr --damos_action pageout --damos_quota_space 200MB');
    expect(r.codes).toContain('damo-ignored@--damos_quota_space 200MB');
    expect(r.config!.kdamonds[0].contexts[0].schemes[0].quotas.sz_bytes).toBe(0);
    expect(imp('damo start --ops paddr --damos_action pageout --damos_quotas 1 --damos_quota_interval 1s').codes[0]).toBe(
      'damo-conflicting-options@--damos_quotas 1',
    );
  });

  it('too many per-scheme options are refused at the extra one', () => {
    const r = imp('damo start --ops paddr --damos_action stat --damos_age 0 1s --damos_age 0 2s --damos_quota_interval 1s --damos_quota_interval 2s');
    expect(r.codes).toContain('damo-count-mismatch@--damos_age 0 2s');
    expect(r.codes).toContain('damo-count-mismatch@--damos_quota_interval 2s');
    expect(r.diags.find((d) => d.at === '--damos_quota_interval 2s')!.message).toMatch(/too much --damos_quotas/);
  });

  it('--damos_* options without --damos_action are refused', () => {
    expect(imp('damo start --ops paddr --damos_age 0 1s').codes).toContain('damo-no-action@--damos_age 0 1s');
  });

  it('schemes go to contexts by --nr_schemes; required with several contexts', () => {
    const cfg = imp(
      'damo start --ops paddr --ops paddr --nr_targets 1 1 --damos_action stat --damos_action pageout --damos_action cold --nr_schemes 1 2 --nr_ctxs 1 1',
    ).config!;
    expect(cfg.kdamonds.map((k) => k.contexts[0].schemes.map((s) => s.action))).toEqual([['stat'], ['pageout', 'cold']]);
    expect(imp('damo start --ops paddr --ops paddr --nr_targets 1 1 --damos_action stat').codes).toContain('damo-count-missing@--damos_action stat');
    expect(
      imp('damo start --ops paddr --ops paddr --nr_targets 1 1 --damos_action stat --nr_schemes 1 1').diags.find((d) => d.code === 'damo-count-mismatch')!
        .message,
    ).toMatch(/\(2 != 1\)/);
  });
});

describe('quota goals (--damos_quota_goal, --damos_nr_quota_goals)', () => {
  const goal = (words: string) =>
    scheme0(`damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_quota_goal ${words}`).quotas.goals[0];

  it('every metric form', () => {
    expect(goal('user_input 10000 2500')).toEqual({ metric: 'user_input', target_value: 10000, current_value: 2500 });
    expect(goal('some_mem_psi_us 1ms')).toEqual({ metric: 'some_mem_psi_us', target_value: 1000, current_value: 0 });
    expect(goal('node_mem_free_bp 0.5% 1')).toEqual({ metric: 'node_mem_free_bp', nid: 1, target_value: 50, current_value: 0 });
    expect(goal('node_memcg_used_bp 29.7% 0 /a')).toEqual({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/a', target_value: 2970, current_value: 0 });
    expect(goal('active_mem_bp 40%')).toEqual({ metric: 'active_mem_bp', target_value: 4000, current_value: 0 });
    expect(goal('node_eligible_mem_bp 5000')).toEqual({ metric: 'node_eligible_mem_bp', target_value: 5000, current_value: 0 });
  });

  it('wrong goal words are refused as damo does', () => {
    const base = 'damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_quota_goal ';
    expect(imp(`${base}user_input 10000`).diags.find((d) => d.code === 'damo-missing-argument')!.message).toMatch(/current value is not given/);
    expect(imp(`${base}node_mem_used_bp 50%`).diags.find((d) => d.code === 'damo-missing-argument')!.message).toMatch(/nid is not given/);
    expect(imp(`${base}node_eligible_mem_bp 50%`).codes).toContain('damo-invalid-value@50%');
    expect(imp(`${base}nodes_mem_used_bp 50% 0`).codes).toContain('damo-invalid-value@nodes_mem_used_bp');
    expect(imp(`${base}user_input`).codes).toContain('damo-missing-argument@--damos_quota_goal user_input');
    expect(imp(`${base}some_mem_psi_us 1ms 7`).codes).toContain('damo-extra-argument@7');
  });

  it('goals need a reset interval', () => {
    expect(imp('damo start --ops paddr --damos_action pageout --damos_quota_goal user_input 1 0').codes).toContain(
      'damo-goal-no-reset-interval@--damos_quota_goal user_input 1 0',
    );
    expect(imp('damo start --ops paddr --damos_action pageout --damos_quotas 10ms 1G --damos_quota_goal user_input 1 0').codes).toContain(
      'damo-goal-no-reset-interval@--damos_quotas 10ms 1G',
    );
  });

  it('with several schemes, --damos_nr_quota_goals is required and splits the goals', () => {
    const two =
      'damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_quota_goal user_input 1 0 --damos_action cold --damos_quota_interval 1s --damos_quota_goal user_input 2 0 --damos_quota_goal user_input 3 0';
    const r = imp(two);
    const d = r.diags.find((x) => x.code === 'damo-count-mismatch')!;
    expect(d.message).toMatch(/--damos_nr_quota_goals required/);
    expect(d.fixes![0].title).toBe('Set --damos_nr_quota_goals 1 2 (by position)');
    const ok = imp(`${two} --damos_nr_quota_goals 1 2`).config!.kdamonds[0].contexts[0].schemes;
    expect(ok.map((s) => s.quotas.goals.map((g) => g.target_value))).toEqual([[1], [2, 3]]);
  });

  it('goals of a scheme without a quota are silently dropped by damo: reported', () => {
    const r = imp(
      'damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_action cold --damos_quota_goal user_input 2 0 --damos_nr_quota_goals 0 1',
    );
    expect(r.codes).toContain('damo-ignored@--damos_quota_goal user_input 2 0');
    expect(r.config!.kdamonds[0].contexts[0].schemes[1].quotas.goals).toEqual([]);
  });

  it('--damos_quota_goal_tuner and --damos_quota_fail_charge_ratio', () => {
    const q = scheme0(
      'damo start --ops paddr --damos_action pageout --damos_quota_interval 1s --damos_quota_goal_tuner temporal --damos_quota_fail_charge_ratio 1 10',
    ).quotas;
    expect(q.goal_tuner).toBe('temporal');
    expect([q.fail_charge_num, q.fail_charge_denom]).toEqual([1, 10]);
  });
});

describe('filters (--damos_filter, --damos_nr_filters)', () => {
  const filters = (words: string) => scheme0(`damo start --ops paddr --damos_action pageout ${words}`).filters;

  it('v2 forms, several filters in one occurrence', () => {
    expect(
      filters(
        '--damos_filter reject none memcg /a allow young --damos_filter block addr 4G 8G --damos_filter deny target 1 --damos_filter allow hugepage_size 2M 2M',
      ),
    ).toEqual([
      { filter_type: 'memcg', matching: false, allow: false, memcg_path: '/a' },
      { filter_type: 'young', matching: true, allow: true },
      { filter_type: 'addr', matching: true, allow: false, address_range: { start: 4 * GiB, end: 8 * GiB } },
      { filter_type: 'target', matching: true, allow: false, damon_target_idx: 1 },
      { filter_type: 'hugepage_size', matching: true, allow: true, hugepage_size: [2 ** 21, 2 ** 21] },
    ]);
  });

  it('falls back to the v1 format for every occurrence', () => {
    const r = imp('damo start --ops paddr --damos_action pageout --damos_filter memcg nomatching /a allow --damos_filter anon matching');
    expect(r.config!.kdamonds[0].contexts[0].schemes[0].filters).toEqual([
      { filter_type: 'memcg', matching: false, allow: true, memcg_path: '/a' },
      { filter_type: 'anon', matching: true, allow: false },
    ]);
    expect(r.codes[0]).toMatch(/^damo-filter-v1@/);
  });

  it('a broken filter is reported at its words', () => {
    expect(imp('damo start --ops paddr --damos_action pageout --damos_filter reject memcg').diags[0].message).toMatch(/no memcg path|unsupported/);
    expect(imp('damo start --ops paddr --damos_action pageout --damos_filter allow youngest').codes).toContain('damo-invalid-value@youngest');
  });

  it('--damos_nr_filters counts occurrences; short lists crash damo, long ones are cut', () => {
    const base =
      'damo start --ops paddr --damos_action pageout --damos_filter allow young --damos_filter reject anon --damos_action cold --damos_filter allow active';
    expect(imp(`${base} --damos_nr_filters 2 1`).config!.kdamonds[0].contexts[0].schemes.map((s) => s.filters.length)).toEqual([2, 1]);
    expect(imp(`${base} --damos_nr_filters 3`).diags.find((d) => d.code === 'damo-count-mismatch')!.message).toMatch(/crashes \(IndexError\)/);
    expect(imp(`${base} --damos_nr_filters 2 1 0`).codes).toContain('damo-ignored@0');
    const order = imp(`${base} --damos_nr_filters 1 2`);
    expect(order.codes).toContain('damo-count-order@--damos_nr_filters 1 2');
    expect(order.config!.kdamonds[0].contexts[0].schemes.map((s) => s.filters.length)).toEqual([1, 2]);
  });
});

describe('values only known at run time', () => {
  it('shell variables are noted, not judged', () => {
    const r = imp(
      'damo start --ops paddr --numa_node "$NODE" --damos_action migrate_hot $DST --damos_quota_interval 1s --damos_quota_goal node_memcg_used_bp ${PCT}% 0 "$CG"',
      { validate: true },
    );
    expect(r.diags.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.diags.filter((d) => d.code === 'damo-dynamic-value').map((d) => d.at)).toEqual(['"$NODE"', '$DST', '${PCT}%', '"$CG"']);
  });
});

describe('never crashes', () => {
  it('odd inputs give diagnostics, not exceptions', () => {
    for (const t of [
      'damo start',
      'damo start --',
      'damo start -- --ops',
      'damo start --nr_ctxs 0',
      'damo start --nr_targets 0 --ops paddr',
      'damo start --damos_action',
      'damo start --regions',
      "damo start --damos_filter ''",
      'damo start --numa_node -1',
    ]) {
      expect(() => imp(t, { validate: true })).not.toThrow();
    }
    expect(imp('damo start').config).toEqual({
      kdamonds: [
        {
          contexts: [
            {
              ops: 'paddr',
              targets: [{ pid: null, regions: [{ start: 0, end: 60 * GiB }] }],
              intervals: INTERVALS_DEFAULT,
              nr_regions: { min: 10, max: 1000 },
              schemes: [],
            },
          ],
        },
      ],
    });
  });
});
