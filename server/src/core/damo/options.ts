/**
 * The options of `damo start` / `damo tune` (damo v3.3.0, src/_damon_args.py) and an argparse-style
 * parser for them: unambiguous-prefix abbreviations, `--opt=value`, short options with attached
 * values, fixed and '+' arities, append vs. store, int and choices types, and the one optional
 * positional <deducible target>.
 */
import type { OffsetRange } from '../diagnostic';
import type { ShellWord } from './shell';

export type Nargs = 0 | 1 | 2 | 3 | 4 | 5 | '+';

export interface OptionSpec {
  /** argparse dest, e.g. 'damos_action' */
  dest: string;
  /** option strings, long first: ['--regions', '-r'] */
  names: string[];
  nargs: Nargs;
  /** append: each occurrence is kept; store: the last one wins */
  action: 'append' | 'store' | 'store_true';
  type?: 'int';
  choices?: string[];
  /** subcommands having the option (default: start and tune) */
  only?: ('start' | 'tune')[];
}

const A = 'append' as const;
const S = 'store' as const;
const T = 'store_true' as const;

/** Every option damo v3.3.0 `start`/`tune` accept, in argparse registration order. */
export const DAMO_OPTIONS: OptionSpec[] = [
  { dest: 'help', names: ['--help', '-h'], nargs: 0, action: T },
  { dest: 'quota_goals_only', names: ['--quota_goals_only'], nargs: 0, action: T, only: ['tune'] },
  // set_monitoring_damos_common_args
  { dest: 'ops', names: ['--ops'], nargs: 1, action: A, choices: ['vaddr', 'paddr', 'fvaddr'] },
  { dest: 'probe_filter', names: ['--probe_filter'], nargs: '+', action: A },
  { dest: 'nr_probe_filters', names: ['--nr_probe_filters'], nargs: '+', action: S, type: 'int' },
  { dest: 'nr_probes', names: ['--nr_probes'], nargs: '+', action: S, type: 'int' },
  { dest: 'pause_ctx', names: ['--pause_ctx'], nargs: '+', action: S, type: 'int' },
  { dest: 'exp_ops_use_reports', names: ['--exp_ops_use_reports'], nargs: 1, action: A },
  { dest: 'exp_ops_write_only', names: ['--exp_ops_write_only'], nargs: 1, action: A },
  { dest: 'exp_ops_cpus', names: ['--exp_ops_cpus'], nargs: 1, action: A },
  { dest: 'exp_ops_tids', names: ['--exp_ops_tids'], nargs: 1, action: A },
  { dest: 'refresh_stat', names: ['--refresh_stat'], nargs: 1, action: A },
  { dest: 'damon_addr_unit', names: ['--damon_addr_unit'], nargs: 1, action: A },
  // set_monitoring_argparser
  { dest: 'target_pid', names: ['--target_pid'], nargs: 1, action: A, type: 'int' },
  { dest: 'regions', names: ['--regions', '-r'], nargs: 1, action: A },
  { dest: 'numa_node', names: ['--numa_node'], nargs: '+', action: A, type: 'int' },
  { dest: 'monitoring_intervals_autotune', names: ['--monitoring_intervals_autotune'], nargs: 0, action: T },
  { dest: 'monitoring_intervals', names: ['--monitoring_intervals'], nargs: 3, action: A },
  { dest: 'monitoring_intervals_goal', names: ['--monitoring_intervals_goal'], nargs: 4, action: A },
  { dest: 'monitoring_nr_regions_range', names: ['--monitoring_nr_regions_range'], nargs: 2, action: A },
  { dest: 'sample_primitives', names: ['--sample_primitives'], nargs: '+', action: A, choices: ['page_table', 'page_fault'] },
  { dest: 'nr_targets', names: ['--nr_targets'], nargs: '+', action: S, type: 'int' },
  { dest: 'obsolete_targets', names: ['--obsolete_targets'], nargs: '+', action: S, type: 'int' },
  { dest: 'nr_ctxs', names: ['--nr_ctxs'], nargs: '+', action: S, type: 'int' },
  // set_damos_argparser
  { dest: 'damos_action', names: ['--damos_action'], nargs: '+', action: A },
  { dest: 'damos_sz_region', names: ['--damos_sz_region'], nargs: 2, action: A },
  { dest: 'damos_access_rate', names: ['--damos_access_rate'], nargs: 2, action: A },
  { dest: 'damos_age', names: ['--damos_age'], nargs: 2, action: A },
  { dest: 'damos_apply_interval', names: ['--damos_apply_interval'], nargs: 1, action: A },
  { dest: 'damos_quotas', names: ['--damos_quotas'], nargs: '+', action: A },
  { dest: 'damos_quota_interval', names: ['--damos_quota_interval'], nargs: 1, action: A },
  { dest: 'damos_quota_time', names: ['--damos_quota_time'], nargs: 1, action: A },
  { dest: 'damos_quota_space', names: ['--damos_quota_space'], nargs: 1, action: A },
  { dest: 'damos_quota_weights', names: ['--damos_quota_weights'], nargs: 3, action: A },
  { dest: 'damos_quota_fail_charge_ratio', names: ['--damos_quota_fail_charge_ratio'], nargs: 2, action: A },
  { dest: 'damos_quota_goal', names: ['--damos_quota_goal'], nargs: '+', action: A },
  { dest: 'damos_quota_goal_tuner', names: ['--damos_quota_goal_tuner'], nargs: 1, action: A },
  { dest: 'damos_nr_quota_goals', names: ['--damos_nr_quota_goals'], nargs: '+', action: S, type: 'int' },
  { dest: 'damos_filter', names: ['--damos_filter'], nargs: '+', action: A },
  { dest: 'damos_nr_filters', names: ['--damos_nr_filters'], nargs: '+', action: S, type: 'int' },
  { dest: 'damos_wmarks', names: ['--damos_wmarks'], nargs: 5, action: A },
  { dest: 'damos_max_nr_snapshots', names: ['--damos_max_nr_snapshots'], nargs: 1, action: A },
  { dest: 'nr_schemes', names: ['--nr_schemes'], nargs: '+', action: S, type: 'int' },
  // set_misc_damon_params_argparser
  { dest: 'schemes', names: ['--schemes', '-c'], nargs: 1, action: S },
  { dest: 'kdamonds', names: ['--kdamonds'], nargs: 1, action: S },
  // set_monitoring_attrs_pinpoint_argparser (hidden)
  { dest: 'sample', names: ['--sample', '-s'], nargs: 1, action: A },
  { dest: 'aggr', names: ['--aggr', '-a'], nargs: 1, action: A },
  { dest: 'updr', names: ['--updr', '-u'], nargs: 1, action: A },
  { dest: 'minr', names: ['--minr', '-n'], nargs: 1, action: A },
  { dest: 'maxr', names: ['--maxr', '-m'], nargs: 1, action: A },
  // set_common_argparser
  { dest: 'damon_interface_DEPRECATED', names: ['--damon_interface_DEPRECATED'], nargs: 1, action: S, choices: ['sysfs', 'debugfs', 'auto'] },
  { dest: 'debug_damon', names: ['--debug_damon'], nargs: 0, action: T },
  { dest: 'include_child_tasks', names: ['--include_child_tasks'], nargs: 0, action: T, only: ['start'] },
];

export const OPTION_BY_DEST: Map<string, OptionSpec> = new Map(DAMO_OPTIONS.map((o) => [o.dest, o]));

export function optionsFor(sub: 'start' | 'tune'): OptionSpec[] {
  return DAMO_OPTIONS.filter((o) => !o.only || o.only.includes(sub));
}

/** One value word of an option occurrence. */
export interface ArgWord {
  text: string;
  range: OffsetRange;
  dynamic?: string;
}

/** One occurrence of an option on the command line. */
export interface OptionOccurrence {
  spec: OptionSpec;
  /** the option word as written (maybe abbreviated) */
  written: string;
  /** span of the option word */
  nameRange: OffsetRange;
  args: ArgWord[];
  /** from the option word to its last argument */
  range: OffsetRange;
  /** index of the occurrence among all occurrences of this dest */
  index: number;
  /** an argument failed argparse's type or choices check */
  invalid?: boolean;
}

export interface ArgProblem {
  code: string;
  message: string;
  range: OffsetRange;
  severity?: 'error' | 'warning' | 'information';
}

export interface ParsedArgs {
  subcommand: 'start' | 'tune';
  /** every occurrence in command-line order */
  occurrences: OptionOccurrence[];
  byDest: Map<string, OptionOccurrence[]>;
  positional: ArgWord | null;
  problems: ArgProblem[];
}

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** argparse's test: does this word look like an option (and not an argument)? */
function looksLikeOption(w: string): boolean {
  if (!w.startsWith('-') || w === '-') return false;
  if (NEGATIVE_NUMBER.test(w)) return false;
  if (w.includes(' ')) return false;
  return true;
}

/** Python int() on a string. */
export function pyInt(s: string): number | undefined {
  if (!/^\s*[+-]?\d(?:_?\d)*\s*$/.test(s)) return undefined;
  const v = Number(s.trim().replace(/_/g, ''));
  return Number.isSafeInteger(v) ? v : undefined;
}

interface Resolved {
  spec: OptionSpec;
  explicit?: { text: string; range: OffsetRange };
}

function resolveOption(word: ShellWord, specs: OptionSpec[], problems: ArgProblem[]): Resolved | null | 'unknown' {
  const w = word.text;
  const all: [string, OptionSpec][] = [];
  for (const s of specs) for (const nm of s.names) all.push([nm, s]);
  const exact = all.find(([nm]) => nm === w);
  if (exact) return { spec: exact[1] };
  const valueRange = (offsetInWord: number): OffsetRange => {
    // best effort: for unquoted words the text maps 1:1 to the source
    const len = word.range.end - word.range.start;
    if (len === w.length) return { start: word.range.start + offsetInWord, end: word.range.end };
    return word.range;
  };
  if (w.startsWith('--')) {
    let name = w;
    let explicit: Resolved['explicit'];
    const eq = w.indexOf('=');
    if (eq >= 0) {
      name = w.slice(0, eq);
      explicit = { text: w.slice(eq + 1), range: valueRange(eq + 1) };
      const ex = all.find(([nm]) => nm === name);
      if (ex) return { spec: ex[1], explicit };
    }
    const matches = all.filter(([nm]) => nm.startsWith('--') && nm.startsWith(name));
    if (matches.length === 1) return { spec: matches[0][1], explicit };
    if (matches.length > 1) {
      problems.push({
        code: 'damo-ambiguous-option',
        message: `ambiguous option: ${name} could match ${matches.map(([nm]) => nm).join(', ')}`,
        range: word.range,
      });
      return null;
    }
    return 'unknown';
  }
  // single dash: "-r" exact handled above; "-rVALUE" is the short option with an attached value
  const short = all.find(([nm]) => !nm.startsWith('--') && w.startsWith(nm) && w.length > nm.length);
  if (short) {
    const rest = w.slice(short[0].length);
    if (short[1].nargs === 0) return 'unknown';
    return {
      spec: short[1],
      explicit: { text: rest.startsWith('=') ? rest.slice(1) : rest, range: valueRange(short[0].length + (rest.startsWith('=') ? 1 : 0)) },
    };
  }
  return 'unknown';
}

function describeNargs(n: Nargs): string {
  if (n === '+') return 'at least one argument';
  if (n === 1) return 'one argument';
  return `${n} arguments`;
}

/**
 * Parses the words after `damo start|tune` as argparse would. Never throws: problems are returned
 * with the span of the offending word.
 */
export function parseDamoArgs(words: ShellWord[], subcommand: 'start' | 'tune'): ParsedArgs {
  const specs = optionsFor(subcommand);
  const problems: ArgProblem[] = [];
  const occurrences: OptionOccurrence[] = [];
  const byDest = new Map<string, OptionOccurrence[]>();
  const positionals: ArgWord[] = [];
  let i = 0;
  let onlyPositionals = false;
  const toArg = (w: ShellWord): ArgWord => (w.dynamic ? { text: w.text, range: w.range, dynamic: w.dynamic } : { text: w.text, range: w.range });

  while (i < words.length) {
    const word = words[i];
    if (onlyPositionals || !looksLikeOption(word.text)) {
      if (!onlyPositionals && word.text === '--' && !word.quoted) {
        onlyPositionals = true;
        i++;
        continue;
      }
      positionals.push(toArg(word));
      i++;
      continue;
    }
    if (word.text === '--') {
      onlyPositionals = true;
      i++;
      continue;
    }
    const r = resolveOption(word, specs, problems);
    if (r === null) {
      i++;
      continue;
    }
    if (r === 'unknown') {
      const other = DAMO_OPTIONS.find((o) => o.names.includes(word.text.split('=')[0]));
      problems.push({
        code: 'damo-unknown-option',
        message: other
          ? `damo ${subcommand} has no option ${word.text.split('=')[0]} (only damo ${other.only?.join('/')} has it)`
          : `unrecognized option: ${word.text} (damo ${subcommand} rejects the whole command)`,
        range: word.range,
      });
      i++;
      continue;
    }
    const { spec, explicit } = r;
    const args: ArgWord[] = [];
    let end = word.range.end;
    i++;
    if (explicit) {
      if (spec.nargs === 0) {
        problems.push({
          code: 'damo-extra-argument',
          message: `${spec.names[0]} takes no argument (ignored explicit argument "${explicit.text}")`,
          range: word.range,
        });
      } else if (spec.nargs !== 1 && spec.nargs !== '+') {
        problems.push({
          code: 'damo-missing-argument',
          message: `${spec.names[0]} expects ${describeNargs(spec.nargs)}; "--opt=value" gives only one`,
          range: word.range,
        });
      } else {
        args.push({ text: explicit.text, range: explicit.range, ...(word.dynamic ? { dynamic: word.dynamic } : {}) });
      }
    } else if (spec.nargs === '+') {
      while (i < words.length && !looksLikeOption(words[i].text)) {
        if (words[i].text === '--' && !words[i].quoted) break;
        args.push(toArg(words[i]));
        end = words[i].range.end;
        i++;
      }
      if (args.length === 0) {
        problems.push({ code: 'damo-missing-argument', message: `${spec.names[0]} expects ${describeNargs(spec.nargs)}`, range: word.range });
      }
    } else if (spec.nargs > 0) {
      while (args.length < spec.nargs && i < words.length && !looksLikeOption(words[i].text)) {
        args.push(toArg(words[i]));
        end = words[i].range.end;
        i++;
      }
      if (args.length < spec.nargs) {
        problems.push({
          code: 'damo-missing-argument',
          message: `${spec.names[0]} expects ${describeNargs(spec.nargs)}, got ${args.length}${args.length ? ` (${args.map((a) => a.text).join(' ')})` : ''}`,
          range: { start: word.range.start, end },
        });
      }
    }
    // type and choices checks
    let bad = false;
    for (const a of args) {
      if (a.dynamic) continue;
      if (spec.type === 'int' && pyInt(a.text) === undefined) {
        problems.push({ code: 'damo-invalid-value', message: `argument ${spec.names[0]}: invalid int value: '${a.text}'`, range: a.range });
        bad = true;
      } else if (spec.choices && !spec.choices.includes(a.text)) {
        problems.push({
          code: 'damo-invalid-value',
          message: `argument ${spec.names[0]}: invalid choice: '${a.text}' (choose from ${spec.choices.map((c) => `'${c}'`).join(', ')})`,
          range: a.range,
        });
        bad = true;
      }
    }
    const list = byDest.get(spec.dest) ?? [];
    const occ: OptionOccurrence = {
      spec,
      written: word.text,
      nameRange: word.range,
      args,
      range: { start: word.range.start, end },
      index: list.length,
    };
    if (bad) occ.invalid = true;
    occurrences.push(occ);
    if (spec.action === 'store' && list.length > 0) {
      problems.push({
        code: 'damo-repeated-option',
        message: `${spec.names[0]} is given more than once; damo keeps only the last one`,
        range: list[list.length - 1].range,
        severity: 'warning',
      });
      list.length = 0;
      occ.index = 0;
    }
    list.push(occ);
    byDest.set(spec.dest, list);
  }

  let positional: ArgWord | null = null;
  if (positionals.length > 0) {
    positional = positionals[0];
    for (const extra of positionals.slice(1)) {
      problems.push({
        code: 'damo-extra-argument',
        message: `unrecognized argument: ${extra.text} (damo takes one <deducible target>; "${positional.text}" already is one)`,
        range: extra.range,
      });
    }
  }
  return { subcommand, occurrences, byDest, positional, problems };
}
