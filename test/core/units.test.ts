import { describe, expect, it } from 'vitest';
import {
  binaryUnit,
  formatBp,
  formatBytes,
  formatPermil,
  parseAge,
  parseBool,
  parseBp,
  parseBytes,
  parseMs,
  parseNr,
  parseNrAccesses,
  parsePermil,
  parseUs,
  scaleDecimal,
} from '../../server/src/core/model/units';
import { ULONG_MAX } from '../../server/src/core/model/kernel';

const v = (r: ReturnType<typeof parseBytes>) => (r.ok ? r.v : undefined);
const err = (r: ReturnType<typeof parseBytes>) => (r.ok ? undefined : r.error);

describe("damo's value grammar", () => {
  it('sizes: all units binary, with or without a space, case-sensitive, commas stripped', () => {
    expect(v(parseBytes('200 MiB'))?.value).toBe(209715200);
    expect(v(parseBytes('200MB'))?.value).toBe(209715200);
    expect(v(parseBytes('4K'))?.value).toBe(4096);
    expect(v(parseBytes('1.5 GiB'))?.value).toBe(1610612736);
    expect(v(parseBytes('1,000'))?.value).toBe(1000);
    expect(v(parseBytes(4096))?.value).toBe(4096);
    expect(v(parseBytes('max'))?.special).toBe('max');
    expect(v(parseBytes('min'))?.value).toBe(0);
    expect(err(parseBytes('4k'))).toContain('case-sensitive');
    expect(err(parseBytes('0x1000'))).toBeDefined();
    expect(err(parseBytes('lots'))).toContain('not a size');
  });

  it('times: bare numbers take the key unit; m is minutes; pairs need inner spaces', () => {
    expect(v(parseUs('5 ms'))?.value).toBe(5000);
    expect(v(parseUs('1.5s'))?.value).toBe(1500000);
    expect(v(parseUs('2 m'))?.value).toBe(120e6);
    expect(v(parseUs('1 h 30 m'))?.value).toBe(5400e6);
    expect(v(parseUs(5000))?.value).toBe(5000);
    expect(v(parseMs('1 s'))?.value).toBe(1000);
    expect(v(parseMs(100))?.value).toBe(100);
    expect(v(parseUs('100 ns'))?.value).toBe(0.1);
    expect(v(parseUs('100 ns'))?.damo).toBe(0);
    expect(err(parseUs('1h 30m'))).toContain('"1 h 30 m"');
    expect(err(parseUs('5 sec'))).toBeDefined();
  });

  it('ratios: exact value vs what damo writes after float math and %d truncation', () => {
    expect(v(parseBp('29.7%'))).toMatchObject({ value: 2970, damo: 2970 });
    expect(v(parseBp('9.7%'))).toMatchObject({ value: 970, damo: 969 });
    expect(v(parseBp('19.7%'))).toMatchObject({ value: 1970, damo: 1969 });
    expect(v(parseBp('0.5%'))).toMatchObject({ value: 50, damo: 50 });
    expect(v(parseBp('4%'))?.value).toBe(400);
    expect(v(parseBp(29.7))).toMatchObject({ value: 29.7, damo: 29 });
    expect(v(parsePermil('50%'))?.value).toBe(500);
    expect(v(parsePermil('0.7%'))).toMatchObject({ value: 7, damo: 6 });
    expect(scaleDecimal('0.03', 2)).toBe(3);
    expect(scaleDecimal('100', 2)).toBe(10000);
  });

  it('access pattern exceptions: bare nr_accesses is percent, bare age is µs, or raw kernel units', () => {
    expect(v(parseNrAccesses(5))).toMatchObject({ value: 5, unit: 'percent' });
    expect(v(parseNrAccesses('5%'))).toMatchObject({ value: 5, unit: 'percent' });
    expect(v(parseNrAccesses('3 samples'))).toMatchObject({ value: 3, unit: 'samples' });
    expect(v(parseNrAccesses('max samples'))).toMatchObject({ unit: 'samples', special: 'max' });
    expect(v(parseAge(30))).toMatchObject({ value: 30, unit: 'us' });
    expect(v(parseAge('30 s'))).toMatchObject({ value: 30e6, unit: 'us' });
    expect(v(parseAge('20 aggr_intervals'))).toMatchObject({ value: 20, unit: 'aggr_intervals' });
    expect(err(parseAge('20 aggr_interval'))).toBeDefined();
  });

  it('numbers and booleans', () => {
    expect(v(parseNr('1e3'))?.value).toBe(1000);
    expect(v(parseNr('max'))?.value).toBe(ULONG_MAX);
    expect(err(parseNr('min'))).toContain('"max" only');
    expect(parseBool('Yes')).toEqual({ ok: true, value: true });
    expect(parseBool('n')).toEqual({ ok: true, value: false });
    expect(parseBool(1).ok).toBe(false);
    expect(err(parseBytes(true))).toContain('YAML 1.1');
  });
});

describe('the one byte formatter', () => {
  it('formatBytes: binary units, 3 significant digits by default, fixed decimals and no space on request', () => {
    const cases: [number | null, Parameters<typeof formatBytes>[1], string][] = [
      [0, {}, '0 B'],
      [1023, {}, '1023 B'],
      [1024, {}, '1 KiB'],
      [1536, {}, '1.5 KiB'],
      [200 * 2 ** 20, {}, '200 MiB'],
      [2.77 * 2 ** 30, {}, '2.77 GiB'],
      [12.34 * 2 ** 30, {}, '12.3 GiB'],
      [-3 * 2 ** 20, {}, '-3 MiB'],
      [5 * 2 ** 40, {}, '5 TiB'],
      [3 * 2 ** 60, {}, '3 EiB'],
      [2.77 * 2 ** 30, { fixed: 2, space: false }, '2.77GiB'],
      [2 ** 20, { fixed: 2 }, '1.00 MiB'],
      [512, { fixed: 2 }, '512 B'],
      [null, {}, '-'],
      [NaN, {}, '-'],
      [ULONG_MAX, {}, 'unlimited'],
    ];
    for (const [n, o, want] of cases) expect(formatBytes(n, o), String(n)).toBe(want);
  });

  it('binaryUnit: the unit formatBytes writes a number in (chart axes name it once)', () => {
    expect(binaryUnit(0)).toEqual({ unit: 'B', size: 1 });
    expect(binaryUnit(1023)).toEqual({ unit: 'B', size: 1 });
    expect(binaryUnit(1024)).toEqual({ unit: 'KiB', size: 1024 });
    expect(binaryUnit(-(2 ** 31))).toEqual({ unit: 'GiB', size: 2 ** 30 });
    expect(binaryUnit(2 ** 80)).toEqual({ unit: 'EiB', size: 2 ** 60 });
  });

  it('formatBp and formatPermil: percentages without trailing zeros', () => {
    expect(formatBp(2970)).toBe('29.7 %');
    expect(formatBp(1000)).toBe('10 %');
    expect(formatBp(1234)).toBe('12.34 %');
    expect(formatPermil(55)).toBe('5.5 %');
    expect(formatPermil(800)).toBe('80 %');
  });
});
