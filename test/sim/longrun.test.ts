import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixText } from '../../server/src/cli/check';
import { checkText } from '../../server/src/core/index';
import { simulate } from '../../server/src/core/sim/engine';
import { builtinScenario } from '../../server/src/core/sim/scenario';
import type { SimResult } from '../../server/src/core/sim/result';
import { MiB, ROOT, configFile, scenarioFile } from './helpers';

/**
 * Long-run golden test (issue 15): the seed experiment at 1/30 scale ran for an hour on the real 7.2
 * kernel in the test VM (scripts/experiments/seed-vm-longrun.sh), twice; the summaries are in
 * scripts/experiments/results/seed-vm-longrun-7.2.txt and seed-vm-longrun-7.2-run2.txt. The simulator runs the same config on the
 * scenario that describes that VM, for an hour, on seeds 1-8, and must agree with the kernel: the
 * cgroups stay near their goals in every 10-minute window after convergence, and the memory moved is
 * of the kernel's order, not the tenfold churn the simulator produced before DAMON's own access
 * sampling aged the folios it samples.
 */

interface KernelWindow {
  from: number;
  to: number;
  a: number;
  b: number;
}

/** the kernel summary: the 10-minute window table (MiB on node 0) and sz_applied per scheme (MiB) */
function kernelSummary(file = 'seed-vm-longrun-7.2.txt'): { windows: KernelWindow[]; applied: Record<string, number> } {
  const text = readFileSync(join(ROOT, 'scripts/experiments/results', file), 'utf8');
  const lines = text.split('\n');
  const windows: KernelWindow[] = [];
  const applied: Record<string, number> = {};
  let i = lines.findIndex((l) => l.startsWith('window_min'));
  for (i++; i < lines.length && /^\s*\d+-\d+\s/.test(lines[i]); i++) {
    const [span, a, , b] = lines[i].trim().split(/\s+/);
    const [from, to] = span.split('-').map(Number);
    windows.push({ from, to, a: Number(a), b: Number(b) });
  }
  for (; i < lines.length && !lines[i].startsWith('#'); i++) {
    const m = /^(s\d\d)\s+(\d+)\s+(\d+)/.exec(lines[i]);
    if (m) applied[m[1]] = Number(m[3]);
  }
  return { windows, applied };
}

/** the kernel's region counts per kdamond (p10 / p50 / p90 over aggregations) from the cost run's summary */
function kernelRegions(file = 'seed-vm-cost-7.2.txt'): { p10: number; p50: number; p90: number }[] {
  const text = readFileSync(join(ROOT, 'scripts/experiments/results', file), 'utf8');
  const out: { p10: number; p50: number; p90: number }[] = [];
  for (const m of text.matchAll(/^(\d)\s+[\d.]+\s+(\d+) \/ (\d+) \/ (\d+)$/gm)) out[Number(m[1])] = { p10: Number(m[2]), p50: Number(m[3]), p90: Number(m[4]) };
  return out;
}
/** the span of the cost run (seed-vm-cost.sh --duration 840) */
const COST_RUN_SEC = 840;

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** mean node-0 usage (MiB) of a cgroup over (fromMin, toMin] */
function windowMean(r: SimResult, cgroup: string, fromMin: number, toMin: number): number {
  const xs: number[] = [];
  r.series.t.forEach((t, i) => {
    if (t > fromMin * 60 && t <= toMin * 60) xs.push(r.series.usage[cgroup]['0'][i] / MiB);
  });
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

describe('golden, long run: the seed experiment at 1/30 scale for an hour, kernel 7.2 vs simulator', () => {
  // two kernel runs of the same experiment: levels agree within 3 %, bytes moved differ 1.8-2.1x
  const kernels = [kernelSummary(), kernelSummary('seed-vm-longrun-7.2-run2.txt')];
  const kernel = kernels[0];
  const kernelMean = (f: (k: (typeof kernels)[number]) => number): number => kernels.reduce((a, k) => a + f(k), 0) / kernels.length;
  const config = configFile('scripts/experiments/seed-vm.damon.yaml');
  const scenario = scenarioFile('examples/scenarios/seed-vm-longrun.yaml');
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
  // region counts at every aggregation over the first 14 minutes, per kdamond (the cost run's span)
  const regions: number[][] = [[], []];
  const runs = SEEDS.map((seed) => {
    // the scenario's CPU is free: every aggregation (aggr_us 100 ms) comes on time
    const seen = [0, 0];
    return simulate(config, scenario, {
      seed,
      durationSec: 3600,
      onAggregated: (kd, _ctx, n) => {
        if (seen[kd]++ < (COST_RUN_SEC * 1e6) / 100_000) regions[kd].push(n);
      },
    });
  });
  // the goals as the simulator computes them (node 0's managed memory times the target)
  const goal = (cg: string): number => runs[0].summary.find((s) => s.cgroup === cg && s.nid === 0)!.targetBytes! / MiB;
  const CGS = [
    { cg: '/workload_a', key: 'a' as const, moved: 's10' },
    { cg: '/workload_b', key: 'b' as const, moved: 's01' },
  ];
  // after convergence: the kernel's first large move came at 4-5 min, its windows from 20 min on hold
  const held = kernel.windows.filter((w) => w.from >= 20);

  it('reads the kernel summaries: an hour in 10-minute windows, within 15 % of the goals from 20 minutes on, in both runs', () => {
    for (const k of kernels) {
      expect(k.windows.map((w) => w.to)).toEqual([10, 20, 30, 40, 50, 60]);
      for (const { cg, key } of CGS) for (const w of k.windows.filter((x) => x.from >= 20)) expect(Math.abs(w[key] / goal(cg) - 1)).toBeLessThan(0.15);
    }
  });

  it('holds both cgroups within 15 % of their goals in every window from 20 minutes on (median of seeds 1-8)', () => {
    for (const { cg } of CGS)
      for (const w of held) {
        const m = median(runs.map((r) => windowMean(r, cg, w.from, w.to)));
        expect(Math.abs(m / goal(cg) - 1), `${cg} ${w.from}-${w.to} min: ${m.toFixed(1)} MiB`).toBeLessThan(0.15);
      }
  });

  it('most seeds hold for the whole hour (the kernel did in both its runs)', () => {
    const holding = runs.filter((r) => CGS.every(({ cg }) => held.every((w) => Math.abs(windowMean(r, cg, w.from, w.to) / goal(cg) - 1) < 0.15)));
    // 7 of seeds 1-8 and 7 of seeds 9-16 hold (14 of 16); before THP folios lay in one aligned block 7 and 4,
    // before the folio young check 5 and 4
    expect(holding.length).toBeGreaterThanOrEqual(5);
  });

  it("keeps as many regions as the kernel's kdamonds (damon_aggregated in seed-vm-cost.sh's run): within 2x at p10, p50 and p90", () => {
    // before the young checks read the folio (a THP is young when any of its pages was accessed) the
    // hot windows fell apart into hundreds of regions: p50 16 and 493 against the kernel's 11 and 41
    const cost = kernelRegions();
    for (const kd of [0, 1]) {
      const xs = [...regions[kd]].sort((x, y) => x - y);
      const q = (f: number): number => xs[Math.floor(f * (xs.length - 1))];
      const k = cost[kd];
      for (const [f, kv] of [
        [0.1, k.p10],
        [0.5, k.p50],
        [0.9, k.p90],
      ] as const) {
        const why = `kdamond ${kd} p${f * 100}: kernel ${kv}, simulator ${q(f)}`;
        expect(q(f) / kv, why).toBeGreaterThan(0.5);
        expect(q(f) / kv, why).toBeLessThan(2);
      }
    }
  });

  it('lands within 10 % of the kernel over 30-60 minutes (median of seeds; mean of the two kernel runs)', () => {
    for (const { cg, key } of CGS) {
      const k = kernelMean((run) => {
        const late = run.windows.filter((w) => w.from >= 30);
        return late.reduce((a, w) => a + w[key], 0) / late.length;
      });
      const s = median(runs.map((r) => windowMean(r, cg, 30, 60)));
      expect(Math.abs(s / k - 1), `${cg}: kernel ${k.toFixed(1)}, simulator ${s.toFixed(1)} MiB`).toBeLessThan(0.1);
    }
  });

  it("moves as much memory as the kernel: b's promotion and a's demotion within 1.6x of the mean of the two kernel runs (median of seeds)", () => {
    // 1.3x / 1.3x; 1.8x / 2.0x while a THP folio's chunks were placed one by one (scattered over the
    // free memory, so DAMON's paddr regions saw hot and cold memory mixed), 2.6x / 3.0x of run 1 before that
    for (const { moved } of CGS) {
      const [kd, sc] = [Number(moved[1]), Number(moved[2])];
      const s = median(runs.map((r) => r.stats.find((x) => x.kdamond === kd && x.scheme === sc)!.szApplied / MiB));
      const k = kernelMean((run) => run.applied[moved]);
      expect(s / k, `${moved}: kernel ${k} MiB, simulator ${s.toFixed(0)} MiB`).toBeLessThan(1.6);
      expect(s / k).toBeGreaterThan(1 / 1.6);
    }
  });
});

/**
 * The same experiment with THP off in the guest (seed-vm-longrun.sh --thp never, 35 minutes): every
 * folio a 4 KiB page, aged by DAMON's sampling 512 times less often than a 2 MiB one. The kernel held;
 * the simulator's summary (seed-vm-longrun-nothp-sim.txt) was recorded before the kernel run ended.
 */
describe('golden, long run with 4 KiB folios: the seed experiment at 1/30 scale for 35 minutes, kernel 7.2 vs simulator', () => {
  const kernel = kernelSummary('seed-vm-longrun-7.2-nothp.txt');
  const config = configFile('scripts/experiments/seed-vm.damon.yaml');
  const scenario = scenarioFile('examples/scenarios/seed-vm-longrun-nothp.yaml');
  // region counts at every aggregation over the cost run's 13 minutes (seed-vm-cost.sh --thp never --duration 780)
  const regions: number[][] = [[], []];
  const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
    const seen = [0, 0];
    return simulate(config, scenario, {
      seed,
      durationSec: 2100,
      onAggregated: (kd, _ctx, n) => {
        if (seen[kd]++ < (780 * 1e6) / 100_000) regions[kd].push(n);
      },
    });
  });
  const goal = (cg: string): number => runs[0].summary.find((s) => s.cgroup === cg && s.nid === 0)!.targetBytes! / MiB;
  const CGS = [
    { cg: '/workload_a', key: 'a' as const, moved: 's10' },
    { cg: '/workload_b', key: 'b' as const, moved: 's01' },
  ];
  // the kernel's last window is 30-35 min (the run's end)
  const held = kernel.windows.filter((w) => w.from >= 10).map((w) => ({ ...w, to: Math.min(w.to, 35) }));

  it('reads the kernel summary: within 15 % of the goals from 10 minutes on', () => {
    expect(held.map((w) => w.from)).toEqual([10, 20, 30]);
    for (const { cg, key } of CGS) for (const w of held) expect(Math.abs(w[key] / goal(cg) - 1)).toBeLessThan(0.15);
  });

  it('holds like the kernel: the median of seeds in every window, and most seeds throughout, within 15 % of the goals', () => {
    for (const { cg } of CGS)
      for (const w of held) {
        const m = median(runs.map((r) => windowMean(r, cg, w.from, w.to)));
        expect(Math.abs(m / goal(cg) - 1), `${cg} ${w.from}-${w.to} min: ${m.toFixed(1)} MiB`).toBeLessThan(0.15);
      }
    const holding = runs.filter((r) => CGS.every(({ cg }) => held.every((w) => Math.abs(windowMean(r, cg, w.from, w.to) / goal(cg) - 1) < 0.15)));
    expect(holding.length).toBeGreaterThanOrEqual(5);
  });

  it("keeps as many regions as the kernel's kdamonds with 4 KiB folios: p50 and p90 within 2x (seed-vm-cost-7.2-nothp.txt)", () => {
    // hot windows of 4 KiB pages are seen in a tenth of the samples and fall apart into hundreds of
    // regions on the kernel too (node-0 kdamond p50 485); its p10 (16) is not matched: the simulator
    // fragments from the first minute
    const cost = kernelRegions('seed-vm-cost-7.2-nothp.txt');
    for (const kd of [0, 1]) {
      const xs = [...regions[kd]].sort((x, y) => x - y);
      const q = (f: number): number => xs[Math.floor(f * (xs.length - 1))];
      for (const [f, kv] of [
        [0.5, cost[kd].p50],
        [0.9, cost[kd].p90],
      ] as const) {
        const why = `kdamond ${kd} p${f * 100}: kernel ${kv}, simulator ${q(f)}`;
        expect(q(f) / kv, why).toBeGreaterThan(0.5);
        expect(q(f) / kv, why).toBeLessThan(2);
      }
    }
  });

  it("lands within 10 % of the kernel over 10-35 minutes and moves memory within 4x of the kernel's (medians of seeds)", () => {
    for (const { cg, key, moved } of CGS) {
      const k = (held[0][key] * 10 + held[1][key] * 10 + held[2][key] * 5) / 25;
      const s = median(runs.map((r) => windowMean(r, cg, 10, 35)));
      expect(Math.abs(s / k - 1), `${cg}: kernel ${k.toFixed(1)}, simulator ${s.toFixed(1)} MiB`).toBeLessThan(0.1);
      const [kd, sc] = [Number(moved[1]), Number(moved[2])];
      const applied = median(runs.map((r) => r.stats.find((x) => x.kdamond === kd && x.scheme === sc)!.szApplied / MiB));
      expect(applied / kernel.applied[moved], `${moved}: kernel ${kernel.applied[moved]} MiB, simulator ${applied.toFixed(0)} MiB`).toBeLessThan(4);
      expect(applied / kernel.applied[moved]).toBeGreaterThan(1 / 4);
    }
  });
});

/**
 * The same experiment with goals that overlap more (seed-vm-overlap.damon.yaml: /workload_a's demotion
 * goal at node_memcg_free_bp 91 %, so a's promotion wants up to 9.7 % of node 0 and its demotion down to
 * 9 %): while a sits between its goals both consist tuners wind up, and a's demotion quota, whose filters
 * admit "memcg a OR not young", strips b. The simulator predicted the fall before the kernel run
 * (seed-vm-overlap-sim.txt); the kernel run (seed-vm-longrun.sh --duration 1800 --config ...) fell harder.
 * This is the mechanism of the simulator's collapse of the 30 GiB seed scenario (docs/simulator.md).
 */
describe('golden, 30 minutes with overlapping goals: the kernel and the simulator both let b fall', () => {
  const kernel = kernelSummary('seed-vm-overlap-7.2.txt');
  const config = configFile('scripts/experiments/seed-vm-overlap.damon.yaml');
  const scenario = scenarioFile('examples/scenarios/seed-vm-longrun.yaml');
  const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => simulate(config, scenario, { seed, durationSec: 1800 }));
  const goalB = runs[0].summary.find((s) => s.cgroup === '/workload_b' && s.nid === 0)!.targetBytes! / MiB;
  const late = kernel.windows.filter((w) => w.from >= 10);

  it('reads the kernel summary: b under 80 % of its goal over 10-30 minutes (the RFC goals: 99 % and 97 % in the two hour-long runs)', () => {
    expect(late.map((w) => w.from)).toEqual([10, 20]);
    const b = late.reduce((a, w) => a + w.b, 0) / late.length;
    expect(b / goalB, `kernel ${b.toFixed(1)} MiB`).toBeLessThan(0.8);
  });

  it('lets b fall too: the median of seeds 1-8 under 88 % of its goal over 10-30 minutes (within 15 % with the RFC goals)', () => {
    const b = median(runs.map((r) => windowMean(r, '/workload_b', 10, 30)));
    expect(b / goalB, `simulator ${b.toFixed(1)} MiB`).toBeLessThan(0.88);
  });

  it("moves memory of the kernel's order: a's demotion within 4x of the kernel's (median of seeds)", () => {
    const s = median(runs.map((r) => r.stats.find((x) => x.kdamond === 1 && x.scheme === 0)!.szApplied / MiB));
    expect(s / kernel.applied.s10, `s10: kernel ${kernel.applied.s10} MiB, simulator ${s.toFixed(0)} MiB`).toBeLessThan(4);
    expect(s / kernel.applied.s10).toBeGreaterThan(1 / 4);
  });
});

/**
 * The 30 GiB seed scenario for an hour, with the seed RFC's test script as `damon-config check --fix`
 * leaves it (the filters in their AND form, a 200 MiB size quota per scheme). The script as measured
 * (OR filters, consist tuners with no size quota, goals that overlap) falls after 20-40 minutes in the
 * simulator, by the mechanism the kernel showed on the VM with overlapping goals (the block above); no
 * kernel run at 30 GiB exists to say what it does there, so that fall is not asserted. What the check's
 * fixes leave is what a user runs: the kernel held the same schemes for an hour at 1/30 scale, and the
 * simulator must hold them at full scale too.
 */
describe('long run at the seed scale: the seed test script with the quick fixes applied holds its goals for an hour', () => {
  const file = 'examples/seed-test-script.damon.yaml';
  const fixed = fixText(file, readFileSync(join(ROOT, file), 'utf8'), {});
  const checked = checkText(fixed.text, { fileName: file });
  const scenario = builtinScenario('seed-memcg-tiering')!;
  const SEEDS = [1, 2, 3, 4];
  const runs = SEEDS.map((seed) => simulate(checked.documents[0].kconfig!, scenario, { seed, durationSec: 3600 }));
  const goal = (cg: string): number => runs[0].summary.find((s) => s.cgroup === cg && s.nid === 0)!.targetBytes! / MiB;
  const WINDOWS = [20, 30, 40, 50].map((from) => ({ from, to: from + 10 }));

  it('the fixes are the filters in AND form and the size quotas, and nothing is left to warn about', () => {
    expect(fixed.applied.filter((a) => a.startsWith('[filter-admits-outside-goal-cgroup]'))).toHaveLength(4);
    expect(fixed.applied.filter((a) => a.startsWith('[quota-goal-consist-overshoot]'))).toHaveLength(4);
    expect(checked.documents[0].diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning')).toEqual([]);
  });

  it('holds both cgroups within 15 % of their goals in every 10-minute window from 20 minutes on (median of seeds 1-4)', () => {
    for (const cg of ['/workload_a', '/workload_b']) {
      for (const w of WINDOWS) {
        const m = median(runs.map((r) => windowMean(r, cg, w.from, w.to)));
        expect(Math.abs(m / goal(cg) - 1), `${cg} ${w.from}-${w.to} min: ${m.toFixed(0)} MiB, goal ${goal(cg).toFixed(0)} MiB`).toBeLessThan(0.15);
      }
    }
  });

  it('every seed holds both cgroups within 15 % in the last half hour', () => {
    for (const [i, r] of runs.entries()) {
      for (const cg of ['/workload_a', '/workload_b']) {
        const m = windowMean(r, cg, 30, 60);
        expect(Math.abs(m / goal(cg) - 1), `seed ${SEEDS[i]} ${cg} 30-60 min: ${m.toFixed(0)} MiB`).toBeLessThan(0.15);
      }
    }
  });
});
