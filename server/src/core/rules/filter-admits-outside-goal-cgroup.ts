import type { Fix } from '../diagnostic';
import { describeAdmission, evaluateChain } from '../model/filters';
import type { Rule } from './types';
import { config, NODE1 } from './examples';
import { filtersOf, schemes } from './walk';
import { MEMCG_METRICS } from './metrics';
import { normalizeCgroupPath } from '../model/cgroup';

const Q =
  'quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goal_tuner: temporal, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /a, target_value: 29.7%, current_value: 0}]}';

/** What the action does to the admitted memory of other cgroups: its real effect, by name. */
function actionEffect(action: string): string {
  switch (action) {
    case 'migrate_hot':
    case 'migrate_cold':
      return "moves other cgroups' pages to another node";
    case 'pageout':
      return "pages out other cgroups' memory";
    case 'stat':
      return "counts other cgroups' memory in its statistics (stat only counts: nothing is moved, but sz_tried/sz_applied include that memory)";
    case 'lru_prio':
      return "marks other cgroups' pages as hot (moves them to the head of the LRU lists)";
    case 'lru_deprio':
      return "marks other cgroups' pages as cold (moves them to the tail of the LRU lists)";
    case 'hugepage':
      return "applies MADV_HUGEPAGE to other cgroups' memory";
    case 'nohugepage':
      return "applies MADV_NOHUGEPAGE to other cgroups' memory";
    case 'collapse':
      return "collapses other cgroups' memory into huge pages";
    case 'willneed':
      return "prefetches other cgroups' memory (MADV_WILLNEED)";
    case 'cold':
      return "deactivates other cgroups' memory (MADV_COLD)";
    default:
      return `applies ${action} to other cgroups' memory`;
  }
}

export const rule: Rule = {
  id: 'filter-admits-outside-goal-cgroup',
  severity: 'warning',
  title: 'The filters let the scheme act on memory of other cgroups',
  explanation: `A scheme whose quota goal is about one cgroup (node_memcg_used_bp / node_memcg_free_bp) should only move that cgroup's pages. DAMOS filters are evaluated in order and the **first filter that matches decides**; memory no filter matches gets the opposite of the last filter's verdict.
So \`allow memcg /a; allow young\` admits "memcg /a OR young": young pages of every cgroup are promoted too (measured on a real 7.2 kernel: another cgroup had 78 MiB moved). \`allow memcg /a; reject young\` admits "memcg /a OR NOT young".
The AND form is two **reject** filters with \`matching: false\`: "reject what is NOT memcg /a", then "reject what is NOT young" (promotion) or "reject what IS young" (demotion).`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const goal = ref.scheme.quota.goals.find((g) => MEMCG_METRICS.has(g.metric) && g.path);
      if (!goal) continue;
      const want = normalizeCgroupPath(goal.path!);
      const core = ref.scheme.coreFilters;
      const ops = ref.scheme.opsFilters;
      const table = evaluateChain(core, ops);
      if (!table) continue;
      const idx = table.atoms.findIndex((a) => a.key === `memcg:${want}`);
      // Leaks when some page outside the cgroup is admitted.
      const leak = table.rows.some((r) => r.admitted && (idx < 0 || !r.values[idx]));
      if (!leak) continue;
      const formula = describeAdmission(core, ops);
      const list = filtersOf(ref);
      const fixes: Fix[] = [];
      const filtersNode = ctx.node([...ref.path, 'filters']);
      const isOrForm = list.length > 0 && list.every((f) => f.filter.allow || f.filter.type === 'young');
      if (filtersNode && filtersNode.kind === 'seq' && isOrForm && list.some((f) => f.filter.type === 'memcg')) {
        // Rewrite "allow memcg X, allow|reject young" into the AND form, keeping the list's style.
        const young = list.find((f) => f.filter.type === 'young');
        const youngWanted = young ? (young.filter.allow ? young.filter.matching : !young.filter.matching) : undefined;
        const items = [`{filter_type: memcg, matching: false, allow: false, memcg_path: ${JSON.stringify(want)}}`];
        if (youngWanted !== undefined) items.push(`{filter_type: young, matching: ${!youngWanted}, allow: false}`);
        const json = ctx.format === 'json';
        const jsonItems = items.map((s) => s.replace(/(\w+):/g, '"$1":').replace(/: (memcg|young)/g, ': "$1"'));
        let newText: string;
        if (json || filtersNode.flow) newText = `[${(json ? jsonItems : items).join(', ')}]`;
        else {
          const line = ctx.text.lastIndexOf('\n', filtersNode.range.start) + 1;
          const indent = ctx.text.slice(line, filtersNode.range.start).replace(/[^ ]/g, ' ');
          newText = items.map((s, i) => `${i === 0 ? '' : indent}- ${s}`).join('\n');
          if (/\n$/.test(ctx.text.slice(filtersNode.range.start, filtersNode.range.end))) newText += '\n';
        }
        fixes.push({
          title: `Use the AND form: only ${want}${youngWanted === undefined ? '' : youngWanted ? ' AND young' : ' AND NOT young'}`,
          edits: [{ range: filtersNode.range, newText }],
          preferred: true,
        });
      }
      ctx.report({
        path: list.length ? [...ref.path, 'filters'] : [...ref.path, 'action'],
        onKey: true,
        message: `the filters admit "${formula}", not only ${want}: this ${ref.scheme.action} scheme for ${want}'s goal also ${actionEffect(ref.scheme.action)} (first matching filter decides; unmatched memory gets the opposite of the last filter)`,
        related: [
          {
            range: ctx.rangeOf([...ref.path, 'quotas', 'goals', ref.scheme.quota.goals.indexOf(goal), 'memcg_path']),
            message: `the goal is about ${want}`,
            path: [...ref.path, 'quotas', 'goals', ref.scheme.quota.goals.indexOf(goal), 'memcg_path'],
          },
        ],
        fixes,
      });
    }
  },
  examples: {
    pass: [
      config({
        targets: NODE1,
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${Q}, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}, {filter_type: young, matching: false, allow: false}]}`,
        ],
      }),
    ],
    fail: [
      config({
        targets: NODE1,
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${Q}, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /a}, {filter_type: young, matching: true, allow: true}]}`,
        ],
      }),
      config({ targets: NODE1, schemes: [`{action: migrate_hot, target_nid: 0, ${Q}}`] }),
    ],
    reports: [
      [{ at: 'filters', message: 'the filters admit "memcg /a OR young", not only /a' }],
      [{ at: 'action', message: 'the filters admit "all memory", not only /a' }],
    ],
  },
};
