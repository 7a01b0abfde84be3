import type { Rule } from './types';
import { config, NODE0, NODE1 } from './examples';
import { bpBytes, checkGroups, pctText, targetNode, targetPath, targetRange, who, type CrossItemCheck } from './tiering-lib';

export const CHURN_BAND_BP = 500;

const Q = 'quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goal_tuner: temporal';
const promo = (t: string) => `{action: migrate_hot, target_nid: 0, ${Q}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: ${t}, current_value: 0}]}}`;
const demo = (t: string) => `{action: migrate_cold, target_nid: 1, ${Q}, goals: [{metric: node_mem_free_bp, nid: 0, target_value: ${t}, current_value: 0}]}}`;

/** per `nid|cgroup` key: every promotion against every demotion */
const crossItem: CrossItemCheck = {
  grouping: 'key',
  checkGroup(ctx, { promotions, demotions }) {
    for (const p of promotions) {
      for (const d of demotions) {
        const band = p.goal.targetValue - (10000 - d.goal.targetValue);
        if (band <= CHURN_BAND_BP) continue;
        const want = 10000 - p.goal.targetValue + 20;
        const dNode = targetNode(ctx, d);
        ctx.report({
          path: targetPath(ctx, p),
          message: `promotion and demotion of ${who(p)} overlap by ${pctText(band)}${bpBytes(ctx, p.nid, band)} of the node (promote up to ${pctText(p.goal.targetValue)} used, demote down to ${pctText(10000 - d.goal.targetValue)}): pages in that band keep migrating back and forth`,
          related: [{ range: targetRange(ctx, d), message: `demotion goal of ${who(d)}: free ≥ ${pctText(d.goal.targetValue)}`, path: targetPath(ctx, d) }],
          fixes:
            dNode && dNode.kind === 'scalar'
              ? [
                  {
                    title: `Set the demotion target to free ${pctText(want)} (overlap band 0.2%)`,
                    edits: [{ range: dNode.range, newText: JSON.stringify(pctText(want)) }],
                    preferred: true,
                  },
                ]
              : [],
        });
      }
    }
  },
};

export const rule: Rule = {
  id: 'tiering-churn-band',
  severity: 'warning',
  title: 'Promotion/demotion overlap so wide it causes churn',
  explanation: `The overlap band of a tiering pair (promotion used target Tp minus the demotion stop point 10000 − Td) is where both schemes are active at once: pages are promoted and demoted continuously.
A band of a few tens of basis points keeps a minimum exchange (the seed uses 20 bp). A band over ${CHURN_BAND_BP} bp (${CHURN_BAND_BP / 100} % of the node) means large amounts of memory migrating back and forth every quota window, wasting memory bandwidth and CPU for nothing.`,
  crossItem,
  check: checkGroups(crossItem),
  examples: {
    pass: [config({ targets: NODE1, schemes: [promo('99.7%')] }, { targets: NODE0, schemes: [demo('0.5%')] })],
    fail: [config({ targets: NODE1, schemes: [promo('90%')] }, { targets: NODE0, schemes: [demo('30%')] })],
    reports: [[{ at: '90%', message: 'promotion and demotion of node 0 overlap by 20% of the node' }]],
  },
};
