import { atomOf, evaluateChain } from '../model/filters';
import type { Rule } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

export const rule: Rule = {
  id: 'filter-never-decides',
  severity: 'warning',
  title: 'A filter that can never decide anything',
  explanation: `The first filter that matches a page decides. A filter that only ever sees pages an earlier filter already decided (a duplicate, or one after a filter on the same type with the opposite \`matching\`, which matches everything) never takes effect: the chain does not do what its last entries suggest.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const { coreFilters: core, opsFilters: ops } = ref.scheme;
      if (core.length + ops.length < 2) continue;
      const table = evaluateChain(core, ops);
      if (!table) continue;
      const deciding = new Set(table.rows.map((r) => r.decidedBy).filter(Boolean));
      for (const { filter, path } of filtersOf(ref)) {
        if (deciding.has(filter)) continue;
        // the last filter of a layer also sets the default: it has an effect even when it never matches first
        const layer = core.includes(filter) ? core : ops;
        const isLast = layer[layer.length - 1] === filter;
        ctx.report({
          path,
          message: `filter "${filter.allow ? 'allow' : 'reject'} ${filter.matching ? '' : 'NOT '}${atomOf(filter).label}" never decides: every page it would match was already decided by an earlier filter${isLast ? ' (it only sets the default for unmatched memory)' : ''}`,
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: ['{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}, {filter_type: young, matching: true, allow: false}]}'],
      }),
    ],
    fail: [
      config({
        schemes: ['{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}, {filter_type: anon, matching: true, allow: true}]}'],
      }),
      config({
        schemes: [
          '{action: pageout, filters: [{filter_type: anon, matching: true, allow: false}, {filter_type: anon, matching: false, allow: false}, {filter_type: young, matching: true, allow: true}]}',
        ],
      }),
    ],
    reports: [
      [{ at: '{filter_type: anon, matching: true, allow: true}', message: 'filter "allow anon" never decides' }],
      [{ at: '{filter_type: young, matching: true, allow: true}', message: 'filter "allow young" never decides' }],
    ],
  },
};
