import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

const NEEDS: Record<string, { key: string; why: string }> = {
  memcg: {
    key: 'memcg_path',
    why: "damo 3.4.1 cannot read the config without it (KeyError 'memcg_path', which it reports as \"target 'FILE' is not supported\"); written by hand, the filter has an empty path, which names no cgroup",
  },
  addr: { key: 'address_range', why: "damo fails with KeyError 'address_range'" },
  target: { key: 'damon_target_idx', why: "damo fails with KeyError 'damon_target_idx'" },
  hugepage_size: { key: 'hugepage_size', why: 'the range stays [0, 0], which matches no folio' },
};

export const rule: Rule = {
  id: 'filter-missing-argument',
  severity: 'error',
  title: 'A filter without the argument its type needs',
  explanation: `memcg filters need \`memcg_path\`, addr filters \`address_range\`, target filters \`damon_target_idx\`, hugepage_size filters \`hugepage_size\` [min, max]. Without it damo fails, or the kernel gets an empty value. (damo 3.4.1 prints these keys as \`null\` for the filter types that do not use them; that is fine.)`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      for (const { filter, path } of filtersOf(ref)) {
        const need = NEEDS[filter.type];
        if (!need) continue;
        const node = ctx.node([...path, need.key]);
        if (node === undefined || node === null || (node.kind === 'scalar' && (node.value === null || node.value === ''))) {
          ctx.report({ path: [...path, 'filter_type'], message: `a ${filter.type} filter needs \`${need.key}\`: ${need.why}` });
        }
      }
    }
  },
  examples: {
    pass: [config({ schemes: ['{action: pageout, filters: [{filter_type: memcg, matching: true, allow: false, memcg_path: /a}]}'] })],
    fail: [config({ schemes: ['{action: pageout, filters: [{filter_type: memcg, matching: true, allow: false}]}'] })],
    reports: [[{ at: 'memcg', message: 'a memcg filter needs `memcg_path`' }]],
  },
};
