/**
 * Scenario: the machine (a MachineProfile extended with simulator knobs), its processes and their
 * workloads, how long to run and what to sample. Sizes are bytes, times seconds, after loading.
 */
import type { ProfileNode } from '../profile';

export interface ScenarioNode extends ProfileNode {
  /** managed memory the kernel's *_bp metrics divide by; default sizeBytes - reservedBytes */
  managedBytes?: number;
  /** memory the kernel keeps for itself (struct pages, reservations): not managed */
  reservedBytes?: number;
  /** non-LRU memory in use on the node (kernel, slab): counts as used, never young, never migrated */
  otherUsedBytes?: number;
  /** free memory a migration must leave on the node (the allocation watermark); default 0.5 % of managed */
  watermarkBytes?: number;
}

export type WorkloadSpec =
  | { pattern: 'idle' }
  | { pattern: 'uniform'; accessesPerSec: number }
  | {
      /** N equal regions, `hotRegions` consecutive ones hot, moving to the next every periodSec (the seed's masim) */
      pattern: 'rotating-hot';
      regions: number;
      hotRegions?: number;
      periodSec: number;
      offsetSec?: number;
      accessesPerSec: number;
    }
  | {
      /** zipf-like skew: the chunk of rank k (1-based) is accessed accessesPerSec / k^exponent times a second */
      pattern: 'zipf';
      exponent: number;
      accessesPerSec: number;
      /** spread ranks over the address space instead of hottest-first */
      shuffle?: boolean;
    }
  | {
      /** phases in turn; a phase with only accessesPerSec keeps the previous pattern going at that rate */
      pattern: 'phases';
      repeat?: boolean;
      phases: { durationSec: number; workload?: WorkloadSpec; accessesPerSec?: number }[];
    };

/** one mapping (VMA) of a process's virtual address space */
export interface MappingSpec {
  name: string;
  /** virtual start address, page-aligned */
  start: number;
  sizeBytes: number;
  /**
   * holds the process's memory: the workload runs over the pages of these mappings (in address order).
   * Other mappings (binary, heap, stack, vdso) are mapped but hold no simulated pages: DAMON sees them
   * like the gaps, never young, nothing to move.
   */
  workload: boolean;
}

export interface ProcessSpec {
  name: string;
  pid: number;
  /** absolute cgroup v2 path */
  cgroup: string;
  sizeBytes: number;
  /**
   * the address space (DAMON vaddr's view); default the layout of the test host's workload around one
   * mapping of sizeBytes (address-space.ts defaultLayout)
   */
  mappings?: MappingSpec[];
  /** node the process allocates on first (CPU-local first touch); falls back to others when full */
  node: number;
  workload: WorkloadSpec;
}

export interface SamplingSpec {
  /** series resolution, seconds */
  intervalSec: number;
  /** the measurement window, like the seed's 42 reads 5 s apart at the end of the run */
  window: { samples: number; intervalSec: number };
}

export interface Scenario {
  name: string;
  description?: string;
  /** kernel release the simulator imitates (its behaviours by KERNEL_SINCE in schema/spec.ts) */
  kernel: string;
  machine: {
    name?: string;
    nodes: ScenarioNode[];
    cgroups: string[];
    /** simulation granularity; default the power of two that gives at most 65536 chunks */
    chunkBytes?: number;
    /** transparent huge pages: folio size 2 MiB for hugepage_size filters */
    thp?: boolean;
    /** which free memory an allocation takes (Machine.allocPolicy): 'lifo' (default), 'buddy' or 'random' */
    allocPolicy?: 'lifo' | 'buddy' | 'random';
    /** cost of a refault from swap per 4 KiB page, µs (feeds some_mem_psi_us) */
    swapInUsPerPage?: number;
  };
  processes: ProcessSpec[];
  durationSec: number;
  sampling: SamplingSpec;
  /** default PRNG seed when the caller gives none */
  seed?: number;
}
