import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { goals } from './walk';
import { MEMCG_METRICS, NODE_METRICS } from './metrics';

export const rule: Rule = {
  id: 'goal-field-ignored',
  severity: 'warning',
  title: 'A goal field the metric does not use',
  explanation: `Each quota goal metric reads only some fields: \`nid\` is read by node metrics, \`memcg_path\` by node_memcg_* metrics, and \`current_value\` only by user_input (the kernel measures every other metric itself).
A field the metric ignores usually means the metric is not the one intended (e.g. node_mem_used_bp with a memcg_path: the whole node is measured, not the cgroup).`,
  check(ctx) {
    for (const { goal, path } of goals(ctx)) {
      if (goal.nid !== null && !NODE_METRICS.has(goal.metric)) {
        ctx.report({ path: [...path, 'nid'], onKey: true, message: `${goal.metric} is not measured per node: \`nid\` is ignored` });
      }
      if (goal.path && !MEMCG_METRICS.has(goal.metric)) {
        const hint = goal.metric.startsWith('node_mem_') ? ` (did you mean ${goal.metric.replace('node_mem_', 'node_memcg_')}?)` : '';
        ctx.report({ path: [...path, 'memcg_path'], onKey: true, message: `${goal.metric} is not measured per cgroup: \`memcg_path\` is ignored${hint}` });
      }
      if (goal.metric !== 'user_input' && goal.currentValue !== 0) {
        ctx.report({
          path: [...path, 'current_value'],
          message: `the kernel measures ${goal.metric} itself: \`current_value\` is only read for user_input goals`,
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /a, target_value: 9.7%, current_value: 0}]}}`,
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, nid: 0, memcg_path: /a, target_value: 9.7%, current_value: 0}]}}`,
        ],
      }),
      config({ schemes: [`{action: pageout, ${QUOTAS}, goals: [{metric: some_mem_psi_us, nid: 1, target_value: 1 ms, current_value: 0}]}}`] }),
    ],
    reports: [
      [{ at: 'memcg_path', message: 'node_mem_used_bp is not measured per cgroup' }],
      [{ at: 'nid', message: 'some_mem_psi_us is not measured per node' }],
    ],
  },
};
