/**
 * Config → a `damo start` command line that damo v3.3 turns back into the same config, and → the
 * JSON file `damo start FILE.json` reads. The command line uses damo's positional lists with the
 * fewest fillers: a per-scheme option is written for schemes 0..k where k is the last scheme that
 * differs from the default, and --nr_targets/--nr_schemes/--nr_ctxs only when there is more than one
 * context or kdamond. Values are written so that damo's parsers give back the exact number: bp,
 * permil and percent as bare numbers (never "9.7%", which damo turns into 969), times and sizes with a
 * unit only when the result is an exact integer.
 */
import type { ConfigPath } from '../diagnostic';
import { canonicalize, type CanonProblem } from './canonical';
import {
  BP_METRICS,
  MEMCG_METRICS,
  NID_METRICS,
  type DamoConfig,
  type DcContext,
  type DcFilter,
  type DcGoal,
  type DcScheme,
  type DcTarget,
  type DcValue,
} from './model';
import { shellQuote } from './shell';

export interface ExportProblem {
  path: ConfigPath;
  message: string;
  severity: 'error' | 'warning';
}

export interface ExportOptions {
  subcommand?: 'start' | 'tune';
  /** the command word, default "damo" */
  damo?: string;
  /** one option group per line with `\` continuations (default), or one line */
  multiline?: boolean;
}

function num(v: DcValue): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER) return BigInt(v).toString();
  return String(v);
}

/** µs value → text damo's text_to_us reads back exactly */
export function fmtUs(v: DcValue): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER) {
    if (v % 1e6 === 0) return `${v / 1e6}s`;
    if (v % 1e3 === 0) return `${v / 1e3}ms`;
    return `${v}us`;
  }
  return num(v);
}

/** ms value → text damo's text_to_ms reads back exactly */
export function fmtMs(v: DcValue): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER) {
    if (v % 1e3 === 0) return `${v / 1e3}s`;
    return `${v}ms`;
  }
  return num(v);
}

/** bytes → text damo's text_to_bytes reads back exactly */
export function fmtBytes(v: DcValue): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER) {
    for (const [u, m] of [
      ['TiB', 2 ** 40],
      ['GiB', 2 ** 30],
      ['MiB', 2 ** 20],
      ['KiB', 2 ** 10],
    ] as const) {
      if (v % m === 0) return `${v / m}${u}`;
    }
  }
  return num(v);
}

const DEFAULT_WMARKS = { metric: 'none', interval_us: 0, high_permil: 0, mid_permil: 0, low_permil: 0 };

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Flat {
  ctxs: { ctx: DcContext; path: ConfigPath }[];
  targets: { t: DcTarget; ctx: DcContext; path: ConfigPath }[];
  schemes: { s: DcScheme; ctx: DcContext; path: ConfigPath }[];
}

function flatten(config: DamoConfig): Flat {
  const f: Flat = { ctxs: [], targets: [], schemes: [] };
  config.kdamonds.forEach((k, ki) =>
    k.contexts.forEach((ctx, ci) => {
      const path: ConfigPath = ['kdamonds', ki, 'contexts', ci];
      f.ctxs.push({ ctx, path });
      ctx.targets.forEach((t, ti) => f.targets.push({ t, ctx, path: [...path, 'targets', ti] }));
      ctx.schemes.forEach((s, si) => f.schemes.push({ s, ctx, path: [...path, 'schemes', si] }));
    }),
  );
  return f;
}

function lastIndex<T>(items: T[], pred: (x: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i])) return i;
  return -1;
}

/** access rate in percent for the command line (converting "<n> samples" with the context's intervals) */
function accessPercent(v: DcValue, ctx: DcContext, path: ConfigPath, problems: ExportProblem[]): string {
  if (typeof v === 'string' && /samples$/.test(v)) {
    const n = v.split(/\s+/)[0];
    if (n === 'max') return 'max';
    const sample = Number(ctx.intervals.sample_us);
    const aggr = Number(ctx.intervals.aggr_us);
    const samples = Number(n);
    const pct = (samples * 100 * sample) / aggr;
    const back = Math.trunc((pct * (aggr / sample)) / 100);
    if (!Number.isFinite(pct) || back !== samples) {
      problems.push({ path, message: `${v} has no exact percent form for the command line (damo would read back ${back} samples)`, severity: 'warning' });
    }
    return num(+pct.toPrecision(15));
  }
  return num(v);
}

/** age for the command line in µs (converting "<n> aggr_intervals" with the context's aggregation interval) */
function ageUs(v: DcValue, ctx: DcContext): string {
  if (typeof v === 'string' && /aggr_intervals$/.test(v)) {
    const n = v.split(/\s+/)[0];
    if (n === 'max') return 'max';
    return fmtUs(Number(n) * Number(ctx.intervals.aggr_us));
  }
  return fmtUs(v);
}

/** `--damos_quota_goal <metric> <target> [nid [memcg]] | [current]` of one goal */
function goalWords(g: DcGoal, gp: ConfigPath, problems: ExportProblem[]): string[] {
  const w = ['--damos_quota_goal', g.metric];
  const target = g.metric === 'some_mem_psi_us' ? fmtUs(g.target_value) : num(g.target_value);
  w.push(target);
  if (NID_METRICS.includes(g.metric)) {
    if (g.nid === undefined) problems.push({ path: [...gp, 'nid'], message: `${g.metric} needs a nid`, severity: 'error' });
    w.push(num(g.nid ?? 0));
    if (MEMCG_METRICS.includes(g.metric)) {
      if (g.memcg_path === undefined) problems.push({ path: [...gp, 'memcg_path'], message: `${g.metric} needs a memcg_path`, severity: 'error' });
      w.push(g.memcg_path ?? '/');
    }
  } else if (g.metric === 'user_input') w.push(num(g.current_value));
  else if (g.nid !== undefined) problems.push({ path: [...gp, 'nid'], message: `the command line has no nid for ${g.metric}; left out`, severity: 'warning' });
  if (g.metric !== 'user_input' && g.current_value !== 0) {
    problems.push({
      path: [...gp, 'current_value'],
      message: `the command line sets current_value only for user_input goals; ${g.current_value} is left out`,
      severity: 'warning',
    });
  }
  if (BP_METRICS.includes(g.metric) && typeof g.target_value === 'number' && !Number.isInteger(g.target_value)) {
    problems.push({
      path: [...gp, 'target_value'],
      message: `${g.target_value} bp is not an integer; damo writes ${Math.trunc(g.target_value)}`,
      severity: 'warning',
    });
  }
  return w;
}

/** `--damos_filter <allow|reject> [none] <type> [args]` of one filter */
function filterWords(flt: DcFilter): string[] {
  const w = ['--damos_filter', flt.allow ? 'allow' : 'reject'];
  if (!flt.matching) w.push('none');
  w.push(flt.filter_type);
  if (flt.filter_type === 'memcg') w.push(flt.memcg_path ?? '');
  else if (flt.filter_type === 'addr') w.push(fmtBytes(flt.address_range?.start ?? 0), fmtBytes(flt.address_range?.end ?? 0));
  else if (flt.filter_type === 'target') w.push(num(flt.damon_target_idx ?? 0));
  else if (flt.filter_type === 'hugepage_size') w.push(fmtBytes(flt.hugepage_size?.[0] ?? 0), fmtBytes(flt.hugepage_size?.[1] ?? 0));
  return w;
}

/** `--damos_action <action> [target_nid | dest weight...]` of one scheme */
function actionWords(s: DcScheme, sp: ConfigPath, problems: ExportProblem[]): string[] {
  const act = ['--damos_action', s.action];
  const migrate = s.action === 'migrate_hot' || s.action === 'migrate_cold';
  if (migrate && s.dests && s.dests.length > 0) {
    if (s.target_nid !== undefined)
      problems.push({ path: [...sp, 'target_nid'], message: 'the command line gives either target_nid or dests; target_nid is left out', severity: 'warning' });
    for (const d of s.dests) act.push(num(d.id), num(d.weight));
  } else if (migrate && s.target_nid !== undefined) act.push(num(s.target_nid));
  else if (!migrate && (s.target_nid !== undefined || (s.dests && s.dests.length))) {
    problems.push({
      path: [...sp, s.target_nid !== undefined ? 'target_nid' : 'dests'],
      message: `${s.action} has no destination on the command line; left out`,
      severity: 'warning',
    });
  }
  return act;
}

/** the command word and its option lines, one line or `\`-continued lines */
function joinCommand(lines: string[][], opts: ExportOptions): string {
  const head = `${opts.damo ?? 'damo'} ${opts.subcommand ?? 'start'}`;
  const quoted = lines.map((ws) => ws.map(shellQuote).join(' '));
  const command = opts.multiline === false ? [head, ...quoted].join(' ') : [head, ...quoted.map((l) => `    ${l}`)].join(' \\\n');
  return `${command}\n`;
}

export function exportCommandLine(config: DamoConfig, opts: ExportOptions = {}): { command: string; problems: ExportProblem[] } {
  const problems: ExportProblem[] = [];
  const f = flatten(config);
  const lines: string[][] = [];
  const line = (...words: string[]) => lines.push(words);
  const K = config.kdamonds.length;
  const C = f.ctxs.length;
  const S = f.schemes.length;

  if (C === 0) {
    problems.push({ path: ['kdamonds'], message: 'a damo command line always makes at least one context; this config has none', severity: 'error' });
  }

  // per-kdamond
  const lastRefresh = lastIndex(config.kdamonds, (k) => k.refresh_ms !== undefined && k.refresh_ms !== 0);
  // per-context "last non-default" indexes
  const lastIv = lastIndex(
    f.ctxs,
    ({ ctx }) => !sameJson([ctx.intervals.sample_us, ctx.intervals.aggr_us, ctx.intervals.ops_update_us], [5000, 100000, 1000000]),
  );
  const lastGoal = lastIndex(f.ctxs, ({ ctx }) => !!ctx.intervals.intervals_goal);
  const lastNr = lastIndex(f.ctxs, ({ ctx }) => !sameJson(ctx.nr_regions, { min: 10, max: 1000 }));
  const lastUnit = lastIndex(f.ctxs, ({ ctx }) => ctx.addr_unit !== undefined && ctx.addr_unit !== 1);
  // per-target
  const hasPid = (ctx: DcContext) => ctx.ops === 'vaddr' || ctx.ops === 'fvaddr';
  const lastPid = lastIndex(f.targets, ({ ctx }) => hasPid(ctx));
  const lastRegions = lastIndex(f.targets, ({ t }) => t.regions.length > 0);
  // per-scheme
  const ap = (s: DcScheme) => s.access_pattern;
  const lastSz = lastIndex(f.schemes, ({ s }) => !sameJson(ap(s).sz_bytes, { min: 0, max: 'max' }));
  const lastAr = lastIndex(f.schemes, ({ s }) => !sameJson(ap(s).nr_accesses, { min: 0, max: 'max' }));
  const lastAge = lastIndex(f.schemes, ({ s }) => !sameJson(ap(s).age, { min: 0, max: 'max' }));
  const lastAi = lastIndex(f.schemes, ({ s }) => s.apply_interval_us !== 0);
  const quotaNonDefault = (s: DcScheme) =>
    !sameJson(
      [s.quotas.time_ms, s.quotas.sz_bytes, s.quotas.reset_interval_ms, s.quotas.weights],
      [0, 0, 'max', { sz_permil: 0, nr_accesses_permil: 0, age_permil: 0 }],
    ) ||
    s.quotas.goals.length > 0 ||
    s.quotas.goal_tuner !== undefined ||
    s.quotas.fail_charge_num !== undefined;
  const lastQuota = lastIndex(f.schemes, ({ s }) => quotaNonDefault(s));
  const lastTuner = lastIndex(f.schemes, ({ s }) => s.quotas.goal_tuner !== undefined && s.quotas.goal_tuner !== 'consist');
  const lastFcr = lastIndex(f.schemes, ({ s }) => s.quotas.fail_charge_num !== undefined);
  const lastWm = lastIndex(f.schemes, ({ s }) => !sameJson(s.watermarks, DEFAULT_WMARKS));
  const anyGoals = f.schemes.some(({ s }) => s.quotas.goals.length > 0);
  const anyFilters = f.schemes.some(({ s }) => s.filters.length > 0);

  let ti = 0;
  let si = 0;
  f.ctxs.forEach(({ ctx, path }, c) => {
    const ctxWords = ['--ops', ctx.ops];
    if (c <= lastIv) ctxWords.push('--monitoring_intervals', fmtUs(ctx.intervals.sample_us), fmtUs(ctx.intervals.aggr_us), fmtUs(ctx.intervals.ops_update_us));
    if (c <= lastNr) ctxWords.push('--monitoring_nr_regions_range', num(ctx.nr_regions.min), num(ctx.nr_regions.max));
    line(...ctxWords);
    if (c <= lastGoal) {
      const g = ctx.intervals.intervals_goal ?? { access_bp: 0, aggrs: 0, min_sample_us: 0, max_sample_us: 0 };
      line('--monitoring_intervals_goal', num(g.access_bp), num(g.aggrs), fmtUs(g.min_sample_us), fmtUs(g.max_sample_us));
    }
    if (c <= lastUnit) line('--damon_addr_unit', fmtBytes(ctx.addr_unit ?? 1));
    if (ctx.probes?.length)
      problems.push({
        path: [...path, 'probes'],
        message: 'probes are not exported to the command line (experimental --probe_filter); they are left out',
        severity: 'warning',
      });
    if (ctx.targets.length === 0) {
      problems.push({
        path: [...path, 'targets'],
        message: 'a damo command line gives every context at least one target; this context has none',
        severity: 'error',
      });
    }
    for (const t of ctx.targets) {
      const tp = f.targets[ti].path;
      const words: string[] = [];
      if (ti <= lastPid) {
        if (hasPid(ctx)) {
          if (t.pid === null || t.pid === undefined) {
            problems.push({ path: [...tp, 'pid'], message: `a ${ctx.ops} target needs a pid`, severity: 'error' });
            words.push('--target_pid', '0');
          } else words.push('--target_pid', String(t.pid));
        } else words.push('--target_pid', '0'); // filler: ignored for paddr targets
      }
      if (ti <= lastRegions) {
        const text = t.regions.map((r) => `${fmtBytes(r.start)}-${fmtBytes(r.end)}`).join(' ');
        words.push('--regions', text);
      }
      if (ctx.ops === 'paddr' && t.regions.length === 0) {
        problems.push({
          path: [...tp, 'regions'],
          message: 'a paddr target with no regions cannot be written on the command line (damo then monitors all System RAM)',
          severity: 'error',
        });
      }
      if (words.length) line(...words);
      ti++;
    }
    for (const s of ctx.schemes) {
      const sp = f.schemes[si].path;
      line(...actionWords(s, sp, problems));
      const pat: string[] = [];
      if (si <= lastSz) pat.push('--damos_sz_region', fmtBytes(ap(s).sz_bytes.min), fmtBytes(ap(s).sz_bytes.max));
      if (si <= lastAr)
        pat.push(
          '--damos_access_rate',
          accessPercent(ap(s).nr_accesses.min, ctx, [...sp, 'access_pattern', 'nr_accesses', 'min'], problems),
          accessPercent(ap(s).nr_accesses.max, ctx, [...sp, 'access_pattern', 'nr_accesses', 'max'], problems),
        );
      if (si <= lastAge) pat.push('--damos_age', ageUs(ap(s).age.min, ctx), ageUs(ap(s).age.max, ctx));
      if (si <= lastAi) pat.push('--damos_apply_interval', fmtUs(s.apply_interval_us));
      if (pat.length) line(...pat);
      if (si <= lastQuota) {
        const q = s.quotas;
        const qw = [
          '--damos_quotas',
          fmtMs(q.time_ms),
          fmtBytes(q.sz_bytes),
          fmtMs(q.reset_interval_ms),
          num(q.weights.sz_permil),
          num(q.weights.nr_accesses_permil),
          num(q.weights.age_permil),
        ];
        if (si <= lastTuner) qw.push('--damos_quota_goal_tuner', q.goal_tuner ?? 'consist');
        if (si <= lastFcr) qw.push('--damos_quota_fail_charge_ratio', num(q.fail_charge_num ?? 0), num(q.fail_charge_denom ?? 0));
        line(...qw);
        q.goals.forEach((g, gi) => line(...goalWords(g, [...sp, 'quotas', 'goals', gi], problems)));
      }
      if (si <= lastWm) {
        const w = s.watermarks;
        line('--damos_wmarks', w.metric, fmtUs(w.interval_us), num(w.high_permil), num(w.mid_permil), num(w.low_permil));
      }
      for (const flt of s.filters) line(...filterWords(flt));
      si++;
    }
  });

  const counts: string[] = [];
  if (S > 1 && anyGoals) counts.push('--damos_nr_quota_goals', ...f.schemes.map(({ s }) => String(s.quotas.goals.length)));
  if (S > 1 && anyFilters) counts.push('--damos_nr_filters', ...f.schemes.map(({ s }) => String(s.filters.length)));
  if (counts.length) line(...counts);
  const obsolete = f.targets.map(({ t }, i) => (t.obsolete ? i : -1)).filter((i) => i >= 0);
  const paused = f.ctxs.map(({ ctx }, i) => (ctx.pause ? i : -1)).filter((i) => i >= 0);
  const tail: string[] = [];
  if (obsolete.length) tail.push('--obsolete_targets', ...obsolete.map(String));
  if (paused.length) tail.push('--pause_ctx', ...paused.map(String));
  if (C > 1) {
    tail.push('--nr_targets', ...f.ctxs.map(({ ctx }) => String(ctx.targets.length)));
    tail.push('--nr_schemes', ...f.ctxs.map(({ ctx }) => String(ctx.schemes.length)));
  }
  if (K > 1 || (K === 1 && config.kdamonds[0].contexts.length !== C)) tail.push('--nr_ctxs', ...config.kdamonds.map((k) => String(k.contexts.length)));
  for (const k of config.kdamonds.slice(0, lastRefresh + 1)) tail.push('--refresh_stat', fmtMs(k.refresh_ms ?? 0));
  if (tail.length) line(...tail);
  if (K > 0 && config.kdamonds.some((k) => k.contexts.length === 0)) {
    problems.push({ path: ['kdamonds'], message: 'a kdamond without contexts is written as --nr_ctxs 0', severity: 'warning' });
  }

  return { command: joinCommand(lines, opts), problems };
}

/** Any damo config (parsed JSON/YAML) → canonical JSON for `damo start FILE.json`. */
export function exportJson(js: unknown): { json: string; config: DamoConfig; problems: CanonProblem[] } {
  const { config, problems } = canonicalize(js);
  return { json: `${JSON.stringify(config, null, 2)}\n`, config, problems };
}
