import type { Rule } from './types';
import { config, NODE1 } from './examples';
import { checkGroups, targetPath, who, type CrossItemCheck } from './tiering-lib';

/** per `nid|cgroup` key: its promotions when it has no demotion, its demotions when it has no promotion */
const crossItem: CrossItemCheck = {
  grouping: 'key',
  checkGroup(ctx, { promotions, demotions }) {
    if (demotions.length === 0)
      for (const p of promotions)
        ctx.report({
          path: targetPath(ctx, p),
          message: `promotion of ${who(p)} has no demotion (migrate_cold with a ${p.cgroup === '*' ? 'node_mem_free_bp' : 'node_memcg_free_bp'} goal for node ${p.nid}${p.cgroup === '*' ? '' : ` and ${p.cgroup}`}): nothing makes room on node ${p.nid}`,
        });
    if (promotions.length === 0)
      for (const d of demotions)
        ctx.report({
          path: targetPath(ctx, d),
          message: `demotion of ${who(d)} has no promotion (migrate_hot with a ${d.cgroup === '*' ? 'node_mem_used_bp' : 'node_memcg_used_bp'} goal for node ${d.nid}${d.cgroup === '*' ? '' : ` and ${d.cgroup}`}): hot pages moved off node ${d.nid} never come back`,
        });
  },
};

export const rule: Rule = {
  id: 'tiering-unpaired',
  severity: 'information',
  title: 'Promotion or demotion without its counterpart',
  explanation: `A \`migrate_hot\` scheme aiming at a node usage goal usually has a \`migrate_cold\` partner aiming at the matching free goal for the same node and cgroup (and vice versa), so the node converges from both sides. A lone half is legitimate (e.g. promotion only, with reclaim doing demotion), so this is information, not a warning.`,
  crossItem,
  check: checkGroups(crossItem),
  examples: {
    pass: [config({ targets: NODE1, schemes: ['{action: migrate_hot, target_nid: 0}'] })],
    fail: [
      config({
        targets: NODE1,
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 99.7%, current_value: 0}]}}',
        ],
      }),
    ],
    reports: [[{ at: '99.7%', message: 'promotion of node 0 has no demotion' }]],
  },
};
