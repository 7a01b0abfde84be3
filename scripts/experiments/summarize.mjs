#!/usr/bin/env node
// Summarizes a seed-vm-longrun.sh raw log: per 10-minute window, the mean and stdev of each cgroup's
// anon bytes on node 0 (MiB) and the schemes' mean effective quota; then the moved bytes.
//   node scripts/experiments/summarize.mjs RAW.log [--window SEC]
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: summarize.mjs RAW.log [--window SEC]');
  process.exit(2);
}
const win = rest[0] === '--window' ? Number(rest[1]) : 600;
const MiB = 1024 * 1024;
const rows = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const w = line.trim().split(/\s+/);
  if (w[0] !== 't') continue;
  const r = { t: Number(w[1]), node0: {}, schemes: [] };
  for (let i = 2; i < w.length; i++) {
    if (w[i] === 'a' || w[i] === 'b') {
      const n0 = /^N0=(\d+)$/.exec(w[i + 1] ?? '');
      if (n0) r.node0[w[i]] = Number(n0[1]) / MiB;
    } else if (/^s\d\d$/.test(w[i])) {
      const [eff, nrTried, szTried, szApplied, szOfp, qtEx] = w.slice(i + 1, i + 7).map(Number);
      r.schemes.push({ id: w[i], eff, nrTried, szTried, szApplied, szOfp, qtEx });
      i += 6;
    }
  }
  if (r.node0.a !== undefined && r.node0.b !== undefined) rows.push(r);
}
if (rows.length === 0) {
  console.error(`${file}: no samples`);
  process.exit(1);
}
const t0 = rows[0].t;
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
console.log(`samples ${rows.length}, ${((rows.at(-1).t - t0) / 60).toFixed(1)} min`);
console.log('window_min  a_node0_MiB(mean sd)  b_node0_MiB(mean sd)  eff_quota_MiB(s00 s01 s10 s11)');
for (let s = 0; s <= rows.at(-1).t - t0; s += win) {
  const w = rows.filter((r) => r.t - t0 >= s && r.t - t0 < s + win);
  if (w.length === 0) continue;
  const a = w.map((r) => r.node0.a),
    b = w.map((r) => r.node0.b);
  const eff = [0, 1, 2, 3].map((k) => mean(w.map((r) => (r.schemes[k]?.eff ?? 0) / MiB)).toFixed(1));
  console.log(
    `${String(s / 60).padStart(3)}-${String((s + win) / 60).padEnd(4)}  ${mean(a).toFixed(1).padStart(7)} ${sd(a).toFixed(1).padStart(6)}   ${mean(b).toFixed(1).padStart(7)} ${sd(b).toFixed(1).padStart(6)}   ${eff.join(' ')}`,
  );
}
const last = rows.at(-1);
console.log('scheme  sz_tried_MiB  sz_applied_MiB  sz_ops_filter_passed_MiB  qt_exceeds');
for (const s of last.schemes)
  console.log(`${s.id}  ${(s.szTried / MiB).toFixed(0)}  ${(s.szApplied / MiB).toFixed(0)}  ${(s.szOfp / MiB).toFixed(0)}  ${s.qtEx}`);
