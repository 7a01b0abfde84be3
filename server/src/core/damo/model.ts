/**
 * The damo-format config object the importer builds and the exporter reads: the same shape as
 * damo's JSON config file ({"kdamonds": [...]}), with every value in the unit its key implies
 * (µs for *_us, ms for *_ms, bytes, percent for nr_accesses, µs for age, ‰, bp) and "max" for
 * damo's ULONG_MAX. Values the importer could not know are kept as strings (see `DcValue`).
 */
import type { ConfigPath, OffsetRange } from '../diagnostic';
import { ACTIONS } from '../schema/spec';

/** a number in the key's unit, "max", or an unevaluated/placeholder string */
export type DcValue = number | string;

export interface DcRegion {
  start: DcValue;
  end: DcValue;
}
export interface DcTarget {
  pid: number | string | null;
  obsolete?: boolean;
  regions: DcRegion[];
}
export interface DcIntervalsGoal {
  access_bp: DcValue;
  aggrs: DcValue;
  min_sample_us: DcValue;
  max_sample_us: DcValue;
}
export interface DcIntervals {
  sample_us: DcValue;
  aggr_us: DcValue;
  ops_update_us: DcValue;
  intervals_goal?: DcIntervalsGoal;
}
export interface DcProbeFilter {
  filter_type: string;
  matching: boolean;
  allow: boolean;
  path: string | null;
}
export interface DcProbe {
  filters: DcProbeFilter[];
}
export interface DcContext {
  ops: string;
  addr_unit?: DcValue;
  targets: DcTarget[];
  intervals: DcIntervals;
  nr_regions: { min: DcValue; max: DcValue };
  pause?: boolean;
  probes?: DcProbe[];
  schemes: DcScheme[];
}
export interface DcGoal {
  metric: string;
  nid?: DcValue;
  memcg_path?: string;
  target_value: DcValue;
  current_value: DcValue;
}
export interface DcQuotas {
  time_ms: DcValue;
  sz_bytes: DcValue;
  reset_interval_ms: DcValue;
  weights: { sz_permil: DcValue; nr_accesses_permil: DcValue; age_permil: DcValue };
  goals: DcGoal[];
  goal_tuner?: string;
  fail_charge_num?: DcValue;
  fail_charge_denom?: DcValue;
}
export interface DcWatermarks {
  metric: string;
  interval_us: DcValue;
  high_permil: DcValue;
  mid_permil: DcValue;
  low_permil: DcValue;
}
export interface DcFilter {
  filter_type: string;
  matching: boolean;
  allow: boolean;
  memcg_path?: string;
  address_range?: { start: DcValue; end: DcValue };
  damon_target_idx?: DcValue;
  hugepage_size?: [DcValue, DcValue];
}
export interface DcScheme {
  action: string;
  target_nid?: DcValue;
  dests?: { id: DcValue; weight: DcValue }[];
  access_pattern: {
    sz_bytes: { min: DcValue; max: DcValue };
    nr_accesses: { min: DcValue; max: DcValue };
    age: { min: DcValue; max: DcValue };
  };
  apply_interval_us: DcValue;
  quotas: DcQuotas;
  watermarks: DcWatermarks;
  filters: DcFilter[];
}
export interface DcKdamond {
  refresh_ms?: DcValue;
  contexts: DcContext[];
}
export interface DamoConfig {
  kdamonds: DcKdamond[];
}

/** config path → span of the command text that produced that node */
export class SourceMap {
  private readonly map = new Map<string, OffsetRange>();

  set(path: ConfigPath, range: OffsetRange): void {
    this.map.set(JSON.stringify(path), range);
  }

  /** sets only if nothing is recorded for the path yet */
  setDefault(path: ConfigPath, range: OffsetRange): void {
    const k = JSON.stringify(path);
    if (!this.map.has(k)) this.map.set(k, range);
  }

  get(path: ConfigPath): OffsetRange | undefined {
    return this.map.get(JSON.stringify(path));
  }

  /** the span recorded for the longest prefix of `path` */
  lookup(path: ConfigPath): { range: OffsetRange; path: ConfigPath } | undefined {
    for (let n = path.length; n >= 0; n--) {
      const p = path.slice(0, n);
      const r = this.map.get(JSON.stringify(p));
      if (r) return { range: r, path: p };
    }
    return undefined;
  }

  entries(): [ConfigPath, OffsetRange][] {
    return [...this.map.entries()].map(([k, v]) => [JSON.parse(k) as ConfigPath, v]);
  }
}

/** the DAMOS actions damo accepts: the spec's action table (one list of actions) */
export const DAMOS_ACTIONS: string[] = ACTIONS.map((a) => a.name);
/**
 * The importer's goal-metric tables for damo's command line (which metrics it accepts, which take a
 * nid and memcg path, whose target it reads as basis points), not the kernel's metric families
 * (rules/metrics.ts, schema/spec.ts). They differ on node_eligible_mem_bp, whose target damo v3.3
 * reads with text_to_nr (see import/goal.ts).
 */
export const GOAL_METRICS = [
  'user_input',
  'some_mem_psi_us',
  'node_mem_used_bp',
  'node_mem_free_bp',
  'node_memcg_used_bp',
  'node_memcg_free_bp',
  'active_mem_bp',
  'inactive_mem_bp',
  'node_eligible_mem_bp',
];
export const NID_METRICS = ['node_mem_used_bp', 'node_mem_free_bp', 'node_memcg_used_bp', 'node_memcg_free_bp'];
export const MEMCG_METRICS = ['node_memcg_used_bp', 'node_memcg_free_bp'];
export const BP_METRICS = ['node_mem_used_bp', 'node_mem_free_bp', 'node_memcg_used_bp', 'node_memcg_free_bp', 'active_mem_bp', 'inactive_mem_bp'];
export const FILTER_TYPES_NO_ARG = ['anon', 'active', 'young', 'unmapped'];
export const FILTER_TYPES = ['anon', 'active', 'memcg', 'young', 'hugepage_size', 'unmapped', 'addr', 'target'];
