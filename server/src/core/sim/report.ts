/** Rendering of a simulation result: the seed-style table, the --json document, the --csv series. */
import { formatBytes } from '../model/units';
import type { SimResult } from './result';

/** the seed table's byte form: 2 decimals, no space (`2.77GiB`) */
export function fmtBytes(n: number | null): string {
  return formatBytes(n, { fixed: 2, space: false });
}

/** the table of the seed's cover letter, one block per node, plus the run's identity */
export function formatSummaryTable(r: SimResult): string {
  const out: string[] = [];
  out.push(
    `simulated ${r.durationSec} s of scenario ${r.scenario} (kernel ${r.kernel} rules) ` +
      `with seed ${r.seed} in ${(r.wallMs / 1000).toFixed(2)} s${r.cancelled ? ' (cancelled)' : ''}`,
  );
  const byNode = new Map<number, typeof r.summary>();
  for (const s of r.summary) byNode.set(s.nid, [...(byNode.get(s.nid) ?? []), s]);
  for (const [nid, rows] of byNode) {
    const w0 = Math.max(`node${nid}_memory_usage`.length, ...rows.map((x) => x.cgroup.length));
    const head = [`node${nid}_memory_usage`.padEnd(w0), 'average'.padStart(10), 'stdev'.padStart(11), 'target'.padStart(10), 'converged'.padStart(10)];
    out.push('');
    out.push(head.join('  '));
    for (const s of rows)
      out.push(
        [
          s.cgroup.padEnd(w0),
          fmtBytes(s.meanBytes).padStart(10),
          fmtBytes(s.stdevBytes).padStart(11),
          fmtBytes(s.targetBytes).padStart(10),
          (s.convergedAtSec === null ? 'never' : `${Math.round(s.convergedAtSec)} s`).padStart(10),
        ].join('  '),
      );
  }
  const w = r.summary[0];
  if (w) out.push('', `window: ${w.samples} samples from ${w.windowStartSec} s to ${w.windowEndSec} s; target = goal target x node managed memory`);
  return `${out.join('\n')}\n`;
}

export function resultToJson(r: SimResult): string {
  return `${JSON.stringify(r)}\n`;
}

function csvCell(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '' : String(Math.round(v * 1000) / 1000);
}

/** one row per recorded instant: usage per cgroup and node, node usage, migrations, quotas, goals, regions */
export function resultToCsv(r: SimResult): string {
  const s = r.series;
  const cols: { name: string; get: (i: number) => number | null }[] = [{ name: 't_sec', get: (i) => s.t[i] }];
  for (const [cg, byNid] of Object.entries(s.usage))
    for (const nid of Object.keys(byNid)) cols.push({ name: `usage_bytes[${cg}][node${nid}]`, get: (i) => byNid[nid][i] });
  for (const [nid, xs] of Object.entries(s.nodeUsed)) cols.push({ name: `node_used_bytes[node${nid}]`, get: (i) => xs[i] });
  cols.push({ name: 'migration_bytes_per_sec', get: (i) => s.migrationBytesPerSec[i] });
  for (const sc of s.schemes) {
    const id = `kdamond${sc.kdamond}.scheme${sc.scheme}.${sc.action}`;
    cols.push({ name: `${id}.effective_quota_bytes`, get: (i) => sc.effectiveQuotaBytes[i] });
    cols.push({ name: `${id}.applied_bytes_per_sec`, get: (i) => sc.appliedBytesPerSec[i] });
    sc.goals.forEach((g, gi) => cols.push({ name: `${id}.goal${gi}.${g.metric}.current`, get: (i) => g.current[i] }));
  }
  for (const rg of s.regions) cols.push({ name: `kdamond${rg.kdamond}.nr_regions`, get: (i) => rg.nr[i] });
  const quote = (x: string): string => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
  const lines = [cols.map((c) => quote(c.name)).join(',')];
  for (let i = 0; i < s.t.length; i++) lines.push(cols.map((c) => csvCell(c.get(i))).join(','));
  return `${lines.join('\n')}\n`;
}
