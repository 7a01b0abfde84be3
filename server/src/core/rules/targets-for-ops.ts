import type { Rule } from './types';
import { contexts } from './walk';

export const rule: Rule = {
  id: 'targets-for-ops',
  severity: 'error',
  title: 'Targets that do not fit the operations set',
  explanation: `paddr monitors the physical address space: exactly one target (more fails with EINVAL at start), with at least one region — through sysfs the kernel does not pick regions itself, and damo does not fill them in for a config file. vaddr and fvaddr need a \`pid\` per target (a missing process fails the start with EINVAL); fvaddr also needs regions (they stay fixed). A vaddr target's regions are rebuilt from the process's mappings, so given regions do not last.`,
  check(ctx) {
    for (const { context: c, path } of contexts(ctx)) {
      if (c.ops === 'paddr') {
        if (c.targets.length === 0)
          ctx.report({ path: [...path, 'targets'], onKey: true, message: 'a paddr context needs one target with the physical address range to monitor' });
        if (c.targets.length > 1)
          ctx.report({
            path: [...path, 'targets', 1],
            message: `a paddr context takes exactly one target (${c.targets.length} given): the kernel refuses to start with EINVAL`,
          });
        c.targets.forEach((t, i) => {
          if (t.regions.length === 0)
            ctx.report({
              path: [...path, 'targets', i, 'regions'],
              message: 'a paddr target needs at least one region: with none, nothing is monitored (damo writes nr_regions 0 for a config file)',
            });
          if (t.pid !== null) ctx.report({ path: [...path, 'targets', i, 'pid'], severity: 'warning', message: 'paddr ignores pid: use null' });
        });
      } else {
        c.targets.forEach((t, i) => {
          if (t.pid === null) ctx.report({ path: [...path, 'targets', i, 'pid'], message: `a ${c.ops} target needs the pid of the process to monitor` });
          if (c.ops === 'fvaddr' && t.regions.length === 0)
            ctx.report({ path: [...path, 'targets', i, 'regions'], message: 'an fvaddr target needs its fixed virtual address ranges' });
          if (c.ops === 'vaddr' && t.regions.length > 0)
            ctx.report({
              path: [...path, 'targets', i, 'regions'],
              severity: 'information',
              message:
                'vaddr rebuilds regions from the process mappings every ops update interval: these regions only seed the first one (use fvaddr for fixed ranges)',
            });
        });
      }
    }
  },
  examples: {
    pass: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]}]}]\n',
      'kdamonds: [{contexts: [{ops: vaddr, targets: [{pid: 42, regions: []}]}]}]\n',
    ],
    fail: [
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: []}]}]}]\n',
      'kdamonds: [{contexts: [{ops: vaddr, targets: [{pid: null, regions: []}]}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}, {pid: null, regions: [{start: 8 GiB, end: 9 GiB}]}]}]}]\n',
    ],
    reports: [
      [{ at: '[]', message: 'a paddr target needs at least one region' }],
      [{ at: 'null', message: 'a vaddr target needs the pid of the process to monitor' }],
      [{ at: '{pid: null, regions: [{start: 8 GiB, end: 9 GiB}]}', message: 'a paddr context takes exactly one target' }],
    ],
  },
};
