import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { goals, MEMCG_METRICS } from './lib';

export const rule: Rule = {
  id: 'goal-memcg-path-required',
  severity: 'error',
  title: 'A per-cgroup goal needs `memcg_path`',
  explanation: `node_memcg_used_bp and node_memcg_free_bp measure one cgroup's memory on one node. damo writes \`memcg_path\` to the goal's sysfs \`path\` file.
Without it the kernel cannot find the cgroup and refuses to start the kdamond with ENOMEM ("Cannot allocate memory"), which does not say why.
The seed RFC's first command line forgets the path of both demotion goals.`,
  check(ctx) {
    for (const { goal, path } of goals(ctx)) {
      if (MEMCG_METRICS.has(goal.metric) && (goal.path === null || goal.path === '')) {
        ctx.report({ path: [...path, 'metric'], message: `quota goal metric ${goal.metric} needs \`memcg_path\` (the cgroup it measures); without it the kernel refuses to start with a misleading ENOMEM` });
      }
    }
  },
  examples: {
    pass: [config({ schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workload_a, target_value: 9.7%, current_value: 0}]}}`] })],
    fail: [config({ schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, target_value: 9.7%, current_value: 0}]}}`] })],
  },
};
