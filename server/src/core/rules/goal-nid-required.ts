import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { goals, NODE_METRICS } from './lib';

export const rule: Rule = {
  id: 'goal-nid-required',
  severity: 'error',
  title: 'A node metric goal needs the node it measures (`nid`)',
  explanation: `node_mem_used_bp, node_mem_free_bp, node_memcg_used_bp, node_memcg_free_bp and node_eligible_mem_bp measure one NUMA node, given by \`nid\`.
Without it damo 3.3 crashes with a TypeError while writing the goal, and the kernel's default \`nid\` is 0, so a hand-written sysfs tree silently measures node 0.
Add \`nid\` with the node the goal is about (for promotion: the fast node the hot pages go to; for demotion: the node being freed).`,
  check(ctx) {
    for (const { goal, path } of goals(ctx)) {
      if (NODE_METRICS.has(goal.metric) && goal.nid === null) {
        ctx.report({ path: [...path, 'metric'], message: `quota goal metric ${goal.metric} needs \`nid\` (the NUMA node it measures); damo crashes without it and the kernel would measure node 0` });
      }
    }
  },
  examples: {
    pass: [config({ schemes: [`{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_mem_free_bp, nid: 0, target_value: 0.5%, current_value: 0}]}}`] })],
    fail: [config({ schemes: [`{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_mem_free_bp, target_value: 0.5%, current_value: 0}]}}`] })],
  },
};
