import { kernelFacts } from '../kernel-version';
import { KERNEL_SINCE } from '../schema/spec';
import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

const MADVISE = new Set(['willneed', 'cold', 'pageout', 'hugepage', 'nohugepage', 'collapse']);

export const rule: Rule = {
  id: 'filter-unsupported-by-ops',
  severity: 'warning',
  title: 'An ops-layer filter the operations set ignores',
  explanation: `Ops-layer filters (anon, active, memcg, young, hugepage_size, unmapped) are applied per page by the operations set. paddr honours them for every action. vaddr/fvaddr honour them only for migrate_hot/migrate_cold (${KERNEL_SINCE.vaddr_migrate}+) and stat (${KERNEL_SINCE.vaddr_stat_ops_filters}+); for the madvise-based actions (willneed, cold, pageout, hugepage, nohugepage, collapse) they are **silently ignored**, so the action hits every page of the region.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      if (ref.context.ops === 'paddr') continue;
      const a = ref.scheme.action;
      const has = kernelFacts(ctx.kernel);
      const ignoredBecause = MADVISE.has(a)
        ? `${ref.context.ops} applies ${a} with madvise, which ignores ops-layer filters`
        : (a === 'migrate_hot' || a === 'migrate_cold') && !has.vaddr_migrate
          ? `${ref.context.ops} honours ops filters for ${a} only since Linux ${KERNEL_SINCE.vaddr_migrate} (target: ${ctx.kernelText})`
          : a === 'stat' && !has.vaddr_stat_ops_filters
            ? `${ref.context.ops} honours ops filters for stat only since Linux ${KERNEL_SINCE.vaddr_stat_ops_filters} (target: ${ctx.kernelText})`
            : undefined;
      if (!ignoredBecause) continue;
      for (const { filter, path } of filtersOf(ref)) {
        if (filter.type === 'addr' || filter.type === 'target') continue;
        ctx.report({ path: [...path, 'filter_type'], message: `this ${filter.type} filter is silently ignored: ${ignoredBecause}` });
      }
    }
  },
  examples: {
    pass: [config({ schemes: ['{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}]}'] })],
    fail: [config({ ops: 'vaddr', schemes: ['{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}]}'] })],
    reports: [[{ at: 'anon', message: 'this anon filter is silently ignored' }]],
  },
};
