/**
 * DAMOS: access-pattern matching, priority scores, quotas (size, time, goals with the consist and
 * temporal tuners), the resume cursor, core and ops filters with first-hit semantics, and the
 * paddr/vaddr actions. Follows the kernel's mm/damon/core.c (scheme application, quotas and
 * the goal tuners) and mm/damon/paddr.c.
 */
import type { KFilter, KQuotaGoal, KScheme } from '../model/kernel';
import type { DamonContext, Region, SimTarget } from './damon';
import { MIN_SZ, alignDown, regionSize, splitAt } from './damon';
import { goalMetricValue, type UsageSnapshot } from '../goal-metric';
import type { Machine } from './machine';
import { PAGE_SIZE } from './machine';

export const ULONG_MAX_BIG = 18446744073709551615n;
const MAX_SCORE = 99;
/** apply cost model (time quotas, the kdamond's stall) on a modern server core: ns per 4 KiB page visited / migrated / paged out */
const NS_VISIT = 30;
const NS_MIGRATE = 1500;
const NS_PAGEOUT = 3000;

/** §8.4 damon_feed_loop_next_input with the goal fixed at 10000 */
export function feedLoopNext(last: bigint, score: bigint): bigint {
  const GOAL = 10000n;
  const MIN_INPUT = 10000n;
  if (score === GOAL) return last;
  if (score >= GOAL * 2n) return MIN_INPUT;
  const diff = score > GOAL ? score - GOAL : GOAL - score;
  const comp = last < ULONG_MAX_BIG / diff ? (last * diff) / GOAL : (last / GOAL) * diff;
  if (score > GOAL) return last - comp > MIN_INPUT ? last - comp : MIN_INPUT;
  return last < ULONG_MAX_BIG - comp ? last + comp : ULONG_MAX_BIG;
}

export interface SchemeStats {
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  szOpsFilterPassed: number;
  qtExceeds: number;
}

/** §7: hot score with weights (permil), from the raw in-window nr_accesses (as v6.16-v7.2 do) */
export function hotScore(nr: number, age: number, W: number, aggrUs: number, wNr: number, wAge: number): number {
  const freqSub = Math.floor((nr * 100) / W);
  const ageSec = Math.floor((age * aggrUs) / 1_000_000);
  let ageLog = ageSec === 0 ? 0 : Math.min(Math.floor(Math.log2(ageSec)) + 1, 32);
  if (freqSub === 0) ageLog = -ageLog;
  const ageSub = Math.floor(Math.floor(((ageLog + 32) * 100) / 32) / 2);
  let h = wNr * freqSub + wAge * ageSub;
  if (wNr + wAge > 0) h = Math.floor(h / (wNr + wAge));
  h = Math.floor((h * MAX_SCORE) / 100);
  return Math.min(MAX_SCORE, Math.max(0, h));
}

/** §6.3 min_score: walk the size histogram from the top until esz is covered */
export function minScoreFor(hist: Float64Array, maxScore: number, esz: number): number {
  let cum = 0;
  let sc = maxScore;
  for (; sc >= 0; sc--) {
    cum += hist[sc];
    if (cum >= esz || sc === 0) break;
  }
  return Math.max(0, sc);
}

/** the simulated machine as the goal evaluator's usage snapshot */
export function machineUsage(m: Machine, nowUs: number): UsageSnapshot {
  return {
    nodes: new Map(m.nodes.map((n) => [n.nid, { totalBytes: n.managedBytes, freeBytes: m.freeBytes(n) }])),
    memcgNodeBytes(path, nid) {
      const n = m.nodeByNid.get(nid);
      return n && m.cgroupIndex(path) !== undefined ? m.memcgNodeBytes(path, n.idx) : undefined;
    },
    lru: () => m.lruActiveInactive(nowUs),
  };
}

export class SchemeState {
  nextApplySis: number;
  esz = 0;
  escBp = 0n;
  chargedSz = 0;
  chargedFromMs = -Infinity;
  totalChargedSz = 0;
  totalChargedNs = 0;
  minScore = 0;
  cursorTarget = -1;
  cursorAddr = 0;
  lastAppliedV = -1;
  coreAllowed = false;
  readonly stats: SchemeStats = { nrTried: 0, szTried: 0, nrApplied: 0, szApplied: 0, szOpsFilterPassed: 0, qtExceeds: 0 };
  /** measured current values of the goals at the last window start */
  goalCurrent: number[];
  lastGoalScore = 0;
  private lastPsiUs = 0;
  wmarkActive = true;
  readonly opsDefaultReject: boolean;
  readonly hasYoungFilter: boolean;
  readonly tuner: 'consist' | 'temporal';
  /** time spent in the ops layer not yet charged to the kdamond's clock */
  busyNs = 0;
  /** applied bytes since the recorder last looked */
  appliedSinceRecord = 0;

  constructor(
    readonly kd: number,
    readonly idx: number,
    readonly k: KScheme,
    readonly ctx: DamonContext,
  ) {
    this.nextApplySis = Math.floor((k.applyIntervalUs || ctx.aggrUs) / ctx.sampleUs);
    this.opsDefaultReject = k.opsFilters.length > 0 && k.opsFilters[k.opsFilters.length - 1].allow;
    this.hasYoungFilter = k.opsFilters.some((f) => f.type === 'young');
    this.goalCurrent = k.quota.goals.map((g) => g.currentValue);
    this.tuner = ctx.kernel.features.has('goal_tuner') && k.quota.goalTuner === 'temporal' ? 'temporal' : 'consist';
  }

  /** damos_quota_is_set() and its MIN_SZ floors */
  get quotaIsSetKernel(): boolean {
    return this.ctx.kernel.facts.damos_quota_is_set;
  }

  quotaSet(): boolean {
    const q = this.k.quota;
    if (this.quotaIsSetKernel) return this.esz > 0 || q.bytes > 0 || q.ms > 0 || q.goals.length > 0;
    return this.esz > 0;
  }

  quotaFull(): boolean {
    if (this.quotaIsSetKernel) return this.quotaSet() && (this.chargedSz >= this.esz || this.esz - this.chargedSz < MIN_SZ);
    return this.esz > 0 && this.chargedSz >= this.esz;
  }

  /** §8.2: the goal's current value; the machine-wide metrics by the shared evaluator (core/goal-metric.ts) */
  measureGoal(g: KQuotaGoal, nowUs: number): number {
    const m = this.ctx.m;
    const node = g.nid === null ? undefined : m.nodeByNid.get(g.nid);
    switch (g.metric) {
      case 'some_mem_psi_us': {
        const d = m.psiUs - this.lastPsiUs;
        this.lastPsiUs = m.psiUs;
        return Math.floor(d);
      }
      case 'node_eligible_mem_bp': {
        if (!node) return 0;
        let all = 0;
        let on = 0;
        for (const t of this.ctx.targets)
          for (const r of t.regions) {
            if (!this.patternMatch(r)) continue;
            all += regionSize(r);
            on += this.bytesOnNode(t, r, node.idx);
          }
        return all === 0 ? 0 : Math.floor((on * 10000) / all);
      }
      default:
        return goalMetricValue(g, machineUsage(m, nowUs)) ?? 0;
    }
  }

  private bytesOnNode(t: SimTarget, r: Region, nodeIdx: number): number {
    const m = this.ctx.m;
    if (t.proc === null) {
      let b = 0;
      for (const rr of m.nodes[nodeIdx].spec.ranges) b += Math.max(0, Math.min(r.end, rr.end) - Math.max(r.start, rr.start));
      return b;
    }
    let n = 0;
    m.forEachChunkIn(t.proc, r.start, r.end, (v) => {
      if (m.vSlot[v] >= 0 && m.slotNode[m.vSlot[v]] === nodeIdx) n++;
    });
    return n * m.chunk;
  }

  /** §8.1 setEffectiveQuota, once per charge window */
  private setEffectiveQuota(nowUs: number): void {
    const q = this.k.quota;
    if (!q.ms && q.goals.length === 0) {
      this.esz = q.bytes;
      return;
    }
    let e = Number.POSITIVE_INFINITY;
    if (q.goals.length > 0) {
      let score = 0n;
      this.goalCurrent = q.goals.map((g) => this.measureGoal(g, nowUs));
      q.goals.forEach((g, i) => {
        if (g.targetValue <= 0) return;
        const s = (BigInt(Math.max(0, this.goalCurrent[i])) * 10000n) / BigInt(g.targetValue);
        if (s > score) score = s;
      });
      this.lastGoalScore = Number(score);
      if (this.tuner === 'consist') {
        this.escBp = feedLoopNext(this.escBp > 10000n ? this.escBp : 10000n, score);
      } else {
        this.escBp = score >= 10000n ? 0n : q.bytes ? BigInt(q.bytes) * 10000n : ULONG_MAX_BIG;
      }
      e = this.escBp >= ULONG_MAX_BIG ? Number.POSITIVE_INFINITY : Number(this.escBp / 10000n);
    }
    if (q.ms) {
      const thr = this.totalChargedNs ? Math.floor((this.totalChargedSz * 1_000_000) / this.totalChargedNs) : 4096 * 1024;
      let eTime = thr * q.ms;
      if (this.quotaIsSetKernel) eTime = Math.max(eTime, MIN_SZ);
      e = Math.min(e, eTime);
    }
    if (q.bytes && q.bytes < e) e = q.bytes;
    this.esz = e;
  }

  patternMatch(r: Region): boolean {
    const p = this.k.accessPattern;
    const sz = r.end - r.start;
    const nr = Math.floor(r.bp / 10000);
    return p.sz.min <= sz && sz <= p.sz.max && p.nrAccesses.min <= nr && nr <= p.nrAccesses.max && p.age.min <= r.age && r.age <= p.age.max;
  }

  score(r: Region): number {
    const a = this.k.action;
    const w = this.k.quota.weights;
    const h = (): number => hotScore(r.nr, r.age, this.ctx.W, this.ctx.aggrUs, w.nrAccessesPermil, w.agePermil);
    if (a === 'pageout' || a === 'lru_deprio' || a === 'migrate_cold' || a === 'cold') return MAX_SCORE - h();
    if (a === 'lru_prio' || a === 'migrate_hot' || a === 'willneed') return h();
    return MAX_SCORE;
  }

  /** §6.3 damos_adjust_quota, before the walk */
  adjustQuota(nowUs: number): void {
    const q = this.k.quota;
    if (!q.ms && !q.bytes && q.goals.length === 0) return;
    const nowMs = Math.floor(nowUs / 1000);
    if (nowMs >= this.chargedFromMs + q.resetIntervalMs || nowMs < this.chargedFromMs) {
      if (Number.isFinite(this.chargedFromMs) && this.quotaFull()) this.stats.qtExceeds++;
      this.totalChargedSz += this.chargedSz;
      this.chargedFromMs = nowMs;
      this.chargedSz = 0;
      this.setEffectiveQuota(nowUs);
    }
    const hist = new Float64Array(MAX_SCORE + 1);
    let maxScore = 0;
    for (const t of this.ctx.targets)
      for (const r of t.regions) {
        if (!this.patternMatch(r)) continue;
        if (this.ctx.kernel.facts.damos_histogram_skips_core_filtered && this.coreRejectsWhole(t, r)) continue;
        const sc = this.score(r);
        hist[sc] += regionSize(r);
        if (sc > maxScore) maxScore = sc;
      }
    this.minScore = minScoreFor(hist, maxScore, this.esz);
  }

  eligible(r: Region): boolean {
    if (!this.patternMatch(r)) return false;
    if (!this.quotaSet()) return true;
    return this.score(r) >= this.minScore;
  }

  /** a core filter rejecting the region as a whole (histogram use: no splitting) */
  private coreRejectsWhole(t: SimTarget, r: Region): boolean {
    for (const f of this.k.coreFilters) {
      let hit: boolean;
      if (f.type === 'target') hit = (t.idx === f.targetIdx) === f.matching;
      else {
        const s = alignDown(f.addrStart, MIN_SZ);
        const e = alignDown(f.addrEnd, MIN_SZ);
        hit = (s <= r.start && r.end <= e) === f.matching;
      }
      if (hit) return !f.allow;
    }
    return false;
  }

  /** §9.1 core filters; may split the region at an addr filter's edge (the current piece is the left one) */
  coreFilterOut(t: SimTarget, i: number): boolean {
    this.coreAllowed = false;
    const fs = this.k.coreFilters;
    for (const f of fs) {
      let typeHit: boolean;
      const r = t.regions[i];
      if (f.type === 'target') typeHit = t.idx === f.targetIdx;
      else {
        const s = alignDown(f.addrStart, MIN_SZ);
        const e = alignDown(f.addrEnd, MIN_SZ);
        if (s <= r.start && r.end <= e) typeHit = true;
        else if (r.end <= s || e <= r.start) typeHit = false;
        else if (r.start < s) {
          splitAt(t.regions, i, s - r.start);
          typeHit = false;
        } else {
          splitAt(t.regions, i, e - r.start);
          typeHit = true;
        }
      }
      if (typeHit === f.matching) {
        if (f.allow) this.coreAllowed = true;
        return !f.allow;
      }
    }
    if (this.k.opsFilters.length > 0) return false;
    return fs.length > 0 && fs[fs.length - 1].allow;
  }

  private opsTypeTest(f: KFilter, v: number, nowUs: number): boolean {
    const m = this.ctx.m;
    switch (f.type) {
      case 'young': {
        const y = m.isYoung(v, nowUs);
        if (y) m.mkOld(v, nowUs);
        return y;
      }
      case 'memcg':
        return f.memcgPath !== null && m.processes[m.vProc[v]].cgroup === f.memcgPath;
      case 'anon':
        return true;
      case 'active':
        return m.isActive(v, nowUs);
      case 'unmapped':
        return false;
      case 'hugepage_size': {
        const folio = m.thp ? 2 * 1024 * 1024 : PAGE_SIZE;
        return f.hugepageMin <= folio && folio <= f.hugepageMax;
      }
      default:
        return false;
    }
  }

  /** §9.1 opsFilterOut for one chunk (folio); pageout's implicit "reject young" included */
  opsFilterOut(v: number, nowUs: number): boolean {
    if (this.coreAllowed) return false;
    for (const f of this.k.opsFilters) {
      if (this.opsTypeTest(f, v, nowUs) === f.matching) return !f.allow;
    }
    if (this.k.action === 'pageout' && !this.hasYoungFilter) {
      const m = this.ctx.m;
      if (m.isYoung(v, nowUs)) {
        m.mkOld(v, nowUs);
        return true;
      }
    }
    return this.opsDefaultReject;
  }

  /** destination node index of a migration of chunk v, or -1 for an invalid node */
  private destNode(v: number): number {
    const m = this.ctx.m;
    const dests = this.k.dests;
    if (!this.ctx.isPaddr && dests.length > 0) {
      const total = dests.reduce((a, d) => a + d.weight, 0);
      if (total <= 0) return -1;
      let x = (v * 2654435761) % total;
      for (const d of dests) {
        if (x < d.weight) return m.nodeByNid.get(d.id)?.idx ?? -1;
        x -= d.weight;
      }
      return -1;
    }
    return m.nodeByNid.get(this.k.targetNid)?.idx ?? -1;
  }

  /** §10: act on the chunks whose first byte lies in [start, end); returns applied and ops-passed bytes */
  opsApply(t: SimTarget, r: Region, nowUs: number): { applied: number; passed: number; ns: number } {
    const m = this.ctx.m;
    const C = m.chunk;
    const action = this.k.action;
    let applied = 0;
    let passed = 0;
    let visited = 0;
    let moved = 0;
    if (action === 'stat' && this.k.opsFilters.length === 0) return { applied: 0, passed: 0, ns: 0 };
    const chunks: number[] = [];
    if (t.proc === null) {
      const s0 = Math.ceil(r.start / C);
      const s1 = Math.ceil(r.end / C);
      for (let s = s0; s < s1 && s < m.nSlots; s++) {
        const v = m.slotOwner[s];
        if (v >= 0) chunks.push(v);
      }
    } else {
      // a walk of the region's page tables: gaps and mappings without pages yield no folio, but the
      // quota is charged for the whole region (applyOne)
      m.forEachChunkIn(t.proc, r.start, r.end, (v) => {
        if (m.vSlot[v] >= 0) chunks.push(v);
      });
    }
    // which stage counts sz_ops_filter_passed (mm/damon/paddr.c, vaddr.c): paddr's actions count every
    // folio that passes the ops filters; vaddr counts only for stat (damos_va_stat, 6.18+); vaddr's
    // migrations (damos_va_migrate) filter but never count, and its madvise actions neither filter nor count
    const vaddr = !this.ctx.isPaddr;
    const facts = this.ctx.kernel.facts;
    const isMigrate = action === 'migrate_hot' || action === 'migrate_cold';
    const filters = !vaddr || (isMigrate && facts.vaddr_migrate) || (action === 'stat' && facts.vaddr_stat_ops_filters);
    const countsPassed = !vaddr || (action === 'stat' && facts.vaddr_stat_ops_filters);
    let dst = -2;
    for (const c of chunks) {
      visited++;
      // a THP folio is acted on once, whole, at its first chunk: paddr's walk finds no folio at a tail
      // page (damon_get_folio), vaddr's page-table walk meets the PMD once
      const v = vaddr ? m.vHead[c] : c;
      if (m.vHead[v] !== v) continue;
      const folio = m.vFolioN[v] * C;
      if (v === this.lastAppliedV) continue;
      this.lastAppliedV = v;
      if (filters && this.opsFilterOut(v, nowUs)) continue;
      if (countsPassed) passed += folio;
      switch (action) {
        case 'migrate_hot':
        case 'migrate_cold': {
          if (dst === -2) dst = this.destNode(v);
          const d = this.ctx.isPaddr ? dst : this.destNode(v);
          if (d < 0) break;
          if (m.slotNode[m.vSlot[v]] === d) break;
          const n = m.migrateFolio(v, d);
          applied += n * C;
          moved += n;
          break;
        }
        case 'pageout': {
          // reclaim splits a THP and swaps its pages out one by one; they come back as base pages
          const n = m.vFolioN[v];
          m.splitFolio(v);
          for (let i = 0; i < n; i++) {
            if (m.vSlot[v + i] < 0) continue;
            m.pageOut(v + i);
            applied += C;
            moved++;
          }
          break;
        }
        case 'lru_prio':
        case 'lru_deprio':
        case 'cold':
          for (let i = 0; i < m.vFolioN[v]; i++) m.vLru[v + i] = action === 'lru_prio' ? 1 : -1;
          applied += folio;
          break;
        default:
          break;
      }
    }
    const pages = C / PAGE_SIZE;
    // the costs are a server core's (speed 1); a slower CPU takes proportionally longer, which both stalls
    // the kdamond and enters the time quota's throughput (total_charged_ns); a free CPU keeps speed 1
    const speed = Number.isFinite(this.ctx.cpuSpeed) ? this.ctx.cpuSpeed : 1;
    const ns = (visited * pages * NS_VISIT + moved * pages * (action === 'pageout' ? NS_PAGEOUT : NS_MIGRATE)) / speed;
    return { applied, passed, ns };
  }

  /** §6.4 charge */
  charge(sz: number, applied: number): void {
    const q = this.k.quota;
    if (this.ctx.kernel.features.has('fail_charge') && q.failChargeDenom && applied <= sz)
      this.chargedSz += applied + Math.floor(((sz - applied) * q.failChargeNum) / q.failChargeDenom);
    else this.chargedSz += sz;
  }
}

/**
 * §6.4 skip regions already charged in the previous window (resume cursor). Returns the (possibly
 * new) index of the region to continue with, or -1 to skip it.
 */
export function skipCharged(s: SchemeState, t: SimTarget, i: number): number {
  if (s.cursorTarget < 0) return i;
  if (t.idx !== s.cursorTarget) return -1;
  const regs = t.regions;
  const last = i === regs.length - 1;
  const newWalk = s.ctx.kernel.facts.damos_walk_visits_split_pieces;
  if (!newWalk && last) {
    s.cursorTarget = -1;
    s.cursorAddr = 0;
    return -1;
  }
  const r = regs[i];
  const c = s.cursorAddr;
  if (c && r.end <= c) {
    if (newWalk && last) {
      s.cursorTarget = -1;
      s.cursorAddr = 0;
    }
    return -1;
  }
  if (c && r.start < c) {
    let cut = alignDown(c - r.start, MIN_SZ);
    if (cut === 0) {
      if (regionSize(r) <= MIN_SZ) return -1;
      cut = MIN_SZ;
    }
    splitAt(regs, i, cut);
    if (newWalk) return -1; // the right piece is the next region of the walk
    i = i + 1;
  }
  s.cursorTarget = -1;
  s.cursorAddr = 0;
  return i;
}

/** §6.6 / §6.4 apply one scheme to region i of t; the region may be split by quota trimming */
export function applyOne(s: SchemeState, t: SimTarget, i: number, nowUs: number): void {
  let r = t.regions[i];
  let sz = regionSize(r);
  if (s.quotaSet() && s.chargedSz + sz > s.esz) {
    sz = alignDown(Math.max(0, s.esz - s.chargedSz), MIN_SZ);
    if (sz === 0) {
      s.stats.nrTried++;
      return;
    }
    splitAt(t.regions, i, sz);
    r = t.regions[i];
  }
  if (s.coreFilterOut(t, i)) return;
  r = t.regions[i];
  sz = regionSize(r);
  const { applied, passed, ns } = s.opsApply(t, r, nowUs);
  s.totalChargedNs += ns;
  s.busyNs += ns;
  s.charge(sz, applied);
  if (s.quotaFull()) {
    s.cursorTarget = t.idx;
    s.cursorAddr = s.ctx.kernel.facts.damos_charge_cursor_at_region_end ? r.end : r.end + 1;
  }
  if (s.k.action !== 'stat') r.age = 0;
  s.stats.nrTried++;
  s.stats.szTried += sz;
  if (applied > 0) s.stats.nrApplied++;
  s.stats.szApplied += applied;
  s.stats.szOpsFilterPassed += passed;
  s.appliedSinceRecord += applied;
}

/**
 * §6: one application round of every due scheme of the context, as a walk over the regions that the
 * engine can interleave with the other kdamonds. The ops layer's work takes time and the kernel does
 * it region by region (damon_pa_migrate / damos_va_migrate collect one region's folios, then
 * migrate_pages them), so while this kdamond is busy the memory moves region by region, and the other
 * kdamonds, running on other CPUs, measure and act on that progress, not on the whole round at once.
 * Yields the time spent so far (µs) after each region; returns the total. Regions are walked at
 * `startUs` plus the time spent before them.
 */
export function* applySchemesWalk(ctx: DamonContext, schemes: SchemeState[], startUs: number): Generator<number, number, void> {
  const due = schemes.filter((s) => ctx.passedSis >= s.nextApplySis && s.wmarkActive);
  if (due.length === 0) return 0;
  for (const s of due) s.adjustQuota(startUs);
  const safeWalk = !ctx.kernel.facts.damos_walk_visits_split_pieces;
  let busyNs = 0;
  for (const t of ctx.targets) {
    let i = 0;
    while (i < t.regions.length) {
      const before = t.regions.length;
      let cur = i;
      const nowUs = startUs + Math.round(busyNs / 1000);
      for (const s of due) {
        if (s.quotaFull()) continue;
        const j = skipCharged(s, t, cur);
        if (j < 0) continue;
        cur = j;
        if (!s.eligible(t.regions[cur])) continue;
        const b0 = s.busyNs;
        applyOne(s, t, cur, nowUs);
        busyNs += s.busyNs - b0;
      }
      // the older walk saves the "next" pointer before the body: pieces split off are not visited
      i = safeWalk ? i + 1 + (t.regions.length - before) : i + 1;
      yield Math.round(busyNs / 1000);
    }
  }
  for (const s of due) {
    s.nextApplySis = ctx.passedSis + Math.floor((s.k.applyIntervalUs || ctx.aggrUs) / ctx.sampleUs);
    s.lastAppliedV = -1;
    s.busyNs = 0;
  }
  return Math.round(busyNs / 1000);
}

/** the whole round at once (no other kdamond interleaved): the time spent in the ops layer (µs) */
export function applySchemes(ctx: DamonContext, schemes: SchemeState[], nowUs: number): number {
  const walk = applySchemesWalk(ctx, schemes, nowUs);
  for (;;) {
    const r = walk.next();
    if (r.done) return r.value;
  }
}
