/**
 * DAMOS stats as the kernel accounts them (mm/damon/core.c damos_update_stat, paddr.c, vaddr.c):
 * sz_tried counts what the walk tried, sz_applied what the action did, and sz_ops_filter_passed only
 * where the ops layer counts it — every paddr action, vaddr's stat (6.18+), never vaddr's migrations.
 */
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import { simulate } from '../../server/src/core/sim/engine';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../server/src/core/sim/machine';
import { Rng } from '../../server/src/core/sim/rng';
import { loadScenarioText } from '../../server/src/core/sim/scenario';
import { WorkloadDriver } from '../../server/src/core/sim/workload';
import { ROOT, tinyScenario } from './helpers';

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

describe('per-phase access rates', () => {
  it('a rate-only phase keeps the rotation going and changes how often the hot set is accessed', () => {
    const sc = tinyScenario();
    sc.processes[0].workload = {
      pattern: 'phases',
      repeat: true,
      phases: [
        { durationSec: 20, workload: { pattern: 'rotating-hot', regions: 4, periodSec: 15, accessesPerSec: 10 } },
        { durationSec: 20, accessesPerSec: 40 },
      ],
    };
    const m = new Machine(sc, new Rng(1));
    const d = new WorkloadDriver(
      m,
      sc.processes.map((p) => p.workload),
    );
    const p = m.processes[0];
    const ratesAt = (t: number): number[] => {
      while (d.nextEventUs() <= t * 1e6) d.advance(d.nextEventUs()); // event by event, as the engine does
      return Array.from({ length: p.nV }, (_, i) => m.levels[m.vLevel[p.firstV + i]]);
    };
    const hotOf = (r: number[]): number => Math.floor((r.findIndex((x) => x > 0) * 4) / r.length);
    const at10 = ratesAt(10);
    expect(Math.max(...at10)).toBe(10);
    expect(hotOf(at10)).toBe(0);
    const at25 = ratesAt(25);
    expect(Math.max(...at25)).toBe(40); // the rate phase
    expect(hotOf(at25)).toBe(1); // the rotation did not restart at 20 s: 25 s is in its second period
    const at50 = ratesAt(50);
    expect(Math.max(...at50)).toBe(10); // repeat: back to the first phase, at 50 - 40 = 10 s of its clock
    expect(hotOf(at50)).toBe(0);
  });

  it('a scenario file with a rate-only first phase is refused at its place', () => {
    const text = readFileSync(join(ROOT, 'examples/scenarios/test-host-small.yaml'), 'utf8').replace(
      'workload: {pattern: rotating-hot, regions: 8, hotRegions: 1, periodSec: 10, accessesPerSec: 20}',
      'workload: {pattern: phases, phases: [{durationSec: 10, accessesPerSec: 5}]}',
    );
    const r = loadScenarioText(text, 's.yaml');
    expect(r.scenario).toBeNull();
    expect(r.problems[0].message).toMatch(/processes\.0\.workload\.phases\.0: a phase with only accessesPerSec continues the previous phase's workload/);
    expect(text.split('\n')[r.problems[0].line - 1]).toContain('accessesPerSec: 5');
  });
});
