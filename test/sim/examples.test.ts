import { describe, expect, it } from 'vitest';
import { simulate } from '../../server/src/core/sim/engine';
import { GiB, configFile, scenarioFile } from './helpers';

describe('the per-cgroup tiering example on its scenario', () => {
  const r = simulate(configFile('examples/memcg-tiering.damon.yaml'), scenarioFile('examples/scenarios/memcg-tiering.yaml'), { seed: 1 });
  const row = (cg: string) => r.summary.find((s) => s.cgroup === cg && s.nid === 0)!;

  it('promotes /workloads/a from the slow node up to about its 29.7 % of node 0, not beyond', () => {
    const a = row('/workloads/a');
    expect(a.meanBytes).toBeGreaterThan(0.85 * a.targetBytes!);
    expect(a.meanBytes).toBeLessThan(1.1 * a.targetBytes!);
  });

  it('promotes the hot data of /workloads/b, whose whole 10 GiB fits under its 69.7 %', () => {
    const b = row('/workloads/b');
    expect(b.meanBytes).toBeGreaterThan(5 * GiB);
    expect(b.meanBytes).toBeLessThan(b.targetBytes!);
  });
});
