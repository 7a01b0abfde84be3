/** The result of a simulation run (also the JSON written by `simulate --json` and read by the chart page). */
import type { Baseline } from './damon';
import type { SchemeStats } from './damos';

export interface SchemeSeries {
  kdamond: number;
  context: number;
  scheme: number;
  action: string;
  targetNid: number;
  /** bytes per charge window; null when the scheme has no quota (unlimited) */
  effectiveQuotaBytes: (number | null)[];
  appliedBytesPerSec: number[];
  goals: { metric: string; nid: number | null; path: string | null; targetValue: number; current: number[] }[];
}

export interface SimSeries {
  /** seconds since DAMON started */
  t: number[];
  /** bytes of each cgroup (with descendants) on each node: usage[cgroup][nid] */
  usage: Record<string, Record<string, number[]>>;
  nodeUsed: Record<string, number[]>;
  migrationBytesPerSec: number[];
  schemes: SchemeSeries[];
  regions: { kdamond: number; context: number; nr: number[] }[];
}

export interface SummaryRow {
  /** cgroup path as the config names it */
  cgroup: string;
  nid: number;
  meanBytes: number;
  stdevBytes: number;
  /** what the node_memcg_used_bp goal asks for (or 100 % minus the free goal) */
  targetBytes: number | null;
  /** the band between the promotion and demotion goals */
  targetLowBytes: number | null;
  targetHighBytes: number | null;
  /** first time the usage came within 10 % of the band; null if never */
  convergedAtSec: number | null;
  windowStartSec: number;
  windowEndSec: number;
  samples: number;
}

export interface SimResult {
  seed: number;
  scenario: string;
  kernel: string;
  baseline: Baseline;
  durationSec: number;
  chunkBytes: number;
  cancelled: boolean;
  wallMs: number;
  nodes: { nid: number; managedBytes: number }[];
  cgroups: string[];
  summary: SummaryRow[];
  series: SimSeries;
  stats: ({ kdamond: number; context: number; scheme: number; action: string; effectiveQuotaBytes: number | null } & SchemeStats)[];
  regions: { kdamond: number; context: number; min: number; max: number }[];
  migratedBytes: number;
  failedMigrationBytes: number;
  warnings: string[];
}
