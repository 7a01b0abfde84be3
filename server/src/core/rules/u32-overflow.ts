import type { ConfigPath } from '../diagnostic';
import { UINT_MAX } from '../model/kernel';
import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'u32-overflow',
  severity: 'error',
  title: "A value too large for the kernel's 32-bit field",
  explanation: `Some DAMON values are stored in 32-bit fields although their sysfs files take 64-bit numbers: access-pattern nr_accesses and age bounds are truncated silently (2^32 becomes 0), and quota weights, goal tuner inputs, fail-charge ratio, refresh_ms and dests ids/weights are unsigned int. Write "max" for "no upper bound" (this tool writes 4294967295), or a smaller number.
An \`nr_accesses\` max whose truncated value is still at least the samples one aggregation can count (aggr_us / sample_us) keeps meaning "no upper bound" and is not reported: damo 3.4.1 prints "max" as "18,446,744,073,709,551,615 %" and writes 3689348814741910528, which the kernel truncates to 858993664.`,
  check(ctx) {
    // maxOk: a truncated value at or above this still means "no upper bound" (nr_accesses max:
    // an aggregation cannot count more samples than aggr_us / sample_us)
    const big = (v: number, path: ConfigPath, what: string, maxOk?: number) => {
      if (v <= UINT_MAX) return;
      if (maxOk !== undefined && v % 2 ** 32 >= maxOk) return;
      const node = ctx.node(path);
      if (!node || node.kind !== 'scalar') return;
      const parsed = ctx.lowered.values.get(node);
      if (parsed?.special === 'max') return;
      if (v > UINT_MAX)
        ctx.report({ path, message: `${what} ${v} does not fit the kernel's 32-bit field (max ${UINT_MAX}): it would be truncated to ${v % 2 ** 32}` });
    };
    ctx.kconfig.kdamonds.forEach((kd, k) => big(kd.refreshMs, ['kdamonds', k, 'refresh_ms'], 'refresh_ms'));
    for (const ref of schemes(ctx)) {
      const ap = ref.scheme.accessPattern;
      const b = [...ref.path, 'access_pattern'];
      big(ap.nrAccesses.min, [...b, 'nr_accesses', 'min'], 'nr_accesses min (samples)');
      const c = ref.context;
      const samples = c.sampleUs > 0 ? Math.floor(c.aggrUs / c.sampleUs) : undefined;
      const tuned = c.intervalsGoal && c.intervalsGoal.aggrs !== 0 && c.intervalsGoal.minSampleUs > 0 ? Math.floor(c.aggrUs / c.intervalsGoal.minSampleUs) : 0;
      big(ap.nrAccesses.max, [...b, 'nr_accesses', 'max'], 'nr_accesses max (samples)', samples === undefined ? undefined : Math.max(samples, tuned));
      big(ap.age.min, [...b, 'age', 'min'], 'age min (aggregation intervals)');
      big(ap.age.max, [...b, 'age', 'max'], 'age max (aggregation intervals)');
      const q = ref.scheme.quota;
      const qp = [...ref.path, 'quotas'];
      big(q.weights.szPermil, [...qp, 'weights', 'sz_permil'], 'sz_permil');
      big(q.weights.nrAccessesPermil, [...qp, 'weights', 'nr_accesses_permil'], 'nr_accesses_permil');
      big(q.weights.agePermil, [...qp, 'weights', 'age_permil'], 'age_permil');
      big(q.failChargeNum, [...qp, 'fail_charge_num'], 'fail_charge_num');
      big(q.failChargeDenom, [...qp, 'fail_charge_denom'], 'fail_charge_denom');
      ref.scheme.dests.forEach((d, i) => {
        big(d.id, [...ref.path, 'dests', i, 'id'], 'dests id');
        big(d.weight, [...ref.path, 'dests', i, 'weight'], 'dests weight');
      });
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: pageout, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 0 samples, max: max samples}, age: {min: 0 aggr_intervals, max: max aggr_intervals}}}',
        ],
      }),
      // damo 3.4.1's own printout of "max"
      config({
        schemes: [
          '{action: pageout, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 0 %, max: "18,446,744,073,709,551,615 %"}, age: {min: 0, max: max}}}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: pageout, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 0 samples, max: 4294967296 samples}, age: {min: 0, max: max}}}',
        ],
      }),
    ],
    reports: [[{ at: '4294967296 samples', message: "nr_accesses max (samples) 4294967296 does not fit the kernel's 32-bit field (max" }]],
  },
};
