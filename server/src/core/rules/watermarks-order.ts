import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

export const rule: Rule = {
  id: 'watermarks-order',
  severity: 'warning',
  title: 'Watermarks out of order',
  explanation: `With metric free_mem_rate (free memory in per-mille) the scheme is active while free memory is between \`low\` and \`mid\`, stays active up to \`high\`, and is deactivated above \`high\` or below \`low\`. The kernel does not check that high ≥ mid ≥ low, nor that they are ≤ 1000: in the wrong order the scheme activates at odd times or never.`,
  check(ctx) {
    for (const ref of schemes(ctx)) {
      const w = ref.scheme.watermarks;
      if (w.metric === 'none') continue;
      const p = [...ref.path, 'watermarks'];
      if (w.high < w.mid)
        ctx.report({ path: [...p, 'high_permil'], message: `high (${w.high}‰) is below mid (${w.mid}‰): the kernel accepts it but activation is erratic` });
      if (w.mid < w.low) ctx.report({ path: [...p, 'mid_permil'], message: `mid (${w.mid}‰) is below low (${w.low}‰): the scheme can never be activated` });
      for (const k of ['high_permil', 'mid_permil', 'low_permil'] as const) {
        const v = k === 'high_permil' ? w.high : k === 'mid_permil' ? w.mid : w.low;
        if (v > 1000) ctx.report({ path: [...p, k], message: `${v}‰ is more than 100 % free memory` });
      }
      if (w.intervalUs === 0)
        ctx.report({ path: [...p, 'interval_us'], message: 'a zero check interval makes the kdamond re-check watermarks continuously while deactivated' });
    }
  },
  examples: {
    pass: [
      config({ schemes: ['{action: pageout, watermarks: {metric: free_mem_rate, interval_us: 5 s, high_permil: 50%, mid_permil: 40%, low_permil: 5%}}'] }),
    ],
    fail: [
      config({ schemes: ['{action: pageout, watermarks: {metric: free_mem_rate, interval_us: 5 s, high_permil: 20%, mid_permil: 50%, low_permil: 5%}}'] }),
    ],
    reports: [[{ at: '20%', message: 'high (200‰) is below mid (500‰): the kernel accepts it but activation is erratic' }]],
  },
};
