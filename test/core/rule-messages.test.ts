/**
 * Messages and quick fixes of rules as a reader meets them on large or broken configs
 * (issue #13 items 8 and 9): verdict first, bounded length, details in the related information.
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';

const promo = (cg: string, t: string) => `          - {action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: ${cg}, target_value: ${t}, current_value: 0}]}}`;
const config = (schemes: string[]) => `kdamonds:
  - contexts:
      - ops: paddr
        targets: [{pid: null, regions: [{start: 31 GiB, end: 61 GiB}]}]
        schemes:
${schemes.join('\n')}
`;

describe('tiering-targets-exceed-node on a large file', () => {
  it('gives the verdict first, names three cgroups, counts the rest, and lists each in the related information', () => {
    const text = config(Array.from({ length: 293 }, (_, i) => promo(`/workload_${i}`, '1%')));
    const ds = checkText(text, { format: 'yaml' }).diagnostics.filter((d) => d.code === 'tiering-targets-exceed-node');
    expect(ds).toHaveLength(1);
    const d = ds[0];
    expect(d.message).toBe('the used targets on node 0 add up to 293%, more than the whole node, so they cannot all be met: 293 cgroups, /workload_0 (1%) + /workload_1 (1%) + /workload_2 (1%) and 290 more');
    expect(d.message.length).toBeLessThan(250);
    expect(d.related).toHaveLength(292);
    expect(d.related![291].message).toBe('/workload_292: 1% of node 0');
    expect(text.slice(d.range.start, d.range.end)).toBe('1%');
  });

  it('names every cgroup when there are at most three', () => {
    const d = checkText(config([promo('/a', '49.7%'), promo('/b', '69.7%')]), { format: 'yaml' }).diagnostics.find((x) => x.code === 'tiering-targets-exceed-node')!;
    expect(d.message).toBe('the used targets on node 0 add up to 119.4%, more than the whole node, so they cannot all be met: 2 cgroups, /a (49.7%) + /b (69.7%)');
  });
});
