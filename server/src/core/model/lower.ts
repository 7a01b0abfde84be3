/**
 * Lowering: damo-format source tree -> KConfig in kernel units, exactly as damo 3.3 converts a config
 * file before staging it (percent -> samples, µs -> aggregation intervals, unit strings -> integers).
 * Every parsed scalar's value is kept (`values`) for hover and inlay hints.
 */
import type { ConfigPath, CoreDiagnostic } from '../diagnostic';
import { mapGet, type SNode, type SScalar } from '../parse/tree';
import { GOAL_METRICS } from '../schema/spec';
import {
  UINT_MAX,
  ULONG_MAX,
  type DamosActionName,
  type FilterTypeName,
  type GoalMetricName,
  type KAccessPattern,
  type KConfig,
  type KContext,
  type KFilter,
  type KKdamond,
  type KQuota,
  type KQuotaGoal,
  type KScheme,
  type KTarget,
  type KWatermarks,
  type OpsName,
} from './kernel';
import { parseBool, parseByKind, type ParsedValue, type ValueKind } from './units';

export interface LoweredDocument {
  kconfig: KConfig;
  /** parsed value of every unit-bearing scalar */
  values: Map<SScalar, ParsedValue>;
  /** how each scheme's access pattern was written (for rules and hover) */
  patternUnits: Map<string, { nrAccesses: 'percent' | 'samples'; age: 'us' | 'aggr_intervals' }>;
}

export const DEFAULTS = {
  sampleUs: 5000,
  aggrUs: 100000,
  updateUs: 1000000,
  nrRegionsMin: 10,
  nrRegionsMax: 1000,
};

const CORE_FILTER_TYPES = new Set<string>(['addr', 'target']);

export const pathKey = (p: ConfigPath): string => p.join('/');

/**
 * The integer this tool writes for a value: the exact value the user wrote, truncated to an integer
 * ("9.7%" is 970 bp; damo's float arithmetic would give 969 — rule damo-float-rounding says so).
 */
export function written(v: ParsedValue): number {
  if (v.special === 'max') return ULONG_MAX;
  return Math.trunc(v.value);
}

class Lowerer {
  readonly values = new Map<SScalar, ParsedValue>();
  readonly patternUnits = new Map<string, { nrAccesses: 'percent' | 'samples'; age: 'us' | 'aggr_intervals' }>();

  constructor(private readonly diags: CoreDiagnostic[]) {}

  private err(node: SNode, path: ConfigPath, code: string, message: string): void {
    this.diags.push({ code, severity: 'error', message, range: node.range, path });
  }

  /** Parse the scalar at `key` of `map` with a damo value parser. */
  num(map: SNode | null | undefined, key: string, kind: Exclude<ValueKind, 'bool'>, path: ConfigPath, dflt: number, signed = false): number {
    const v = this.parsed(map, key, kind, path, signed);
    return v ? written(v) : dflt;
  }

  parsed(map: SNode | null | undefined, key: string, kind: Exclude<ValueKind, 'bool'>, path: ConfigPath, signed = false): ParsedValue | undefined {
    const node = mapGet(map, key);
    if (node === undefined || node === null) return undefined;
    return this.parseNode(node, kind, () => [...path, key], signed);
  }

  /** `path` may be a thunk: paths are only needed when there is something to report. */
  parseNode(node: SNode, kind: Exclude<ValueKind, 'bool'>, path: ConfigPath | (() => ConfigPath), signed = false): ParsedValue | undefined {
    if (node.kind !== 'scalar') return undefined; // the schema pass reports the type
    if (node.value === null) return undefined;
    const r = parseByKind(kind, node.value);
    const at = () => (typeof path === 'function' ? path() : path);
    if (!r.ok) {
      this.err(node, at(), 'value-format', r.error);
      return undefined;
    }
    if (!signed && r.v.value < 0) {
      this.err(
        node,
        at(),
        'value-negative',
        `${node.source || String(node.value)} is negative: the kernel's file takes an unsigned number and refuses the write with EINVAL`,
      );
      return undefined;
    }
    this.values.set(node, r.v);
    return r.v;
  }

  bool(map: SNode | null | undefined, key: string, path: ConfigPath, dflt: boolean): boolean {
    const node = mapGet(map, key);
    if (node === undefined || node === null || node.kind !== 'scalar' || node.value === null) return dflt;
    const r = parseBool(node.value);
    if (!r.ok) {
      this.err(node, [...path, key], 'value-format', r.error);
      return dflt;
    }
    return r.value;
  }

  str(map: SNode | null | undefined, key: string): string | null {
    const node = mapGet(map, key);
    if (!node || node.kind !== 'scalar' || node.value === null) return null;
    return typeof node.value === 'string' ? node.value : String(node.value);
  }

  seq(map: SNode | null | undefined, key: string): SNode[] {
    const node = mapGet(map, key);
    return node && node.kind === 'seq' ? node.items : [];
  }

  config(root: SNode | null): KConfig {
    const kdamonds = this.seq(root, 'kdamonds').map((k, i) => this.kdamond(k, ['kdamonds', i]));
    return { kdamonds };
  }

  kdamond(node: SNode, path: ConfigPath): KKdamond {
    return {
      refreshMs: this.num(node, 'refresh_ms', 'ms', path, 0),
      contexts: this.seq(node, 'contexts').map((c, i) => this.context(c, [...path, 'contexts', i])),
    };
  }

  context(node: SNode, path: ConfigPath): KContext {
    const opsRaw = this.str(node, 'ops');
    const ops: OpsName = opsRaw === 'vaddr' || opsRaw === 'fvaddr' || opsRaw === 'paddr' ? opsRaw : 'paddr';
    const intervals = mapGet(node, 'intervals');
    const ip = [...path, 'intervals'];
    const sampleUs = this.num(intervals, 'sample_us', 'us', ip, DEFAULTS.sampleUs);
    const aggrUs = this.num(intervals, 'aggr_us', 'us', ip, DEFAULTS.aggrUs);
    const updateUs = this.num(intervals, 'ops_update_us', 'us', ip, DEFAULTS.updateUs);
    const goalNode = mapGet(intervals, 'intervals_goal');
    const gp = [...ip, 'intervals_goal'];
    const intervalsGoal =
      goalNode && goalNode.kind === 'map'
        ? {
            accessBp: this.num(goalNode, 'access_bp', 'bp', gp, 0),
            aggrs: this.num(goalNode, 'aggrs', 'nr', gp, 0),
            minSampleUs: this.num(goalNode, 'min_sample_us', 'us', gp, 0),
            maxSampleUs: this.num(goalNode, 'max_sample_us', 'us', gp, 0),
          }
        : null;
    const nrr = mapGet(node, 'nr_regions');
    const np = [...path, 'nr_regions'];
    const ctx: KContext = {
      ops,
      addrUnit: this.num(node, 'addr_unit', 'bytes', path, 1),
      sampleUs,
      aggrUs,
      updateUs,
      intervalsGoal,
      nrRegions: { min: this.num(nrr, 'min', 'nr', np, DEFAULTS.nrRegionsMin), max: this.num(nrr, 'max', 'nr', np, DEFAULTS.nrRegionsMax) },
      pause: this.bool(node, 'pause', path, false),
      targets: this.seq(node, 'targets').map((t, i) => this.target(t, [...path, 'targets', i])),
      schemes: [],
    };
    ctx.schemes = this.seq(node, 'schemes').map((s, i) => this.scheme(s, [...path, 'schemes', i], ctx));
    return ctx;
  }

  target(node: SNode, path: ConfigPath): KTarget {
    const pidNode = mapGet(node, 'pid');
    let pid: number | null = null;
    if (pidNode && pidNode.kind === 'scalar' && pidNode.value !== null) {
      const v = this.parseNode(pidNode, 'nr', [...path, 'pid'], true);
      pid = v ? written(v) : null;
    }
    return {
      pid,
      obsolete: this.bool(node, 'obsolete', path, false),
      regions: this.seq(node, 'regions').map((r, i) => {
        const rp = [...path, 'regions', i];
        return { start: this.num(r, 'start', 'bytes', rp, 0), end: this.num(r, 'end', 'bytes', rp, 0) };
      }),
    };
  }

  accessPattern(node: SNode | null | undefined, path: ConfigPath, ctx: KContext): KAccessPattern {
    if (!node || node.kind !== 'map') {
      return { sz: { min: 0, max: ULONG_MAX }, nrAccesses: { min: 0, max: UINT_MAX }, age: { min: 0, max: UINT_MAX } };
    }
    const szN = mapGet(node, 'sz_bytes');
    const sp = [...path, 'sz_bytes'];
    const sz = { min: this.num(szN, 'min', 'bytes', sp, 0), max: this.num(szN, 'max', 'bytes', sp, ULONG_MAX) };

    const maxSamples = ctx.sampleUs > 0 ? ctx.aggrUs / ctx.sampleUs : ctx.aggrUs;
    const nrN = mapGet(node, 'nr_accesses');
    const np = [...path, 'nr_accesses'];
    const nMin = this.parsed(nrN, 'min', 'nr_accesses', np);
    const nMax = this.parsed(nrN, 'max', 'nr_accesses', np);
    const nrUnit = nMin?.unit === 'samples' || nMax?.unit === 'samples' ? 'samples' : 'percent';
    if (nMin && nMax && (nMin.unit === 'samples') !== (nMax.unit === 'samples')) {
      const bad = mapGet(nrN, nMin.unit === 'samples' ? 'max' : 'min')!;
      const hint = (nMin.unit === 'samples' ? nMax : nMin).special === 'max' ? ' (write "max samples")' : '';
      this.err(
        bad,
        [...np, nMin.unit === 'samples' ? 'max' : 'min'],
        'access-pattern-mixed-units',
        `nr_accesses bounds mix a percentage and "samples": damo fails with "nr_accesses units should be same"${hint}`,
      );
    }
    const toSamples = (v: ParsedValue | undefined, dflt: number): number => {
      if (!v) return dflt;
      if (v.special === 'max') return UINT_MAX;
      if (v.unit === 'samples') return Math.trunc(v.value);
      return Math.trunc((v.value * maxSamples) / 100);
    };
    const ageN = mapGet(node, 'age');
    const ap = [...path, 'age'];
    const aMin = this.parsed(ageN, 'min', 'age', ap);
    const aMax = this.parsed(ageN, 'max', 'age', ap);
    const ageUnit = aMin?.unit === 'aggr_intervals' || aMax?.unit === 'aggr_intervals' ? 'aggr_intervals' : 'us';
    if (aMin && aMax && (aMin.unit === 'aggr_intervals') !== (aMax.unit === 'aggr_intervals')) {
      const which = aMin.unit === 'aggr_intervals' ? 'max' : 'min';
      const other = which === 'max' ? aMax : aMin;
      const hint = other.special === 'max' ? ' (write "max aggr_intervals")' : '';
      this.err(
        mapGet(ageN, which)!,
        [...ap, which],
        'access-pattern-mixed-units',
        `age bounds mix a time and "aggr_intervals": damo fails with "age units should be same"${hint}`,
      );
    }
    const toAggrs = (v: ParsedValue | undefined, dflt: number): number => {
      if (!v) return dflt;
      if (v.special === 'max') return UINT_MAX;
      if (v.unit === 'aggr_intervals') return Math.trunc(v.value);
      return ctx.aggrUs > 0 ? Math.trunc(v.value / ctx.aggrUs) : 0;
    };
    this.patternUnits.set(pathKey(path), { nrAccesses: nrUnit, age: ageUnit });
    return {
      sz,
      nrAccesses: { min: toSamples(nMin, 0), max: toSamples(nMax, UINT_MAX) },
      age: { min: toAggrs(aMin, 0), max: toAggrs(aMax, UINT_MAX) },
    };
  }

  goal(node: SNode, path: ConfigPath): KQuotaGoal {
    let metric = this.str(node, 'metric') as GoalMetricName | null;
    let targetKey = 'target_value';
    let currentKey = 'current_value';
    if (!metric && mapGet(node, 'target_value_bp') !== undefined) {
      metric = 'user_input';
      targetKey = 'target_value_bp';
      currentKey = 'current_value_bp';
    }
    const m = GOAL_METRICS.find((g) => g.name === metric);
    const kind = (m?.kind ?? 'nr') as Exclude<ValueKind, 'bool'>;
    const nidNode = mapGet(node, 'nid');
    let nid: number | null = null;
    if (nidNode && nidNode.kind === 'scalar' && nidNode.value !== null) {
      const v = this.parseNode(nidNode, 'nr', [...path, 'nid'], true);
      nid = v ? written(v) : null;
    }
    return {
      metric: (m?.name ?? 'user_input') as GoalMetricName,
      targetValue: this.num(node, targetKey, kind, path, 0),
      currentValue: this.num(node, currentKey, 'nr', path, 0),
      nid,
      path: this.str(node, 'memcg_path'),
    };
  }

  quota(node: SNode | null | undefined, path: ConfigPath): KQuota {
    const w = mapGet(node, 'weights');
    const wp = [...path, 'weights'];
    const tuner = this.str(node, 'goal_tuner');
    return {
      ms: this.num(node, 'time_ms', 'ms', path, 0),
      bytes: this.num(node, 'sz_bytes', 'bytes', path, 0),
      resetIntervalMs: this.num(node, 'reset_interval_ms', 'ms', path, ULONG_MAX),
      weights: {
        szPermil: this.num(w, 'sz_permil', 'permil', wp, 0),
        nrAccessesPermil: this.num(w, 'nr_accesses_permil', 'permil', wp, 0),
        agePermil: this.num(w, 'age_permil', 'permil', wp, 0),
      },
      goals: this.seq(node, 'goals').map((g, i) => this.goal(g, [...path, 'goals', i])),
      goalTuner: tuner === 'consist' || tuner === 'temporal' ? tuner : null,
      failChargeNum: this.num(node, 'fail_charge_num', 'nr', path, 0),
      failChargeDenom: this.num(node, 'fail_charge_denom', 'nr', path, 0),
    };
  }

  watermarks(node: SNode | null | undefined, path: ConfigPath): KWatermarks {
    const metric = this.str(node, 'metric');
    return {
      metric: metric === 'free_mem_rate' ? 'free_mem_rate' : 'none',
      intervalUs: this.num(node, 'interval_us', 'us', path, 0),
      high: this.num(node, 'high_permil', 'permil', path, 0),
      mid: this.num(node, 'mid_permil', 'permil', path, 0),
      low: this.num(node, 'low_permil', 'permil', path, 0),
    };
  }

  filter(node: SNode, path: ConfigPath, index: number): KFilter {
    const type = (this.str(node, 'filter_type') ?? 'anon') as FilterTypeName;
    const ar = mapGet(node, 'address_range');
    const hp = mapGet(node, 'hugepage_size');
    let hugepageMin = 0;
    let hugepageMax = 0;
    if (hp && hp.kind === 'seq' && hp.items.length === 2) {
      const lo = this.parseNode(hp.items[0], 'bytes', [...path, 'hugepage_size', 0]);
      const hi = this.parseNode(hp.items[1], 'bytes', [...path, 'hugepage_size', 1]);
      hugepageMin = lo ? written(lo) : 0;
      hugepageMax = hi ? written(hi) : 0;
    }
    const allowKey = mapGet(node, 'allow') !== undefined ? 'allow' : 'filter_pass';
    return {
      type,
      matching: this.bool(node, 'matching', path, false),
      allow: this.bool(node, allowKey, path, false),
      memcgPath: this.str(node, 'memcg_path'),
      addrStart: this.num(ar, 'start', 'bytes', [...path, 'address_range'], 0),
      addrEnd: this.num(ar, 'end', 'bytes', [...path, 'address_range'], 0),
      targetIdx: this.num(node, 'damon_target_idx', 'nr', path, 0, true),
      hugepageMin,
      hugepageMax,
      sourceIndex: index,
    };
  }

  scheme(node: SNode, path: ConfigPath, ctx: KContext): KScheme {
    const action = (this.str(node, 'action') ?? 'stat') as DamosActionName;
    const tnNode = mapGet(node, 'target_nid');
    let targetNid = -1;
    if (tnNode && tnNode.kind === 'scalar' && tnNode.value !== null) {
      const v = this.parseNode(tnNode, 'nr', [...path, 'target_nid'], true);
      if (v) targetNid = written(v);
    }
    const filters = this.seq(node, 'filters').map((f, i) => this.filter(f, [...path, 'filters', i], i));
    return {
      action,
      accessPattern: this.accessPattern(mapGet(node, 'access_pattern'), [...path, 'access_pattern'], ctx),
      applyIntervalUs: this.num(node, 'apply_interval_us', 'us', path, 0),
      quota: this.quota(mapGet(node, 'quotas'), [...path, 'quotas']),
      watermarks: this.watermarks(mapGet(node, 'watermarks'), [...path, 'watermarks']),
      targetNid,
      dests: this.seq(node, 'dests').map((d, i) => ({
        id: this.num(d, 'id', 'nr', [...path, 'dests', i], 0),
        weight: this.num(d, 'weight', 'nr', [...path, 'dests', i], 0),
      })),
      coreFilters: filters.filter((f) => CORE_FILTER_TYPES.has(f.type)),
      opsFilters: filters.filter((f) => !CORE_FILTER_TYPES.has(f.type)),
      maxNrSnapshots: 0,
    };
  }
}

export function lowerDocument(root: SNode | null, diagnostics: CoreDiagnostic[]): LoweredDocument {
  const l = new Lowerer(diagnostics);
  const kconfig = l.config(root);
  return { kconfig, values: l.values, patternUnits: l.patternUnits };
}
