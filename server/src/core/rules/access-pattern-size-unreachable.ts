import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';
import { formatBytes } from '../model/units';

/** the largest user address space on x86-64 (5-level paging): 2^57 bytes */
const MAX_VADDR_SPAN = 2 ** 57;

export const rule: Rule = {
  id: 'access-pattern-size-unreachable',
  severity: 'warning',
  title: 'A minimum region size no region can reach',
  explanation: `DAMON regions never grow beyond the address ranges they monitor: a paddr or fvaddr region is at most as large as the context's regions together (and, with a machine profile, as the machine's memory); a vaddr region at most as large as a process's address space. An access pattern whose \`sz_bytes\` min is larger never matches (the kernel and damo accept it; measured with "1 EiB" on 7.2.13), so the scheme does nothing.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const c = ref.context;
      const min = ref.scheme.accessPattern.sz.min;
      let bound: number;
      let what: string;
      if (c.ops === 'vaddr') {
        bound = MAX_VADDR_SPAN;
        what = 'a process address space';
      } else {
        const span = c.targets.reduce((s, t) => s + t.regions.reduce((r, g) => r + Math.max(0, g.end - g.start), 0), 0);
        if (span === 0) continue;
        bound = span;
        what = `the context's regions together (${formatBytes(span)})`;
        const mem = ctx.profile?.nodes.reduce((s, n) => s + n.sizeBytes, 0) ?? 0;
        if (c.ops === 'paddr' && mem > 0 && mem < bound) {
          bound = mem;
          what = `the machine's memory (${formatBytes(mem)})`;
        }
      }
      if (min <= bound) continue;
      ctx.report({
        path: [...ref.path, 'access_pattern', 'sz_bytes', 'min'],
        message: `sz_bytes min ${formatBytes(min)} is larger than ${what}: no region can be that large, so this scheme never matches`,
      });
    }
  },
  examples: {
    pass: [
      config({ schemes: ['{action: pageout, access_pattern: {sz_bytes: {min: 2 MiB, max: max}, nr_accesses: {min: 0, max: 0}, age: {min: 0, max: max}}}'] }),
    ],
    fail: [
      config({ schemes: ['{action: pageout, access_pattern: {sz_bytes: {min: 1 EiB, max: max}, nr_accesses: {min: 0, max: 0}, age: {min: 0, max: max}}}'] }),
    ],
    reports: [[{ at: '1 EiB', message: "sz_bytes min 1 EiB is larger than the context's regions together (27" }]],
  },
};
