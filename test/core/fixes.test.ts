import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText, type CoreDiagnostic } from '../../server/src/core/index';
import { applyEdits } from './helpers';

const root = join(__dirname, '..', '..');
const seed = readFileSync(join(root, 'examples', 'seed-rfc-example.damon.yaml'), 'utf8');

function preferred(d: CoreDiagnostic) {
  return d.fixes?.find((f) => f.preferred) ?? d.fixes?.[0];
}

describe('quick fixes on the seed RFC example (block-style YAML with comments)', () => {
  it('add the leading "/" to the relative cgroup path, changing nothing else', () => {
    const d = checkText(seed, { fileName: 'seed.damon.yaml' }).diagnostics.find((x) => x.code === 'memcg-path-form')!;
    const fixed = applyEdits(seed, preferred(d)!.edits);
    expect(fixed).toContain('memcg_path: /workloads/b, current_value: 0}');
    expect(fixed.length).toBe(seed.length + 1);
    expect(fixed.replace('/workloads/b, current_value', 'workloads/b, current_value')).toBe(seed);
  });

  it('no preferred memcg_path guess for the demotion goals: their memcg filters are duplicated, so the cgroup is only offered', () => {
    const ds = checkText(seed, { fileName: 'seed.damon.yaml' }).diagnostics.filter((x) => x.code === 'goal-memcg-path-required');
    expect(ds).toHaveLength(2);
    for (const d of ds) {
      expect((d.fixes ?? []).filter((f) => f.preferred)).toEqual([]);
      expect((d.fixes ?? []).map((f) => f.title)).toEqual(['Add memcg_path: /workloads/a (a memcg filter of this scheme)']);
    }
  });

  it("add memcg_path from the scheme's own memcg filter, in flow style", () => {
    const fixedFilters = seed.replace(/(# demotion scheme for cgroup b[\s\S]*?memcg_path: )\/workloads\/a/, '$1/workloads/b');
    const ds = checkText(fixedFilters, { fileName: 'seed.damon.yaml' }).diagnostics.filter((x) => x.code === 'goal-memcg-path-required');
    expect(ds).toHaveLength(2);
    const fixed = applyEdits(fixedFilters, preferred(ds[1])!.edits);
    expect(fixed).toContain('{metric: node_memcg_free_bp, target_value: 30.5%, nid: 0, current_value: 0, memcg_path: "/workloads/b"}');
    const after = checkText(fixed, { fileName: 'seed.damon.yaml' }).diagnostics;
    expect(after.filter((x) => x.code === 'goal-memcg-path-required')).toHaveLength(1);
  });

  it('turn the OR filter chain into the AND form, keeping indentation and comments', () => {
    const d = checkText(seed, { fileName: 'seed.damon.yaml' }).diagnostics.find((x) => x.code === 'filter-admits-outside-goal-cgroup')!;
    const fixed = applyEdits(seed, preferred(d)!.edits);
    expect(fixed).toContain(
      '            filters:\n              - {filter_type: memcg, matching: false, allow: false, memcg_path: "/workloads/a"}\n              - {filter_type: young, matching: false, allow: false}\n          # promotion scheme for cgroup b',
    );
    const after = checkText(fixed, { fileName: 'seed.damon.yaml' }).diagnostics;
    expect(after.filter((x) => x.code.startsWith('yaml') || x.code.startsWith('schema'))).toEqual([]);
    expect(after.filter((x) => x.code === 'filter-admits-outside-goal-cgroup')).toHaveLength(1);
    // every comment survives
    const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('#'));
    expect(comments(fixed)).toEqual(comments(seed));
  });

  it('in JSON, a quick fix emits JSON', () => {
    const json = JSON.stringify(
      {
        kdamonds: [
          {
            contexts: [
              {
                ops: 'paddr',
                targets: [{ pid: null, regions: [{ start: '4 GiB', end: '8 GiB' }] }],
                schemes: [{ action: 'pageout', filters: [{ filter_type: 'memcg', matching: true, allow: false, memcg_path: 'a/b' }] }],
              },
            ],
          },
        ],
      },
      null,
      2,
    );
    const d = checkText(json, { fileName: 'x.damon.json' }).diagnostics.find((x) => x.code === 'memcg-path-form')!;
    const fixed = applyEdits(json, preferred(d)!.edits);
    expect(JSON.parse(fixed).kdamonds[0].contexts[0].schemes[0].filters[0].memcg_path).toBe('/a/b');
  });
});
