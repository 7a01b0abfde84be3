/** The result of a simulation run (also the JSON written by `simulate --json` and read by the chart page). */
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

/** A quota goal's metric over the same measurement window as the summary (the converged value). */
export interface GoalSummary {
  kdamond: number;
  context: number;
  scheme: number;
  /** index of the goal in the scheme's quotas.goals */
  goal: number;
  /** the goal's place in the config: ['kdamonds', k, 'contexts', c, 'schemes', s, 'quotas', 'goals', g] */
  configPath: (string | number)[];
  metric: string;
  nid: number | null;
  /** memcg path of node_memcg_* goals */
  path: string | null;
  targetValue: number;
  /** mean of the metric as the kernel computes it for the goal, in the metric's unit (bp for *_bp); null without samples */
  meanValue: number | null;
  stdevValue: number | null;
  windowStartSec: number;
  windowEndSec: number;
  samples: number;
}

export interface SimResult {
  seed: number;
  scenario: string;
  kernel: string;
  durationSec: number;
  chunkBytes: number;
  cancelled: boolean;
  wallMs: number;
  nodes: { nid: number; managedBytes: number }[];
  cgroups: string[];
  summary: SummaryRow[];
  /** every quota goal's converged value (what the editor shows next to the goal) */
  goals: GoalSummary[];
  series: SimSeries;
  stats: ({ kdamond: number; context: number; scheme: number; action: string; effectiveQuotaBytes: number | null } & SchemeStats)[];
  regions: { kdamond: number; context: number; min: number; max: number }[];
  migratedBytes: number;
  failedMigrationBytes: number;
  warnings: string[];
}
