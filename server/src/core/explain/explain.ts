/**
 * The describer: what a checked config does, in short true sentences per kdamond, scheme and tiering
 * pair, with the machine's real numbers. It reads the config in kernel units (KConfig: what lands in
 * sysfs), the filter formula (model/filters.ts), the tiering pairing of the rules (rules/tiering-lib.ts)
 * and the document's diagnostics ("what it will not do"). Pure: no I/O, no editor types.
 */
import type { ConfigPath, CoreDiagnostic } from '../diagnostic';
import type { CheckedDocument } from '../check';
import {
  UINT_MAX,
  ULONG_MAX,
  type DamosActionName,
  type KAccessPattern,
  type KContext,
  type KKdamond,
  type KQuota,
  type KQuotaGoal,
  type KScheme,
  type KWatermarks,
} from '../model/kernel';
import { admissionFormula, formatFormula, restrictFormula } from '../model/filters';
import { formatBp, formatBytes, formatPermil, formatUs, plural } from '../model/units';
import { nodeShareBytes } from '../model/format';
import type { MachineProfile } from '../profile';
import { monitoredNode } from '../rules/machine';
import { normalizeCgroupPath } from '../model/cgroup';
import { tieringGoals, type TierGoal } from '../rules/tiering-lib';
import { CHURN_BAND_BP } from '../rules/tiering-churn-band';

export interface ExplainOptions {
  profile?: MachineProfile;
  /**
   * How the reader gets bytes for node shares when no profile is known, e.g. "--profile FILE" (CLI) or
   * "a machine profile (damon.profile, or “Use Host Profile…”)" (editor).
   */
  profileHint?: string;
}

export interface SchemeExplanation {
  kdamond: number;
  context: number;
  index: number;
  path: ConfigPath;
  /** "scheme 0: migrate_hot" */
  title: string;
  /** one line, for the outline */
  short: string;
  sentences: string[];
  /** what it will not do that its author probably expects (from the warnings and errors) */
  caveats: string[];
}

export interface KdamondExplanation {
  index: number;
  path: ConfigPath;
  /** "kdamond 0: paddr, node 1" */
  title: string;
  short: string;
  sentences: string[];
  caveats: string[];
  schemes: SchemeExplanation[];
}

export interface PairExplanation {
  kind: 'band' | 'dead-zone' | 'churn';
  /** "/workloads/a on node 0" or "node 0" */
  who: string;
  promotion: ConfigPath;
  demotion: ConfigPath;
  sentence: string;
}

export interface Explanation {
  /** the profile's name, when one was used */
  profile?: string;
  /** sentences about the whole document (errors, profile) */
  summary: string[];
  kdamonds: KdamondExplanation[];
  pairs: PairExplanation[];
  /** caveats that belong to no kdamond */
  caveats: string[];
}

// ---------------------------------------------------------------------------------------------
// Numbers in words (the formatters are the hovers' own: formatBytes, formatUs)

const pct = formatBp;

function per(ms: number): string {
  return ms === 1000 ? 'per second' : `per ${formatUs(ms * 1000)}`;
}

function range(start: number, end: number): string {
  return `[${formatBytes(start)}, ${formatBytes(end)})`;
}

/** Which nodes of the profile a set of physical ranges covers, with bytes per node. */
function nodesCovered(regions: { start: number; end: number }[], profile: MachineProfile): { nid: number; bytes: number; size: number }[] {
  const out: { nid: number; bytes: number; size: number }[] = [];
  for (const n of profile.nodes) {
    let bytes = 0;
    for (const r of regions) {
      for (const nr of n.ranges) {
        const lo = Math.max(r.start, nr.start);
        const hi = Math.min(r.end, nr.end);
        if (hi > lo) bytes += hi - lo;
      }
    }
    if (bytes > 0) out.push({ nid: n.nid, bytes, size: n.sizeBytes });
  }
  return out;
}

function onProfile(profile: MachineProfile | undefined): string {
  return profile?.name ? ` on ${profile.name}` : '';
}

/** " (≈ 2.91 GiB on seed-vm)" for a node share, or how to get bytes. */
function bytesParen(bp: number, nid: number | null, opts: ExplainOptions): string {
  const bytes = nodeShareBytes(bp, nid, opts.profile);
  if (bytes !== undefined) return ` (≈ ${formatBytes(bytes)}${onProfile(opts.profile)})`;
  if (opts.profile) return ` (node ${nid ?? '?'} is not in the machine profile${opts.profile.name ? ` ${opts.profile.name}` : ''})`;
  return ` (in bytes with ${opts.profileHint ?? 'a machine profile'})`;
}

/** "9.7 % of node 0 (≈ 2.91 GiB on seed-vm)", or the percent and how to get bytes. */
function nodeShareWords(bp: number, nid: number | null, opts: ExplainOptions): string {
  return `${pct(bp)} of node ${nid ?? '?'}${bytesParen(bp, nid, opts)}`;
}

// ---------------------------------------------------------------------------------------------
// kdamonds

function watchWords(c: KContext, opts: ExplainOptions): { long: string; short: string } {
  const regions = c.targets.flatMap((t) => t.regions);
  if (c.ops === 'paddr') {
    if (regions.length === 0)
      return {
        long: 'Watches physical memory (paddr), but no address range is given: damo picks the largest System RAM block when it starts the kdamond.',
        short: 'physical memory (range chosen by damo)',
      };
    const total = regions.reduce((s, r) => s + Math.max(0, r.end - r.start), 0);
    const where = regions.map((r) => range(r.start, r.end)).join(', ');
    let nodes = '';
    let short = `physical ${where}`;
    if (opts.profile) {
      const cov = nodesCovered(regions, opts.profile);
      if (cov.length) {
        nodes = `: ${cov.map((n) => (n.bytes >= n.size ? `all of node ${n.nid}` : `${formatBytes(n.bytes)} of node ${n.nid}'s ${formatBytes(n.size)}`)).join(', ')}${onProfile(opts.profile)}`;
        short = `node ${cov.map((n) => n.nid).join(', ')} ${where}`;
      } else nodes = `: outside every node of the machine profile${opts.profile.name ? ` ${opts.profile.name}` : ''}`;
    }
    return { long: `Watches physical memory (paddr) ${where}, ${formatBytes(total)}${nodes}.`, short };
  }
  const pids = c.targets.map((t) => t.pid).filter((p): p is number => p !== null);
  const who = pids.length === 0 ? 'no process (no target pid is given)' : `${pids.length === 1 ? 'process' : 'processes'} ${pids.join(', ')}`;
  if (c.ops === 'fvaddr') {
    const where = regions.length ? ` ${regions.map((r) => range(r.start, r.end)).join(', ')}` : '';
    return {
      long: `Watches fixed virtual address ranges${where} of ${who} (fvaddr).`,
      short: `fixed ranges of ${pids.length ? `pid ${pids.join(', ')}` : 'no process'}`,
    };
  }
  return { long: `Watches the virtual address space of ${who} (vaddr): the mapped areas, adjusted as they change.`, short: `pid ${pids.join(', ') || '?'}` };
}

function intervalWords(c: KContext): string[] {
  const out: string[] = [];
  const w = c.sampleUs > 0 ? Math.max(1, Math.floor(c.aggrUs / c.sampleUs)) : 0;
  out.push(
    `Samples every ${formatUs(c.sampleUs)} and aggregates every ${formatUs(c.aggrUs)} (${plural(w, 'sample')} per aggregation interval); updates its view of the targets every ${formatUs(c.updateUs)}.`,
  );
  const g = c.intervalsGoal;
  if (g && g.aggrs > 0) {
    out.push(
      `The intervals are auto-tuned: every ${plural(g.aggrs, 'aggregation interval')} the sampling interval is scaled (between ${formatUs(g.minSampleUs)} and ${formatUs(g.maxSampleUs)}, the aggregation interval staying ${w}× it) so that about ${pct(g.accessBp)} of the possible access observations are seen; the times below are the starting values.`,
    );
  }
  out.push(`Keeps between ${c.nrRegions.min} and ${c.nrRegions.max} monitoring regions.`);
  if (c.pause) out.push('Starts paused (pause: true): no monitoring and no scheme runs until it is resumed.');
  return out;
}

// ---------------------------------------------------------------------------------------------
// schemes

function actionWords(s: KScheme, c: KContext): { verb: string; short: string } {
  const dest = (): string => {
    if (c.ops === 'paddr' || s.dests.length === 0) return s.targetNid >= 0 ? `node ${s.targetNid}` : 'no node (target_nid is not set)';
    return s.dests.length === 1 ? `node ${s.dests[0].id}` : `nodes ${s.dests.map((d) => `${d.id} (weight ${d.weight})`).join(', ')}`;
  };
  const verbs: Record<DamosActionName, () => { verb: string; short: string }> = {
    willneed: () => ({ verb: 'asks the kernel to read in ahead of use (MADV_WILLNEED)', short: 'prefetches (willneed)' }),
    cold: () => ({ verb: 'marks as cold (MADV_COLD: first to be reclaimed)', short: 'marks cold' }),
    pageout: () => ({ verb: 'reclaims (pages out)', short: 'reclaims' }),
    hugepage: () => ({ verb: 'marks for huge pages (MADV_HUGEPAGE)', short: 'asks for huge pages' }),
    nohugepage: () => ({ verb: 'marks as not for huge pages (MADV_NOHUGEPAGE)', short: 'forbids huge pages' }),
    collapse: () => ({ verb: 'collapses into huge pages (MADV_COLLAPSE)', short: 'collapses to huge pages' }),
    lru_prio: () => ({ verb: 'prioritizes on the LRU lists (activates, so it is reclaimed last)', short: 'prioritizes (LRU)' }),
    lru_deprio: () => ({ verb: 'deprioritizes on the LRU lists (deactivates, so it is reclaimed first)', short: 'deprioritizes (LRU)' }),
    migrate_hot: () => ({ verb: `moves to ${dest()}`, short: `moves to ${dest()}` }),
    migrate_cold: () => ({ verb: `moves to ${dest()}`, short: `moves to ${dest()}` }),
    stat: () => ({ verb: 'only counts (stat: nothing is changed)', short: 'counts (stat)' }),
  };
  return (verbs[s.action] ?? (() => ({ verb: s.action, short: s.action })))();
}

function samplesPerAggr(c: KContext): number {
  return c.sampleUs > 0 ? Math.max(1, Math.floor(c.aggrUs / c.sampleUs)) : 1;
}

function patternWords(p: KAccessPattern, c: KContext): { long: string; short: string } {
  const w = samplesPerAggr(c);
  const parts: string[] = [];
  const shorts: string[] = [];
  const nMin = p.nrAccesses.min;
  const nMax = p.nrAccesses.max;
  const share = (n: number) => `${+((n / w) * 100).toFixed(2)} %`;
  const unboundedN = nMax >= w || nMax >= UINT_MAX;
  if (nMin > nMax) {
    parts.push(`no memory at all (the access range ${nMin}–${nMax} samples is empty)`);
    shorts.push('nothing');
  } else if (nMax === 0) {
    parts.push(`not accessed in any of the ${plural(w, 'sample')} of an aggregation interval`);
    shorts.push('idle');
  } else if (nMin === 0 && unboundedN) {
    parts.push('accessed or not');
  } else if (unboundedN) {
    parts.push(`accessed in at least ${nMin} of the ${plural(w, 'sample')} of an aggregation interval (${share(nMin)})`);
    shorts.push(`accessed ≥ ${share(nMin)}`);
  } else {
    parts.push(`accessed in ${nMin} to ${nMax} of the ${plural(w, 'sample')} of an aggregation interval (${share(nMin)}–${share(nMax)})`);
    shorts.push(`accessed ${share(nMin)}–${share(nMax)}`);
  }
  const aMin = p.age.min;
  const aMax = p.age.max;
  const ageTime = (a: number) => `${formatUs(a * c.aggrUs)} (${plural(a, 'aggregation interval')})`;
  const kept = nMax === 0 ? 'idle' : 'at that access level';
  if (aMax < aMin) parts.push('of an empty age range (nothing matches)');
  else if (aMin > 0 && aMax >= UINT_MAX) {
    parts.push(`${kept} for at least ${ageTime(aMin)}`);
    if (nMax === 0) shorts[shorts.length - 1] = `idle ≥ ${formatUs(aMin * c.aggrUs)}`;
    else shorts.push(`steady ≥ ${formatUs(aMin * c.aggrUs)}`);
  } else if (aMax < UINT_MAX) parts.push(`${kept} for ${formatUs(aMin * c.aggrUs)} to ${ageTime(aMax)}`);
  const sMin = p.sz.min;
  const sMax = p.sz.max;
  if (sMin > 0 || sMax < ULONG_MAX) {
    if (sMax >= ULONG_MAX) parts.push(`in regions of at least ${formatBytes(sMin)}`);
    else parts.push(`in regions of ${formatBytes(sMin)} to ${formatBytes(sMax)}`);
  }
  return { long: parts.join(', '), short: shorts.join(', ') };
}

function goalWords(g: KQuotaGoal, opts: ExplainOptions, resetMs: number): string {
  const cg = g.path ? normalizeCgroupPath(g.path) : 'its cgroup (memcg_path is missing)';
  const cgShort = g.path ? normalizeCgroupPath(g.path) : 'the cgroup';
  switch (g.metric) {
    case 'node_memcg_used_bp':
      return `${cg} uses ${nodeShareWords(g.targetValue, g.nid, opts)}`;
    case 'node_memcg_free_bp':
      return `${cg} uses at most ${nodeShareWords(10000 - g.targetValue, g.nid, opts)} (node_memcg_free_bp ${pct(g.targetValue)}: the part of the node ${cgShort} does not use)`;
    case 'node_mem_used_bp':
      return `node ${g.nid ?? '?'} is ${pct(g.targetValue)} used${bytesParen(g.targetValue, g.nid, opts)}`;
    case 'node_mem_free_bp':
      return `${nodeShareWords(g.targetValue, g.nid, opts)} is free`;
    case 'node_eligible_mem_bp':
      return `${pct(g.targetValue)} of the memory matching this scheme's access pattern lies on node ${g.nid ?? '?'}`;
    case 'active_mem_bp':
      return `${pct(g.targetValue)} of the LRU pages are active (system-wide)`;
    case 'inactive_mem_bp':
      return `${pct(g.targetValue)} of the LRU pages are inactive (system-wide)`;
    case 'some_mem_psi_us':
      return `memory pressure stalls ("some" PSI) add up to ${formatUs(g.targetValue)} ${per(resetMs)}`;
    case 'user_input':
      return `the value you feed (user_input, current_value) reaches ${g.targetValue}`;
    default:
      return `${String(g.metric)} reaches ${g.targetValue}`;
  }
}

function quotaWords(q: KQuota, s: KScheme, c: KContext, opts: ExplainOptions): { sentences: string[]; short: string[] } {
  const out: string[] = [];
  const short: string[] = [];
  const goals = q.goals.filter((g) => g.targetValue > 0);
  const limits: string[] = [];
  if (q.bytes > 0) limits.push(`at most ${formatBytes(q.bytes)} ${per(q.resetIntervalMs)}`);
  if (q.ms > 0) limits.push(`at most ${formatUs(q.ms * 1000)} of CPU time ${per(q.resetIntervalMs)}`);
  if (limits.length) {
    out.push(`How fast: ${limits.join(' and ')}${limits.length > 1 ? ', whichever is reached first' : ''}.`);
    short.push(
      q.bytes > 0
        ? `≤ ${formatBytes(q.bytes)}${q.resetIntervalMs === 1000 ? '/s' : ` per ${formatUs(q.resetIntervalMs * 1000)}`}`
        : `≤ ${formatUs(q.ms * 1000)} CPU${q.resetIntervalMs === 1000 ? '/s' : ` per ${formatUs(q.resetIntervalMs * 1000)}`}`,
    );
  } else if (goals.length) {
    out.push('How fast: no size or time quota: only the goal tuner limits it.');
  } else {
    out.push('How fast: unbounded: it acts on all matching memory every time it is applied.');
    short.push('unbounded');
  }
  const ignored = q.goals.length - goals.length;
  if (ignored > 0) out.push(`${plural(ignored, 'goal has', 'goals have')} target 0, which the kernel ignores.`);
  if (goals.length) {
    const tuner = q.goalTuner ?? 'consist';
    const until = goals.map((g) => goalWords(g, opts, q.resetIntervalMs));
    out.push(`Until when: ${until.join('; or ')}.`);
    if (goals.length > 1) out.push('With several goals, the best-met one decides (the kernel takes the highest goal score).');
    const every = `every ${formatUs(q.resetIntervalMs * 1000)} (the quota reset interval)`;
    if (tuner === 'temporal') {
      out.push(
        `The temporal tuner checks the goal ${every}: it works at the full quota (${limits.length ? limits.join(' and ') : 'unbounded'}) while the goal is not met and stops completely once it is met, until the metric falls back.`,
      );
    } else {
      out.push(
        `The consist tuner re-tunes the quota ${every}: it grows it in proportion to how far the metric is below the target (at most doubling each time) and shrinks it when over${limits.length ? ', capped by the quota above' : '; with no size or time quota it can grow without bound and overshoot'}.`,
      );
    }
    short.push(`until ${goals.map((g) => shortGoal(g)).join(' or ')}`);
  }
  const w = q.weights;
  if ((limits.length || goals.length) && s.action !== 'stat') {
    // the ops' scheme score: paddr scores pageout/lru_deprio/migrate_cold by coldness and
    // lru_prio/migrate_hot by hotness; vaddr/fvaddr score only pageout (by coldness), the rest equally
    const cold = s.action === 'pageout' || (c.ops === 'paddr' && (s.action === 'lru_deprio' || s.action === 'migrate_cold'));
    const hot = c.ops === 'paddr' && (s.action === 'lru_prio' || s.action === 'migrate_hot');
    if (w.szPermil + w.nrAccessesPermil + w.agePermil === 0)
      out.push('When the quota cannot cover all matching memory, no region is preferred (all weights are 0).');
    else if (hot || cold) {
      const by = [
        w.szPermil ? `size ${w.szPermil} ‰` : '',
        w.nrAccessesPermil ? `access frequency ${w.nrAccessesPermil} ‰` : '',
        w.agePermil ? `age ${w.agePermil} ‰` : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.push(`When the quota cannot cover all matching memory, ${hot ? 'the hottest' : 'the coldest'} regions go first (weights: ${by}).`);
    }
  }
  return { sentences: out, short };
}

function shortGoal(g: KQuotaGoal): string {
  const cg = g.path ? normalizeCgroupPath(g.path) : '?';
  switch (g.metric) {
    case 'node_memcg_used_bp':
      return `${cg} uses ${pct(g.targetValue)} of node ${g.nid ?? '?'}`;
    case 'node_memcg_free_bp':
      return `${cg} uses ≤ ${pct(10000 - g.targetValue)} of node ${g.nid ?? '?'}`;
    case 'node_mem_used_bp':
      return `node ${g.nid ?? '?'} ${pct(g.targetValue)} used`;
    case 'node_mem_free_bp':
      return `node ${g.nid ?? '?'} ${pct(g.targetValue)} free`;
    case 'some_mem_psi_us':
      return `PSI ${formatUs(g.targetValue)}`;
    default:
      return `${g.metric} ${g.targetValue}`;
  }
}

function watermarkWords(wm: KWatermarks): string | undefined {
  if (wm.metric === 'none') return undefined;
  const p = formatPermil;
  return `Watermarks: it is active only while free memory (system-wide) is between ${p(wm.low)} and ${p(wm.high)}: it starts when free memory falls to ${p(wm.mid)} and stops above ${p(wm.high)} or below ${p(wm.low)} (checked every ${formatUs(wm.intervalUs)}).`;
}

/** What the filters admit of pages outside the cgroup of the scheme's memcg goal, when anything. */
function outsideGoalCgroup(s: KScheme, f: ReturnType<typeof admissionFormula>): { cgroup: string; formula: string } | undefined {
  const goal = s.quota.goals.find((g) => g.metric.startsWith('node_memcg_') && g.path && g.targetValue > 0);
  if (!goal?.path) return undefined;
  const cg = normalizeCgroupPath(goal.path);
  const r = restrictFormula(f, (atom) => (atom.startsWith('memcg ') && normalizeCgroupPath(atom.slice(6)) === cg ? false : undefined));
  if (r.kind === 'const' && !r.v) return undefined;
  return { cgroup: cg, formula: formatFormula(r) };
}

function schemeExplanation(s: KScheme, c: KContext, k: number, ci: number, si: number, nContexts: number, opts: ExplainOptions): SchemeExplanation {
  const path: ConfigPath = ['kdamonds', k, 'contexts', ci, 'schemes', si];
  const act = actionWords(s, c);
  const pat = patternWords(s.accessPattern, c);
  const sentences: string[] = [];
  sentences.push(`What: ${act.verb} memory ${pat.long}.`);
  const nf = s.coreFilters.length + s.opsFilters.length;
  let formula: string | undefined;
  if (nf > 0) {
    const f = admissionFormula(s.coreFilters, s.opsFilters);
    formula = formatFormula(f);
    let outside = '';
    const leak = outsideGoalCgroup(s, f);
    const done = s.action.startsWith('migrate_') ? 'moved' : s.action === 'pageout' ? 'reclaimed' : s.action === 'stat' ? 'counted' : 'acted on';
    if (leak)
      outside = ` For pages outside ${leak.cgroup} (the goal's cgroup) that is: ${leak.formula}, so ${leak.formula === 'all memory' ? "all other cgroups' pages" : `other cgroups' pages that are ${leak.formula}`} are ${done} too.`;
    sentences.push(
      `Which memory: only what the filters admit: ${formula} (${plural(nf, 'filter')}: the first filter that matches decides; memory no filter matches gets the opposite of the last filter's verdict).${outside}`,
    );
  }
  const q = quotaWords(s.quota, s, c, opts);
  sentences.push(...q.sentences);
  sentences.push(`It is applied every ${s.applyIntervalUs > 0 ? formatUs(s.applyIntervalUs) : `aggregation interval (${formatUs(c.aggrUs)})`}.`);
  const wm = watermarkWords(s.watermarks);
  if (wm) sentences.push(wm);
  const which = [pat.short, formula].filter(Boolean).join(', ');
  const shortParts = [`${act.short}${which ? `: ${which}` : ''}`, ...q.short];
  return {
    kdamond: k,
    context: ci,
    index: si,
    path,
    title: `${nContexts > 1 ? `context ${ci} ` : ''}scheme ${si}: ${s.action}`,
    short: shortParts.join(' · '),
    sentences,
    caveats: [],
  };
}

function kdamondExplanation(kd: KKdamond, k: number, opts: ExplainOptions): KdamondExplanation {
  const sentences: string[] = [];
  const schemes: SchemeExplanation[] = [];
  const shorts: string[] = [];
  let title = `kdamond ${k}`;
  if (kd.contexts.length === 0) sentences.push('Has no monitoring context: it does nothing.');
  if (kd.contexts.length > 1)
    sentences.push(`Has ${kd.contexts.length} contexts; the kernel runs one context per kdamond, so it refuses to start this kdamond.`);
  kd.contexts.forEach((c, ci) => {
    const w = watchWords(c, opts);
    const pre = kd.contexts.length > 1 ? `Context ${ci}: ` : '';
    sentences.push(`${pre}${w.long}`, ...intervalWords(c));
    if (c.schemes.length === 0) sentences.push('Has no scheme: it only monitors (results are read from sysfs or damo report).');
    const nid = monitoredNode(c, opts.profile);
    if (ci === 0) title = `kdamond ${k}: ${c.ops}${nid !== undefined ? `, node ${nid}` : ''}`;
    shorts.push(`watches ${w.short}, ${plural(c.schemes.length, 'scheme')}`);
    c.schemes.forEach((s, si) => schemes.push(schemeExplanation(s, c, k, ci, si, kd.contexts.length, opts)));
  });
  return { index: k, path: ['kdamonds', k], title, short: shorts.join('; '), sentences, caveats: [], schemes };
}

// ---------------------------------------------------------------------------------------------
// tiering pairs

function whoOf(t: TierGoal): string {
  return t.cgroup === '*' ? `node ${t.nid}` : `${t.cgroup} on node ${t.nid}`;
}

const schemeName = (t: TierGoal): string => `kdamond ${t.ref.kdamond} scheme ${t.ref.index}`;

function bytesOf(bp: number, nid: number, opts: ExplainOptions): string | undefined {
  const b = nodeShareBytes(bp, nid, opts.profile);
  return b === undefined ? undefined : formatBytes(b);
}

function pairExplanations(doc: CheckedDocument, opts: ExplainOptions): PairExplanation[] {
  if (!doc.kconfig) return [];
  const { promotions, demotions } = tieringGoals({ kconfig: doc.kconfig });
  const out: PairExplanation[] = [];
  for (const p of promotions) {
    for (const d of demotions.filter((x) => x.key === p.key)) {
      const tp = p.goal.targetValue;
      const lower = 10000 - d.goal.targetValue;
      const band = tp - lower;
      const subject = p.cgroup;
      const used = p.cgroup === '*' ? `node ${p.nid}'s used memory` : `${p.cgroup}'s share of node ${p.nid}`;
      const lo = Math.min(tp, lower);
      const hi = Math.max(tp, lower);
      const bLo = bytesOf(lo, p.nid, opts);
      const bHi = bytesOf(hi, p.nid, opts);
      const bytes = bLo && bHi ? ` (≈ ${bLo === bHi ? bLo : `${bLo} to ${bHi}`}${onProfile(opts.profile)})` : '';
      const roles = `${schemeName(p)} promotes until ${pct(tp)} used; ${schemeName(d)} demotes down to ${pct(lower)} used (free ${pct(d.goal.targetValue)})`;
      let kind: PairExplanation['kind'];
      let sentence: string;
      if (band <= 0) {
        kind = 'dead-zone';
        sentence =
          band === 0
            ? `${p.cgroup === '*' ? `Node ${p.nid}` : `${subject} on node ${p.nid}`} sits at ${pct(tp)}${bytes}: ${roles}. The two meet at one point with no overlap, so once there neither scheme moves pages: when the access pattern changes, hot pages can stay on the slow node and cold pages on node ${p.nid}.`
            : `Between ${pct(lo)} and ${pct(hi)}${bytes} of ${used}, neither scheme moves pages (a dead zone of ${pct(-band)}): ${roles}. Once usage is in that zone, hot pages can stay on the slow node and cold pages on node ${p.nid}.`;
      } else if (band > CHURN_BAND_BP) {
        kind = 'churn';
        sentence = `${p.cgroup === '*' ? `Node ${p.nid}` : `${subject} on node ${p.nid}`}: ${roles}. Between ${pct(lo)} and ${pct(hi)}${bytes} both act at once (an overlap of ${pct(band)}), so pages in that band keep migrating back and forth.`;
      } else {
        kind = 'band';
        sentence = `${p.cgroup === '*' ? `Node ${p.nid}'s used memory is kept between ${pct(lo)} and ${pct(hi)}` : `${subject} is kept between ${pct(lo)} and ${pct(hi)} of node ${p.nid}`}${bytes}: ${roles}. The ${pct(band)} overlap keeps a small exchange going, so hot and cold pages still swap nodes when the access pattern shifts.`;
      }
      const leaky = [p, d].filter((t) =>
        doc.diagnostics.some((x) => x.code === 'filter-admits-outside-goal-cgroup' && x.path && t.ref.path.every((seg, i) => x.path![i] === seg)),
      );
      if (leaky.length) sentence += ` But the filters of ${leaky.map(schemeName).join(' and ')} also move other cgroups' pages while working toward this band.`;
      out.push({ kind, who: whoOf(p), promotion: p.goalPath, demotion: d.goalPath, sentence });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// caveats from the diagnostics

/** Rules whose finding the tiering pair sentence already says. */
const SAID_BY_PAIRS = new Set(['tiering-dead-zone', 'tiering-churn-band']);

function caveatText(d: CoreDiagnostic): string {
  const m = d.message.replace(/\s+/g, ' ').trim();
  const s = m.charAt(0).toUpperCase() + m.slice(1);
  const tail = /[.!?)]$/.test(s) ? '' : '.';
  return `${d.severity === 'error' ? 'Refused: ' : ''}${s}${tail} [${d.code}]`;
}

// ---------------------------------------------------------------------------------------------

/** Explain one checked document (null when it is not a DAMON config). */
export function explainDocument(doc: CheckedDocument, opts: ExplainOptions = {}): Explanation | null {
  if (!doc.kconfig || !doc.isDamonConfig) return null;
  const kdamonds = doc.kconfig.kdamonds.map((kd, k) => kdamondExplanation(kd, k, opts));
  const pairs = pairExplanations(doc, opts);
  const caveats: string[] = [];
  const seen = new Set<string>();
  for (const d of doc.diagnostics) {
    if (d.severity === 'hint' || SAID_BY_PAIRS.has(d.code)) continue;
    const text = caveatText(d);
    const p = d.path ?? [];
    const kd = p[0] === 'kdamonds' && typeof p[1] === 'number' ? kdamonds[p[1]] : undefined;
    const sc = kd && p[2] === 'contexts' && p[4] === 'schemes' ? kd.schemes.find((s) => s.context === p[3] && s.index === p[5]) : undefined;
    const list = sc ? sc.caveats : kd ? kd.caveats : caveats;
    const key = `${sc ? sc.path.join('/') : kd ? kd.path.join('/') : ''}|${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push(text);
  }
  const summary: string[] = [];
  const n = doc.kconfig.kdamonds.length;
  const nSchemes = kdamonds.reduce((s, k) => s + k.schemes.length, 0);
  summary.push(n === 0 ? 'No kdamond: this config starts nothing.' : `${plural(n, 'kdamond')} with ${plural(nSchemes, 'scheme')}.`);
  const errors = doc.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) summary.push(`As written, damo or the kernel refuses it (${plural(errors, 'error')}, marked "Refused" below).`);
  if (opts.profile) summary.push(`Numbers of bytes are for the machine profile${opts.profile.name ? ` ${opts.profile.name}` : ''}.`);
  else if (doc.kconfig.kdamonds.some((kd) => kd.contexts.some((c) => c.schemes.some((s) => s.quota.goals.some((g) => g.nid !== null))))) {
    summary.push(`No machine profile: node shares stay in percent; ${opts.profileHint ?? 'a machine profile'} gives bytes.`);
  }
  return { ...(opts.profile?.name ? { profile: opts.profile.name } : {}), summary, kdamonds, pairs, caveats };
}

/** Explain every DAMON config document of a check result. */
export function explainDocuments(docs: CheckedDocument[], opts: ExplainOptions = {}): Explanation[] {
  return docs.map((d) => explainDocument(d, opts)).filter((e): e is Explanation => e !== null);
}
