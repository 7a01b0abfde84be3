import { describe, expect, it } from 'vitest';
import { seedScenario } from '../../server/src/core/sim/builtin';
import { simulate } from '../../server/src/core/sim/engine';
import { GiB, MiB, configFile, scenarioFile } from './helpers';

// The seed RFC's table: node 0 usage after convergence, 42 reads 5 s apart.
const MEASURED = { '/workload_a': { mean: 2.79 * GiB, stdev: 522.06 * MiB }, '/workload_b': { mean: 5.15 * GiB, stdev: 739.1 * MiB } } as const;

describe('golden: the seed experiment (seed-test-script config on the seed-memcg-tiering scenario)', () => {
  const config = configFile('examples/seed-test-script.damon.yaml');
  // single runs vary a lot (one hot region rotating per minute); the fidelity claim is about the average of 8 seeds
  const runs = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => simulate(config, seedScenario(), { seed }));

  it('converges within a few minutes and stays near the measured means (within 10 % over seeds)', () => {
    for (const cg of ['/workload_a', '/workload_b'] as const) {
      const rows = runs.map((r) => r.summary.find((s) => s.cgroup === cg && s.nid === 0)!);
      for (const row of rows) {
        expect(row.samples).toBe(42);
        expect(row.convergedAtSec).not.toBeNull();
        expect(row.convergedAtSec!).toBeLessThan(400);
        // every single run lands in the right region, not only the average
        expect(Math.abs(row.meanBytes / MEASURED[cg].mean - 1)).toBeLessThan(0.25);
        // it keeps moving, like the seed's sawtooth, but does not blow up
        expect(row.stdevBytes).toBeGreaterThan(100 * MiB);
        expect(row.stdevBytes).toBeLessThan(4 * MEASURED[cg].stdev);
      }
      const mean = rows.reduce((a, r) => a + r.meanBytes, 0) / rows.length;
      expect(Math.abs(mean / MEASURED[cg].mean - 1)).toBeLessThan(0.1);
    }
  });

  it('starts with nothing migrated until the consist feedback raises the quota above a page', () => {
    const r = runs[0];
    const i30 = r.series.t.indexOf(30);
    expect(r.series.usage['/workload_a']['0'][i30]).toBe(10 * GiB);
    expect(r.series.usage['/workload_b']['0'][i30]).toBe(10 * GiB);
    const demoteA = r.stats.find((s) => s.kdamond === 1 && s.scheme === 0)!;
    expect(demoteA.nrTried).toBeGreaterThan(0);
    expect(demoteA.szApplied).toBeLessThanOrEqual(demoteA.szTried);
    for (const rg of r.regions) expect(rg.max).toBeLessThanOrEqual(1000);
  });

  it('is deterministic for a seed and reports it', () => {
    const again = simulate(config, seedScenario(), { seed: 2, durationSec: 200 });
    const once = simulate(config, seedScenario(), { seed: 2, durationSec: 200 });
    expect(again.seed).toBe(2);
    expect(again.series.usage).toEqual(once.series.usage);
    const other = simulate(config, seedScenario(), { seed: 3, durationSec: 200 });
    expect(other.series.usage).not.toEqual(once.series.usage);
  });

  it('the scenario file in examples/ is the built-in scenario', () => {
    expect(scenarioFile('examples/scenarios/seed-memcg-tiering.yaml')).toMatchObject({
      machine: { nodes: seedScenario().machine.nodes, cgroups: seedScenario().machine.cgroups },
      processes: seedScenario().processes,
      durationSec: 600,
    });
  });
});

describe('what the real 7.2 kernel does on the test host (kernel-test-host.md)', () => {
  const sc = scenarioFile('examples/scenarios/test-host-small.yaml');
  const at = (r: ReturnType<typeof simulate>, cg: string) => {
    const xs = r.series.usage[cg]['0'];
    return xs.slice(-20).reduce((a, b) => a + b, 0) / 20;
  };
  const target = (r: ReturnType<typeof simulate>) => r.summary[0].targetBytes!;

  it('consist without a size quota overshoots the memcg goal by tens of percent', () => {
    const r = simulate(configFile('examples/scenarios/test-host-and-consist.damon.yaml'), sc, { seed: 1 });
    expect(at(r, '/workload_a') / target(r)).toBeGreaterThan(1.2);
    expect(at(r, '/workload_b')).toBe(0);
  });

  it('temporal with a size quota lands within a few percent: at most one window of quota (8 MiB) over', () => {
    const r = simulate(configFile('examples/scenarios/test-host-and-temporal.damon.yaml'), sc, { seed: 1 });
    expect(at(r, '/workload_a')).toBeGreaterThanOrEqual(target(r) * 0.99);
    expect(at(r, '/workload_a')).toBeLessThanOrEqual(target(r) + 8 * MiB);
    expect(at(r, '/workload_b')).toBe(0);
  });

  it("'allow memcg A; allow young' (OR) moves the other cgroup's pages too; the AND form does not", () => {
    const or = simulate(configFile('examples/scenarios/test-host-or-temporal.damon.yaml'), sc, { seed: 1 });
    expect(Math.abs(at(or, '/workload_a') / target(or) - 1)).toBeLessThan(0.1);
    expect(at(or, '/workload_b')).toBeGreaterThan(32 * MiB);
  });
});
