import { describe, expect, it } from 'vitest';
import { checkText, loadProfile, RULES } from '../../server/src/core/index';
import { applyEdits } from './helpers';


describe('every semantic rule, both ways', () => {
  for (const rule of RULES) {
    describe(rule.id, () => {
      const profile = rule.examples.profile ? loadProfile(rule.examples.profile).profile ?? undefined : undefined;
      const opts = { profile, kernel: rule.examples.kernel, fileName: 'x.damon.yaml' };

      it('has documentation and both kinds of examples', () => {
        expect(rule.title.length).toBeGreaterThan(10);
        expect(rule.explanation.length).toBeGreaterThan(80);
        expect(rule.examples.pass.length).toBeGreaterThan(0);
        expect(rule.examples.fail.length).toBeGreaterThan(0);
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
        it(`failing example ${i} reports ${rule.id}`, () => {
          const r = checkText(text, opts);
          const mine = r.diagnostics.filter((d) => d.code === rule.id);
          expect(mine.length).toBeGreaterThan(0);
          for (const d of mine) {
            expect(d.range.end).toBeGreaterThan(d.range.start);
            expect(d.range.end - d.range.start).toBeLessThan(text.length);
            expect(d.message.length).toBeGreaterThan(15);
          }
          expect(r.diagnostics.filter((d) => /^(yaml|json)-syntax/.test(d.code))).toEqual([]);
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
