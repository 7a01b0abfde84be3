import type { Rule } from './types';
import { contexts } from './walk';

export const rule: Rule = {
  id: 'nr-regions-range',
  severity: 'error',
  title: 'nr_regions bounds the kernel rejects',
  explanation: `The adaptive region count must stay within [min, max] with min ≥ 3 (the floor for every operations set) and min ≤ max; otherwise the kernel refuses to start with EINVAL. damo does not check either.`,
  check(ctx) {
    for (const { context: c, path } of contexts(ctx)) {
      const p = [...path, 'nr_regions'];
      if (c.nrRegions.min < 3)
        ctx.report({ path: [...p, 'min'], message: `nr_regions min ${c.nrRegions.min} is below 3: the kernel refuses to start with EINVAL` });
      if (c.nrRegions.min > c.nrRegions.max)
        ctx.report({
          path: [...p, 'min'],
          message: `nr_regions min (${c.nrRegions.min}) is above max (${c.nrRegions.max}): the kernel refuses to start with EINVAL`,
        });
    }
  },
  examples: {
    pass: ['kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], nr_regions: {min: 10, max: 1000}}]}]\n'],
    fail: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], nr_regions: {min: 2, max: 1000}}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], nr_regions: {min: 2000, max: 1000}}]}]\n',
    ],
    reports: [
      [{ at: '2', message: 'nr_regions min 2 is below 3' }],
      [{ at: '2000', message: 'nr_regions min (2000) is above max (1000): the kernel refuses to start with EINVAL' }],
    ],
  },
};
