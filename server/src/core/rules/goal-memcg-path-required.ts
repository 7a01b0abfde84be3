import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { addKeyEdits } from './edits';
import { filtersOf, goals, schemes } from './walk';
import { MEMCG_METRICS } from './metrics';

/** at most this many of the profile's cgroups are offered as fixes */
const MAX_PROFILE_FIXES = 8;

export const rule: Rule = {
  id: 'goal-memcg-path-required',
  severity: 'error',
  title: 'A per-cgroup goal needs `memcg_path`',
  explanation: `node_memcg_used_bp and node_memcg_free_bp measure one cgroup's memory on one node. damo writes \`memcg_path\` to the goal's sysfs \`path\` file.
Without it (missing, null, or misspelled \`path\`) damo 3.4.1 writes the literal string "None" as the goal's path (measured in the test VM); written by hand, the path stays empty. Either way the kernel finds no such cgroup and refuses to start the kdamond with ENOMEM ("Cannot allocate memory"), which does not say why.
The seed RFC's first command line forgets the path of both demotion goals.`,
  check(ctx) {
    for (const { goal, path, ref } of goals(ctx)) {
      if (MEMCG_METRICS.has(goal.metric) && (goal.path === null || goal.path === '')) {
        const cgs = [
          ...new Set(
            filtersOf(ref)
              .filter((f) => f.filter.type === 'memcg' && f.filter.memcgPath)
              .map((f) => f.filter.memcgPath!),
          ),
        ];
        // the filter's cgroup is only a safe guess if no sibling scheme with the same action filters on it too
        const shared = schemes(ctx).some(
          (o) =>
            o !== ref &&
            o.contextPath.join('/') === ref.contextPath.join('/') &&
            o.scheme.action === ref.scheme.action &&
            filtersOf(o).some((f) => f.filter.type === 'memcg' && cgs.includes(f.filter.memcgPath ?? '')),
        );
        const absent = ctx.node([...path, 'memcg_path']) === undefined;
        const fixes = !absent
          ? []
          : cgs.length === 1 && !shared
            ? [
                {
                  title: `Add memcg_path: ${cgs[0]} (the scheme's memcg filter)`,
                  edits: addKeyEdits(ctx, path, 'memcg_path', JSON.stringify(cgs[0])),
                  preferred: true,
                },
              ]
            : [
                // not a safe guess: offer the filters' cgroups, then the profile's, and let the user pick
                ...cgs.map((cg) => ({
                  title: `Add memcg_path: ${cg} (a memcg filter of this scheme)`,
                  edits: addKeyEdits(ctx, path, 'memcg_path', JSON.stringify(cg)),
                  preferred: false,
                })),
                ...(ctx.profile?.cgroups ?? [])
                  .filter((cg) => !cgs.includes(cg))
                  .slice(0, MAX_PROFILE_FIXES)
                  .map((cg) => ({
                    title: `Add memcg_path: ${cg} (a cgroup of the machine profile${ctx.profile?.name ? ` ${ctx.profile.name}` : ''})`,
                    edits: addKeyEdits(ctx, path, 'memcg_path', JSON.stringify(cg)),
                    preferred: false,
                  })),
              ];
        ctx.report({
          path: [...path, 'metric'],
          fixes: fixes.filter((f) => f.edits.length),
          message: `quota goal metric ${goal.metric} needs \`memcg_path\` (the cgroup it measures)${ctx.node([...path, 'path']) !== undefined ? ' (damo reads `memcg_path`, not `path`)' : ''}: without it damo 3.4.1 writes the literal path "None" and the kernel refuses to start with a misleading ENOMEM`,
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workload_a, target_value: 9.7%, current_value: 0}]}}`,
        ],
      }),
    ],
    fail: [
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, target_value: 9.7%, current_value: 0}]}}`],
      }),
      config({
        schemes: [
          `{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_memcg_free_bp, nid: 0, target_value: 90.5%, current_value: 0}]}, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /workload_a}]}`,
        ],
      }),
    ],
    reports: [
      [{ at: 'node_memcg_used_bp', message: 'quota goal metric node_memcg_used_bp needs `memcg_path`' }],
      [{ at: 'node_memcg_free_bp', message: 'quota goal metric node_memcg_free_bp needs `memcg_path`' }],
    ],
  },
};
