/**
 * The simulation loop: every kdamond context runs its own sample-count schedule on a common clock
 * (µs). Between two events (an aggregation, a scheme application, an ops update, a workload phase
 * change, a recording instant) every context takes its sampling intervals in one batch on unchanged
 * memory, which is exact because page state only changes at those events.
 */
import type { KConfig, KContext, KScheme } from '../model/kernel';
import { kernelFacts, kernelVersionOr } from '../kernel-version';
import { capabilitiesForVersion } from '../sysfs/features';
import type { SharedStatics, SimKernel } from './damon';
import { DamonContext } from './damon';
import { SchemeState, applySchemesWalk, feedLoopNext, type SchemeStats } from './damos';
import { Machine } from './machine';
import { threeRegions } from './address-space';
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
  /** called at every recording instant with every scheme's cumulative stats (kdamond, scheme order) */
  onRecord?: (simSec: number, stats: readonly Readonly<SchemeStats>[]) => void;
  /**
   * called at every aggregation of every context with its region count where the kernel's
   * damon_aggregated trace event reports it: after the merge and the scheme application, before the
   * split (kdamond_reset_aggregated)
   */
  onAggregated?: (kdamond: number, context: number, nrRegions: number) => void;
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
  /** SimOptions.onAggregated for this context */
  aggregated?: (nrRegions: number) => void;
}

const SUPPORTED_ACTIONS = new Set(['migrate_hot', 'migrate_cold', 'pageout', 'stat', 'lru_prio', 'lru_deprio', 'cold']);

/**
 * Runs CONFIG on SCENARIO's machine and workloads. The steps, in order: set up a DAMON context and
 * its schemes' state per kdamond context ({@link setupRuns}), the empty recorded series
 * ({@link Recorder}), then the event loop ({@link runLoop}: next event, batched sampling, each due
 * context's {@link stepContext}, refaults, recording, progress), and the result ({@link assembleResult}).
 */
export function simulate(config: KConfig, scenario: Scenario, opts: SimOptions = {}): SimResult {
  const wallStart = Date.now();
  const seed = (opts.seed ?? scenario.seed ?? 1) >>> 0;
  const kernel = simKernel(scenario.kernel);
  const durationSec = opts.durationSec ?? scenario.durationSec;
  const rng = new Rng(seed);
  const warnings: string[] = [];
  const m = new Machine(scenario, rng);
  const workload = new WorkloadDriver(
    m,
    scenario.processes.map((p) => p.workload),
  );
  const runs = setupRuns(config, scenario, m, rng, kernel, warnings);
  const onAggregated = opts.onAggregated;
  if (onAggregated) for (const r of runs) r.aggregated = (n) => onAggregated(r.kd, r.ci, n);
  // DAMON's own access sampling ages the folios it samples (what the young filter then reads)
  m.samplingMkoldPerSec = (v) => {
    let rate = 0;
    for (const r of runs) rate += r.ctx.samplingMkoldRate(v);
    return rate;
  };
  const rec = new Recorder(m, runs, opts.onRecord);
  const cancelled = runLoop(m, workload, runs, rec, Math.round(durationSec * 1e6), Math.max(1, Math.round(scenario.sampling.intervalSec * 1e6)), opts);
  return assembleResult(config, scenario, { seed, durationSec, cancelled, wallMs: Date.now() - wallStart, m, runs, rec, warnings });
}

/**
 * One run per kdamond context, in config order (the order matters: the contexts draw from the one
 * PRNG as they are built). Each context's targets and schemes are checked against the scenario,
 * with a warning for what the simulation cannot model.
 */
function setupRuns(config: KConfig, scenario: Scenario, m: Machine, rng: Rng, kernel: SimKernel, warnings: string[]): CtxRun[] {
  const statics: SharedStatics = { lastNrRegions: 0 };
  // the kdamonds run on the CPUs of the first node that has some: that node's speed (1 = a modern server
  // core) prices every sampling interval; without a speed the CPU is free (the calibrated default)
  const cpuSpeed = scenario.machine.nodes.find((n) => (n.cpus ?? 0) > 0)?.speed ?? Number.POSITIVE_INFINITY;
  const runs: CtxRun[] = [];
  config.kdamonds.forEach((kd, kdi) =>
    kd.contexts.forEach((kc, ci) => {
      const ctx = new DamonContext(kdi, kc, m, rng, kernel, statics, 0);
      ctx.cpuSpeed = cpuSpeed;
      checkTargets(kdi, kc, ctx, warnings);
      const schemes = kc.schemes.map((ks, si) => {
        checkScheme(kdi, si, ks, scenario.kernel, kernel, m, warnings);
        return new SchemeState(kdi, si, ks, ctx);
      });
      runs.push({ ctx, schemes, kd: kdi, ci, dueUs: 0, steppedSis: 0, walk: null, walkStartUs: 0, aggrDue0: 0, opsDue0: 0 });
    }),
  );
  return runs;
}

function checkTargets(kdi: number, kc: KContext, ctx: DamonContext, warnings: string[]): void {
  for (const [ti, t] of kc.targets.entries()) {
    const proc = ctx.targets[ti].proc;
    if (kc.ops !== 'paddr' && !proc) warnings.push(`kdamond ${kdi} target ${ti}: pid ${t.pid} is not a process of the scenario; it is not monitored`);
    else if (kc.ops === 'vaddr' && proc && t.regions.length === 0 && !threeRegions(proc.maps))
      warnings.push(
        `kdamond ${kdi} target ${ti}: pid ${t.pid} has fewer than two gaps between its mappings, so the kernel's vaddr init finds no three regions and monitors nothing`,
      );
  }
  if (kc.ops === 'paddr' && ctx.totalBytes() === 0) warnings.push(`kdamond ${kdi}: no memory to monitor`);
}

function checkScheme(kdi: number, si: number, ks: KScheme, kernelText: string, kernel: SimKernel, m: Machine, warnings: string[]): void {
  if (!SUPPORTED_ACTIONS.has(ks.action)) warnings.push(`kdamond ${kdi} scheme ${si}: action ${ks.action} is not modelled; it only counts like stat`);
  if (ks.quota.goalTuner === 'temporal' && !kernel.features.has('goal_tuner'))
    warnings.push(`kdamond ${kdi} scheme ${si}: kernel ${kernelText} has no goal_tuner; simulated with consist`);
  for (const g of ks.quota.goals) {
    if (g.targetValue <= 0) warnings.push(`kdamond ${kdi} scheme ${si}: goal ${g.metric} has target 0 and is ignored`);
    if ((g.metric === 'node_memcg_used_bp' || g.metric === 'node_memcg_free_bp') && (g.path === null || m.cgroupIndex(g.path) === undefined))
      warnings.push(`kdamond ${kdi} scheme ${si}: goal cgroup ${g.path ?? '(none)'} is not in the scenario (the kernel refuses it with ENOMEM)`);
  }
  for (const f of ks.opsFilters)
    if (f.type === 'memcg' && (f.memcgPath === null || m.cgroupIndex(f.memcgPath) === undefined))
      warnings.push(`kdamond ${kdi} scheme ${si}: memcg filter cgroup ${f.memcgPath ?? '(none)'} is not in the scenario`);
}

/** The recorded time series: one sample of every cgroup, node, scheme and context per recording instant. */
class Recorder {
  /** the scenario's cgroups without the root */
  readonly cgroups: string[];
  readonly series: SimSeries;
  /** series.schemes in run order, one per SchemeState */
  private readonly schemeSeries: SchemeSeries[] = [];
  private lastRecordUs = 0;
  private lastMigrated = 0;

  constructor(
    private readonly m: Machine,
    private readonly runs: CtxRun[],
    private readonly onRecord?: SimOptions['onRecord'],
  ) {
    this.cgroups = m.cgroups.filter((c) => c !== '/');
    this.series = {
      t: [],
      usage: Object.fromEntries(this.cgroups.map((c) => [c, Object.fromEntries(m.nodes.map((n) => [String(n.nid), [] as number[]]))])),
      nodeUsed: Object.fromEntries(m.nodes.map((n) => [String(n.nid), [] as number[]])),
      migrationBytesPerSec: [],
      schemes: [],
      regions: runs.map((r) => ({ kdamond: r.kd, context: r.ci, nr: [] as number[] })),
    };
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
        this.schemeSeries.push(ss);
        this.series.schemes.push(ss);
      }
  }

  /** appends the state at tUs; rates are over the time since the previous record */
  record(tUs: number): void {
    const { m, series } = this;
    const dt = (tUs - this.lastRecordUs) / 1e6;
    series.t.push(tUs / 1e6);
    for (const c of this.cgroups) for (const n of m.nodes) series.usage[c][String(n.nid)].push(m.memcgNodeBytes(c, n.idx));
    for (const n of m.nodes) series.nodeUsed[String(n.nid)].push(m.nodeUsedBytes(n));
    series.migrationBytesPerSec.push(dt > 0 ? (m.migratedBytes - this.lastMigrated) / dt : 0);
    this.lastMigrated = m.migratedBytes;
    let i = 0;
    for (const r of this.runs)
      for (const s of r.schemes) {
        const ss = this.schemeSeries[i++];
        ss.effectiveQuotaBytes.push(Number.isFinite(s.esz) && (s.esz > 0 || s.quotaSet()) ? s.esz : null);
        ss.appliedBytesPerSec.push(dt > 0 ? s.appliedSinceRecord / dt : 0);
        s.appliedSinceRecord = 0;
        ss.goals.forEach((g, gi) => g.current.push(s.goalCurrent[gi]));
      }
    this.runs.forEach((r, ri) => series.regions[ri].nr.push(r.ctx.nrRegions()));
    this.lastRecordUs = tUs;
    this.onRecord?.(
      tUs / 1e6,
      this.runs.flatMap((r) => r.schemes.map((sc) => sc.stats)),
    );
  }
}

/**
 * The event loop on the common clock: until tEnd (or a stop request), find the next event, let the
 * contexts sample up to it, advance the workloads, step every context whose schedule is due, then
 * refault swapped memory (each second), record (every recordUs) and report progress (each second).
 * Returns whether the run was cancelled.
 */
function runLoop(m: Machine, workload: WorkloadDriver, runs: CtxRun[], rec: Recorder, tEnd: number, recordUs: number, opts: SimOptions): boolean {
  const totalManaged = m.nodes.reduce((a, n) => a + n.managedBytes, 0);
  let recordNext = 0;
  let refaultNext = 1_000_000;
  let progressNext = 0;
  for (;;) {
    const tNext = nextEventUs(runs, Math.min(tEnd, recordNext, workload.nextEventUs(), refaultNext));
    sampleUntil(runs, tNext, memoryChangesAt(runs, tNext, workload.nextEventUs() <= tNext || (tNext >= refaultNext && m.pagedOutBytes > 0)));
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
        stepContext(r, nextOther(r), (s) => updateWmarks(m, totalManaged, s));
      }
    }
    // the run ends at tEnd: an application in progress there finishes (its round is counted whole,
    // as the kernel's kdamond finishes the round it started)
    if (tNext >= tEnd) for (const r of runs) if (r.walk) advanceWalk(r, Infinity);
    if (tNext >= refaultNext) {
      m.refault(tNext);
      refaultNext += 1_000_000;
    }
    if (tNext >= recordNext) {
      rec.record(tNext);
      recordNext += recordUs;
    }
    if (tNext >= progressNext) {
      progressNext += 1_000_000;
      opts.onProgress?.(tNext / Math.max(1, tEnd), tNext / 1e6);
      if (opts.shouldStop?.()) return true;
    }
    if (tNext >= tEnd) return false;
  }
}

/** the sample count at which the context next has work: an aggregation, an ops update or a scheme application */
function dueSis(r: CtxRun): number {
  let d = Math.min(r.ctx.nextAggrSis, r.ctx.nextOpsUpdateSis);
  for (const s of r.schemes) if (s.nextApplySis < d) d = s.nextApplySis;
  return d;
}

/** the earliest of tOther (end, recording, workload phase, refault) and every context's next due sample (sets each run's dueUs) */
function nextEventUs(runs: CtxRun[], tOther: number): number {
  let tNext = tOther;
  for (const r of runs) {
    // The kernel checks its schedules once per sample: an interval shorter than the (tuned)
    // sampling interval (apply_interval_us 1 s with sample_us grown to 10 s) re-arms at the current
    // count and fires at the next sample, not again at this one.
    r.dueUs = nextDueUs(r);
    if (r.dueUs < tNext) tNext = r.dueUs;
  }
  return tNext;
}

/** when the context acts next: its next due sample, or where its application in progress has got to */
function nextDueUs(r: CtxRun): number {
  return r.walk ? r.ctx.tUs : r.ctx.tUs + Math.max(1, dueSis(r) - r.ctx.passedSis) * r.ctx.periodUs();
}

/**
 * Page state changes only when a scheme applies, a workload changes phase or swapped memory
 * refaults (the last two are `external`). Returns whether memory changes at tNext.
 */
function memoryChangesAt(runs: CtxRun[], tNext: number, external: boolean): boolean {
  let memChange = external;
  for (const r of runs) {
    if (r.dueUs !== tNext) continue;
    if (r.walk) {
      memChange = true;
      continue;
    }
    const d = dueSis(r);
    if (r.schemes.some((s) => s.nextApplySis <= d)) memChange = true;
  }
  return memChange;
}

/**
 * Takes the sampling intervals up to tNext in one batch. When memory does not change at tNext,
 * contexts that do nothing there keep accumulating samples in one longer batch.
 */
function sampleUntil(runs: CtxRun[], tNext: number, memChange: boolean): void {
  for (const r of runs) {
    if (r.walk || (!memChange && r.dueUs !== tNext)) continue;
    const n = Math.floor((tNext - r.ctx.tUs) / r.ctx.periodUs());
    if (n > 0) r.ctx.sample(n);
  }
}

/** the kernel's watermark state machine (damos_wmark_wait_us): free memory in permille of all managed memory */
function updateWmarks(m: Machine, totalManaged: number, s: SchemeState): void {
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
}

/**
 * One due context's work after a sample, in kdamond_fn's order: merge regions at an aggregation,
 * apply the schemes, tune the intervals and reset the aggregation, then the ops update (region size
 * limit), and track the region count. The application is a walk that takes the ops layer's time
 * (the kdamond stalls: no sampling) and moves memory region by region while the other kdamonds go
 * on, so it pauses at their events (untilUs) and resumes ({@link advanceWalk}).
 */
function stepContext(r: CtxRun, untilUs: number, wmarks: (s: SchemeState) => void): void {
  const ctx = r.ctx;
  r.aggrDue0 = ctx.nextAggrSis;
  r.opsDue0 = ctx.nextOpsUpdateSis;
  if (ctx.passedSis >= r.aggrDue0) ctx.mergeRegions();
  if (r.schemes.length > 0) {
    for (const s of r.schemes) wmarks(s);
    r.walk = applySchemesWalk(ctx, r.schemes, ctx.tUs);
    r.walkStartUs = ctx.tUs;
    advanceWalk(r, untilUs);
  } else finishStep(r);
}

/** runs the application in progress until its clock reaches untilUs (another event) or it ends */
function advanceWalk(r: CtxRun, untilUs: number): void {
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
}

/** the rest of the step once the application is done: interval tuning, aggregation reset, split, ops update */
function finishStep(r: CtxRun): void {
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
    r.aggregated?.(ctx.nrRegions());
    ctx.resetAggregated();
    ctx.splitRegions();
  }
  if (ctx.passedSis >= opsDue0) {
    ctx.nextOpsUpdateSis = opsDue0 + Math.floor(ctx.updateUs / ctx.sampleUs);
    ctx.opsUpdate();
  }
  ctx.trackRegionCount();
}

interface RunOutcome {
  seed: number;
  durationSec: number;
  cancelled: boolean;
  wallMs: number;
  m: Machine;
  runs: CtxRun[];
  rec: Recorder;
  warnings: string[];
}

/** the summary, goal values, final scheme stats and region counts of a finished (or cancelled) run */
function assembleResult(config: KConfig, scenario: Scenario, o: RunOutcome): SimResult {
  const { m, runs, rec } = o;
  const series = rec.series;
  const summary = summarize(config, scenario, m, series);
  return {
    seed: o.seed,
    scenario: scenario.name,
    kernel: scenario.kernel,
    durationSec: Math.min(o.durationSec, series.t[series.t.length - 1] ?? 0),
    chunkBytes: m.chunk,
    cancelled: o.cancelled,
    wallMs: o.wallMs,
    nodes: m.nodes.map((n) => ({ nid: n.nid, managedBytes: n.managedBytes })),
    cgroups: rec.cgroups,
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
    warnings: o.warnings,
  };
}
