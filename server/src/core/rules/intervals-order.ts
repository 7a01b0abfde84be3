import type { Rule } from './types';
import { contexts } from './walk';

export const rule: Rule = {
  id: 'intervals-order',
  severity: 'error',
  title: 'Monitoring intervals out of order',
  explanation: `The sampling interval must not exceed the aggregation interval (the kernel refuses to start with EINVAL), and zero intervals have caused division-by-zero bugs (fixed only in 7.2/7.3). The ops update interval is normally longer than the aggregation interval. With \`intervals_goal\` on (aggrs ≠ 0) the kernel also requires min_sample_us ≤ sample_us ≤ max_sample_us.`,
  check(ctx) {
    for (const { context: c, path } of contexts(ctx)) {
      const ip = [...path, 'intervals'];
      if (c.sampleUs === 0)
        ctx.report({
          path: [...ip, 'sample_us'],
          message: 'a zero sampling interval is accepted by the kernel but has caused division-by-zero bugs; use e.g. 5 ms',
        });
      if (c.aggrUs === 0)
        ctx.report({
          path: [...ip, 'aggr_us'],
          message: 'a zero aggregation interval is accepted by the kernel but has caused division-by-zero bugs; use e.g. 100 ms',
        });
      if (c.sampleUs > c.aggrUs)
        ctx.report({
          path: [...ip, 'sample_us'],
          message: `the sampling interval (${c.sampleUs} µs) is longer than the aggregation interval (${c.aggrUs} µs): the kernel refuses to start with EINVAL`,
        });
      if (c.updateUs < c.aggrUs && c.updateUs > 0)
        ctx.report({
          path: [...ip, 'ops_update_us'],
          severity: 'warning',
          message: `the ops update interval (${c.updateUs} µs) is shorter than the aggregation interval (${c.aggrUs} µs)`,
        });
      const g = c.intervalsGoal;
      if (g && g.aggrs !== 0) {
        const gp = [...ip, 'intervals_goal'];
        if (g.minSampleUs > g.maxSampleUs)
          ctx.report({
            path: [...gp, 'min_sample_us'],
            message: 'intervals_goal min_sample_us is above max_sample_us: the kernel refuses to start with EINVAL',
          });
        else if (c.sampleUs < g.minSampleUs || c.sampleUs > g.maxSampleUs)
          ctx.report({
            path: [...ip, 'sample_us'],
            message: `with intervals_goal on, sample_us (${c.sampleUs} µs) must lie within [min_sample_us, max_sample_us] = [${g.minSampleUs}, ${g.maxSampleUs}] µs: the kernel refuses to start with EINVAL`,
          });
        if (g.accessBp === 0 || g.accessBp > 10000)
          ctx.report({
            path: [...gp, 'access_bp'],
            severity: 'warning',
            message: 'intervals_goal access_bp should be within (0, 10000] bp; 400 (4%) is recommended',
          });
      }
    }
  },
  examples: {
    pass: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], intervals: {sample_us: 5 ms, aggr_us: 100 ms, ops_update_us: 1 s, intervals_goal: {access_bp: 4%, aggrs: 3, min_sample_us: 5 ms, max_sample_us: 10 s}}}]}]\n',
    ],
    fail: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], intervals: {sample_us: 200 ms, aggr_us: 100 ms, ops_update_us: 1 s}}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], intervals: {sample_us: 1 ms, aggr_us: 100 ms, ops_update_us: 1 s, intervals_goal: {access_bp: 4%, aggrs: 3, min_sample_us: 5 ms, max_sample_us: 10 s}}}]}]\n',
    ],
    reports: [
      [{ at: '200 ms', message: 'the sampling interval (200000 µs) is longer than the aggregation interval (100000 µs)' }],
      [{ at: '1 ms', message: 'must lie within [min_sample_us, max_sample_us]' }],
    ],
  },
};
