import type { Rule } from './types';
import { contexts } from './walk';

const PAGE = 4096;

export const rule: Rule = {
  id: 'regions-invalid',
  severity: 'error',
  title: 'Monitoring regions that are empty, reversed, unsorted or overlapping',
  explanation: `Target regions are [start, end). At start/commit the kernel rejects (EINVAL) a region whose end is before its start, and regions that are not sorted or overlap. Since the 7.2 hotfixes, boundaries are rounded to the page size first: a region that becomes empty, or regions that overlap after rounding, are rejected too — use page-aligned (4 KiB) boundaries. damo does not check regions in config files.`,
  check(ctx) {
    for (const { context: c, path } of contexts(ctx)) {
      c.targets.forEach((t, ti) => {
        let prevEnd = -1;
        t.regions.forEach((r, ri) => {
          const rp = [...path, 'targets', ti, 'regions', ri];
          if (r.end < r.start) ctx.report({ path: [...rp, 'end'], message: 'the region ends before it starts: the kernel refuses to start (EINVAL)' });
          else if (r.end === r.start) ctx.report({ path: rp, message: 'the region is empty: the kernel refuses it (EINVAL)' });
          if (r.start < prevEnd)
            ctx.report({
              path: [...rp, 'start'],
              message: 'regions must be sorted and must not overlap: this one starts before the previous one ends (EINVAL)',
            });
          if (c.ops !== 'vaddr' && c.addrUnit === 1 && (r.start % PAGE !== 0 || r.end % PAGE !== 0)) {
            ctx.report({
              path: rp,
              severity: 'warning',
              message:
                'region boundaries are not page-aligned (4 KiB): the kernel rounds them, and since 7.2 rejects regions that become empty or overlap after rounding',
            });
          }
          prevEnd = Math.max(prevEnd, r.end);
        });
      });
    }
  },
  examples: {
    pass: ['kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}, {start: 8 GiB, end: 9 GiB}]}]}]}]\n'],
    fail: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 8 GiB, end: 4 GiB}]}]}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}, {start: 6 GiB, end: 9 GiB}]}]}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 100, end: 5000}]}]}]}]\n',
    ],
    reports: [
      [{ at: '4 GiB', message: 'the region ends before it starts' }],
      [{ at: '6 GiB', message: 'regions must be sorted and must not overlap' }],
      [{ at: '{start: 100, end: 5000}', message: 'region boundaries are not page-aligned' }],
    ],
  },
};
