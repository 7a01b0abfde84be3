/**
 * The sysfs plan: a KConfig turned into the ordered writes under /sys/kernel/mm/damon/admin that
 * start it (or commit it to running kdamonds), honouring the kernel's rules:
 *  - `nr_*` files are written before their children (each write wipes and recreates them);
 *  - every access-pattern bound is written (a fresh scheme's are all 0 and match nothing);
 *  - addr/target filters go to core_filters/, the others to ops_filters/;
 *  - numbers are plain decimal (the kernel parses base 0: a leading 0 means octal);
 *  - strings are written without a trailing newline (memcg paths are stored as written);
 *  - `on` for a stopped kdamond, `commit` for a running one;
 *  - files of features the host lacks are left out when the config keeps their default, and are
 *    an error otherwise.
 * Pure: no I/O.
 */
import type { ConfigPath } from '../diagnostic';
import { sysfsDecimal, type KConfig, type KFilter, type KScheme } from '../model/kernel';
import { actionSince, capabilitiesForVersion, featureSince, filterSince, metricSince, type HostCapabilities, type HostFeature } from './features';

export const ADMIN_ROOT = '/sys/kernel/mm/damon/admin';

export interface SysfsWrite {
  /** path relative to ADMIN_ROOT, e.g. kdamonds/0/contexts/0/operations */
  path: string;
  value: string;
  /** where the value comes from in the damo config tree */
  source: ConfigPath;
  /** a `state` write: on / commit / off */
  state?: boolean;
  /** rollback writes only: failures are tolerated (e.g. `off` on a stopped kdamond) */
  tolerant?: boolean;
}

export interface PlanProblem {
  message: string;
  source: ConfigPath;
}

export interface HostState {
  nrKdamonds: number;
  /** per existing kdamond: is it running */
  running: boolean[];
}

export interface PlanOptions {
  /** the probed host; default: everything a 7.2 kernel has */
  caps?: HostCapabilities;
  /** the host's current kdamonds; default none */
  host?: HostState;
  /**
   * the host's sysfs tree as probed (path relative to ADMIN_ROOT -> value): in commit mode, a
   * running kdamond whose every planned value is already there is left alone (no writes, no commit)
   */
  tree?: Map<string, string>;
}

export type PlanMode = 'start' | 'commit' | 'restart';

export interface SysfsPlan {
  /** start: nothing runs on the host; commit: update running kdamonds in place; restart: stop what runs, then start */
  mode: PlanMode;
  writes: SysfsWrite[];
  /** values that cannot be deployed (host lacks the feature, unsafe strings): nothing may be written */
  problems: PlanProblem[];
  /** files left out because the host lacks them and the config keeps their default */
  omitted: string[];
  /** commit mode: running kdamonds that already hold the config (not written, not committed) */
  unchanged?: number[];
}

/** Why a string cannot be written safely through a shell and sysfs, or null if it can. */
export function unsafeString(s: string): string | null {
  if (s.includes('\0')) return 'contains a NUL character';
  if (/[\n\r]/.test(s)) return 'contains a line break';

  if (/[\x01-\x1f\x7f]/.test(s)) return 'contains a control character';
  if (s.length > 4095) return 'is longer than PATH_MAX (4095)';
  return null;
}

const yn = (b: boolean) => (b ? 'Y' : 'N');

class Builder {
  readonly writes: SysfsWrite[] = [];
  readonly problems: PlanProblem[] = [];
  readonly omitted: string[] = [];
  constructor(readonly caps: HostCapabilities) {}

  num(path: string, v: number, source: ConfigPath) {
    let value: string;
    try {
      value = sysfsDecimal(v);
    } catch {
      this.problems.push({ message: `${path}: ${v} is not a number the kernel can take`, source });
      return;
    }
    this.writes.push({ path, value, source });
  }
  str(path: string, v: string, source: ConfigPath, what: string) {
    const bad = unsafeString(v);
    if (bad) {
      this.problems.push({ message: `${what} ${JSON.stringify(v)} ${bad}: it cannot be written safely to ${path}`, source });
      return;
    }
    this.writes.push({ path, value: v, source });
  }
  word(path: string, v: string, source: ConfigPath) {
    this.writes.push({ path, value: v, source });
  }
  /** a feature-gated write: omitted when the host lacks it and the value is the default */
  gated(feature: HostFeature, path: string, isDefault: boolean, source: ConfigPath, write: () => void, what: string) {
    if (this.caps.features.has(feature)) return write();
    if (isDefault) {
      this.omitted.push(path);
      return;
    }
    this.problems.push({
      message: `${what} needs ${featureSince(feature)} or later (the host runs ${this.caps.release}, which has no ${path.split('/').slice(-1)[0]} file)`,
      source,
    });
  }
}

/** Build the ordered sysfs writes for `k`. */
export function planSysfs(k: KConfig, opts: PlanOptions = {}): SysfsPlan {
  const caps = opts.caps ?? capabilitiesForVersion('7.2');
  const host = opts.host ?? { nrKdamonds: 0, running: [] };
  const b = new Builder(caps);
  const anyRunning = host.running.some((r) => r);
  const sameCount = host.nrKdamonds === k.kdamonds.length;
  const mode: PlanMode = !anyRunning ? 'start' : sameCount && k.kdamonds.every((kd) => kd.contexts.length === 1) ? 'commit' : 'restart';

  if (mode === 'restart') {
    host.running.forEach((r, i) => {
      if (r) b.writes.push({ path: `kdamonds/${i}/state`, value: 'off', source: ['kdamonds', i], state: true });
    });
  }
  if (mode !== 'commit') b.num('kdamonds/nr_kdamonds', k.kdamonds.length, ['kdamonds']);

  k.kdamonds.forEach((kd, ki) => {
    const kp = `kdamonds/${ki}`;
    const ks: ConfigPath = ['kdamonds', ki];
    const live = mode === 'commit' && !!host.running[ki];
    b.gated(
      'refresh_ms',
      `${kp}/refresh_ms`,
      kd.refreshMs === 0,
      [...ks, 'refresh_ms'],
      () => b.num(`${kp}/refresh_ms`, kd.refreshMs, [...ks, 'refresh_ms']),
      'refresh_ms',
    );
    if (kd.contexts.length > 1)
      b.problems.push({ message: `kdamond ${ki} has ${kd.contexts.length} contexts; the kernel takes at most one`, source: [...ks, 'contexts'] });
    if (!live) b.num(`${kp}/contexts/nr_contexts`, kd.contexts.length, [...ks, 'contexts']);
    kd.contexts.forEach((c, ci) => {
      const cp = `${kp}/contexts/${ci}`;
      const cs: ConfigPath = [...ks, 'contexts', ci];
      if (!caps.availOps.includes(c.ops)) {
        b.problems.push({
          message: `operations "${c.ops}" is not available on the host (avail_operations: ${caps.availOps.join(', ') || 'none'})`,
          source: [...cs, 'ops'],
        });
      }
      b.word(`${cp}/operations`, c.ops, [...cs, 'ops']);
      b.gated(
        'addr_unit',
        `${cp}/addr_unit`,
        c.addrUnit === 1,
        [...cs, 'addr_unit'],
        () => b.num(`${cp}/addr_unit`, c.addrUnit, [...cs, 'addr_unit']),
        'addr_unit',
      );
      b.gated('pause', `${cp}/pause`, !c.pause, [...cs, 'pause'], () => b.word(`${cp}/pause`, yn(c.pause), [...cs, 'pause']), 'pause');
      const ip = `${cp}/monitoring_attrs/intervals`;
      const is: ConfigPath = [...cs, 'intervals'];
      b.num(`${ip}/sample_us`, c.sampleUs, [...is, 'sample_us']);
      b.num(`${ip}/aggr_us`, c.aggrUs, [...is, 'aggr_us']);
      b.num(`${ip}/update_us`, c.updateUs, [...is, 'ops_update_us']);
      const g = c.intervalsGoal;
      b.gated(
        'intervals_goal',
        `${ip}/intervals_goal`,
        !g || g.aggrs === 0,
        [...is, 'intervals_goal'],
        () => {
          const gp = `${ip}/intervals_goal`;
          const gs: ConfigPath = [...is, 'intervals_goal'];
          const v = g ?? { accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 };
          b.num(`${gp}/access_bp`, v.accessBp, [...gs, 'access_bp']);
          b.num(`${gp}/aggrs`, v.aggrs, [...gs, 'aggrs']);
          b.num(`${gp}/min_sample_us`, v.minSampleUs, [...gs, 'min_sample_us']);
          b.num(`${gp}/max_sample_us`, v.maxSampleUs, [...gs, 'max_sample_us']);
        },
        'intervals_goal',
      );
      const rp = `${cp}/monitoring_attrs/nr_regions`;
      b.num(`${rp}/min`, c.nrRegions.min, [...cs, 'nr_regions', 'min']);
      b.num(`${rp}/max`, c.nrRegions.max, [...cs, 'nr_regions', 'max']);

      b.num(`${cp}/targets/nr_targets`, c.targets.length, [...cs, 'targets']);
      c.targets.forEach((t, ti) => {
        const tp = `${cp}/targets/${ti}`;
        const ts: ConfigPath = [...cs, 'targets', ti];
        if (t.pid !== null) b.num(`${tp}/pid_target`, t.pid, [...ts, 'pid']);
        b.gated(
          'obsolete_target',
          `${tp}/obsolete_target`,
          !t.obsolete,
          [...ts, 'obsolete'],
          () => b.word(`${tp}/obsolete_target`, yn(t.obsolete), [...ts, 'obsolete']),
          'obsolete',
        );
        b.num(`${tp}/regions/nr_regions`, t.regions.length, [...ts, 'regions']);
        t.regions.forEach((r, ri) => {
          b.num(`${tp}/regions/${ri}/start`, r.start, [...ts, 'regions', ri, 'start']);
          b.num(`${tp}/regions/${ri}/end`, r.end, [...ts, 'regions', ri, 'end']);
        });
      });

      b.num(`${cp}/schemes/nr_schemes`, c.schemes.length, [...cs, 'schemes']);
      c.schemes.forEach((s, si) => planScheme(b, s, `${cp}/schemes/${si}`, [...cs, 'schemes', si]));
    });
  });

  k.kdamonds.forEach((_, ki) => {
    const live = mode === 'commit' && !!host.running[ki];
    b.writes.push({ path: `kdamonds/${ki}/state`, value: live ? 'commit' : 'on', source: ['kdamonds', ki], state: true });
  });
  const tree = opts.tree;
  if (mode !== 'commit' || !tree) return { mode, writes: b.writes, problems: b.problems, omitted: b.omitted };
  // commit only the kdamonds that change: a commit of an unchanged kdamond is not free (its nr_*
  // rewrites recreate its targets and schemes, and the kernel rebuilds them)
  const unchanged = k.kdamonds
    .map((_, ki) => ki)
    .filter((ki) => {
      if (!host.running[ki]) return false;
      const mine = b.writes.filter((w) => !w.state && w.path.startsWith(`kdamonds/${ki}/`));
      return mine.every((w) => tree.get(w.path) === w.value);
    });
  const skip = new Set(unchanged);
  const writes = b.writes.filter((w) => {
    const m = /^kdamonds\/(\d+)\//.exec(w.path);
    return !m || !skip.has(Number(m[1]));
  });
  return { mode, writes, problems: b.problems, omitted: b.omitted, unchanged };
}

function planScheme(b: Builder, s: KScheme, sp: string, ss: ConfigPath) {
  const caps = b.caps;
  if (!caps.actions.has(s.action)) {
    b.problems.push({
      message: `action "${s.action}" needs Linux ${actionSince(s.action)} or later (the host runs ${caps.release})`,
      source: [...ss, 'action'],
    });
  }
  b.word(`${sp}/action`, s.action, [...ss, 'action']);
  b.gated(
    'target_nid',
    `${sp}/target_nid`,
    s.targetNid === -1,
    [...ss, 'target_nid'],
    () => b.num(`${sp}/target_nid`, s.targetNid, [...ss, 'target_nid']),
    'target_nid',
  );
  b.gated(
    'apply_interval_us',
    `${sp}/apply_interval_us`,
    s.applyIntervalUs === 0,
    [...ss, 'apply_interval_us'],
    () => b.num(`${sp}/apply_interval_us`, s.applyIntervalUs, [...ss, 'apply_interval_us']),
    'apply_interval_us',
  );

  const ap = `${sp}/access_pattern`;
  const as: ConfigPath = [...ss, 'access_pattern'];
  b.num(`${ap}/sz/min`, s.accessPattern.sz.min, [...as, 'sz_bytes', 'min']);
  b.num(`${ap}/sz/max`, s.accessPattern.sz.max, [...as, 'sz_bytes', 'max']);
  b.num(`${ap}/nr_accesses/min`, s.accessPattern.nrAccesses.min, [...as, 'nr_accesses', 'min']);
  b.num(`${ap}/nr_accesses/max`, s.accessPattern.nrAccesses.max, [...as, 'nr_accesses', 'max']);
  b.num(`${ap}/age/min`, s.accessPattern.age.min, [...as, 'age', 'min']);
  b.num(`${ap}/age/max`, s.accessPattern.age.max, [...as, 'age', 'max']);

  const qp = `${sp}/quotas`;
  const qs: ConfigPath = [...ss, 'quotas'];
  const q = s.quota;
  b.num(`${qp}/ms`, q.ms, [...qs, 'time_ms']);
  b.num(`${qp}/bytes`, q.bytes, [...qs, 'sz_bytes']);
  b.num(`${qp}/reset_interval_ms`, q.resetIntervalMs, [...qs, 'reset_interval_ms']);
  b.num(`${qp}/weights/sz_permil`, q.weights.szPermil, [...qs, 'weights', 'sz_permil']);
  b.num(`${qp}/weights/nr_accesses_permil`, q.weights.nrAccessesPermil, [...qs, 'weights', 'nr_accesses_permil']);
  b.num(`${qp}/weights/age_permil`, q.weights.agePermil, [...qs, 'weights', 'age_permil']);
  b.gated(
    'goal_tuner',
    `${qp}/goal_tuner`,
    q.goalTuner === null || q.goalTuner === 'consist',
    [...qs, 'goal_tuner'],
    () => b.word(`${qp}/goal_tuner`, q.goalTuner ?? 'consist', [...qs, 'goal_tuner']),
    `goal_tuner "${q.goalTuner}"`,
  );
  b.gated(
    'fail_charge',
    `${qp}/fail_charge_num`,
    q.failChargeDenom === 0 && q.failChargeNum === 0,
    [...qs, 'fail_charge_num'],
    () => {
      b.num(`${qp}/fail_charge_num`, q.failChargeNum, [...qs, 'fail_charge_num']);
      b.num(`${qp}/fail_charge_denom`, q.failChargeDenom, [...qs, 'fail_charge_denom']);
    },
    'fail_charge_num/fail_charge_denom',
  );
  b.gated(
    'goals',
    `${qp}/goals`,
    q.goals.length === 0,
    [...qs, 'goals'],
    () => {
      b.num(`${qp}/goals/nr_goals`, q.goals.length, [...qs, 'goals']);
      q.goals.forEach((g, gi) => {
        const gp = `${qp}/goals/${gi}`;
        const gs: ConfigPath = [...qs, 'goals', gi];
        if (!caps.metrics.has(g.metric)) {
          b.problems.push({
            message: `goal metric "${g.metric}" needs Linux ${metricSince(g.metric)} or later (the host runs ${caps.release})`,
            source: [...gs, 'metric'],
          });
        }
        b.gated(
          'goal_metric',
          `${gp}/target_metric`,
          g.metric === 'user_input',
          [...gs, 'metric'],
          () => b.word(`${gp}/target_metric`, g.metric, [...gs, 'metric']),
          `goal metric "${g.metric}"`,
        );
        b.num(`${gp}/target_value`, g.targetValue, [...gs, 'target_value']);
        b.num(`${gp}/current_value`, g.currentValue, [...gs, 'current_value']);
        if (g.nid !== null) b.gated('goal_nid', `${gp}/nid`, false, [...gs, 'nid'], () => b.num(`${gp}/nid`, g.nid as number, [...gs, 'nid']), 'a goal nid');
        if (g.path !== null)
          b.gated(
            'goal_path',
            `${gp}/path`,
            false,
            [...gs, 'memcg_path'],
            () => b.str(`${gp}/path`, g.path as string, [...gs, 'memcg_path'], 'memcg_path'),
            'a goal memcg_path',
          );
      });
    },
    'quota goals',
  );

  const wp = `${sp}/watermarks`;
  const ws: ConfigPath = [...ss, 'watermarks'];
  b.word(`${wp}/metric`, s.watermarks.metric, [...ws, 'metric']);
  b.num(`${wp}/interval_us`, s.watermarks.intervalUs, [...ws, 'interval_us']);
  b.num(`${wp}/high`, s.watermarks.high, [...ws, 'high_permil']);
  b.num(`${wp}/mid`, s.watermarks.mid, [...ws, 'mid_permil']);
  b.num(`${wp}/low`, s.watermarks.low, [...ws, 'low_permil']);

  if (caps.features.has('core_filters')) {
    planFilters(b, s.coreFilters, `${sp}/core_filters`, ss);
    planFilters(b, s.opsFilters, `${sp}/ops_filters`, ss);
  } else {
    // kernels before 6.15: one filters/ directory
    const all = [...s.coreFilters, ...s.opsFilters].sort((x, y) => x.sourceIndex - y.sourceIndex);
    if (all.length > 0 && !caps.features.has('filters')) {
      b.problems.push({ message: `DAMOS filters need Linux 6.3 or later (the host runs ${caps.release})`, source: [...ss, 'filters'] });
    } else if (all.length > 0 || caps.features.has('filters')) {
      planFilters(b, all, `${sp}/filters`, ss);
    }
  }

  b.gated(
    'dests',
    `${sp}/dests`,
    s.dests.length === 0,
    [...ss, 'dests'],
    () => {
      b.num(`${sp}/dests/nr_dests`, s.dests.length, [...ss, 'dests']);
      s.dests.forEach((d, di) => {
        b.num(`${sp}/dests/${di}/id`, d.id, [...ss, 'dests', di, 'id']);
        b.num(`${sp}/dests/${di}/weight`, d.weight, [...ss, 'dests', di, 'weight']);
      });
    },
    'dests',
  );
  b.gated(
    'max_nr_snapshots',
    `${sp}/stats/max_nr_snapshots`,
    s.maxNrSnapshots === 0,
    [...ss, 'max_nr_snapshots'],
    () => b.num(`${sp}/stats/max_nr_snapshots`, s.maxNrSnapshots, [...ss, 'max_nr_snapshots']),
    'max_nr_snapshots',
  );
}

function planFilters(b: Builder, filters: KFilter[], dir: string, ss: ConfigPath) {
  const caps = b.caps;
  b.num(`${dir}/nr_filters`, filters.length, [...ss, 'filters']);
  filters.forEach((f, fi) => {
    const fp = `${dir}/${fi}`;
    const fs: ConfigPath = [...ss, 'filters', f.sourceIndex];
    if (!caps.filterTypes.has(f.type)) {
      b.problems.push({
        message: `filter type "${f.type}" needs Linux ${filterSince(f.type)} or later (the host runs ${caps.release})`,
        source: [...fs, 'filter_type'],
      });
    }
    b.word(`${fp}/type`, f.type, [...fs, 'filter_type']);
    b.word(`${fp}/matching`, yn(f.matching), [...fs, 'matching']);
    b.gated('filter_allow', `${fp}/allow`, !f.allow, [...fs, 'allow'], () => b.word(`${fp}/allow`, yn(f.allow), [...fs, 'allow']), 'an allow filter');
    switch (f.type) {
      case 'memcg':
        b.str(`${fp}/memcg_path`, f.memcgPath ?? '', [...fs, 'memcg_path'], 'memcg_path');
        break;
      case 'addr':
        b.num(`${fp}/addr_start`, f.addrStart, [...fs, 'address_range', 'start']);
        b.num(`${fp}/addr_end`, f.addrEnd, [...fs, 'address_range', 'end']);
        break;
      case 'target':
        b.num(`${fp}/damon_target_idx`, f.targetIdx, [...fs, 'damon_target_idx']);
        break;
      case 'hugepage_size':
        b.gated(
          'filter_hugepage_size',
          `${fp}/min`,
          false,
          [...fs, 'hugepage_size'],
          () => {
            b.num(`${fp}/min`, f.hugepageMin, [...fs, 'hugepage_size', 0]);
            b.num(`${fp}/max`, f.hugepageMax, [...fs, 'hugepage_size', 1]);
          },
          'a hugepage_size filter',
        );
        break;
      default:
        break;
    }
  });
}

/** Human-readable plan: one `path = value` line per write. */
export function renderPlan(plan: SysfsPlan): string {
  const lines = [`# ${plan.writes.length} writes under ${ADMIN_ROOT} (mode: ${plan.mode})`];
  for (const w of plan.writes) lines.push(`${w.path} = ${w.value === '' ? "''" : w.value}`);
  if (plan.omitted.length) lines.push(`# left out (the host lacks them; the config keeps their defaults): ${plan.omitted.join(', ')}`);
  return lines.join('\n') + '\n';
}
