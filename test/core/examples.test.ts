import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText, isDamonConfigText, loadProfile } from '../../server/src/core/index';

const dir = join(__dirname, '..', '..', 'examples');
const profile = loadProfile(readFileSync(join(dir, 'seed-vm.profile.yaml'), 'utf8')).profile!;
const configs = readdirSync(dir).filter((f) => /\.damon\.(ya?ml|json)$/.test(f));
/** Kept verbatim from the seed (their header comments list these findings). */
const VERBATIM: Record<string, Record<string, number>> = {
  'seed-rfc-example.damon.yaml': {
    'memcg-path-form': 1,
    'goal-memcg-path-required': 2,
    'filter-admits-outside-goal-cgroup': 2,
    'scheme-duplicate': 1,
    'tiering-unpaired': 2,
  },
  'seed-test-script.damon.yaml': { 'filter-admits-outside-goal-cgroup': 4, 'quota-goal-consist-overshoot': 4, 'damo-float-rounding': 2 },
};

describe('bundled examples', () => {
  it('the machine profile loads', () => {
    expect(profile.nodes.map((n) => n.sizeBytes)).toEqual([30 * 2 ** 30, 30 * 2 ** 30]);
  });

  for (const f of configs) {
    it(`${f} ${VERBATIM[f] ? 'reports exactly what its header says' : 'checks clean'} (with the seed VM profile)`, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(isDamonConfigText(text, f)).toBe(true);
      const ds = checkText(text, { fileName: f, profile }).diagnostics;
      const counts: Record<string, number> = {};
      for (const d of ds) counts[d.code] = (counts[d.code] ?? 0) + 1;
      expect(counts).toEqual(VERBATIM[f] ?? {});
      for (const [code] of Object.entries(VERBATIM[f] ?? {})) expect(text).toContain(code);
    });
  }
});
