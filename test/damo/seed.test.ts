/**
 * The seed RFC's two damo command lines, imported "to the last field". The expected configs are
 * written by hand from damo 3.3's rules (damo-config-format.md sections 2, 6, 7, 10):
 * --damos_quota_interval makes a quota with weights 1 1 1, 200MB is 209715200 bytes (binary), 9.7%
 * is 970 bp (damo itself computes 969), --monitoring_intervals_goal 4% 3 5ms 10s is 400/3/5000/10000000.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDamoText } from '../../server/src/core/damo/index';
import { GiB, imp, SEED_PROFILE } from './helpers';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const NONE_WMARKS = { metric: 'none', interval_us: 0, high_permil: 0, mid_permil: 0, low_permil: 0 };
const ANY_SIZE = { min: 0, max: 'max' };
const ANY_AGE = { min: 0, max: 'max' };

const EXPERIMENT = {
  kdamonds: [
    {
      contexts: [
        {
          ops: 'paddr',
          targets: [{ pid: null, regions: [{ start: 30 * GiB, end: 60 * GiB }] }],
          intervals: { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 },
          nr_regions: { min: 10, max: 1000 },
          schemes: [
            {
              action: 'migrate_hot',
              target_nid: 0,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 5, max: 'max' }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: {
                time_ms: 0,
                sz_bytes: 0,
                reset_interval_ms: 1000,
                weights: { sz_permil: 1, nr_accesses_permil: 1, age_permil: 1 },
                goals: [{ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/workload_a', target_value: 970, current_value: 0 }],
              },
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workload_a' },
                { filter_type: 'young', matching: true, allow: true },
              ],
            },
            {
              action: 'migrate_hot',
              target_nid: 0,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 5, max: 'max' }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: {
                time_ms: 0,
                sz_bytes: 0,
                reset_interval_ms: 1000,
                weights: { sz_permil: 1, nr_accesses_permil: 1, age_permil: 1 },
                goals: [{ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/workload_b', target_value: 1970, current_value: 0 }],
              },
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workload_b' },
                { filter_type: 'young', matching: true, allow: true },
              ],
            },
          ],
        },
      ],
    },
    {
      contexts: [
        {
          ops: 'paddr',
          targets: [{ pid: null, regions: [{ start: 0, end: 30 * GiB }] }],
          intervals: { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 },
          nr_regions: { min: 10, max: 1000 },
          schemes: [
            {
              action: 'migrate_cold',
              target_nid: 1,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 0, max: 0 }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: {
                time_ms: 0,
                sz_bytes: 0,
                reset_interval_ms: 1000,
                weights: { sz_permil: 1, nr_accesses_permil: 1, age_permil: 1 },
                goals: [{ metric: 'node_memcg_free_bp', nid: 0, memcg_path: '/workload_a', target_value: 9050, current_value: 0 }],
              },
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workload_a' },
                { filter_type: 'young', matching: true, allow: false },
              ],
            },
            {
              action: 'migrate_cold',
              target_nid: 1,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 0, max: 0 }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: {
                time_ms: 0,
                sz_bytes: 0,
                reset_interval_ms: 1000,
                weights: { sz_permil: 1, nr_accesses_permil: 1, age_permil: 1 },
                goals: [{ metric: 'node_memcg_free_bp', nid: 0, memcg_path: '/workload_b', target_value: 8050, current_value: 0 }],
              },
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workload_b' },
                { filter_type: 'young', matching: true, allow: false },
              ],
            },
          ],
        },
      ],
    },
  ],
};

const GOAL_INTERVALS = {
  sample_us: 5000,
  aggr_us: 100000,
  ops_update_us: 1000000,
  intervals_goal: { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 10000000 },
};
const QUOTA_200MB = (goal: object) => ({
  time_ms: 0,
  sz_bytes: 209715200,
  reset_interval_ms: 1000,
  weights: { sz_permil: 1, nr_accesses_permil: 1, age_permil: 1 },
  goals: [goal],
});

const EXAMPLE = {
  kdamonds: [
    {
      contexts: [
        {
          ops: 'paddr',
          targets: [{ pid: null, regions: [{ start: 30 * GiB, end: 60 * GiB }] }],
          intervals: GOAL_INTERVALS,
          nr_regions: { min: 10, max: 1000 },
          schemes: [
            {
              action: 'migrate_hot',
              target_nid: 0,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 5, max: 'max' }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: QUOTA_200MB({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: '/workloads/a', target_value: 2970, current_value: 0 }),
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workloads/a' },
                { filter_type: 'young', matching: true, allow: true },
              ],
            },
            {
              action: 'migrate_hot',
              target_nid: 0,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 5, max: 'max' }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: QUOTA_200MB({ metric: 'node_memcg_used_bp', nid: 0, memcg_path: 'workloads/b', target_value: 6970, current_value: 0 }),
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workloads/b' },
                { filter_type: 'young', matching: true, allow: true },
              ],
            },
          ],
        },
      ],
    },
    {
      contexts: [
        {
          ops: 'paddr',
          targets: [{ pid: null, regions: [{ start: 0, end: 30 * GiB }] }],
          intervals: GOAL_INTERVALS,
          nr_regions: { min: 10, max: 1000 },
          schemes: [
            {
              action: 'migrate_cold',
              target_nid: 1,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 0, max: 0 }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: QUOTA_200MB({ metric: 'node_memcg_free_bp', nid: 0, target_value: 7050, current_value: 0 }),
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workloads/a' },
                { filter_type: 'young', matching: true, allow: false },
              ],
            },
            {
              action: 'migrate_cold',
              target_nid: 1,
              access_pattern: { sz_bytes: ANY_SIZE, nr_accesses: { min: 0, max: 0 }, age: ANY_AGE },
              apply_interval_us: 1000000,
              quotas: QUOTA_200MB({ metric: 'node_memcg_free_bp', nid: 0, target_value: 3050, current_value: 0 }),
              watermarks: NONE_WMARKS,
              filters: [
                { filter_type: 'memcg', matching: true, allow: true, memcg_path: '/workloads/a' },
                { filter_type: 'young', matching: true, allow: false },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe('the seed RFC experiment script (second command line)', () => {
  const text = fixture('seed-experiment.sh');

  it('imports to the last field', () => {
    const { config, diags } = imp(text);
    expect(config).toEqual(EXPERIMENT);
    expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('says where damo itself would write 969 and 1969 instead of 970 and 1970', () => {
    const { diags } = imp(text);
    const trunc = diags.filter((d) => d.code === 'damo-float-truncation');
    expect(trunc.map((d) => d.at)).toEqual(['9.7%', '19.7%']);
    expect(trunc[0].message).toContain('969');
  });

  it('without a profile, the node ranges are marked placeholders and the import says so at --numa_node', () => {
    const r = importDamoText(text, { validate: false });
    const cfg = r.commands[0].config!;
    const region = cfg.kdamonds[0].contexts[0].targets[0].regions[0];
    expect(String(region.start)).toMatch(/^UNKNOWN: start of NUMA node 1/);
    expect(r.commands[0].yaml).toMatch(/# placeholder: damo reads this on the live host/);
    const ds = r.diagnostics.filter((d) => d.code === 'damo-numa-node-needs-profile');
    expect(ds.map((d) => text.slice(d.range.start, d.range.end))).toEqual(['--numa_node 1', '--numa_node 0']);
    // and the validator, reading the YAML alone, rejects the placeholder
    expect(r.commands[0].yaml).toContain('UNKNOWN: start of NUMA node 1');
  });

  it('maps the validator findings back to the options that made the config nodes', () => {
    const r = importDamoText(text, { profile: SEED_PROFILE });
    const found = r.diagnostics.map((d) => `${d.code}@${text.slice(d.range.start, d.range.end).split('\n')[0]}`);
    // the seed's filters admit young pages of every cgroup (measured on the test host: /workload_b's pages moved too)
    expect(found).toContain('filter-admits-outside-goal-cgroup@--damos_filter allow memcg /workload_a \\');
    // consist tuner, no size quota: mapped to the option that made the quota
    expect(found).toContain('quota-goal-consist-overshoot@--damos_quota_interval 1s');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('the seed RFC example (first command line, with its mistakes)', () => {
  const text = fixture('seed-example.txt');

  it('imports to the last field (filters assigned by position, as the author meant)', () => {
    const { config } = imp(text);
    expect(config).toEqual(EXAMPLE);
  });

  it('carries the backtick comments over to the YAML', () => {
    const { cmd } = imp(text);
    expect(cmd.comments.map((c) => [c.path.join('.'), c.text])).toEqual([
      ['kdamonds.0', 'kdamond for node 1 (slow)'],
      ['kdamonds.0.contexts.0.schemes.0', 'promotion scheme for cgroup a'],
      ['kdamonds.0.contexts.0.schemes.1', 'promotion scheme for cgroup b'],
      ['kdamonds.1', 'kdamond for node 0 (fast)'],
      ['kdamonds.1.contexts.0.schemes.0', 'demotion scheme for cgroup a'],
      ['kdamonds.1.contexts.0.schemes.1', 'demotion scheme for cgroup b'],
    ]);
    expect(cmd.yaml).toMatch(/kdamonds:\n {2}# kdamond for node 1 \(slow\)\n {2}- contexts:/);
    expect(cmd.yaml).toMatch(/# demotion scheme for cgroup b\n\s+- action: migrate_cold/);
  });

  it('finds every mistake at its place in the command text', () => {
    const r = importDamoText(text, { profile: SEED_PROFILE });
    const d = r.diagnostics.map((x) => ({
      code: x.code,
      severity: x.severity,
      at: text.slice(x.range.start, x.range.end),
      start: x.range.start,
      fixes: x.fixes,
    }));
    // 1. --damos_nr_filters counts --damos_filter options: 8, not 4; the fix gives the counts by position
    const nf = d.find((x) => x.code === 'damo-count-mismatch')!;
    expect(nf.at).toBe('--damos_nr_filters 1 1 1 1');
    expect(nf.severity).toBe('error');
    const edit = nf.fixes![0].edits[0];
    expect(text.slice(0, edit.range.start) + edit.newText + text.slice(edit.range.end)).toContain('--damos_nr_filters 2 2 2 2 \\');
    // 2, 3. the demotion goals have no memcg path: damo refuses ("nid and memcg_path required")
    const missing = d.filter((x) => x.code === 'damo-missing-argument');
    expect(missing.map((x) => x.at)).toEqual(['0', '0']);
    expect(missing.every((x) => x.severity === 'error')).toBe(true);
    // ... and the validator does not say it a second time
    expect(d.filter((x) => x.code === 'goal-memcg-path-required')).toEqual([]);
    // 4. the relative cgroup path
    expect(d.find((x) => x.code === 'memcg-path-form')).toMatchObject({ severity: 'error', at: 'workloads/b' });
    // 5. "demotion scheme for cgroup b" filters on /workloads/a
    const dup = d.find((x) => x.code === 'scheme-duplicate')!;
    expect(dup.at).toContain('--damos_filter allow memcg /workloads/a');
    expect(dup.start).toBeGreaterThan(text.indexOf('demotion scheme for cgroup b'));
  });
});
