import type { Rule } from './types';
import { config } from './examples';
import { goals } from './walk';

export const rule: Rule = {
  id: 'goal-eligible-paddr-only',
  severity: 'error',
  title: 'node_eligible_mem_bp works only with paddr',
  explanation: `node_eligible_mem_bp (7.2) measures, of the memory matching the scheme's access pattern, the share on a node — physical placement, so only the paddr operations set can compute it. The kernel rejects it with EINVAL on commit for vaddr/fvaddr (and on 7.2 an \`on\` start with it just reads 0).`,
  check(ctx) {
    for (const { goal, path, ref } of goals(ctx)) {
      if (goal.metric === 'node_eligible_mem_bp' && ref.context.ops !== 'paddr') {
        ctx.report({
          path: [...path, 'metric'],
          message: `node_eligible_mem_bp needs ops paddr (this context is ${ref.context.ops}): the kernel rejects it on commit and reads 0 on start`,
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 100 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_eligible_mem_bp, nid: 0, target_value: 5000, current_value: 0}]}}',
        ],
      }),
    ],
    fail: [
      config({
        ops: 'vaddr',
        schemes: [
          '{action: migrate_hot, dests: [{id: 0, weight: 1}], quotas: {time_ms: 0, sz_bytes: 100 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_eligible_mem_bp, nid: 0, target_value: 5000, current_value: 0}]}}',
        ],
      }),
    ],
    reports: [[{ at: 'node_eligible_mem_bp', message: 'node_eligible_mem_bp needs ops paddr' }]],
  },
};
