/**
 * The kernel's view of a DAMON configuration: every value in the unit the
 * DAMON sysfs file takes (µs, ms, bytes, samples, aggregation intervals,
 * permil, bp). This is what damo stages under /sys/kernel/mm/damon/admin and
 * what both the simulator and the sysfs plan consume.
 *
 * The damo-format model (config.ts) lowers to this with `lowerConfig()`.
 */

/** ULONG_MAX on 64-bit. Not exact as a JS number; format with `sysfsDecimal()`. */
// 2^64 - 1 as the kernel writes it; as a double it is 2^64, which every comparison here expects
// eslint-disable-next-line no-loss-of-precision
export const ULONG_MAX = 18446744073709551615;
/** UINT_MAX: the largest value the kernel's 32-bit nr_accesses / age fields keep. */
export const UINT_MAX = 4294967295;

export type OpsName = 'vaddr' | 'fvaddr' | 'paddr';
export type DamosActionName =
  'willneed' | 'cold' | 'pageout' | 'hugepage' | 'nohugepage' | 'collapse' | 'lru_prio' | 'lru_deprio' | 'migrate_hot' | 'migrate_cold' | 'stat';
export type GoalMetricName =
  | 'user_input'
  | 'some_mem_psi_us'
  | 'node_mem_used_bp'
  | 'node_mem_free_bp'
  | 'node_memcg_used_bp'
  | 'node_memcg_free_bp'
  | 'active_mem_bp'
  | 'inactive_mem_bp'
  | 'node_eligible_mem_bp';
export type FilterTypeName = 'anon' | 'active' | 'memcg' | 'young' | 'hugepage_size' | 'unmapped' | 'addr' | 'target';
export type GoalTunerName = 'consist' | 'temporal';
export type WmarkMetricName = 'none' | 'free_mem_rate';

export interface KRegion {
  start: number;
  end: number;
}

export interface KTarget {
  /** pid_target; null for paddr. */
  pid: number | null;
  obsolete: boolean;
  regions: KRegion[];
}

export interface KIntervalsGoal {
  accessBp: number;
  aggrs: number;
  minSampleUs: number;
  maxSampleUs: number;
}

export interface KAccessPattern {
  /** bytes */
  sz: { min: number; max: number };
  /** samples per aggregation interval */
  nrAccesses: { min: number; max: number };
  /** aggregation intervals */
  age: { min: number; max: number };
}

export interface KQuotaGoal {
  metric: GoalMetricName;
  /** bp for *_bp metrics, µs for some_mem_psi_us, raw for user_input */
  targetValue: number;
  currentValue: number;
  nid: number | null;
  /** sysfs file `path` (damo key memcg_path) */
  path: string | null;
}

export interface KQuota {
  ms: number;
  bytes: number;
  resetIntervalMs: number;
  weights: { szPermil: number; nrAccessesPermil: number; agePermil: number };
  goals: KQuotaGoal[];
  goalTuner: GoalTunerName | null;
  failChargeNum: number;
  failChargeDenom: number;
}

export interface KWatermarks {
  metric: WmarkMetricName;
  intervalUs: number;
  high: number;
  mid: number;
  low: number;
}

export interface KFilter {
  type: FilterTypeName;
  matching: boolean;
  allow: boolean;
  memcgPath: string | null;
  addrStart: number;
  addrEnd: number;
  targetIdx: number;
  hugepageMin: number;
  hugepageMax: number;
  /** index of this filter in the damo `filters` list (before the core/ops split) */
  sourceIndex: number;
}

export interface KScheme {
  action: DamosActionName;
  accessPattern: KAccessPattern;
  applyIntervalUs: number;
  quota: KQuota;
  watermarks: KWatermarks;
  /** -1 (NUMA_NO_NODE) when not set */
  targetNid: number;
  dests: { id: number; weight: number }[];
  /** core_filters/ (addr, target) in order */
  coreFilters: KFilter[];
  /** ops_filters/ (everything else) in order */
  opsFilters: KFilter[];
  maxNrSnapshots: number;
}

export interface KContext {
  ops: OpsName;
  addrUnit: number;
  sampleUs: number;
  aggrUs: number;
  updateUs: number;
  intervalsGoal: KIntervalsGoal | null;
  nrRegions: { min: number; max: number };
  pause: boolean;
  targets: KTarget[];
  schemes: KScheme[];
}

export interface KKdamond {
  refreshMs: number;
  contexts: KContext[];
}

export interface KConfig {
  kdamonds: KKdamond[];
}

/** Plain decimal for a sysfs write: never octal-looking, never exponent notation. */
export function sysfsDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  if (n >= ULONG_MAX) return '18446744073709551615';
  const t = Math.trunc(n);
  if (Math.abs(t) <= Number.MAX_SAFE_INTEGER) return String(t);
  return BigInt(t).toString();
}
