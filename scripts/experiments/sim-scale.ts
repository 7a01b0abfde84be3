/**
 * The VM long-run experiment (seed-vm.damon.yaml on examples/scenarios/seed-vm-longrun.yaml) scaled up:
 * every size of the machine, the processes and the monitored ranges times SCALE, every ratio kept (the
 * goals are fractions of a node, the hot window a tenth of a process, the kernel's memory the same
 * share of node 0), the chunk SCALE times larger up to 2 MiB. Prints per seed the 10-minute means of
 * both cgroups on node 0 and whether every window from 20 minutes on is within 15 % of both goals.
 *   node scripts/run-ts.mjs scripts/experiments/sim-scale.ts --scale 10 [--seeds 1,2,3] [--duration SEC] [--chunk-kib N]
 *     [--alloc lifo|buddy|random] [--thp on|off]   (the scenario's allocPolicy and thp)
 * With --seed-scenario it runs the 30 GiB seed scenario (examples/seed-test-script.damon.yaml on the
 * built-in seed-memcg-tiering) unscaled instead, with the same per-seed windows and verdict.
 */
import { readFileSync } from 'node:fs';
import { prepareSimulation } from '../../server/src/core/sim/prepare';
import { simulate } from '../../server/src/core/sim/engine';
import { chooseChunkBytes } from '../../server/src/core/sim/machine';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const K = Number(opt('scale', '1'));
const duration = Number(opt('duration', '3600'));
const seeds = opt('seeds', '1,2,3').split(',').map(Number);
if (!(K >= 1)) {
  console.error('sim-scale.ts: --scale wants a number >= 1');
  process.exit(2);
}
const seedScenario = args.includes('--seed-scenario');
const configPath = seedScenario ? 'examples/seed-test-script.damon.yaml' : 'scripts/experiments/seed-vm.damon.yaml';
const scenarioPath = 'examples/scenarios/seed-vm-longrun.yaml';
const prepared = prepareSimulation(
  readFileSync(configPath, 'utf8'),
  configPath,
  seedScenario ? { builtin: 'seed-memcg-tiering' } : { text: readFileSync(scenarioPath, 'utf8'), fileName: scenarioPath },
);
if (!prepared.ok) {
  console.error(prepared.message);
  process.exit(1);
}
const MiB = 1024 ** 2;
// page-aligned multiples
const up = (x: number): number => Math.round((x * K) / 4096) * 4096;
const sc = prepared.scenario;
if (seedScenario && K !== 1) {
  console.error('sim-scale.ts: --seed-scenario runs the seed scenario as it is (no --scale)');
  process.exit(2);
}
for (const n of sc.machine.nodes) {
  n.sizeBytes = up(n.sizeBytes);
  n.ranges = n.ranges.map((r) => ({ start: up(r.start), end: up(r.end) }));
  if (n.reservedBytes !== undefined) n.reservedBytes = up(n.reservedBytes);
  if (n.otherUsedBytes !== undefined) n.otherUsedBytes = up(n.otherUsedBytes);
}
// the chunk SCALE times larger (the largest power of two up to that), at most 2 MiB, unless --chunk-kib
const chunk0 = sc.machine.chunkBytes ?? 64 * 1024;
let chunk = chunk0;
while (chunk * 2 <= Math.min(2 * MiB, chunk0 * K)) chunk *= 2;
if (args.includes('--chunk-kib')) chunk = Number(opt('chunk-kib', '64')) * 1024;
if (seedScenario) chunk = sc.machine.chunkBytes ?? chooseChunkBytes(sc);
sc.machine.chunkBytes = chunk;
if (args.includes('--thp')) sc.machine.thp = opt('thp', 'on') === 'on';
if (args.includes('--alloc')) sc.machine.allocPolicy = opt('alloc', 'lifo') as 'lifo' | 'buddy' | 'random';
for (const p of sc.processes) p.sizeBytes = up(p.sizeBytes);
for (const kd of prepared.kconfig.kdamonds)
  for (const c of kd.contexts) for (const t of c.targets) t.regions = t.regions.map((r) => ({ ...r, start: up(r.start), end: up(r.end) }));
const mean = (xs: number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
let holding = 0;
console.log(
  `${seedScenario ? sc.name : `seed-vm-longrun x${K}`}: nodes of ${(sc.machine.nodes[0].sizeBytes / MiB).toFixed(0)} MiB, chunk ${chunk / 1024} KiB, ${sc.machine.allocPolicy ?? 'lifo'} allocator, thp ${sc.machine.thp ? 'on' : 'off'}, ${duration} s`,
);
for (const seed of seeds) {
  const r = simulate(prepared.kconfig, sc, { seed, durationSec: duration });
  const goal = (cg: string): number => r.summary.find((s) => s.cgroup === cg && s.nid === 0)!.targetBytes! / MiB;
  const cgs = ['/workload_a', '/workload_b'];
  const wins: string[] = [];
  let held = true;
  for (let a = 0; a < duration; a += 600) {
    const m = cgs.map((cg) => mean(r.series.t.flatMap((t, i) => (t > a && t <= a + 600 ? [r.series.usage[cg]['0'][i] / MiB] : []))));
    if (a >= 1200 && m.some((x, i) => Math.abs(x / goal(cgs[i]) - 1) >= 0.15)) held = false;
    wins.push(m.map((x) => x.toFixed(0)).join('/'));
  }
  if (held) holding++;
  const moved = r.stats.map((s) => (s.szApplied / 1024 ** 3).toFixed(1)).join(' / ');
  console.log(
    `seed ${seed}: ${held ? 'holds' : 'falls'}; goals ${cgs.map((cg) => goal(cg).toFixed(0)).join('/')} MiB; 10-min means ${wins.join(' ')}; moved GiB ${moved}`,
  );
}
console.log(`${holding} of ${seeds.length} seeds hold`);
