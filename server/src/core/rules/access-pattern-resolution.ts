import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';
import { pathKey } from '../model/lower';
import { UINT_MAX } from '../model/kernel';

export const rule: Rule = {
  id: 'access-pattern-resolution',
  severity: 'warning',
  title: 'An access rate or age that the monitoring intervals cannot express',
  explanation: `damo converts a percent access rate into samples with the context's intervals: samples = ⌊percent × (aggr_us / sample_us) / 100⌋. With the default 5 ms / 100 ms there are 20 samples per aggregation interval, so one sample is 5 %: "3%" becomes 0 samples and matches idle memory too. A rate above the maximum (aggr/sample samples) never matches. Ages are converted with ⌊µs / aggr_us⌋ the same way.
Note: damo converts with the initial intervals even when intervals_goal auto-tuning will change them later.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const units = ctx.lowered.patternUnits.get(pathKey([...ref.path, 'access_pattern']));
      if (!units) continue;
      const c = ref.context;
      const maxSamples = c.sampleUs > 0 ? Math.floor(c.aggrUs / c.sampleUs) : 0;
      const nr = ref.scheme.accessPattern.nrAccesses;
      const base = [...ref.path, 'access_pattern'];
      if (units.nrAccesses === 'percent') {
        const v = ctx.lowered.values;
        const minNode = ctx.node([...base, 'nr_accesses', 'min']);
        const parsed = minNode && minNode.kind === 'scalar' ? v.get(minNode) : undefined;
        if (parsed && parsed.value > 0 && nr.min === 0 && parsed.special !== 'max') {
          ctx.report({
            path: [...base, 'nr_accesses', 'min'],
            message: `${parsed.value}% of ${maxSamples} samples per aggregation interval rounds down to 0 samples: this also matches regions with no access at all (one sample is ${+(100 / maxSamples).toFixed(2)}%)`,
          });
        }
      }
      if (nr.min > maxSamples && nr.min !== UINT_MAX && maxSamples > 0) {
        ctx.report({
          path: [...base, 'nr_accesses', 'min'],
          message: `nr_accesses min is ${nr.min} samples but an aggregation interval has only ${maxSamples} (aggr ${c.aggrUs} µs / sample ${c.sampleUs} µs): the scheme never matches`,
        });
      }
      const age = ref.scheme.accessPattern.age;
      if (units.age === 'us') {
        const minNode = ctx.node([...base, 'age', 'min']);
        const parsed = minNode && minNode.kind === 'scalar' ? ctx.lowered.values.get(minNode) : undefined;
        if (parsed && parsed.value > 0 && age.min === 0 && parsed.special !== 'max') {
          ctx.report({
            path: [...base, 'age', 'min'],
            message: `an age of ${parsed.value} µs is shorter than one aggregation interval (${c.aggrUs} µs): it rounds down to 0 and matches every age`,
          });
        }
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 5%, max: max}, age: {min: 0, max: max}}}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 3%, max: max}, age: {min: 0, max: max}}}',
        ],
      }),
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 40 samples, max: max samples}, age: {min: 0, max: max}}}',
        ],
      }),
      config({ schemes: ['{action: pageout, access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 0, max: 0}, age: {min: 50 ms, max: max}}}'] }),
    ],
    reports: [
      [{ at: '3%', message: '3% of 20 samples per aggregation interval rounds down to 0 samples' }],
      [{ at: '40 samples', message: 'nr_accesses min is 40 samples but an aggregation interval has only 20' }],
      [{ at: '50 ms', message: 'an age of 50000 µs is shorter than one aggregation interval' }],
    ],
  },
};
