/**
 * The simulated machine: physical memory cut into equal "chunks" (a few hundred KiB to a few MiB,
 * a power of two), each either a hole, kernel memory, free, or one chunk of a process's memory.
 * A process chunk behaves like one large folio: it is young/old, on a node, in a cgroup, and moves
 * as a whole. DAMON regions stay 4 KiB aligned; the chunk is only the granularity of page state,
 * so the cost of a run depends on the number of chunks (bounded) and regions, not on memory size.
 */
import { AccessTree, P_SCALE } from './access-tree';
import type { Rng } from './rng';
import type { Scenario, ScenarioNode } from './types';
import { defaultLayout } from './address-space';

export const PAGE_SIZE = 4096;
export const OWNER_FREE = -1;
export const OWNER_HOLE = -2;
export const OWNER_KERNEL = -3;
/** 4 KiB pages in a 2 MiB THP folio */
export const THP_PAGES = 512;
/** below 4 GiB: ZONE_DMA32 on x86-64; the page allocator prefers ZONE_NORMAL */
const DMA32_END = 4 * 1024 ** 3;
/** the buddy allocator's largest block: MAX_PAGE_ORDER 10, 1024 pages (4 MiB) on x86-64 */
const MAX_BUDDY_BYTES = 1024 * PAGE_SIZE;
/** a THP folio: 2 MiB, order 9 */
const THP_BYTES = THP_PAGES * PAGE_SIZE;
/** a page counts as "active" (LRU) for this long after its last access */
export const ACTIVE_AFTER_US = 10_000_000;
const MAX_CHUNKS = 65536;

export interface SimNode {
  nid: number;
  idx: number;
  spec: ScenarioNode;
  managedBytes: number;
  watermarkBytes: number;
  /** the 'random' policy's free slot pools: [0] ZONE_NORMAL, [1] below 4 GiB */
  pools: [Int32Array, Int32Array];
  poolLen: [number, number];
  /** the free lists ('lifo', 'buddy'): per zone, the first free block of each order (-1: none), and free slots */
  freeHead: [Int32Array, Int32Array];
  freeSlots: [number, number];
  slotsTotal: number;
}

/** a mapping of a process's address space; workload mappings own chunks v0 .. v0 + nChunks - 1 */
export interface SimMapping {
  name: string;
  start: number;
  end: number;
  /** first chunk (global virtual chunk index), -1 for a mapping without simulated pages */
  v0: number;
  nChunks: number;
}

export interface SimProcess {
  idx: number;
  name: string;
  pid: number;
  cgroup: string;
  cgroupIdx: number;
  homeNodeIdx: number;
  firstV: number;
  nV: number;
  /** every mapping in address order (DAMON's three-region init reads them) */
  maps: SimMapping[];
  /** the mappings that hold the process's chunks, in address order */
  dataMaps: SimMapping[];
  sizeBytes: number;
}

interface LiveTree {
  tree: AccessTree;
  space: 'phys' | 'virt';
  sampleUs: number;
  refs: number;
  /** fixed-point access probability per level */
  pOf: number[];
}

function pow2AtLeast(x: number): number {
  let p = PAGE_SIZE;
  while (p < x) p *= 2;
  return p;
}

/** largest power of two (≥ 4 KiB) dividing n */
function alignmentOf(n: number): number {
  if (n === 0) return 2 ** 40;
  let p = PAGE_SIZE;
  while (n % (p * 2) === 0 && p < 2 ** 40) p *= 2;
  return p;
}

export function chooseChunkBytes(sc: Scenario): number {
  let maxEnd = 0;
  let align = 2 ** 40;
  for (const n of sc.machine.nodes)
    for (const r of n.ranges) {
      maxEnd = Math.max(maxEnd, r.end);
      align = Math.min(align, alignmentOf(r.start), alignmentOf(r.end));
    }
  let c = sc.machine.chunkBytes ?? pow2AtLeast(Math.ceil(maxEnd / MAX_CHUNKS));
  c = Math.min(c, align);
  return Math.max(PAGE_SIZE, c);
}

export class Machine {
  readonly chunk: number;
  readonly nSlots: number;
  /** node index (not nid) of each slot, -1 for holes */
  readonly slotNode: Int8Array;
  readonly slotOwner: Int32Array;
  private readonly slotPos: Int32Array;
  readonly nodes: SimNode[];
  readonly nodeByNid = new Map<number, SimNode>();
  readonly processes: SimProcess[] = [];
  readonly cgroups: string[];
  private readonly cgroupIdx = new Map<string, number>();
  /** chunks of each process on each node: [proc * nNodes + nodeIdx] */
  readonly procNodeChunks: Float64Array;
  readonly nV: number;
  readonly vSlot: Int32Array;
  readonly vProc: Int32Array;
  readonly vLevel: Uint16Array;
  /** hot: when the current access level started; cold: time of the last access (µs) */
  readonly vTouch: Float64Array;
  /** last time the chunk's Accessed state was cleared (mkold), -Infinity if never */
  readonly vAged: Float64Array;
  /** an idle chunk's Accessed state is known not to have been sampled away up to this time (µs) */
  private readonly vSeen: Float64Array;
  /** mkolds per second DAMON's access sampling gives chunk v (set by the engine; null: not modelled) */
  samplingMkoldPerSec: ((v: number) => number) | null = null;
  /** 1 marked active (lru_prio), -1 deactivated (lru_deprio), 0 by recency */
  readonly vLru: Int8Array;
  readonly vSwapped: Uint8Array;
  /** accesses per page per second of each level; level 0 is idle */
  readonly levels: number[] = [0];
  private readonly levelOf = new Map<number, number>([[0, 0]]);
  readonly thp: boolean;
  readonly swapInUsPerPage: number;
  /**
   * Which free memory an allocation takes. Both list policies keep free blocks of 2^k chunks per zone
   * in lists (the smallest fitting block first, the last freed block of a size first, freed blocks
   * coalesced with their buddies) and give a THP folio one aligned 2 MiB block:
   * 'lifo' (default) coalesces only up to a THP folio, so freed base-page chunks are reused last
   * freed first, like the per-cpu page lists (with 4 KiB folios: one stack of freed chunks);
   * 'buddy' coalesces up to the buddy allocator's 4 MiB (MAX_PAGE_ORDER);
   * 'random': any free chunk, each chunk placed on its own.
   */
  readonly allocPolicy: 'buddy' | 'lifo' | 'random';
  /** largest order the free lists coalesce to, in chunks */
  readonly maxOrder: number;
  /** chunks per THP folio (1 without thp or with chunks of 2 MiB and more) and its buddy order */
  readonly folioChunks: number;
  readonly folioOrder: number;
  /** first chunk of chunk v's folio; the folio's chunks are vHead[v] .. vHead[v] + vFolioN[v] - 1 */
  readonly vHead: Int32Array;
  readonly vFolioN: Uint16Array;
  /** buddy lists: order of the free block starting at a slot (-1: not a free block's first slot), links */
  private readonly fOrder: Int8Array;
  private readonly fNext: Int32Array;
  private readonly fPrev: Int32Array;
  private readonly trees = new Map<string, LiveTree>();
  /** cumulative counters */
  psiUs = 0;
  migratedBytes = 0;
  pagedOutBytes = 0;
  failedMigrationBytes = 0;

  constructor(
    sc: Scenario,
    private readonly rng: Rng,
  ) {
    this.chunk = chooseChunkBytes(sc);
    this.thp = sc.machine.thp ?? false;
    this.swapInUsPerPage = sc.machine.swapInUsPerPage ?? 20;
    this.allocPolicy = sc.machine.allocPolicy ?? 'lifo';
    const C = this.chunk;
    // a THP folio's chunks lie in one aligned block (a PMD maps 2 MiB of contiguous memory)
    this.folioChunks = this.thp && C < THP_BYTES && this.allocPolicy !== 'random' ? THP_BYTES / C : 1;
    this.folioOrder = Math.round(Math.log2(this.folioChunks));
    this.maxOrder = this.allocPolicy === 'buddy' ? Math.max(this.folioOrder, Math.round(Math.log2(MAX_BUDDY_BYTES / C))) : this.folioOrder;
    let maxEnd = 0;
    for (const n of sc.machine.nodes) for (const r of n.ranges) maxEnd = Math.max(maxEnd, r.end);
    this.nSlots = Math.ceil(maxEnd / C);
    this.slotNode = new Int8Array(this.nSlots).fill(-1);
    this.slotOwner = new Int32Array(this.nSlots).fill(OWNER_HOLE);
    this.slotPos = new Int32Array(this.nSlots).fill(-1);
    this.fOrder = new Int8Array(this.nSlots).fill(-1);
    this.fNext = new Int32Array(this.nSlots).fill(-1);
    this.fPrev = new Int32Array(this.nSlots).fill(-1);
    this.nodes = sc.machine.nodes.map((spec, idx) => {
      let slots = 0;
      for (const r of spec.ranges) slots += Math.floor(r.end / C) - Math.floor(r.start / C);
      const reserved = spec.reservedBytes ?? 0;
      const managed = spec.managedBytes ?? Math.max(C, slots * C - reserved);
      const node: SimNode = {
        nid: spec.nid,
        idx,
        spec,
        managedBytes: managed,
        watermarkBytes: spec.watermarkBytes ?? Math.floor(managed * 0.005),
        pools: this.allocPolicy === 'random' ? [new Int32Array(slots), new Int32Array(slots)] : [new Int32Array(0), new Int32Array(0)],
        poolLen: [0, 0],
        freeHead: [new Int32Array(this.maxOrder + 1).fill(-1), new Int32Array(this.maxOrder + 1).fill(-1)],
        freeSlots: [0, 0],
        slotsTotal: slots,
      };
      this.nodeByNid.set(spec.nid, node);
      // Kernel-owned memory (reserved + other used) sits at the start of the node's first range.
      let kernelSlots = Math.ceil((reserved + (spec.otherUsedBytes ?? 0)) / C);
      const free: number[] = [];
      for (const r of spec.ranges) {
        for (let s = Math.floor(r.start / C); s < Math.floor(r.end / C); s++) {
          this.slotNode[s] = idx;
          if (kernelSlots > 0) {
            this.slotOwner[s] = OWNER_KERNEL;
            kernelSlots--;
          } else {
            this.slotOwner[s] = OWNER_FREE;
            free.push(s);
          }
        }
      }
      // the free lists hold boot memory in address order (memblock frees it to the tail:
      // __free_pages_core -> FPI_TO_TAIL), so the first allocations take the lowest addresses
      if (this.allocPolicy !== 'random') for (const f of free) this.freeBlock(node, f, 0, true);
      else for (let i = free.length - 1; i >= 0; i--) this.pushFree(node, free[i]);
      return node;
    });
    this.cgroups = [...new Set(['/', ...sc.machine.cgroups, ...sc.processes.map((p) => p.cgroup)])];
    this.cgroups.forEach((c, i) => this.cgroupIdx.set(c, i));
    let nV = 0;
    for (const [idx, p] of sc.processes.entries()) {
      const home = this.nodeByNid.get(p.node);
      const firstV = nV;
      const maps: SimMapping[] = [...(p.mappings ?? defaultLayout(p.sizeBytes))]
        .sort((a, b) => a.start - b.start)
        .map((mp) => {
          const n = mp.workload ? Math.ceil(mp.sizeBytes / C) : 0;
          const out: SimMapping = { name: mp.name, start: mp.start, end: mp.start + mp.sizeBytes, v0: mp.workload ? nV : -1, nChunks: n };
          nV += n;
          return out;
        });
      this.processes.push({
        idx,
        name: p.name,
        pid: p.pid,
        cgroup: p.cgroup,
        cgroupIdx: this.cgroupIdx.get(p.cgroup)!,
        homeNodeIdx: home ? home.idx : 0,
        firstV,
        nV: nV - firstV,
        maps,
        dataMaps: maps.filter((mp) => mp.v0 >= 0),
        sizeBytes: (nV - firstV) * C,
      });
    }
    this.nV = nV;
    this.vSlot = new Int32Array(nV).fill(-1);
    this.vProc = new Int32Array(nV);
    this.vLevel = new Uint16Array(nV);
    this.vTouch = new Float64Array(nV);
    this.vAged = new Float64Array(nV).fill(-Infinity);
    this.vSeen = new Float64Array(nV).fill(-Infinity);
    this.vLru = new Int8Array(nV);
    this.vSwapped = new Uint8Array(nV);
    this.vHead = new Int32Array(nV);
    this.vFolioN = new Uint16Array(nV);
    this.procNodeChunks = new Float64Array(Math.max(1, this.processes.length * this.nodes.length));
    const F = this.folioChunks;
    for (const p of this.processes) {
      for (const mp of p.dataMaps) {
        // folios are aligned in the mapping; a tail shorter than a THP is in base pages
        for (let i = 0; i < mp.nChunks; i++) {
          const i0 = i - (i % F);
          const n = Math.min(F, mp.nChunks - i0);
          this.vHead[mp.v0 + i] = mp.v0 + i0;
          this.vFolioN[mp.v0 + i] = n === F ? F : 1;
          if (n !== F) this.vHead[mp.v0 + i] = mp.v0 + i;
        }
      }
      for (let v = p.firstV; v < p.firstV + p.nV; v++) {
        this.vProc[v] = p.idx;
        // first touch: a THP folio gets one aligned block, as the fault path allocates it
        if (this.vFolioN[v] > 1 && this.vHead[v] === v) {
          const block = this.allocateBlock(this.nodes[p.homeNodeIdx], this.folioOrder, false);
          if (block !== null) {
            for (let i = 0; i < F; i++) {
              this.vProc[v + i] = p.idx;
              this.place(v + i, block + i);
            }
            v += F - 1;
            continue;
          }
        }
        if (this.vHead[v] === v && this.vFolioN[v] > 1) this.splitFolio(v);
        const slot = this.allocate(p.homeNodeIdx, false) ?? this.allocateAnywhere(p.homeNodeIdx);
        if (slot === null) {
          this.vSwapped[v] = 1;
          continue;
        }
        this.place(v, slot);
      }
    }
  }

  /** a THP folio whose chunks could not stay together becomes base pages for good (split_folio) */
  splitFolio(v: number): void {
    const n = this.vFolioN[v];
    for (let i = 0; i < n; i++) {
      this.vHead[v + i] = v + i;
      this.vFolioN[v + i] = 1;
    }
  }

  private zoneOf(slot: number): 0 | 1 {
    return slot * this.chunk < DMA32_END ? 1 : 0;
  }

  private listAdd(node: SimNode, z: 0 | 1, slot: number, order: number, toTail: boolean): void {
    this.fOrder[slot] = order;
    const head = node.freeHead[z][order];
    if (head < 0) {
      node.freeHead[z][order] = slot;
      this.fNext[slot] = slot;
      this.fPrev[slot] = slot;
    } else {
      // a circular list: the tail is the head's predecessor
      const tail = this.fPrev[head];
      this.fNext[tail] = slot;
      this.fPrev[slot] = tail;
      this.fNext[slot] = head;
      this.fPrev[head] = slot;
      if (!toTail) node.freeHead[z][order] = slot;
    }
  }

  private listDel(node: SimNode, z: 0 | 1, slot: number): void {
    const order = this.fOrder[slot];
    const next = this.fNext[slot];
    if (next === slot) node.freeHead[z][order] = -1;
    else {
      const prev = this.fPrev[slot];
      this.fNext[prev] = next;
      this.fPrev[next] = prev;
      if (node.freeHead[z][order] === slot) node.freeHead[z][order] = next;
    }
    this.fOrder[slot] = -1;
  }

  /**
   * Free a block of 2^order chunks (mm/page_alloc.c __free_one_page): merge it with its buddy while the
   * buddy is a free block of the same order in the same zone, up to the largest order; the merged block
   * goes to the head of its free list (reused first), to the tail when its own buddy one order up is
   * free too (buddy_merge_likely: keep it for a merge) or for boot memory.
   */
  private freeBlock(node: SimNode, slot: number, order: number, toTail: boolean): void {
    const z = this.zoneOf(slot);
    node.freeSlots[z] += 1 << order;
    while (order < this.maxOrder) {
      const buddy = slot ^ (1 << order);
      if (buddy >= this.nSlots || this.fOrder[buddy] !== order || this.slotNode[buddy] !== node.idx || this.zoneOf(buddy) !== z) break;
      this.listDel(node, z, buddy);
      slot = Math.min(slot, buddy);
      order++;
    }
    if (!toTail && order < this.maxOrder - 1) {
      const higher = slot & ~((2 << order) - 1);
      const higherBuddy = higher ^ (2 << order);
      toTail = higherBuddy < this.nSlots && this.fOrder[higherBuddy] === order + 1 && this.slotNode[higherBuddy] === node.idx;
    }
    this.listAdd(node, z, slot, order, toTail);
  }

  /**
   * Take a block of 2^order chunks (__rmqueue_smallest): the first block of the smallest order that
   * fits, ZONE_NORMAL before ZONE_DMA32; a larger block is split (expand) and its upper halves go back
   * to the heads of the lower orders' lists, so the next allocations continue right after this one.
   */
  private allocateBlock(node: SimNode, order: number, respectWatermark: boolean): number | null {
    const need = (1 << order) * this.chunk;
    const free = this.freeBytes(node);
    if (free < need || (respectWatermark && free - need < node.watermarkBytes)) return null;
    for (const z of [0, 1] as const) {
      for (let o = order; o <= this.maxOrder; o++) {
        const slot = node.freeHead[z][o];
        if (slot < 0) continue;
        this.listDel(node, z, slot);
        for (let h = o; h > order; h--) this.listAdd(node, z, slot + (1 << (h - 1)), h - 1, false);
        node.freeSlots[z] -= 1 << order;
        return slot;
      }
    }
    return null;
  }

  private pushFree(node: SimNode, slot: number): void {
    const z = slot * this.chunk < DMA32_END ? 1 : 0;
    node.pools[z][node.poolLen[z]] = slot;
    this.slotPos[slot] = node.poolLen[z]++;
  }

  private removeFree(node: SimNode, slot: number): void {
    const z = slot * this.chunk < DMA32_END ? 1 : 0;
    const pos = this.slotPos[slot];
    const last = node.pools[z][--node.poolLen[z]];
    node.pools[z][pos] = last;
    this.slotPos[last] = pos;
    this.slotPos[slot] = -1;
  }

  freeBytes(node: SimNode): number {
    return (node.poolLen[0] + node.poolLen[1] + node.freeSlots[0] + node.freeSlots[1]) * this.chunk;
  }

  /** a free slot of the node by the allocation policy, ZONE_NORMAL first; null when the node is at its watermark */
  allocate(nodeIdx: number, respectWatermark = true): number | null {
    const node = this.nodes[nodeIdx];
    if (!node) return null;
    if (this.allocPolicy !== 'random') return this.allocateBlock(node, 0, respectWatermark);
    const free = this.freeBytes(node);
    if (free < this.chunk || (respectWatermark && free - this.chunk < node.watermarkBytes)) return null;
    const z = node.poolLen[0] > 0 ? 0 : 1;
    const slot = node.pools[z][this.rng.below(node.poolLen[z])];
    this.removeFree(node, slot);
    return slot;
  }

  private allocateAnywhere(prefer: number): number | null {
    for (let i = 0; i < this.nodes.length; i++) {
      const s = this.allocate((prefer + i) % this.nodes.length, true);
      if (s !== null) return s;
    }
    return null;
  }

  /**
   * Accesses per second that set the Accessed bit DAMON reads for a chunk of this level: the rate of
   * its folio, not of one page. The young checks (damon_folio_young, via the rmap walk of
   * damon_pa_young / damon_va_young) test the folio: a PMD-mapped THP has one Accessed bit for its
   * 512 pages, so any access to any of them makes the whole folio young. `levels` are per 4 KiB page
   * and a chunk's pages share one rate, so a 2 MiB folio is accessed 512 times as often as one page.
   */
  folioRate(level: number): number {
    return this.levels[level] * (this.thp ? THP_PAGES : 1);
  }

  private pOf(t: LiveTree, level: number): number {
    while (t.pOf.length <= level) {
      const rate = this.folioRate(t.pOf.length);
      t.pOf.push(Math.round((1 - Math.exp(-(rate * t.sampleUs) / 1e6)) * P_SCALE));
    }
    return t.pOf[level];
  }

  /** the access-probability tree of an address space for a sampling interval (shared, ref-counted) */
  acquireTree(space: 'phys' | 'virt', sampleUs: number): AccessTree {
    const key = `${space}:${sampleUs}`;
    const have = this.trees.get(key);
    if (have) {
      have.refs++;
      return have.tree;
    }
    const n = space === 'phys' ? this.nSlots : this.nV;
    const t: LiveTree = { tree: new AccessTree(n), space, sampleUs, refs: 1, pOf: [] };
    const vals = new Int32Array(n);
    if (space === 'phys') {
      for (let s = 0; s < n; s++) {
        const v = this.slotOwner[s];
        if (v >= 0) vals[s] = this.pOf(t, this.vLevel[v]);
      }
    } else for (let v = 0; v < n; v++) if (this.vSlot[v] >= 0) vals[v] = this.pOf(t, this.vLevel[v]);
    t.tree.build(vals);
    this.trees.set(key, t);
    return t.tree;
  }

  releaseTree(space: 'phys' | 'virt', sampleUs: number): void {
    const key = `${space}:${sampleUs}`;
    const t = this.trees.get(key);
    if (t && --t.refs <= 0) this.trees.delete(key);
  }

  private treesUpdate(v: number, slot: number, present: boolean): void {
    for (const t of this.trees.values()) {
      const val = present ? this.pOf(t, this.vLevel[v]) : 0;
      if (t.space === 'phys') {
        if (slot >= 0) t.tree.set(slot, val);
      } else t.tree.set(v, val);
    }
  }

  private place(v: number, slot: number): void {
    this.vSlot[v] = slot;
    this.slotOwner[slot] = v;
    if (this.trees.size) this.treesUpdate(v, slot, true);
    this.procNodeChunks[this.vProc[v] * this.nodes.length + this.slotNode[slot]]++;
  }

  private unplace(v: number): number {
    const slot = this.vSlot[v];
    this.vSlot[v] = -1;
    this.slotOwner[slot] = OWNER_FREE;
    if (this.trees.size) this.treesUpdate(v, slot, false);
    const node = this.nodes[this.slotNode[slot]];
    this.procNodeChunks[this.vProc[v] * this.nodes.length + node.idx]--;
    if (this.allocPolicy !== 'random') this.freeBlock(node, slot, 0, false);
    else this.pushFree(node, slot);
    return slot;
  }

  /**
   * Migrate the folio whose first chunk is v to a node; the chunks it moved (0 when the destination has
   * no free memory above its watermark). A THP folio (folioChunks > 1, all its chunks in one aligned
   * block) gets one aligned block on the destination; when there is none, migrate_pages splits it and
   * moves the pieces as base pages.
   */
  migrateFolio(v: number, nodeIdx: number): number {
    const n = this.vFolioN[v];
    if (n <= 1 || this.vHead[v] !== v) return this.migrate(v, nodeIdx) ? 1 : 0;
    const dst = this.allocateBlock(this.nodes[nodeIdx], this.folioOrder, true);
    if (dst === null) {
      this.splitFolio(v);
      let moved = 0;
      for (let i = 0; i < n; i++) if (this.vSlot[v + i] >= 0 && this.slotNode[this.vSlot[v + i]] !== nodeIdx && this.migrate(v + i, nodeIdx)) moved++;
      return moved;
    }
    for (let i = 0; i < n; i++) {
      this.unplace(v + i);
      this.place(v + i, dst + i);
    }
    this.migratedBytes += n * this.chunk;
    return n;
  }

  /** Migrate chunk v to a node; false when the destination has no free memory above its watermark. */
  migrate(v: number, nodeIdx: number): boolean {
    const dst = this.allocate(nodeIdx, true);
    if (dst === null) {
      this.failedMigrationBytes += this.chunk;
      return false;
    }
    this.unplace(v);
    this.place(v, dst);
    this.migratedBytes += this.chunk;
    return true;
  }

  /** Reclaim chunk v to swap. */
  pageOut(v: number): void {
    this.unplace(v);
    this.vSwapped[v] = 1;
    this.pagedOutBytes += this.chunk;
  }

  /** Bring back swapped chunks that are being accessed; the stall feeds some_mem_psi_us. */
  refault(nowUs: number): void {
    if (this.pagedOutBytes === 0) return;
    for (let v = 0; v < this.nV; v++) {
      if (!this.vSwapped[v] || this.vLevel[v] === 0) continue;
      const p = this.processes[this.vProc[v]];
      const slot = this.allocate(p.homeNodeIdx, false) ?? this.allocateAnywhere(p.homeNodeIdx);
      if (slot === null) continue;
      this.vSwapped[v] = 0;
      this.place(v, slot);
      this.vTouch[v] = nowUs;
      this.psiUs += (this.chunk / PAGE_SIZE) * this.swapInUsPerPage;
    }
  }

  levelFor(rate: number): number {
    let l = this.levelOf.get(rate);
    if (l === undefined) {
      l = this.levels.length;
      if (l > 65535) throw new Error('too many distinct access rates');
      this.levels.push(rate);
      this.levelOf.set(rate, l);
    }
    return l;
  }

  /** change the access level of chunk v at time now, keeping its Accessed history right */
  setLevel(v: number, level: number, nowUs: number): void {
    const old = this.vLevel[v];
    if (old === level) return;
    // hot -> cold: the last access was just now; cold -> hot: accesses start now
    this.vTouch[v] = nowUs;
    this.vLevel[v] = level;
    this.vLru[v] = 0;
    if (this.trees.size && this.vSlot[v] >= 0) this.treesUpdate(v, this.vSlot[v], true);
  }

  /**
   * DAMON's young test for a chunk (mapped anon memory: PTE Accessed || !PG_idle). Hot chunks were
   * accessed since the last mkold with probability 1 - exp(-rate * dt).
   *
   * The last mkold is not only a young filter's: every sampling interval DAMON's access check clears
   * the Accessed bit and sets PG_idle of the folio at one random address per region
   * (damon_pa_prepare_access_checks / damon_va_prepare_access_checks -> damon_*_mkold), so a folio in
   * a region of S bytes is mkold'ed about C/S times per sampling interval. `samplingMkoldPerSec` gives
   * that rate for a chunk (the engine sums it over the contexts monitoring it); being memoryless, the
   * last such mkold lies an exponential time back.
   */
  isYoung(v: number, nowUs: number): boolean {
    const rate = this.folioRate(this.vLevel[v]);
    const aged = this.vAged[v];
    const lam = this.samplingMkoldPerSec ? this.samplingMkoldPerSec(v) : 0;
    if (rate > 0) {
      let since = Math.max(aged, this.vTouch[v]);
      if (lam > 0) since = Math.max(since, nowUs - (-Math.log(1 - this.rng.float()) / lam) * 1e6);
      if (!Number.isFinite(since)) return true;
      const dt = (nowUs - since) / 1e6;
      if (dt <= 0) return false;
      return this.rng.next32() < 1 - Math.exp(-rate * dt);
    }
    if (this.vTouch[v] <= aged) return false;
    if (lam > 0) {
      // idle chunk, accessed last at vTouch and known not sampled up to vSeen
      const from = Math.max(this.vTouch[v], this.vSeen[v]);
      if (nowUs > from && this.rng.float() >= Math.exp((-lam * (nowUs - from)) / 1e6)) {
        this.vAged[v] = nowUs;
        return false;
      }
      this.vSeen[v] = nowUs;
    }
    return true;
  }

  mkOld(v: number, nowUs: number): void {
    this.vAged[v] = nowUs;
  }

  isActive(v: number, nowUs: number): boolean {
    const f = this.vLru[v];
    if (f !== 0) return f > 0;
    return this.vLevel[v] !== 0 || nowUs - this.vTouch[v] < ACTIVE_AFTER_US;
  }

  cgroupIndex(path: string): number | undefined {
    return this.cgroupIdx.get(path);
  }

  /** LRU bytes of a cgroup (and its descendants, as memory.numa_stat counts) on a node */
  memcgNodeBytes(path: string, nodeIdx: number): number {
    const prefix = path === '/' ? '/' : `${path}/`;
    let chunks = 0;
    for (const p of this.processes) {
      if (p.cgroup === path || p.cgroup.startsWith(prefix)) chunks += this.procNodeChunks[p.idx * this.nodes.length + nodeIdx];
    }
    return chunks * this.chunk;
  }

  nodeUsedBytes(node: SimNode): number {
    return Math.max(0, node.managedBytes - this.freeBytes(node));
  }

  /** active / inactive LRU bytes system-wide */
  lruActiveInactive(nowUs: number): { active: number; inactive: number } {
    let a = 0;
    let i = 0;
    for (let v = 0; v < this.nV; v++) {
      if (this.vSlot[v] < 0) continue;
      if (this.isActive(v, nowUs)) a++;
      else i++;
    }
    return { active: a * this.chunk, inactive: i * this.chunk };
  }

  /** the virtual address of chunk v's first byte in its process's address space */
  vaddrOf(proc: SimProcess, v: number): number {
    for (const mp of proc.dataMaps) if (v >= mp.v0 && v < mp.v0 + mp.nChunks) return mp.start + (v - mp.v0) * this.chunk;
    return -1;
  }

  /**
   * Call fn(v) for every chunk of the process whose first byte lies in [start, end), in address order:
   * the folios a page-table walk of the range finds (gaps and mappings without pages have none).
   */
  forEachChunkIn(proc: SimProcess, start: number, end: number, fn: (v: number) => void): void {
    const C = this.chunk;
    for (const mp of proc.dataMaps) {
      if (mp.start >= end) break;
      if (mp.end <= start) continue;
      const lo = Math.max(0, Math.ceil((start - mp.start) / C));
      const hi = Math.min(mp.nChunks, Math.ceil((end - mp.start) / C));
      for (let i = lo; i < hi; i++) fn(mp.v0 + i);
    }
  }

  /** System RAM ranges of all nodes, in address order */
  systemRam(): { start: number; end: number; nid: number }[] {
    const out: { start: number; end: number; nid: number }[] = [];
    for (const n of this.nodes) for (const r of n.spec.ranges) out.push({ start: r.start, end: r.end, nid: n.nid });
    return out.sort((a, b) => a.start - b.start);
  }
}
