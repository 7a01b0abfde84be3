#!/usr/bin/env node
// Summarizes a seed-vm-cost.sh run: what the test host's kdamonds spend on migration and how fast
// they sample. From RAW.log (one line per second: each kdamond's utime+stime in USER_HZ ticks, each
// scheme's nr_tried / sz_tried / sz_applied) and AGGR.log (the damon_aggregated histogram keyed by
// kdamond pid and nr_regions):
//   - per kdamond, a least-squares fit of CPU time per second on MiB migrated per second: the
//     intercept is the CPU share of sampling alone, the slope the CPU cost of migrating (µs per 4 KiB);
//   - the aggregations each kdamond completed per second (nominal: 1 / aggr_us) and its region counts
//     (p10 / p50 / p90 over aggregations; the event fires after the merge and the scheme application,
//     before the split).
//   node scripts/experiments/cost-summarize.mjs RAW.log AGGR.log
import { readFileSync } from 'node:fs';

const [rawFile, aggrFile] = process.argv.slice(2);
if (!rawFile || !aggrFile) {
  console.error('usage: cost-summarize.mjs RAW.log AGGR.log');
  process.exit(2);
}
const MiB = 1024 * 1024;
const TICK_S = 0.01;
const rows = [];
let pids = [];
for (const line of readFileSync(rawFile, 'utf8').split('\n')) {
  const w = line.trim().split(/\s+/);
  if (w[0] === 'pids') pids = w.slice(1);
  if (w[0] !== 't') continue;
  const r = { t: Number(w[1]), cpu: [], applied: {} };
  for (let i = 2; i < w.length; i++) {
    if (w[i] === 'cpu') {
      r.cpu.push((Number(w[i + 1]) + Number(w[i + 2])) * TICK_S);
      i += 2;
    } else if (/^s\d\d$/.test(w[i])) {
      r.applied[w[i]] = Number(w[i + 3]);
      i += 3;
    }
  }
  rows.push(r);
}
if (rows.length < 3 || pids.length !== 2) {
  console.error(`${rawFile}: no samples`);
  process.exit(1);
}
const fit = (xs, ys) => {
  const n = xs.length;
  const mx = xs.reduce((a, x) => a + x, 0) / n;
  const my = ys.reduce((a, y) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, mx, my };
};
const span = rows.at(-1).t - rows[0].t;
console.log(`samples ${rows.length}, ${(span / 60).toFixed(1)} min; kdamond 0 (node 1, promotion) pid ${pids[0]}, kdamond 1 (node 0, demotion) pid ${pids[1]}`);
console.log('kdamond  cpu_share_sampling  us_cpu_per_4KiB_migrated  mean_cpu_share  mean_MiB_migrated_per_s  blind_share(migration)');
const schemesOf = [
  ['s00', 's01'],
  ['s10', 's11'],
];
const aggr = new Map();
for (const line of readFileSync(aggrFile, 'utf8').split('\n')) {
  const m = /common_pid:\s*(\d+), nr_regions:\s*(\d+) \} hitcount:\s*(\d+)/.exec(line);
  if (!m || Number(m[2]) === 0) continue;
  const list = aggr.get(m[1]) ?? [];
  list.push({ nr: Number(m[2]), n: Number(m[3]) / Number(m[2]) });
  aggr.set(m[1], list);
}
for (let k = 0; k < 2; k++) {
  const xs = [];
  const ys = [];
  for (let i = 1; i < rows.length; i++) {
    const dt = rows[i].t - rows[i - 1].t;
    if (dt <= 0) continue;
    const moved = schemesOf[k].reduce((a, s) => a + rows[i].applied[s] - rows[i - 1].applied[s], 0) / MiB;
    xs.push(moved / dt);
    ys.push((rows[i].cpu[k] - rows[i - 1].cpu[k]) / dt);
  }
  const f = fit(xs, ys);
  const usPerPage = (f.slope * 1e6) / 256;
  console.log(
    `${k}        ${f.intercept.toFixed(3).padStart(6)}              ${usPerPage.toFixed(1).padStart(6)}                    ${f.my.toFixed(3)}           ${f.mx.toFixed(2).padStart(6)}                 ${(f.slope * f.mx).toFixed(3)}`,
  );
}
console.log('kdamond  aggregations_per_s (nominal 10)  nr_regions p10 / p50 / p90');
pids.forEach((pid, k) => {
  const list = (aggr.get(pid) ?? []).sort((a, b) => a.nr - b.nr);
  const total = list.reduce((a, x) => a + x.n, 0);
  const q = (p) => {
    let acc = 0;
    for (const x of list) {
      acc += x.n;
      if (acc >= total * p) return x.nr;
    }
    return NaN;
  };
  console.log(`${k}        ${(total / span).toFixed(2).padStart(5)}                            ${q(0.1)} / ${q(0.5)} / ${q(0.9)}`);
});
