import type { Rule } from './types';
import { config, QUOTAS } from './examples';
import { goals } from './walk';

export const rule: Rule = {
  id: 'damo-drops-field',
  severity: 'warning',
  title: 'A field damo 3.4.1 does not write to the kernel',
  explanation: `damo writes only the goal fields it thinks a metric needs. damo 3.4.1's list of metrics with a node (\`nid\`) leaves out node_eligible_mem_bp (added in Linux 7.2): it never writes that goal's \`nid\`, so the kernel keeps its default and the goal measures node 0, whatever the config says (measured in the test VM: nid 1 in the config, 0 in sysfs; written by hand the kernel keeps nid 1).
Deploying with this tool writes \`nid\`; with damo, only node 0 works as written.`,
  check(ctx) {
    for (const { goal, path } of goals(ctx)) {
      if (goal.metric === 'node_eligible_mem_bp' && goal.nid !== null && goal.nid !== 0) {
        ctx.report({
          path: [...path, 'nid'],
          message: `damo 3.4.1 does not write \`nid\` for node_eligible_mem_bp: started with damo, this goal measures node 0, not node ${goal.nid} (deploy and hand-written sysfs keep ${goal.nid})`,
        });
      }
    }
  },
  examples: {
    pass: [
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_eligible_mem_bp, nid: 0, target_value: 5000, current_value: 0}]}}`],
      }),
    ],
    fail: [
      config({
        schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_eligible_mem_bp, nid: 1, target_value: 5000, current_value: 0}]}}`],
      }),
    ],
    reports: [[{ at: '1', nth: 2, message: 'damo 3.4.1 does not write `nid` for node_eligible_mem_bp: started' }]],
  },
};
