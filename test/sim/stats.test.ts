/**
 * DAMOS stats as the kernel accounts them (mm/damon/core.c damos_update_stat, paddr.c, vaddr.c):
 * sz_tried counts what the walk tried, sz_applied what the action did, and sz_ops_filter_passed only
 * where the ops layer counts it — every paddr action, vaddr's stat (6.18+), never vaddr's migrations.
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import { simulate } from '../../server/src/core/sim/engine';
import { tinyScenario } from './helpers';

function run(ops: 'paddr' | 'vaddr', action: string, kernel = '7.2') {
  const target = ops === 'paddr' ? '{pid: null, regions: [{start: 64 MiB, end: 128 MiB}]}' : '{pid: 11, regions: []}';
  const text = `kdamonds:
  - contexts:
      - ops: ${ops}
        targets: [${target}]
        intervals: {sample_us: 5 ms, aggr_us: 100 ms, ops_update_us: 1 s}
        nr_regions: {min: 10, max: 1000}
        schemes:
          - action: ${action}
            target_nid: 0
            access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 0, max: 0}, age: {min: 0, max: max}}
            apply_interval_us: 0
            quotas: {time_ms: 0, sz_bytes: 0, reset_interval_ms: 1 s}
            filters:
              - {filter_type: memcg, matching: true, allow: true, memcg_path: /a}
              - {filter_type: anon, matching: true, allow: false}
`;
  const k = checkText(text, { fileName: 'c.damon.yaml', kernel }).documents[0].kconfig!;
  return simulate(k, tinyScenario(kernel), { seed: 3, durationSec: 5 }).stats[0];
}

describe('scheme stats follow the kernel accounting', () => {
  it('paddr migrate_cold counts the bytes that passed the ops filters', () => {
    const s = run('paddr', 'migrate_cold');
    expect(s.szApplied).toBeGreaterThan(0);
    expect(s.szOpsFilterPassed).toBe(s.szApplied); // only /a passes; all of it moves to node 0
    expect(s.szTried).toBeGreaterThan(s.szApplied); // /b and free memory were tried too
  });

  it('vaddr migrate_cold applies the filters but reports sz_ops_filter_passed 0 (as 7.2 does)', () => {
    const s = run('vaddr', 'migrate_cold');
    expect(s.szApplied).toBeGreaterThan(0);
    expect(s.szOpsFilterPassed).toBe(0);
  });

  it('vaddr stat counts filter-passed bytes from 6.18 and nothing before', () => {
    const s = run('vaddr', 'stat', '7.2');
    expect(s.szApplied).toBe(0);
    expect(s.szOpsFilterPassed).toBeGreaterThan(0);
    expect(run('vaddr', 'stat', '6.17').szOpsFilterPassed).toBe(0);
  });
});

describe('CPU speed: a slow host completes fewer samples, aggregations and applications', () => {
  it('the same 20 s on a 0.05x CPU applies the scheme far fewer times than with a free CPU', () => {
    const text = `kdamonds:
  - contexts:
      - ops: paddr
        targets: [{pid: null, regions: [{start: 0, end: 128 MiB}]}]
        intervals: {sample_us: 5 ms, aggr_us: 100 ms, ops_update_us: 1 s}
        nr_regions: {min: 100, max: 1000}
        schemes: [{action: stat}]
`;
    const k = checkText(text, { fileName: 'c.damon.yaml' }).documents[0].kconfig!;
    const fast = tinyScenario();
    const slow = tinyScenario();
    slow.machine.nodes[0] = { ...slow.machine.nodes[0], cpus: 2, speed: 0.05 };
    const nFast = simulate(k, fast, { seed: 1, durationSec: 20 }).stats[0].nrTried;
    const nSlow = simulate(k, slow, { seed: 1, durationSec: 20 }).stats[0].nrTried;
    // 100+ regions cost at least (5 µs + 100 x 2 µs) / 0.05 = 4 ms more per 5 ms sample
    expect(nSlow).toBeLessThan(nFast * 0.7);
    expect(nSlow).toBeGreaterThan(nFast * 0.1);
  });
});
