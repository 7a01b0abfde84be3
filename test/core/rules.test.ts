import { describe, expect, it } from 'vitest';
import { checkText, loadProfile, RULES } from '../../server/src/core/index';
import { applyEdits } from './helpers';

/** Offset of the nth occurrence of `at` in `text` (-1 if there is none). */
function nthIndex(text: string, at: string, nth = 0): number {
  let i = text.indexOf(at);
  for (let k = 0; k < nth && i >= 0; k++) i = text.indexOf(at, i + 1);
  return i;
}

describe('every semantic rule, both ways', () => {
  for (const rule of RULES) {
    describe(rule.id, () => {
      const profile = rule.examples.profile ? (loadProfile(rule.examples.profile).profile ?? undefined) : undefined;
      const opts = { profile, kernel: rule.examples.kernel, fileName: 'x.damon.yaml' };

      it('has documentation, both kinds of examples, and what each failing example reports', () => {
        expect(rule.title.length).toBeGreaterThan(10);
        expect(rule.explanation.length).toBeGreaterThan(80);
        expect(rule.examples.pass.length).toBeGreaterThan(0);
        expect(rule.examples.fail.length).toBeGreaterThan(0);
        expect(rule.examples.reports).toHaveLength(rule.examples.fail.length);
        if (rule.examples.profile) expect(profile).toBeDefined();
      });

      rule.examples.pass.forEach((text, i) => {
        it(`passing example ${i} reports nothing for ${rule.id} and parses cleanly`, () => {
          const r = checkText(text, opts);
          expect(r.diagnostics.filter((d) => d.code === rule.id)).toEqual([]);
          expect(r.diagnostics.filter((d) => /^(yaml|json|schema|value)-/.test(d.code))).toEqual([]);
        });
      });

      rule.examples.fail.forEach((text, i) => {
        it(`failing example ${i} reports ${rule.id} exactly where and what its examples say`, () => {
          const r = checkText(text, opts);
          expect(r.diagnostics.filter((d) => /^(yaml|json)-syntax/.test(d.code))).toEqual([]);
          const mine = r.diagnostics.filter((d) => d.code === rule.id);
          const expected = rule.examples.reports[i] ?? [];
          expect(expected.length, 'every failing example names at least one finding').toBeGreaterThan(0);
          // the code, the exact range and the key part of the message of every finding, nothing more
          const got = mine.map((d) => ({ start: d.range.start, end: d.range.end, at: text.slice(d.range.start, d.range.end), message: d.message }));
          const want = expected.map((e) => {
            const start = nthIndex(text, e.at, e.nth);
            expect(start, `"${e.at}" (occurrence ${e.nth ?? 0}) is in the example`).toBeGreaterThanOrEqual(0);
            return { start, end: start + e.at.length, at: e.at, message: expect.stringContaining(e.message) };
          });
          expect(got).toEqual(want);
        });

        it(`failing example ${i}: every quick fix of ${rule.id} keeps the file valid and removes its diagnostic`, () => {
          const r = checkText(text, opts);
          for (const d of r.diagnostics.filter((x) => x.code === rule.id && x.fixes?.length)) {
            for (const fix of d.fixes!) {
              const fixed = applyEdits(text, fix.edits);
              expect(fixed).not.toBe(text);
              const after = checkText(fixed, opts);
              expect(after.diagnostics.filter((x) => /^(yaml|json)-syntax|^schema-/.test(x.code))).toEqual([]);
              const same = after.diagnostics.filter((x) => x.code === rule.id && x.message === d.message);
              expect(same, `fix "${fix.title}" left: ${same.map((x) => x.message).join('; ')}`).toEqual([]);
            }
          }
        });
      });
    });
  }

  it('rule ids are unique and kebab-case', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
