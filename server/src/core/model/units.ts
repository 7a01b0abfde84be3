/**
 * damo's value grammar (damo v3.3 `_damo_fmt_str.py`), re-implemented from its documented rules:
 * bare numbers take the unit the key implies; strings may carry units ("5 ms", "1.5s", "200 MiB",
 * "29.7%", "max", "min", "<n> samples", "<n> aggr_intervals").
 *
 * Every parse returns the user's exact value in the base unit (`value`) and, where damo's floating
 * point arithmetic and `%d` truncation would write something else, the integer damo writes (`damo`).
 */
import { ULONG_MAX } from './kernel';

export type ValueKind =
  | 'nr' // text_to_nr: counts, ids, nid
  | 'bytes' // text_to_bytes
  | 'us' // text_to_us
  | 'ms' // text_to_ms
  | 'percent' // text_to_percent
  | 'permil' // text_to_permil
  | 'bp' // text_to_bp
  | 'bool' // text_to_bool
  | 'nr_accesses' // percent, or "<n> samples"
  | 'age'; // µs / time string, or "<n> aggr_intervals"

export type ValueUnit = 'count' | 'bytes' | 'us' | 'ms' | 'percent' | 'permil' | 'bp' | 'bool' | 'samples' | 'aggr_intervals';

export interface ParsedValue {
  /** exact value in `unit` (what the user meant) */
  value: number;
  unit: ValueUnit;
  /** the integer damo writes to sysfs (float arithmetic then %d truncation) */
  damo: number;
  /** written as "max" / "min" */
  special?: 'max' | 'min';
}

export type ParseResult = { ok: true; v: ParsedValue } | { ok: false; error: string };

/**
 * Python's float() syntax (digits with single underscores, fraction, exponent). Linear: the number
 * part is never empty, so the leading and trailing `\s*` never compete for the same blanks (the old
 * form, where every part was optional, took 15 s on 60 KB of blanks).
 */
export const NUM_RE = /^(?:\s*[+-]?(?:\d(?:_?\d)*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d*(?:[eE][+-]?\d+)?|[eE][+-]?\d+)|\s*[+-])?\s*$/;

/** Python int()/float() of a string with damo's comma stripping; undefined if not a number. */
export function pyNumber(s: string): number | undefined {
  const t = s.replace(/,/g, '');
  if (!NUM_RE.test(t) || !/\d/.test(t)) return undefined;
  const v = Number(t.trim().replace(/_/g, ''));
  return Number.isFinite(v) ? v : undefined;
}

/** Exact decimal scaling: "29.7" * 10^2 = 2970 without binary floating point error. */
export function scaleDecimal(s: string, pow10: number): number {
  const t = s.replace(/,/g, '').replace(/_/g, '').trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m) return Number(t) * 10 ** pow10;
  const [, sign, ip, fp = ''] = m;
  let digits = (ip || '0') + fp;
  let point = (ip || '0').length + pow10;
  if (point > digits.length) digits = digits.padEnd(point, '0');
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  const str = `${digits.slice(0, point) || '0'}.${digits.slice(point) || '0'}`;
  const v = Number(str);
  return sign === '-' ? -v : v;
}

const BYTE_UNITS: Record<string, number> = {
  B: 1,
  K: 2 ** 10,
  KB: 2 ** 10,
  KiB: 2 ** 10,
  M: 2 ** 20,
  MB: 2 ** 20,
  MiB: 2 ** 20,
  G: 2 ** 30,
  GB: 2 ** 30,
  GiB: 2 ** 30,
  T: 2 ** 40,
  TB: 2 ** 40,
  TiB: 2 ** 40,
  P: 2 ** 50,
  PB: 2 ** 50,
  PiB: 2 ** 50,
  E: 2 ** 60,
  EB: 2 ** 60,
  EiB: 2 ** 60,
};

const NS_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

const ok = (value: number, unit: ValueUnit, damo: number = Math.trunc(value), special?: 'max' | 'min'): ParseResult => ({
  ok: true,
  v: special ? { value, unit, damo, special } : { value, unit, damo },
});

function describe(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
}

/** damo's "common input" step: min/max, JSON numbers, digit strings. */
function common(raw: unknown, unit: ValueUnit, allowMin = true): ParseResult | undefined {
  if (typeof raw === 'boolean') return { ok: false, error: `${raw} is a boolean, not a number (YAML 1.1 reads unquoted yes/no/on/off as booleans)` };
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { ok: false, error: `${raw} is not a finite number` };
    return ok(raw, unit);
  }
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim();
  if (s === 'max') return ok(ULONG_MAX, unit, ULONG_MAX, 'max');
  if (s === 'min') {
    if (!allowMin) return { ok: false, error: '"min" is not accepted here (damo text_to_nr takes "max" only)' };
    return ok(0, unit, 0, 'min');
  }
  const n = pyNumber(s);
  if (n !== undefined) return ok(n, unit);
  return undefined;
}

export function parseNr(raw: unknown): ParseResult {
  const c = common(raw, 'count', false);
  if (c) return c;
  return { ok: false, error: `${describe(raw)} is not a number` };
}

export function parseBytes(raw: unknown): ParseResult {
  const c = common(raw, 'bytes');
  if (c) return c.ok ? ok(Math.min(c.v.value, ULONG_MAX), 'bytes', Math.min(Math.trunc(c.v.damo), ULONG_MAX), c.v.special) : c;
  if (typeof raw !== 'string') return { ok: false, error: `${describe(raw)} is not a size` };
  const m = /^\s*([+-]?[\d.,_]+(?:[eE][+-]?\d+)?)\s*([A-Za-z]+)\s*$/.exec(raw);
  if (!m)
    return {
      ok: false,
      error: `${describe(raw)} is not a size: write a number of bytes or a number with B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T, P or E (all binary)`,
    };
  const num = pyNumber(m[1]);
  const mult = BYTE_UNITS[m[2]];
  if (num === undefined) return { ok: false, error: `${describe(raw)}: "${m[1]}" is not a number` };
  if (!mult) {
    const hint =
      BYTE_UNITS[m[2].toUpperCase()] || BYTE_UNITS[m[2][0].toUpperCase() + m[2].slice(1)]
        ? ` (damo's units are case-sensitive: write ${m[2].toUpperCase().replace(/IB$/, 'iB')})`
        : '';
    return { ok: false, error: `${describe(raw)}: unknown size unit "${m[2]}"${hint}` };
  }
  const exact = /[eE]/.test(m[1]) ? num * mult : scaleBinary(m[1], mult);
  const v = Math.min(exact, ULONG_MAX);
  return ok(v, 'bytes', Math.min(Math.trunc(num * mult), ULONG_MAX));
}

function scaleBinary(numText: string, mult: number): number {
  const n = pyNumber(numText)!;
  return Number.isInteger(n) ? n * mult : Math.trunc(n * mult);
}

/** text_to_ns: "<num><unit>" or "<num> <unit> [<num> <unit> ...]"; a bare number is ns. */
function parseNs(s: string): number | undefined {
  const words = s.trim().split(/\s+/);
  const one = (num: string, unit: string): number | undefined => {
    const n = pyNumber(num);
    const u = NS_UNITS[unit];
    if (n === undefined || u === undefined) return undefined;
    return n * u;
  };
  if (words.length === 1) {
    const m = /^([+-]?[\d.,_]+(?:[eE][+-]?\d+)?)([a-z]+)$/.exec(words[0]);
    if (m) return one(m[1], m[2]);
    return pyNumber(words[0]);
  }
  if (words.length % 2 !== 0) return undefined;
  let total = 0;
  for (let i = 0; i < words.length; i += 2) {
    const v = one(words[i], words[i + 1]);
    if (v === undefined) return undefined;
    total += v;
  }
  return total;
}

function parseTime(raw: unknown, unit: 'us' | 'ms'): ParseResult {
  const c = common(raw, unit);
  if (c) return c;
  if (typeof raw !== 'string') return { ok: false, error: `${describe(raw)} is not a time` };
  const ns = parseNs(raw);
  if (ns === undefined) {
    const glued = /\d[a-z]+\s+\d/.test(raw.trim()) ? ' (damo needs a space inside each pair: "1 h 30 m", not "1h 30m")' : '';
    return {
      ok: false,
      error: `${describe(raw)} is not a time: write a number of ${unit === 'us' ? 'microseconds' : 'milliseconds'} or a number with ns, us, ms, s, m (minutes), h or d${glued}`,
    };
  }
  const div = unit === 'us' ? 1e3 : 1e6;
  return ok(ns / div, unit);
}

export const parseUs = (raw: unknown): ParseResult => parseTime(raw, 'us');
export const parseMs = (raw: unknown): ParseResult => parseTime(raw, 'ms');

/** Parses "N%" / "N %" into the number N as written; undefined if not a percent string. */
function percentText(raw: string): string | undefined {
  const m = /^\s*([+-]?[\d.,_]+(?:[eE][+-]?\d+)?)\s*%\s*$/.exec(raw);
  return m && pyNumber(m[1]) !== undefined ? m[1] : undefined;
}

export function parsePercent(raw: unknown): ParseResult {
  const c = common(raw, 'percent');
  if (c) return c;
  if (typeof raw === 'string') {
    const p = percentText(raw);
    if (p !== undefined) return ok(pyNumber(p)!, 'percent');
  }
  return { ok: false, error: `${describe(raw)} is not a percentage: write e.g. 5 or "5%"` };
}

function parseRatioScaled(raw: unknown, unit: 'permil' | 'bp', scale: number, pow10: number): ParseResult {
  const c = common(raw, unit);
  if (c) return c;
  if (typeof raw === 'string') {
    const p = percentText(raw);
    if (p !== undefined) {
      const exact = scaleDecimal(p, pow10);
      const damo = Math.trunc((pyNumber(p)! / 100) * scale);
      return ok(exact, unit, damo);
    }
  }
  const what = unit === 'bp' ? 'basis points (10000 = 100%)' : 'per-mille (1000 = 100%)';
  return { ok: false, error: `${describe(raw)} is not a ratio: write a bare number in ${what} or a percentage like "29.7%"` };
}

export const parsePermil = (raw: unknown): ParseResult => parseRatioScaled(raw, 'permil', 1000, 1);
export const parseBp = (raw: unknown): ParseResult => parseRatioScaled(raw, 'bp', 10000, 2);

export function parseBool(raw: unknown): { ok: true; value: boolean } | { ok: false; error: string } {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (['y', 'yes', 'true'].includes(s)) return { ok: true, value: true };
    if (['n', 'no', 'false'].includes(s)) return { ok: true, value: false };
  }
  if (typeof raw === 'number') return { ok: false, error: `${raw} is not a boolean: damo rejects 0/1 here, write true or false` };
  return { ok: false, error: `${describe(raw)} is not a boolean: write true or false` };
}

/** text_to_nr_unit: exactly "<n> samples" / "<n> aggr_intervals" ("max samples" allowed). */
function parseNrUnit(raw: string, unitWord: 'samples' | 'aggr_intervals'): ParseResult | undefined {
  const words = raw.trim().split(/\s+/);
  if (words.length !== 2 || words[1] !== unitWord) return undefined;
  if (words[0] === 'max') return ok(ULONG_MAX, unitWord, ULONG_MAX, 'max');
  if (words[0] === 'min') return ok(0, unitWord, 0, 'min');
  const n = pyNumber(words[0]);
  if (n === undefined) return { ok: false, error: `${JSON.stringify(raw)}: "${words[0]}" is not a number` };
  return ok(n, unitWord);
}

/** access_pattern.nr_accesses bound: percent (bare number = %), or "<n> samples". */
export function parseNrAccesses(raw: unknown): ParseResult {
  if (typeof raw === 'string' && /samples\s*$/.test(raw)) {
    const r = parseNrUnit(raw, 'samples');
    if (r) return r;
    return { ok: false, error: `${JSON.stringify(raw)} must be exactly "<n> samples"` };
  }
  const r = parsePercent(raw);
  if (!r.ok) return { ok: false, error: `${describe(raw)} is not an access rate: write a percentage (a bare number is a percent) or "<n> samples"` };
  return r;
}

/** access_pattern.age bound: µs or a time string (bare number = µs), or "<n> aggr_intervals". */
export function parseAge(raw: unknown): ParseResult {
  if (typeof raw === 'string' && /aggr_intervals\s*$/.test(raw)) {
    const r = parseNrUnit(raw, 'aggr_intervals');
    if (r) return r;
    return { ok: false, error: `${JSON.stringify(raw)} must be exactly "<n> aggr_intervals"` };
  }
  const r = parseUs(raw);
  if (!r.ok) return { ok: false, error: `${describe(raw)} is not an age: write a time (a bare number is µs, or e.g. "30 s") or "<n> aggr_intervals"` };
  return r;
}

export function parseByKind(kind: Exclude<ValueKind, 'bool'>, raw: unknown): ParseResult {
  switch (kind) {
    case 'nr':
      return parseNr(raw);
    case 'bytes':
      return parseBytes(raw);
    case 'us':
      return parseUs(raw);
    case 'ms':
      return parseMs(raw);
    case 'percent':
      return parsePercent(raw);
    case 'permil':
      return parsePermil(raw);
    case 'bp':
      return parseBp(raw);
    case 'nr_accesses':
      return parseNrAccesses(raw);
    case 'age':
      return parseAge(raw);
  }
}

// ---------------------------------------------------------------------------------------------
// Human formatting (hover, inlay hints, messages)

export interface BytesFormat {
  /** exactly this many decimals (tables, chart axes); default: 3 significant digits, trailing zeros dropped */
  fixed?: number;
  /** a space between number and unit (default true) */
  space?: boolean;
}

/** A count and its noun: `1 host`, `2 hosts`, `3 kdamonds` (`many` for irregular plurals). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The one human form of a byte count (hover, inlay hints, messages, explain, the simulator's table
 * and chart, status): binary units, `2.77 GiB`. Not damo's input form: see damo/export.ts.
 * null or NaN → "-"; ULONG_MAX → "unlimited".
 */
export function formatBytes(n: number | null, opts: BytesFormat = {}): string {
  if (n === null || !Number.isFinite(n)) return '-';
  if (n >= ULONG_MAX) return 'unlimited';
  const { unit, size } = binaryUnit(n);
  const v = Math.abs(n) / size;
  const sign = n < 0 ? '-' : '';
  let s: string;
  if (size === 1) s = String(Math.round(v));
  else if (opts.fixed !== undefined) s = v.toFixed(opts.fixed);
  else s = (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
  return `${sign}${s}${opts.space === false ? '' : ' '}${unit}`;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** The unit formatBytes writes n in: the largest binary unit not above |n| (B below 1 KiB), e.g. for a chart axis. */
export function binaryUnit(n: number): { unit: string; size: number } {
  let i = 0;
  let size = 1;
  const a = Math.abs(n);
  while (a >= size * 1024 && i < BINARY_UNITS.length - 1) {
    size *= 1024;
    i++;
  }
  return { unit: BINARY_UNITS[i], size };
}

export function formatUs(us: number): string {
  if (us >= ULONG_MAX) return 'unlimited';
  if (us >= 3600e6 && us % 60e6 === 0) return `${+(us / 3600e6).toFixed(2)} h`;
  if (us >= 60e6) return `${+(us / 60e6).toFixed(2)} min`;
  if (us >= 1e6) return `${+(us / 1e6).toFixed(3)} s`;
  if (us >= 1e3) return `${+(us / 1e3).toFixed(3)} ms`;
  return `${+us.toFixed(3)} µs`;
}

/** basis points as a percentage: 2970 → "29.7 %" */
export function formatBp(bp: number): string {
  return `${+(bp / 100).toFixed(2)} %`;
}

/** per mille as a percentage: 55 → "5.5 %" */
export function formatPermil(permil: number): string {
  return `${+(permil / 10).toFixed(1)} %`;
}

export function formatValue(v: ParsedValue): string {
  if (v.special === 'max') return 'max (no upper bound)';
  switch (v.unit) {
    case 'bytes':
      return `${formatBytes(v.value)} = ${v.value} bytes`;
    case 'us':
      return `${formatUs(v.value)} = ${v.value} µs`;
    case 'ms':
      return `${formatUs(v.value * 1000)} = ${v.value} ms`;
    case 'bp':
      return `${formatBp(v.value)} = ${v.value} bp`;
    case 'permil':
      return `${formatPermil(v.value)} = ${v.value} ‰`;
    case 'percent':
      return `${v.value} %`;
    case 'samples':
      return `${v.value} samples`;
    case 'aggr_intervals':
      return `${v.value} aggregation intervals`;
    default:
      return String(v.value);
  }
}
