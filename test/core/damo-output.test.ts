/**
 * damo 3.4.1's own output (captured in the test VM, test/fixtures/damo-3.4.1/) is read without an
 * error unless damo or the kernel would fail on it: every damo printout of a repo example gets the
 * same errors as the example itself (the seed RFC example keeps its real mistakes), and none of
 * the keys, nulls and "max" spellings damo prints is reported.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';

const root = join(__dirname, '..', '..');
const fixtures = join(root, 'test/fixtures/damo-3.4.1');
const EXAMPLES = [
  'memcg-tiering.damon.yaml',
  'node-tiering.damon.yaml',
  'seed-rfc-example.damon.yaml',
  'seed-test-script.damon.yaml',
  'proactive-reclaim.damon.json',
];

const errors = (text: string, fileName: string) =>
  checkText(text, { fileName, kernel: '7.2' })
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.code)
    .sort();

describe('damo 3.4.1 args damon --format json output', () => {
  for (const ex of EXAMPLES) {
    it(`${ex}: damo's printout has exactly the example's errors`, () => {
      const name = ex.replace(/\.damon\.(yaml|json)$/, '');
      const out = readFileSync(join(fixtures, `${name}.args.json`), 'utf8');
      const src = readFileSync(join(root, 'examples', ex), 'utf8');
      const res = checkText(out, { fileName: `${name}.args.json`, kernel: '7.2' });
      expect(res.diagnostics.filter((d) => d.code.startsWith('schema-') || d.code === 'kernel-feature' || d.code === 'u32-overflow')).toEqual([]);
      expect(errors(out, `${name}.args.json`)).toEqual(errors(src, ex));
    });
  }

  it('a damo command-line printout (nulls on goals and filters, "max" as 18,446,744,073,709,551,615 %) is clean', () => {
    const out = readFileSync(join(fixtures, 'cmdline-stat-goal-memcg.args.json'), 'utf8');
    expect(out).toContain('"18,446,744,073,709,551,615 %"');
    expect(out).toContain('"probe_hits_wsum_range": null');
    const res = checkText(out, { fileName: 'x.json', kernel: '7.2' });
    expect(res.diagnostics.filter((d) => d.severity !== 'information')).toEqual([]);
  });
});
