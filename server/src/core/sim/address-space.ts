/**
 * A process's virtual address space as DAMON's vaddr operations see it: a sorted set of mappings
 * (VMAs) with unmapped gaps between them, the three monitoring regions the kernel derives from them
 * (mm/damon/vaddr.c __damon_va_three_regions: everything from the first mapping's start to the last
 * mapping's end except the two biggest gaps), the initial split of those regions
 * (__damon_va_init_regions) and the update every ops update interval (damon_va_update ->
 * mm/damon/core.c damon_set_regions). The gaps that are not among the two biggest stay inside the
 * regions: DAMON samples them (no page, never young) and DAMOS actions charge their quota for them.
 */
import type { MappingSpec } from './types';

export const PAGE = 4096;
/** x86-64's user address space ends here (47-bit, TASK_SIZE_MAX) */
export const USER_SPACE_END = 0x7ffffffff000;

export interface AddrRange {
  start: number;
  end: number;
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const alignDown = (x: number, a: number): number => Math.floor(x / a) * a;

/**
 * The kernel's three regions of a set of mappings, or null when the address space has fewer than two
 * gaps (the kernel then fails the init and retries at every ops update, so the target has no regions).
 * A gap replaces the biggest only when strictly bigger, the second biggest likewise, walking in
 * address order; the two are then sorted by address. Boundaries are aligned up to minRegion.
 */
export function threeRegions(mappings: readonly AddrRange[], minRegion = PAGE): [AddrRange, AddrRange, AddrRange] | null {
  const maps = [...mappings].sort((a, b) => a.start - b.start);
  if (maps.length === 0) return null;
  let first: AddrRange = { start: 0, end: 0 };
  let second: AddrRange = { start: 0, end: 0 };
  for (let i = 1; i < maps.length; i++) {
    const gap = maps[i].start - maps[i - 1].end;
    if (gap > first.end - first.start) {
      second = first;
      first = { start: maps[i - 1].end, end: maps[i].start };
    } else if (gap > second.end - second.start) second = { start: maps[i - 1].end, end: maps[i].start };
  }
  if (second.end - second.start <= 0 || first.end - first.start <= 0) return null;
  if (first.start > second.start) [first, second] = [second, first];
  const a = (x: number): number => alignUp(x, minRegion);
  return [
    { start: a(maps[0].start), end: a(first.start) },
    { start: a(first.end), end: a(second.start) },
    { start: a(second.end), end: a(maps[maps.length - 1].end) },
  ];
}

/**
 * The initial regions of a vaddr target (__damon_va_init_regions): each of the three regions is cut
 * into size / (total / min_nr_regions) equal pieces (aligned down to minRegion; the last piece takes
 * the rounding rest). A region smaller than one piece stays whole.
 */
export function vaddrInitRegions(three: readonly AddrRange[], minNrRegions: number, minRegion = PAGE): AddrRange[] {
  let sz = 0;
  for (const r of three) sz += r.end - r.start;
  if (minNrRegions > 0) sz = Math.floor(sz / minNrRegions);
  if (sz < minRegion) sz = minRegion;
  const out: AddrRange[] = [];
  for (const r of three) {
    const nrPieces = Math.floor((r.end - r.start) / sz);
    const piece = nrPieces > 0 ? alignDown(Math.floor((r.end - r.start) / nrPieces), minRegion) : 0;
    if (piece === 0) {
      out.push({ start: r.start, end: r.end });
      continue;
    }
    const first = { start: r.start, end: r.start + piece };
    out.push(first);
    let last = first;
    for (let s = first.end; s + piece <= r.end; s += piece) {
      last = { start: s, end: s + piece };
      out.push(last);
    }
    // complement the last piece for the rounding error (only when pieces were added, as the kernel does)
    if (last !== first) last.end = r.end;
  }
  return out;
}

/**
 * damon_set_regions: fit a target's regions to new ranges. Regions intersecting no range are
 * dropped; for each range, the first and last intersecting regions are stretched to the range's
 * (aligned) edges and holes between them are filled with new regions; a range no region intersects
 * gets one new region. `make` builds a new region (fresh counters).
 */
export function setRegions<R extends AddrRange>(regions: R[], ranges: readonly AddrRange[], make: (start: number, end: number) => R, minRegion = PAGE): R[] {
  const hits = (r: AddrRange, g: AddrRange): boolean => !(r.end <= g.start || g.end <= r.start);
  let out = regions.filter((r) => ranges.some((g) => hits(r, g)));
  for (const g of ranges) {
    const idx: number[] = [];
    out.forEach((r, i) => {
      if (hits(r, g)) idx.push(i);
    });
    if (idx.length === 0) {
      const nr = make(alignDown(g.start, minRegion), alignUp(g.end, minRegion));
      const at = out.findIndex((r) => r.start >= nr.end);
      out.splice(at < 0 ? out.length : at, 0, nr);
      continue;
    }
    const lo = idx[0];
    const hi = idx[idx.length - 1];
    out[lo].start = alignDown(g.start, minRegion);
    out[hi].end = alignUp(g.end, minRegion);
    const filled: R[] = [];
    for (let i = lo; i <= hi; i++) {
      filled.push(out[i]);
      if (i < hi && out[i].end !== out[i + 1].start) filled.push(make(out[i].end, out[i + 1].start));
    }
    out = [...out.slice(0, lo), ...filled, ...out.slice(hi + 1)];
  }
  return out;
}

/**
 * The address space a process gets when the scenario gives only its size: the layout of the test
 * host's damon-workload (a static x86-64 binary, `/proc/PID/maps` recorded by
 * scripts/experiments/vaddr-demotion.sh on Linux 7.2): the binary at 0x400000 (0.7 MiB in five
 * mappings, here one), the heap after a randomized brk gap, the workload's anonymous mapping at the
 * top of the mmap area under [vvar]/[vdso], and the stack 128 MiB + the mmap randomization below the
 * top of user space. x86-64 randomizes the brk gap within 1 GiB (measured: 498-649 MiB in three runs)
 * and the mmap base within 1 TiB (measured: 936 GiB under the stack); the default takes the middle of each range, so the
 * heap gap (512 MiB) is the third biggest gap and stays inside DAMON's first region.
 */
export function defaultLayout(sizeBytes: number): MappingSpec[] {
  const MiB = 1024 * 1024;
  const GiB = 1024 * MiB;
  const binary = { name: 'binary', start: 0x400000, sizeBytes: 0xb7000, workload: false };
  const heapStart = binary.start + binary.sizeBytes + 512 * MiB;
  const heap = { name: 'heap', start: heapStart, sizeBytes: 0x22000, workload: false };
  const stack = { name: 'stack', start: 0x7ffffffde000, sizeBytes: 0x21000, workload: false };
  const vdsoEnd = alignDown(stack.start - 128 * MiB - 512 * GiB, PAGE);
  const vdso = { name: 'vdso', start: vdsoEnd - 0x8000, sizeBytes: 0x8000, workload: false };
  const size = alignUp(sizeBytes, PAGE);
  const data = { name: 'data', start: vdso.start - size, sizeBytes: size, workload: true };
  return [binary, heap, data, vdso, stack];
}
