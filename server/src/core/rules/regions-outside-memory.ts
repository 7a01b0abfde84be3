import type { Rule } from './types';
import { config, SEED_PROFILE } from './examples';
import { contexts } from './walk';
import { formatBytes } from '../model/units';

export const rule: Rule = {
  id: 'regions-outside-memory',
  severity: 'warning',
  title: 'A paddr region that is not memory on the machine',
  explanation: `A paddr context monitors physical address ranges. With a machine profile (\`--profile\`, or the probed host) the validator knows each NUMA node's physical ranges: a region that covers no memory at all monitors nothing (its schemes never act), and one that is only partly memory includes holes (for example the PCI hole below 4 GiB on x86). Configs written for one machine often carry another machine's addresses.`,
  check(ctx) {
    const profile = ctx.profile;
    const ranges = profile?.nodes.flatMap((n) => n.ranges.map((r) => ({ ...r, nid: n.nid }))) ?? [];
    if (!profile || ranges.length === 0) return;
    for (const { context: c, path } of contexts(ctx)) {
      if (c.ops !== 'paddr') continue;
      c.targets.forEach((t, ti) => {
        t.regions.forEach((r, ri) => {
          if (r.end <= r.start) return;
          const covered = ranges.reduce((s, m) => s + Math.max(0, Math.min(r.end, m.end) - Math.max(r.start, m.start)), 0);
          const rp = [...path, 'targets', ti, 'regions', ri];
          const where = `${profile.name ?? 'the profiled machine'} (memory: ${ranges.map((m) => `node ${m.nid} [${formatBytes(m.start)}, ${formatBytes(m.end)})`).join(', ')})`;
          if (covered === 0)
            ctx.report({ path: rp, message: `[${formatBytes(r.start)}, ${formatBytes(r.end)}) is not memory on ${where}: this context monitors nothing` });
          else if (covered < r.end - r.start)
            ctx.report({
              path: rp,
              severity: 'information',
              message: `${formatBytes(r.end - r.start - covered)} of [${formatBytes(r.start)}, ${formatBytes(r.end)}) is not memory on ${where}`,
            });
        });
      });
    }
  },
  examples: {
    profile: SEED_PROFILE,
    pass: [config({ targets: '[{pid: null, regions: [{start: 31 GiB, end: 61 GiB}]}]' })],
    fail: [
      config({ targets: '[{pid: null, regions: [{start: 61 GiB, end: 64 GiB}]}]' }),
      config({ targets: '[{pid: null, regions: [{start: 2 GiB, end: 5 GiB}]}]' }),
    ],
    reports: [
      [{ at: '{start: 61 GiB, end: 64 GiB}', message: '[61 GiB, 64 GiB) is not memory on seed-vm' }],
      [{ at: '{start: 2 GiB, end: 5 GiB}', message: '1 GiB of [2 GiB, 5 GiB) is not memory on seed-vm' }],
    ],
  },
};
