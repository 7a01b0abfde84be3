import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

export const rule: Rule = {
  id: 'filter-range-invalid',
  severity: 'error',
  title: 'An addr or hugepage_size filter range that is empty or reversed',
  explanation: `An addr filter's range is [start, end): end before start makes the kernel refuse the scheme (reported as ENOMEM), and end equal to start matches nothing. A hugepage_size range with min > max is refused the same way.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      for (const { filter, path } of filtersOf(ref)) {
        if (filter.type === 'addr' && ctx.node([...path, 'address_range']) !== undefined) {
          if (filter.addrEnd < filter.addrStart)
            ctx.report({
              path: [...path, 'address_range', 'end'],
              message: 'the address range ends before it starts: the kernel refuses the scheme at start (reported as ENOMEM)',
            });
          else if (filter.addrEnd === filter.addrStart)
            ctx.report({ path: [...path, 'address_range'], severity: 'warning', message: 'the address range is empty: this filter matches nothing' });
        }
        if (filter.type === 'hugepage_size' && filter.hugepageMin > filter.hugepageMax) {
          ctx.report({
            path: [...path, 'hugepage_size'],
            message: 'hugepage_size min is larger than max: the kernel refuses the scheme at start (reported as ENOMEM)',
          });
        }
      }
    }
  },
  examples: {
    pass: [config({ schemes: ['{action: pageout, filters: [{filter_type: addr, matching: true, allow: false, address_range: {start: 4 GiB, end: 8 GiB}}]}'] })],
    fail: [
      config({ schemes: ['{action: pageout, filters: [{filter_type: addr, matching: true, allow: false, address_range: {start: 8 GiB, end: 4 GiB}}]}'] }),
      config({ schemes: ['{action: pageout, filters: [{filter_type: hugepage_size, matching: true, allow: false, hugepage_size: [1 GiB, 2 MiB]}]}'] }),
    ],
    reports: [
      [{ at: '4 GiB', nth: 1, message: 'the address range ends before it starts' }],
      [{ at: '[1 GiB, 2 MiB]', message: 'hugepage_size min is larger than max' }],
    ],
  },
};
