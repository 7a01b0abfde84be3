import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'access-pattern-min-max',
  severity: 'warning',
  title: 'An access-pattern range whose min is above its max',
  explanation: `Access-pattern ranges (sz_bytes, nr_accesses, age) are inclusive [min, max]. The kernel accepts min > max without complaint, and the scheme then never matches any region. Compared in kernel units (bytes, samples, aggregation intervals) after damo's conversion.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const ap = ref.scheme.accessPattern;
      const base = [...ref.path, 'access_pattern'];
      const pairs: [string, { min: number; max: number }, string][] = [
        ['sz_bytes', ap.sz, 'bytes'],
        ['nr_accesses', ap.nrAccesses, 'samples'],
        ['age', ap.age, 'aggregation intervals'],
      ];
      for (const [key, r, unit] of pairs) {
        if (r.min > r.max && ctx.node([...base, key]) !== undefined) {
          ctx.report({
            path: [...base, key, 'min'],
            message: `${key} min (${r.min} ${unit}) is above max (${r.max} ${unit}): the kernel accepts it and the scheme never matches`,
            related: [{ range: ctx.rangeOf([...base, key, 'max']), message: 'the max', path: [...base, key, 'max'] }],
          });
        }
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: ['{action: pageout, access_pattern: {sz_bytes: {min: 4 KiB, max: max}, nr_accesses: {min: 0%, max: 0%}, age: {min: 2 m, max: max}}}'],
      }),
    ],
    fail: [
      config({
        schemes: ['{action: pageout, access_pattern: {sz_bytes: {min: 4 KiB, max: max}, nr_accesses: {min: 50%, max: 10%}, age: {min: 0, max: max}}}'],
      }),
    ],
    reports: [[{ at: '50%', message: 'nr_accesses min (10 samples) is above max (2 samples): the kernel accepts it and the' }]],
  },
};
