/**
 * Converged quota goal values (result.goals): each goal's metric averaged over the same measurement
 * window as the seed's table, in the metric's unit, keyed by the goal's place in the config. The
 * editor shows them as "sim 9.8 %" inlay hints next to each goal.
 */
import { describe, expect, it } from 'vitest';
import type { KConfig } from '../../server/src/core/model/kernel';
import { simulate } from '../../server/src/core/sim/engine';
import { builtinScenario } from '../../server/src/core/sim/scenario';
import { configFile, context, MiB, scheme, tinyScenario } from './helpers';

describe('converged goal values', () => {
  it('hand-computed: a user_input goal keeps its value, a memcg goal is the cgroup share of the node in bp', () => {
    // /a is 16 MiB on node 1 (64 MiB): 2500 bp; stat moves nothing, so every window sample is 2500
    const config: KConfig = {
      kdamonds: [
        {
          refreshMs: 0,
          contexts: [
            context({
              regions: [{ start: 64 * MiB, end: 128 * MiB }],
              schemes: [
                scheme({
                  action: 'stat',
                  quota: { ...scheme().quota, bytes: MiB, goals: [{ metric: 'user_input', targetValue: 5000, currentValue: 1234, nid: null, path: null }] },
                }),
                scheme({
                  action: 'stat',
                  quota: {
                    ...scheme().quota,
                    bytes: MiB,
                    goals: [
                      { metric: 'node_memcg_used_bp', targetValue: 3000, currentValue: 0, nid: 1, path: '/a' },
                      { metric: 'node_memcg_free_bp', targetValue: 7000, currentValue: 0, nid: 1, path: '/b' },
                    ],
                  },
                }),
              ],
            }),
          ],
        },
      ],
    };
    const r = simulate(config, tinyScenario(), { seed: 3 });
    expect(r.goals.map((g) => [g.configPath.join('/'), g.metric, g.meanValue, g.stdevValue, g.samples])).toEqual([
      ['kdamonds/0/contexts/0/schemes/0/quotas/goals/0', 'user_input', 1234, 0, 5],
      ['kdamonds/0/contexts/0/schemes/1/quotas/goals/0', 'node_memcg_used_bp', 2500, 0, 5],
      ['kdamonds/0/contexts/0/schemes/1/quotas/goals/1', 'node_memcg_free_bp', 7500, 0, 5],
    ]);
    expect(r.goals[1]).toMatchObject({
      kdamond: 0,
      context: 0,
      scheme: 1,
      goal: 0,
      nid: 1,
      path: '/a',
      targetValue: 3000,
      windowStartSec: 6,
      windowEndSec: 10,
    });
  });

  it('seed experiment: the mean of each goal series over the table window, agreeing with the table', () => {
    const config = configFile('examples/seed-test-script.damon.yaml');
    const sc = builtinScenario('seed-memcg-tiering')!;
    const r = simulate(config, sc, { seed: 5 });
    // two kdamonds x two schemes x one goal
    expect(r.goals.map((g) => g.configPath.join('/'))).toEqual([
      'kdamonds/0/contexts/0/schemes/0/quotas/goals/0',
      'kdamonds/0/contexts/0/schemes/1/quotas/goals/0',
      'kdamonds/1/contexts/0/schemes/0/quotas/goals/0',
      'kdamonds/1/contexts/0/schemes/1/quotas/goals/0',
    ]);
    const row = r.summary.find((s) => s.cgroup === '/workload_a' && s.nid === 0)!;
    const node0 = r.nodes.find((n) => n.nid === 0)!.managedBytes;
    for (const g of r.goals) {
      // the same instants as the table
      expect([g.windowStartSec, g.windowEndSec, g.samples]).toEqual([row.windowStartSec, row.windowEndSec, row.samples]);
      const series = r.series.schemes.find((s) => s.kdamond === g.kdamond && s.scheme === g.scheme)!.goals[g.goal].current;
      const at = r.series.t.flatMap((t, i) => (t >= g.windowStartSec && t <= g.windowEndSec && (t - g.windowStartSec) % 5 === 0 ? [series[i]] : []));
      expect(at).toHaveLength(g.samples);
      expect(g.meanValue).toBe(Math.round(at.reduce((a, b) => a + b, 0) / at.length));
    }
    // the promotion goal of /workload_a measures what the table shows, as bp of node 0 (within the
    // lag of one quota reset interval between the goal's measurement and the table's read)
    const used = r.goals.find((g) => g.metric === 'node_memcg_used_bp' && g.path === '/workload_a')!;
    const tableBp = (row.meanBytes * 10000) / node0;
    expect(Math.abs(used.meanValue! - tableBp) / tableBp).toBeLessThan(0.1);
    // and it is near its target (the seed's 9.7 %): the inlay hint reads about "sim 9.x %"
    expect(used.targetValue).toBe(970);
    expect(used.meanValue!).toBeGreaterThan(700);
    expect(used.meanValue!).toBeLessThan(1300);
  });
});
