/**
 * Live values of a deployed host: kdamond states, scheme stats, effective quotas and each quota
 * goal's current value. 7.2 leaves a goal's current_value at 0 for kernel-measured metrics, so the
 * value is computed the way the kernel does: node_memcg_* from the cgroup's memory.numa_stat
 * (active+inactive anon+file on the node) over the node's MemTotal; node_mem_* from node meminfo;
 * active/inactive_mem_bp from /proc/meminfo.
 */
import { goalMetricValue } from '../core/goal-metric';
import { formatMetricValue } from '../core/model/format';
import { formatBytes } from '../core/model/units';
import type { ProbeResult } from '../core/sysfs/hostinfo';
import { DEFAULT_TIMEOUTS, numaBalancingWarning, probeHost, type PhaseTimeouts } from './deploy';
import { withSession, type SshTarget } from './ssh';
import { persistStatus, readPersisted, renderPersistStatus, type PersistStatus } from './persist';

export interface LiveGoal {
  metric: string;
  targetValue: number;
  nid: number | null;
  path: string | null;
  /** the live metric value in the goal's unit (bp for *_bp), null when it cannot be computed */
  current: number | null;
}

export interface LiveScheme {
  action: string;
  stats: Record<string, number>;
  effectiveBytes: number | null;
  goals: LiveGoal[];
}

export interface LiveKdamond {
  index: number;
  state: string;
  pid: number | null;
  ops: string | null;
  schemes: LiveScheme[];
}

export interface HostStatus {
  host: string;
  release: string;
  kdamonds: LiveKdamond[];
  /** cgroup -> node -> bytes on the LRU lists */
  usage: { cgroup: string; perNode: Record<number, number> }[];
  nodes: { nid: number; totalBytes: number; freeBytes: number }[];
  holders: string[];
  /** the AutoNUMA warning, when kernel.numa_balancing is on */
  warnings: string[];
  /** what `deploy --persist` installed, against what runs now */
  persist?: PersistStatus;
}

/** a goal's live value, by the kernel's formula (core/goal-metric.ts, shared with the simulator) */
export function goalValue(probe: ProbeResult, metric: string, nid: number | null, path: string | null, currentValue: number): number | null {
  return goalMetricValue(
    { metric, nid, path, currentValue },
    {
      nodes: new Map([...probe.nodeMem].map(([n, m]) => [n, { totalBytes: m.total, freeBytes: m.free }])),
      memcgNodeBytes: (cg, n) => {
        const stat = probe.numaStat.get(cg);
        return stat ? (stat.get(n) ?? 0) : undefined;
      },
      lru: () => (probe.meminfo.has('Active') ? { active: probe.meminfo.get('Active') ?? 0, inactive: probe.meminfo.get('Inactive') ?? 0 } : undefined),
    },
  );
}

export function statusFromProbe(host: string, probe: ProbeResult): HostStatus {
  const t = probe.tree;
  const num = (p: string) => (t.has(p) ? Number(t.get(p)) : null);
  const kdamonds: LiveKdamond[] = [];
  for (let k = 0; k < probe.host.nrKdamonds; k++) {
    const kp = `kdamonds/${k}`;
    const cp = `${kp}/contexts/0`;
    const schemes: LiveScheme[] = [];
    const ns = num(`${cp}/schemes/nr_schemes`) ?? 0;
    for (let s = 0; s < ns; s++) {
      const sp = `${cp}/schemes/${s}`;
      const stats: Record<string, number> = {};
      for (const [p, v] of t) if (p.startsWith(`${sp}/stats/`)) stats[p.slice(sp.length + 7)] = Number(v);
      const goals: LiveGoal[] = [];
      const ng = num(`${sp}/quotas/goals/nr_goals`) ?? 0;
      for (let g = 0; g < ng; g++) {
        const gp = `${sp}/quotas/goals/${g}`;
        const metric = t.get(`${gp}/target_metric`) ?? 'user_input';
        const nid = num(`${gp}/nid`);
        const path = t.has(`${gp}/path`) ? (t.get(`${gp}/path`) as string) : null;
        goals.push({
          metric,
          targetValue: num(`${gp}/target_value`) ?? 0,
          nid,
          path,
          current: goalValue(probe, metric, nid, path, num(`${gp}/current_value`) ?? 0),
        });
      }
      schemes.push({ action: t.get(`${sp}/action`) ?? '?', stats, effectiveBytes: num(`${sp}/quotas/effective_bytes`), goals });
    }
    const pid = num(`${kp}/pid`);
    kdamonds.push({ index: k, state: t.get(`${kp}/state`) ?? '?', pid: pid !== null && pid > 0 ? pid : null, ops: t.get(`${cp}/operations`) ?? null, schemes });
  }
  const usage = [...probe.numaStat.entries()].filter(([c]) => c !== '/').map(([cgroup, m]) => ({ cgroup, perNode: Object.fromEntries(m) }));
  return {
    host,
    release: probe.release,
    kdamonds,
    usage,
    nodes: [...probe.nodeMem.entries()].map(([nid, v]) => ({ nid, totalBytes: v.total, freeBytes: v.free })),
    holders: probe.holders.filter((h) => h.enabled).map((h) => h.module),
    warnings: [numaBalancingWarning(host, probe)].filter((w): w is string => w !== null),
  };
}

export async function hostStatus(t: SshTarget, timeouts: PhaseTimeouts = DEFAULT_TIMEOUTS): Promise<HostStatus> {
  return withSession(
    t,
    async () => {
      const probe = await probeHost(t, { skeleton: false, numaStat: true, refreshStats: true }, timeouts);
      const st = statusFromProbe(t.alias, probe);
      st.persist = persistStatus(t.alias, await readPersisted(t, timeouts.probe), probe);
      return st;
    },
    timeouts.connect,
  );
}

const mib = (b: number) => formatBytes(b);
const fmtGoal = (metric: string, v: number): string => formatMetricValue(metric, v);

export function renderStatus(s: HostStatus): string {
  const out: string[] = [`${s.host}: Linux ${s.release}`];
  if (s.holders.length) out.push(`  DAMON held by: ${s.holders.join(', ')}`);
  for (const w of s.warnings ?? []) out.push(`  ${w}`);
  if (s.persist) out.push(renderPersistStatus(s.persist));
  for (const n of s.nodes) out.push(`  node ${n.nid}: ${mib(n.totalBytes)} total, ${mib(n.freeBytes)} free`);
  if (s.kdamonds.length === 0) out.push('  no kdamonds');
  for (const k of s.kdamonds) {
    out.push(`  kdamond ${k.index}: ${k.state}${k.pid ? ` (pid ${k.pid})` : ''}, ${k.ops ?? '?'}, ${k.schemes.length} scheme(s)`);
    k.schemes.forEach((sc, i) => {
      const st = sc.stats;
      out.push(
        `    scheme ${i} ${sc.action}: tried ${st.nr_tried ?? 0} (${mib(st.sz_tried ?? 0)}), applied ${st.nr_applied ?? 0} (${mib(st.sz_applied ?? 0)})` +
          `${st.sz_ops_filter_passed !== undefined ? `, ops filters passed ${mib(st.sz_ops_filter_passed)}` : ''}, quota exceeded ${st.qt_exceeds ?? 0}x` +
          `${sc.effectiveBytes !== null ? `, effective quota ${mib(sc.effectiveBytes)}` : ''}`,
      );
      for (const g of sc.goals) {
        out.push(
          `      goal ${g.metric}${g.nid !== null ? ` nid ${g.nid}` : ''}${g.path ? ` ${g.path}` : ''}: live ${g.current === null ? 'n/a' : fmtGoal(g.metric, g.current)} / target ${fmtGoal(g.metric, g.targetValue)}`,
        );
      }
    });
  }
  if (s.usage.length) {
    out.push('  cgroup memory per node (LRU):');
    for (const u of s.usage)
      out.push(
        `    ${u.cgroup}: ${Object.entries(u.perNode)
          .map(([n, b]) => `node ${n} ${mib(b)}`)
          .join(', ')}`,
      );
  }
  return out.join('\n') + '\n';
}
