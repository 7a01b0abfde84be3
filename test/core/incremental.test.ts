import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkText, type CheckOptions, type CheckResult } from '../../server/src/core/check';
import { checkIncremental, splitEdited, splitItems, splitJson, splitLines, type IncrementalState } from '../../server/src/core/incremental';
import { commonPrefix, commonSuffix } from '../../server/src/core/parse/lines';
import type { SNode } from '../../server/src/core/parse/tree';
import { RULES } from '../../server/src/core/index';
import { loadProfile } from '../../server/src/core/profile-load';
import { generateConfig } from '../../bench/gen';
import { applyEdit, applyJsonEdit, EDIT_KINDS, JSON_EDIT_KINDS, jsonConfig } from '../../bench/edits';
import { parseAllDocuments } from 'yaml';
import { FULL_RUNS, runs } from '../tier';

/** Everything a check result says, as plain data (NaN-safe, Maps as sorted entries). */
function tree(n: SNode | null): unknown {
  if (!n) return null;
  if (n.kind === 'scalar') return ['s', n.range.start, n.range.end, Number.isNaN(n.value) ? 'NaN' : n.value, n.source, n.quoted, n.yaml12 ?? '-'];
  if (n.kind === 'seq') return ['q', n.range.start, n.range.end, n.flow, n.items.map(tree)];
  return ['m', n.range.start, n.range.end, n.flow, n.pairs.map((p) => [p.range.start, p.range.end, tree(p.key), tree(p.value)])];
}

function plain(r: CheckResult): unknown {
  return {
    format: r.format,
    diagnostics: JSON.parse(JSON.stringify(r.diagnostics)),
    documents: r.documents.map((d) => ({
      range: d.range,
      isDamonConfig: d.isDamonConfig,
      root: tree(d.root),
      kconfig: JSON.parse(JSON.stringify(d.kconfig, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))),
      values: d.lowered ? [...d.lowered.values].map(([k, v]) => [k.range.start, k.range.end, JSON.stringify(v)]).sort() : null,
      patternUnits: d.lowered ? [...d.lowered.patternUnits].sort() : null,
      diagnostics: JSON.parse(JSON.stringify(d.diagnostics)),
    })),
  };
}

/** Runs an edit sequence through checkIncremental (state chained) and compares every step with checkText. */
/** Random sequences of `steps` (each may yield several texts) from one of `bases`, each checked by run(). */
function randomSequences(bases: string[], steps: Record<string, Step>, seed: number, opts?: CheckOptions): void {
  const names = Object.keys(steps);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: bases.length - 1 }),
      fc.array(fc.tuple(fc.constantFrom(...names), fc.nat()), { minLength: 1, maxLength: 8 }),
      (b, picked) => {
        let t = bases[b];
        const seq = [t];
        for (const [name, r] of picked) {
          const out = steps[name](t, r);
          seq.push(...out);
          t = out[out.length - 1];
        }
        run(seq, opts);
      },
    ),
    { numRuns: runs(40, 6), seed },
  );
}

function run(texts: string[], opts: CheckOptions = { fileName: 'x.damon.yaml' }): { items: number; full: number } {
  let state: IncrementalState | undefined;
  let items = 0;
  let full = 0;
  for (const text of texts) {
    const inc = checkIncremental(text, opts, state);
    state = inc.state;
    if (inc.mode === 'items') items++;
    else full++;
    const want = plain(checkText(text, opts));
    const got = plain(inc.result);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      expect(got, `after edit to:\n${text.length > 3000 ? `${text.slice(0, 3000)}…` : text}`).toEqual(want);
    }
  }
  return { items, full };
}

const dir = join(__dirname, '..', '..', 'examples');
const examples = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f) && !f.includes('profile'))
  .map((f) => readFileSync(join(dir, f), 'utf8'));
const ruleExamples = RULES.flatMap((r) => [...r.examples.fail, ...r.examples.pass]).filter((t) => (splitItems(t)?.items.length ?? 0) > 1);
/** generated (3 kdamonds), the examples, and every multi-kdamond rule example (the cross-item rules' cases) */
const bases = [generateConfig(320), ...examples, ...ruleExamples];

const lineStarts = (t: string): number[] => [0, ...[...t.matchAll(/\n/g)].map((m) => m.index + 1).filter((i) => i < t.length)];

/** One editing step (possibly several intermediate texts, e.g. typing a key character by character). */
type Step = (t: string, r: number) => string[];

const typeAt = (t: string, at: number, s: string): string[] => Array.from({ length: s.length }, (_, i) => t.slice(0, at) + s.slice(0, i + 1) + t.slice(at));

/** A step that deletes one character (every third time) or inserts one of `chars` at a random place. */
const randomChar =
  (chars: string[]): Step =>
  (t, r) => {
    const at = r % (t.length + 1);
    const c = chars[r % chars.length];
    return r % 3 === 0 ? [t.slice(0, at) + t.slice(at + 1)] : [t.slice(0, at) + c + t.slice(at)];
  };

/** A step that deletes one line. */
const deleteLine: Step = (t, r) => {
  const ls = lineStarts(t);
  const i = r % ls.length;
  return [t.slice(0, ls[i]) + t.slice(ls[i + 1] ?? t.length)];
};

const STEPS: Record<string, Step> = {
  valueChange: (t, r) => {
    const m = [...t.matchAll(/: (\d+)(?=[,}\n ])/g)];
    if (!m.length) return [t];
    const x = m[r % m.length];
    const at = x.index + 2;
    return [t.slice(0, at) + String(r % 1000) + t.slice(at + x[1].length)];
  },
  trailingComment: (t, r) => {
    const ends = [...t.matchAll(/[^\n]\n/g)].map((m) => m.index + 1);
    if (!ends.length) return [t];
    return typeAt(t, ends[r % ends.length], ' # n');
  },
  appendedCommentLine: (t, r) => {
    const ls = lineStarts(t);
    const at = ls[r % ls.length];
    return [`${t.slice(0, at)}${' '.repeat(r % 9)}# note ${r}\n${t.slice(at)}`];
  },
  emptiedValue: (t, r) => {
    const m = [...t.matchAll(/(target_nid|sz_bytes|ops|action|time_ms|memcg_path): ([^\n#]+)/g)];
    if (!m.length) return [t];
    const x = m[r % m.length];
    const at = x.index + x[1].length + 2;
    return [t.slice(0, at) + t.slice(at + x[2].length)];
  },
  halfTypedKey: (t, r) => {
    const m = [...t.matchAll(/\n( +)(?:- )?[a-z_]+:/g)];
    if (!m.length) return [t];
    const x = m[r % m.length];
    const at = x.index + 1;
    const word = ['quotas', 'apply_interval_us', 'filters', 'watermarks', 'x'][r % 5];
    return typeAt(t, at, `${x[1]}${word}`).map((s) => s.slice(0, at + x[1].length + word.length) + '\n' + s.slice(at + x[1].length + word.length));
  },
  newKdamond: (t, r) => {
    const m = [...t.matchAll(/\n( *)- contexts:/g)];
    const ind = m.length ? m[0][1] : '  ';
    const starts = [t.length, ...m.map((x) => x.index + 1)];
    let at = starts[r % starts.length];
    let base = t;
    if (at === t.length && !t.endsWith('\n')) {
      base = `${t}\n`;
      at = base.length;
    }
    const out: string[] = [];
    const typed = `${ind}- contexts:\n${ind}    - ops: paddr\n`;
    for (let i = 1; i <= typed.length; i += 3) out.push(base.slice(0, at) + typed.slice(0, i) + base.slice(at));
    out.push(base.slice(0, at) + typed + base.slice(at));
    return out;
  },
  paste100: (t, r) => {
    const ls = lineStarts(t);
    if (ls.length < 3) return [t];
    const from = ls[r % ls.length];
    const block = t.slice(from, ls[Math.min(ls.length - 1, (r % ls.length) + 100)] ?? t.length);
    const at = ls[(r * 7) % ls.length];
    return [t.slice(0, at) + block + t.slice(at)];
  },
  // a copy of a whole kdamond pasted at the start of one (a cross-item finding's places then have
  // twins: the same goal text in two kdamonds, one of them waiting to be shifted)
  pasteItem: (t, r) => {
    const split = splitLines(t);
    if (!split) return [t];
    const from = split.items[r % split.items.length];
    const block = t.slice(from.start, from.end);
    const at = split.items[(r * 7) % split.items.length].start;
    return [t.slice(0, at) + block + (block.endsWith('\n') ? '' : '\n') + t.slice(at)];
  },
  randomChar: randomChar([' ', '\n', ':', '-', '#', 'a', '1', '{', '"', '  ']),
  deleteLine,
};

describe('incremental check = full check', () => {
  it('splits block configs into kdamond items and refuses other layouts', () => {
    expect(splitItems('# c\nkdamonds:\n  - a: 1\n  # x\n  - b: 2\n')?.items).toEqual([
      { start: 14, end: 29 },
      { start: 29, end: 38 },
    ]);
    expect(splitItems('kdamonds:\n- a: 1\n- b: 2')?.items.length).toBe(2);
    for (const t of [
      'kdamonds: []\n',
      'kdamonds:\n  - a: 1\nother: 1\n',
      'kdamonds:\n  - &a {x: 1}\n  - *a\n',
      '{"kdamonds": []}',
      'kdamonds:\n  - a: 1\n---\nkdamonds: []\n',
      'x: 1\nkdamonds:\n  - a\n',
      'kdamonds:\r\n  - a: 1\r\n',
    ]) {
      expect(splitItems(t), t).toBeUndefined();
    }
  });

  it('splits an edited text from the previous split exactly as from scratch', () => {
    let seed = 5;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const parts = ['  - a: 1\n', '    b: 2\n', '  # c\n', '\n', '- ', '  ', 'x', '\n  - ', '#'];
    let checked = 0;
    for (const base of [generateConfig(400), ...examples]) {
      const before = splitLines(base);
      if (!before) continue;
      for (let t = 0; t < 300; t++) {
        const at = rnd(base.length + 1);
        const ins = Array.from({ length: rnd(4) }, () => parts[rnd(parts.length)]).join('');
        const text = base.slice(0, at) + ins + base.slice(at + rnd(40));
        const pre = commonPrefix(base, text);
        const suf = commonSuffix(base, text, Math.min(base.length, text.length) - pre);
        expect(splitEdited(base, before, text, pre, suf), JSON.stringify(text.slice(Math.max(0, at - 40), at + 60))).toEqual(splitLines(text));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('reuses unchanged items: a value edit in one kdamond reparses only that kdamond', () => {
    const text = generateConfig(1000);
    const opts = { fileName: 'x.damon.yaml' };
    const first = checkIncremental(text, opts);
    expect(first.mode).toBe('items');
    expect(first.items).toBeGreaterThan(5);
    const edited = text.replace('sz_bytes: 200 MiB', 'sz_bytes: 201 MiB');
    const second = checkIncremental(edited, opts, first.state);
    expect(second.mode).toBe('items');
    expect(second.reparsed).toBe(1);
    expect(plain(second.result)).toEqual(plain(checkText(edited, opts)));
    // the mid-typing states stay on the per-item path
    for (const t of [
      edited.replace('target_nid: 1', 'target_nid: '),
      edited.replace('            quotas:\n', '            quo\n            quotas:\n'),
      `${edited}  # trailing\n`,
      `${edited}  - contexts:\n`,
    ]) {
      const r = checkIncremental(t, opts, second.state);
      expect(r.mode, t.slice(-200)).toBe('items');
      expect(r.reparsed).toBeLessThanOrEqual(2);
      expect(plain(r.result)).toEqual(plain(checkText(t, opts)));
    }
  });

  it('fixed mid-typing sequences on every base config', { timeout: 600_000 }, () => {
    let items = 0;
    for (const [b, base] of bases.entries()) {
      for (const [si, [name, step]] of Object.entries(STEPS).entries()) {
        // the unit tier takes every fifth step kind per base (each kind still meets a fifth of the bases)
        if (!FULL_RUNS && (si + b) % 5 !== 0) continue;
        for (const r of [b + 1]) {
          const seq = [base, ...step(base, r * 7919)];
          const c = run(seq);
          items += c.items;
          expect(name).toBeTruthy();
        }
      }
    }
    expect(items).toBeGreaterThan(FULL_RUNS ? 100 : 20);
  });

  it('random edit sequences (fast-check)', { timeout: 600_000 }, () => randomSequences(bases, STEPS, 16));

  it("the benchmark's edits (bench/edits.ts), each and back, on one chained state", { timeout: 600_000 }, () => {
    const base = generateConfig(1000);
    const opts = { fileName: 'x.damon.yaml' };
    let state = checkIncremental(base, opts).state;
    for (const kind of EDIT_KINDS) {
      for (let n = 0; n < 4; n++) {
        for (const text of [applyEdit(base, kind, n), base]) {
          const r = checkIncremental(text, opts, state);
          state = r.state;
          expect(r.mode, `${kind} ${n}`).toBe('items');
          expect(plain(r.result), `${kind} ${n}`).toEqual(plain(checkText(text, opts)));
          // only the groups of goals in rebuilt items are judged again (at most 2 items of 8 schemes:
          // their keys for 3 per-key rules, and the node sums); the other ~170 groups are re-placed
          expect(r.crossRerun, `${kind} ${n}`).toBeLessThanOrEqual(3 * 16 + 2);
          // an edit inside one scheme rereads that scheme only, in the kdamond's previous tree
          if (kind === 'value change' || kind === 'emptied value' || kind === 'half-typed key') expect(r.spliced, `${kind} ${n}`).toBe(1);
        }
      }
    }
    // a new kdamond typed character by character at the end, then a 100-line block pasted into it
    const typed = '  - contexts:\n      - ops: paddr\n        targets:\n          - pid: null\n';
    const seq: string[] = [];
    for (let i = 1; i <= typed.length; i++) seq.push(base + typed.slice(0, i));
    const last = seq[seq.length - 1];
    seq.push(applyEdit(last, 'paste of a 100-line block', 1), applyEdit(last, 'paste of a 100-line block', 0));
    run([base, ...seq]);
  });

  it('an edit at the edges of a scheme (its line break deleted, lines added before the next one) gives the same result', () => {
    const base = generateConfig(1000);
    const opts = { fileName: 'x.damon.yaml' };
    const state = checkIncremental(base, opts).state!;
    const next = [...base.matchAll(/\n(?= {10}- action: )/g)].map((m) => m.index);
    for (const at of [next[3], next[10], next[next.length - 2]]) {
      for (const text of [
        base.slice(0, at) + base.slice(at + 1), // the line break before the next scheme's `- ` deleted
        base.slice(0, at) + ' x' + base.slice(at), // text typed at the end of the scheme's last line
        base.slice(0, at + 1) + '            x: 1\n' + base.slice(at + 1), // a key line added at its end
        base.slice(0, at + 1) + '          - action: stat\n' + base.slice(at + 1), // a new scheme before the next
        base.slice(0, at + 1) + '        x: 1\n' + base.slice(at + 1), // a line that ends the schemes list
        base.slice(0, at - 3) + base.slice(at + 14), // a deletion across the edge
      ]) {
        const r = checkIncremental(text, opts, state);
        expect(plain(r.result), JSON.stringify(text.slice(at - 60, at + 60))).toEqual(plain(checkText(text, opts)));
      }
    }
  });

  it('half-typed keys are read by the fast path (no yaml-library parse, no containment proof) with the same result', () => {
    const base = generateConfig(1000);
    const opts = { fileName: 'x.damon.yaml' };
    const state = checkIncremental(base, opts).state!;
    const keys = [...base.matchAll(/\n( +)(quotas|access_pattern|apply_interval_us):\n/g)];
    for (let n = 0; n < 3; n++) {
      const text = applyEdit(base, 'half-typed key', n);
      const r = checkIncremental(text, opts, state);
      expect(r.mode).toBe('items');
      expect(r.reparsed).toBe(1);
      expect(r.state!.entries.every((e) => e.fast)).toBe(true);
      expect(r.result.diagnostics.some((d) => d.code === 'yaml-syntax' && d.message.includes('Implicit keys need to be on a single line'))).toBe(true);
      expect(plain(r.result)).toEqual(plain(checkText(text, opts)));
    }
    // two at once in different kdamonds; then one of them a one-letter word (the yaml library's, proved contained)
    const [a, b] = [keys[3], keys[keys.length - 4]];
    const two = (wa: string, wb: string) =>
      base.slice(0, a.index + 1) + `${a[1]}${wa}\n` + base.slice(a.index + 1, b.index + 1) + `${b[1]}${wb}\n` + base.slice(b.index + 1);
    const seq = [base, two('qu', 'ap'), two('q', 'ap'), two('qu', 'ap'), base];
    expect(run(seq).full).toBe(0);
  });

  it('comment lines typed after the last line of a kdamond reuse it as it is (and the frame), with the same result', () => {
    const base = generateConfig(1000);
    const opts = { fileName: 'x.damon.yaml' };
    const starts = [...base.matchAll(/\n(?= {2}- contexts:)/g)].map((m) => m.index + 1);
    let state = checkIncremental(base, opts).state;
    const texts: string[] = [];
    for (const at of [starts[1], starts[starts.length - 1], base.length]) {
      for (const tail of ['  # n', '  # note 1\n', '      # note: x, y (z)\n\n', '\n', '  # a & b\n', '# col 0\n', '  # x#y\n', '\t# tab\n']) {
        texts.push(base.slice(0, at) + tail + base.slice(at));
      }
    }
    for (const text of [...texts, base]) {
      const r = checkIncremental(text, opts, state);
      state = r.state ?? state;
      expect(plain(r.result), JSON.stringify(text.slice(-300))).toEqual(plain(checkText(text, opts)));
    }
    // the plain ones (and going back) rebuild nothing
    for (const text of [base + '  # note 1\n', base + '  # note 1\n  # note 2\n', base + '  # note 1\n', base]) {
      const r = checkIncremental(text, opts, state);
      state = r.state;
      expect(r.reparsed).toBe(0);
      expect(plain(r.result)).toEqual(plain(checkText(text, opts)));
    }
    // typed character by character at the end of a kdamond in the middle and at the end of the file
    const typed = '    # a comment, typed\n';
    run([base, ...typeAt(base, starts[2], typed), ...typeAt(base, base.length, typed), base]);
  });

  it('with a machine profile and another kernel, and when they change', () => {
    const profileText = readFileSync(join(dir, 'seed-vm.profile.yaml'), 'utf8');
    const profile = loadProfile(profileText, 'seed-vm.profile.yaml').profile!;
    const base = examples.find((t) => /migrate_hot/.test(t)) ?? examples[0];
    const seq = [base, ...STEPS.emptiedValue(base, 3), ...STEPS.halfTypedKey(base, 5)];
    run(seq, { fileName: 'x.damon.yaml', profile, kernel: '6.8' });
    let state: IncrementalState | undefined;
    for (const opts of [{ kernel: '6.8' }, { kernel: '6.17' }, { profile }, {}]) {
      const r = checkIncremental(base, opts, state);
      state = r.state;
      expect(plain(r.result)).toEqual(plain(checkText(base, opts)));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// JSON configs: the same guarantee, per kdamond of a pretty-printed `kdamonds` array

const asJson = (yaml: string, indent: number | string = 2): string => `${JSON.stringify(parseAllDocuments(yaml)[0].toJS(), null, indent)}\n`;
const jsonBases = [
  jsonConfig(320),
  asJson(generateConfig(200), 4),
  asJson(generateConfig(150), '\t'),
  ...examples.map((t) => asJson(t)),
  readFileSync(join(dir, 'proactive-reclaim.damon.json'), 'utf8'),
  ...ruleExamples.map((t) => asJson(t)),
];
const JSON_OPTS = { fileName: 'x.damon.json' };

const JSON_STEPS: Record<string, Step> = {
  valueChange: (t, r) => {
    const m = [...t.matchAll(/: (\d+|"[^"\n]*")(?=[,\n])/g)];
    if (!m.length) return [t];
    const x = m[r % m.length];
    const at = x.index + 2;
    return [t.slice(0, at) + (r % 2 ? String(r % 1000) : `"${r % 7} MiB"`) + t.slice(at + x[1].length)];
  },
  emptiedValue: (t, r) => {
    const m = [...t.matchAll(/": ([^\n,{[]+)/g)];
    if (!m.length) return [t];
    const x = m[r % m.length];
    const at = x.index + 3;
    return [t.slice(0, at) + t.slice(at + x[1].length)];
  },
  halfTypedKey: (t, r) => {
    const m = [...t.matchAll(/\n([ \t]+)"[a-z_]+":/g)];
    if (!m.length) return [t];
    const x = m[r % m.length];
    const at = x.index + 1;
    const word = ['quotas', 'filters', 'x'][r % 3];
    // an editor closes the quote: `"`, then `"q"`, `"qu"`, …
    return [x[1] + '"', ...Array.from({ length: word.length }, (_, i) => `${x[1]}"${word.slice(0, i + 1)}"`)].map(
      (line) => `${t.slice(0, at)}${line}\n${t.slice(at)}`,
    );
  },
  newItem: (t, r) => {
    const m = [...t.matchAll(/\n([ \t]+)\{\n/g)];
    if (!m.length) return [t];
    const x = m[r % Math.min(m.length, 4)];
    const at = x.index + 1;
    const typed = `${x[1]}{\n${x[1]}  "contexts": [{"ops": "paddr"}]\n${x[1]}},\n`;
    const out: string[] = [];
    for (let i = 1; i <= typed.length; i += 4) out.push(t.slice(0, at) + typed.slice(0, i) + t.slice(at));
    out.push(t.slice(0, at) + typed + t.slice(at));
    return out;
  },
  pasteItem: (t, r) => {
    const split = splitJson(t);
    if (!split) return [t];
    const from = split.items[r % split.items.length];
    const block = t.slice(from.start, from.end).replace(/\s*$/, ',\n').replace(/,,\n$/, ',\n');
    const at = split.items[(r * 7) % split.items.length].start;
    return [t.slice(0, at) + block + t.slice(at)];
  },
  trailingComma: (t, r) => {
    const m = [...t.matchAll(/[^,\s{[](?=\n[ \t]*[}\]])/g)];
    if (!m.length) return [t];
    const at = m[r % m.length].index + 1;
    return [t.slice(0, at) + ',' + t.slice(at)];
  },
  randomChar: randomChar([' ', '\n', ':', ',', '{', '}', '[', ']', '"', 'a', '1', '/*']),
  deleteLine,
};

describe('incremental check of JSON configs = full check', () => {
  it('splits a pretty-printed kdamonds array into its items and refuses other layouts', () => {
    const t = '{\n  "kdamonds": [\n    {\n      "a": 1\n    },\n    {}\n  ]\n}\n';
    expect(splitJson(t)).toEqual({
      keyStart: 4,
      footer: t.indexOf('  ]'),
      items: [
        { start: t.indexOf('    {'), end: t.indexOf('    {}') },
        { start: t.indexOf('    {}'), end: t.indexOf('  ]') },
      ],
    });
    for (const x of [
      '{"kdamonds": [{}]}',
      '{\n  "kdamonds": [],\n  "x": 1\n}',
      '{\n  "x": 1,\n  "kdamonds": [\n    {}\n  ]\n}',
      '{\n  "kdamonds": [\n    {}\n  ],\n  "x": 1\n}',
    ]) {
      expect(splitJson(x), x).toBeUndefined();
    }
  });

  it('reuses unchanged kdamonds: value edits and an emptied value rebuild one; a half-typed key is checked whole, and undoing it rebuilds nothing', () => {
    const text = jsonConfig(1000);
    const first = checkIncremental(text, JSON_OPTS);
    expect(first.mode).toBe('items');
    expect(first.items).toBeGreaterThan(5);
    let state = first.state;
    for (const kind of JSON_EDIT_KINDS) {
      for (let n = 0; n < 3; n++) {
        for (const t of [applyJsonEdit(text, kind, n), text]) {
          const r = checkIncremental(t, JSON_OPTS, state);
          state = r.state;
          expect(plain(r.result), `${kind} ${n}`).toEqual(plain(checkText(t, JSON_OPTS)));
          if (t === text) {
            expect(r.mode).toBe('items');
            expect(r.reparsed, `${kind} ${n} undone`).toBeLessThanOrEqual(1);
          } else if (kind === 'half-typed key') {
            // jsonc-parser's recovery from `"quo"` above a key closes the kdamonds array early: the whole file reads differently
            expect(r.mode).toBe('full');
          } else {
            expect(r.mode, `${kind} ${n}`).toBe('items');
            expect(r.reparsed).toBe(1);
          }
        }
      }
    }
    // an error that stays inside its kdamond (a trailing comma, a deleted value) is per item
    const comma = text.replace(/("current_value": 0)\n/, '$1,\n');
    expect(comma).not.toBe(text);
    const r = checkIncremental(comma, JSON_OPTS, state);
    expect(r.mode).toBe('items');
    expect(r.result.diagnostics.some((d) => d.code === 'json-syntax' && d.message.includes('trailing commas'))).toBe(true);
    expect(plain(r.result)).toEqual(plain(checkText(comma, JSON_OPTS)));
  });

  it('fixed mid-typing sequences on every base config', { timeout: 600_000 }, () => {
    let items = 0;
    for (const [b, base] of jsonBases.entries()) {
      for (const [si, step] of Object.values(JSON_STEPS).entries()) {
        if (!FULL_RUNS && (si + b) % 4 !== 0) continue;
        const c = run([base, ...step(base, (b + 1) * 7919)], JSON_OPTS);
        items += c.items;
      }
    }
    expect(items).toBeGreaterThan(FULL_RUNS ? 60 : 10);
  });

  it('random edit sequences (fast-check)', { timeout: 600_000 }, () => randomSequences(jsonBases, JSON_STEPS, 17, JSON_OPTS));
});
