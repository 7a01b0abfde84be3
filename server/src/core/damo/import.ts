/**
 * `damo start|tune` options → damo-format config, exactly as damo v3.3.0 partitions the flat
 * option lists (src/_damon_args.py: damon_ctxs_for, gen_assign_targets, damos_options_to_schemes,
 * gen_assign_schemes, kdamonds_for). Every problem damo would report (or crash on, or silently
 * swallow) becomes a diagnostic at the span of the command text; the config is still built, from
 * the options as written, so the validator can look at the rest.
 */
import type { ConfigPath, CoreDiagnostic, OffsetRange, Severity, TextEdit } from '../diagnostic';
import type { MachineProfile } from '../profile';
import { parseByKind, type ValueKind } from '../model/units';
import { canonicalize } from './canonical';
import type { DamoCommandLine } from './commands';
import { parseDamoArgs, pyInt, type ArgWord, type OptionOccurrence, type ParsedArgs } from './options';
import {
  BP_METRICS, DAMOS_ACTIONS, FILTER_TYPES_NO_ARG, GOAL_METRICS, MEMCG_METRICS, NID_METRICS, SourceMap,
  type DamoConfig, type DcContext, type DcFilter, type DcGoal, type DcKdamond, type DcProbe,
  type DcRegion, type DcScheme, type DcTarget, type DcValue, type DcWatermarks,
} from './model';

export interface ImportOptions {
  /** machine profile: physical ranges of NUMA nodes for --numa_node and the default paddr region */
  profile?: MachineProfile | null;
}

export interface ConfigComment {
  path: ConfigPath;
  text: string;
}

export interface DamoImport {
  command: DamoCommandLine;
  /** null when the command reads its config from elsewhere (--kdamonds, a config file target) */
  config: DamoConfig | null;
  sourceMap: SourceMap;
  diagnostics: CoreDiagnostic[];
  /** comments of the command line (`# ...` in backticks) and where they belong in the config */
  comments: ConfigComment[];
  /** config paths whose values were already diagnosed here (dynamic, invalid, placeholders) */
  diagnosedPaths: ConfigPath[];
  /** schemes/targets/contexts holding values only known at run time */
  dynamicOwners: ConfigPath[];
}

/** Marker text of values the importer could not know. */
export const PLACEHOLDER_PREFIX = 'UNKNOWN';

const CTX_COUNT_DESTS = ['ops', 'sample', 'aggr', 'updr', 'minr', 'maxr', 'monitoring_intervals', 'monitoring_intervals_goal', 'monitoring_nr_regions_range'];
const CTX_LIST_DESTS = ['nr_probes', 'nr_targets', 'nr_schemes'];
const PER_SCHEME_FIXED: [string, string][] = [
  ['damos_sz_region', '--damos_sz_region'],
  ['damos_access_rate', '--damos_access_rate'],
  ['damos_age', '--damos_age'],
  ['damos_apply_interval', '--damos_apply_interval'],
  ['damos_wmarks', '--damos_wmarks'],
  ['damos_max_nr_snapshots', '--damos_max_nr_snapshots'],
];

interface QuotaEntry {
  /** words: time, size, reset, w1, w2, w3 (any may be missing: defaults apply) */
  words: (ArgWord | undefined)[];
  /** default word values (for --damos_quota_interval the weights default to 1) */
  defaults: string[];
  occ: OptionOccurrence;
}

interface Placement {
  /** group index for each item; -1 when the item is dropped */
  groupOf: number[];
  /** index within its group */
  indexInGroup: number[];
}

function place(counts: number[], nrItems: number): Placement {
  const groupOf: number[] = [];
  const indexInGroup: number[] = [];
  let item = 0;
  counts.forEach((cnt, g) => {
    for (let j = 0; j < cnt && item < nrItems; j++, item++) {
      groupOf.push(g);
      indexInGroup.push(j);
    }
  });
  while (item < nrItems) {
    groupOf.push(-1);
    indexInGroup.push(-1);
    item++;
  }
  return { groupOf, indexInGroup };
}

class Importer {
  readonly diagnostics: CoreDiagnostic[] = [];
  readonly sourceMap = new SourceMap();
  readonly diagnosedPaths: ConfigPath[] = [];
  /** schemes/targets/contexts holding a value only known at run time */
  readonly dynamicOwners: ConfigPath[] = [];
  readonly comments: ConfigComment[] = [];
  private readonly args: ParsedArgs;
  /** the node each option occurrence created (for comments) */
  private readonly created = new Map<OptionOccurrence, ConfigPath>();

  constructor(private readonly cmd: DamoCommandLine, private readonly opts: ImportOptions) {
    this.args = parseDamoArgs(cmd.args, cmd.subcommand);
  }

  diag(code: string, severity: Severity, message: string, range: OffsetRange, extra: Partial<CoreDiagnostic> = {}): CoreDiagnostic {
    const d: CoreDiagnostic = { code, severity, message, range, ...extra };
    this.diagnostics.push(d);
    return d;
  }

  occ(dest: string): OptionOccurrence[] {
    return this.args.byDest.get(dest) ?? [];
  }

  /** the int list of a store-type nargs='+' option (last occurrence), or null when not given */
  intList(dest: string): { values: number[]; occ: OptionOccurrence } | null {
    const list = this.occ(dest);
    if (list.length === 0) return null;
    const occ = list[list.length - 1];
    return { values: occ.args.map((a) => pyInt(a.text) ?? 0), occ };
  }

  markPath(path: ConfigPath | null, range: OffsetRange | undefined, weak = false): void {
    if (!path || !range) return;
    if (weak) this.sourceMap.setDefault(path, range);
    else this.sourceMap.set(path, range);
  }

  /** a run-time value at `path`: the validator's findings about it, or about its owner's direct keys, are not trusted */
  noteDynamic(path: ConfigPath | null): void {
    if (!path) return;
    this.diagnosedPaths.push(path);
    for (const list of ['schemes', 'targets', 'contexts']) {
      const i = path.lastIndexOf(list);
      if (i >= 0 && i + 1 < path.length) {
        this.dynamicOwners.push(path.slice(0, i + 2));
        return;
      }
    }
  }

  /** Converts one option argument; records its span; diagnoses values damo rejects. */
  value(kind: Exclude<ValueKind, 'bool'>, w: ArgWord | undefined, path: ConfigPath | null, fallback: DcValue, what: string): DcValue {
    if (!w) return fallback;
    this.markPath(path, w.range);
    if (w.dynamic) {
      this.diag('damo-dynamic-value', 'information', `${what}: "${w.text}" is only known when the script runs (${w.dynamic}); not checked`, w.range);
      this.noteDynamic(path);
      return w.text;
    }
    const r = parseByKind(kind, w.text);
    if (!r.ok) {
      this.diag('damo-invalid-value', 'error', `${what}: ${r.error}`, w.range);
      if (path) this.diagnosedPaths.push(path);
      return w.text;
    }
    const v = r.v;
    if (v.special === 'max') return 'max';
    if (v.special === 'min') return 0;
    if ((kind === 'bp' || kind === 'permil') && Number.isInteger(v.value) && v.damo !== v.value) {
      this.diag('damo-float-truncation', 'information',
        `${what}: "${w.text}" is ${v.value} ${kind}; damo itself computes ${v.damo} (floating point, then truncation). The config keeps ${v.value}.`, w.range);
    }
    return v.value;
  }

  run(): DamoConfig | null {
    const a = this.args;
    for (const p of a.problems) this.diag(p.code, p.severity ?? 'error', p.message, p.range);
    if (a.byDest.has('help')) {
      this.diag('damo-help', 'information', '--help only prints the help text; nothing is started', this.occ('help')[0].range);
    }

    // Inputs that replace the command-line options.
    const kd = this.occ('kdamonds');
    if (kd.length > 0) {
      this.diag('damo-config-from-file', 'information',
        'this command takes its whole configuration from --kdamonds (every other DAMON option is ignored); check that JSON file instead',
        kd[kd.length - 1].range);
      return null;
    }
    if (a.positional && !a.positional.dynamic && /\.(ya?ml|json)$|^\s*\{/.test(a.positional.text)) {
      this.diag('damo-config-from-file', 'information',
        `this command takes its whole configuration from "${a.positional.text}"; check that file instead`, a.positional.range);
      return null;
    }

    this.evaluateArgs();
    const pos = this.deduceTarget();
    return this.build(pos);
  }

  /** damo's evaluate_args() */
  private evaluateArgs(): void {
    const a = this.args;
    const actions = this.occ('damos_action');
    if (actions.length === 0) {
      for (const o of a.occurrences) {
        if (o.spec.dest.startsWith('damos_')) {
          this.diag('damo-no-action', 'error', `${o.spec.names[0]} needs --damos_action: damo refuses ("'damos_action' not specified while using --damos_* option(s)")`, o.range);
        }
      }
    }
    const quotas = this.occ('damos_quotas');
    const intervals = this.occ('damos_quota_interval');
    if (quotas.length > 0 && intervals.length > 0) {
      this.diag('damo-conflicting-options', 'error', '--damos_quotas and --damos_quota_interval cannot be used together (damo refuses)', quotas[0].range,
        { related: [{ range: intervals[0].range, message: '--damos_quota_interval is here' }] });
    }
    const goals = this.occ('damos_quota_goal');
    if (goals.length > 0) {
      if (quotas.length === 0 && intervals.length === 0) {
        this.diag('damo-goal-no-reset-interval', 'error',
          "quota goals need a quota reset interval (--damos_quota_interval, or --damos_quotas with 3 or more values); damo refuses: 'reset_interval_ms' not specified when setting quota goals",
          goals[0].range);
      }
      for (const q of quotas) {
        if (q.args.length < 3) {
          this.diag('damo-goal-no-reset-interval', 'error',
            "--damos_quotas gives no reset interval (its 3rd value) while quota goals are set; damo refuses: 'reset_interval_ms' not specified when setting quota goals", q.range);
        }
      }
    }
  }

  /** damo's deduce_target_update_args(): the positional <deducible target>. */
  private deduceTarget(): { ops?: string; pid?: number | string; clearPids?: boolean } {
    const p = this.args.positional;
    if (!p) return {};
    if (p.dynamic) {
      this.diag('damo-dynamic-value', 'information', `target "${p.text}" is only known when the script runs (${p.dynamic}); it is taken as a process id`, p.range);
      return { ops: this.occ('regions').length ? 'fvaddr' : 'vaddr', pid: p.text };
    }
    if (p.text === 'paddr') {
      const ops = this.occ('ops');
      if (ops.some((o) => o.args[0]?.text !== 'paddr') || ops.length > 1) {
        this.diag('damo-overridden-option', 'warning', 'the target "paddr" overrides --ops', ops[0].range);
      }
      const pids = this.occ('target_pid');
      if (pids.length) this.diag('damo-overridden-option', 'warning', 'the target "paddr" overrides --target_pid', pids[0].range);
      return { ops: 'paddr', clearPids: true };
    }
    if (p.text === 'vaddr' || p.text === 'fvaddr') {
      this.diag('damo-invalid-target', 'error', `damo v3.3 crashes on the target "${p.text}" (it needs a pid or a command); give --ops ${p.text} and --target_pid instead`, p.range);
      return { ops: p.text };
    }
    const pid = pyInt(p.text);
    const withRegions = this.occ('regions').length > 0;
    if (pid === undefined) {
      this.diag('damo-command-target', 'warning',
        `damo runs "${p.text}" through bash and monitors its process; a config needs that pid, so the imported target pid is a placeholder`, p.range);
    }
    if (this.occ('target_pid').length) this.diag('damo-overridden-option', 'warning', '--target_pid is ignored: the positional target gives the pid', this.occ('target_pid')[0].range);
    return { ops: withRegions ? 'fvaddr' : 'vaddr', pid: pid ?? `${PLACEHOLDER_PREFIX}: pid of "${p.text}"` };
  }

  private build(pos: { ops?: string; pid?: number | string; clearPids?: boolean }): DamoConfig {
    const cmdRange = this.cmd.damoWord.range;

    // --- counts -----------------------------------------------------------------------------
    let ctxLens = CTX_COUNT_DESTS.map((d) => this.occ(d).length);
    if (pos.ops) ctxLens = ctxLens.map((l, i) => (CTX_COUNT_DESTS[i] === 'ops' ? 1 : l));
    const listLens = CTX_LIST_DESTS.map((d) => this.intList(d)?.values.length ?? 0);
    const C = Math.max(1, ...ctxLens, ...listLens);
    const pidOccs = pos.clearPids ? [] : this.occ('target_pid');
    const pidValues: (ArgWord | number | string | undefined)[] = pos.pid !== undefined ? [pos.pid] : pidOccs.map((o) => o.args[0]);
    const regionOccs = this.occ('regions');
    const numaOccs = this.occ('numa_node');
    const T = Math.max(pidValues.length, regionOccs.length, numaOccs.length, C);
    const actionOccs = this.occ('damos_action');
    const S = actionOccs.length;

    // the option that starts each context (for spans and comments)
    const ctxStarter: (OptionOccurrence | undefined)[] = [];
    for (let c = 0; c < C; c++) {
      let best: OptionOccurrence | undefined;
      for (const d of CTX_COUNT_DESTS) {
        const o = this.occ(d)[c];
        if (o && (!best || o.range.start < best.range.start)) best = o;
      }
      ctxStarter.push(best);
    }
    const targetStarter: (OptionOccurrence | undefined)[] = [];
    for (let t = 0; t < T; t++) {
      let best: OptionOccurrence | undefined;
      for (const o of [pidOccs[t], regionOccs[t], numaOccs[t]]) if (o && (!best || o.range.start < best.range.start)) best = o;
      targetStarter.push(best);
    }

    // --- contexts → kdamonds ------------------------------------------------------------------
    const nrCtxs = this.intList('nr_ctxs');
    let ctxCounts: number[] = nrCtxs ? nrCtxs.values : [C];
    if (nrCtxs) {
      const sum = nrCtxs.values.reduce((x, y) => x + y, 0);
      if (sum !== C) {
        this.diag('damo-count-mismatch', 'error',
          `--nr_ctxs and number of ctxs mismatch (${sum} != ${C}): the --nr_ctxs values add up to ${sum}, but the options give ${C} context${C === 1 ? '' : 's'}`,
          nrCtxs.occ.range, { related: this.ctxCountRelated(C) });
        if (sum < C) ctxCounts = [...ctxCounts, C - sum];
      }
    }
    const ctxPlace = place(ctxCounts, C);
    const kdamonds: DcKdamond[] = ctxCounts.map(() => ({ contexts: [] }));
    const ctxPath = (c: number): ConfigPath | null =>
      ctxPlace.groupOf[c] < 0 ? null : ['kdamonds', ctxPlace.groupOf[c], 'contexts', ctxPlace.indexInGroup[c]];
    if (nrCtxs) {
      ctxCounts.forEach((_, k) => {
        const w = nrCtxs.occ.args[k];
        this.markPath(['kdamonds', k, 'contexts'], w?.range ?? nrCtxs.occ.range);
      });
    }

    // --- per-context values -------------------------------------------------------------------
    const contexts: DcContext[] = [];
    for (let c = 0; c < C; c++) contexts.push(this.buildContext(c, ctxPath(c), pos, pidValues, ctxStarter[c]));

    // --- targets ------------------------------------------------------------------------------
    const obs = this.intList('obsolete_targets');
    if (obs && obs.values.some((v) => v >= T)) {
      this.diag('damo-invalid-value', 'error', `Invalid --obsolete_targets: there ${T === 1 ? 'is 1 target' : `are ${T} targets`} (indexes 0..${T - 1})`, obs.occ.range);
    }
    const nrTargets = this.intList('nr_targets');
    let targetCounts: number[];
    if (!nrTargets) {
      if (C !== 1) {
        this.diag('damo-count-missing', 'error', `--nr_targets is required for multiple contexts (the options give ${C} contexts)`, (ctxStarter[1] ?? this.firstCtxListOcc())?.range ?? cmdRange);
      }
      targetCounts = [T, ...new Array(Math.max(0, C - 1)).fill(0)];
    } else {
      targetCounts = nrTargets.values;
      const sum = targetCounts.reduce((x, y) => x + y, 0);
      if (sum !== T) {
        this.diag('damo-count-mismatch', 'error',
          `--nr_targets and number of targets mismatch (${sum} != ${T}): the values add up to ${sum}, but the options give ${T} target${T === 1 ? '' : 's'} (each context has at least one)`,
          nrTargets.occ.range);
      } else if (targetCounts.length !== C) {
        this.diag('damo-count-mismatch', 'error',
          `--nr_targets and number of ctxs mismatch (${targetCounts.length} != ${C}): give one count per context`, nrTargets.occ.range, { related: this.ctxCountRelated(C) });
      }
      targetCounts.forEach((_, c) => {
        const p = c < C ? ctxPath(c) : null;
        if (p) this.markPath([...p, 'targets'], nrTargets.occ.args[c]?.range);
      });
    }
    const tPlace = place(targetCounts.slice(0, C), T);
    for (let t = 0; t < T; t++) {
      const c = tPlace.groupOf[t];
      if (c < 0) {
        const st = targetStarter[t];
        if (st) this.diag('damo-dropped', 'warning', `target ${t} belongs to no context (see --nr_targets); the imported config leaves it out`, st.range);
        continue;
      }
      const cp = ctxPath(c);
      const tp = cp ? [...cp, 'targets', tPlace.indexInGroup[t]] : null;
      const target = this.buildTarget(t, tp, contexts[c].ops, pidValues, regionOccs[t], numaOccs[t], obs?.values.includes(t) ?? false, targetStarter[t]);
      contexts[c].targets.push(target);
    }

    // --- schemes ------------------------------------------------------------------------------
    const nrSchemes = this.intList('nr_schemes');
    let schemeCounts: number[];
    if (!nrSchemes) {
      if (C !== 1 && S > 0) {
        this.diag('damo-count-missing', 'error', `--nr_schemes is required for multiple contexts (the options give ${C} contexts and ${S} schemes)`, actionOccs[0].range);
      }
      schemeCounts = [S, ...new Array(Math.max(0, C - 1)).fill(0)];
    } else {
      schemeCounts = nrSchemes.values;
      const sum = schemeCounts.reduce((x, y) => x + y, 0);
      if (sum !== S) {
        this.diag('damo-count-mismatch', 'error',
          `--nr_schemes and number of schemes mismatch (${sum} != ${S}): the values add up to ${sum}, but there ${S === 1 ? 'is 1 --damos_action' : `are ${S} --damos_action options`}`,
          nrSchemes.occ.range);
      } else if (schemeCounts.length !== C) {
        this.diag('damo-count-mismatch', 'error',
          `--nr_schemes and number of ctxs mismatch (${schemeCounts.length} != ${C}): give one count per context`, nrSchemes.occ.range, { related: this.ctxCountRelated(C) });
      }
      schemeCounts.forEach((_, c) => {
        const p = c < C ? ctxPath(c) : null;
        if (p) this.markPath([...p, 'schemes'], nrSchemes.occ.args[c]?.range);
      });
    }
    const sPlace = place(schemeCounts.slice(0, C), S);
    const schemePaths: (ConfigPath | null)[] = [];
    for (let s = 0; s < S; s++) {
      const c = sPlace.groupOf[s];
      const cp = c >= 0 ? ctxPath(c) : null;
      if (c < 0) this.diag('damo-dropped', 'warning', `scheme ${s} belongs to no context (see --nr_schemes); the imported config leaves it out`, actionOccs[s].range);
      schemePaths.push(cp ? [...cp, 'schemes', sPlace.indexInGroup[s]] : null);
    }
    const schemes = this.buildSchemes(schemePaths);
    for (let s = 0; s < S; s++) {
      const c = sPlace.groupOf[s];
      if (c >= 0 && schemes[s]) contexts[c].schemes.push(schemes[s]!);
    }

    // --- probes -------------------------------------------------------------------------------
    this.buildProbes(contexts, ctxPath);

    // --- kdamonds -----------------------------------------------------------------------------
    for (let c = 0; c < C; c++) {
      const k = ctxPlace.groupOf[c];
      if (k >= 0) kdamonds[k].contexts.push(contexts[c]);
      else if (ctxStarter[c]) this.diag('damo-dropped', 'warning', `context ${c} belongs to no kdamond (see --nr_ctxs); the imported config leaves it out`, ctxStarter[c]!.range);
    }
    const refresh = this.occ('refresh_stat');
    refresh.forEach((o, k) => {
      if (k >= kdamonds.length) {
        this.diag('damo-ignored', 'warning', `--refresh_stat ${k + 1} has no kdamond ${k} (damo ignores it)`, o.range);
        return;
      }
      kdamonds[k].refresh_ms = this.value('ms', o.args[0], ['kdamonds', k, 'refresh_ms'], 0, '--refresh_stat');
      this.markPath(['kdamonds', k, 'refresh_ms'], o.range);
    });
    kdamonds.forEach((kd, k) => {
      const first = kd.contexts.length ? contexts.indexOf(kd.contexts[0]) : -1;
      const r = (first >= 0 ? ctxStarter[first] ?? targetStarter[0] : undefined)?.range;
      this.markPath(['kdamonds', k], r ?? cmdRange, true);
    });
    this.markPath([], this.cmd.range, true);
    this.markPath(['kdamonds'], this.cmd.range, true);

    // addr_unit only for paddr (verify_kdamonds)
    const units = this.occ('damon_addr_unit');
    units.forEach((o, c) => {
      if (c < C && contexts[c].ops !== 'paddr' && contexts[c].addr_unit !== undefined && contexts[c].addr_unit !== 1) {
        this.diag('damo-invalid-value', 'error', 'only paddr supports non-one --damon_addr_unit (damo refuses)', o.range);
      }
    });

    this.attachComments();
    return { kdamonds };
  }

  private firstCtxListOcc(): OptionOccurrence | undefined {
    for (const d of CTX_LIST_DESTS) {
      const l = this.occ(d);
      if (l.length) return l[l.length - 1];
    }
    return undefined;
  }

  private ctxCountRelated(C: number): { range: OffsetRange; message: string }[] {
    const rel: { range: OffsetRange; message: string }[] = [];
    for (const d of CTX_COUNT_DESTS) {
      const l = this.occ(d);
      if (l.length === C) rel.push({ range: l[l.length - 1].range, message: `${C} × ${l[0].spec.names[0]} make ${C} contexts` });
    }
    for (const d of CTX_LIST_DESTS) {
      const l = this.intList(d);
      if (l && l.values.length === C) rel.push({ range: l.occ.range, message: `${C} values of ${l.occ.spec.names[0]} make ${C} contexts` });
    }
    return rel.slice(0, 3);
  }

  private buildContext(c: number, path: ConfigPath | null, pos: { ops?: string }, pidValues: unknown[], starter: OptionOccurrence | undefined): DcContext {
    const at = (d: string) => this.occ(d)[c];
    const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
    this.markPath(path, starter?.range ?? this.cmd.damoWord.range);
    if (starter) this.created.set(starter, path ?? []);

    let ops: string;
    const opsOcc = at('ops');
    if (pos.ops && c === 0) ops = pos.ops;
    else if (opsOcc && opsOcc.args[0]) {
      ops = opsOcc.args[0].text;
      this.markPath(sub('ops'), opsOcc.range);
    } else ops = pidValues[c] !== undefined ? 'vaddr' : 'paddr';

    const iv = at('monitoring_intervals');
    const words: (ArgWord | undefined)[] = [iv?.args[0], iv?.args[1], iv?.args[2]];
    if (iv) this.markPath(sub('intervals'), iv.range);
    (['sample', 'aggr', 'updr'] as const).forEach((d, i) => {
      const o = at(d);
      if (o?.args[0]) words[i] = o.args[0];
    });
    const intervals: DcContext['intervals'] = {
      sample_us: this.value('us', words[0], sub('intervals', 'sample_us'), 5000, 'sampling interval'),
      aggr_us: this.value('us', words[1], sub('intervals', 'aggr_us'), 100000, 'aggregation interval'),
      ops_update_us: this.value('us', words[2], sub('intervals', 'ops_update_us'), 1000000, 'ops update interval'),
    };
    const autotune = this.occ('monitoring_intervals_autotune');
    const goal = at('monitoring_intervals_goal');
    if (autotune.length) {
      if (goal) this.diag('damo-overridden-option', 'warning', '--monitoring_intervals_autotune overrides --monitoring_intervals_goal', goal.range);
      intervals.intervals_goal = { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 10000000 };
      this.markPath(sub('intervals', 'intervals_goal'), autotune[0].range);
    } else if (goal) {
      this.markPath(sub('intervals', 'intervals_goal'), goal.range);
      intervals.intervals_goal = {
        access_bp: this.value('bp', goal.args[0], sub('intervals', 'intervals_goal', 'access_bp'), 0, 'intervals goal access_bp'),
        aggrs: this.value('nr', goal.args[1], sub('intervals', 'intervals_goal', 'aggrs'), 0, 'intervals goal aggrs'),
        min_sample_us: this.value('us', goal.args[2], sub('intervals', 'intervals_goal', 'min_sample_us'), 0, 'intervals goal min_sample_us'),
        max_sample_us: this.value('us', goal.args[3], sub('intervals', 'intervals_goal', 'max_sample_us'), 0, 'intervals goal max_sample_us'),
      };
    }
    const rr = at('monitoring_nr_regions_range');
    if (rr) this.markPath(sub('nr_regions'), rr.range);
    const nrw: (ArgWord | undefined)[] = [rr?.args[0], rr?.args[1]];
    if (at('minr')?.args[0]) nrw[0] = at('minr').args[0];
    if (at('maxr')?.args[0]) nrw[1] = at('maxr').args[0];
    const ctx: DcContext = {
      ops,
      targets: [],
      intervals,
      nr_regions: {
        min: this.value('nr', nrw[0], sub('nr_regions', 'min'), 10, 'minimum number of regions'),
        max: this.value('nr', nrw[1], sub('nr_regions', 'max'), 1000, 'maximum number of regions'),
      },
      schemes: [],
    };
    const unit = at('damon_addr_unit');
    if (unit) {
      ctx.addr_unit = this.value('bytes', unit.args[0], sub('addr_unit'), 1, '--damon_addr_unit');
      this.markPath(sub('addr_unit'), unit.range);
    }
    const pause = this.intList('pause_ctx');
    if (pause?.values.includes(c)) {
      ctx.pause = true;
      this.markPath(sub('pause'), pause.occ.range);
    }
    for (const d of ['exp_ops_use_reports', 'exp_ops_write_only', 'exp_ops_cpus', 'exp_ops_tids', 'sample_primitives']) {
      const o = at(d);
      if (o) this.diag('damo-not-in-config', 'warning', `${o.spec.names[0]} has no config-file key (damo never reads it from files); the imported config leaves it out`, o.range);
    }
    return ctx;
  }

  private buildTarget(t: number, path: ConfigPath | null, ops: string, pidValues: (ArgWord | number | string | undefined)[],
    regionsOcc: OptionOccurrence | undefined, numaOcc: OptionOccurrence | undefined, obsolete: boolean, starter: OptionOccurrence | undefined): DcTarget {
    const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
    this.markPath(path, starter?.range ?? this.cmd.damoWord.range);
    if (starter) this.created.set(starter, path ?? []);
    const hasPid = ops === 'vaddr' || ops === 'fvaddr';
    let pid: number | string | null = null;
    const pv = pidValues[t];
    if (hasPid && pv !== undefined) {
      if (typeof pv === 'object') {
        pid = pv.dynamic ? pv.text : pyInt(pv.text) ?? pv.text;
        this.markPath(sub('pid'), pv.range);
        if (pv.dynamic) {
          this.diag('damo-dynamic-value', 'information', `--target_pid "${pv.text}" is only known when the script runs (${pv.dynamic}); not checked`, pv.range);
          this.noteDynamic(sub('pid'));
        }
      } else {
        pid = pv;
        if (typeof pv === 'string' && path) this.diagnosedPaths.push([...path, 'pid']);
      }
    } else if (!hasPid && pv !== undefined && typeof pv === 'object') {
      this.diag('damo-ignored', 'information', `--target_pid is ignored: target ${t} is in a ${ops} context, which has no process`, pv.range);
    }
    const target: DcTarget = { pid, regions: [] };
    if (obsolete) target.obsolete = true;

    // regions: --regions "<start>-<end> ...", else for paddr --numa_node or the default System RAM span
    const rw = regionsOcc?.args[0];
    if (rw && rw.text.trim() !== '') {
      this.markPath(sub('regions'), regionsOcc.range);
      if (rw.dynamic) {
        this.diag('damo-dynamic-value', 'information', `--regions "${rw.text}" is only known when the script runs (${rw.dynamic}); not checked`, rw.range);
        this.noteDynamic(sub('regions'));
        target.regions.push({ start: rw.text, end: rw.text });
      } else {
        let prevEnd: number | undefined;
        rw.text.split(/\s+/).filter((x) => x !== '').forEach((reg, ri) => {
          const addrs = reg.split('-');
          const rp = sub('regions', ri);
          this.markPath(rp, rw.range);
          if (addrs.length !== 2) {
            this.diag('damo-invalid-value', 'error', `Wrong '--regions' argument (two addresses not given): "${reg}" must be <start>-<end>`, rw.range);
            if (rp) this.diagnosedPaths.push(rp);
            return;
          }
          const s = parseByKind('bytes', addrs[0]);
          const e = parseByKind('bytes', addrs[1]);
          if (!s.ok || !e.ok) {
            this.diag('damo-invalid-value', 'error', `Wrong '--regions' argument: ${!s.ok ? s.error : ''}${!s.ok && !e.ok ? '; ' : ''}${!e.ok ? e.error : ''}`, rw.range);
            if (rp) this.diagnosedPaths.push(rp);
            target.regions.push({ start: addrs[0], end: addrs[1] });
            return;
          }
          const start = s.v.value;
          const end = e.v.value;
          if (start >= end || (prevEnd !== undefined && prevEnd > start)) {
            this.diag('damo-invalid-value', 'error', `Wrong '--regions' argument (${start >= end ? 'start >= end' : 'regions overlap'}): ${reg}`, rw.range);
            if (rp) this.diagnosedPaths.push(rp);
          }
          prevEnd = end;
          const region: DcRegion = { start: s.v.special === 'max' ? 'max' : start, end: e.v.special === 'max' ? 'max' : end };
          target.regions.push(region);
        });
      }
      if (numaOcc) this.diag('damo-ignored', 'warning', '--numa_node is ignored for a target that has --regions', numaOcc.range);
    } else if (ops === 'paddr') {
      if (numaOcc) target.regions = this.numaRegions(numaOcc, sub('regions'));
      else target.regions = this.defaultPaddrRegions(sub('regions'), regionsOcc ?? starter);
    } else if (numaOcc) {
      this.diag('damo-ignored', 'warning', `--numa_node is ignored: target ${t} is in a ${ops} context (damo uses it only for paddr)`, numaOcc.range);
    }
    return target;
  }

  private numaRegions(occ: OptionOccurrence, path: ConfigPath | null): DcRegion[] {
    this.markPath(path, occ.range);
    const nids = occ.args.map((a) => ({ a, nid: pyInt(a.text) }));
    const profile = this.opts.profile;
    if (!profile) {
      this.diag('damo-numa-node-needs-profile', 'warning',
        `--numa_node ${occ.args.map((a) => a.text).join(' ')}: damo reads the node's physical address range on the live host; give a machine profile (--profile) to import it. The imported region is a placeholder.`,
        occ.range);
      if (path) this.diagnosedPaths.push(path);
      const label = nids.map((x) => x.a.text).join(',');
      return [{ start: `${PLACEHOLDER_PREFIX}: start of NUMA node ${label} (import with --profile)`, end: `${PLACEHOLDER_PREFIX}: end of NUMA node ${label} (import with --profile)` }];
    }
    const ranges: [number, number][] = [];
    for (const { a, nid } of nids) {
      if (a.dynamic) {
        this.diag('damo-dynamic-value', 'information', `--numa_node "${a.text}" is only known when the script runs (${a.dynamic}); not checked`, a.range);
        this.noteDynamic(path);
        return [{ start: `${PLACEHOLDER_PREFIX}: start of NUMA node ${a.text}`, end: `${PLACEHOLDER_PREFIX}: end of NUMA node ${a.text}` }];
      }
      const node = profile.nodes.find((n) => n.nid === nid);
      if (!node) {
        this.diag('damo-numa-node-unknown', 'error',
          `NUMA node ${a.text} is not in the machine profile${profile.name ? ` "${profile.name}"` : ''} (nodes: ${profile.nodes.map((n) => n.nid).join(', ') || 'none'})`, a.range);
        if (path) this.diagnosedPaths.push(path);
        continue;
      }
      const nodeRanges = [...node.ranges].sort((x, y) => x.start - y.start).map((r) => [r.start, r.end] as [number, number]);
      // numa_addr_ranges joins a node's first range to the previous node's last when contiguous
      if (ranges.length && nodeRanges.length && ranges[ranges.length - 1][1] === nodeRanges[0][0]) {
        ranges[ranges.length - 1][1] = nodeRanges[0][1];
        nodeRanges.shift();
      }
      ranges.push(...nodeRanges);
    }
    // merge_ranges: sort, then merge overlapping or touching ranges
    ranges.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const [s, e] of ranges) {
      const last = merged[merged.length - 1];
      if (last && (last[1] === s || e === last[0] || !(last[1] <= s || e <= last[0]))) {
        last[0] = Math.min(last[0], s);
        last[1] = Math.max(last[1], e);
      } else merged.push([s, e]);
    }
    if (merged.length === 0 && nids.every((x) => profile.nodes.some((n) => n.nid === x.nid))) {
      this.diag('damo-numa-node-unknown', 'error', `the machine profile gives no memory ranges for NUMA node ${occ.args.map((a) => a.text).join(' ')}`, occ.range);
    }
    return merged.map(([start, end]) => ({ start, end }));
  }

  private defaultPaddrRegions(path: ConfigPath | null, at: OptionOccurrence | undefined): DcRegion[] {
    const range = at?.range ?? this.cmd.damoWord.range;
    this.markPath(path, range);
    const profile = this.opts.profile;
    const all = profile?.nodes.flatMap((n) => n.ranges) ?? [];
    if (!profile || all.length === 0) {
      this.diag('damo-paddr-needs-profile', 'warning',
        'a paddr target without --regions or --numa_node monitors all System RAM of the live host (first to last "System RAM" in /proc/iomem); give a machine profile (--profile) to import it. The imported region is a placeholder.',
        range);
      if (path) this.diagnosedPaths.push(path);
      return [{ start: `${PLACEHOLDER_PREFIX}: start of System RAM (import with --profile)`, end: `${PLACEHOLDER_PREFIX}: end of System RAM (import with --profile)` }];
    }
    return [{ start: Math.min(...all.map((r) => r.start)), end: Math.max(...all.map((r) => r.end)) }];
  }

  /** damos_options_to_schemes() and its helpers. */
  private buildSchemes(paths: (ConfigPath | null)[]): (DcScheme | null)[] {
    const actionOccs = this.occ('damos_action');
    const S = actionOccs.length;

    // set_args_damos_quotas: --damos_quota_interval drives the quota entries
    const quotaEntries: QuotaEntry[] = this.occ('damos_quotas').map((o) => ({ words: o.args, defaults: ['0', '0', 'max', '0', '0', '0'], occ: o }));
    const qi = this.occ('damos_quota_interval');
    const qt = this.occ('damos_quota_time');
    const qs = this.occ('damos_quota_space');
    const qw = this.occ('damos_quota_weights');
    qi.forEach((o, i) => {
      quotaEntries.push({
        words: [qt[i]?.args[0], qs[i]?.args[0], o.args[0], qw[i]?.args[0], qw[i]?.args[1], qw[i]?.args[2]],
        defaults: ['0', '0', 'max', '1', '1', '1'],
        occ: o,
      });
    });
    for (const [list, name] of [[qt, '--damos_quota_time'], [qs, '--damos_quota_space'], [qw, '--damos_quota_weights']] as const) {
      list.slice(qi.length).forEach((o) => {
        this.diag('damo-ignored', 'warning',
          qi.length === 0
            ? `${name} is silently ignored by damo without --damos_quota_interval: the scheme gets no such quota`
            : `${name} #${list.indexOf(o) + 1} has no matching --damos_quota_interval (there ${qi.length === 1 ? 'is 1' : `are ${qi.length}`}); damo silently ignores it`,
          o.range);
      });
    }

    // verify_set_damos_args_len
    for (const [dest, name] of PER_SCHEME_FIXED) {
      this.occ(dest).slice(S).forEach((o) => this.diag('damo-count-mismatch', 'error', `too much ${name}: there ${S === 1 ? 'is 1 scheme' : `are ${S} schemes`} (one per --damos_action)`, o.range));
    }
    quotaEntries.slice(S).forEach((q) => this.diag('damo-count-mismatch', 'error',
      `too much --damos_quotas: there ${S === 1 ? 'is 1 scheme' : `are ${S} schemes`}${q.occ.spec.dest === 'damos_quota_interval' ? ' (each --damos_quota_interval makes one quota)' : ''}`, q.occ.range));
    for (const [dest, name] of [['damos_quota_goal_tuner', '--damos_quota_goal_tuner'], ['damos_quota_fail_charge_ratio', '--damos_quota_fail_charge_ratio']]) {
      this.occ(dest).slice(S).forEach((o) => this.diag('damo-ignored', 'warning', `extra ${name}: there ${S === 1 ? 'is 1 scheme' : `are ${S} schemes`}; damo silently ignores it`, o.range));
    }
    const goalGroups = this.groupPerScheme('damos_quota_goal', 'damos_nr_quota_goals', '--damos_quota_goal', '--damos_nr_quota_goals', paths, ['quotas', 'goals']);
    const filterGroups = this.groupPerScheme('damos_filter', 'damos_nr_filters', '--damos_filter', '--damos_nr_filters', paths, ['filters']);

    const schemes: (DcScheme | null)[] = [];
    for (let s = 0; s < S; s++) {
      schemes.push(this.buildScheme(s, paths[s], actionOccs[s], quotaEntries[s], goalGroups[s] ?? [], filterGroups[s] ?? []));
    }
    return schemes;
  }

  /**
   * Cuts the occurrences of a per-scheme list option by its count option (damo's running sums).
   * When damo would refuse the counts, the config uses the counts by position (each option belongs
   * to the --damos_action written before it) and a quick fix offers them.
   */
  private groupPerScheme(dest: string, countDest: string, name: string, countName: string, paths: (ConfigPath | null)[], sub: string[]): OptionOccurrence[][] {
    const items = this.occ(dest);
    const actions = this.occ('damos_action');
    const S = actions.length;
    if (S === 0) return [];
    const byPosition = new Array<number>(S).fill(0);
    for (const it of items) {
      let owner = 0;
      actions.forEach((a, i) => { if (a.range.start < it.range.start) owner = i; });
      byPosition[owner]++;
    }
    const given = this.intList(countDest);
    let counts: number[] | null = null;
    let problem: string | null = null;
    if (!given) {
      if (items.length > 0 && S > 1) problem = `${countName} required: with ${S} schemes damo needs the number of ${name} options for each scheme`;
      else counts = [items.length];
    } else {
      const sum = given.values.reduce((x, y) => x + y, 0);
      if (sum !== items.length) {
        problem = `wrong ${countName}: the values add up to ${sum}, but there ${items.length === 1 ? 'is 1' : `are ${items.length}`} ${name} option${items.length === 1 ? '' : 's'}${dest === 'damos_filter' ? ` (${countName} counts ${name} options, not filters)` : ''}`;
      } else if (given.values.length < S && items.length > 0) {
        problem = `${countName} has ${given.values.length} value${given.values.length === 1 ? '' : 's'} for ${S} schemes: damo v3.3 crashes (IndexError)`;
      } else {
        counts = given.values;
        if (given.values.length > S) {
          this.diag('damo-ignored', 'warning', `${countName} has ${given.values.length} values for ${S} scheme${S === 1 ? '' : 's'}; damo ignores the extra ones`, given.occ.args[S]?.range ?? given.occ.range);
        }
        if (items.length > 0 && counts.slice(0, S).some((c, i) => c !== byPosition[i])) {
          this.diag('damo-count-order', 'warning',
            `${countName} ${counts.slice(0, S).join(' ')} assigns ${name} options to schemes differently from where they are written (by position: ${byPosition.join(' ')}); damo follows the counts`,
            given.occ.range);
        }
      }
    }
    if (problem) {
      const fixText = byPosition.join(' ');
      const edits: TextEdit[] = given
        ? [{ range: { start: given.occ.args[0]?.range.start ?? given.occ.nameRange.end, end: given.occ.range.end }, newText: fixText }]
        : [{ range: { start: this.cmd.range.end, end: this.cmd.range.end }, newText: ` ${countName} ${fixText}` }];
      this.diag('damo-count-mismatch', 'error', `${problem}. The imported config uses the counts by position: ${fixText}`,
        given?.occ.range ?? items[0]?.range ?? this.cmd.damoWord.range,
        { fixes: [{ title: `Set ${countName} ${fixText} (by position)`, edits, preferred: true }] });
      counts = byPosition;
    }
    const groups: OptionOccurrence[][] = [];
    let idx = 0;
    for (let s = 0; s < S; s++) {
      const cnt = counts![s] ?? 0;
      groups.push(items.slice(idx, idx + cnt));
      idx += cnt;
      const p = paths[s];
      const mine = groups[s];
      if (p && mine.length) this.markPath([...p, ...sub], { start: mine[0].range.start, end: mine[mine.length - 1].range.end });
      else if (given && p) this.markPath([...p, ...sub], given.occ.args[s]?.range ?? given.occ.range);
    }
    return groups;
  }

  private buildScheme(s: number, path: ConfigPath | null, actionOcc: OptionOccurrence, quota: QuotaEntry | undefined,
    goals: OptionOccurrence[], filters: OptionOccurrence[]): DcScheme {
    const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
    this.markPath(path, actionOcc.range);
    this.created.set(actionOcc, path ?? []);
    const at = (d: string) => this.occ(d)[s];

    // action
    const aw = actionOcc.args;
    const action = aw[0]?.text ?? 'stat';
    if (aw[0]) this.markPath(sub('action'), aw[0].range);
    if (aw[0]?.dynamic) this.noteDynamic(sub('action'));
    if (aw[0] && !aw[0].dynamic && !DAMOS_ACTIONS.includes(action)) {
      this.diag('damo-invalid-value', 'error', `wrong damos action: ${action} (one of ${DAMOS_ACTIONS.join(', ')})`, aw[0].range);
      if (path) this.diagnosedPaths.push([...path, 'action']);
    }
    const scheme: DcScheme = {
      action,
      access_pattern: { sz_bytes: { min: 0, max: 'max' }, nr_accesses: { min: 0, max: 'max' }, age: { min: 0, max: 'max' } },
      apply_interval_us: 0,
      quotas: { time_ms: 0, sz_bytes: 0, reset_interval_ms: 'max', weights: { sz_permil: 0, nr_accesses_permil: 0, age_permil: 0 }, goals: [] },
      watermarks: { metric: 'none', interval_us: 0, high_permil: 0, mid_permil: 0, low_permil: 0 },
      filters: [],
    };
    const extra = aw.slice(1);
    if (action === 'migrate_hot' || action === 'migrate_cold') {
      if (extra.length === 1) {
        const nid = pyInt(extra[0].text);
        if (extra[0].dynamic) {
          this.diag('damo-dynamic-value', 'information', `target node "${extra[0].text}" is only known when the script runs (${extra[0].dynamic}); not checked`, extra[0].range);
          this.noteDynamic(sub('target_nid'));
        } else if (nid === undefined) {
          this.diag('damo-invalid-value', 'error', `"${action}" action require a numeric target_nid or dests arguments ("${extra[0].text}" is not an integer)`, extra[0].range);
          if (path) this.diagnosedPaths.push([...path, 'target_nid']);
        }
        scheme.target_nid = nid ?? extra[0].text;
        this.markPath(sub('target_nid'), extra[0].range);
      } else if (extra.length > 1) {
        if (extra.length % 2 !== 0) {
          this.diag('damo-invalid-value', 'error', `"${action}" action require a numeric target_nid or dests arguments (destinations come in <node id> <weight> pairs; got ${extra.length} words)`,
            { start: extra[0].range.start, end: extra[extra.length - 1].range.end });
        }
        scheme.dests = [];
        for (let j = 0; j + 1 < extra.length; j += 2) {
          const d = scheme.dests.length;
          this.markPath(sub('dests', d), { start: extra[j].range.start, end: extra[j + 1].range.end });
          scheme.dests.push({
            id: this.value('nr', extra[j], sub('dests', d, 'id'), 0, 'destination node id'),
            weight: this.value('nr', extra[j + 1], sub('dests', d, 'weight'), 0, 'destination weight'),
          });
        }
      }
    } else if (extra.length > 0) {
      const looksTarget = extra.some((w) => /^(paddr|vaddr|fvaddr|\d+)$/.test(w.text) || w.text.includes(' '));
      this.diag('damo-extra-argument', 'error',
        `--damos_action ${action} takes no further arguments (damo v3.3 crashes on them: "Wrong number of --damos_action arguments")${looksTarget ? `; if "${extra.map((w) => w.text).join(' ')}" is the monitoring target, put it before the options: --damos_action takes every following word` : ''}`,
        { start: extra[0].range.start, end: extra[extra.length - 1].range.end });
    }

    // access pattern
    const sz = at('damos_sz_region');
    if (sz) {
      this.markPath(sub('access_pattern', 'sz_bytes'), sz.range);
      scheme.access_pattern.sz_bytes = {
        min: this.value('bytes', sz.args[0], sub('access_pattern', 'sz_bytes', 'min'), 0, '--damos_sz_region min'),
        max: this.value('bytes', sz.args[1], sub('access_pattern', 'sz_bytes', 'max'), 'max', '--damos_sz_region max'),
      };
    }
    const ar = at('damos_access_rate');
    if (ar) {
      this.markPath(sub('access_pattern', 'nr_accesses'), ar.range);
      scheme.access_pattern.nr_accesses = {
        min: this.value('percent', ar.args[0], sub('access_pattern', 'nr_accesses', 'min'), 0, '--damos_access_rate min'),
        max: this.value('percent', ar.args[1], sub('access_pattern', 'nr_accesses', 'max'), 'max', '--damos_access_rate max'),
      };
    }
    const age = at('damos_age');
    if (age) {
      this.markPath(sub('access_pattern', 'age'), age.range);
      scheme.access_pattern.age = {
        min: this.value('us', age.args[0], sub('access_pattern', 'age', 'min'), 0, '--damos_age min'),
        max: this.value('us', age.args[1], sub('access_pattern', 'age', 'max'), 'max', '--damos_age max'),
      };
    }
    this.markPath(sub('access_pattern'), actionOcc.range, true);
    const ai = at('damos_apply_interval');
    if (ai) {
      scheme.apply_interval_us = this.value('us', ai.args[0], sub('apply_interval_us'), 0, '--damos_apply_interval');
      this.markPath(sub('apply_interval_us'), ai.range);
    }

    // quotas (damos_options_to_quotas): goals, tuner and fail charge ratio only come with a quota
    const tunerOcc = at('damos_quota_goal_tuner');
    const fcrOcc = at('damos_quota_fail_charge_ratio');
    if (quota) {
      const q = scheme.quotas;
      const qp = sub('quotas');
      this.markPath(qp, quota.occ.range);
      if (quota.words.length > 6) {
        this.diag('damo-extra-argument', 'error', `Wrong --damos_quotas (>6 parameters): <time ms> [<size> [<reset interval ms> [<sz weight> [<nr_accesses weight> [<age weight>]]]]]`,
          { start: quota.words[6]!.range.start, end: quota.occ.range.end });
      }
      const w = quota.words;
      const def = quota.defaults;
      const dv = (i: number, kind: Exclude<ValueKind, 'bool'>): DcValue => {
        const r = parseByKind(kind, def[i]);
        return r.ok ? (r.v.special === 'max' ? 'max' : r.v.value) : 0;
      };
      q.time_ms = this.value('ms', w[0], sub('quotas', 'time_ms'), dv(0, 'ms'), 'time quota');
      q.sz_bytes = this.value('bytes', w[1], sub('quotas', 'sz_bytes'), dv(1, 'bytes'), 'size quota');
      q.reset_interval_ms = this.value('ms', w[2], sub('quotas', 'reset_interval_ms'), dv(2, 'ms'), 'quota reset interval');
      q.weights = {
        sz_permil: this.value('permil', w[3], sub('quotas', 'weights', 'sz_permil'), dv(3, 'permil'), 'size weight'),
        nr_accesses_permil: this.value('permil', w[4], sub('quotas', 'weights', 'nr_accesses_permil'), dv(4, 'permil'), 'access rate weight'),
        age_permil: this.value('permil', w[5], sub('quotas', 'weights', 'age_permil'), dv(5, 'permil'), 'age weight'),
      };
      if (quota.occ.spec.dest === 'damos_quota_interval') {
        const wOcc = this.occ('damos_quota_weights')[this.occ('damos_quota_interval').indexOf(quota.occ)];
        if (wOcc) this.markPath(sub('quotas', 'weights'), wOcc.range);
      }
      goals.forEach((g, gi) => {
        const goal = this.buildGoal(g, sub('quotas', 'goals', gi));
        if (goal) q.goals.push(goal);
      });
      if (tunerOcc?.args[0]) {
        q.goal_tuner = tunerOcc.args[0].text;
        this.markPath(sub('quotas', 'goal_tuner'), tunerOcc.range);
      }
      if (fcrOcc) {
        this.markPath(sub('quotas', 'fail_charge_num'), fcrOcc.args[0]?.range ?? fcrOcc.range);
        this.markPath(sub('quotas', 'fail_charge_denom'), fcrOcc.args[1]?.range ?? fcrOcc.range);
        q.fail_charge_num = this.value('nr', fcrOcc.args[0], sub('quotas', 'fail_charge_num'), 0, 'fail charge numerator');
        q.fail_charge_denom = this.value('nr', fcrOcc.args[1], sub('quotas', 'fail_charge_denom'), 0, 'fail charge denominator');
      }
    } else {
      const lost = [...goals, ...(tunerOcc ? [tunerOcc] : []), ...(fcrOcc ? [fcrOcc] : [])];
      for (const o of lost) {
        this.diag('damo-ignored', 'warning',
          `${o.spec.names[0]} belongs to scheme ${s}, which has no --damos_quota_interval or --damos_quotas; damo silently drops it`, o.range);
      }
    }

    // watermarks
    const wm = at('damos_wmarks');
    if (wm) {
      this.markPath(sub('watermarks'), wm.range);
      const metric = wm.args[0]?.text ?? 'none';
      if (wm.args[0] && !wm.args[0].dynamic && metric !== 'none' && metric !== 'free_mem_rate') {
        this.diag('damo-invalid-value', 'error', `wrong watermark metric (${metric}): none or free_mem_rate`, wm.args[0].range);
        if (path) this.diagnosedPaths.push([...path, 'watermarks', 'metric']);
      }
      if (wm.args[0]) this.markPath(sub('watermarks', 'metric'), wm.args[0].range);
      const wmk: DcWatermarks = {
        metric,
        interval_us: this.value('us', wm.args[1], sub('watermarks', 'interval_us'), 0, 'watermarks interval'),
        high_permil: this.value('permil', wm.args[2], sub('watermarks', 'high_permil'), 0, 'high watermark'),
        mid_permil: this.value('permil', wm.args[3], sub('watermarks', 'mid_permil'), 0, 'mid watermark'),
        low_permil: this.value('permil', wm.args[4], sub('watermarks', 'low_permil'), 0, 'low watermark'),
      };
      scheme.watermarks = wmk;
    }

    // filters
    scheme.filters = this.buildFilters(filters, sub('filters'));

    // damo's key order: action, dests, target_nid, access_pattern, ...
    const { action: _a, target_nid, dests, ...rest } = scheme;
    const ordered: DcScheme = { action: _a, ...(dests ? { dests } : {}), ...(target_nid !== undefined ? { target_nid } : {}), ...rest };
    Object.keys(scheme).forEach((k) => delete (scheme as unknown as Record<string, unknown>)[k]);
    Object.assign(scheme, ordered);

    const ms = at('damos_max_nr_snapshots');
    if (ms) this.diag('damo-not-in-config', 'warning', '--damos_max_nr_snapshots has no config-file key (damo ignores "stats" in files); the imported config leaves it out', ms.range);
    return scheme;
  }

  /** damos_options_to_quota_goal() */
  private buildGoal(g: OptionOccurrence, path: ConfigPath | null): DcGoal | null {
    const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
    this.markPath(path, g.range);
    this.created.set(g, path ?? []);
    const w = g.args;
    const usage = 'forms: user_input <target> <current> | some_mem_psi_us <target> | node_mem_{used,free}_bp <target> <nid> | node_memcg_{used,free}_bp <target> <nid> <memcg path> | {active,inactive}_mem_bp <target> | node_eligible_mem_bp <target>';
    if (w.length < 2 || w.length > 4) {
      this.diag(w.length < 2 ? 'damo-missing-argument' : 'damo-extra-argument', 'error', `Wrong --damos_quota_goal (${w.map((x) => x.text).join(' ')}): 2 to 4 words; ${usage}`, g.range);
      if (w.length < 2) {
        if (path) this.diagnosedPaths.push(path);
        return w[0] ? { metric: w[0].text, target_value: 0, current_value: 0 } : null;
      }
    }
    const metric = w[0].text;
    this.markPath(sub('metric'), w[0].range);
    if (w[0].dynamic) this.noteDynamic(sub('metric'));
    if (!w[0].dynamic && !GOAL_METRICS.includes(metric)) {
      this.diag('damo-invalid-value', 'error', `unsupported DAMOS quota goal metric "${metric}" (one of ${GOAL_METRICS.join(', ')})`, w[0].range);
      if (path) this.diagnosedPaths.push(path);
    }
    const opt = w.slice(2);
    const goal: DcGoal = { metric, target_value: 0, current_value: 0 };
    const targetKind: Exclude<ValueKind, 'bool'> = metric === 'some_mem_psi_us' ? 'us' : BP_METRICS.includes(metric) ? 'bp' : 'nr';
    goal.target_value = this.value(targetKind, w[1], sub('target_value'), 0, `${metric} target value`);
    if (metric === 'node_eligible_mem_bp' && w[1] && /%\s*$/.test(w[1].text)) {
      // value() already reported the error; say why
      this.diag('damo-invalid-value', 'information', 'damo v3.3 reads node_eligible_mem_bp targets with text_to_nr: give raw basis points (e.g. 5000 for 50%)', w[1].range);
    }
    const range = (a: ArgWord[]): OffsetRange => (a.length ? { start: a[0].range.start, end: a[a.length - 1].range.end } : g.range);
    if (NID_METRICS.includes(metric)) {
      const need = MEMCG_METRICS.includes(metric) ? 2 : 1;
      if (opt.length !== need) {
        const msg = need === 2 ? 'nid and memcg_path required' : 'nid is not given or something else is given';
        this.diag(opt.length < need ? 'damo-missing-argument' : 'damo-extra-argument', 'error',
          `${msg}: ${metric} <target> <nid>${need === 2 ? ' <memcg path>' : ''} (damo refuses the command)`, opt.length ? range(opt) : g.range, path ? { path } : {});
      }
      if (opt[0]) goal.nid = this.value('nr', opt[0], sub('nid'), 0, `${metric} nid`);
      if (need === 2 && opt[1]) {
        goal.memcg_path = opt[1].text;
        this.markPath(sub('memcg_path'), opt[1].range);
        if (opt[1].dynamic) {
          this.diag('damo-dynamic-value', 'information', `memcg path "${opt[1].text}" is only known when the script runs (${opt[1].dynamic}); not checked`, opt[1].range);
          this.noteDynamic(sub('memcg_path'));
        }
      }
    } else if (metric === 'user_input') {
      if (opt.length !== 1) {
        this.diag(opt.length < 1 ? 'damo-missing-argument' : 'damo-extra-argument', 'error',
          'current value is not given or something else is given: user_input <target> <current value> (damo refuses the command)', opt.length ? range(opt) : g.range, path ? { path } : {});
      }
      if (opt[0]) goal.current_value = this.value('nr', opt[0], sub('current_value'), 0, 'user_input current value');
    } else if (opt.length > 0) {
      this.diag('damo-extra-argument', 'warning', `${metric} takes only a target value; damo ignores "${opt.map((x) => x.text).join(' ')}"`, range(opt));
    }
    // damo's key order: metric, nid, memcg_path, target_value, current_value
    const { nid, memcg_path, target_value, current_value } = goal;
    return { metric, ...(nid !== undefined ? { nid } : {}), ...(memcg_path !== undefined ? { memcg_path } : {}), target_value, current_value };
  }

  /** damos_options_to_filters(): v2 on all words joined, else v1 on every occurrence. */
  private buildFilters(occs: OptionOccurrence[], path: ConfigPath | null): DcFilter[] {
    if (occs.length === 0) return [];
    const words = occs.flatMap((o) => o.args);
    const v2 = parseFiltersV2(words);
    let result = v2;
    if (v2.error) {
      const converted: ArgWord[] = [];
      let v1err: { message: string; range: OffsetRange } | null = null;
      for (const o of occs) {
        const c = convertFilterV1(o.args);
        if ('error' in c) { v1err = { message: `converting format fail (${o.args.map((a) => a.text).join(' ')}, ${c.error})`, range: o.range }; break; }
        converted.push(...c.words);
      }
      const v1 = v1err ? null : parseFiltersV2(converted);
      if (v1 && !v1.error) {
        result = v1;
        this.diag('damo-filter-v1', 'information',
          '--damos_filter uses the old (v1) format "<type> <matching|nomatching> [args] [allow|reject]"; the v2 format is "<allow|reject> [none] <type> [args]"', { start: occs[0].range.start, end: occs[occs.length - 1].range.end });
      } else {
        const e = v2.error;
        this.diag('damo-invalid-value', 'error', `--damos_filter: ${e.message}${v1err || v1?.error ? ' (damo reports it after also failing the old v1 format, so its message may be confusing)' : ''}`, e.range);
        if (path) this.diagnosedPaths.push(path);
        result = v2;
      }
    }
    const out: DcFilter[] = [];
    result.filters.forEach((f, i) => {
      const p = path ? [...path, i] : null;
      this.markPath(p, f.range);
      const filter: DcFilter = { filter_type: f.type, matching: f.matching, allow: f.allow };
      if (f.type === 'memcg') {
        filter.memcg_path = f.args[0].text;
        this.markPath(p && [...p, 'memcg_path'], f.args[0].range);
        if (f.args[0].dynamic) {
          this.diag('damo-dynamic-value', 'information', `memcg path "${f.args[0].text}" is only known when the script runs (${f.args[0].dynamic}); not checked`, f.args[0].range);
          this.noteDynamic(p && [...p, 'memcg_path']);
        }
      } else if (f.type === 'addr') {
        this.markPath(p && [...p, 'address_range'], { start: f.args[0].range.start, end: f.args[1].range.end });
        filter.address_range = {
          start: this.value('bytes', f.args[0], p && [...p, 'address_range', 'start'], 0, 'addr filter start'),
          end: this.value('bytes', f.args[1], p && [...p, 'address_range', 'end'], 0, 'addr filter end'),
        };
      } else if (f.type === 'target') {
        filter.damon_target_idx = this.value('nr', f.args[0], p && [...p, 'damon_target_idx'], 0, 'target filter index');
      } else if (f.type === 'hugepage_size') {
        filter.hugepage_size = [
          this.value('bytes', f.args[0], p && [...p, 'hugepage_size', 0], 0, 'hugepage_size min'),
          this.value('bytes', f.args[1], p && [...p, 'hugepage_size', 1], 0, 'hugepage_size max'),
        ];
      }
      out.push(filter);
    });
    // a filter's span also covers its option occurrence when it is alone in it
    for (const o of occs) {
      const inside = result.filters.map((f, i) => ({ f, i })).filter(({ f }) => f.range.start >= o.range.start && f.range.end <= o.range.end);
      if (inside.length === 1 && path) {
        this.markPath([...path, inside[0].i], o.range);
        this.created.set(o, [...path, inside[0].i]);
      } else if (inside.length && path) this.created.set(o, [...path, inside[0].i]);
    }
    return out;
  }

  private buildProbes(contexts: DcContext[], ctxPath: (c: number) => ConfigPath | null): void {
    const occs = this.occ('probe_filter');
    if (occs.length === 0) return;
    const filters: { f: DcProbe['filters'][number]; occ: OptionOccurrence }[] = [];
    for (const o of occs) {
      const w = o.args.map((a) => a.text);
      if (w.length < 2) { this.diag('damo-missing-argument', 'error', `--probe_filter: expected >=2 fields but ${w.length}`, o.range); continue; }
      if (w[0] !== 'allow' && w[0] !== 'reject') { this.diag('damo-invalid-value', 'error', `--probe_filter: expected allow|reject but ${w[0]}`, o.args[0].range); continue; }
      let k = 1;
      let matching = true;
      if (w[k] === 'non') { matching = false; k++; }
      if (k >= w.length) { this.diag('damo-missing-argument', 'error', '--probe_filter: filter type is not given', o.range); continue; }
      const type = w[k++];
      let pth: string | null = null;
      if (type === 'memcg') {
        if (k >= w.length) { this.diag('damo-missing-argument', 'error', '--probe_filter: memcg path is not given', o.range); continue; }
        pth = w[k];
      }
      filters.push({ f: { filter_type: type, matching, allow: w[0] === 'allow', path: pth }, occ: o });
    }
    const npf = this.intList('nr_probe_filters');
    const perProbe = npf ? npf.values : [filters.length];
    if (perProbe.reduce((x, y) => x + y, 0) !== filters.length) {
      this.diag('damo-count-mismatch', 'error', `--nr_probe_filters mismatches --probe_filter (${perProbe.reduce((x, y) => x + y, 0)} != ${filters.length})`, npf?.occ.range ?? occs[0].range);
    }
    const probes: { p: DcProbe; first?: OptionOccurrence }[] = [];
    let idx = 0;
    for (const n of perProbe) {
      const fs = filters.slice(idx, idx + n);
      probes.push({ p: { filters: fs.map((x) => x.f) }, first: fs[0]?.occ });
      idx += n;
    }
    const np = this.intList('nr_probes');
    let perCtx: number[];
    if (!np) {
      if (contexts.length !== 1) this.diag('damo-count-missing', 'error', '--nr_probes is required with several contexts', occs[0].range);
      perCtx = [probes.length, ...new Array(Math.max(0, contexts.length - 1)).fill(0)];
    } else {
      perCtx = np.values;
      const sum = perCtx.reduce((x, y) => x + y, 0);
      if (sum !== probes.length) this.diag('damo-count-mismatch', 'error', `--nr_probes mismatches number of probes (${sum} != ${probes.length})`, np.occ.range);
      else if (perCtx.length !== contexts.length) this.diag('damo-count-mismatch', 'error', `--nr_probes mismatches number of contexts (${perCtx.length} != ${contexts.length})`, np.occ.range);
    }
    idx = 0;
    perCtx.forEach((n, c) => {
      if (c >= contexts.length) return;
      const mine = probes.slice(idx, idx + n);
      idx += n;
      if (mine.length === 0) return;
      contexts[c].probes = mine.map((x) => x.p);
      const cp = ctxPath(c);
      mine.forEach((x, i) => { if (cp && x.first) this.markPath([...cp, 'probes', i], x.first.range); });
    });
  }

  /** Backtick comments go to the config node the next option starts (targets and first contexts climb). */
  private attachComments(): void {
    const byPath = new Map<string, ConfigComment>();
    for (const c of this.cmd.comments) {
      if (c.kind !== 'backtick' && c.range.start < this.cmd.range.start) continue;
      const next = this.args.occurrences.find((o) => o.nameRange.start >= c.range.end && this.created.has(o));
      let path: ConfigPath = next ? this.created.get(next)! : [];
      // a comment before the first target/context of a context/kdamond describes the container
      for (;;) {
        const n = path.length;
        if (n >= 2 && path[n - 2] === 'targets' && path[n - 1] === 0) { path = path.slice(0, n - 2); continue; }
        if (n >= 2 && path[n - 2] === 'contexts' && path[n - 1] === 0) { path = path.slice(0, n - 2); continue; }
        break;
      }
      const key = JSON.stringify(path);
      const prev = byPath.get(key);
      if (prev) prev.text += `\n${c.text}`;
      else byPath.set(key, { path, text: c.text });
    }
    this.comments.push(...byPath.values());
  }
}

// ------------------------------------------------------------------------------------------------
// --damos_filter grammars

interface ParsedFilter {
  type: string;
  matching: boolean;
  allow: boolean;
  args: ArgWord[];
  range: OffsetRange;
}

const FILTER_ARG_COUNT: Record<string, [number, string]> = {
  memcg: [1, 'no memcg path is given'],
  addr: [2, 'no address range is given'],
  target: [1, 'no target argument'],
  hugepage_size: [2, 'no range for hugepage sizes is given'],
};

/** damos_options_to_filters_v2(): `<allow|reject|deny|block> [none] <type> [args]`, repeated. */
export function parseFiltersV2(words: ArgWord[]): { filters: ParsedFilter[]; error?: { message: string; range: OffsetRange } } {
  const filters: ParsedFilter[] = [];
  let i = 0;
  while (i < words.length) {
    const rest = words.slice(i);
    const all = (): OffsetRange => ({ start: rest[0].range.start, end: rest[rest.length - 1].range.end });
    if (rest.length < 2) return { filters, error: { message: `wrong number of words: ${rest.map((w) => w.text).join(' ')} (a filter is <allow|reject> [none] <type> [args])`, range: all() } };
    if (!['allow', 'reject', 'deny', 'block'].includes(rest[0].text)) {
      return { filters, error: { message: `unsupported allow-reject identifier: ${rest[0].text} (a filter starts with allow or reject)`, range: rest[0].range } };
    }
    const allow = rest[0].text === 'allow';
    let k = 1;
    let matching = true;
    if (rest[k].text === 'none') { matching = false; k++; }
    const typeWord = rest[k];
    if (!typeWord) return { filters, error: { message: `handling ${rest.map((w) => w.text).join(' ')} fail (no filter type)`, range: all() } };
    k++;
    const type = typeWord.text;
    if (FILTER_TYPES_NO_ARG.includes(type)) {
      filters.push({ type, matching, allow, args: [], range: { start: rest[0].range.start, end: typeWord.range.end } });
      i += k;
      continue;
    }
    const spec = FILTER_ARG_COUNT[type];
    if (!spec) {
      return { filters, error: { message: `unsupported filter type "${type}" (one of anon, active, young, unmapped, memcg <path>, addr <start> <end>, target <idx>, hugepage_size <min> <max>)`, range: typeWord.range } };
    }
    const args = rest.slice(k, k + spec[0]);
    if (args.length < spec[0]) return { filters, error: { message: `handling ${rest.map((w) => w.text).join(' ')} fail (${spec[1]})`, range: all() } };
    filters.push({ type, matching, allow, args, range: { start: rest[0].range.start, end: args[args.length - 1].range.end } });
    i += k + spec[0];
  }
  return { filters };
}

/** convert_damos_filter_v1_to_v2(): `<type> <matching|nomatching> [args] [allow|pass|reject|deny|block]`. */
function convertFilterV1(args: ArgWord[]): { words: ArgWord[] } | { error: string } {
  if (args.length < 2) return { error: '<2 filter argument' };
  const type = args[0];
  const matching = args[1].text === 'matching';
  let opt = args.slice(2);
  let ar = 'reject';
  if (opt.length > 0 && ['allow', 'pass', 'reject', 'deny', 'block'].includes(opt[opt.length - 1].text)) {
    ar = ['allow', 'pass'].includes(opt[opt.length - 1].text) ? 'allow' : 'reject';
    opt = opt.slice(0, -1);
  }
  const words: ArgWord[] = [{ text: ar, range: args[0].range }];
  if (!matching) words.push({ text: 'none', range: args[1].range });
  words.push(type, ...opt);
  return { words };
}

export function importDamoCommandLine(cmd: DamoCommandLine, opts: ImportOptions = {}): DamoImport {
  const imp = new Importer(cmd, opts);
  let config: DamoConfig | null = null;
  try {
    config = imp.run();
    // damo treats a default value and an absent key the same; keep the one canonical form
    if (config) config = canonicalize(config).config;
  } catch (e) {
    // a bug here must not take the editor or the CLI down: report it at the command
    imp.diag('damo-internal-error', 'error', `internal error while reading this damo command: ${e instanceof Error ? e.message : String(e)}`, cmd.damoWord.range);
  }
  return { command: cmd, config, sourceMap: imp.sourceMap, diagnostics: imp.diagnostics, comments: imp.comments, diagnosedPaths: imp.diagnosedPaths, dynamicOwners: imp.dynamicOwners };
}
