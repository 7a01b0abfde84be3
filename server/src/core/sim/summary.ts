/**
 * The seed's table: per cgroup and node, mean and stdev of the usage over the measurement window
 * (the seed read memory.numa_stat 42 times 5 s apart after convergence), the goal's target and when
 * the usage first reached it.
 */
import type { KConfig } from '../model/kernel';
import type { Machine } from './machine';
import type { GoalSummary, SimSeries, SummaryRow } from './result';
import type { Scenario } from './types';

export function meanStdev(xs: number[]): { mean: number; stdev: number } {
  if (xs.length === 0) return { mean: 0, stdev: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, stdev: 0 };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, stdev: Math.sqrt(v) };
}

/** the (cgroup, nid) pairs the config's node_memcg_* goals aim at, with their target bytes */
export function goalTargets(config: KConfig, m: Machine): Map<string, { cgroup: string; nid: number; targets: number[]; used: number | null }> {
  const out = new Map<string, { cgroup: string; nid: number; targets: number[]; used: number | null }>();
  for (const kd of config.kdamonds)
    for (const c of kd.contexts)
      for (const s of c.schemes)
        for (const g of s.quota.goals) {
          if (g.metric !== 'node_memcg_used_bp' && g.metric !== 'node_memcg_free_bp') continue;
          if (g.path === null || g.nid === null) continue;
          const node = m.nodeByNid.get(g.nid);
          if (!node) continue;
          const key = `${g.path}\u0000${g.nid}`;
          const e = out.get(key) ?? { cgroup: g.path, nid: g.nid, targets: [], used: null };
          const bp = g.metric === 'node_memcg_used_bp' ? g.targetValue : 10000 - g.targetValue;
          const bytes = (bp * node.managedBytes) / 10000;
          e.targets.push(bytes);
          if (g.metric === 'node_memcg_used_bp') e.used = bytes;
          out.set(key, e);
        }
  return out;
}

/**
 * Indices into series.t of the measurement window: `samples` reads `intervalSec` apart, the last at
 * the end of the run (the seed read memory.numa_stat 42 times 5 s apart after convergence).
 */
export function windowIndices(sc: Scenario, series: SimSeries): number[] {
  const t = series.t;
  const end = t.length > 0 ? t[t.length - 1] : 0;
  const w = sc.sampling.window;
  // the window's sample instants: `samples` reads `intervalSec` apart, the last at the end of the run
  const idx: number[] = [];
  for (let i = w.samples - 1; i >= 0; i--) {
    const at = end - i * w.intervalSec;
    if (at < 0) continue;
    let best = -1;
    let bestD = Infinity;
    // the series is evenly spaced: find the nearest point
    const guess = Math.round(at / Math.max(1e-9, sc.sampling.intervalSec));
    for (let j = Math.max(0, guess - 2); j <= Math.min(t.length - 1, guess + 2); j++) {
      const d = Math.abs(t[j] - at);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    if (best >= 0 && (idx.length === 0 || idx[idx.length - 1] !== best)) idx.push(best);
  }
  return idx;
}

/** Each quota goal's metric averaged over the measurement window, in the metric's own unit. */
export function summarizeGoals(series: SimSeries, idx: number[]): GoalSummary[] {
  const t = series.t;
  const out: GoalSummary[] = [];
  for (const s of series.schemes)
    s.goals.forEach((g, gi) => {
      const xs = idx.map((i) => g.current[i]).filter((x) => x !== undefined && Number.isFinite(x));
      const { mean, stdev } = meanStdev(xs);
      out.push({
        kdamond: s.kdamond,
        context: s.context,
        scheme: s.scheme,
        goal: gi,
        configPath: ['kdamonds', s.kdamond, 'contexts', s.context, 'schemes', s.scheme, 'quotas', 'goals', gi],
        metric: g.metric,
        nid: g.nid,
        path: g.path,
        targetValue: g.targetValue,
        meanValue: xs.length ? Math.round(mean) : null,
        stdevValue: xs.length ? Math.round(stdev) : null,
        windowStartSec: idx.length ? t[idx[0]] : 0,
        windowEndSec: idx.length ? t[idx[idx.length - 1]] : 0,
        samples: xs.length,
      });
    });
  return out;
}

export function summarize(config: KConfig, sc: Scenario, m: Machine, series: SimSeries): SummaryRow[] {
  const targets = goalTargets(config, m);
  const pairs: { cgroup: string; nid: number; targets: number[]; used: number | null }[] = [...targets.values()];
  if (pairs.length === 0) {
    for (const c of Object.keys(series.usage))
      for (const n of m.nodes) if (m.processes.some((p) => p.cgroup === c)) pairs.push({ cgroup: c, nid: n.nid, targets: [], used: null });
  }
  const t = series.t;
  const idx = windowIndices(sc, series);
  return pairs.map((p) => {
    const xs = series.usage[p.cgroup]?.[String(p.nid)] ?? [];
    const { mean, stdev } = meanStdev(idx.map((i) => xs[i]).filter((x) => x !== undefined));
    const lo = p.targets.length ? Math.min(...p.targets) : null;
    const hi = p.targets.length ? Math.max(...p.targets) : null;
    const target = p.used ?? lo;
    let convergedAtSec: number | null = null;
    if (lo !== null && hi !== null && target !== null) {
      const slack = 0.1 * target;
      for (let i = 0; i < xs.length; i++)
        if (xs[i] >= lo - slack && xs[i] <= hi + slack) {
          convergedAtSec = t[i];
          break;
        }
    }
    return {
      cgroup: p.cgroup,
      nid: p.nid,
      meanBytes: Math.round(mean),
      stdevBytes: Math.round(stdev),
      targetBytes: target === null ? null : Math.round(target),
      targetLowBytes: lo === null ? null : Math.round(lo),
      targetHighBytes: hi === null ? null : Math.round(hi),
      convergedAtSec,
      windowStartSec: idx.length ? t[idx[0]] : 0,
      windowEndSec: idx.length ? t[idx[idx.length - 1]] : 0,
      samples: idx.length,
    };
  });
}
