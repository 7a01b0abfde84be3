import type { ConfigPath } from '../diagnostic';
import { ULONG_MAX } from '../model/kernel';
import type { Rule } from './types';
import { config } from './examples';
import { schemes } from './walk';

const ULONG_MAX_TEXT = '18446744073709551615';

export const rule: Rule = {
  id: 'size-over-ulong',
  severity: 'warning',
  title: 'A size of 2^64 bytes or more',
  explanation: `Quota sizes and access-pattern size bounds are unsigned long files: the largest value is 2^64 − 1 (${ULONG_MAX_TEXT}). "16 EiB" is 2^64. damo 3.4.1 silently caps such a value to 2^64 − 1 (and so does deploy), which means "no limit"; written by hand, the kernel refuses 2^64 with EINVAL (measured on 7.2.13). Write "max" when no limit is meant.`,
  check(ctx) {
    const over = (path: ConfigPath, what: string) => {
      const node = ctx.node(path);
      if (!node || node.kind !== 'scalar') return;
      const parsed = ctx.lowered.values.get(node);
      if (!parsed || parsed.special || parsed.value < ULONG_MAX) return;
      if (String(node.source || node.value).replace(/[,_\s]/g, '') === ULONG_MAX_TEXT) return;
      ctx.report({
        path,
        message: `${what} ${node.source || String(node.value)} is 2^64 bytes or more, above the kernel's unsigned long: damo 3.4.1 silently writes ${ULONG_MAX_TEXT} (no limit) instead, and 2^64 written by hand is refused with EINVAL; write "max" if no limit is meant`,
      });
    };
    for (const ref of schemes(ctx)) {
      over([...ref.path, 'quotas', 'sz_bytes'], 'the size quota');
      over([...ref.path, 'access_pattern', 'sz_bytes', 'min'], 'sz_bytes min');
      over([...ref.path, 'access_pattern', 'sz_bytes', 'max'], 'sz_bytes max');
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: pageout, quotas: {time_ms: 0, sz_bytes: 15 EiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}}}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: pageout, quotas: {time_ms: 0, sz_bytes: 16 EiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}}}',
        ],
      }),
    ],
    reports: [[{ at: '16 EiB', message: "the size quota 16 EiB is 2^64 bytes or more, above the kernel's" }]],
  },
};
