import { describe, expect, it } from 'vitest';
import { DamonContext, newRegion } from '../../server/src/core/sim/damon';
import { SchemeState, applyOne } from '../../server/src/core/sim/damos';
import { simKernel } from '../../server/src/core/sim/engine';
import { Machine } from '../../server/src/core/sim/machine';
import { Rng } from '../../server/src/core/sim/rng';
import type { Scenario } from '../../server/src/core/sim/types';
import { MiB, context, scheme, tinyScenario } from './helpers';

/**
 * Where memory lies physically. A PMD-mapped THP is 2 MiB of contiguous, 2 MiB-aligned memory: the
 * fault path and migrate_pages (alloc_migration_target -> __folio_alloc of order 9) allocate it as one
 * buddy block, and paddr's walk acts on it once, whole, at its head page (damon_get_folio finds no folio
 * at a tail page). Chunks smaller than 2 MiB must therefore keep a THP's chunks in one aligned block.
 */

/** the tiny machine (node 0 [0, 64) MiB, node 1 [64, 128) MiB, A then B of 16 MiB on node 1) */
function machine(p: { thp?: boolean; chunk?: number; policy?: Scenario['machine']['allocPolicy']; extra?: Scenario['processes'] } = {}): Machine {
  const sc = tinyScenario();
  sc.machine.thp = p.thp ?? false;
  sc.machine.chunkBytes = p.chunk ?? MiB;
  sc.machine.allocPolicy = p.policy;
  sc.processes.push(...(p.extra ?? []));
  return new Machine(sc, new Rng(3));
}

/** every unsplit THP folio of the machine lies in one aligned block of its chunks */
function foliosAligned(m: Machine): boolean {
  for (let v = 0; v < m.nV; v++) {
    const n = m.vFolioN[v];
    if (m.vHead[v] !== v || n <= 1) continue;
    if (m.vSlot[v] % n !== 0) return false;
    for (let i = 1; i < n; i++) if (m.vSlot[v + i] !== m.vSlot[v] + i) return false;
  }
  return true;
}

describe('a THP folio is one aligned 2 MiB block (512 KiB chunks: 4 per folio)', () => {
  it('at first touch and after migrations both ways', () => {
    const m = machine({ thp: true, chunk: 512 * 1024 });
    expect(m.folioChunks).toBe(4);
    expect(foliosAligned(m)).toBe(true);
    const a = m.processes[0];
    for (let v = a.firstV; v < a.firstV + a.nV; v += 4) expect(m.migrateFolio(v, 0)).toBe(4);
    expect(m.memcgNodeBytes('/a', 0)).toBe(16 * MiB);
    expect(foliosAligned(m)).toBe(true);
    // back in the reverse order: the freed blocks are reused, still aligned
    for (let v = a.firstV + a.nV - 4; v >= a.firstV; v -= 4) expect(m.migrateFolio(v, 1)).toBe(4);
    expect(m.memcgNodeBytes('/a', 1)).toBe(16 * MiB);
    expect(foliosAligned(m)).toBe(true);
    expect(m.migratedBytes).toBe(32 * MiB);
  });

  it('a paddr migration moves the folio whole at its first chunk, and nothing for a region of tail chunks only', () => {
    const m = machine({ thp: true, chunk: 512 * 1024 });
    const k = context({
      nrRegions: { min: 1, max: 1000 },
      regions: [{ start: 64 * MiB, end: 128 * MiB }],
      schemes: [scheme({ action: 'migrate_hot', targetNid: 0 })],
    });
    const rng = new Rng(5);
    const ctx = new DamonContext(0, k, m, rng, simKernel('7.2'), { lastNrRegions: 0 }, 0);
    const s = new SchemeState(0, 0, k.schemes[0], ctx);
    const t = ctx.targets[0];
    // A's first folio is [64, 66) MiB: a region over its last three chunks finds no folio head
    t.regions = [newRegion(64 * MiB + 512 * 1024, 66 * MiB), newRegion(66 * MiB, 66 * MiB + 512 * 1024)];
    applyOne(s, t, 0, 0);
    expect(s.stats.szApplied).toBe(0);
    expect(m.memcgNodeBytes('/a', 0)).toBe(0);
    // a region over the next folio's first chunk moves all 2 MiB: sz_applied above sz_tried, as on the kernel
    applyOne(s, t, 1, 0);
    expect(s.stats.szTried).toBe(1.5 * MiB + 512 * 1024);
    expect(s.stats.szApplied).toBe(2 * MiB);
    expect(m.memcgNodeBytes('/a', 0)).toBe(2 * MiB);
    expect(foliosAligned(m)).toBe(true);
  });

  it('without an aligned free block on the destination the folio is split and moves as base pages', () => {
    // C fills node 0; one chunk of each of its folios is split off and moved away: 16 free chunks, no free block
    const m = machine({
      thp: true,
      chunk: 512 * 1024,
      extra: [{ name: 'c', pid: 13, cgroup: '/b', sizeBytes: 64 * MiB, node: 0, workload: { pattern: 'idle' } }],
    });
    const c = m.processes[2];
    expect(m.memcgNodeBytes('/b', 0)).toBe(64 * MiB);
    for (let v = c.firstV; v < c.firstV + 64; v += 4) {
      m.splitFolio(v);
      expect(m.migrateFolio(v + 1, 1)).toBe(1);
    }
    expect(m.freeBytes(m.nodes[0])).toBe(8 * MiB);
    const head = m.processes[0].firstV;
    expect(m.migrateFolio(head, 0)).toBe(4);
    expect(m.memcgNodeBytes('/a', 0)).toBe(2 * MiB);
    expect(m.vFolioN[head]).toBe(1);
    expect(m.vSlot[head + 1]).not.toBe(m.vSlot[head] + 1);
  });

  it("the 'random' policy places chunks one by one (no folio blocks)", () => {
    const m = machine({ thp: true, chunk: 512 * 1024, policy: 'random' });
    expect(m.folioChunks).toBe(1);
  });
});

describe('reuse of freed base-page chunks', () => {
  // A's chunks are slots 64..79, B's 80..95 of node 1 (1 MiB chunks); node 1's free memory is [96, 128) MiB
  const reuse = (policy: 'lifo' | 'buddy'): number => {
    const m = machine({ policy });
    const a = m.processes[0].firstV;
    const b = m.processes[1].firstV;
    // free slot 80 (B's first chunk), then 64 and 65 (A's first two, buddies of each other)
    for (const v of [b, a, a + 1]) expect(m.migrate(v, 0)).toBe(true);
    // bring B's chunk back to node 1: where does it land?
    expect(m.migrate(b, 1)).toBe(true);
    return m.vSlot[b];
  };
  it("'lifo' (default) takes the last freed chunk first, like the per-cpu page lists", () => {
    expect(reuse('lifo')).toBe(65);
  });
  it("'buddy' coalesces freed buddies and takes the smallest free block first", () => {
    // 64 + 65 merged into a block of two; 80 is the only single free chunk
    expect(reuse('buddy')).toBe(80);
  });
});
