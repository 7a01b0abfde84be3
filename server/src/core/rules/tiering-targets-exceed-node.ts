import type { Rule } from './types';
import { config, NODE1 } from './examples';
import { checkGroups, pctText, targetPath, targetRange, type CrossItemCheck } from './tiering-lib';

const promo = (cg: string, t: string) =>
  `{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: ${cg}, target_value: ${t}, current_value: 0}]}}`;

/** cgroups named in the message; the others are counted ("and N more") and listed in the related information */
const SHOWN = 3;

/** per node: the per-cgroup promotions on it (the highest target of each cgroup) */
const crossItem: CrossItemCheck = {
  grouping: 'node',
  checkGroup(ctx, { promotions }) {
    const m = new Map<string, (typeof promotions)[number]>();
    for (const p of promotions) {
      const prev = m.get(p.cgroup);
      if (!prev || prev.goal.targetValue < p.goal.targetValue) m.set(p.cgroup, p);
    }
    const nid = promotions[0].nid;
    const list = [...m.values()];
    const sum = list.reduce((s, p) => s + p.goal.targetValue, 0);
    if (sum <= 10000) return;
    const [first, ...rest] = list;
    // verdict first; a few cgroups by name, the rest counted (each one is in the related information)
    const named = list
      .slice(0, SHOWN)
      .map((p) => `${p.cgroup} (${pctText(p.goal.targetValue)})`)
      .join(' + ');
    const more = list.length > SHOWN ? ` and ${list.length - SHOWN} more` : '';
    ctx.report({
      path: targetPath(ctx, first),
      message: `the used targets on node ${nid} add up to ${pctText(sum)}, more than the whole node, so they cannot all be met: ${list.length} cgroups, ${named}${more}`,
      related: rest.map((p) => ({
        range: targetRange(ctx, p),
        message: `${p.cgroup}: ${pctText(p.goal.targetValue)} of node ${nid}`,
        path: targetPath(ctx, p),
      })),
    });
  },
};

export const rule: Rule = {
  id: 'tiering-targets-exceed-node',
  severity: 'error',
  title: "cgroups' used targets on one node add up past 100 %",
  explanation: `Each node_memcg_used_bp promotion goal asks for a share of one node. If the shares of all cgroups on a node add up to more than 10000 bp (100 %), they cannot all be met: the schemes fight over the node, and the cgroup whose pages happen to be hotter wins.`,
  crossItem,
  check: checkGroups(crossItem),
  examples: {
    pass: [config({ targets: NODE1, schemes: [promo('/a', '29.7%'), promo('/b', '69.7%')] })],
    fail: [
      config({ targets: NODE1, schemes: [promo('/a', '49.7%'), promo('/b', '69.7%')] }),
      // many cgroups: the message names three and counts the rest
      config({ targets: NODE1, schemes: Array.from({ length: 8 }, (_, i) => promo(`/cg${i}`, '20%')) }),
    ],
    reports: [
      [{ at: '49.7%', message: 'the used targets on node 0 add up to 119.4%, more than the whole' }],
      [{ at: '20%', message: 'the used targets on node 0 add up to 160%, more than the whole node,' }],
    ],
  },
};
