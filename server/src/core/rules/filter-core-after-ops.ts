import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

export const rule: Rule = {
  id: 'filter-core-after-ops',
  severity: 'warning',
  title: 'A core-layer filter listed after an ops-layer filter',
  explanation: `addr and target filters belong to the core layer and are always evaluated before the ops-layer filters (anon, active, memcg, young, hugepage_size, unmapped). damo writes them into \`core_filters/\` and the rest into \`ops_filters/\`, so a core filter written after an ops filter is evaluated first anyway: the order in the file is not the order that runs. Move it to the front.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      let sawOps: string | undefined;
      for (const { filter, path } of filtersOf(ref)) {
        const core = filter.type === 'addr' || filter.type === 'target';
        if (!core && !sawOps) sawOps = filter.type;
        if (core && sawOps) {
          ctx.report({
            path: [...path, 'filter_type'],
            message: `the ${filter.type} filter is a core-layer filter: it runs before the ${sawOps} filter listed above it, whatever the order here`,
          });
        }
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: pageout, filters: [{filter_type: addr, matching: true, allow: false, address_range: {start: 4 GiB, end: 8 GiB}}, {filter_type: anon, matching: true, allow: false}]}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}, {filter_type: addr, matching: true, allow: false, address_range: {start: 4 GiB, end: 8 GiB}}]}',
        ],
      }),
    ],
    reports: [[{ at: 'addr', nth: 1, message: 'the addr filter is a core-layer filter' }]],
  },
};
