import { kernelHas } from '../kernel-version';
import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './lib';

const MADVISE = new Set(['willneed', 'cold', 'pageout', 'hugepage', 'nohugepage', 'collapse']);

export const rule: Rule = {
  id: 'filter-unsupported-by-ops',
  severity: 'warning',
  title: 'An ops-layer filter the operations set ignores',
  explanation: `Ops-layer filters (anon, active, memcg, young, hugepage_size, unmapped) are applied per page by the operations set. paddr honours them for every action. vaddr/fvaddr honour them only for migrate_hot/migrate_cold (6.17+) and stat (6.18+); for the madvise-based actions (willneed, cold, pageout, hugepage, nohugepage, collapse) they are **silently ignored**, so the action hits every page of the region.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      if (ref.context.ops === 'paddr') continue;
      const a = ref.scheme.action;
      const ignoredBecause = MADVISE.has(a)
        ? `${ref.context.ops} applies ${a} with madvise, which ignores ops-layer filters`
        : (a === 'migrate_hot' || a === 'migrate_cold') && !kernelHas(ctx.kernel, '6.17')
          ? `${ref.context.ops} honours ops filters for ${a} only since Linux 6.17 (target: ${ctx.kernelText})`
          : a === 'stat' && !kernelHas(ctx.kernel, '6.18')
            ? `${ref.context.ops} honours ops filters for stat only since Linux 6.18 (target: ${ctx.kernelText})`
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
    reports: [
      [{ at: 'anon', message: 'this anon filter is silently ignored' }],
    ],
  },
};
