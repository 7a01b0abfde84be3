/**
 * Workload drivers: set each chunk's access level over time. A driver knows when its pattern next
 * changes, so the engine only wakes it at those instants.
 */
import type { Machine, SimProcess } from './machine';
import type { WorkloadSpec } from './types';

const US = 1_000_000;

/** access rates (per page per second) of a process's chunks at time t, plus when that changes */
interface Pattern {
  /** rate of chunk i (0-based within the process) */
  rates(n: number, tUs: number): Float64Array;
  /** next time (µs) > tUs at which rates change, Infinity if never */
  nextChange(tUs: number): number;
}

function quantizeRate(r: number): number {
  if (r <= 0) return 0;
  // quarter-octave steps keep the number of distinct levels small for skewed patterns
  const q = Math.round(Math.log2(r) * 4) / 4;
  return Number((2 ** q).toPrecision(6));
}

function makePattern(w: WorkloadSpec, seedMix: number): Pattern {
  switch (w.pattern) {
    case 'idle':
      return { rates: (n) => new Float64Array(n), nextChange: () => Infinity };
    case 'uniform':
      return { rates: (n) => new Float64Array(n).fill(w.accessesPerSec), nextChange: () => Infinity };
    case 'rotating-hot': {
      const period = w.periodSec * US;
      const off = (w.offsetSec ?? 0) * US;
      const hot = w.hotRegions ?? 1;
      return {
        rates(n, t) {
          const out = new Float64Array(n);
          const first = Math.floor((t + off) / period) % w.regions;
          for (let k = 0; k < hot; k++) {
            const reg = (first + k) % w.regions;
            const a = Math.floor((reg * n) / w.regions);
            const b = Math.floor(((reg + 1) * n) / w.regions);
            out.fill(w.accessesPerSec, a, b);
          }
          return out;
        },
        nextChange(t) {
          return (Math.floor((t + off) / period) + 1) * period - off;
        },
      };
    }
    case 'zipf': {
      return {
        rates(n) {
          const out = new Float64Array(n);
          // a deterministic permutation (multiplicative hashing) when shuffled
          const step = w.shuffle ? largestCoprimeStep(n, seedMix) : 1;
          for (let k = 0; k < n; k++) out[(k * step) % n] = quantizeRate(w.accessesPerSec / (k + 1) ** w.exponent);
          return out;
        },
        nextChange: () => Infinity,
      };
    }
    case 'phases': {
      // A phase with a workload starts that pattern afresh; a phase with only accessesPerSec keeps the
      // previous pattern running on its own clock (a rotation goes on) and scales its rates to the
      // phase's rate: a hot set whose rate varies within one run (measured 7.6-35 accesses/page/s).
      const subs: { dur: number; pat: Pattern; origin: number; scale: number }[] = [];
      let offset = 0;
      w.phases.forEach((p, i) => {
        const dur = p.durationSec * US;
        if (p.workload) subs.push({ dur, pat: makePattern(p.workload, seedMix + i), origin: offset, scale: 1 });
        else {
          const prev = subs[subs.length - 1];
          const def = [...w.phases.slice(0, i)].reverse().find((q) => q.workload)?.workload;
          const base = def && 'accessesPerSec' in def ? def.accessesPerSec : 0;
          subs.push({ dur, pat: prev.pat, origin: prev.origin, scale: base > 0 ? (p.accessesPerSec ?? base) / base : 1 });
        }
        offset += dur;
      });
      const starts = subs.map((_, i) => subs.slice(0, i).reduce((a, x) => a + x.dur, 0));
      const total = offset;
      const locate = (t: number): { i: number; cycle: number } => {
        let base = 0;
        if (w.repeat && total > 0) base = Math.floor(t / total) * total;
        else if (t >= total) return { i: subs.length - 1, cycle: 0 };
        for (let i = 0; i < subs.length; i++) if (t < base + starts[i] + subs[i].dur) return { i, cycle: base };
        return { i: subs.length - 1, cycle: base };
      };
      return {
        rates(n, t) {
          const { i, cycle } = locate(t);
          const sub = subs[i];
          const out = sub.pat.rates(n, t - cycle - sub.origin);
          if (sub.scale !== 1) for (let k = 0; k < n; k++) out[k] *= sub.scale;
          return out;
        },
        nextChange(t) {
          const { i, cycle } = locate(t);
          const sub = subs[i];
          const end = cycle + starts[i] + sub.dur;
          const inner = sub.pat.nextChange(t - cycle - sub.origin) + cycle + sub.origin;
          if (!w.repeat && i === subs.length - 1) return inner;
          return Math.min(end, inner);
        },
      };
    }
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function largestCoprimeStep(n: number, mix: number): number {
  if (n <= 2) return 1;
  let s = Math.floor(n * 0.6180339887) + (mix % 7);
  while (gcd(s, n) !== 1) s++;
  return s;
}

export class WorkloadDriver {
  private readonly pats: { proc: SimProcess; pat: Pattern; next: number }[];

  constructor(
    private readonly m: Machine,
    specs: WorkloadSpec[],
  ) {
    this.pats = m.processes.map((proc, i) => ({ proc, pat: makePattern(specs[i], i), next: 0 }));
    for (const p of this.pats) {
      this.apply(p, 0);
      // fresh allocations: accessed at t=0 (PG_idle clear), hot ones keep being accessed
      for (let v = p.proc.firstV; v < p.proc.firstV + p.proc.nV; v++) m.vTouch[v] = 0;
    }
  }

  private apply(p: { proc: SimProcess; pat: Pattern; next: number }, tUs: number): void {
    const rates = p.pat.rates(p.proc.nV, tUs);
    for (let i = 0; i < p.proc.nV; i++) this.m.setLevel(p.proc.firstV + i, this.m.levelFor(rates[i]), tUs);
    p.next = p.pat.nextChange(tUs);
  }

  nextEventUs(): number {
    let t = Infinity;
    for (const p of this.pats) t = Math.min(t, p.next);
    return t;
  }

  /** apply every pattern change due at or before tUs */
  advance(tUs: number): void {
    for (const p of this.pats) if (p.next <= tUs) this.apply(p, p.next);
  }
}
