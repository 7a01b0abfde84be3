/**
 * Simulator speed bench: the seed scenario with the seed's test-script config, 10 simulated
 * minutes, on the seed's 60 GiB machine and on the same machine scaled to 600 GiB (every size x10).
 * Cost must follow the number of regions, not memory size. Then 2 simulated hours of the seed machine
 * (issue 15's second target: at most 15 s). Run: npm run bench:sim
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkText } from '../server/src/core/index';
import type { KConfig } from '../server/src/core/model/kernel';
import { seedScenario } from '../server/src/core/sim/builtin';
import { simulate } from '../server/src/core/sim/engine';

const root = join(__dirname, '..');
const base = checkText(readFileSync(join(root, 'examples/seed-test-script.damon.yaml'), 'utf8'), { fileName: 'seed-test-script.damon.yaml' }).documents[0]
  .kconfig!;

/** the same config for the scaled machine: kdamond 0 watches node 1, kdamond 1 node 0 above 4 GiB */
function configFor(scale: number): KConfig {
  const k: KConfig = JSON.parse(JSON.stringify(base));
  const sc = seedScenario({ scale });
  const n0 = sc.machine.nodes[0].ranges[1];
  const n1 = sc.machine.nodes[1].ranges[0];
  k.kdamonds[0].contexts[0].targets[0].regions = [{ start: n1.start, end: n1.end }];
  k.kdamonds[1].contexts[0].targets[0].regions = [{ start: n0.start, end: n0.end }];
  return k;
}

const seeds = [1, 2, 3];
const rows: { scale: number; memGiB: number; cpuMs: number; wallMs: number; regions: number; chunkBytes: number }[] = [];
for (const scale of [1, 10]) {
  const k = configFor(scale);
  let cpu = 0;
  let wall = 0;
  let regions = 0;
  let chunk = 0;
  for (const seed of seeds) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const r = simulate(k, seedScenario({ scale }), { seed, durationSec: 600 });
    wall += performance.now() - w0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    regions += r.series.regions.reduce((a, g) => a + g.nr.reduce((x, y) => x + y, 0) / g.nr.length, 0);
    chunk = r.chunkBytes;
  }
  rows.push({ scale, memGiB: 60 * scale, cpuMs: cpu / seeds.length, wallMs: wall / seeds.length, regions: regions / seeds.length, chunkBytes: chunk });
}
const rssMiB = process.resourceUsage().maxRSS / 1024;
console.log('simulator bench: seed scenario + seed test-script config, 600 s simulated, mean of seeds', seeds.join(','));
console.log('machine   chunk     cpu/run    wall/run   mean regions (both kdamonds)');
for (const r of rows)
  console.log(
    `${String(r.memGiB).padStart(4)} GiB  ${String(r.chunkBytes / 1024 ** 2).padStart(3)} MiB  ${r.cpuMs.toFixed(0).padStart(7)} ms  ${r.wallMs.toFixed(0).padStart(7)} ms  ${r.regions.toFixed(0).padStart(6)}`,
  );
console.log(`600 GiB / 60 GiB cpu ratio: ${(rows[1].cpuMs / rows[0].cpuMs).toFixed(2)}; peak RSS ${rssMiB.toFixed(0)} MiB`);
{
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  simulate(configFor(1), seedScenario(), { seed: 1, durationSec: 7200 });
  const c = process.cpuUsage(c0);
  console.log(
    `60 GiB, 2 h simulated (seed 1): cpu ${((c.user + c.system) / 1000).toFixed(0)} ms, wall ${(performance.now() - w0).toFixed(0)} ms; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}
