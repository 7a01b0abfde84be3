import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { BP_METRICS } from './metrics';
import { goals } from './walk';

export const rule: Rule = {
  id: 'goal-target-range',
  severity: 'error',
  title: 'A quota goal target the kernel cannot use',
  explanation: `The kernel silently skips a goal whose \`target_value\` is 0 (it would divide by zero), so the quota is not tuned at all.
Ratio metrics (*_bp) are basis points: 10000 = 100 %. A target above 10000 can never be reached.
A bare number on a bp metric is taken as basis points: \`target_value: 29.7\` means 0.297 %, not 29.7 % — write \`"29.7%"\` (or 2970).`,
  check(ctx) {
    for (const { goal, path } of goals(ctx)) {
      const tp = [...path, ctx.node([...path, 'target_value']) !== undefined ? 'target_value' : 'target_value_bp'];
      const node = ctx.node(tp);
      if (!node) continue;
      // a negative number is value-negative's one error (the kernel refuses the write with EINVAL);
      // it is lowered to 0, which must not read as "target 0" here as well
      if (node.kind === 'scalar' && /^\s*-/.test(node.source || String(node.value))) continue;
      if (goal.targetValue === 0) {
        ctx.report({ path: tp, message: `target 0: the kernel silently ignores this goal (it accepts the value without error), so the quota is never tuned` });
        continue;
      }
      if (!BP_METRICS.has(goal.metric)) continue;
      if (goal.targetValue > 10000) {
        ctx.report({ path: tp, message: `${goal.metric} is in basis points (10000 = 100 %): a target of ${goal.targetValue} bp can never be reached` });
      } else if (node.kind === 'scalar' && typeof node.value === 'number' && node.value < 100 && !Number.isInteger(node.value)) {
        ctx.report({
          path: tp,
          severity: 'warning',
          message: `a bare ${node.value} on a bp metric is ${node.value} basis points (${node.value / 100} %), written as ${Math.trunc(node.value)}; did you mean "${node.value}%"?`,
          fixes: [{ title: `Change to "${node.value}%"`, edits: [{ range: node.range, newText: JSON.stringify(`${node.value}%`) }], preferred: true }],
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 29.7%, current_value: 0}]}}`],
      }),
    ],
    fail: [
      config({ schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 0, current_value: 0}]}}`] }),
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 29.7, current_value: 0}]}}`],
      }),
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_mem_free_bp, nid: 0, target_value: 120%, current_value: 0}]}}`],
      }),
    ],
    reports: [
      [{ at: '0', nth: 8, message: 'target 0: the kernel silently ignores this goal (it accepts the value without error), so' }],
      [{ at: '29.7', message: 'a bare 29.7 on a bp metric is 29.7 basis points' }],
      [{ at: '120%', message: 'node_mem_free_bp is in basis points' }],
    ],
  },
};
