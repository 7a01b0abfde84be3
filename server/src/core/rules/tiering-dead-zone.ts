import type { Rule } from './types';
import { config, NODE0, NODE1 } from './examples';
import { bpBytes, checkGroups, pctText, targetNode, targetPath, targetRange, who, type CrossItemCheck } from './tiering-lib';

const Q = 'quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goal_tuner: temporal';
const promo = (t: string) =>
  `{action: migrate_hot, target_nid: 0, ${Q}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /a, target_value: ${t}, current_value: 0}]}, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}, {filter_type: young, matching: false, allow: false}]}`;
const demo = (t: string) =>
  `{action: migrate_cold, target_nid: 1, ${Q}, goals: [{metric: node_memcg_free_bp, nid: 0, memcg_path: /a, target_value: ${t}, current_value: 0}]}, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}, {filter_type: young, matching: true, allow: false}]}`;

/** per `nid|cgroup` key: every promotion against every demotion */
const crossItem: CrossItemCheck = {
  grouping: 'key',
  checkGroup(ctx, { promotions, demotions }) {
    for (const p of promotions) {
      for (const d of demotions) {
        const tp = p.goal.targetValue;
        const lower = 10000 - d.goal.targetValue;
        const band = tp - lower;
        // band 0: the bands meet exactly (promotion stops where demotion stops) -- the intended
        // tight setting, no used level lies between them. Only a negative band is a dead zone.
        if (band >= 0) continue;
        const want = 10000 - tp + 20;
        const dNode = targetNode(ctx, d);
        ctx.report({
          path: targetPath(ctx, p),
          message: `no overlap between promotion and demotion of ${who(p)}: promotion stops at ${pctText(tp)} used, demotion stops at ${pctText(lower)} used (free ${pctText(d.goal.targetValue)}); between them (a dead zone of ${pctText(-band)}${bpBytes(ctx, p.nid, band)}) neither scheme moves pages, so hot data can stay on the slow node and cold data on the fast node`,
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
  id: 'tiering-dead-zone',
  severity: 'warning',
  title: 'Promotion and demotion targets leave a dead zone',
  explanation: `A memory-tiering pair is a \`migrate_hot\` scheme into node N aiming at used ≥ Tp (node_mem[cg]_used_bp) and a \`migrate_cold\` scheme out of node N aiming at free ≥ Td (node_mem[cg]_free_bp), for the same cgroup (or the whole node).
Promotion slows and stops once used reaches Tp; demotion stops once used falls to 10000 − Td. The two must meet (Tp ≥ 10000 − Td; bands that meet exactly are the tight setting, not a dead zone), best overlapping by a small band: then a little exchange always goes on, and when the access pattern changes (data on the slow node gets hotter than data on the fast node) hot pages still move up and cold pages down.
If they do not meet (Tp < 10000 − Td), once usage lies between Tp and 10000 − Td neither scheme acts: as the seed RFC explains, the fast node can end up serving cold data and the slow node hot data, forever.
Fix: make the demotion free target 10000 − Tp + a small band (the seed uses 20 bp, e.g. 29.7 % used with 70.5 % free).`,
  crossItem,
  check: checkGroups(crossItem),
  examples: {
    pass: [
      config({ targets: NODE1, schemes: [promo('29.7%')] }, { targets: NODE0, schemes: [demo('70.5%')] }),
      // the bands meet exactly (29.7 % used / 70.3 % free): the tight setting, no dead zone
      config({ targets: NODE1, schemes: [promo('29.7%')] }, { targets: NODE0, schemes: [demo('70.3%')] }),
    ],
    fail: [config({ targets: NODE1, schemes: [promo('29.7%')] }, { targets: NODE0, schemes: [demo('60%')] })],
    reports: [[{ at: '29.7%', message: 'no overlap between promotion and demotion of /a on node 0' }]],
  },
};
