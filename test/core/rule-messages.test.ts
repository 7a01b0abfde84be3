/**
 * Messages and quick fixes of rules as a reader meets them on large or broken configs
 * (issue #13 items 8 and 9): verdict first, bounded length, details in the related information.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText, loadProfile } from '../../server/src/core/index';
import { applyEdits } from './helpers';

const promo = (cg: string, t: string) =>
  `          - {action: migrate_hot, target_nid: 0, quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: ${cg}, target_value: ${t}, current_value: 0}]}}`;
const config = (schemes: string[]): string => `kdamonds:
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
    expect(d.message).toBe(
      'the used targets on node 0 add up to 293%, more than the whole node, so they cannot all be met: 293 cgroups, /workload_0 (1%) + /workload_1 (1%) + /workload_2 (1%) and 290 more',
    );
    expect(d.message.length).toBeLessThan(250);
    expect(d.related).toHaveLength(292);
    expect(d.related![291].message).toBe('/workload_292: 1% of node 0');
    expect(text.slice(d.range.start, d.range.end)).toBe('1%');
  });

  it('names every cgroup when there are at most three', () => {
    const d = checkText(config([promo('/a', '49.7%'), promo('/b', '69.7%')]), { format: 'yaml' }).diagnostics.find(
      (x) => x.code === 'tiering-targets-exceed-node',
    )!;
    expect(d.message).toBe(
      'the used targets on node 0 add up to 119.4%, more than the whole node, so they cannot all be met: 2 cgroups, /a (49.7%) + /b (69.7%)',
    );
  });
});

describe('quick fixes for goal-memcg-path-required and scheme-duplicate', () => {
  const seed = readFileSync(join(__dirname, '..', '..', 'examples', 'seed-rfc-example.damon.yaml'), 'utf8');
  const profile = loadProfile(readFileSync(join(__dirname, '..', '..', 'examples', 'seed-vm.profile.yaml'), 'utf8'), 'seed-vm.profile.yaml').profile!;

  it("goal-memcg-path-required without a safe guess offers the filters' cgroup and the profile's cgroups, none preferred", () => {
    const ds = checkText(seed, { format: 'yaml', profile }).diagnostics.filter((d) => d.code === 'goal-memcg-path-required');
    expect(ds).toHaveLength(2);
    const titles = ds[1].fixes!.map((f) => f.title);
    expect(titles).toEqual([
      'Add memcg_path: /workloads/a (a memcg filter of this scheme)',
      'Add memcg_path: /workload_a (a cgroup of the machine profile seed-vm)',
      'Add memcg_path: /workload_b (a cgroup of the machine profile seed-vm)',
      'Add memcg_path: /workloads/b (a cgroup of the machine profile seed-vm)',
    ]);
    expect(ds[1].fixes!.every((f) => !f.preferred)).toBe(true);
    // picking /workloads/b for the "cgroup b" demotion goal fixes that goal
    const fixed = applyEdits(seed, ds[1].fixes![3].edits);
    expect(fixed).toContain('{metric: node_memcg_free_bp, target_value: 30.5%, nid: 0, current_value: 0, memcg_path: "/workloads/b"}');
    expect(checkText(fixed, { format: 'yaml', profile }).diagnostics.filter((d) => d.code === 'goal-memcg-path-required')).toHaveLength(1);
  });

  it('scheme-duplicate offers removing the duplicate scheme, with its comment, and nothing else', () => {
    const d = checkText(seed, { format: 'yaml' }).diagnostics.find((x) => x.code === 'scheme-duplicate')!;
    expect(d.fixes!.map((f) => f.title)).toEqual(['Remove scheme 1 (the duplicate of scheme 0)']);
    const fixed = applyEdits(seed, d.fixes![0].edits);
    const start = seed.indexOf('          # demotion scheme for cgroup b');
    expect(fixed).toBe(seed.slice(0, start));
    const after = checkText(fixed, { format: 'yaml' });
    expect(after.diagnostics.filter((x) => x.code === 'scheme-duplicate' || x.code.startsWith('yaml'))).toEqual([]);
    expect(after.documents[0].kconfig!.kdamonds[1].contexts[0].schemes).toHaveLength(1);
  });

  it('removes a duplicate in the middle of a block list and in a flow list', () => {
    const s = (cg: string) => `{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: ${cg}}]}`;
    const block = config([
      '          # first',
      `          - ${s('/a')}`,
      '          # copy',
      `          - ${s('/a')}`,
      '          # other',
      `          - ${s('/b')}`,
    ]);
    const d = checkText(block, { format: 'yaml' }).diagnostics.find((x) => x.code === 'scheme-duplicate')!;
    expect(applyEdits(block, d.fixes![0].edits)).toBe(block.replace(`          # copy\n          - ${s('/a')}\n`, ''));
    const flow = `kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 31 GiB, end: 61 GiB}]}], schemes: [${s('/a')}, ${s('/a')}, ${s('/b')}]}]}]\n`;
    const f = checkText(flow, { format: 'yaml' }).diagnostics.find((x) => x.code === 'scheme-duplicate')!;
    expect(applyEdits(flow, f.fixes![0].edits)).toBe(flow.replace(`${s('/a')}, ${s('/a')}`, s('/a')));
  });
});
