/**
 * The simulation loop: every kdamond context runs its own sample-count schedule on a common clock
 * (µs). Between two events (an aggregation, a scheme application, an ops update, a workload phase
 * change, a recording instant) every context takes its sampling intervals in one batch on unchanged
 * memory, which is exact because page state only changes at those events.
 */
import type { KConfig } from '../model/kernel';
import { kernelFacts, kernelVersionOr } from '../kernel-version';
import { capabilitiesForVersion } from '../sysfs/features';
import type { SharedStatics, SimKernel } from './damon';
import { DamonContext } from './damon';
import { SchemeState, applySchemesWalk, feedLoopNext } from './damos';
import { Machine } from './machine';
import { Rng } from './rng';
import type { Scenario } from './types';
import { WorkloadDriver } from './workload';
import { summarize, summarizeGoals, windowIndices } from './summary';
import type { SimResult, SimSeries, SchemeSeries } from './result';

export interface SimOptions {
  seed?: number;
  /** override scenario.durationSec */
  durationSec?: number;
  /** called about every simulated second with the fraction done */
  onProgress?: (fraction: number, simSec: number) => void;
  /** polled with the progress; returning true stops the run (the result says cancelled) */
  shouldStop?: () => boolean;
}

/** the scenario's kernel as the spec's predicates (an unparsable release reads as the newest known kernel) */
export function simKernel(kernel: string): SimKernel {
  const v = kernelVersionOr(kernel);
  return { text: kernel, facts: kernelFacts(v), features: capabilitiesForVersion(`${v[0]}.${v[1]}`).features };
}

interface CtxRun {
  ctx: DamonContext;
  /** time of the context's next due sample */
  dueUs: number;
  schemes: SchemeState[];
  kd: number;
  ci: number;
  /** sample count of the last step: the kernel runs its schedules once after each sample, never twice */
  steppedSis: number;
  /** the scheme application in progress (the kdamond is busy in the ops layer), or null */
  walk: Generator<number, number, void> | null;
  walkStartUs: number;
  /** the step's aggregation and ops-update schedule, captured before the application */
  aggrDue0: number;
  opsDue0: number;
}

const SUPPORTED_ACTIONS = new Set(['migrate_hot', 'migrate_cold', 'pageout', 'stat', 'lru_prio', 'lru_deprio', 'cold']);

export function simulate(config: KConfig, scenario: Scenario, opts: SimOptions = {}): SimResult {
  const wallStart = Date.now();
  const seed = (opts.seed ?? scenario.seed ?? 1) >>> 0;
  const kernel = simKernel(scenario.kernel);
  const durationSec = opts.durationSec ?? scenario.durationSec;
  const tEnd = Math.round(durationSec * 1e6);
  const rng = new Rng(seed);
  const warnings: string[] = [];
  const m = new Machine(scenario, rng);
  const workload = new WorkloadDriver(
    m,
    scenario.processes.map((p) => p.workload),
  );
  const statics: SharedStatics = { lastNrRegions: 0 };
  // the kdamonds run on the CPUs of the first node that has some: that node's speed (1 = a modern server
  // core) prices every sampling interval; without a speed the CPU is free (the calibrated default)
  const cpuSpeed = scenario.machine.nodes.find((n) => (n.cpus ?? 0) > 0)?.speed ?? Number.POSITIVE_INFINITY;
  const runs: CtxRun[] = [];
  config.kdamonds.forEach((kd, kdi) =>
    kd.contexts.forEach((kc, ci) => {
      const ctx = new DamonContext(kdi, kc, m, rng, kernel, statics, 0);
      ctx.cpuSpeed = cpuSpeed;
      for (const [ti, t] of kc.targets.entries()) {
        if (kc.ops !== 'paddr' && !ctx.targets[ti].proc)
          warnings.push(`kdamond ${kdi} target ${ti}: pid ${t.pid} is not a process of the scenario; it is not monitored`);
      }
      if (kc.ops === 'paddr' && ctx.totalBytes() === 0) warnings.push(`kdamond ${kdi}: no memory to monitor`);
      const schemes = kc.schemes.map((ks, si) => {
        if (!SUPPORTED_ACTIONS.has(ks.action)) warnings.push(`kdamond ${kdi} scheme ${si}: action ${ks.action} is not modelled; it only counts like stat`);
        if (ks.quota.goalTuner === 'temporal' && !kernel.features.has('goal_tuner'))
          warnings.push(`kdamond ${kdi} scheme ${si}: kernel ${scenario.kernel} has no goal_tuner; simulated with consist`);
        for (const g of ks.quota.goals) {
          if (g.targetValue <= 0) warnings.push(`kdamond ${kdi} scheme ${si}: goal ${g.metric} has target 0 and is ignored`);
          if ((g.metric === 'node_memcg_used_bp' || g.metric === 'node_memcg_free_bp') && (g.path === null || m.cgroupIndex(g.path) === undefined))
            warnings.push(`kdamond ${kdi} scheme ${si}: goal cgroup ${g.path ?? '(none)'} is not in the scenario (the kernel refuses it with ENOMEM)`);
        }
        for (const f of ks.opsFilters)
          if (f.type === 'memcg' && (f.memcgPath === null || m.cgroupIndex(f.memcgPath) === undefined))
            warnings.push(`kdamond ${kdi} scheme ${si}: memcg filter cgroup ${f.memcgPath ?? '(none)'} is not in the scenario`);
        return new SchemeState(kdi, si, ks, ctx);
      });
      runs.push({ ctx, schemes, kd: kdi, ci, dueUs: 0, steppedSis: 0, walk: null, walkStartUs: 0, aggrDue0: 0, opsDue0: 0 });
    }),
  );

  // DAMON's own access sampling ages the folios it samples (what the young filter then reads)
  m.samplingMkoldPerSec = (v) => {
    let rate = 0;
    for (const r of runs) rate += r.ctx.samplingMkoldRate(v);
    return rate;
  };

  const recordUs = Math.max(1, Math.round(scenario.sampling.intervalSec * 1e6));
  const cgroups = m.cgroups.filter((c) => c !== '/');
  const series: SimSeries = {
    t: [],
    usage: Object.fromEntries(cgroups.map((c) => [c, Object.fromEntries(m.nodes.map((n) => [String(n.nid), [] as number[]]))])),
    nodeUsed: Object.fromEntries(m.nodes.map((n) => [String(n.nid), [] as number[]])),
    migrationBytesPerSec: [],
    schemes: [],
    regions: runs.map((r) => ({ kdamond: r.kd, context: r.ci, nr: [] as number[] })),
  };
  const schemeSeries: SchemeSeries[] = [];
  for (const r of runs)
    for (const s of r.schemes) {
      const ss: SchemeSeries = {
        kdamond: r.kd,
        context: r.ci,
        scheme: s.idx,
        action: s.k.action,
        targetNid: s.k.targetNid,
        effectiveQuotaBytes: [],
        appliedBytesPerSec: [],
        goals: s.k.quota.goals.map((g) => ({ metric: g.metric, nid: g.nid, path: g.path, targetValue: g.targetValue, current: [] as number[] })),
      };
      schemeSeries.push(ss);
      series.schemes.push(ss);
    }

  let lastRecordUs = 0;
  let lastMigrated = 0;
  const record = (tUs: number): void => {
    const dt = (tUs - lastRecordUs) / 1e6;
    series.t.push(tUs / 1e6);
    for (const c of cgroups) for (const n of m.nodes) series.usage[c][String(n.nid)].push(m.memcgNodeBytes(c, n.idx));
    for (const n of m.nodes) series.nodeUsed[String(n.nid)].push(m.nodeUsedBytes(n));
    series.migrationBytesPerSec.push(dt > 0 ? (m.migratedBytes - lastMigrated) / dt : 0);
    lastMigrated = m.migratedBytes;
    let i = 0;
    for (const r of runs)
      for (const s of r.schemes) {
        const ss = schemeSeries[i++];
        ss.effectiveQuotaBytes.push(Number.isFinite(s.esz) && (s.esz > 0 || s.quotaSet()) ? s.esz : null);
        ss.appliedBytesPerSec.push(dt > 0 ? s.appliedSinceRecord / dt : 0);
        s.appliedSinceRecord = 0;
        ss.goals.forEach((g, gi) => g.current.push(s.goalCurrent[gi]));
      }
    runs.forEach((r, ri) => series.regions[ri].nr.push(r.ctx.nrRegions()));
    lastRecordUs = tUs;
  };

  const totalManaged = m.nodes.reduce((a, n) => a + n.managedBytes, 0);
  const updateWmarks = (s: SchemeState): void => {
    const w = s.k.watermarks;
    if (w.metric === 'none') {
      s.wmarkActive = true;
      return;
    }
    const free = m.nodes.reduce((a, n) => a + m.freeBytes(n), 0);
    const v = Math.floor((free * 1000) / totalManaged);
    if (v > w.high || v < w.low) s.wmarkActive = false;
    else if (!s.wmarkActive && v > w.mid) s.wmarkActive = false;
    else s.wmarkActive = true;
  };

  const dueSis = (r: CtxRun): number => {
    let d = Math.min(r.ctx.nextAggrSis, r.ctx.nextOpsUpdateSis);
    for (const s of r.schemes) if (s.nextApplySis < d) d = s.nextApplySis;
    return d;
  };

  // One kdamond iteration (kdamond_fn): merge at an aggregation boundary, apply the due schemes, then
  // the aggregation reset, intervals tuning, split and ops update. The application is a walk that takes
  // the ops layer's time (the kdamond stalls: no sampling), and it moves memory region by region while
  // the other kdamonds go on, so it can pause at their events and resume (advanceWalk).
  const step = (r: CtxRun, untilUs: number): void => {
    const ctx = r.ctx;
    r.aggrDue0 = ctx.nextAggrSis;
    r.opsDue0 = ctx.nextOpsUpdateSis;
    if (ctx.passedSis >= r.aggrDue0) ctx.mergeRegions();
    if (r.schemes.length > 0) {
      for (const s of r.schemes) updateWmarks(s);
      r.walk = applySchemesWalk(ctx, r.schemes, ctx.tUs);
      r.walkStartUs = ctx.tUs;
      advanceWalk(r, untilUs);
    } else finishStep(r);
  };

  /** run the application until its clock reaches untilUs (another event) or it ends */
  const advanceWalk = (r: CtxRun, untilUs: number): void => {
    const walk = r.walk!;
    for (;;) {
      const it = walk.next();
      r.ctx.tUs = r.walkStartUs + it.value;
      if (it.done) {
        r.walk = null;
        finishStep(r);
        return;
      }
      if (r.ctx.tUs >= untilUs) return;
    }
  };

  const finishStep = (r: CtxRun): void => {
    const ctx = r.ctx;
    const aggrDue0 = r.aggrDue0;
    const opsDue0 = r.opsDue0;
    if (ctx.passedSis >= aggrDue0) {
      if (ctx.goal && ctx.passedSis >= ctx.nextTuneSis) {
        ctx.nextAggrSis = aggrDue0;
        ctx.nextTuneSis += ctx.aggrSamples * ctx.goal.aggrs;
        if (ctx.tuneIntervals(feedLoopNext))
          for (const s of r.schemes) s.nextApplySis = ctx.passedSis + Math.floor((s.k.applyIntervalUs || ctx.aggrUs) / ctx.sampleUs);
      }
      ctx.nextAggrSis = aggrDue0 + Math.floor(ctx.aggrUs / ctx.sampleUs);
      ctx.resetAggregated();
      ctx.splitRegions();
    }
    if (ctx.passedSis >= opsDue0) {
      ctx.nextOpsUpdateSis = opsDue0 + Math.floor(ctx.updateUs / ctx.sampleUs);
      ctx.szLimit = ctx.regionSizeLimit();
    }
    ctx.trackRegionCount();
  };

  /** when the context acts next: its next due sample, or where its application in progress has got to */
  const nextDueUs = (r: CtxRun): number => (r.walk ? r.ctx.tUs : r.ctx.tUs + Math.max(1, dueSis(r) - r.ctx.passedSis) * r.ctx.periodUs());

  let recordNext = 0;
  let refaultNext = 1_000_000;
  let progressNext = 0;
  let cancelled = false;
  for (;;) {
    let tNext = Math.min(tEnd, recordNext, workload.nextEventUs(), refaultNext);
    for (const r of runs) {
      // The kernel checks its schedules once per sample: an interval shorter than the (tuned)
      // sampling interval (apply_interval_us 1 s with sample_us grown to 10 s) re-arms at the current
      // count and fires at the next sample, not again at this one.
      r.dueUs = nextDueUs(r);
      if (r.dueUs < tNext) tNext = r.dueUs;
    }
    // Page state changes only when a scheme applies, a workload changes phase or swapped memory
    // refaults. Contexts that do nothing at tNext keep accumulating samples in one longer batch.
    let memChange = workload.nextEventUs() <= tNext || (tNext >= refaultNext && m.pagedOutBytes > 0);
    for (const r of runs) {
      if (r.dueUs !== tNext) continue;
      if (r.walk) {
        memChange = true;
        continue;
      }
      const d = dueSis(r);
      if (r.schemes.some((s) => s.nextApplySis <= d)) memChange = true;
    }
    for (const r of runs) {
      if (r.walk || (!memChange && r.dueUs !== tNext)) continue;
      const n = Math.floor((tNext - r.ctx.tUs) / r.ctx.periodUs());
      if (n > 0) r.ctx.sample(n);
    }
    workload.advance(tNext);
    // an application runs until the next event of anything else (another kdamond's step, a workload
    // phase, a recording instant), where it pauses so that event sees the memory moved so far
    const nextOther = (self: CtxRun): number => {
      let e = Math.min(
        tEnd,
        recordNext > tNext ? recordNext : recordNext + recordUs,
        workload.nextEventUs(),
        refaultNext > tNext ? refaultNext : refaultNext + 1_000_000,
      );
      for (const o of runs) if (o !== self) e = Math.min(e, Math.max(nextDueUs(o), tNext + 1));
      return e;
    };
    for (const r of runs) {
      if (r.ctx.tUs !== tNext) continue;
      if (r.walk) advanceWalk(r, nextOther(r));
      else if (r.ctx.passedSis > r.steppedSis && r.ctx.passedSis >= dueSis(r)) {
        r.steppedSis = r.ctx.passedSis;
        step(r, nextOther(r));
      }
    }
    if (tNext >= refaultNext) {
      m.refault(tNext);
      refaultNext += 1_000_000;
    }
    if (tNext >= recordNext) {
      record(tNext);
      recordNext += recordUs;
    }
    if (tNext >= progressNext) {
      progressNext += 1_000_000;
      opts.onProgress?.(tNext / Math.max(1, tEnd), tNext / 1e6);
      if (opts.shouldStop?.()) {
        cancelled = true;
        break;
      }
    }
    if (tNext >= tEnd) break;
  }

  const summary = summarize(config, scenario, m, series);
  return {
    seed,
    scenario: scenario.name,
    kernel: scenario.kernel,
    durationSec: Math.min(durationSec, series.t[series.t.length - 1] ?? 0),
    chunkBytes: m.chunk,
    cancelled,
    wallMs: Date.now() - wallStart,
    nodes: m.nodes.map((n) => ({ nid: n.nid, managedBytes: n.managedBytes })),
    cgroups,
    summary,
    goals: summarizeGoals(series, windowIndices(scenario, series)),
    series,
    stats: runs.flatMap((r) =>
      r.schemes.map((s) => ({
        kdamond: r.kd,
        context: r.ci,
        scheme: s.idx,
        action: s.k.action,
        ...s.stats,
        effectiveQuotaBytes: Number.isFinite(s.esz) ? s.esz : null,
      })),
    ),
    regions: runs.map((r) => ({ kdamond: r.kd, context: r.ci, min: r.ctx.nrRegionsMin, max: r.ctx.nrRegionsMax })),
    migratedBytes: m.migratedBytes,
    failedMigrationBytes: m.failedMigrationBytes,
    warnings,
  };
}
