/**
 * vaddr address spaces with holes: the kernel's three-region init (mm/damon/vaddr.c
 * __damon_va_three_regions, __damon_va_init_regions), the update every ops update interval
 * (damon_va_update -> core.c damon_set_regions), sampling and quota charging over the gaps.
 * The expected regions are computed by hand from the kernel's rules, not by the code under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import { defaultLayout, setRegions, threeRegions, vaddrInitRegions } from '../../server/src/core/sim/address-space';
import { DamonContext, newRegion } from '../../server/src/core/sim/damon';
import { simKernel, simulate } from '../../server/src/core/sim/engine';
import { Machine } from '../../server/src/core/sim/machine';
import { Rng } from '../../server/src/core/sim/rng';
import { loadScenarioText } from '../../server/src/core/sim/scenario';
import type { MappingSpec, Scenario } from '../../server/src/core/sim/types';
import { WorkloadDriver } from '../../server/src/core/sim/workload';
import { MiB, ROOT, context, scenarioFile, tinyScenario } from './helpers';

const P = 4096;
const r = (start: number, end: number) => ({ start, end });
/** /proc/PID/maps of damon-workload on the 7.2 test VM (scripts/experiments/vaddr-demotion.sh, first run) */
const MEASURED = [
  r(0x400000, 0x401000),
  r(0x401000, 0x483000),
  r(0x483000, 0x4ab000),
  r(0x4ab000, 0x4af000),
  r(0x4af000, 0x4b2000),
  r(0x4b2000, 0x4b7000),
  r(0x26a68000, 0x26a8a000), // [heap], 613 MiB above the binary (brk randomization)
  r(0x7f155f6b8000, 0x7f1574bb8000), // the 341 MiB buffer
  r(0x7f1574bb8000, 0x7f1574bbc000),
  r(0x7f1574bbc000, 0x7f1574bbe000),
  r(0x7f1574bbe000, 0x7f1574bc0000),
  r(0x7fff1e23b000, 0x7fff1e25c000), // [stack]
];

describe('three regions (__damon_va_three_regions)', () => {
  it('excludes the two biggest gaps and keeps the third (the brk gap) inside the first region', () => {
    // gaps: heap -> buffer ~127 TiB and vdso -> stack ~1 TiB are the two biggest; binary -> heap 613 MiB is not
    expect(threeRegions(MEASURED)).toEqual([r(0x400000, 0x26a8a000), r(0x7f155f6b8000, 0x7f1574bc0000), r(0x7fff1e23b000, 0x7fff1e25c000)]);
  });

  it('takes a gap only when strictly bigger, walking in address order, and sorts the two by address', () => {
    // four one-page mappings with one-page gaps: the first two gaps win the ties
    const equal = [r(0, P), r(2 * P, 3 * P), r(4 * P, 5 * P), r(6 * P, 7 * P)];
    expect(threeRegions(equal)).toEqual([r(0, P), r(2 * P, 3 * P), r(4 * P, 7 * P)]);
    // gaps 10, 2, 100 pages: 100 becomes the biggest and 10 the second; the 2-page gap stays monitored
    const maps = [r(0, P), r(11 * P, 12 * P), r(14 * P, 15 * P), r(115 * P, 116 * P)];
    expect(threeRegions(maps)).toEqual([r(0, P), r(11 * P, 15 * P), r(115 * P, 116 * P)]);
    // gaps 5, 8, 10: the biggest pushes the previous biggest to second, dropping the old second (5)
    const grow = [r(0, P), r(6 * P, 7 * P), r(15 * P, 16 * P), r(26 * P, 27 * P)];
    expect(threeRegions(grow)).toEqual([r(0, 7 * P), r(15 * P, 16 * P), r(26 * P, 27 * P)]);
    // the input order does not matter (VMAs are walked in address order)
    expect(threeRegions([...maps].reverse())).toEqual(threeRegions(maps));
  });

  it('fails with fewer than two gaps, as the kernel does (the target then has no regions)', () => {
    expect(threeRegions([r(0, P), r(2 * P, 3 * P)])).toBeNull();
    expect(threeRegions([r(0, P), r(P, 2 * P), r(2 * P, 3 * P)])).toBeNull();
    expect(threeRegions([])).toBeNull();
  });
});

describe('initial regions (__damon_va_init_regions)', () => {
  it('cuts each region into size / (total / min_nr_regions) pieces; a region smaller than a piece stays whole', () => {
    const three = threeRegions(MEASURED)!;
    // total 1002123264 bytes / 10 = 100212326; region 1: 6 pieces of alignDown(644390912 / 6) = 0x666c000,
    // region 2: 3 pieces of alignDown(357597184 / 3) = 0x71ad000, the last piece of each stretched to its end;
    // the stack (132 KiB) gives 0 pieces and stays one region
    expect(vaddrInitRegions(three, 10)).toEqual([
      r(0x400000, 0x6a6c000),
      r(0x6a6c000, 0xd0d8000),
      r(0xd0d8000, 0x13744000),
      r(0x13744000, 0x19db0000),
      r(0x19db0000, 0x2041c000),
      r(0x2041c000, 0x26a8a000),
      r(0x7f155f6b8000, 0x7f1566865000),
      r(0x7f1566865000, 0x7f156da12000),
      r(0x7f156da12000, 0x7f1574bc0000),
      r(0x7fff1e23b000, 0x7fff1e25c000),
    ]);
  });
});

describe('the ops update (damon_va_update -> damon_set_regions)', () => {
  const three = [r(0, 10 * P), r(20 * P, 30 * P), r(40 * P, 50 * P)];
  const mk = (s: number, e: number) => ({ ...newRegion(s, e), age: 0 });
  it('drops regions outside, stretches the edge regions, fills holes and adds missing ranges', () => {
    const regs = [
      { ...newRegion(2 * P, 4 * P), age: 5 },
      { ...newRegion(12 * P, 14 * P), age: 6 }, // intersects no range: dropped
      { ...newRegion(22 * P, 24 * P), age: 7 },
      { ...newRegion(26 * P, 28 * P), age: 8 },
    ];
    const out = setRegions(regs, three, mk);
    expect(out.map((x) => [x.start / P, x.end / P, x.age])).toEqual([
      [0, 10, 5], // stretched to the range's edges, counters kept
      [20, 24, 7],
      [24, 26, 0], // the hole between two regions of one range, filled
      [26, 30, 8],
      [40, 50, 0], // a range no region intersected
    ]);
  });

  it('replaces the regions a user set on a vaddr target at the first ops update, as the kernel does', () => {
    const sc = tinyScenario();
    const m = new Machine(sc, new Rng(1));
    const data = m.processes[0].dataMaps[0];
    const k = context({ ops: 'vaddr', pid: 11, regions: [{ start: data.start, end: data.start + MiB }] });
    const ctx = new DamonContext(0, k, m, new Rng(1), simKernel('7.2'), { lastNrRegions: 0 }, 0);
    expect(ctx.totalBytes()).toBe(MiB);
    ctx.opsUpdate();
    const three = threeRegions(m.processes[0].maps)!;
    const regs = ctx.targets[0].regions;
    expect(regs[0].start).toBe(three[0].start);
    expect(regs[regs.length - 1].end).toBe(three[2].end);
    expect(ctx.totalBytes()).toBe(three.reduce((a, x) => a + x.end - x.start, 0));
  });
});

/** the tiny machine with process a given a layout: a binary, `gap` bytes of unmapped space, a heap, 16 MiB of data, a stack */
function holeScenario(gap: number, pattern: Scenario['processes'][number]['workload'] = { pattern: 'idle' }): Scenario {
  const sc = tinyScenario();
  const mappings: MappingSpec[] = [
    { name: 'binary', start: 0x400000, sizeBytes: 0x100000, workload: false },
    { name: 'heap', start: 0x500000 + gap, sizeBytes: 0x21000, workload: false },
    { name: 'data', start: 0x7f0000000000, sizeBytes: 16 * MiB, workload: true },
    { name: 'stack', start: 0x7ffffffde000, sizeBytes: 0x21000, workload: false },
  ];
  sc.processes = [{ ...sc.processes[0], mappings, workload: pattern }, sc.processes[1]];
  return sc;
}

function config(action: string, quota: string, extra = ''): ReturnType<typeof checkText>['documents'][number]['kconfig'] {
  const text = `kdamonds:
  - contexts:
      - ops: vaddr
        targets: [{pid: 11, regions: []}]
        intervals: {sample_us: 5 ms, aggr_us: 100 ms, ops_update_us: 1 s}
        nr_regions: {min: 10, max: 1000}
        schemes:
          - action: ${action}
            target_nid: 0
            access_pattern: {sz_bytes: {min: min, max: max}, nr_accesses: {min: 0, max: 0}, age: {min: 0, max: max}}
            apply_interval_us: 1 s
            quotas: {time_ms: 0, sz_bytes: ${quota}, reset_interval_ms: 1 s}
${extra}`;
  return checkText(text, { fileName: 'c.damon.yaml', kernel: '7.2' }).documents[0].kconfig!;
}

describe('gaps inside the regions', () => {
  it('are sampled but never young: a fully hot process shows no access in the regions over its gaps', () => {
    const sc = holeScenario(64 * MiB, { pattern: 'uniform', accessesPerSec: 1000 });
    const rng = new Rng(2);
    const m = new Machine(sc, rng);
    const k = config('stat', '0')!.kdamonds[0].contexts[0];
    const ctx = new DamonContext(0, k, m, rng, simKernel('7.2'), { lastNrRegions: 0 }, 0);
    // the workload driver sets the access levels
    new WorkloadDriver(
      m,
      sc.processes.map((p) => p.workload),
    );
    ctx.sample(20);
    const regs = ctx.targets[0].regions;
    const gapEnd = 0x500000 + 64 * MiB;
    const inGap = regs.filter((x) => x.start >= 0x500000 && x.end <= gapEnd);
    const inData = regs.filter((x) => x.start >= 0x7f0000000000 && x.end <= 0x7f0000000000 + 16 * MiB);
    expect(inGap.length).toBeGreaterThan(0);
    expect(inData.length).toBeGreaterThan(0);
    for (const x of inGap) expect(x.nr).toBe(0);
    for (const x of inData) expect(x.nr).toBeGreaterThan(10);
  });

  it('are charged to the quota while nothing moves: the walk spends seconds of quota in the gap before it reaches the data', () => {
    // equal scores (all weights 0): the walk takes the regions in address order from the resume cursor,
    // 4 MiB a second; the 64 MiB gap comes first
    const k = config('migrate_cold', '4 MiB')!;
    const holes = simulate(k, holeScenario(64 * MiB), { seed: 1, durationSec: 10 }).stats[0];
    expect(holes.szTried).toBeGreaterThanOrEqual(30 * MiB);
    expect(holes.szApplied).toBe(0);
    const none = simulate(k, holeScenario(0), { seed: 1, durationSec: 10 }).stats[0];
    expect(none.szApplied).toBeGreaterThanOrEqual(12 * MiB);
  });
});

describe('default layout', () => {
  it('puts the data between a binary/heap pair 512 MiB apart and the stack, so the brk gap is monitored', () => {
    const maps = defaultLayout(341 * MiB);
    const data = maps.filter((x) => x.workload);
    expect(data).toHaveLength(1);
    expect(data[0].sizeBytes).toBe(341 * MiB);
    const three = threeRegions(maps.map((x) => r(x.start, x.start + x.sizeBytes)))!;
    expect(three[0].end - three[0].start).toBeGreaterThan(512 * MiB);
    expect(three[1]).toEqual(r(data[0].start, data[0].start + data[0].sizeBytes + 0x8000));
  });
});

describe('scenario mappings: loading and errors at their place', () => {
  /** a scenario whose one process has the given mappings lines (and optionally a sizeBytes line) */
  function scn(mappings: string[], sizeLine = ''): string {
    return [
      'name: m',
      'machine:',
      '  nodes:',
      '    - {nid: 0, size: 1 GiB, ranges: [{start: 0, end: 1 GiB}]}',
      '  cgroups: [/a]',
      'processes:',
      '  - name: p',
      '    pid: 7',
      '    cgroup: /a',
      ...(sizeLine ? [`    ${sizeLine}`] : []),
      '    workload: {pattern: idle}',
      ...(mappings.length ? ['    mappings:', ...mappings.map((m) => `      - ${m}`)] : []),
      'durationSec: 10',
      '',
    ].join('\n');
  }
  const GOOD = [
    '{name: binary, start: 0x400000, end: 0x4b7000}',
    '{name: heap, start: 0x26a68000, size: 136 KiB}',
    '{name: data, start: 0x7f155f6b8000, size: 341 MiB, workload: true}',
    '{name: stack, start: 140733699043328, end: 0x7fff1e25c000}',
  ];
  /** the one problem's message and the text of its line */
  function problem(text: string): { message: string; line: string } {
    const s = loadScenarioText(text);
    expect(s.scenario).toBeNull();
    expect(s.problems).toHaveLength(1);
    return { message: s.problems[0].message, line: text.split('\n')[s.problems[0].line - 1] };
  }

  it('reads hex and decimal addresses, end or size, and takes sizeBytes from the workload mappings', () => {
    const s = loadScenarioText(scn(GOOD));
    expect(s.problems).toEqual([]);
    const p = s.scenario!.processes[0];
    expect(p.sizeBytes).toBe(341 * MiB);
    expect(p.mappings).toEqual([
      { name: 'binary', start: 0x400000, sizeBytes: 0xb7000, workload: false },
      { name: 'heap', start: 0x26a68000, sizeBytes: 136 * 1024, workload: false },
      { name: 'data', start: 0x7f155f6b8000, sizeBytes: 341 * MiB, workload: true },
      { name: 'stack', start: 0x7fff1e23b000, sizeBytes: 0x21000, workload: false },
    ]);
    expect(loadScenarioText(scn(GOOD, 'sizeBytes: 341 MiB')).problems).toEqual([]);
  });

  it('a process without sizeBytes and mappings', () => {
    const e = problem(scn([]));
    expect(e.message).toBe("processes.0: give sizeBytes (the process's memory) or mappings (its address space)");
    expect(e.line).toBe('  - name: p');
  });

  it('sizeBytes that disagrees with the workload mappings', () => {
    const e = problem(scn(GOOD, 'sizeBytes: 300 MiB'));
    expect(e.message).toBe(
      'processes.0.sizeBytes: 314572800 bytes, but the mappings with workload: true hold 357564416; give one of the two or make them agree',
    );
    expect(e.line).toBe('    sizeBytes: 300 MiB');
  });

  it('an unaligned start, a missing or double end/size, an empty mapping, a mapping past user space', () => {
    let e = problem(scn([...GOOD.slice(0, 3), '{name: stack, start: 0x7fff1e23b001, size: 4 KiB}']));
    expect(e.message).toBe('processes.0.mappings.3.start: 0x7fff1e23b001 is not page-aligned (4 KiB)');
    expect(e.line).toContain('0x7fff1e23b001');
    e = problem(scn([...GOOD.slice(0, 3), '{name: stack, start: 0x7fff1e23b000}']));
    expect(e.message).toBe("processes.0.mappings.3: give the mapping's end or its size (one of the two)");
    expect(e.line).toBe('      - {name: stack, start: 0x7fff1e23b000}');
    e = problem(scn([...GOOD.slice(0, 3), '{name: stack, start: 0x7fff1e23b000, end: 0x7fff1e25c000, size: 4 KiB}']));
    expect(e.message).toBe("processes.0.mappings.3: give the mapping's end or its size (one of the two)");
    e = problem(scn([...GOOD.slice(0, 3), '{name: stack, start: 0x7fff1e23b000, end: 0x7fff1e23b000}']));
    expect(e.message).toBe('processes.0.mappings.3.end: the mapping must end after its start (0x7fff1e23b000)');
    e = problem(scn([...GOOD.slice(0, 3), '{name: stack, start: 0x7ffffffff000, size: 4 KiB}']));
    expect(e.message).toBe('processes.0.mappings.3.size: the mapping ends at 0x800000000000, past the end of user space (0x7ffffffff000)');
    e = problem(scn([...GOOD.slice(0, 3), '{name: stack, start: 0x7fff1e23b000, size: 100}']));
    expect(e.message).toBe("processes.0.mappings.3.size: the mapping's size 100 is not a multiple of 4 KiB");
  });

  it('overlapping mappings, reported at the one listed later', () => {
    const e = problem(scn([GOOD[0], GOOD[2], '{name: heap, start: 0x4b0000, size: 1 MiB}', GOOD[3]]));
    expect(e.message).toBe('processes.0.mappings.2: heap [0x4b0000, 0x5b0000) overlaps binary [0x400000, 0x4b7000)');
    expect(e.line).toContain('name: heap');
  });

  it('no mapping that holds the workload', () => {
    const e = problem(scn([GOOD[0], GOOD[1], GOOD[3]], 'sizeBytes: 1 MiB'));
    expect(e.message).toBe("processes.0.mappings: no mapping holds the process's memory; mark the one its workload touches with workload: true");
    expect(e.line).toBe('      - {name: binary, start: 0x400000, end: 0x4b7000}'); // where the list starts
  });

  it('a malformed address, by the schema', () => {
    const e = problem(scn([GOOD[0], GOOD[1], '{name: data, start: 0x7f15zz, size: 1 MiB, workload: true}', GOOD[3]]));
    expect(e.line).toContain('0x7f15zz');
  });
});

describe('the vaddr demotion experiment (examples/scenarios/vaddr-demotion.yaml, the 7.2 VM run)', () => {
  const kconfig = checkText(readFileSync(join(ROOT, 'scripts/experiments/vaddr-demotion.damon.yaml'), 'utf8'), {
    fileName: 'vaddr-demotion.damon.yaml',
    kernel: '7.2',
  }).documents[0].kconfig!;
  const withHoles = scenarioFile('examples/scenarios/vaddr-demotion.yaml');
  // the same process with its heap right above the binary: no gap is left inside DAMON's regions
  const holeFree: Scenario = {
    ...withHoles,
    processes: withHoles.processes.map((p) => ({
      ...p,
      mappings: p.mappings!.map((m) => (m.name === 'heap' ? { ...m, start: 0x4b7000 } : m)),
    })),
  };
  const BAND = 64 * MiB;
  /** seconds until the process's node-0 bytes first fall to the band; the bytes demoted per 5 s before that */
  function demotion(sc: Scenario, seed: number, durationSec: number): { timeToBand: number; drops: number[] } {
    const res = simulate(kconfig, sc, { seed, durationSec });
    const n0 = res.series.usage['/workload_a']['0'];
    const idx = res.series.t.map((t, i) => [t, i]).filter(([t]) => t % 5 === 0);
    const hit = idx.find(([, i]) => n0[i] <= BAND);
    const drops: number[] = [];
    for (let k = 1; k < idx.length && (!hit || idx[k][0] <= hit[0]); k++) drops.push(Math.max(0, n0[idx[k - 1][1]] - n0[idx[k][1]]));
    return { timeToBand: hit ? hit[0] : Infinity, drops };
  }
  const sd = (xs: number[]) => {
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
  };

  it('demotes later with the brk gap inside the first region, and in bursts', () => {
    expect(threeRegions(withHoles.processes[0].mappings!.map((m) => r(m.start, m.start + m.sizeBytes)))![0].end - 0x400000).toBeGreaterThan(400 * MiB);
    {
      const seed = 2;
      const holes = demotion(withHoles, seed, 480);
      const flat = demotion(holeFree, seed, 150);
      expect(flat.timeToBand).toBeLessThan(150);
      expect(holes.timeToBand).toBeGreaterThan(2 * flat.timeToBand);
      // bursts: most 5 s intervals before the band move nothing, the others move tens of MiB
      expect(sd(holes.drops)).toBeGreaterThan(0);
      expect(holes.drops.filter((d) => d === 0).length).toBeGreaterThan(holes.drops.length / 2);
      expect(Math.max(...holes.drops)).toBeGreaterThanOrEqual(16 * MiB);
    }
  });
});
