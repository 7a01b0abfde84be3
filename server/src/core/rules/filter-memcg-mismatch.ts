import type { Rule } from './types';
import { config, NODE1 } from './examples';
import { filtersOf, schemes } from './walk';
import { MEMCG_METRICS } from './metrics';
import { normalizeCgroupPath } from '../model/cgroup';
import { scalarText } from './edits';

const Q = (cg: string) =>
  `quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: ${cg}, target_value: 29.7%, current_value: 0}]}`;

export const rule: Rule = {
  id: 'filter-memcg-mismatch',
  severity: 'warning',
  title: 'The memcg filter selects a different cgroup than the goal measures',
  explanation: `A per-cgroup scheme measures one cgroup with its quota goal (node_memcg_*_bp \`memcg_path\`) and should act on that cgroup's pages through a memcg filter. When the filter names another cgroup, the scheme moves cgroup B's pages to tune cgroup A's usage: the goal can never converge, and B is migrated for nothing. The seed RFC's first command has this copy-paste mistake in its "demotion scheme for cgroup b".`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const gi = ref.scheme.quota.goals.findIndex((g) => MEMCG_METRICS.has(g.metric) && g.path && g.path.startsWith('/'));
      if (gi < 0) continue;
      const want = normalizeCgroupPath(ref.scheme.quota.goals[gi].path!);
      const memcgFilters = filtersOf(ref).filter((f) => f.filter.type === 'memcg' && f.filter.memcgPath);
      if (memcgFilters.length === 0 || memcgFilters.some((f) => normalizeCgroupPath(f.filter.memcgPath!) === want)) continue;
      for (const { filter, path } of memcgFilters) {
        const node = ctx.node([...path, 'memcg_path']);
        ctx.report({
          path: [...path, 'memcg_path'],
          message: `this filter selects ${filter.memcgPath} but the scheme's quota goal measures ${want}: the scheme moves one cgroup's pages to tune another's usage`,
          related: [
            {
              range: ctx.rangeOf([...ref.path, 'quotas', 'goals', gi, 'memcg_path']),
              message: `the goal measures ${want}`,
              path: [...ref.path, 'quotas', 'goals', gi, 'memcg_path'],
            },
          ],
          fixes: node
            ? [
                {
                  title: `Filter on the goal's cgroup ${want}`,
                  edits: [{ range: node.range, newText: scalarText(ctx, [...path, 'memcg_path'], want) }],
                  preferred: true,
                },
              ]
            : [],
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        targets: NODE1,
        schemes: [`{action: migrate_hot, target_nid: 0, ${Q('/b')}, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /b}]}`],
      }),
    ],
    fail: [
      config({
        targets: NODE1,
        schemes: [`{action: migrate_hot, target_nid: 0, ${Q('/b')}, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}`],
      }),
    ],
    reports: [[{ at: '/a', message: "this filter selects /a but the scheme's quota goal measures /b" }]],
  },
};
