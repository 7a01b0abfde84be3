/** The nesting pre-scan (core/parse/guard.ts): catches every deep shape, never a real config. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NESTING, nestingTooDeep } from '../../server/src/core/parse/guard';
import { parseYaml, parseJson } from '../../server/src/core/parse/tree';
import { RULES } from '../../server/src/core/rules/index';

const ROOT = join(__dirname, '..', '..');

describe('nestingTooDeep', () => {
  it('passes every example, fuzz seed and rule example', () => {
    const texts: [string, string][] = [];
    for (const dir of ['examples', 'examples/scenarios', 'test/fuzz/seeds']) {
      for (const f of readdirSync(join(ROOT, dir))) if (/\.(ya?ml|json|sh)$/.test(f)) texts.push([`${dir}/${f}`, readFileSync(join(ROOT, dir, f), 'utf8')]);
    }
    for (const r of RULES) for (const ex of [...r.examples.fail, ...r.examples.pass]) texts.push([r.id, ex]);
    expect(texts.length).toBeGreaterThan(50);
    for (const [name, t] of texts) expect([name, nestingTooDeep(t)]).toEqual([name, -1]);
  });

  const deep = MAX_NESTING + 1;
  const shapes: [string, string][] = [
    ['flow maps', `kdamonds: ${'{a: '.repeat(deep)}1${'}'.repeat(deep)}`],
    ['flow sequences', `kdamonds: ${'['.repeat(deep)}${']'.repeat(deep)}`],
    ['JSON', `{"kdamonds": ${'['.repeat(deep)}${']'.repeat(deep)}}`],
    ['compact sequences', `kdamonds:\n${'- '.repeat(deep)}x\n`],
    ['indentation', Array.from({ length: deep }, (_, i) => `${' '.repeat(i)}a:\n`).join('')],
    ['sequences of maps by indentation', Array.from({ length: deep }, (_, i) => `${' '.repeat(2 * i)}- a:\n`).join('')],
    ['CR-only indentation', Array.from({ length: deep }, (_, i) => `${' '.repeat(i)}a:\r`).join('')],
    ['unclosed brackets', `kdamonds: ${'{'.repeat(1_000_000)}`],
  ];
  for (const [name, text] of shapes) {
    it(`finds ${name} nested ${deep} deep, and the parsers report one too-deep`, () => {
      expect(nestingTooDeep(text)).toBeGreaterThanOrEqual(0);
      const docs = name === 'JSON' ? [parseJson(text)] : parseYaml(text);
      expect(docs.flatMap((d) => d.diagnostics).map((d) => d.code)).toEqual(['too-deep']);
    });
  }

  it('does not count brackets in quoted scalars, comments or block scalars', () => {
    const many = '['.repeat(deep * 2);
    expect(
      nestingTooDeep(
        `a: "${many}"\nb: '${many}'\n# ${many}\nc: |\n  ${many}\n${Array.from({ length: deep }, (_, i) => `  ${' '.repeat(i)}x`).join('\n')}\nd: 1\n`,
      ),
    ).toBe(-1);
    expect(nestingTooDeep(`a: >-\n${Array.from({ length: deep }, (_, i) => `  ${' '.repeat(i)}{`).join('\n')}\n`)).toBe(-1);
  });

  it('a depth just under the limit passes', () => {
    expect(nestingTooDeep(`kdamonds: ${'['.repeat(MAX_NESTING - 2)}${']'.repeat(MAX_NESTING - 2)}`)).toBe(-1);
  });
});
