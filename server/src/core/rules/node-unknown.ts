import type { Rule } from './types';
import { config, QUOTAS, SEED_PROFILE } from './examples';
import { goals, schemes } from './walk';
import { NODE_METRICS } from './metrics';

export const rule: Rule = {
  id: 'node-unknown',
  severity: 'error',
  title: 'A NUMA node that is not in the machine profile',
  explanation: `Goal \`nid\`, \`target_nid\` and \`dests\` ids name NUMA nodes. The kernel accepts any number: a goal on a node that does not exist (or has no memory) reads a fallback value (0 for *_used_bp, 10000 for *_free_bp) that drives the quota to an extreme, and migration to a missing node does nothing.
Checked only when a machine profile is given (\`--profile\`, or the probed host).`,
  check(ctx) {
    const profile = ctx.profile;
    if (!profile || profile.nodes.length === 0) return;
    const known = new Set(profile.nodes.filter((n) => n.sizeBytes > 0).map((n) => n.nid));
    const list = [...known].sort((a, b) => a - b).join(', ');
    for (const { goal, path } of goals(ctx)) {
      if (NODE_METRICS.has(goal.metric) && goal.nid !== null && !known.has(goal.nid)) {
        ctx.report({
          path: [...path, 'nid'],
          message: `node ${goal.nid} is not a memory node of ${profile.name ?? 'the profiled machine'} (nodes: ${list}); the kernel then uses a fallback value that pushes the quota to an extreme`,
        });
      }
    }
    for (const ref of schemes(ctx)) {
      const s = ref.scheme;
      if ((s.action === 'migrate_hot' || s.action === 'migrate_cold') && s.targetNid >= 0 && !known.has(s.targetNid)) {
        ctx.report({
          path: [...ref.path, 'target_nid'],
          message: `target node ${s.targetNid} is not a memory node of ${profile.name ?? 'the profiled machine'} (nodes: ${list}): nothing would migrate`,
        });
      }
      s.dests.forEach((d, i) => {
        if (!known.has(d.id))
          ctx.report({
            path: [...ref.path, 'dests', i, 'id'],
            message: `destination node ${d.id} is not a memory node of the profiled machine (nodes: ${list})`,
          });
      });
    }
  },
  examples: {
    profile: SEED_PROFILE,
    pass: [
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 50%, current_value: 0}]}}`],
      }),
    ],
    fail: [
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, nid: 7, target_value: 50%, current_value: 0}]}}`],
      }),
      config({ schemes: ['{action: migrate_hot, target_nid: 9}'] }),
    ],
    reports: [[{ at: '7', message: 'node 7 is not a memory node of seed-vm' }], [{ at: '9', message: 'target node 9 is not a memory node of seed-vm' }]],
  },
};
