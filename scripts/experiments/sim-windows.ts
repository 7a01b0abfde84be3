/**
 * The simulator's side of an experiment, in the same table as summarize.mjs prints for the kernel:
 * per window, each cgroup's mean and stdev on node 0 (MiB) over the seeds, and the schemes' mean
 * effective quota. Run: node scripts/run-ts.mjs scripts/experiments/sim-windows.ts CONFIG SCENARIO
 *   [--duration SEC] [--seeds 1,2,3] [--window SEC]   (SCENARIO: a file or a built-in name)
 */
import { readFileSync } from 'node:fs';
import { prepareSimulation } from '../../server/src/core/sim/prepare';
import { builtinScenario } from '../../server/src/core/sim/scenario';
import { simulate } from '../../server/src/core/sim/engine';

const [configFile, scenarioArg, ...rest] = process.argv.slice(2);
if (!configFile || !scenarioArg) {
  console.error('usage: sim-windows.ts CONFIG SCENARIO [--duration SEC] [--seeds 1,2,3] [--window SEC]');
  process.exit(2);
}
const opt = (name: string, def: string): string => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 && rest[i + 1] ? rest[i + 1] : def;
};
const source = builtinScenario(scenarioArg) ? { builtin: scenarioArg } : { text: readFileSync(scenarioArg, 'utf8'), fileName: scenarioArg };
const prepared = prepareSimulation(readFileSync(configFile, 'utf8'), configFile, source);
if (!prepared.ok) {
  console.error(prepared.message);
  process.exit(1);
}
const duration = Number(opt('duration', String(prepared.scenario.durationSec)));
const seeds = opt('seeds', '1,2,3').split(',').map(Number);
const win = Number(opt('window', '600'));
const MiB = 1024 ** 2;
const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const t0 = Date.now();
const runs = seeds.map((seed) => simulate(prepared.kconfig, prepared.scenario, { seed, durationSec: duration }));
const cgroups = runs[0].cgroups;
console.log(`simulated ${duration} s x ${seeds.length} seeds (${seeds.join(',')}) of ${prepared.scenario.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`window_min  ${cgroups.map((c) => `${c}_node0_MiB(mean sd)`).join('  ')}  eff_quota_MiB(per scheme)`);
for (let a = 0; a < duration; a += win) {
  const cols: string[] = [];
  for (const c of cgroups) {
    const xs: number[] = [];
    for (const r of runs)
      r.series.t.forEach((t, i) => {
        if (t > a && t <= a + win) xs.push(r.series.usage[c]['0'][i] / MiB);
      });
    cols.push(`${mean(xs).toFixed(1).padStart(8)} ${sd(xs).toFixed(1).padStart(6)}`);
  }
  const eff = runs[0].series.schemes.map((s) => {
    const xs: number[] = [];
    for (const r of runs)
      r.series.t.forEach((t, i) => {
        if (t > a && t <= a + win) xs.push((r.series.schemes[runs[0].series.schemes.indexOf(s)].effectiveQuotaBytes[i] ?? Infinity) / MiB);
      });
    return mean(xs).toFixed(1);
  });
  console.log(`${String(a / 60).padStart(3)}-${String((a + win) / 60).padEnd(4)}  ${cols.join('   ')}   ${eff.join(' ')}`);
}
console.log('scheme  sz_tried_MiB  sz_applied_MiB  sz_ops_filter_passed_MiB  qt_exceeds  (mean of seeds)');
runs[0].stats.forEach((s, k) => {
  const m = (f: (x: typeof s) => number) => mean(runs.map((r) => f(r.stats[k])));
  console.log(
    `s${s.kdamond}${s.scheme}  ${(m((x) => x.szTried) / MiB).toFixed(0)}  ${(m((x) => x.szApplied) / MiB).toFixed(0)}  ${(m((x) => x.szOpsFilterPassed) / MiB).toFixed(0)}  ${m((x) => x.qtExceeds).toFixed(0)}`,
  );
});
