/**
 * The simulator's side of the vaddr demotion experiment: runs CONFIG on SCENARIO for each seed and
 * writes the kernel recorder's log format (one "run seed N" block per seed, a "t" line every 5 s:
 * the first cgroup's bytes per node, the first scheme's effective quota and cumulative
 * nr_tried / sz_tried / sz_applied), so scripts/experiments/vaddr-summarize.mjs reads both alike.
 *   node scripts/run-ts.mjs scripts/experiments/vaddr-sim.ts CONFIG SCENARIO [--seeds 1,2,3] [--duration SEC] > sim.log
 */
import { readFileSync } from 'node:fs';
import { prepareSimulation } from '../../server/src/core/sim/prepare';
import { simulate } from '../../server/src/core/sim/engine';

const [configFile, scenarioFile, ...rest] = process.argv.slice(2);
if (!configFile || !scenarioFile) {
  console.error('usage: vaddr-sim.ts CONFIG SCENARIO [--seeds 1,2,3] [--duration SEC]');
  process.exit(2);
}
const opt = (name: string, def: string): string => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 && rest[i + 1] ? rest[i + 1] : def;
};
const prepared = prepareSimulation(readFileSync(configFile, 'utf8'), configFile, { text: readFileSync(scenarioFile, 'utf8'), fileName: scenarioFile });
if (!prepared.ok) {
  console.error(prepared.message);
  process.exit(1);
}
const { kconfig, scenario } = prepared;
const duration = Number(opt('duration', String(scenario.durationSec)));
const STEP = 5;
for (const seed of opt('seeds', '1,2,3').split(',').map(Number)) {
  console.log(`run seed ${seed}`);
  const at: { t: number; nrTried: number; szTried: number; szApplied: number; szOfp: number; qt: number }[] = [];
  const r = simulate(kconfig, scenario, {
    seed,
    durationSec: duration,
    onRecord: (t, stats) => {
      const s = stats[0];
      at.push({ t, nrTried: s.nrTried, szTried: s.szTried, szApplied: s.szApplied, szOfp: s.szOpsFilterPassed, qt: s.qtExceeds });
    },
  });
  const c = r.cgroups[0];
  r.series.t.forEach((t, i) => {
    if (Math.round(t) % STEP !== 0) return;
    const s = at[i];
    const n1 = r.series.usage[c]['1']?.[i] ?? 0;
    const eff = r.series.schemes[0].effectiveQuotaBytes[i] ?? 0;
    console.log(`t ${t.toFixed(2)} a N0=${r.series.usage[c]['0'][i]} N1=${n1} s00 ${eff} ${s.nrTried} ${s.szTried} ${s.szApplied} ${s.szOfp} ${s.qt}`);
  });
}
