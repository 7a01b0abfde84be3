import type { Rule } from './types';
import { config } from './examples';

export const rule: Rule = {
  id: 'damo-float-rounding',
  severity: 'hint',
  title: 'damo writes a slightly different number than written',
  explanation: `damo converts percent strings with binary floating point and writes integers with %d, which truncates: "9.7%" as basis points is 9.7 / 100 × 10000 = 969.999… → **969**, and "0.7%" as per-mille becomes 6. This tool (plan, deploy) writes the exact value (970); \`damo start\` on the same file writes the truncated one. To make both agree, write the integer in base units (970) instead of a percent string.`,
  check(ctx) {
    for (const [node, v] of ctx.lowered.values) {
      if (v.special || v.damo === v.value || !Number.isInteger(v.value)) continue;
      if (v.unit !== 'bp' && v.unit !== 'permil') continue;
      ctx.report({
        path: [],
        range: node.range,
        message: `damo writes ${v.damo} ${v.unit} for ${node.source || JSON.stringify(node.value)} (floating point, then truncation); this tool writes ${v.value}. Write ${v.value} to get the same value from both`,
        fixes: [{ title: `Write ${v.value} (exact ${v.unit})`, edits: [{ range: node.range, newText: String(v.value) }] }],
      });
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 100 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 29.7%, current_value: 0}]}}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 100 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: 9.7%, current_value: 0}]}}',
        ],
      }),
    ],
    reports: [[{ at: '9.7%', message: 'damo writes 969 bp for 9.7%' }]],
  },
};
