/**
 * DAMON monitoring for one context: regions, per-sample access checks, aggregation, merge/split
 * with age, min_nr_regions enforcement (7.x), and monitoring intervals auto-tuning. Formulas follow
 * the kernel's mm/damon/core.c (the kdamond main loop, region merge/split, intervals auto-tuning):
 * kernel integer arithmetic, floor divisions.
 */
import type { KernelFacts } from '../kernel-version';
import type { KContext } from '../model/kernel';
import type { HostFeature } from '../sysfs/features';
import type { Machine, SimProcess } from './machine';
import { PAGE_SIZE } from './machine';
import type { AccessTree } from './access-tree';
import { P_SCALE } from './access-tree';
import type { Rng } from './rng';
import { setRegions, threeRegions, vaddrInitRegions } from './address-space';

export const MIN_SZ = PAGE_SIZE;
/** kdamond CPU cost per sampling interval on a modern server core: the loop, and per region checked */
export const SAMPLE_BASE_NS = 5_000;
export const SAMPLE_REGION_NS_PADDR = 2_000;
export const SAMPLE_REGION_NS_VADDR = 600;

/**
 * The kernel the simulator imitates, as the format spec's predicates: `facts` for behaviours
 * (KERNEL_SINCE), `features` for sysfs files (goal_tuner, fail_charge: what the plan gates on).
 */
export interface SimKernel {
  text: string;
  facts: KernelFacts;
  features: ReadonlySet<HostFeature>;
}

export interface Region {
  start: number;
  end: number;
  nr: number;
  last: number;
  bp: number;
  age: number;
}

export interface SimTarget {
  idx: number;
  /** the process of a vaddr target; null for paddr */
  proc: SimProcess | null;
  regions: Region[];
}

/** state the kernel keeps in function statics shared by every kdamond (kdamond_split_regions' last_nr_regions) */
export interface SharedStatics {
  lastNrRegions: number;
}

export const alignDown = (x: number, a: number): number => x - (x % a);
export const alignUp = (x: number, a: number): number => alignDown(x + a - 1, a);
export const regionSize = (r: Region): number => r.end - r.start;

export function newRegion(start: number, end: number): Region {
  return { start, end, nr: 0, last: 0, bp: 0, age: 0 };
}

/** split r at `left` bytes from its start; the new right region copies the counters */
export function splitAt(regions: Region[], i: number, left: number): void {
  const r = regions[i];
  const right: Region = { start: r.start + left, end: r.end, nr: r.nr, last: r.last, bp: r.bp, age: r.age };
  r.end = r.start + left;
  regions.splice(i + 1, 0, right);
}

export class DamonContext {
  sampleUs: number;
  aggrUs: number;
  updateUs: number;
  readonly minNr: number;
  readonly maxNr: number;
  readonly goal: KContext['intervalsGoal'];
  /** aggrUs / sampleUs frozen when the attrs were set: intervals tuning keeps the ratio */
  readonly aggrSamples: number;
  readonly targets: SimTarget[];
  passedSis = 0;
  nextAggrSis: number;
  nextOpsUpdateSis: number;
  nextTuneSis: number;
  /** simulated time of sample number passedSis, µs */
  tUs: number;
  szLimit = MIN_SZ;
  /** per-chunk access probabilities for the current sampling interval */
  private tree: AccessTree | null = null;
  private treeSampleUs = 0;
  nrRegionsMin = Infinity;
  nrRegionsMax = 0;
  /** relative speed of the CPU the kdamond runs on (1 = a modern server core); Infinity = no CPU cost modelled */
  cpuSpeed = Number.POSITIVE_INFINITY;
  /** wall time of the last sampling interval (µs) */
  lastPeriodUs: number;

  constructor(
    readonly kdamond: number,
    readonly k: KContext,
    readonly m: Machine,
    readonly rng: Rng,
    readonly kernel: SimKernel,
    readonly statics: SharedStatics,
    startUs: number,
  ) {
    this.sampleUs = Math.max(1, k.sampleUs);
    this.aggrUs = Math.max(this.sampleUs, k.aggrUs);
    this.updateUs = Math.max(this.sampleUs, k.updateUs);
    this.minNr = Math.max(3, k.nrRegions.min);
    this.maxNr = Math.max(this.minNr, k.nrRegions.max);
    this.goal = k.intervalsGoal && k.intervalsGoal.aggrs > 0 ? k.intervalsGoal : null;
    this.aggrSamples = Math.max(1, Math.floor(this.aggrUs / this.sampleUs));
    this.tUs = startUs;
    this.lastPeriodUs = this.sampleUs;
    this.targets = k.targets.map((t, idx) => ({ idx, proc: this.procOf(t.pid), regions: [] }));
    this.initRegions();
    this.nextAggrSis = this.W;
    this.nextOpsUpdateSis = Math.floor(this.updateUs / this.sampleUs);
    this.nextTuneSis = this.goal ? this.nextAggrSis * this.goal.aggrs : Infinity;
    this.szLimit = this.regionSizeLimit();
    if (kernel.facts.damon_apply_min_nr_regions) this.applyMinNrRegions();
  }

  get isPaddr(): boolean {
    return this.k.ops === 'paddr';
  }

  /**
   * Wall time of one sampling interval: the kdamond sleeps sample_us, then spends CPU time checking
   * and re-arming every region (paddr: an rmap walk per region to read and clear the Accessed bit,
   * vaddr: a page-table walk), so a busy or slow CPU stretches every interval and with it the
   * aggregation, apply and quota windows the kernel counts in samples (kdamond_fn).
   */
  periodUs(): number {
    if (this.cpuSpeed === Number.POSITIVE_INFINITY) return this.sampleUs;
    const perRegionNs = this.isPaddr ? SAMPLE_REGION_NS_PADDR : SAMPLE_REGION_NS_VADDR;
    // whole µs, so the engine's clock arithmetic stays exact
    return this.sampleUs + Math.round((SAMPLE_BASE_NS + perRegionNs * this.nrRegions()) / 1000 / this.cpuSpeed);
  }

  /**
   * mkolds per second this context's access sampling gives chunk v: every sampling interval the
   * kernel clears the Accessed bit of the folio at one random address of each region, so a folio of F
   * bytes in a region of S bytes is hit F/S times per interval (0 when no region covers the chunk); the
   * chunk's young state stands for its folios' (4 KiB pages, or 2 MiB with THP)
   */
  samplingMkoldRate(v: number): number {
    const m = this.m;
    const C = m.chunk;
    // a chunk stands for folios of this size: the sampled address ages its folio, not the whole chunk
    const folio = m.thp ? 2 * 1024 * 1024 : PAGE_SIZE;
    for (const t of this.targets) {
      let addr: number;
      if (t.proc === null) {
        if (!this.isPaddr || m.vSlot[v] < 0) continue;
        addr = m.vSlot[v] * C;
      } else {
        if (m.vProc[v] !== t.proc.idx) continue;
        addr = m.vaddrOf(t.proc, v);
      }
      const rs = t.regions;
      let lo = 0;
      let hi = rs.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const r = rs[mid];
        if (addr < r.start) hi = mid - 1;
        else if (addr >= r.end) lo = mid + 1;
        else return (1e6 / this.lastPeriodUs) * Math.min(1, folio / (r.end - r.start));
      }
    }
    return 0;
  }

  /** samples per aggregation: the largest nr_accesses a region can have */
  get W(): number {
    return Math.max(1, Math.floor(this.aggrUs / this.sampleUs));
  }

  private procOf(pid: number | null): SimProcess | null {
    if (this.k.ops === 'paddr') return null;
    return this.m.processes.find((p) => p.pid === pid) ?? null;
  }

  private initRegions(): void {
    for (const [i, t] of this.targets.entries()) {
      const kt = this.k.targets[i];
      if (kt.regions.length > 0) {
        for (const r of [...kt.regions].sort((a, b) => a.start - b.start)) {
          const s = alignDown(r.start, MIN_SZ);
          const e = alignUp(r.end, MIN_SZ);
          if (e > s) t.regions.push(newRegion(s, e));
        }
        continue;
      }
      if (this.isPaddr) {
        const ram = this.m.systemRam();
        if (!this.kernel.facts.paddr_default_all_system_ram) {
          const big = ram.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a), ram[0]);
          if (big) t.regions.push(newRegion(big.start, big.end));
        } else for (const r of ram) t.regions.push(newRegion(r.start, r.end));
      } else if (t.proc && this.k.ops === 'vaddr') {
        // damon_va_init (fvaddr has no init: it monitors only the regions the user set): the three regions around the two biggest gaps, cut into about min_nr_regions pieces
        const three = threeRegions(t.proc.maps, MIN_SZ);
        if (three) for (const r of vaddrInitRegions(three, this.minNr, MIN_SZ)) t.regions.push(newRegion(r.start, r.end));
      }
    }
  }

  totalBytes(): number {
    let sum = 0;
    for (const t of this.targets) for (const r of t.regions) sum += r.end - r.start;
    return sum;
  }

  nrRegions(): number {
    let n = 0;
    for (const t of this.targets) n += t.regions.length;
    return n;
  }

  regionSizeLimit(): number {
    return Math.max(MIN_SZ, Math.floor(this.totalBytes() / this.minNr));
  }

  /** 7.x: cut regions larger than total/min_nr_regions so the context has at least min_nr_regions */
  applyMinNrRegions(): void {
    const maxSz = alignUp(Math.max(MIN_SZ, Math.floor(this.totalBytes() / this.minNr)), MIN_SZ);
    for (const t of this.targets) {
      for (let i = 0; i < t.regions.length; i++) {
        while (regionSize(t.regions[i]) > maxSz) {
          splitAt(t.regions, i, maxSz);
          i++;
        }
      }
    }
    this.szLimit = maxSz;
  }

  private accessTree(): AccessTree {
    if (this.tree && this.treeSampleUs === this.sampleUs) return this.tree;
    const space = this.isPaddr ? 'phys' : 'virt';
    if (this.tree) this.m.releaseTree(space, this.treeSampleUs);
    this.tree = this.m.acquireTree(space, this.sampleUs);
    this.treeSampleUs = this.sampleUs;
    return this.tree;
  }

  /**
   * Run n sampling intervals on unchanged memory (§3.2, §3.3). Each interval checks one uniformly
   * random address per region, so a region sees an access with probability equal to the mean of
   * its pages' access probabilities, independently per interval: nr_accesses grows by a
   * Binomial(n, mean) draw.
   */
  sample(n: number): void {
    if (n <= 0) return;
    const tree = this.accessTree();
    const C = this.m.chunk;
    const rng = this.rng;
    const W = this.W;
    for (const t of this.targets) {
      const proc = t.proc;
      if (!this.isPaddr && !proc) continue;
      for (const r of t.regions) {
        const size = r.end - r.start;
        let sum = 0;
        if (!proc) sum = tree.rangeSum(r.start, r.end, C);
        else
          for (const mp of proc.dataMaps) {
            // a sampled address in a gap or in a mapping without pages is never young
            if (mp.start >= r.end) break;
            const a = Math.max(r.start, mp.start);
            const b = Math.min(r.end, mp.end, mp.start + mp.nChunks * C);
            if (b > a) sum += tree.rangeSum(a, b, C, mp.start - mp.v0 * C);
          }
        const q = sum > 0 ? sum / P_SCALE / (size / C) : 0;
        const acc = q > 0 ? rng.binomial(n, Math.min(1, q)) : 0;
        r.nr += acc;
        r.bp = Math.max(0, r.bp - n * Math.floor((r.last * 10000) / W) + acc * 10000);
      }
    }
    this.passedSis += n;
    this.lastPeriodUs = this.periodUs();
    this.tUs += n * this.lastPeriodUs;
  }

  maxNrAccesses(): number {
    let mx = 0;
    for (const t of this.targets) for (const r of t.regions) if (r.nr > mx) mx = r.nr;
    return mx;
  }

  private updateAge(r: Region, thres: number): void {
    if (Math.abs(r.nr - r.last) > thres) r.age = 0;
    else if (this.kernel.facts.age_reset_on_zero_crossing && (r.nr === 0) !== (r.last === 0)) r.age = 0;
    else r.age++;
  }

  private mergeTarget(t: SimTarget, thres: number, szLimit: number, countAge: boolean): void {
    const out: Region[] = [];
    let prev: Region | null = null;
    for (const r of t.regions) {
      if (countAge) this.updateAge(r, thres);
      if (prev && prev.end === r.start && Math.abs(prev.nr - r.nr) <= thres && prev.end - prev.start + (r.end - r.start) <= szLimit) {
        const ps = prev.end - prev.start;
        const rs = r.end - r.start;
        prev.nr = Math.floor((prev.nr * ps + r.nr * rs) / (ps + rs));
        prev.bp = prev.nr * 10000;
        prev.age = Math.floor((prev.age * ps + r.age * rs) / (ps + rs));
        prev.end = r.end;
      } else {
        out.push(r);
        prev = r;
      }
    }
    t.regions = out;
  }

  /** §4.2: at each aggregation boundary, before schemes (includes the age update) */
  mergeRegions(): void {
    let thres = Math.floor(this.maxNrAccesses() / 10);
    const maxThres = this.W;
    let pass = 0;
    let n: number;
    do {
      // before merge_age_once_per_aggregation every merge pass counted the age again (a quirk)
      const countAge = !this.kernel.facts.merge_age_once_per_aggregation || pass === 0;
      for (const t of this.targets) this.mergeTarget(t, thres, this.szLimit, countAge);
      n = this.nrRegions();
      thres = Math.max(1, thres * 2);
      pass++;
    } while (n > this.maxNr && Math.floor(thres / 2) < maxThres);
    if (this.kernel.facts.damon_apply_min_nr_regions) this.applyMinNrRegions();
  }

  /** end of an aggregation window: last <- nr, nr <- 0 */
  resetAggregated(): void {
    for (const t of this.targets)
      for (const r of t.regions) {
        r.last = r.nr;
        r.nr = 0;
        r.bp = r.last * 10000;
      }
  }

  /** §4.3 */
  splitRegions(): void {
    const n = this.nrRegions();
    if (n > Math.floor(this.maxNr / 2)) return;
    const k = this.statics.lastNrRegions === n && n < Math.floor(this.maxNr / 3) ? 3 : 2;
    for (const t of this.targets) {
      const out: Region[] = [];
      for (const r of t.regions) {
        const pieces: Region[] = [r];
        let sz = r.end - r.start;
        for (let i = 0; i < k - 1 && sz > 2 * MIN_SZ; i++) {
          const frac = this.rng.between(1, 9);
          const left = alignDown(Math.floor((frac * sz) / 10), MIN_SZ);
          if (left === 0 || left >= sz) continue;
          const cur = pieces[0];
          const right: Region = { start: cur.start + left, end: cur.end, nr: cur.nr, last: cur.last, bp: cur.bp, age: cur.age };
          cur.end = cur.start + left;
          pieces.splice(1, 0, right);
          sz = left;
        }
        for (const p of pieces) out.push(p);
      }
      t.regions = out;
    }
    this.statics.lastNrRegions = n;
  }

  /** §5.2 intervals auto-tuning; returns true when the intervals changed */
  tuneIntervals(feedLoopNext: (last: bigint, score: bigint) => bigint): boolean {
    const g = this.goal;
    if (!g) return false;
    let observed = 0;
    let total = 0;
    for (const t of this.targets)
      for (const r of t.regions) {
        observed += (r.end - r.start) * r.nr;
        total += r.end - r.start;
      }
    const maxEvents = total * this.aggrSamples;
    const target = Math.floor((maxEvents * g.accessBp) / 10000) || 1;
    const score = Math.floor((observed * 10000) / target);
    let a = Number(feedLoopNext(100_000_000n, BigInt(score)) / 10000n);
    if (a <= 10000) a = 5000 + Math.floor(a / 2);
    if (a === 10000) return false;
    let ns = Math.floor((this.sampleUs * a) / 10000);
    ns = Math.min(Math.max(ns, g.minSampleUs), g.maxSampleUs);
    ns = Math.max(1, ns);
    if (ns === this.sampleUs) return false;
    this.setAttrs(ns, ns * this.aggrSamples);
    return true;
  }

  /** §5.3 damon_set_attrs side effects (schemes' next apply is re-armed by the caller) */
  private setAttrs(sampleUs: number, aggrUs: number): void {
    const Wold = this.W;
    const aggrOld = this.aggrUs;
    this.sampleUs = sampleUs;
    this.aggrUs = aggrUs;
    const Wnew = this.W;
    const conv = (x: number): number => Math.floor((Math.floor((x * 10000) / Wold) * Wnew) / 10000);
    const aggregating = this.passedSis < this.nextAggrSis;
    for (const t of this.targets)
      for (const r of t.regions) {
        if (!aggregating) {
          r.nr = conv(r.nr);
          r.bp = r.nr * 10000;
        } else {
          r.last = conv(r.last);
          r.bp = r.last * 10000;
          r.nr = 0;
        }
        r.age = Math.floor((r.age * aggrOld) / aggrUs);
      }
    this.nextAggrSis = this.passedSis + Math.floor(aggrUs / sampleUs);
    this.nextOpsUpdateSis = this.passedSis + Math.floor(this.updateUs / sampleUs);
  }

  /**
   * The ops update (kdamond_fn every ops update interval): vaddr re-reads each target's mappings and
   * fits its regions to the three regions (damon_va_update -> damon_set_regions), which also replaces
   * regions the user set by the ones that cover the mappings; then the merge size limit is recomputed.
   */
  opsUpdate(): void {
    if (this.k.ops === 'vaddr')
      for (const t of this.targets) {
        const three = t.proc ? threeRegions(t.proc.maps, MIN_SZ) : null;
        if (three) t.regions = setRegions(t.regions, three, newRegion, MIN_SZ);
      }
    this.szLimit = this.regionSizeLimit();
  }

  trackRegionCount(): void {
    const n = this.nrRegions();
    if (n < this.nrRegionsMin) this.nrRegionsMin = n;
    if (n > this.nrRegionsMax) this.nrRegionsMax = n;
  }
}
