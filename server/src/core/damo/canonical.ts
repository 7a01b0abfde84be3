/**
 * Canonical form of a damo config: any config damo accepts (unit strings, legacy keys, YAML 1.1
 * scalars) → the shape of `DamoConfig` with every value a plain number in its key's unit (or "max"),
 * defaults filled in where damo requires the key, and settings equal to their default left out
 * where damo treats "absent" and "default" the same. The importer's output and the JSON exporter's
 * output are both in this form, so import(export(x)) can be compared with x field by field.
 */
import type { ConfigPath } from '../diagnostic';
import { parseBool, parseByKind, type ValueKind } from '../model/units';
import {
  BP_METRICS,
  FILTER_TYPES,
  MEMCG_METRICS,
  NID_METRICS,
  type DamoConfig,
  type DcContext,
  type DcFilter,
  type DcGoal,
  type DcKdamond,
  type DcProbe,
  type DcQuotas,
  type DcScheme,
  type DcTarget,
  type DcValue,
} from './model';

export interface CanonProblem {
  path: ConfigPath;
  message: string;
  severity: 'error' | 'warning';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const KNOWN: Record<string, string[]> = {
  root: ['kdamonds'],
  kdamond: ['contexts', 'refresh_ms', 'state', 'pid'],
  context: ['ops', 'addr_unit', 'targets', 'intervals', 'nr_regions', 'schemes', 'pause', 'probes', 'sample_control', 'ops_attrs'],
  target: ['pid', 'obsolete', 'regions'],
  region: ['start', 'end'],
  intervals: ['sample_us', 'aggr_us', 'ops_update_us', 'intervals_goal'],
  scheme: ['action', 'target_nid', 'dests', 'access_pattern', 'apply_interval_us', 'quotas', 'watermarks', 'filters', 'stats', 'tried_regions'],
  quotas: ['time_ms', 'sz_bytes', 'reset_interval_ms', 'weights', 'goals', 'goal_tuner', 'fail_charge_num', 'fail_charge_denom', 'effective_sz_bytes'],
  goal: ['metric', 'target_value', 'current_value', 'nid', 'memcg_path', 'target_value_bp', 'current_value_bp'],
  filter: ['filter_type', 'matching', 'allow', 'filter_pass', 'memcg_path', 'address_range', 'damon_target_idx', 'hugepage_size'],
};

class Canon {
  readonly problems: CanonProblem[] = [];

  problem(path: ConfigPath, message: string, severity: 'error' | 'warning' = 'error'): void {
    this.problems.push({ path, message, severity });
  }

  unknownKeys(o: Obj, kind: string, path: ConfigPath): void {
    for (const k of Object.keys(o)) {
      if (!KNOWN[kind].includes(k)) this.problem([...path, k], `damo does not know the key "${k}" (it ignores it)`, 'warning');
    }
  }

  v(kind: Exclude<ValueKind, 'bool'>, raw: unknown, path: ConfigPath, dflt: DcValue): DcValue {
    if (raw === undefined || raw === null) return dflt;
    const r = parseByKind(kind, raw);
    if (!r.ok) {
      this.problem(path, r.error);
      return typeof raw === 'string' ? raw : dflt;
    }
    if (r.v.special === 'max') return 'max';
    if (r.v.special === 'min') return 0;
    return r.v.value;
  }

  /** nr_accesses / age bounds: numbers in percent / µs, or the "<n> samples" / "<n> aggr_intervals" string */
  unitPair(kind: 'nr_accesses' | 'age', o: unknown, path: ConfigPath): { min: DcValue; max: DcValue } {
    const m = isObj(o) ? o : {};
    const one = (raw: unknown, p: ConfigPath, dflt: DcValue): DcValue => {
      if (raw === undefined || raw === null) return dflt;
      const r = parseByKind(kind, raw);
      if (!r.ok) {
        this.problem(p, r.error);
        return typeof raw === 'string' ? raw : dflt;
      }
      if (r.v.unit === 'samples' || r.v.unit === 'aggr_intervals') return `${r.v.special === 'max' ? 'max' : r.v.value} ${r.v.unit}`;
      if (r.v.special === 'max') return 'max';
      if (r.v.special === 'min') return 0;
      return r.v.value;
    };
    return { min: one(m.min, [...path, 'min'], 0), max: one(m.max, [...path, 'max'], 'max') };
  }

  bool(raw: unknown, path: ConfigPath, dflt: boolean): boolean {
    if (raw === undefined || raw === null) return dflt;
    const r = parseBool(raw);
    if (!r.ok) {
      this.problem(path, r.error);
      return dflt;
    }
    return r.value;
  }

  config(js: unknown): DamoConfig {
    if (!isObj(js) || !Array.isArray(js.kdamonds)) {
      this.problem([], 'not a damo config: expected a mapping with a "kdamonds" list');
      return { kdamonds: [] };
    }
    this.unknownKeys(js, 'root', []);
    return { kdamonds: js.kdamonds.map((k, i) => this.kdamond(k, ['kdamonds', i])) };
  }

  kdamond(k: unknown, path: ConfigPath): DcKdamond {
    const o = isObj(k) ? k : {};
    this.unknownKeys(o, 'kdamond', path);
    const out: DcKdamond = { contexts: arr(o.contexts).map((c, i) => this.context(c, [...path, 'contexts', i])) };
    const refresh = this.v('ms', o.refresh_ms, [...path, 'refresh_ms'], 0);
    if (refresh !== 0) out.refresh_ms = refresh;
    if (!Array.isArray(o.contexts)) this.problem([...path, 'contexts'], 'a kdamond needs "contexts" (damo: KeyError)');
    return { ...(out.refresh_ms !== undefined ? { refresh_ms: out.refresh_ms } : {}), contexts: out.contexts };
  }

  context(c: unknown, path: ConfigPath): DcContext {
    const o = isObj(c) ? c : {};
    this.unknownKeys(o, 'context', path);
    if (typeof o.ops !== 'string') this.problem([...path, 'ops'], 'a context needs "ops" (damo: KeyError)');
    if (!Array.isArray(o.targets)) this.problem([...path, 'targets'], 'a context needs "targets" (damo: KeyError)');
    const iv = isObj(o.intervals) ? o.intervals : {};
    const ip = [...path, 'intervals'];
    const intervals: DcContext['intervals'] = {
      sample_us: this.v('us', iv.sample_us, [...ip, 'sample_us'], 5000),
      aggr_us: this.v('us', iv.aggr_us, [...ip, 'aggr_us'], 100000),
      ops_update_us: this.v('us', iv.ops_update_us, [...ip, 'ops_update_us'], 1000000),
    };
    if (isObj(iv.intervals_goal)) {
      const g = iv.intervals_goal;
      const gp = [...ip, 'intervals_goal'];
      const goal = {
        access_bp: this.v('bp', g.access_bp, [...gp, 'access_bp'], 0),
        aggrs: this.v('nr', g.aggrs, [...gp, 'aggrs'], 0),
        min_sample_us: this.v('us', g.min_sample_us, [...gp, 'min_sample_us'], 0),
        max_sample_us: this.v('us', g.max_sample_us, [...gp, 'max_sample_us'], 0),
      };
      if (Object.values(goal).some((x) => x !== 0)) intervals.intervals_goal = goal;
    }
    const nr = isObj(o.nr_regions) ? o.nr_regions : {};
    const out: DcContext = { ops: typeof o.ops === 'string' ? o.ops : 'paddr', targets: [], intervals, nr_regions: { min: 10, max: 1000 }, schemes: [] };
    const unit = this.v('bytes', o.addr_unit, [...path, 'addr_unit'], 1);
    if (unit !== 1) out.addr_unit = unit;
    out.targets = arr(o.targets).map((t, i) => this.target(t, [...path, 'targets', i]));
    out.nr_regions = {
      min: this.v('nr', nr.min, [...path, 'nr_regions', 'min'], 10),
      max: this.v('nr', nr.max, [...path, 'nr_regions', 'max'], 1000),
    };
    if (this.bool(o.pause, [...path, 'pause'], false)) out.pause = true;
    const probes = arr(o.probes);
    if (probes.length) out.probes = probes.map((p) => ({ filters: arr(isObj(p) ? p.filters : undefined).map((f) => this.probeFilter(f)) }));
    out.schemes = arr(o.schemes).map((s, i) => this.scheme(s, [...path, 'schemes', i]));
    // damo's key order
    const { ops, addr_unit, targets, nr_regions, pause, probes: pr, schemes } = out;
    return {
      ops,
      ...(addr_unit !== undefined ? { addr_unit } : {}),
      targets,
      intervals,
      nr_regions,
      ...(pause ? { pause } : {}),
      ...(pr ? { probes: pr } : {}),
      schemes,
    };
  }

  probeFilter(f: unknown): DcProbe['filters'][number] {
    const o = isObj(f) ? f : {};
    return {
      filter_type: String(o.filter_type ?? ''),
      matching: this.bool(o.matching, [], true),
      allow: this.bool(o.allow, [], false),
      path: typeof o.path === 'string' ? o.path : null,
    };
  }

  target(t: unknown, path: ConfigPath): DcTarget {
    const o = isObj(t) ? t : {};
    this.unknownKeys(o, 'target', path);
    if (!('pid' in o)) this.problem([...path, 'pid'], 'a target needs "pid" (null for paddr; damo: KeyError)');
    if (!Array.isArray(o.regions)) this.problem([...path, 'regions'], 'a target needs "regions" (may be []; damo: KeyError)');
    let pid: DcTarget['pid'] = null;
    if (typeof o.pid === 'number') pid = o.pid;
    else if (typeof o.pid === 'string') {
      const r = parseByKind('nr', o.pid);
      pid = r.ok && Number.isInteger(r.v.value) ? r.v.value : o.pid;
    }
    const out: DcTarget = { pid, regions: [] };
    if (this.bool(o.obsolete, [...path, 'obsolete'], false)) out.obsolete = true;
    out.regions = arr(o.regions).map((r, i) => {
      const ro = isObj(r) ? r : {};
      const rp = [...path, 'regions', i];
      this.unknownKeys(ro, 'region', rp);
      return { start: this.v('bytes', ro.start, [...rp, 'start'], 0), end: this.v('bytes', ro.end, [...rp, 'end'], 0) };
    });
    return out;
  }

  scheme(s: unknown, path: ConfigPath): DcScheme {
    const o = isObj(s) ? s : {};
    this.unknownKeys(o, 'scheme', path);
    const action = typeof o.action === 'string' ? o.action : 'stat';
    const ap = isObj(o.access_pattern) ? o.access_pattern : {};
    const app = [...path, 'access_pattern'];
    const sz = isObj(ap.sz_bytes) ? ap.sz_bytes : {};
    const out: DcScheme = {
      action,
      access_pattern: {
        sz_bytes: { min: this.v('bytes', sz.min, [...app, 'sz_bytes', 'min'], 0), max: this.v('bytes', sz.max, [...app, 'sz_bytes', 'max'], 'max') },
        nr_accesses: this.unitPair('nr_accesses', ap.nr_accesses, [...app, 'nr_accesses']),
        age: this.unitPair('age', ap.age, [...app, 'age']),
      },
      apply_interval_us: this.v('us', o.apply_interval_us, [...path, 'apply_interval_us'], 0),
      quotas: this.quotas(o.quotas, [...path, 'quotas']),
      watermarks: { metric: 'none', interval_us: 0, high_permil: 0, mid_permil: 0, low_permil: 0 },
      filters: arr(o.filters).map((f, i) => this.filter(f, [...path, 'filters', i])),
    };
    const dests = arr(o.dests).map((d, i) => {
      const dobj = isObj(d) ? d : {};
      return { id: this.v('nr', dobj.id, [...path, 'dests', i, 'id'], 0), weight: this.v('nr', dobj.weight, [...path, 'dests', i, 'weight'], 0) };
    });
    if (isObj(o.watermarks)) {
      const w = o.watermarks;
      const wp = [...path, 'watermarks'];
      out.watermarks = {
        metric: typeof w.metric === 'string' ? w.metric : 'none',
        interval_us: this.v('us', w.interval_us, [...wp, 'interval_us'], 0),
        high_permil: this.v('permil', w.high_permil, [...wp, 'high_permil'], 0),
        mid_permil: this.v('permil', w.mid_permil, [...wp, 'mid_permil'], 0),
        low_permil: this.v('permil', w.low_permil, [...wp, 'low_permil'], 0),
      };
    }
    let targetNid: DcValue | undefined;
    if (o.target_nid !== undefined && o.target_nid !== null) {
      const r = parseByKind('nr', o.target_nid);
      targetNid = r.ok ? r.v.value : String(o.target_nid);
    }
    const { action: a, ...rest } = out;
    return { action: a, ...(dests.length ? { dests } : {}), ...(targetNid !== undefined ? { target_nid: targetNid } : {}), ...rest };
  }

  quotas(q: unknown, path: ConfigPath): DcQuotas {
    const o = isObj(q) ? q : {};
    if (isObj(q)) this.unknownKeys(o, 'quotas', path);
    const w = isObj(o.weights) ? o.weights : {};
    const out: DcQuotas = {
      time_ms: this.v('ms', o.time_ms, [...path, 'time_ms'], 0),
      sz_bytes: this.v('bytes', o.sz_bytes, [...path, 'sz_bytes'], 0),
      reset_interval_ms: this.v('ms', o.reset_interval_ms, [...path, 'reset_interval_ms'], 'max'),
      weights: {
        sz_permil: this.v('permil', w.sz_permil, [...path, 'weights', 'sz_permil'], 0),
        nr_accesses_permil: this.v('permil', w.nr_accesses_permil, [...path, 'weights', 'nr_accesses_permil'], 0),
        age_permil: this.v('permil', w.age_permil, [...path, 'weights', 'age_permil'], 0),
      },
      goals: arr(o.goals).map((g, i) => this.goal(g, [...path, 'goals', i])),
    };
    if (typeof o.goal_tuner === 'string' && o.goal_tuner !== 'consist') out.goal_tuner = o.goal_tuner;
    const num = this.v('nr', o.fail_charge_num, [...path, 'fail_charge_num'], 0);
    const den = this.v('nr', o.fail_charge_denom, [...path, 'fail_charge_denom'], 0);
    if (num !== 0 || den !== 0) {
      out.fail_charge_num = num;
      out.fail_charge_denom = den;
    }
    return out;
  }

  goal(g: unknown, path: ConfigPath): DcGoal {
    const o = isObj(g) ? g : {};
    this.unknownKeys(o, 'goal', path);
    if ('target_value_bp' in o) {
      return {
        metric: 'user_input',
        target_value: this.v('nr', o.target_value_bp, [...path, 'target_value_bp'], 0),
        current_value: this.v('nr', o.current_value_bp, [...path, 'current_value_bp'], 0),
      };
    }
    const metric = typeof o.metric === 'string' ? o.metric : 'user_input';
    const kind: Exclude<ValueKind, 'bool'> = metric === 'some_mem_psi_us' ? 'us' : BP_METRICS.includes(metric) ? 'bp' : 'nr';
    const out: DcGoal = { metric, target_value: 0, current_value: 0 };
    const res: Partial<DcGoal> & { metric: string } = { metric };
    if (o.nid !== undefined && o.nid !== null) res.nid = this.v('nr', o.nid, [...path, 'nid'], 0);
    else if (NID_METRICS.includes(metric)) this.problem([...path, 'nid'], `${metric} needs "nid" (damo crashes without it)`);
    if (typeof o.memcg_path === 'string') res.memcg_path = o.memcg_path;
    else if (MEMCG_METRICS.includes(metric)) this.problem([...path, 'memcg_path'], `${metric} needs "memcg_path"`);
    out.target_value = this.v(kind, o.target_value, [...path, 'target_value'], 0);
    out.current_value = this.v('nr', o.current_value, [...path, 'current_value'], 0);
    return { ...res, target_value: out.target_value, current_value: out.current_value };
  }

  filter(f: unknown, path: ConfigPath): DcFilter {
    const o = isObj(f) ? f : {};
    this.unknownKeys(o, 'filter', path);
    const type = typeof o.filter_type === 'string' ? o.filter_type : '';
    if (!FILTER_TYPES.includes(type)) this.problem([...path, 'filter_type'], `unknown filter type "${type}"`);
    const out: DcFilter = {
      filter_type: type,
      matching: this.bool(o.matching, [...path, 'matching'], true),
      allow: this.bool(o.allow ?? o.filter_pass, [...path, 'allow'], false),
    };
    if (type === 'memcg') out.memcg_path = typeof o.memcg_path === 'string' ? o.memcg_path : '';
    if (type === 'addr') {
      const r = isObj(o.address_range) ? o.address_range : {};
      out.address_range = {
        start: this.v('bytes', r.start, [...path, 'address_range', 'start'], 0),
        end: this.v('bytes', r.end, [...path, 'address_range', 'end'], 0),
      };
    }
    if (type === 'target') out.damon_target_idx = this.v('nr', o.damon_target_idx, [...path, 'damon_target_idx'], 0);
    if (type === 'hugepage_size') {
      const h = arr(o.hugepage_size);
      out.hugepage_size = [this.v('bytes', h[0], [...path, 'hugepage_size', 0], 0), this.v('bytes', h[1], [...path, 'hugepage_size', 1], 0)];
    }
    return out;
  }
}

export function canonicalize(js: unknown): { config: DamoConfig; problems: CanonProblem[] } {
  const c = new Canon();
  const config = c.config(js);
  return { config, problems: c.problems };
}
