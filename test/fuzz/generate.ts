/**
 * A bounded, deterministic generator of hostile documents (issue 17's fuzz target): mutations of
 * the seed files in test/fuzz/seeds/, alias bombs, deep nesting, long runs of one character, and
 * CR-only / CRLF line ends. The same seed gives the same documents on every machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SEEDS_DIR = join(__dirname, 'seeds');

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Seed {
  name: string;
  text: string;
  ext: string;
}

export function loadSeeds(): Seed[] {
  return readdirSync(SEEDS_DIR)
    .filter((f) => !f.startsWith('.') && f !== 'README.md')
    .sort()
    .map((name) => ({ name, text: readFileSync(join(SEEDS_DIR, name), 'utf8'), ext: name.replace(/^[^.]*\./, '') }));
}

export interface FuzzInput {
  /** how it was made (for the failure report) */
  how: string;
  text: string;
  /** file extension: damon.yaml, damon.json or sh */
  ext: string;
}

const RUN_CHARS = [' ', '{', '[', '-', '1', '&', '*', ':', '#', '"', "'", '\\', '\t', '\r', '\n', '0', '%', 'a', '|', '>', ','];
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ': ',
  '- ',
  ', ',
  '&a ',
  '*a',
  '<<: *a',
  '!!str ',
  '---\n',
  '...\n',
  '? ',
  '|\n',
  '>-\n',
  '"',
  "'",
  '#',
  '\\',
  '\t',
  '\r',
  '\r\n',
  '\n',
  '\u0000',
  '\ufeff',
  '\u2028',
  '💥',
  'kdamonds',
  'contexts',
  'schemes',
  'max',
  'min',
  '5%',
  '1 s',
  '4 GiB',
  '-1',
  '1e309',
  'null',
  '~',
  'yes',
  'NaN',
  '0x10',
  '0o7',
  '1:30',
  '$X',
  '`x`',
  '$(y)',
  '--damos_action',
  '--ops paddr',
  'damo start ',
  'damo tune ',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function mutate(r: () => number, text: string): string {
  let t = text;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0: // insert a token
        t = t.slice(0, at) + pick(r, TOKENS) + t.slice(at);
        break;
      case 1: {
        // delete a slice
        const len = Math.floor(r() * 40);
        t = t.slice(0, at) + t.slice(at + len);
        break;
      }
      case 2: {
        // duplicate a slice
        const len = Math.floor(r() * 80);
        t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
        break;
      }
      case 3: // replace a character
        t = t.slice(0, at) + pick(r, TOKENS).slice(0, 1) + t.slice(at + 1);
        break;
      default: {
        // swap two lines
        const lines = t.split('\n');
        const a = Math.floor(r() * lines.length);
        const b = Math.floor(r() * lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        t = lines.join('\n');
      }
    }
  }
  return t;
}

function longRun(r: () => number, text: string): string {
  const c = pick(r, RUN_CHARS);
  const len = pick(r, [1000, 5000, 20_000, 60_000]);
  const at = Math.floor(r() * (text.length + 1));
  return text.slice(0, at) + c.repeat(len) + text.slice(at);
}

function nesting(r: () => number, text: string): string {
  const depth = pick(r, [70, 300, 2000, 20_000]);
  const kind = pick(r, ['{', '[', '{a: ', '- ', '[{', 'x:\n ']);
  const body = kind === 'x:\n ' ? Array.from({ length: Math.min(depth, 3000) }, (_, i) => `${' '.repeat(i)}x:\n`).join('') : kind.repeat(depth);
  const closing = kind === '{' ? '}'.repeat(r() < 0.5 ? depth : 0) : kind === '[' ? ']'.repeat(r() < 0.5 ? depth : 0) : '';
  const at = text.indexOf('\n', Math.floor(r() * text.length));
  const cut = at < 0 ? text.length : at + 1;
  return `${text.slice(0, cut)}  nested: ${body}${closing}\n${text.slice(cut)}`;
}

function aliasBomb(r: () => number): string {
  const width = 2 + Math.floor(r() * 9);
  const levels = 3 + Math.floor(r() * 8);
  const merge = r() < 0.4;
  let s = `l0: &l0 [${Array(width).fill('"lol"').join(', ')}]\n`;
  for (let i = 1; i <= levels; i++) {
    s += merge
      ? `l${i}: &l${i} {<<: *l${i - 1}, ${Array.from({ length: width }, (_, j) => `k${j}: *l${i - 1}`).join(', ')}}\n`
      : `l${i}: &l${i} [${Array(width)
          .fill(`*l${i - 1}`)
          .join(', ')}]\n`;
  }
  return `${s}kdamonds: [{contexts: *l${levels}}]\n`;
}

function lineEnds(r: () => number, text: string): string {
  return r() < 0.5 ? text.replace(/\r?\n/g, '\r') : text.replace(/\r?\n/g, '\r\n');
}

/** A damo command-line script with CRLF line ends (the import-damo shape that produced past-line ranges). */
export function damoScript(r: () => number): string {
  const toks = [
    '--ops',
    'paddr',
    'vaddr',
    '--damos_action',
    'stat',
    'pageout',
    '--damos_quotas',
    '1',
    '2',
    '100ms',
    '--damos_filter',
    'allow',
    'memcg',
    '/a',
    '--regions',
    '1-2',
    '--numa_node',
    '0',
    '--target_pid',
    '123',
    '"x y"',
    "'q'",
    '\\',
    '#c',
    '$X',
    '--bogus',
    '--monitoring_intervals',
    '5ms',
    '--damos_access_rate',
    '5%',
    'max',
    '--damos_sz_region',
    '4K',
    'min',
    '|',
    ';',
    '&&',
    'sudo',
    '>',
    'out',
    '<<EOF',
    'EOF',
    '`x`',
    '$(y)',
    '{',
    '}',
    '"',
    "'",
  ];
  const lines: string[] = [];
  const nl = 1 + Math.floor(r() * 4);
  for (let l = 0; l < nl; l++) {
    const w = ['damo', r() < 0.5 ? 'start' : 'tune'];
    const k = Math.floor(r() * 10);
    for (let j = 0; j < k; j++) w.push(pick(r, toks));
    lines.push((l > 0 && r() < 0.3 ? '  ' : '') + w.join(' '));
  }
  return lines.join('\r\n') + (r() < 0.5 ? '\r\n' : '');
}

/** `count` inputs from `seed`: every kind of hostility in turn, applied to the seed files. */
export function generate(seed: number, count: number, seeds = loadSeeds()): FuzzInput[] {
  const r = rng(seed);
  const out: FuzzInput[] = [];
  const kinds = ['mutate', 'run', 'nesting', 'alias', 'line-ends', 'damo-crlf', 'mixed'] as const;
  for (let i = 0; i < count; i++) {
    const base = seeds[Math.floor(r() * seeds.length)];
    const kind = kinds[i % kinds.length];
    let text: string;
    let ext = base.ext;
    switch (kind) {
      case 'mutate':
        text = mutate(r, base.text);
        break;
      case 'run':
        text = longRun(r, base.text);
        break;
      case 'nesting':
        text = nesting(r, base.text);
        break;
      case 'alias':
        text = aliasBomb(r);
        ext = 'damon.yaml';
        break;
      case 'line-ends':
        text = lineEnds(r, mutate(r, base.text));
        break;
      case 'damo-crlf':
        text = damoScript(r);
        ext = 'sh';
        break;
      default:
        text = lineEnds(r, longRun(r, nesting(r, mutate(r, base.text))));
    }
    out.push({ how: `#${i} ${kind} of ${base.name}`, text, ext });
  }
  return out;
}
