import { kernelFacts } from '../kernel-version';
import { KERNEL_SINCE } from '../schema/spec';
import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

const VADDR_ONLY = new Set(['willneed', 'cold', 'hugepage', 'nohugepage', 'collapse']);
const PADDR_ONLY = new Set(['lru_prio', 'lru_deprio']);

export const rule: Rule = {
  id: 'action-unsupported-by-ops',
  severity: 'warning',
  title: 'An action the operations set cannot perform',
  explanation: `The kernel accepts any action with any operations set, but an unsupported one does nothing: regions are counted as tried and never applied. willneed, cold, hugepage, nohugepage and collapse are madvise actions (vaddr/fvaddr only); lru_prio and lru_deprio work on physical pages (paddr only); migrate_hot/migrate_cold work with vaddr/fvaddr only since ${KERNEL_SINCE.vaddr_migrate}.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const a = ref.scheme.action;
      const ops = ref.context.ops;
      let why: string | undefined;
      if (ops === 'paddr' && VADDR_ONLY.has(a)) why = `${a} is a madvise action (vaddr/fvaddr only): with paddr it does nothing`;
      else if (ops !== 'paddr' && PADDR_ONLY.has(a)) why = `${a} works on physical pages (paddr only): with ${ops} it does nothing`;
      else if (ops !== 'paddr' && (a === 'migrate_hot' || a === 'migrate_cold') && !kernelFacts(ctx.kernel).vaddr_migrate)
        why = `${a} with ${ops} needs Linux ${KERNEL_SINCE.vaddr_migrate} (target: ${ctx.kernelText}); before that it does nothing`;
      if (why) ctx.report({ path: [...ref.path, 'action'], message: why });
    }
  },
  examples: {
    pass: [config({ schemes: ['{action: lru_prio}'] }), config({ ops: 'vaddr', schemes: ['{action: willneed}'] })],
    fail: [config({ schemes: ['{action: willneed}'] }), config({ ops: 'vaddr', schemes: ['{action: lru_deprio}'] })],
    reports: [[{ at: 'willneed', message: 'willneed is a madvise action' }], [{ at: 'lru_deprio', message: 'lru_deprio works on physical pages' }]],
  },
};
