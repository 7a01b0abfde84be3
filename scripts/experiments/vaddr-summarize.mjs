#!/usr/bin/env node
// Summarizes a vaddr-demotion raw log (scripts/experiments/vaddr-demotion.sh on the kernel, or
// vaddr-sim.ts for the simulator, which writes the same format): the process's anon bytes on node 0
// over time, the time to band (first sample at or below the band, default 64 MiB on node 0, counted
// from the first sample) and how smooth the demotion was (the stdev of the bytes demoted per sample
// interval, from the first sample up to the band), the stdev of node 0 over the last 60 s (what
// `simulate` reports over its measurement window), then the scheme's sz_tried / sz_applied.
//   node scripts/experiments/vaddr-summarize.mjs RAW.log [--band MIB]
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: vaddr-summarize.mjs RAW.log [--band MIB]');
  process.exit(2);
}
const band = rest[0] === '--band' ? Number(rest[1]) : 64;
const MiB = 1024 * 1024;
/** runs: a log may hold several runs (the simulator's seeds), each starting with a "run NAME" line */
const runs = [];
let cur = null;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const w = line.trim().split(/\s+/);
  if (w[0] === 'run') {
    cur = { name: w.slice(1).join(' '), rows: [] };
    runs.push(cur);
    continue;
  }
  if (w[0] !== 't') continue;
  if (!cur) runs.push((cur = { name: 'kernel', rows: [] }));
  const n0 = w.find((x) => x.startsWith('N0='));
  const s = w.indexOf('s00');
  if (!n0 || s < 0) continue;
  const [eff, nrTried, szTried, szApplied] = w.slice(s + 1, s + 5).map(Number);
  cur.rows.push({ t: Number(w[1]), node0: Number(n0.slice(3)) / MiB, eff, nrTried, szTried, szApplied });
}
const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const sd = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const out = [];
for (const r of runs) {
  if (r.rows.length < 2) {
    console.error(`${file}: run ${r.name} has fewer than 2 samples`);
    process.exit(1);
  }
  const t0 = r.rows[0].t;
  const hit = r.rows.findIndex((x) => x.node0 <= band);
  const upto = hit < 0 ? r.rows.length - 1 : hit;
  const drops = [];
  for (let i = 1; i <= upto; i++) drops.push(Math.max(0, r.rows[i - 1].node0 - r.rows[i].node0));
  const at = r.rows[upto];
  const lastWin = r.rows.filter((x) => x.t > r.rows.at(-1).t - 60).map((x) => x.node0);
  const last = r.rows.at(-1);
  out.push({
    name: r.name,
    timeToBand: hit < 0 ? Infinity : r.rows[hit].t - t0,
    dropSd: drops.length ? sd(drops) : 0,
    dropMean: drops.length ? mean(drops) : 0,
    interval: (last.t - t0) / (r.rows.length - 1),
    triedAtBand: at.szTried / MiB,
    appliedAtBand: at.szApplied / MiB,
    tried: last.szTried / MiB,
    applied: last.szApplied / MiB,
    node0End: last.node0,
    winSd: sd(lastWin),
    secs: last.t - t0,
  });
}
console.log(`band: node 0 <= ${band} MiB; demotion per sample interval (about ${out[0].interval.toFixed(1)} s)`);
console.log('run  time_to_band_s  demoted_per_interval_MiB(mean sd)  sz_tried/sz_applied_MiB(at band)  (at end)  node0_end_MiB  node0_sd_last_60s_MiB');
for (const o of out)
  console.log(
    `${o.name}  ${Number.isFinite(o.timeToBand) ? o.timeToBand.toFixed(0) : `not in ${o.secs.toFixed(0)}`}  ${o.dropMean.toFixed(1)} ${o.dropSd.toFixed(1)}  ${o.triedAtBand.toFixed(0)}/${o.appliedAtBand.toFixed(0)}  ${o.tried.toFixed(0)}/${o.applied.toFixed(0)}  ${o.node0End.toFixed(1)}  ${o.winSd.toFixed(1)}`,
  );
if (out.length > 1) {
  const fin = out.filter((o) => Number.isFinite(o.timeToBand));
  console.log(
    `mean of ${out.length} runs: time to band ${fin.length ? mean(fin.map((o) => o.timeToBand)).toFixed(0) : '-'} s (${fin.length} reached it), demotion sd ${mean(out.map((o) => o.dropSd)).toFixed(1)} MiB, node 0 sd over the last 60 s ${mean(out.map((o) => o.winSd)).toFixed(1)} MiB`,
  );
}
