import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { addKeyEdits } from './edits';
import { goals } from './walk';
import { monitoredNode } from './machine';
import { NODE_METRICS } from './metrics';

export const rule: Rule = {
  id: 'goal-nid-required',
  severity: 'error',
  title: 'A node metric goal needs the node it measures (`nid`)',
  explanation: `node_mem_used_bp, node_mem_free_bp, node_memcg_used_bp, node_memcg_free_bp and node_eligible_mem_bp measure one NUMA node, given by \`nid\`.
Without it damo (3.3 and 3.4.1) crashes with a TypeError while writing the goal (\`%d format: a real number is required, not NoneType\`, after it has written the files before it), and the kernel's default \`nid\` is 0, so a hand-written sysfs tree silently measures node 0.
Add \`nid\` with the node the goal is about (for promotion: the fast node the hot pages go to; for demotion: the node being freed).`,
  check(ctx) {
    for (const { goal, path, ref } of goals(ctx)) {
      if (NODE_METRICS.has(goal.metric) && goal.nid === null) {
        // promotion goals measure the node pages go to; demotion goals the node being freed
        const s = ref.scheme;
        const nid =
          s.action === 'migrate_hot' && s.targetNid >= 0 ? s.targetNid : s.action === 'migrate_cold' ? monitoredNode(ref.context, ctx.profile) : undefined;
        const fixes =
          nid !== undefined && ctx.node([...path, 'nid']) === undefined
            ? [
                {
                  title: `Add nid: ${nid} (${s.action === 'migrate_hot' ? 'the promotion target node' : 'the node this context monitors'})`,
                  edits: addKeyEdits(ctx, path, 'nid', String(nid)),
                  preferred: true,
                },
              ]
            : [];
        ctx.report({
          path: [...path, 'metric'],
          fixes: fixes.filter((f) => f.edits.length),
          message: `quota goal metric ${goal.metric} needs \`nid\` (the NUMA node it measures); damo 3.4.1 crashes without it (TypeError while writing the goal's nid) and a hand-written goal keeps the kernel's default nid 0`,
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [`{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_mem_free_bp, nid: 0, target_value: 0.5%, current_value: 0}]}}`],
      }),
    ],
    fail: [
      config({ schemes: [`{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_mem_free_bp, target_value: 0.5%, current_value: 0}]}}`] }),
      config({ schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, target_value: 99.7%, current_value: 0}]}}`] }),
    ],
    reports: [
      [{ at: 'node_mem_free_bp', message: 'quota goal metric node_mem_free_bp needs `nid`' }],
      [{ at: 'node_mem_used_bp', message: 'quota goal metric node_mem_used_bp needs `nid`' }],
    ],
  },
};
