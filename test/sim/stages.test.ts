import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessTree } from '../../server/src/core/sim/access-tree';
import { DamonContext, MIN_SZ, newRegion, type Region } from '../../server/src/core/sim/damon';
import { SchemeState, applyOne, applySchemes, applySchemesWalk, feedLoopNext, hotScore, minScoreFor, skipCharged } from '../../server/src/core/sim/damos';
import { simKernel } from '../../server/src/core/sim/engine';
import { Machine } from '../../server/src/core/sim/machine';
import { Rng } from '../../server/src/core/sim/rng';
import { MiB, context, filter, scheme, tinyScenario } from './helpers';

function ctxFor(kernel: '6.19' | '7.2', schemes = [scheme()], regions = [{ start: 64 * MiB, end: 128 * MiB }], thp = false) {
  const sc = tinyScenario(kernel);
  sc.machine.thp = thp;
  const rng = new Rng(7);
  const m = new Machine(sc, rng);
  const k = context({ regions, schemes });
  const ctx = new DamonContext(0, k, m, rng, simKernel(kernel), { lastNrRegions: 0 }, 0);
  return { m, ctx, states: schemes.map((s, i) => new SchemeState(0, i, s, ctx)) };
}

function checkCover(regs: Region[], start: number, end: number): void {
  expect(regs[0].start).toBe(start);
  expect(regs[regs.length - 1].end).toBe(end);
  for (let i = 0; i < regs.length; i++) {
    expect(regs[i].end).toBeGreaterThan(regs[i].start);
    expect(regs[i].start % MIN_SZ).toBe(0);
    if (i > 0) expect(regs[i].start).toBe(regs[i - 1].end);
  }
}

describe('feedback loop (consist tuner, §8.4)', () => {
  it('grows by (10000 - score)/10000 per window, brakes at 2x, shrinks proportionally', () => {
    expect(feedLoopNext(10000n, 7303n)).toBe(12697n);
    expect(feedLoopNext(10000n, 0n)).toBe(20000n);
    expect(feedLoopNext(123456n, 10000n)).toBe(123456n);
    expect(feedLoopNext(10n ** 12n, 20000n)).toBe(10000n);
    expect(feedLoopNext(1_000_000n, 11049n)).toBe(895100n);
    expect(feedLoopNext(20000n, 19999n)).toBe(10000n); // floor at MIN_INPUT
    expect(feedLoopNext(18446744073709551615n, 0n)).toBe(18446744073709551615n); // saturates at ULONG_MAX
  });
  it('takes 12 windows from 1 B to a page at score 0 (the slow consist start)', () => {
    let esc = 10000n;
    let n = 0;
    while (esc / 10000n < 4096n) {
      esc = feedLoopNext(esc, 0n);
      n++;
    }
    expect(n).toBe(12);
  });
});

describe('priority score (§7)', () => {
  it('is flat with weights 0 and follows the hand-computed values with weights 1/1', () => {
    expect(hotScore(20, 0, 20, 100000, 0, 0)).toBe(0);
    // freq 100, age sub 50 -> (100+50)/2 = 75 -> *99/100 = 74
    expect(hotScore(20, 0, 20, 100000, 1, 1)).toBe(74);
    // idle for 10 s: age log 4, negative -> age sub floor(floor(28*100/32)/2) = 43 -> 21 -> 20
    expect(hotScore(0, 100, 20, 100000, 1, 1)).toBe(20);
    expect(99 - hotScore(0, 100, 20, 100000, 1, 1)).toBe(79);
  });
  it('min_score covers the effective quota from the hottest score down', () => {
    const h = new Float64Array(100);
    h[99] = 10 * MiB;
    h[50] = 20 * MiB;
    h[10] = 100 * MiB;
    expect(minScoreFor(h, 99, 5 * MiB)).toBe(99);
    expect(minScoreFor(h, 99, 10 * MiB)).toBe(99);
    expect(minScoreFor(h, 99, 25 * MiB)).toBe(50);
    expect(minScoreFor(h, 99, 1000 * MiB)).toBe(0);
  });
});

describe('regions: merge and split (§4)', () => {
  it('merges neighbours within the threshold to the floor of the size-weighted average', () => {
    const { ctx } = ctxFor('6.19');
    const t = ctx.targets[0];
    t.regions = [
      { ...newRegion(64 * MiB, 96 * MiB), nr: 0, last: 0, age: 4 },
      { ...newRegion(96 * MiB, 100 * MiB), nr: 1, last: 1, age: 12 },
      { ...newRegion(100 * MiB, 128 * MiB), nr: 9, last: 9, age: 3 },
    ];
    ctx.szLimit = 64 * MiB;
    // max nr 9 -> threshold 0: nothing merges, ages count up
    ctx.mergeRegions();
    expect(t.regions.map((r) => r.age)).toEqual([5, 13, 4]);
    t.regions[2].nr = 10; // max 10 -> threshold 1: the first two merge, (0*32 + 1*4)/36 -> 0
    ctx.mergeRegions();
    expect(t.regions).toHaveLength(2);
    expect(t.regions[0]).toMatchObject({ start: 64 * MiB, end: 100 * MiB, nr: 0, bp: 0 });
    expect(t.regions[0].age).toBe(Math.floor((6 * 32 + 14 * 4) / 36));
  });
  it('keeps merged regions within the size limit', () => {
    const { ctx } = ctxFor('6.19');
    const t = ctx.targets[0];
    t.regions = Array.from({ length: 8 }, (_, i) => newRegion(64 * MiB + i * 8 * MiB, 64 * MiB + (i + 1) * 8 * MiB));
    ctx.szLimit = 16 * MiB;
    ctx.mergeRegions();
    expect(t.regions).toHaveLength(4);
    for (const r of t.regions) expect(r.end - r.start).toBeLessThanOrEqual(16 * MiB);
  });
  it('split and merge keep the monitored range covered, aligned and within max_nr_regions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 25 }), (seed, rounds) => {
        const { ctx } = ctxFor('6.19');
        (ctx as unknown as { rng: Rng }).rng = new Rng(seed);
        const rng = new Rng(seed + 1);
        for (let i = 0; i < rounds; i++) {
          ctx.splitRegions();
          for (const r of ctx.targets[0].regions) r.nr = rng.below(3);
          ctx.mergeRegions();
          checkCover(ctx.targets[0].regions, 64 * MiB, 128 * MiB);
          expect(ctx.nrRegions()).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: 20 },
    );
  });
  it('7.x enforces min_nr_regions by cutting at total/min', () => {
    const { ctx } = ctxFor('7.2');
    expect(ctx.targets[0].regions).toHaveLength(10);
    checkCover(ctx.targets[0].regions, 64 * MiB, 128 * MiB);
  });
});

describe('sampling (§3)', () => {
  it('counts nothing on idle memory and every sample on always-accessed memory', () => {
    const { m, ctx } = ctxFor('6.19');
    ctx.sample(20);
    expect(ctx.maxNrAccesses()).toBe(0);
    const hot = m.levelFor(1e9);
    for (let v = 0; v < m.nV; v++) m.setLevel(v, hot, 0);
    ctx.targets[0].regions = [newRegion(64 * MiB, 80 * MiB)]; // all of process A
    ctx.sample(20);
    expect(ctx.targets[0].regions[0].nr).toBe(20);
    expect(ctx.targets[0].regions[0].bp).toBe(200000);
  });
  it('checks the folio: a 2 MiB THP is young when any of its 512 pages was accessed (damon_folio_young)', () => {
    // 20 accesses per page per second, 20 samples of 5 ms: a 4 KiB page is accessed within a sample
    // with probability 1 - exp(-0.1) = 0.095, a THP folio (512 such pages) with 1 - exp(-51.2) = 1
    const run = (thp: boolean): number => {
      const { m, ctx } = ctxFor('7.2', [], [{ start: 64 * MiB, end: 80 * MiB }], thp);
      const hot = m.levelFor(20);
      for (let v = m.processes[0].firstV; v < m.processes[0].firstV + m.processes[0].nV; v++) m.setLevel(v, hot, 0);
      expect(m.folioRate(hot)).toBe(thp ? 20 * 512 : 20);
      let n = 0;
      for (let i = 0; i < 200; i++) {
        ctx.targets[0].regions = [newRegion(64 * MiB, 80 * MiB)];
        ctx.sample(20);
        n += ctx.targets[0].regions[0].nr;
      }
      return n / 200;
    };
    expect(run(true)).toBe(20);
    expect(run(false)).toBeGreaterThan(20 * 0.095 * 0.8);
    expect(run(false)).toBeLessThan(20 * 0.095 * 1.2);
  });
  it('the access tree sums pro rata over partial chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 50 }), fc.nat(), fc.nat(), (vals, a, b) => {
        const t = new AccessTree(vals.length);
        t.build(Int32Array.from(vals));
        const C = 4096;
        const lo = Math.min(a, b) % (vals.length * C);
        const hi = Math.max(a, b) % (vals.length * C + 1);
        if (hi <= lo) return;
        let brute = 0;
        for (let i = 0; i < vals.length; i++) brute += (vals[i] * Math.max(0, Math.min(hi, (i + 1) * C) - Math.max(lo, i * C))) / C;
        expect(t.rangeSum(lo, hi, C)).toBeCloseTo(brute, 6);
      }),
    );
  });
});

describe('filters (§9): first hit decides, default is the opposite of the last filter', () => {
  const A = 0; // first chunk of process A (/a)
  it('allow memcg A; allow young  ==  A OR young (promotion pair)', () => {
    const { m, states } = ctxFor('7.2', [scheme({ opsFilters: [filter({ type: 'memcg', memcgPath: '/a' }), filter({ type: 'young' })] })]);
    const s = states[0];
    const B = m.processes[1].firstV;
    m.mkOld(A, 1);
    m.mkOld(B, 1);
    expect(s.opsFilterOut(A, 2)).toBe(false); // A old: allowed by memcg
    expect(s.opsFilterOut(B, 2)).toBe(true); // B old: default reject
    m.vTouch[B] = 3; // B accessed again
    expect(s.opsFilterOut(B, 4)).toBe(false); // B young: allowed (the OR leak)
    expect(s.opsFilterOut(B, 5)).toBe(true); // the young test cleared it
  });
  it('allow memcg A; reject young  ==  A OR NOT young (demotion pair)', () => {
    const { m, states } = ctxFor('7.2', [
      scheme({ action: 'migrate_cold', opsFilters: [filter({ type: 'memcg', memcgPath: '/a' }), filter({ type: 'young', allow: false })] }),
    ]);
    const s = states[0];
    const B = m.processes[1].firstV;
    expect(s.opsFilterOut(A, 1)).toBe(false); // A fresh (young): still allowed, young not reached
    expect(m.isYoung(A, 1)).toBe(true); // and its Accessed state was not consumed
    expect(s.opsFilterOut(B, 1)).toBe(true); // B fresh: rejected, bit cleared
    expect(s.opsFilterOut(B, 2)).toBe(false); // B old now: default allow
  });
  it('reject not memcg A; reject not young  ==  A AND young', () => {
    const { m, states } = ctxFor('7.2', [
      scheme({
        opsFilters: [filter({ type: 'memcg', memcgPath: '/a', matching: false, allow: false }), filter({ type: 'young', matching: false, allow: false })],
      }),
    ]);
    const s = states[0];
    const B = m.processes[1].firstV;
    expect(s.opsFilterOut(B, 1)).toBe(true);
    expect(s.opsFilterOut(A, 1)).toBe(false); // young (fresh) A
    expect(s.opsFilterOut(A, 2)).toBe(true); // A no longer young
  });
  it('an empty chain allows; pageout adds an implicit reject young', () => {
    const { m, states } = ctxFor('7.2', [scheme({ action: 'pageout' })]);
    expect(states[0].opsFilterOut(A, 1)).toBe(true); // fresh = young: kept
    expect(states[0].opsFilterOut(A, 2)).toBe(false);
    expect(m.isYoung(A, 2)).toBe(false);
  });
});

describe("DAMON's access sampling ages the folios it samples (damon_pa_mkold)", () => {
  const A = 0; // first chunk of process A, on node 1 at 64 MiB
  it('a region sampled every interval clears its idle folio; memory no region covers keeps its state', () => {
    const { m, ctx } = ctxFor('7.2');
    const B = m.processes[1].firstV;
    const a = m.vSlot[A] * m.chunk;
    ctx.targets[0].regions = [newRegion(a, a + MIN_SZ)];
    m.samplingMkoldPerSec = (v) => ctx.samplingMkoldRate(v);
    expect(ctx.samplingMkoldRate(A)).toBe(200); // a one-page region: its page is the sampled one every 5 ms
    expect(ctx.samplingMkoldRate(B)).toBe(0);
    expect(m.isYoung(A, 1_000_000)).toBe(false); // never accessed since it was sampled
    expect(m.isYoung(A, 2_000_000)).toBe(false); // and stays idle until it is accessed
    m.vTouch[A] = 2_000_001; // accessed again
    expect(m.isYoung(A, 2_000_002)).toBe(true);
    expect(m.isYoung(B, 1_000_000)).toBe(true); // not monitored: nothing cleared its Accessed bit
  });
  it('a 4 KiB folio in a region of S bytes is sampled 4096 / S times per sampling interval', () => {
    const { m, ctx } = ctxFor('7.2', [scheme()], [{ start: 64 * MiB, end: 80 * MiB }]);
    const r = ctx.targets[0].regions[0]; // A's region (7.x cut the range into min_nr_regions pieces)
    expect(r.start).toBe(64 * MiB);
    expect(ctx.samplingMkoldRate(A)).toBeCloseTo((1e6 / 5000) * (4096 / (r.end - r.start)), 12);
    expect(ctx.samplingMkoldRate(m.processes[1].firstV)).toBe(0); // B lies above the region
  });
});

describe('quota tuners and charging (§6, §8)', () => {
  const goal = (target: number) => ({ metric: 'node_memcg_used_bp' as const, targetValue: target, currentValue: 0, nid: 0, path: '/a' });
  it('consist grows the effective quota from 1 B by the goal score each window', () => {
    const { states } = ctxFor('7.2', [scheme({ quota: { ...scheme().quota, goals: [goal(1000)] } })]);
    const s = states[0];
    s.adjustQuota(0);
    expect(s.lastGoalScore).toBe(0); // /a has nothing on node 0
    expect(s.esz).toBe(2); // feedLoopNext(10000, 0) = 20000 bp = 2 B
    s.adjustQuota(1_000_000);
    expect(s.esz).toBe(4);
    s.adjustQuota(1_500_000); // same window: no new tuning
    expect(s.esz).toBe(4);
  });
  it('temporal gives the size quota while under target and zero once met', () => {
    const { m, states } = ctxFor('7.2', [scheme({ quota: { ...scheme().quota, bytes: 8 * MiB, goalTuner: 'temporal', goals: [goal(1000)] } })]);
    const s = states[0];
    s.adjustQuota(0);
    expect(s.esz).toBe(8 * MiB);
    for (let v = 0; v < 16; v++) m.migrate(v, 0); // 16 MiB of /a to node 0: 16/64 = 2500 bp
    s.adjustQuota(1_000_000);
    expect(s.goalCurrent[0]).toBe(2500);
    expect(s.esz).toBe(0);
    expect(s.quotaFull()).toBe(true);
  });
  it('a quota-trimmed region is split, charged, and the cursor resumes after it (7.x: at r.end)', () => {
    const { ctx, states } = ctxFor('7.2', [scheme({ action: 'stat', quota: { ...scheme().quota, bytes: 3 * MiB } })]);
    const s = states[0];
    const t = ctx.targets[0];
    s.adjustQuota(0);
    const before = t.regions.length;
    applyOne(s, t, 0, 0);
    expect(t.regions.length).toBe(before + 1);
    expect(t.regions[0].end - t.regions[0].start).toBe(3 * MiB);
    expect(s.stats.szTried).toBe(3 * MiB);
    expect(s.quotaFull()).toBe(true);
    expect(s.cursorAddr).toBe(t.regions[0].end);
    // next window: regions before the cursor are skipped, the next one is taken
    expect(skipCharged(s, t, 0)).toBe(-1);
    expect(skipCharged(s, t, 1)).toBe(1);
    expect(s.cursorTarget).toBe(-1);
  });
  it('6.19 resumes at r.end + 1: the first page after the cursor is skipped', () => {
    const { ctx, states } = ctxFor('6.19', [scheme({ action: 'stat', quota: { ...scheme().quota, bytes: 3 * MiB } })]);
    const s = states[0];
    const t = ctx.targets[0];
    t.regions = [newRegion(64 * MiB, 80 * MiB), newRegion(80 * MiB, 128 * MiB)];
    s.adjustQuota(0);
    applyOne(s, t, 0, 0);
    expect(s.cursorAddr).toBe(67 * MiB + 1);
    const j = skipCharged(s, t, 1); // region [67 MiB, 80 MiB) starts before the cursor: one page cut off
    expect(j).toBe(2);
    expect(t.regions[1].end - t.regions[1].start).toBe(MIN_SZ);
  });
});

describe('a scheme application round takes time and moves memory region by region', () => {
  // A (16 MiB) lies in [64, 80) MiB and B in [80, 96) MiB of node 1; promote everything to node 0
  const setup = () => {
    const { m, ctx, states } = ctxFor('7.2', [scheme({ action: 'migrate_hot', targetNid: 0 })]);
    ctx.targets[0].regions = [newRegion(64 * MiB, 80 * MiB), newRegion(80 * MiB, 96 * MiB), newRegion(96 * MiB, 128 * MiB)];
    ctx.passedSis = states[0].nextApplySis;
    return { m, ctx, states };
  };
  it('after the first region only A has moved, at the time that region took; the rest follows', () => {
    const { m, ctx, states } = setup();
    const walk = applySchemesWalk(ctx, states, 1_000_000);
    const first = walk.next();
    expect(first.done).toBe(false);
    expect(m.memcgNodeBytes('/a', 0)).toBe(16 * MiB);
    expect(m.memcgNodeBytes('/b', 0)).toBe(0);
    // 4096 pages migrated at the modelled cost: milliseconds, not free
    expect(first.value).toBeGreaterThan(1000);
    const second = walk.next();
    expect(m.memcgNodeBytes('/b', 0)).toBe(16 * MiB);
    expect(second.value).toBeGreaterThan(first.value);
    let r = walk.next();
    while (!r.done) r = walk.next();
    expect(r.value).toBeGreaterThanOrEqual(second.value);
    expect(states[0].stats.szApplied).toBe(32 * MiB);
  });
  it('the whole round at once spends the same time as the walk', () => {
    const a = setup();
    const b = setup();
    const walk = applySchemesWalk(a.ctx, a.states, 0);
    let r = walk.next();
    while (!r.done) r = walk.next();
    expect(applySchemes(b.ctx, b.states, 0)).toBe(r.value);
    expect(b.m.memcgNodeBytes('/b', 0)).toBe(16 * MiB);
  });
});
