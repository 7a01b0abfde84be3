import type { Fix } from '../diagnostic';
import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { addKeyEdits } from './edits';
import { goals } from './walk';

export const rule: Rule = {
  id: 'goal-required-keys',
  severity: 'error',
  title: 'A quota goal without metric, target_value or current_value',
  explanation: `damo reads \`metric\`, \`target_value\` and \`current_value\` of every goal and fails with a bare KeyError if one is missing — \`current_value\` too, although only user_input goals use it (write 0). The legacy pair target_value_bp/current_value_bp (damo 2.0.8–2.2.1) is still read as a user_input goal.`,
  check(ctx) {
    for (const { path } of goals(ctx)) {
      const has = (k: string) => ctx.node([...path, k]) !== undefined;
      if (has('target_value_bp')) continue;
      for (const key of ['metric', 'target_value', 'current_value']) {
        if (has(key)) continue;
        const fixes: Fix[] =
          key === 'current_value' ? [{ title: 'Add current_value: 0', edits: addKeyEdits(ctx, path, 'current_value', '0'), preferred: true }] : [];
        ctx.report({
          path: has('metric') ? [...path, 'metric'] : path,
          onKey: has('metric'),
          message: `this quota goal has no \`${key}\`: damo fails with KeyError '${key}'${key === 'current_value' ? ' (write 0; only user_input goals use it)' : ''}`,
          fixes: fixes.filter((f) => f.edits.length),
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [`{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_mem_free_bp, nid: 0, target_value: 0.5%, current_value: 0}]}}`],
      }),
    ],
    fail: [config({ schemes: [`{action: migrate_cold, target_nid: 1, ${QUOTAS}, goals: [{metric: node_mem_free_bp, nid: 0, target_value: 0.5%}]}}`] })],
    reports: [[{ at: 'metric', message: 'this quota goal has no `current_value`' }]],
  },
};
