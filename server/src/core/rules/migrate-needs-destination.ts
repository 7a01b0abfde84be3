import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'migrate-needs-destination',
  severity: 'error',
  title: 'migrate_hot / migrate_cold without a destination node',
  explanation: `Migration needs a destination: \`target_nid\` with paddr, \`dests\` (or \`target_nid\`) with vaddr/fvaddr. The kernel accepts a migrate scheme without one (target_nid stays -1) and migrates nothing; before a 7.2 stable fix the isolated pages were even leaked off the LRU.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const s = ref.scheme;
      if (s.action !== 'migrate_hot' && s.action !== 'migrate_cold') continue;
      const hasDests = s.dests.length > 0 && ref.context.ops !== 'paddr';
      if (s.targetNid >= 0 || hasDests) continue;
      ctx.report({
        path: [...ref.path, 'action'],
        message: `${s.action} has no destination: set target_nid${ref.context.ops === 'paddr' ? '' : ' or dests'}${ref.context.ops === 'paddr' && s.dests.length ? ' (paddr ignores dests)' : ''}; without it nothing is migrated`,
      });
    }
  },
  examples: {
    pass: [
      config({ schemes: ['{action: migrate_cold, target_nid: 1}'] }),
      config({ ops: 'vaddr', schemes: ['{action: migrate_cold, dests: [{id: 1, weight: 1}]}'] }),
    ],
    fail: [config({ schemes: ['{action: migrate_cold}'] }), config({ schemes: ['{action: migrate_cold, dests: [{id: 1, weight: 1}]}'] })],
    reports: [[{ at: 'migrate_cold', message: 'migrate_cold has no destination' }], [{ at: 'migrate_cold', message: 'migrate_cold has no destination' }]],
  },
};
