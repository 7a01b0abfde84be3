import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../server/src/core/index';
import { parseJson, parseYaml, pathAtOffset, resolveYaml11, resolveYaml12, type SNode } from '../../server/src/core/parse/tree';
import { checkText } from '../../server/src/core/check';
import { RULES } from '../../server/src/core/index';

describe('source trees', () => {
  it('YAML 1.1 scalars as PyYAML reads them, with the YAML 1.2 reading when it differs', () => {
    expect(resolveYaml11('on')).toBe(true);
    expect(resolveYaml11('No')).toBe(false);
    expect(resolveYaml11('y')).toBe('y');
    expect(resolveYaml11('010')).toBe(8);
    expect(resolveYaml11('0x10')).toBe(16);
    expect(resolveYaml11('1:30')).toBe(90);
    expect(resolveYaml11('1e3')).toBe('1e3');
    expect(resolveYaml11('1.5')).toBe(1.5);
    expect(resolveYaml11('~')).toBe(null);
    expect(resolveYaml12('on')).toBe('on');
    expect(resolveYaml12('010')).toBe(10);
    const [doc] = parseYaml('a: on\nb: "on"\nc: 5\n');
    const m = doc.root!;
    expect(m.kind).toBe('map');
    if (m.kind !== 'map') return;
    expect(m.pairs[0].value).toMatchObject({ value: true, yaml12: 'on', quoted: false });
    expect(m.pairs[1].value).toMatchObject({ value: 'on', quoted: true });
    expect(m.pairs[2].value).toMatchObject({ value: 5 });
    expect((m.pairs[2].value as { yaml12?: unknown }).yaml12).toBeUndefined();
  });

  it('exact ranges for keys and values, in YAML and JSON', () => {
    const y = 'kdamonds:\n  - contexts: []\n    refresh_ms: 10\n';
    const [doc] = parseYaml(y);
    const hit = pathAtOffset(doc.root, y.indexOf('10'));
    expect(hit.path).toEqual(['kdamonds', 0, 'refresh_ms']);
    expect(y.slice(hit.node!.range.start, hit.node!.range.end)).toBe('10');
    const onKey = pathAtOffset(doc.root, y.indexOf('refresh'));
    expect(onKey.onKey).toBe(true);
    const j = '{"kdamonds": [{"refresh_ms": 10}]}';
    const jd = parseJson(j);
    const jh = pathAtOffset(jd.root, j.indexOf('10'));
    expect(jh.path).toEqual(['kdamonds', 0, 'refresh_ms']);
  });

  it('anchors, aliases and merge keys resolve like PyYAML', () => {
    const [doc] = parseYaml('q: &q {time_ms: 0}\nr: *q\ns:\n  <<: *q\n  sz_bytes: 1\n');
    const m = doc.root;
    if (!m || m.kind !== 'map') throw new Error('no map');
    expect(m.pairs[1].value?.kind).toBe('map');
    const s = m.pairs[2].value;
    expect(s?.kind === 'map' && s.pairs.map((p) => p.key.value).sort()).toEqual(['sz_bytes', 'time_ms']);
  });

  it('syntax errors and duplicate keys become diagnostics, never exceptions', () => {
    const [d] = parseYaml('a: [1,\nb: c: d\n');
    expect(d.diagnostics.length).toBeGreaterThan(0);
    expect(d.diagnostics[0].code).toBe('yaml-syntax');
    const [dup] = parseYaml('a: 1\na: 2\n');
    expect(dup.diagnostics.map((x) => x.code)).toContain('yaml-duplicate-key');
    expect(parseJson('{"a": 1 /* c */}').diagnostics[0].message).toContain('comments are not allowed');
  });

  it('line index: UTF-16 positions, CRLF', () => {
    const t = 'a: "µ😀"\r\nb: 1\n';
    const idx = new LineIndex(t);
    expect(idx.positionAt(t.indexOf('b'))).toEqual({ line: 1, character: 0 });
    expect(idx.positionAt(t.indexOf('"', 4))).toEqual({ line: 0, character: 7 });
    expect(idx.offsetAt({ line: 1, character: 3 })).toBe(t.indexOf('1'));
  });
});

describe('LineIndex.update', () => {
  it('gives the same line starts as a fresh index after any edit (LF, CR, CR LF at the edges)', () => {
    let seed = 1;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const parts = ['a', '\n', '\r', '\r\n', ' ', 'b\n'];
    const word = (len: number): string => Array.from({ length: len }, () => parts[rnd(parts.length)]).join('');
    const starts = (idx: LineIndex): number[] => Array.from({ length: idx.lineCount }, (_, i) => idx.lineStart(i));
    for (let t = 0; t < 5000; t++) {
      const a = word(rnd(30));
      const at = rnd(a.length + 1);
      const b = a.slice(0, at) + word(rnd(5)) + a.slice(at + rnd(a.length - at + 1));
      const got = new LineIndex(a).update(b);
      expect(starts(got), JSON.stringify([a, b])).toEqual(starts(new LineIndex(b)));
      expect(got.positionAt(b.length)).toEqual(new LineIndex(b).positionAt(b.length));
    }
  });
});

describe('checkText returns the tree as parsed', () => {
  // findings often carry a node's own range object; trimming a finding's range of its line break
  // (finishDiagnostics) must not change that node (the incremental check compares trees exactly)
  it('finishing the diagnostics leaves every node range as parseYaml built it', () => {
    const texts = [
      ...RULES.flatMap((r) => r.examples.fail),
      // kdamond-single-context points at the second context, a block map that ends after its line break
      'kdamonds:\n  - contexts:\n      - ops: paddr\n      - ops: vaddr\n',
      'kdamonds:\r\n  - contexts:\r\n      - ops: paddr\r\n      - ops: vaddr\r\n',
    ];
    let trimmed = 0;
    for (const text of texts) {
      const parsed = parseYaml(text).map((d) => d.root);
      const ends = new Set<string>();
      const walk = (n: SNode | null): void => {
        if (!n) return;
        if (/[\r\n]$/.test(text.slice(n.range.start, n.range.end))) ends.add(`${n.range.start}:${n.range.end}`);
        if (n.kind === 'map') for (const p of n.pairs) walk(p.value);
        if (n.kind === 'seq') n.items.forEach(walk);
      };
      parsed.forEach(walk);
      const r = checkText(text, { fileName: 'x.damon.yaml' });
      expect(
        r.documents.map((d) => d.root),
        text,
      ).toEqual(parsed);
      // the case that matters: a finding on a node that ends after a line break, shown without it
      trimmed += r.diagnostics.filter((d) => ends.has(`${d.range.start}:${d.range.end + 1}`)).length;
    }
    expect(trimmed).toBeGreaterThan(0);
  });
});
