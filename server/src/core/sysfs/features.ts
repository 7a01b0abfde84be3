/**
 * Host capabilities: which DAMON sysfs files and keywords a host's kernel has. Files are detected
 * by existence (what the probe lists under a kdamond skeleton); keywords (actions, goal metrics,
 * filter types) cannot be seen without writing them, so they come from the kernel version.
 * Pure: no I/O.
 */
import type { DamosActionName, FilterTypeName, GoalMetricName, OpsName } from '../model/kernel';
import { kernelHas, parseKernelVersion, type KernelVersion } from '../kernel-version';
import { ACTIONS, FILTER_TYPES, GOAL_METRICS, KERNEL_SINCE, schemaAt, type KernelFact } from '../schema/spec';

const CTX = ['kdamonds', 0, 'contexts', 0];
const SCHEME = [...CTX, 'schemes', 0];

export type HostFeature =
  | 'refresh_ms'
  | 'addr_unit'
  | 'pause'
  | 'intervals_goal'
  | 'obsolete_target'
  | 'apply_interval_us'
  | 'target_nid'
  | 'dests'
  | 'core_filters'
  | 'filters'
  | 'filter_allow'
  | 'goals'
  | 'goal_metric'
  | 'goal_nid'
  | 'goal_path'
  | 'goal_tuner'
  | 'fail_charge'
  | 'effective_bytes'
  | 'max_nr_snapshots'
  | 'filter_hugepage_size';

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

/**
 * Where the first release of each feature is written down (one table: the format spec): the config
 * key the file belongs to (its `x-since`), or a KERNEL_SINCE fact for files with no key of their own.
 */
const FEATURE_SOURCE: Record<HostFeature, (string | number)[] | KernelFact> = {
  refresh_ms: ['kdamonds', 0, 'refresh_ms'],
  addr_unit: [...CTX, 'addr_unit'],
  pause: [...CTX, 'pause'],
  intervals_goal: [...CTX, 'intervals', 'intervals_goal'],
  obsolete_target: [...CTX, 'targets', 0, 'obsolete'],
  apply_interval_us: [...SCHEME, 'apply_interval_us'],
  target_nid: [...SCHEME, 'target_nid'],
  dests: [...SCHEME, 'dests'],
  core_filters: 'core_filters_dir',
  filters: [...SCHEME, 'filters'],
  filter_allow: [...SCHEME, 'filters', 0, 'allow'],
  filter_hugepage_size: [...SCHEME, 'filters', 0, 'hugepage_size'],
  goals: [...SCHEME, 'quotas', 'goals'],
  goal_metric: [...SCHEME, 'quotas', 'goals', 0, 'metric'],
  goal_nid: [...SCHEME, 'quotas', 'goals', 0, 'nid'],
  goal_path: [...SCHEME, 'quotas', 'goals', 0, 'memcg_path'],
  goal_tuner: [...SCHEME, 'quotas', 'goal_tuner'],
  fail_charge: [...SCHEME, 'quotas', 'fail_charge_denom'],
  effective_bytes: 'effective_bytes',
  max_nr_snapshots: 'max_nr_snapshots',
};

function sinceOf(src: (string | number)[] | KernelFact): string {
  if (typeof src === 'string') return KERNEL_SINCE[src];
  const since = schemaAt(src)?.['x-since'];
  if (typeof since !== 'string') throw new Error(`spec has no x-since at ${src.join('.')}`);
  return since;
}

/** The Linux release that added each feature (for messages and version-only capabilities). */
const FEATURE_SINCE = Object.fromEntries((Object.keys(FEATURE_SOURCE) as HostFeature[]).map((f) => [f, sinceOf(FEATURE_SOURCE[f])])) as Record<
  HostFeature,
  string
>;
const ACTION_SINCE = Object.fromEntries(ACTIONS.map((a) => [a.name, a.since])) as Record<DamosActionName, string>;
const METRIC_SINCE = Object.fromEntries(GOAL_METRICS.map((m) => [m.name, m.since])) as Record<GoalMetricName, string>;
const FILTER_SINCE = Object.fromEntries(FILTER_TYPES.map((t) => [t.name, t.since])) as Record<FilterTypeName, string>;

export interface HostCapabilities {
  /** `uname -r`, e.g. 7.2.13+deb14-cloud-amd64 */
  release: string;
  /** [major, minor] parsed from the release, null if unparsable */
  version: KernelVersion | null;
  availOps: OpsName[];
  features: Set<HostFeature>;
  actions: Set<DamosActionName>;
  metrics: Set<GoalMetricName>;
  filterTypes: Set<FilterTypeName>;
}

function has(v: KernelVersion | null, since: string): boolean {
  if (!v) return true; // unknown version: do not refuse keywords, the kernel will answer
  return kernelHas(v, since);
}

function keywordSets(v: [number, number] | null) {
  const pick = <K extends string>(t: Record<K, string>) => new Set((Object.keys(t) as K[]).filter((k) => has(v, t[k])));
  return { actions: pick(ACTION_SINCE), metrics: pick(METRIC_SINCE), filterTypes: pick(FILTER_SINCE) };
}

/** Capabilities from the files the probe found under its kdamond skeleton (relative to kdamonds/0). */
export function capabilitiesFromFiles(release: string, availOps: string[], files: Iterable<string>): HostCapabilities {
  const present = new Set(files);
  const version = parseKernelVersion(release) ?? null;
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
  const version = parseKernelVersion(kernel) ?? null;
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
