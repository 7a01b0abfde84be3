import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';
import { ULONG_MAX } from '../model/kernel';

export const rule: Rule = {
  id: 'goal-needs-reset-interval',
  severity: 'error',
  title: 'Quota goals need a quota reset interval',
  explanation: `Goals are evaluated, and the effective quota re-tuned, once per quota charge window (\`quotas.reset_interval_ms\`). Without a reset interval damo's file default is "max": the window never ends, so the goal never takes effect.
damo refuses the same mistake on the command line ("'reset_interval_ms' not specified when setting quota goals"); in a config file it is accepted silently.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const q = ref.scheme.quota;
      if (q.goals.length === 0 || q.resetIntervalMs < ULONG_MAX) continue;
      const has = ctx.node([...ref.path, 'quotas', 'reset_interval_ms']) !== undefined;
      ctx.report({
        path: has ? [...ref.path, 'quotas', 'reset_interval_ms'] : [...ref.path, 'quotas', 'goals'],
        onKey: !has,
        message: `this scheme has quota goals but ${has ? 'a reset interval of "max"' : 'no quotas.reset_interval_ms'}: the goals are never evaluated; set e.g. reset_interval_ms: 1 s`,
      });
    }
  },
  examples: {
    pass: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], schemes: [{action: pageout, quotas: {time_ms: 0, sz_bytes: 0, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: some_mem_psi_us, target_value: 1 ms, current_value: 0}]}}]}]}]\n',
    ],
    fail: [
      config({
        schemes: [
          '{action: pageout, quotas: {time_ms: 0, sz_bytes: 0, reset_interval_ms: max, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: some_mem_psi_us, target_value: 1 ms, current_value: 0}]}}',
        ],
      }),
    ],
    reports: [[{ at: 'max', message: 'this scheme has quota goals but a reset interval of "max"' }]],
  },
};
