import type { Rule } from './types';
import { config, SEED_PROFILE } from './examples';
import { monitoredNode } from './machine';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'migrate-to-monitored-node',
  severity: 'warning',
  title: 'Migrating memory to the node it is already on',
  explanation: `A paddr context monitors physical memory; with a machine profile we know which NUMA node that memory belongs to. A migrate scheme whose \`target_nid\` is that same node moves nothing: the pages are already there. Usually the promotion and demotion kdamonds (or their target nodes) are swapped.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const s = ref.scheme;
      if ((s.action !== 'migrate_hot' && s.action !== 'migrate_cold') || s.targetNid < 0) continue;
      const node = monitoredNode(ref.context, ctx.profile);
      if (node === undefined || node !== s.targetNid) continue;
      ctx.report({
        path: [...ref.path, 'target_nid'],
        message: `this context monitors memory of node ${node}, so ${s.action} to node ${s.targetNid} is a no-op`,
      });
    }
  },
  examples: {
    profile: SEED_PROFILE,
    pass: [config({ schemes: ['{action: migrate_cold, target_nid: 1}'] })],
    fail: [config({ schemes: ['{action: migrate_cold, target_nid: 0}'] })],
    reports: [[{ at: '0', message: 'this context monitors memory of node 0' }]],
  },
};
