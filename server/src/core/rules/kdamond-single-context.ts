import type { Rule } from './types';

export const rule: Rule = {
  id: 'kdamond-single-context',
  severity: 'error',
  title: 'A kdamond needs exactly one context',
  explanation: `Mainline kernels accept 0 or 1 for \`contexts/nr_contexts\` (writing 2 fails with EINVAL), and starting a kdamond (\`on\`/\`commit\`) needs exactly 1. damo does not check this; give each context its own kdamond.`,
  check(ctx) {
    ctx.kconfig.kdamonds.forEach((kd, k) => {
      if (kd.contexts.length === 1 || ctx.node(['kdamonds', k])?.kind !== 'map') return;
      if (kd.contexts.length === 0)
        ctx.report({ path: ['kdamonds', k, 'contexts'], onKey: true, message: 'this kdamond has no context: the kernel refuses to start it (EINVAL)' });
      else
        ctx.report({
          path: ['kdamonds', k, 'contexts', 1],
          message: `this kdamond has ${kd.contexts.length} contexts; mainline kernels take one per kdamond (writing nr_contexts ${kd.contexts.length} fails with EINVAL): move each extra context into its own kdamond`,
        });
    });
  },
  examples: {
    pass: ['kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]}]}]\n'],
    fail: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]}, {ops: paddr, targets: [{pid: null, regions: [{start: 8 GiB, end: 12 GiB}]}]}]}]\n',
      'kdamonds: [{contexts: []}]\n',
    ],
    reports: [
      [{ at: '{ops: paddr, targets: [{pid: null, regions: [{start: 8 GiB, end: 12 GiB}]}]}', message: 'this kdamond has 2 contexts' }],
      [{ at: 'contexts', message: 'this kdamond has no context' }],
    ],
  },
};
