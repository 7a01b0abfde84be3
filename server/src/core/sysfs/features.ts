/**
 * Host capabilities: which DAMON sysfs files and keywords a host's kernel has. Files are detected
 * by existence (what the probe lists under a kdamond skeleton); keywords (actions, goal metrics,
 * filter types) cannot be seen without writing them, so they come from the kernel version.
 * Pure: no I/O.
 */
import type { DamosActionName, FilterTypeName, GoalMetricName, OpsName } from '../model/kernel';

export type HostFeature =
  | 'refresh_ms' | 'addr_unit' | 'pause' | 'intervals_goal' | 'obsolete_target'
  | 'apply_interval_us' | 'target_nid' | 'dests' | 'core_filters' | 'filters' | 'filter_allow'
  | 'goals' | 'goal_metric' | 'goal_nid' | 'goal_path' | 'goal_tuner' | 'fail_charge'
  | 'effective_bytes' | 'max_nr_snapshots' | 'filter_hugepage_size';

/** A file (relative to kdamonds/0 of a skeleton with one of every child) that proves a feature. */
export const FEATURE_FILES: Record<HostFeature, string> = {
  refresh_ms: 'refresh_ms',
  addr_unit: 'contexts/0/addr_unit',
  pause: 'contexts/0/pause',
  intervals_goal: 'contexts/0/monitoring_attrs/intervals/intervals_goal/aggrs',
  obsolete_target: 'contexts/0/targets/0/obsolete_target',
  apply_interval_us: 'contexts/0/schemes/0/apply_interval_us',
  target_nid: 'contexts/0/schemes/0/target_nid',
  dests: 'contexts/0/schemes/0/dests/nr_dests',
  core_filters: 'contexts/0/schemes/0/core_filters/nr_filters',
  filters: 'contexts/0/schemes/0/filters/nr_filters',
  filter_allow: 'contexts/0/schemes/0/filters/0/allow',
  filter_hugepage_size: 'contexts/0/schemes/0/filters/0/min',
  goals: 'contexts/0/schemes/0/quotas/goals/nr_goals',
  goal_metric: 'contexts/0/schemes/0/quotas/goals/0/target_metric',
  goal_nid: 'contexts/0/schemes/0/quotas/goals/0/nid',
  goal_path: 'contexts/0/schemes/0/quotas/goals/0/path',
  goal_tuner: 'contexts/0/schemes/0/quotas/goal_tuner',
  fail_charge: 'contexts/0/schemes/0/quotas/fail_charge_denom',
  effective_bytes: 'contexts/0/schemes/0/quotas/effective_bytes',
  max_nr_snapshots: 'contexts/0/schemes/0/stats/max_nr_snapshots',
};

/** The Linux release that added each feature (for messages). */
export const FEATURE_SINCE: Record<HostFeature, string> = {
  refresh_ms: '6.17', addr_unit: '6.18', pause: '7.2', intervals_goal: '6.15', obsolete_target: '6.19',
  apply_interval_us: '6.7', target_nid: '6.11', dests: '6.17', core_filters: '6.15', filters: '6.3',
  filter_allow: '6.14', filter_hugepage_size: '6.15', goals: '6.8', goal_metric: '6.9', goal_nid: '6.16',
  goal_path: '6.19', goal_tuner: '7.1', fail_charge: '7.2', effective_bytes: '6.9', max_nr_snapshots: '7.0',
};

const ACTION_SINCE: Record<DamosActionName, string> = {
  willneed: '5.18', cold: '5.18', pageout: '5.18', hugepage: '5.18', nohugepage: '5.18', collapse: '7.2',
  lru_prio: '6.0', lru_deprio: '6.0', migrate_hot: '6.11', migrate_cold: '6.11', stat: '5.18',
};
const METRIC_SINCE: Record<GoalMetricName, string> = {
  user_input: '6.8', some_mem_psi_us: '6.9', node_mem_used_bp: '6.16', node_mem_free_bp: '6.16',
  node_memcg_used_bp: '6.19', node_memcg_free_bp: '6.19', active_mem_bp: '7.0', inactive_mem_bp: '7.0',
  node_eligible_mem_bp: '7.2',
};
const FILTER_SINCE: Record<FilterTypeName, string> = {
  anon: '6.3', memcg: '6.3', addr: '6.6', target: '6.6', young: '6.10', hugepage_size: '6.15',
  unmapped: '6.15', active: '6.15',
};

export interface HostCapabilities {
  /** `uname -r`, e.g. 7.2.13+deb14-cloud-amd64 */
  release: string;
  /** [major, minor] parsed from the release, null if unparsable */
  version: [number, number] | null;
  availOps: OpsName[];
  features: Set<HostFeature>;
  actions: Set<DamosActionName>;
  metrics: Set<GoalMetricName>;
  filterTypes: Set<FilterTypeName>;
}

export function parseRelease(release: string): [number, number] | null {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function has(v: [number, number] | null, since: string): boolean {
  if (!v) return true; // unknown version: do not refuse keywords, the kernel will answer
  const [a, b] = since.split('.').map(Number);
  return v[0] > a || (v[0] === a && v[1] >= b);
}

function keywordSets(v: [number, number] | null) {
  const pick = <K extends string>(t: Record<K, string>) => new Set((Object.keys(t) as K[]).filter((k) => has(v, t[k])));
  return { actions: pick(ACTION_SINCE), metrics: pick(METRIC_SINCE), filterTypes: pick(FILTER_SINCE) };
}

/** Capabilities from the files the probe found under its kdamond skeleton (relative to kdamonds/0). */
export function capabilitiesFromFiles(release: string, availOps: string[], files: Iterable<string>): HostCapabilities {
  const present = new Set(files);
  const version = parseRelease(release);
  const features = new Set<HostFeature>();
  for (const [f, file] of Object.entries(FEATURE_FILES) as [HostFeature, string][]) {
    if (present.has(file)) features.add(f);
    // filter files may be seen under ops_filters when the legacy dir is gone
    else if (file.includes('/filters/0/') && present.has(file.replace('/filters/0/', '/ops_filters/0/'))) features.add(f);
  }
  return {
    release,
    version,
    availOps: availOps.filter((o): o is OpsName => o === 'vaddr' || o === 'fvaddr' || o === 'paddr'),
    features,
    ...keywordSets(version),
  };
}

/** Capabilities of a kernel version when no host is at hand (`plan` without --host): by the version table. */
export function capabilitiesForVersion(kernel: string): HostCapabilities {
  const version = parseRelease(kernel);
  const features = new Set<HostFeature>();
  for (const f of Object.keys(FEATURE_SINCE) as HostFeature[]) {
    if (has(version, FEATURE_SINCE[f])) features.add(f);
  }
  return { release: kernel, version, availOps: ['vaddr', 'fvaddr', 'paddr'], features, ...keywordSets(version) };
}

export function featureSince(f: HostFeature): string {
  return FEATURE_SINCE[f];
}
export function actionSince(a: DamosActionName): string {
  return ACTION_SINCE[a];
}
export function metricSince(m: GoalMetricName): string {
  return METRIC_SINCE[m];
}
export function filterSince(t: FilterTypeName): string {
  return FILTER_SINCE[t];
}
