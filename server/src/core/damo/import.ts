/**
 * `damo start|tune` options → damo-format config, exactly as damo v3.3.0 partitions the flat
 * option lists (src/_damon_args.py: damon_ctxs_for, gen_assign_targets, damos_options_to_schemes,
 * gen_assign_schemes, kdamonds_for). Every problem damo would report (or crash on, or silently
 * swallow) becomes a diagnostic at the span of the command text; the config is still built, from
 * the options as written, so the validator can look at the rest.
 */
import type { ConfigPath, CoreDiagnostic, OffsetRange, Severity } from '../diagnostic';
import type { MachineProfile } from '../profile';
import { parseByKind, type ValueKind } from '../model/units';
import { canonicalize } from './canonical';
import type { DamoCommandLine } from './commands';
import { parseDamoArgs, pyInt, type ArgWord, type OptionOccurrence, type ParsedArgs } from './options';
import { buildContext, buildProbes, buildTarget, PLACEHOLDER_PREFIX } from './import/context';
import { buildSchemes } from './import/scheme';
import { SourceMap, type DamoConfig, type DcContext, type DcKdamond, type DcValue } from './model';

export { PLACEHOLDER_PREFIX };

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

const CTX_COUNT_DESTS = ['ops', 'sample', 'aggr', 'updr', 'minr', 'maxr', 'monitoring_intervals', 'monitoring_intervals_goal', 'monitoring_nr_regions_range'];
const CTX_LIST_DESTS = ['nr_probes', 'nr_targets', 'nr_schemes'];
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

/** the state of one import (diagnostics, source map, parsed options); the parts in import/ build the config through it */
export class Importer {
  readonly diagnostics: CoreDiagnostic[] = [];
  readonly sourceMap = new SourceMap();
  readonly diagnosedPaths: ConfigPath[] = [];
  /** schemes/targets/contexts holding a value only known at run time */
  readonly dynamicOwners: ConfigPath[] = [];
  readonly comments: ConfigComment[] = [];
  readonly args: ParsedArgs;
  /** the node each option occurrence created (for comments) */
  readonly created = new Map<OptionOccurrence, ConfigPath>();

  constructor(
    readonly cmd: DamoCommandLine,
    readonly opts: ImportOptions,
  ) {
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
      this.diag(
        'damo-float-truncation',
        'information',
        `${what}: "${w.text}" is ${v.value} ${kind}; damo itself computes ${v.damo} (floating point, then truncation). The config keeps ${v.value}.`,
        w.range,
      );
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
      this.diag(
        'damo-config-from-file',
        'information',
        'this command takes its whole configuration from --kdamonds (every other DAMON option is ignored); check that JSON file instead',
        kd[kd.length - 1].range,
      );
      return null;
    }
    if (a.positional && !a.positional.dynamic && /\.(ya?ml|json)$|^\s*\{/.test(a.positional.text)) {
      this.diag(
        'damo-config-from-file',
        'information',
        `this command takes its whole configuration from "${a.positional.text}"; check that file instead`,
        a.positional.range,
      );
      return null;
    }

    this.evaluateArgs();
    const pos = this.deduceTarget();
    return this.build(pos);
  }

  /** damo's evaluate_args() */
  evaluateArgs(): void {
    const a = this.args;
    const actions = this.occ('damos_action');
    if (actions.length === 0) {
      for (const o of a.occurrences) {
        if (o.spec.dest.startsWith('damos_')) {
          this.diag(
            'damo-no-action',
            'error',
            `${o.spec.names[0]} needs --damos_action: damo refuses ("'damos_action' not specified while using --damos_* option(s)")`,
            o.range,
          );
        }
      }
    }
    const quotas = this.occ('damos_quotas');
    const intervals = this.occ('damos_quota_interval');
    if (quotas.length > 0 && intervals.length > 0) {
      this.diag('damo-conflicting-options', 'error', '--damos_quotas and --damos_quota_interval cannot be used together (damo refuses)', quotas[0].range, {
        related: [{ range: intervals[0].range, message: '--damos_quota_interval is here' }],
      });
    }
    const goals = this.occ('damos_quota_goal');
    if (goals.length > 0) {
      if (quotas.length === 0 && intervals.length === 0) {
        this.diag(
          'damo-goal-no-reset-interval',
          'error',
          "quota goals need a quota reset interval (--damos_quota_interval, or --damos_quotas with 3 or more values); damo refuses: 'reset_interval_ms' not specified when setting quota goals",
          goals[0].range,
        );
      }
      for (const q of quotas) {
        if (q.args.length < 3) {
          this.diag(
            'damo-goal-no-reset-interval',
            'error',
            "--damos_quotas gives no reset interval (its 3rd value) while quota goals are set; damo refuses: 'reset_interval_ms' not specified when setting quota goals",
            q.range,
          );
        }
      }
    }
  }

  /** damo's deduce_target_update_args(): the positional <deducible target>. */
  deduceTarget(): { ops?: string; pid?: number | string; clearPids?: boolean } {
    const p = this.args.positional;
    if (!p) return {};
    if (p.dynamic) {
      this.diag(
        'damo-dynamic-value',
        'information',
        `target "${p.text}" is only known when the script runs (${p.dynamic}); it is taken as a process id`,
        p.range,
      );
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
      this.diag(
        'damo-invalid-target',
        'error',
        `damo v3.3 crashes on the target "${p.text}" (it needs a pid or a command); give --ops ${p.text} and --target_pid instead`,
        p.range,
      );
      return { ops: p.text };
    }
    const pid = pyInt(p.text);
    const withRegions = this.occ('regions').length > 0;
    if (pid === undefined) {
      this.diag(
        'damo-command-target',
        'warning',
        `damo runs "${p.text}" through bash and monitors its process; a config needs that pid, so the imported target pid is a placeholder`,
        p.range,
      );
    }
    if (this.occ('target_pid').length)
      this.diag('damo-overridden-option', 'warning', '--target_pid is ignored: the positional target gives the pid', this.occ('target_pid')[0].range);
    return { ops: withRegions ? 'fvaddr' : 'vaddr', pid: pid ?? `${PLACEHOLDER_PREFIX}: pid of "${p.text}"` };
  }

  build(pos: { ops?: string; pid?: number | string; clearPids?: boolean }): DamoConfig {
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
        this.diag(
          'damo-count-mismatch',
          'error',
          `--nr_ctxs and number of ctxs mismatch (${sum} != ${C}): the --nr_ctxs values add up to ${sum}, but the options give ${C} context${C === 1 ? '' : 's'}`,
          nrCtxs.occ.range,
          { related: this.ctxCountRelated(C) },
        );
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
    for (let c = 0; c < C; c++) contexts.push(buildContext(this, c, ctxPath(c), pos, pidValues, ctxStarter[c]));

    // --- targets ------------------------------------------------------------------------------
    const obs = this.intList('obsolete_targets');
    if (obs && obs.values.some((v) => v >= T)) {
      this.diag(
        'damo-invalid-value',
        'error',
        `Invalid --obsolete_targets: there ${T === 1 ? 'is 1 target' : `are ${T} targets`} (indexes 0..${T - 1})`,
        obs.occ.range,
      );
    }
    const nrTargets = this.intList('nr_targets');
    let targetCounts: number[];
    if (!nrTargets) {
      if (C !== 1) {
        this.diag(
          'damo-count-missing',
          'error',
          `--nr_targets is required for multiple contexts (the options give ${C} contexts)`,
          (ctxStarter[1] ?? this.firstCtxListOcc())?.range ?? cmdRange,
        );
      }
      targetCounts = [T, ...new Array(Math.max(0, C - 1)).fill(0)];
    } else {
      targetCounts = nrTargets.values;
      const sum = targetCounts.reduce((x, y) => x + y, 0);
      if (sum !== T) {
        this.diag(
          'damo-count-mismatch',
          'error',
          `--nr_targets and number of targets mismatch (${sum} != ${T}): the values add up to ${sum}, but the options give ${T} target${T === 1 ? '' : 's'} (each context has at least one)`,
          nrTargets.occ.range,
        );
      } else if (targetCounts.length !== C) {
        this.diag(
          'damo-count-mismatch',
          'error',
          `--nr_targets and number of ctxs mismatch (${targetCounts.length} != ${C}): give one count per context`,
          nrTargets.occ.range,
          { related: this.ctxCountRelated(C) },
        );
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
      const target = buildTarget(this, t, tp, contexts[c].ops, pidValues, regionOccs[t], numaOccs[t], obs?.values.includes(t) ?? false, targetStarter[t]);
      contexts[c].targets.push(target);
    }

    // --- schemes ------------------------------------------------------------------------------
    const nrSchemes = this.intList('nr_schemes');
    let schemeCounts: number[];
    if (!nrSchemes) {
      if (C !== 1 && S > 0) {
        this.diag(
          'damo-count-missing',
          'error',
          `--nr_schemes is required for multiple contexts (the options give ${C} contexts and ${S} schemes)`,
          actionOccs[0].range,
        );
      }
      schemeCounts = [S, ...new Array(Math.max(0, C - 1)).fill(0)];
    } else {
      schemeCounts = nrSchemes.values;
      const sum = schemeCounts.reduce((x, y) => x + y, 0);
      if (sum !== S) {
        this.diag(
          'damo-count-mismatch',
          'error',
          `--nr_schemes and number of schemes mismatch (${sum} != ${S}): the values add up to ${sum}, but there ${S === 1 ? 'is 1 --damos_action' : `are ${S} --damos_action options`}`,
          nrSchemes.occ.range,
        );
      } else if (schemeCounts.length !== C) {
        this.diag(
          'damo-count-mismatch',
          'error',
          `--nr_schemes and number of ctxs mismatch (${schemeCounts.length} != ${C}): give one count per context`,
          nrSchemes.occ.range,
          { related: this.ctxCountRelated(C) },
        );
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
      if (c < 0)
        this.diag('damo-dropped', 'warning', `scheme ${s} belongs to no context (see --nr_schemes); the imported config leaves it out`, actionOccs[s].range);
      schemePaths.push(cp ? [...cp, 'schemes', sPlace.indexInGroup[s]] : null);
    }
    const schemes = buildSchemes(this, schemePaths);
    for (let s = 0; s < S; s++) {
      const c = sPlace.groupOf[s];
      if (c >= 0 && schemes[s]) contexts[c].schemes.push(schemes[s]!);
    }

    // --- probes -------------------------------------------------------------------------------
    buildProbes(this, contexts, ctxPath);

    // --- kdamonds -----------------------------------------------------------------------------
    for (let c = 0; c < C; c++) {
      const k = ctxPlace.groupOf[c];
      if (k >= 0) kdamonds[k].contexts.push(contexts[c]);
      else if (ctxStarter[c])
        this.diag('damo-dropped', 'warning', `context ${c} belongs to no kdamond (see --nr_ctxs); the imported config leaves it out`, ctxStarter[c]!.range);
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
      const r = (first >= 0 ? (ctxStarter[first] ?? targetStarter[0]) : undefined)?.range;
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

  firstCtxListOcc(): OptionOccurrence | undefined {
    for (const d of CTX_LIST_DESTS) {
      const l = this.occ(d);
      if (l.length) return l[l.length - 1];
    }
    return undefined;
  }

  ctxCountRelated(C: number): { range: OffsetRange; message: string }[] {
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

  /** Backtick comments go to the config node the next option starts (targets and first contexts climb). */
  attachComments(): void {
    const byPath = new Map<string, ConfigComment>();
    for (const c of this.cmd.comments) {
      if (c.kind !== 'backtick' && c.range.start < this.cmd.range.start) continue;
      const next = this.args.occurrences.find((o) => o.nameRange.start >= c.range.end && this.created.has(o));
      let path: ConfigPath = next ? this.created.get(next)! : [];
      // a comment before the first target/context of a context/kdamond describes the container
      for (;;) {
        const n = path.length;
        if (n >= 2 && path[n - 2] === 'targets' && path[n - 1] === 0) {
          path = path.slice(0, n - 2);
          continue;
        }
        if (n >= 2 && path[n - 2] === 'contexts' && path[n - 1] === 0) {
          path = path.slice(0, n - 2);
          continue;
        }
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

export function importDamoCommandLine(cmd: DamoCommandLine, opts: ImportOptions = {}): DamoImport {
  const imp = new Importer(cmd, opts);
  let config: DamoConfig | null = null;
  try {
    config = imp.run();
    // damo treats a default value and an absent key the same; keep the one canonical form
    if (config) config = canonicalize(config).config;
  } catch (e) {
    // a bug here must not take the editor or the CLI down: report it at the command
    imp.diag(
      'damo-internal-error',
      'error',
      `internal error while reading this damo command: ${e instanceof Error ? e.message : String(e)}`,
      cmd.damoWord.range,
    );
  }
  return {
    command: cmd,
    config,
    sourceMap: imp.sourceMap,
    diagnostics: imp.diagnostics,
    comments: imp.comments,
    diagnosedPaths: imp.diagnosedPaths,
    dynamicOwners: imp.dynamicOwners,
  };
}
