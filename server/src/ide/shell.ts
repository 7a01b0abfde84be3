/**
 * Shell scripts with `damo start|tune` command lines: hover on damo options, the
 * "Convert to config file" target, and short explanations of the importer's damo-* codes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importDamoCommandAt, parseByKind, parseDamoArgs, type ConfigPath, type ImportedCommand, type OffsetRange, type OptionOccurrence } from './core';
import type { Analysis } from './analysis';
import { dottedPath, enumValueMarkdown, keyMarkdown, kindAt, normalizedValue } from './describe';
import type { HoverResult } from './hover';

/** What each damo start/tune option means (damo v3.3.0 `damo start --help`, in the kernel's words). */
const OPTION_DOCS: Record<string, string> = {
  help: "Print damo's help and exit: nothing is started.",
  quota_goals_only: '`damo tune` updates only the quota goals of the running kdamonds (kernel `commit_schemes_quota_goals`).',
  ops: 'Monitoring operations set of the context: `vaddr` (virtual address spaces of processes), `fvaddr` (fixed virtual ranges), `paddr` (physical memory).',
  probe_filter: 'Experimental probe filter of the context (access sampling filters).',
  nr_probe_filters: 'Number of `--probe_filter` options of each probe.',
  nr_probes: 'Number of probes of each context.',
  pause_ctx: 'Start the context paused (1) or running (0), one value per context.',
  exp_ops_use_reports: 'Experimental: let the operations set use access reports.',
  exp_ops_write_only: 'Experimental: monitor only writes.',
  exp_ops_cpus: 'Experimental: CPUs whose accesses are monitored.',
  exp_ops_tids: 'Experimental: thread ids whose accesses are monitored.',
  refresh_stat: "Interval at which damo refreshes the kdamond's statistics files (`refresh_ms`).",
  damon_addr_unit: 'Address unit of the context (`addr_unit`): the size one DAMON address stands for, for physical memory above 4 GiB on 32-bit machines.',
  target_pid: 'Process id of a monitoring target (vaddr): one target per occurrence.',
  regions: 'Initial monitoring regions of the target, `START-END` pairs separated by blanks (damo units: `4G-8G`).',
  numa_node:
    "Monitor the physical memory of this NUMA node: the context becomes `ops: paddr` with the node's physical address range as its region. Each occurrence starts a new kdamond/context; damo reads the range on the live host (give a machine profile to import it).",
  monitoring_intervals_autotune:
    "Auto-tune the sampling and aggregation intervals with damo's suggested intervals goal (4% access_bp, 3 aggregations, 5 ms – 10 s sampling).",
  monitoring_intervals: 'Sampling, aggregation and ops-update intervals (`sample_us`, `aggr_us`, `ops_update_us`), damo time units.',
  monitoring_intervals_goal:
    'Intervals auto-tuning goal: `ACCESS_BP AGGRS MIN_SAMPLE MAX_SAMPLE` — the kernel tunes the sampling interval so that each aggregation sees this share of accesses (Linux 6.15).',
  monitoring_nr_regions_range: 'Minimum and maximum number of monitoring regions (`nr_regions.min`, `nr_regions.max`).',
  sample_primitives: 'Access check primitives (`page_table`, `page_fault`).',
  nr_targets: 'Number of targets of each context, in order: the `--target_pid`/`--regions` options are split by these counts.',
  obsolete_targets: 'Indices of targets to mark obsolete (`damo tune`).',
  nr_ctxs: 'Number of contexts of each kdamond, in order: the per-context options are split by these counts.',
  damos_action:
    'Starts a new DAMOS scheme with this action; `migrate_hot`/`migrate_cold` take the destination node (`target_nid`) as the next argument. Every `--damos_*` option after it belongs to this scheme.',
  damos_sz_region: 'Access pattern: minimum and maximum region size (`access_pattern.sz_bytes`), damo size units.',
  damos_access_rate: 'Access pattern: minimum and maximum access frequency (`access_pattern.nr_accesses`), in percent of the maximum or as sample counts.',
  damos_age: 'Access pattern: minimum and maximum age (`access_pattern.age`), in time units or aggregation intervals.',
  damos_apply_interval: 'How often the scheme is applied (`apply_interval_us`); 0 means every aggregation interval.',
  damos_quotas: 'Quotas in one option: `TIME SIZE RESET_INTERVAL [WEIGHT_SZ WEIGHT_NR WEIGHT_AGE]`.',
  damos_quota_interval: 'Quota reset interval (`quotas.reset_interval_ms`): the window the size/time quotas and the goal tuning apply to.',
  damos_quota_time: 'Time quota (`quotas.time_ms`): the most CPU time the action may use per reset interval.',
  damos_quota_space: 'Size quota (`quotas.sz_bytes`): the most memory the action may apply to per reset interval.',
  damos_quota_weights: 'Prioritization weights of size, access frequency and age (`quotas.weights`), used when the quota is exceeded.',
  damos_quota_fail_charge_ratio: "How much of a failed action's region is charged to the quota (numerator, denominator).",
  damos_quota_goal:
    'A quota goal: `METRIC TARGET [NID [MEMCG_PATH]]` — the kernel tunes the effective size quota so that the metric approaches the target (`quotas.goals`).',
  damos_quota_goal_tuner: 'How the effective quota follows the goals (`quotas.goal_tuner`): `consist` (feedback loop) or `temporal`.',
  damos_nr_quota_goals: 'Number of `--damos_quota_goal` options of each scheme, in order.',
  damos_filter:
    "A DAMOS filter: `allow|reject [none] TYPE ARGS` — the first filter that matches a page decides; unmatched pages get the opposite of the last filter's verdict.",
  damos_nr_filters: 'Number of `--damos_filter` options of each scheme, in order (it counts options, not filters).',
  damos_wmarks: 'Watermarks: `METRIC INTERVAL HIGH MID LOW` (`watermarks`, ‰ of the metric): the scheme is active only between the high and low marks.',
  damos_max_nr_snapshots: 'Stop applying the scheme after this many snapshots.',
  nr_schemes: 'Number of `--damos_action` schemes of each context, in order.',
  schemes: "Schemes from a file or a string in damo's schemes format (overrides the `--damos_*` options).",
  kdamonds: 'The whole configuration from a kdamonds JSON/YAML file or string: every other option is ignored.',
  sample: 'Sampling interval (hidden pinpoint option, `sample_us`).',
  aggr: 'Aggregation interval (hidden pinpoint option, `aggr_us`).',
  updr: 'Operations update interval (hidden pinpoint option, `ops_update_us`).',
  minr: 'Minimum number of monitoring regions (hidden pinpoint option).',
  maxr: 'Maximum number of monitoring regions (hidden pinpoint option).',
  damon_interface_DEPRECATED: 'Which DAMON interface damo uses (`sysfs`, `debugfs`, `auto`); deprecated.',
  debug_damon: "Print damo's DAMON debugging messages.",
  include_child_tasks: 'Also monitor the child tasks of the target process.',
};

/** Short explanations of the damo command-line codes of the importer (the validator's rules have their own docs). */
export const DAMO_CODE_DOCS: Record<string, { title: string; explanation: string }> = {
  'damo-ambiguous-option': {
    title: 'Ambiguous option abbreviation',
    explanation: 'damo (argparse) accepts unambiguous prefixes of option names; this one matches several options, so damo rejects the command.',
  },
  'damo-command-target': {
    title: 'Command as the target',
    explanation:
      "damo runs the positional command through bash and monitors its process. A config file needs that process's pid, so the imported target pid is a placeholder.",
  },
  'damo-comment-ends-command': {
    title: 'A # comment ends the command',
    explanation:
      'Inside a command continued with `\\`, a `# comment` line ends the command: the options after it run as a separate command. Use `` `# comment` `` in backticks inside a continued command.',
  },
  'damo-commented-out': {
    title: 'damo command behind a prompt',
    explanation:
      'A `# ` before a damo command (a root prompt copied from a mail, or a command commented out) makes the line a comment: the shell does not run it. A `$ ` prompt makes the shell run a command named `$`. The command is still read the way `damon-config import-damo` reads it, and its problems are shown as notes.',
  },
  'damo-config-from-file': {
    title: 'Config read from a file',
    explanation:
      'The command reads its configuration from a file (`--kdamonds`, `--schemes` or a config file target); it cannot be checked from the command line alone.',
  },
  'damo-conflicting-options': {
    title: 'Conflicting options',
    explanation: 'The options cannot be used together (e.g. `--damos_quotas` and `--damos_quota_interval`); damo refuses the command.',
  },
  'damo-count-mismatch': {
    title: 'Count option disagrees with the options it counts',
    explanation:
      '`--nr_ctxs`, `--nr_targets`, `--nr_schemes`, `--damos_nr_quota_goals` and `--damos_nr_filters` split the flat option lists by position. When their values do not add up to the number of options they count, damo refuses the command or builds a different config than intended.',
  },
  'damo-count-missing': {
    title: 'Count option missing',
    explanation:
      'Several contexts were given, but the count option that splits the targets or schemes among them (`--nr_targets`, `--nr_schemes`) is missing; damo refuses the command.',
  },
  'damo-count-order': {
    title: 'Counts assign options to other schemes than written',
    explanation:
      'damo assigns the counted options (filters, quota goals) to schemes by the counts, in order, not by where they are written; here the counts give some scheme options written under another one.',
  },
  'damo-dropped': {
    title: 'Left out by the counts',
    explanation:
      'The counts (`--nr_ctxs`, `--nr_targets`, `--nr_schemes`) give this target, scheme or context to no kdamond or context, so it is not part of the configuration.',
  },
  'damo-dynamic-value': {
    title: 'Value known only at run time',
    explanation: 'The value is a shell expansion (`$VAR`, `$(...)`); it cannot be checked until the script runs.',
  },
  'damo-extra-argument': { title: 'Extra argument', explanation: 'The option got more arguments than damo takes; damo rejects the command.' },
  'damo-float-truncation': {
    title: 'damo truncates this value',
    explanation: 'damo computes percentages in floating point and truncates, so the value it writes can be one less than the exact value.',
  },
  'damo-goal-no-reset-interval': {
    title: 'Quota goal without a reset interval',
    explanation: 'Quota goals are tuned once per quota reset interval; without `--damos_quota_interval` the goal is never acted on.',
  },
  'damo-help': { title: '--help', explanation: '`--help` only prints the help text: nothing is started.' },
  'damo-ignored': {
    title: 'Ignored option',
    explanation: 'damo ignores this option here (no such kdamond, a target kind it does not apply to, or another option that takes precedence).',
  },
  'damo-internal-error': { title: 'Internal error', explanation: 'The command could not be checked; please report it with the command line.' },
  'damo-invalid-target': {
    title: 'Invalid target',
    explanation: 'damo cannot start with this positional target (e.g. `vaddr` without a pid); use `--ops` and `--target_pid` instead.',
  },
  'damo-invalid-value': { title: 'Invalid value', explanation: 'damo (argparse or its value parser) rejects this value.' },
  'damo-missing-argument': {
    title: 'Missing argument',
    explanation: 'The option needs more arguments (e.g. `node_memcg_*_bp` goals need `TARGET NID MEMCG_PATH`); damo refuses the command.',
  },
  'damo-missing-continuation': {
    title: 'Missing line continuation',
    explanation: 'The line before these options does not end with `\\`, so they are not part of the damo command and run as a separate command.',
  },
  'damo-no-action': {
    title: 'Scheme option without --damos_action',
    explanation: 'A `--damos_*` option was given without any `--damos_action`; damo refuses the command.',
  },
  'damo-not-in-config': { title: 'No config-file key', explanation: 'damo never reads this option from config files, so the imported config leaves it out.' },
  'damo-numa-node-needs-profile': {
    title: '--numa_node needs a machine profile',
    explanation:
      "`--numa_node N` stands for node N's physical address range, which damo reads on the live host. Set `damon.profile` to a machine profile to check and import the real range; without it the region is a placeholder.",
  },
  'damo-numa-node-unknown': { title: 'Unknown NUMA node', explanation: 'The machine profile has no such NUMA node, or gives no memory ranges for it.' },
  'damo-overridden-option': { title: 'Option overridden', explanation: 'Another option or the positional target replaces what this one sets.' },
  'damo-paddr-needs-profile': {
    title: 'paddr region needs a machine profile',
    explanation:
      'A paddr target without `--regions` or `--numa_node` monitors all System RAM of the live host (first to last "System RAM" in /proc/iomem); a machine profile says where that is. Without it the region is a placeholder.',
  },
  'damo-repeated-option': { title: 'Repeated option', explanation: 'The option keeps only its last value; earlier occurrences are lost.' },
  'damo-unknown-option': { title: 'Unknown option', explanation: 'damo does not know this option and rejects the whole command.' },
  'shell-syntax': {
    title: 'Shell syntax',
    explanation: 'The script could not be read as shell syntax here (an unclosed quote, for instance); the damo command around it may be cut short.',
  },
};

const within = (r: OffsetRange, o: OffsetRange): boolean => r.start >= o.start && r.end <= o.end;
const contains = (r: OffsetRange, offset: number): boolean => r.start <= offset && offset <= r.end;

/** The damo command line under an offset of a shell script analysis. */
export function commandAt(a: Analysis, offset: number): Analysis['commands'][number] | undefined {
  return a.commands.find((c) => contains(c.range, offset));
}

/** Imports per analysis (one document version and settings generation), by command start: hover and code actions ask often. */
const imports = new WeakMap<Analysis, Map<number, ImportedCommand | null>>();

function scriptName(a: Analysis): string {
  try {
    return decodeURIComponent(
      a.uri
        .replace(/[?#].*$/, '')
        .split('/')
        .pop() ?? '',
    );
  } catch {
    return '';
  }
}

function importAt(a: Analysis, offset: number): ImportedCommand | null {
  const cmd = commandAt(a, offset);
  if (!cmd) return null;
  let byStart = imports.get(a);
  if (!byStart) imports.set(a, (byStart = new Map()));
  if (!byStart.has(cmd.range.start)) {
    const name = scriptName(a);
    byStart.set(
      cmd.range.start,
      importDamoCommandAt(a.text, cmd.range.start, { profile: a.profile, kernel: a.kernel || undefined, validate: false, sourceName: name || undefined }),
    );
  }
  return byStart.get(cmd.range.start) ?? null;
}

/**
 * The config node an option occurrence made: among the paths recorded for exactly its text, a list
 * item (scheme, goal, filter, target) first, else the shortest; without one, the outermost paths
 * built from text inside it.
 */
function pathsOf(imp: ImportedCommand, o: OffsetRange): ConfigPath[] {
  const entries = imp.sourceMap.entries();
  const exact = entries
    .filter(([, r]) => r.start === o.start && r.end === o.end)
    .map(([p]) => p)
    .sort((x, y) => Number(typeof y[y.length - 1] === 'number') - Number(typeof x[x.length - 1] === 'number') || x.length - y.length);
  if (exact.length) return [exact[0]];
  const key = (p: ConfigPath) => JSON.stringify(p);
  const paths = entries.filter(([, r]) => within(r, o)).map(([p]) => p);
  const set = new Set(paths.map(key));
  const nested = (p: ConfigPath) => p.some((_, n) => n > 0 && set.has(key(p.slice(0, n))));
  return paths.filter((p) => !nested(p)).sort((x, y) => x.length - y.length || key(x).localeCompare(key(y)));
}

function optionMarkdown(occ: OptionOccurrence, sub: 'start' | 'tune'): string[] {
  const spec = occ.spec;
  const nargs = spec.nargs === '+' ? 'one or more arguments' : spec.nargs === 0 ? 'no argument' : `${spec.nargs} argument${spec.nargs === 1 ? '' : 's'}`;
  const names = spec.names.map((n) => `\`${n}\``).join(', ');
  const lines = [`**${spec.names[0]}** · damo ${sub} option · ${nargs}${spec.action === 'append' ? ', repeatable' : ''}`, ''];
  lines.push(OPTION_DOCS[spec.dest] ?? `damo option \`${spec.dest}\`.`);
  if (spec.names.length > 1) lines.push('', `Also written ${names}.`);
  if (spec.choices) lines.push('', `Choices: ${spec.choices.map((c) => `\`${c}\``).join(', ')}`);
  if (occ.written !== spec.names[0] && !occ.written.includes('='))
    lines.push('', `\`${occ.written}\` is an abbreviation damo expands to \`${spec.names[0]}\`.`);
  return lines;
}

/** Hover on a damo option (or one of its arguments) in a shell script. */
export function shellHoverAt(a: Analysis, offset: number): HoverResult | null {
  if (a.kind !== 'shell' || !commandAt(a, offset)) return null;
  const imp = importAt(a, offset);
  if (!imp) return null;
  const parsed = parseDamoArgs(imp.command.args, imp.command.subcommand);
  const occ = parsed.occurrences.find((o) => contains(o.nameRange, offset)) ?? parsed.occurrences.find((o) => o.args.some((w) => contains(w.range, offset)));
  if (!occ) return null;
  const arg = occ.args.find((w) => contains(w.range, offset));
  if (arg) {
    const hits = imp.sourceMap
      .entries()
      .filter(([, r]) => r.start === arg.range.start && r.end === arg.range.end)
      .map(([p]) => p)
      .sort((x, y) => y.length - x.length);
    if (hits.length) {
      const path = hits[0];
      // the value as damo reads it (e.g. `200MB` → 200 MiB = 209715200 bytes)
      const kind = kindAt(null, path);
      const v = kind && kind !== 'bool' ? parseByKind(kind, arg.text) : undefined;
      const parts = [`\`${arg.text}\` → \`${dottedPath(path)}\`${v?.ok ? ` = **${normalizedValue(v.v)}**` : ''}`, ''];
      const enumLines = enumValueMarkdown(path, arg.text);
      if (enumLines) parts.push(...enumLines, '', '---', '');
      parts.push(...keyMarkdown(path, null), '', '---', '', ...optionMarkdown(occ, imp.command.subcommand));
      return { markdown: parts.join('\n'), range: arg.range };
    }
  }
  const parts = optionMarkdown(occ, imp.command.subcommand);
  const paths = pathsOf(imp, occ.range).slice(0, 6);
  if (paths.length) parts.push('', `In the imported config: ${paths.map((p) => `\`${dottedPath(p)}\``).join(', ')}.`);
  return { markdown: parts.join('\n'), range: arg?.range ?? occ.nameRange };
}

/** `<script>.damon.yaml` (`<script>-N.damon.yaml` for the N-th command) next to the script; null when the URI has no file name. */
export function configUriFor(scriptUri: string, commandIndex: number): string | null {
  const q = scriptUri.search(/[?#]/);
  const base = q >= 0 ? scriptUri.slice(0, q) : scriptUri;
  const slash = base.lastIndexOf('/');
  if (slash < 0 || slash === base.length - 1) return null;
  const dir = base.slice(0, slash + 1);
  const stem = base.slice(slash + 1).replace(/\.(?:sh|bash)$/i, '');
  const isFile = dir.startsWith('file:');
  for (let n = commandIndex + 1; n < commandIndex + 100; n++) {
    const uri = `${dir}${stem}${n === 1 ? '' : `-${n}`}.damon.yaml`;
    if (!isFile) return uri;
    try {
      if (!existsSync(fileURLToPath(uri))) return uri;
    } catch {
      return null;
    }
  }
  return null;
}

export interface Conversion {
  /** the new config file */
  uri: string;
  /** its content: the imported config as commented YAML */
  yaml: string;
  /** the damo command line it comes from */
  range: OffsetRange;
  subcommand: 'start' | 'tune';
}

/** What "Convert to config file" creates for the damo command at `offset`; null if there is none or it has no config. */
export function conversionAt(a: Analysis, offset: number): Conversion | null {
  if (a.kind !== 'shell') return null;
  const index = a.commands.findIndex((c) => contains(c.range, offset));
  if (index < 0) return null;
  const cmd = a.commands[index];
  const imp = importAt(a, cmd.range.start);
  if (!imp?.config || !imp.yaml) return null;
  const uri = configUriFor(a.uri, index);
  if (!uri) return null;
  return { uri, yaml: imp.yaml, range: cmd.range, subcommand: cmd.subcommand };
}
