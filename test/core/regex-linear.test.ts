/**
 * Issue 17 item 6: every regular expression that reads user text is linear in its length.
 *
 * Each case runs on adversarial strings (long runs of the characters a pattern quantifies over,
 * ending in a character that makes the match fail, which is what forces backtracking) of 100,000
 * characters, and must finish within a generous factor of a linear baseline run on the same machine
 * at the same moment (a regexp that scans the same string once, or the same function on a benign
 * input of the same size). On a busy machine both slow down alike. A quadratic pattern needs
 * ~10^10 steps here (seconds to minutes), a linear one milliseconds, so the bound (50x + 200 ms)
 * separates them by orders of magnitude. (Ratios of two sizes were tried first: V8's regexp
 * backtrack stack and the shared 2-core machine made them swing from 4 to 70 for linear patterns.)
 *
 * The unit patterns were rewritten to be linear; the old (cubic) forms are kept here as the
 * reference, and the new ones must accept exactly the same strings.
 */
import { describe, expect, it } from 'vitest';
import { PATTERNS } from '../../server/src/core/schema/spec';
import { NUM_RE, pyNumber } from '../../server/src/core/model/units';
import { DAMO_LINE, isolateDamoLines } from '../../server/src/core/damo/shell';
import { parseYaml } from '../../server/src/core/parse/tree';
import { importDamoText } from '../../server/src/core/damo/convert';
import { checkText } from '../../server/src/core/check';

// ---------------------------------------------------------------------------------------------
// timing

/** Fastest of a few single runs, in ms. */
function best(fn: () => unknown, trials = 3): number {
  let t = Infinity;
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

const FACTOR = 50;
const SLACK_MS = 200;
const N = 100_000;

/** A regexp that scans the string once and backtracks over it once: the linear baseline. */
const BASELINE = /^[\s\S]*\u0000/;

/** `run(input)` takes at most FACTOR x `baseline(input)` + SLACK_MS; returns a label or the ratio for the failure message. */
function linearVerdict(run: () => unknown, baseline: () => unknown, factor = FACTOR, trials = 3): string {
  const base = best(baseline, trials);
  const t = best(run, Math.max(1, trials - 1));
  return t <= factor * base + SLACK_MS ? 'linear' : `${t.toFixed(0)} ms vs baseline ${base.toFixed(1)} ms`;
}

/** Strings of n characters that make a pattern backtrack: runs of a piece, then a failing tail. */
const PIECES = [
  ' ',
  '\t',
  '1',
  '1 ',
  '.',
  '5,',
  '1_',
  'e',
  '+',
  ' %',
  'm',
  '1 ms ',
  '1 h ',
  ' s',
  'K',
  '5 samples ',
  'max ',
  'aggr_intervals ',
  '{',
  '/',
  'damo ',
];
const TAILS = ['x', '% samples aggr_intervals x'];

function adversarial(piece: string, tail: string) {
  return (n: number) => piece.repeat(Math.ceil(n / piece.length)).slice(0, n) + tail;
}

// ---------------------------------------------------------------------------------------------
// the old unit patterns (issue 17: `sz_bytes: "<3,000 spaces>x"` took 10-35 s), as the reference

const OLD_NUM = '[+-]?(?:\\d[\\d,_]*)?(?:\\.\\d*)?(?:[eE][+-]?\\d+)?';
const SU = '(?:B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB|P|PB|PiB|E|EB|EiB)';
const TU = '(?:ns|us|ms|s|m|h|d)';
const OLD: Record<keyof typeof PATTERNS, string> = {
  nr: `^\\s*(?:max|${OLD_NUM})\\s*$`,
  bytes: `^\\s*(?:min|max|${OLD_NUM}\\s*${SU}?)\\s*$`,
  us: `^\\s*(?:min|max|${OLD_NUM}${TU}?|${OLD_NUM}\\s+${TU}(?:\\s+${OLD_NUM}\\s+${TU})*)\\s*$`,
  ms: `^\\s*(?:min|max|${OLD_NUM}${TU}?|${OLD_NUM}\\s+${TU}(?:\\s+${OLD_NUM}\\s+${TU})*)\\s*$`,
  percent: `^\\s*(?:min|max|${OLD_NUM}\\s*%?)\\s*$`,
  permil: `^\\s*(?:min|max|${OLD_NUM}\\s*%?)\\s*$`,
  bp: `^\\s*(?:min|max|${OLD_NUM}\\s*%?)\\s*$`,
  nr_accesses: `^\\s*(?:min|max|${OLD_NUM}\\s*%?|(?:min|max|${OLD_NUM})\\s+samples)\\s*$`,
  age: `^\\s*(?:min|max|${OLD_NUM}${TU}?|${OLD_NUM}\\s+${TU}(?:\\s+${OLD_NUM}\\s+${TU})*|(?:min|max|${OLD_NUM})\\s+aggr_intervals)\\s*$`,
};
const OLD_NUM_RE = /^\s*[+-]?(?:\d(?:_?\d)*)?(?:\.\d*)?(?:[eE][+-]?\d+)?\s*$/;
const OLD_DAMO_LINE = /(?:^|[\s;&|(`!{])(?:\S*\/)?damo(?:\.py)?[ \t]+(?:start|tune)\b/;

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  ' ',
  ' ',
  '\t',
  '1',
  '2',
  '0',
  '.',
  ',',
  '_',
  'e',
  'E',
  '+',
  '-',
  '%',
  'm',
  's',
  'ms',
  'us',
  'h',
  'd',
  'K',
  'KiB',
  'B',
  'min',
  'max',
  'samples',
  'aggr_intervals',
  'x',
  '1 s',
  '30 m',
  '5%',
];

function randomStrings(count: number, seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [''];
  for (let i = 0; i < count; i++) {
    const k = Math.floor(r() * 6);
    let s = '';
    for (let j = 0; j < k; j++) s += TOKENS[Math.floor(r() * TOKENS.length)];
    out.push(s);
  }
  return out;
}

describe('unit value patterns (schema/spec.ts)', () => {
  const samples = randomStrings(20_000, 17);

  for (const kind of Object.keys(PATTERNS) as (keyof typeof PATTERNS)[]) {
    it(`${kind}: accepts exactly what the old pattern accepted`, () => {
      const re = new RegExp(PATTERNS[kind], 'u');
      const old = new RegExp(OLD[kind], 'u');
      const differ = samples.filter((s) => re.test(s) !== old.test(s));
      expect(differ.slice(0, 5)).toEqual([]);
      // and the test is not vacuous: both kinds of answers occur
      expect(samples.some((s) => re.test(s))).toBe(true);
      expect(samples.some((s) => !re.test(s))).toBe(true);
    });

    it(`${kind}: linear on adversarial strings`, () => {
      const re = new RegExp(PATTERNS[kind], 'u');
      for (const piece of PIECES) {
        for (const tail of TAILS) {
          const s = adversarial(piece, tail)(N);
          expect({
            kind,
            piece,
            tail,
            time: linearVerdict(
              () => re.test(s),
              () => BASELINE.test(s),
            ),
          }).toEqual({ kind, piece, tail, time: 'linear' });
        }
      }
    });
  }

  it('the old form is the cubic one this test catches', () => {
    // the cubic form on 800 blanks takes far longer than the new one on 100,000
    const old = new RegExp(OLD.percent, 'u');
    const now = new RegExp(PATTERNS.percent, 'u');
    const small = adversarial(' ', 'x')(800);
    const big = adversarial(' ', 'x')(N);
    expect(best(() => old.test(small), 1)).toBeGreaterThan(10 * best(() => now.test(big)));
  });
});

describe('NUM_RE (model/units.ts)', () => {
  it('accepts exactly what the old pattern accepted', () => {
    const samples = randomStrings(20_000, 4);
    expect(samples.filter((s) => NUM_RE.test(s) !== OLD_NUM_RE.test(s)).slice(0, 5)).toEqual([]);
    expect(pyNumber(' 1_000.5e2 ')).toBe(100050);
    expect(pyNumber('  ')).toBeUndefined();
  });

  it('linear on adversarial strings (60 KB of blanks took 15 s)', () => {
    for (const piece of PIECES) {
      const s = adversarial(piece, 'x')(N);
      expect({
        piece,
        time: linearVerdict(
          () => pyNumber(s),
          () => BASELINE.test(s),
        ),
      }).toEqual({ piece, time: 'linear' });
    }
  });
});

describe('damo command lines (damo/shell.ts)', () => {
  it('DAMO_LINE finds the same lines as before', () => {
    const r = rng(9);
    const toks = ['damo', 'damo.py', ' ', '\t', 'start', 'tune', '/', './', '/usr/bin/', 'sudo ', ';', '&', '|', '(', '`', '!', '{', 'x', 'a/b', '-'];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const k = 1 + Math.floor(r() * 8);
      for (let j = 0; j < k; j++) s += toks[Math.floor(r() * toks.length)];
      expect([s, DAMO_LINE.test(s)]).toEqual([s, OLD_DAMO_LINE.test(s)]);
    }
  });

  it('linear on a long run of `{` and other pieces (80 KB of `{` took 34 s in import-damo)', () => {
    for (const piece of PIECES) {
      const s = adversarial(piece, 'x')(N);
      expect({
        piece,
        time: linearVerdict(
          () => isolateDamoLines(s),
          () => BASELINE.test(s),
        ),
      }).toEqual({ piece, time: 'linear' });
    }
    // the whole import, against the same import of a benign text of the same size
    const braces = '{'.repeat(N);
    const letters = 'damo start ' + 'a'.repeat(N);
    expect(
      linearVerdict(
        () => importDamoText(braces),
        () => importDamoText(letters),
        10,
      ),
    ).toBe('linear');
  });
});

describe('line endings', () => {
  it('CR-only files parse in linear time (80k lines took 38 s, LF 0.4 s)', () => {
    // 20,000 lines; the LF file of the same size is the baseline
    const make = (lf: string) => `kdamonds:${lf}${`  - contexts: []${lf}`.repeat(20_000)}`;
    const lfText = make('\n');
    for (const lf of ['\r', '\r\n']) {
      const text = make(lf);
      expect({
        lf: JSON.stringify(lf),
        time: linearVerdict(
          () => parseYaml(text),
          () => parseYaml(lfText),
          5,
          1,
        ),
      }).toEqual({ lf: JSON.stringify(lf), time: 'linear' });
    }
  });

  it('a unit value of blanks through the whole check (`sz_bytes: "<3,000 spaces>x"` took 10-35 s)', () => {
    const doc = (v: string) => `kdamonds:\n- contexts:\n  - schemes:\n    - quotas:\n        sz_bytes: "${v}"\n`;
    for (const piece of [' ', '1', '1 ', ' %']) {
      const bad = doc(adversarial(piece, 'x')(N));
      const benign = doc('x'.repeat(N));
      expect({
        piece,
        time: linearVerdict(
          () => checkText(bad),
          () => checkText(benign),
          10,
        ),
      }).toEqual({ piece, time: 'linear' });
    }
  });
});
