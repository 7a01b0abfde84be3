import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

export const rule: Rule = {
  id: 'filter-target-out-of-range',
  severity: 'warning',
  title: 'A target filter naming a target the context does not have',
  explanation: `A \`target\` filter matches the regions of the monitoring target with index \`damon_target_idx\` (0-based, in the context's \`targets\` list). An index past the last target is accepted by the kernel and by damo, and never matches: the filter decides nothing, and memory no filter matches gets the opposite of the last filter's verdict — with a single "reject target N" filter the scheme acts on everything (measured on 7.2.13), with a single "allow target N" on nothing.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const n = ref.context.targets.length;
      const list = filtersOf(ref);
      list.forEach(({ filter, path }, i) => {
        if (filter.type !== 'target' || filter.targetIdx < n) return;
        let what: string;
        if (filter.matching) {
          what = 'the filter never matches';
          if (list.length === 1)
            what += filter.allow
              ? ': this scheme acts on nothing (memory no filter matches gets the opposite of "allow")'
              : ': this scheme acts on everything (memory no filter matches gets the opposite of "reject")';
        } else {
          what = `with matching: false the filter matches all memory that reaches it and ${filter.allow ? 'allows' : 'rejects'} it${i < list.length - 1 ? '; the filters after it never decide' : ''}`;
        }
        ctx.report({
          path: [...path, 'damon_target_idx'],
          message: `damon_target_idx ${filter.targetIdx} is past the last target (the context has ${n}): ${what}`,
        });
      });
    }
  },
  examples: {
    pass: [config({ schemes: ['{action: stat, filters: [{filter_type: target, matching: true, allow: false, damon_target_idx: 0}]}'] })],
    fail: [config({ schemes: ['{action: stat, filters: [{filter_type: target, matching: true, allow: false, damon_target_idx: 3}]}'] })],
    reports: [[{ at: '3', nth: 1, message: 'damon_target_idx 3 is past the last target (the context has 1): the' }]],
  },
};
