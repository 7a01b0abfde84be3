/// <reference lib="dom" />
/**
 * The simulation chart page's script (bundled with uPlot into dist/webview/simulation.js). It draws
 * a SimResult (server/src/core/sim/result.ts) posted to the page and exports PNG/CSV.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './simulation.css';
// the core's pure formatters and types, bundled into the page (scripts/build.mjs): the chart shows
// bytes as hover, status and the CLI do, and exports the same CSV as `simulate --csv`
import { binaryUnit, formatBytes } from '../../../server/src/core/model/units';
import { resultToCsv } from '../../../server/src/core/sim/report';
import type { SimResult } from '../../../server/src/core/sim/result';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };

const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const plots: uPlot[] = [];
let current: SimResult | null = null;

/** values in the legend and the summary table: two decimals, like the CLI's table */
const fmtBytes = (n: number | null): string => formatBytes(n, { fixed: 2 });

function width(el: HTMLElement): number {
  return Math.max(320, el.clientWidth || 800);
}

function makePlot(el: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): uPlot {
  el.textContent = '';
  // the y axis's unit label and tick labels as drawn, on the element (tests read them; the canvas has no text)
  const ticks = (u: uPlot): void => {
    const y = u.axes[1] as uPlot.Axis & { _values?: string[] };
    el.dataset.yLabel = String(y.label ?? '');
    el.dataset.yTicks = (y._values ?? []).join('|');
  };
  const p = new uPlot({ width: width(el), height: 260, ...opts, hooks: { draw: [ticks] } }, data, el);
  plots.push(p);
  return p;
}

/** One unit for a linear bytes axis (the one formatBytes would write the maximum in), named once in its label; the ticks are plain numbers. */
function bytesAxis(label: string, max: number): uPlot.Axis {
  const { unit, size } = binaryUnit(max);
  return { label: `${label} (${unit})`, size: 60, values: (_u, vals) => vals.map((v) => `${+(v / size).toFixed(2)}`) };
}

/** A log bytes axis: ticks at powers of 1024 only (1 KiB, 1 MiB, 1 GiB …), each with its unit. */
function logBytesAxis(label: string): uPlot.Axis {
  return {
    label,
    size: 70,
    splits: (_u, _i, min, max) => {
      const out: number[] = [];
      for (let p = 1; p <= 2 ** 60; p *= 1024) if (p >= min && p <= max) out.push(p);
      return out.length ? out : [min, max];
    },
    filter: (_u, splits) => splits,
    values: (_u, vals) => vals.map((v) => formatBytes(v)),
  };
}

const finiteMax = (rows: (number | null)[][]): number => Math.max(1, ...rows.flatMap((xs) => xs.filter((x): x is number => x !== null && Number.isFinite(x))));

function render(r: SimResult): void {
  current = r;
  for (const p of plots.splice(0)) p.destroy();
  const t = r.series.t;
  document.getElementById('title')!.textContent = `DAMON simulation: ${r.scenario}`;
  document.getElementById('meta')!.textContent =
    `${r.durationSec} s simulated (kernel ${r.kernel} rules), seed ${r.seed}, ${(r.wallMs / 1000).toFixed(2)} s wall`;

  // usage per cgroup per node, with the target band of each (cgroup, node) the goals name
  const series: uPlot.Series[] = [{ label: 'time (s)' }];
  const data: (number | null)[][] = [t];
  const bands: uPlot.Band[] = [];
  let c = 0;
  for (const [cg, byNid] of Object.entries(r.series.usage))
    for (const [nid, xs] of Object.entries(byNid)) {
      if (!xs.some((x) => x > 0)) continue;
      const color = PALETTE[c++ % PALETTE.length];
      series.push({ label: `${cg} node${nid}`, stroke: color, width: 1.5, value: (_u, v) => fmtBytes(v) });
      data.push(xs);
      const row = r.summary.find((s) => s.cgroup === cg && String(s.nid) === nid);
      if (row && row.targetBytes !== null) {
        // the target as a solid line (a band of 0.2 % of a node is thinner than a pixel)
        series.push({ label: `${cg} node${nid} target`, stroke: color, width: 2.5, dash: [10, 4], value: (_u, v) => fmtBytes(v) });
        data.push(t.map(() => row.targetBytes));
      }
      if (row && row.targetLowBytes !== null && row.targetHighBytes !== null) {
        // the band between the promotion and demotion goals, outlined by thin dotted edges
        series.push({ label: `${cg} node${nid} band high`, stroke: color, dash: [1, 3], width: 1, value: (_u, v) => fmtBytes(v) });
        data.push(t.map(() => row.targetHighBytes));
        series.push({ label: `${cg} node${nid} band low`, stroke: color, dash: [1, 3], width: 1, value: (_u, v) => fmtBytes(v) });
        data.push(t.map(() => row.targetLowBytes));
        bands.push({ series: [series.length - 2, series.length - 1], fill: `${color}33` });
      }
    }
  makePlot(
    document.getElementById('chart-usage')!,
    { series, bands, axes: [{ label: 'seconds' }, bytesAxis('memory', finiteMax(data.slice(1)))], scales: { x: { time: false } } },
    data as uPlot.AlignedData,
  );

  // effective quota per scheme (log scale; unlimited is a gap)
  const qs: uPlot.Series[] = [{ label: 'time (s)' }];
  const qd: (number | null)[][] = [t];
  r.series.schemes.forEach((s, i) => {
    qs.push({
      label: `kdamond${s.kdamond} scheme${s.scheme} ${s.action}`,
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      value: (_u, v) => (v === null ? 'unlimited' : fmtBytes(v)),
    });
    // no quota, or one of 1 TiB or more per reset interval (up to the "unlimited" 2^53 B): a gap, not
    // a point at 9313225 GiB that squeezes the real quotas into the bottom of the chart
    qd.push(s.effectiveQuotaBytes.map((v) => (v === null || v <= 0 || v >= 2 ** 40 ? null : v)));
  });
  // the range of the data, widened to powers of 1024 (not uPlot's log default, which reached 2^53 B)
  const qvals = qd.slice(1).flatMap((xs) => xs.filter((x): x is number => x !== null && Number.isFinite(x) && x > 0));
  const qmin = qvals.length ? 1024 ** Math.floor(Math.log(Math.min(...qvals)) / Math.log(1024)) : 1024;
  const qmax = qvals.length
    ? 1024 ** Math.max(Math.ceil(Math.log(Math.max(...qvals)) / Math.log(1024)), Math.floor(Math.log(qmin) / Math.log(1024)) + 1)
    : 1024 ** 3;
  makePlot(
    document.getElementById('chart-quota')!,
    {
      series: qs,
      axes: [{ label: 'seconds' }, logBytesAxis('quota per window')],
      scales: { x: { time: false }, y: { distr: 3, log: 2, range: () => [qmin, qmax] } },
    },
    qd as uPlot.AlignedData,
  );

  // migrations per second: total and per scheme
  const ms: uPlot.Series[] = [{ label: 'time (s)' }, { label: 'all migrations', stroke: '#444', width: 2, value: (_u, v) => `${fmtBytes(v)}/s` }];
  const md: number[][] = [t, r.series.migrationBytesPerSec];
  r.series.schemes.forEach((s, i) => {
    if (!s.action.startsWith('migrate')) return;
    ms.push({
      label: `kdamond${s.kdamond} scheme${s.scheme} ${s.action}`,
      stroke: PALETTE[i % PALETTE.length],
      width: 1,
      value: (_u, v) => `${fmtBytes(v)}/s`,
    });
    md.push(s.appliedBytesPerSec);
  });
  makePlot(
    document.getElementById('chart-migrations')!,
    { series: ms, axes: [{ label: 'seconds' }, bytesAxis('migrated per second', finiteMax(md.slice(1)))], scales: { x: { time: false } } },
    md as uPlot.AlignedData,
  );

  const table = document.getElementById('summary') as HTMLTableElement;
  table.textContent = '';
  const head = table.insertRow();
  for (const h of ['cgroup', 'node', 'mean', 'stdev', 'target', 'converged']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  for (const s of r.summary) {
    const tr = table.insertRow();
    for (const v of [
      s.cgroup,
      String(s.nid),
      fmtBytes(s.meanBytes),
      fmtBytes(s.stdevBytes),
      fmtBytes(s.targetBytes),
      s.convergedAtSec === null ? 'never' : `${s.convergedAtSec} s`,
    ])
      tr.insertCell().textContent = v;
  }
  for (const id of ['export-png', 'export-csv']) (document.getElementById(id) as HTMLButtonElement).disabled = false;
  document.body.dataset.rendered = 'true';
}

/** all charts stacked into one PNG */
function chartsPng(): string {
  const canvases = plots.map((p) => p.root.querySelector('canvas') as HTMLCanvasElement);
  const w = Math.max(...canvases.map((c) => c.width));
  const h = canvases.reduce((a, c) => a + c.height, 0);
  const out = document.createElement('canvas');
  out.width = w;
  out.height = h;
  const g = out.getContext('2d')!;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, w, h);
  let y = 0;
  for (const c of canvases) {
    g.drawImage(c, 0, y);
    y += c.height;
  }
  return out.toDataURL('image/png');
}

function exportAs(format: 'png' | 'csv'): void {
  if (!current) return;
  const fileName = `${current.scenario}-seed${current.seed}.${format}`;
  const data = format === 'png' ? chartsPng() : resultToCsv(current);
  if (vscode) {
    vscode.postMessage({ type: 'export', format, fileName, data });
    return;
  }
  const a = document.createElement('a');
  a.download = fileName;
  a.href = format === 'png' ? data : URL.createObjectURL(new Blob([data], { type: 'text/csv' }));
  document.body.appendChild(a);
  a.click();
  a.remove();
}

document.getElementById('export-png')!.addEventListener('click', () => exportAs('png'));
document.getElementById('export-csv')!.addEventListener('click', () => exportAs('csv'));
window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as { type?: string; result?: SimResult };
  if (m && m.type === 'result' && m.result && m.result.series) render(m.result);
});
window.addEventListener('resize', () => {
  for (const p of plots) p.setSize({ width: width(p.root.parentElement as HTMLElement), height: 260 });
});
vscode?.postMessage({ type: 'ready' });
