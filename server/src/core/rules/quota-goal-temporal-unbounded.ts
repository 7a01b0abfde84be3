import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'quota-goal-temporal-unbounded',
  severity: 'warning',
  title: 'temporal tuner without a size quota migrates without limit',
  explanation: `The \`temporal\` tuner (7.1+) is on/off: while the goal is not met the effective quota is the size quota, or **unlimited** when there is none (bounded only by a time quota), and 0 once it is met. Without \`sz_bytes\` each reset interval can act on every matching region at once: large bursts of migration or reclaim. Set a size quota (the real 7.2 kernel landed within 2.3 % of target with 8 MiB per 200 ms).`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const q = ref.scheme.quota;
      if (q.goals.length === 0 || q.goalTuner !== 'temporal' || q.bytes > 0) continue;
      const qp = [...ref.path, 'quotas'];
      const sz = ctx.node([...qp, 'sz_bytes']);
      ctx.report({
        path: sz ? [...qp, 'sz_bytes'] : [...qp, 'goal_tuner'],
        message: `the temporal tuner with no size quota acts without limit until the goal is met${q.ms > 0 ? ` (only the ${q.ms} ms time quota bounds it)` : ''}; set sz_bytes (e.g. 200 MiB)`,
        fixes:
          sz && sz.kind === 'scalar'
            ? [{ title: 'Set a 200 MiB size quota', edits: [{ range: sz.range, newText: ctx.format === 'json' ? '"200 MiB"' : '200 MiB' }], preferred: true }]
            : [],
      });
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 8 MiB, reset_interval_ms: 200 ms, goal_tuner: temporal, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 50%, current_value: 0}]}}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 0, reset_interval_ms: 200 ms, goal_tuner: temporal, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 50%, current_value: 0}]}}',
        ],
      }),
    ],
    reports: [[{ at: '0', nth: 2, message: 'the temporal tuner with no size quota acts without limit until the goal is met' }]],
  },
};
