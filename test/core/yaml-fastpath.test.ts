import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYaml, type SNode } from '../../server/src/core/parse/tree';
import { RULES } from '../../server/src/core/index';
import { generateConfig } from '../../bench/gen';
import { runs } from '../tier';

/**
 * Structural fingerprint: exact ranges of every scalar (keys and values) and every container. A block
 * collection ends after its last entry's line on both paths, whatever comment lines follow (the
 * incremental check relies on it: items are parsed by either path and must match a whole-file parse).
 */
function shape(n: SNode | null): unknown {
  if (!n) return null;
  if (n.kind === 'scalar') return ['s', n.range.start, n.range.end, Number.isNaN(n.value) ? 'NaN' : n.value, n.quoted, n.yaml12 ?? '-'];
  const lastEnd =
    n.kind === 'seq' ? n.items[n.items.length - 1]?.range.end : (n.pairs[n.pairs.length - 1]?.value ?? n.pairs[n.pairs.length - 1]?.key)?.range.end;
  expect(n.range.end).toBeGreaterThanOrEqual(lastEnd ?? n.range.start);
  if (n.kind === 'seq') return ['q', n.range.start, n.range.end, n.flow, n.items.map(shape)];
  return ['m', n.range.start, n.range.end, n.flow, n.pairs.map((p) => [shape(p.key), shape(p.value)])];
}

function diff(a: unknown, b: unknown, path: string): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}/${i}`);
      if (d) return d;
    }
  }
  return `${path}: fast=${JSON.stringify(a)} full=${JSON.stringify(b)}`;
}

function same(text: string): boolean {
  const fast = parseYaml(text);
  const full = parseYaml(text, { fast: false });
  if (full.length !== 1 || full[0].diagnostics.length) return true; // fast path only claims clean single docs
  expect(fast.length).toBe(1);
  const d = diff(shape(fast[0].root), shape(full[0].root), '');
  expect(d, `${JSON.stringify(text.slice(0, 2000))}`).toBeUndefined();
  return true;
}

const dir = join(__dirname, '..', '..', 'examples');
const texts = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(join(dir, f), 'utf8'));

describe('the js-yaml fast path builds the same tree as the yaml library', () => {
  it('examples, rule examples and generated configs', () => {
    for (const t of texts) {
      same(t);
      same(t.replace(/\n/g, '\r\n'));
    }
    for (const r of RULES) for (const t of [...r.examples.pass, ...r.examples.fail]) same(t);
    same(generateConfig(300));
  });

  it('tricky but common YAML', () => {
    for (const t of [
      'a: 5 ms  # c\nb:\n  - {x: "q", y: [1, 2]}\n  - k: on\n    e:\nz: |\n  lit\n',
      'a:\n  # comment\n  b: 1\n',
      'a: # c\n  1\n',
      "a: 'it''s'\nb: \"x\\ny\"\n",
      'a:\n- 1\n- 2\n',
      'a: [ ]\nb: { }\nc: ""\n',
      'k: >\n  folded\n  text\n\nn: 1\n',
      'a: 010\nb: 0x1F\nc: 1:30\nd: 1e3\ne: .5\nf: -.inf\ng: ~\nh: null\ni: yes\n',
      '- a\n-   b\n-\n  - c\n',
      'a: b: c\n',
      'x: "unterminated\n',
    ])
      same(t);
  });

  it('empty values (`key:` while typing): the fast path claims them and places them as the yaml library does', () => {
    const cases = [
      'a:\nb: 1\n',
      'a: \nb: 1\n',
      'a:  # c\nb: 1\n',
      'x:\n  a:\nb: 1\n',
      'x:\n  a:\n',
      'x:\n  a:',
      'x:\n  a:   ',
      'x:\n  - a:\n    b: 1\n',
      'x:\n  - a:\n  - b\n',
      'x:\n  a:\n\n  b: 1\n',
      'x:\n  a:\n  # c\n  b: 1\n',
      'x:\n  a:\n    # c\n  b: 1\n',
      'x:\n  q:\n    a:\n  # c\nb: 1\n',
      'x:\r\n  a:\r\n  b: 1\r\n',
    ];
    for (const t of cases) {
      const info = { fast: false };
      parseYaml(t, { info });
      expect(info.fast, JSON.stringify(t)).toBe(true);
      same(t);
    }
    // every value of an example and of a generated config emptied, one at a time (with and without a space)
    for (const t of [...texts, generateConfig(200)]) {
      const values = [...t.matchAll(/^( *(?:- )?[a-z_]+:) ([^\n#]+)/gm)];
      values.forEach((m, i) => {
        const at = m.index + m[1].length;
        same(t.slice(0, at) + (i % 2 ? ' ' : '') + t.slice(at + 1 + m[2].length));
      });
    }
    // flow collections and empty sequence items stay with the yaml library
    for (const t of ['a: {b: , c: 1}\n', 'a: {b: }\n', 'a:\n  -\n  - 1\n']) {
      const info = { fast: true };
      parseYaml(t, { info });
      expect(info.fast, JSON.stringify(t)).toBe(false);
      same(t);
    }
  });

  it('half-typed keys (a word above a key line): the fast path claims them with the same tree and error as the yaml library', () => {
    /** both parsers, when the fast path claims the text: the same tree and the same diagnostics */
    const claimed = (text: string): boolean => {
      const info = { fast: false };
      const fast = parseYaml(text, { info });
      if (!info.fast) return false;
      const full = parseYaml(text, { fast: false });
      expect(full.length, JSON.stringify(text.slice(0, 2000))).toBe(1);
      expect(diff(shape(fast[0].root), shape(full[0].root), ''), JSON.stringify(text.slice(0, 2000))).toBeUndefined();
      expect(JSON.stringify(fast[0].diagnostics), JSON.stringify(text.slice(0, 2000))).toBe(JSON.stringify(full[0].diagnostics));
      return fast[0].diagnostics.length > 0;
    };
    const cases = [
      'a:\n  b: 1\n  qu\n  quotas:\n    c: 2\n',
      'a:\n  qu\n  quotas:\n    x: 1\n',
      'a:\n  b:\n  qu\n  quotas:  # c\n    x: 1\n',
      'a:\n  - b: 1\n    qu\n    quotas:\n      - 1\n    d: 2\n',
      'a:\n  b:\n    x: 1\n  qu\n  quotas:\n  d: 2\n',
      'a:\n  t:\n    - {s: 1}  # c\n  qu\n  quotas:\n    x: 1\n',
      'a:\n  b: 1\n  qu\n  quotas: 1\n',
    ];
    for (const t of cases) expect(claimed(t), JSON.stringify(t)).toBe(true);
    // a word that is not between two keys of one block mapping stays with the yaml library
    for (const t of [
      'a:\n  b: 1\n  q\n  quotas: 1\n',
      'a:\n  q\n  quotas: 1\n',
      'a: x\n  qu\n  quotas: 1\n',
      'a:\n  qu\n  quotas\n',
      '- a\n  qu\n  quotas: 1\n',
      'a: "x\n  qu\n  quotas: 1"\n',
      'qu\nquotas: 1\n',
    ]) {
      const info = { fast: false };
      const fast = parseYaml(t, { info });
      if (info.fast) claimed(t);
      else expect(fast).toEqual(parseYaml(t, { fast: false }));
    }
    // above every key line of the examples, the rule examples and a generated config: a word of 1-3 letters of that key
    let n = 0;
    const all = [...texts, ...RULES.flatMap((r) => [...r.examples.pass, ...r.examples.fail]), generateConfig(200)];
    for (const t of all) {
      const keys = [...t.matchAll(/^( *)([a-z_]+):/gm)];
      keys.forEach((m, i) => {
        const word = m[2].slice(0, 1 + (i % 3));
        if (claimed(t.slice(0, m.index) + `${m[1]}${word}\n` + t.slice(m.index))) n++;
      });
    }
    // and two at once in a generated config
    const g = generateConfig(200);
    const two = [...g.matchAll(/^( +)(quotas|access_pattern):$/gm)];
    for (let i = 0; i + 1 < two.length; i++) {
      const [a, b] = [two[i], two[i + 1]];
      const t = g.slice(0, a.index) + `${a[1]}xy\n` + g.slice(a.index, b.index) + `${b[1]}yz\n` + g.slice(b.index);
      expect(claimed(t)).toBe(true);
    }
    expect(n).toBeGreaterThan(200);
  });

  it('random shaped documents in block and flow style', () => {
    const leaf = fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('5 ms', '29.7%', 'on', '010', 'a b', "it's", 'x: y', '#x', '- z', ''),
      fc.string({ maxLength: 6 }),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, fc.constantFrom('block', 'flow', 'mixed'), (v, style) => {
        const opts = style === 'flow' ? { collectionStyle: 'flow' as const } : style === 'mixed' ? { flowLevel: 2 } : {};
        same(stringify({ kdamonds: v }, opts));
      }),
      { numRuns: runs(300) },
    );
  });

  it('random edits of the examples', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.nat(),
        fc.nat({ max: 12 }),
        fc.constantFrom('', ' ', '\n', ':', '- ', '#', '"', '{', '}', '[', ']', ',', 'x', '  '),
        (t, pos, del, ins) => {
          const p = pos % (t.length + 1);
          same(t.slice(0, p) + ins + t.slice(p + del));
        },
      ),
      { numRuns: Number(process.env.FP_RUNS ?? runs(500)) },
    );
  });
});
