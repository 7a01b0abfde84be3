/**
 * The single description of damo's kdamonds config format. It is emitted as JSON Schema
 * (schemas/damon-config.schema.json, by scripts/gen-schema.ts) for ajv and for editors, and read
 * directly by the model (value kinds), hover (descriptions, units, defaults) and the kernel
 * compatibility rule (`x-since`).
 *
 * Custom keywords (ignored by JSON Schema validators):
 *   x-kind     damo value grammar used for this value (see model/units.ts)
 *   x-since    first mainline kernel with the feature ("mm" = only in the mm tree, "next" = damon/next)
 *   x-sysfs    the DAMON sysfs file damo writes it to, relative to the parent object's directory
 *   x-default  damo's default when the key is absent (human text)
 *   x-output   output-only key: damo ignores it on input
 *   x-legacy   old key name still read by damo: the current name
 */
import type { ValueKind } from '../model/units';

export type JSONSchema = Record<string, unknown>;

// Every pattern is linear in the length of the value (issue 17: a value of 3,000 spaces took 10-35 s
// with `^\s*NUM\s*%?\s*$`, where NUM could be empty and three `\s*` competed for the same spaces).
// The rule used here: NUMBER is never empty, every alternative inside the group starts and ends with
// a non-space, and whitespace runs are separated by non-space tokens, so no two quantifiers can
// share characters. `^(?:\s*(?:ALTS))?\s*$` then accepts exactly what `^\s*(?:ALTS|)\s*$` did.
// test/core/regex-linear.test.ts checks each pattern against the old (reference) form on random
// strings and times it on adversarial ones.
const DIGITS = '\\d[\\d,_]*';
const FRAC = '\\.\\d*';
const EXP = '[eE][+-]?\\d+';
/** damo's number: sign, digits (with , and _), fraction, exponent; any part may be missing but not all. */
const NUMBER = `(?:[+-](?:${DIGITS})?(?:${FRAC})?(?:${EXP})?|${DIGITS}(?:${FRAC})?(?:${EXP})?|${FRAC}(?:${EXP})?|${EXP})`;
const SIZE_UNIT = '(?:B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB|P|PB|PiB|E|EB|EiB)';
const TIME_UNIT = '(?:ns|us|ms|s|m|h|d)';
/** further "<number> <unit>" parts of a time like "1 h 30 m" (the number may be missing, as damo's grammar allowed) */
const MORE_TIME = `(?:\\s+(?:${NUMBER}\\s+|\\s)${TIME_UNIT})*`;
const TIME = `${NUMBER}(?:${TIME_UNIT}|\\s+${TIME_UNIT}${MORE_TIME})?|${TIME_UNIT}`;
const PCT = `${NUMBER}(?:\\s*%)?|%`;
const around = (alts: string, leadingSpaceAlts?: string) => `^(?:\\s*(?:${alts})${leadingSpaceAlts ? `|\\s+(?:${leadingSpaceAlts})` : ''})?\\s*$`;

export const PATTERNS: Record<Exclude<ValueKind, 'bool'>, string> = {
  nr: around(`max|${NUMBER}`),
  bytes: around(`min|max|${NUMBER}(?:\\s*${SIZE_UNIT})?|${SIZE_UNIT}`),
  us: around(`min|max|${TIME}`, `${TIME_UNIT}${MORE_TIME}`),
  ms: around(`min|max|${TIME}`, `${TIME_UNIT}${MORE_TIME}`),
  percent: around(`min|max|${PCT}`),
  permil: around(`min|max|${PCT}`),
  bp: around(`min|max|${PCT}`),
  nr_accesses: around(`min|max|${PCT}|(?:min|max|${NUMBER})\\s+samples`, 'samples'),
  age: around(`min|max|${TIME}|(?:min|max|${NUMBER})\\s+aggr_intervals`, `${TIME_UNIT}${MORE_TIME}|aggr_intervals`),
};

const UNIT_TEXT: Record<ValueKind, string> = {
  nr: 'A number ("max" allowed).',
  bytes: 'Bytes: a number, or a number with B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T, P, E (all binary, 1 KB = 1024 B); "min", "max".',
  us: 'Microseconds: a bare number is µs; or a time like "5 ms", "1.5s", "2 m" (minutes), "1 h 30 m".',
  ms: 'Milliseconds: a bare number is ms; or a time like "1 s", "100 ms".',
  percent: 'Percent: a bare number is a percent; "5%" also works.',
  permil: 'Per-mille: a bare number is ‰ (1000 = 100 %); "50%" gives 500.',
  bp: 'Basis points: a bare number is bp (10000 = 100 %); "29.7%" gives 2970. A bare 29.7 means 0.297 %!',
  bool: 'true or false (damo also takes yes/no/y/n strings, not 0/1).',
  nr_accesses:
    'Access rate: a bare number is a PERCENT of the samples per aggregation interval ("5%" too), or "N samples" in kernel units. Both bounds must use the same form.',
  age: 'Age: a bare number is MICROSECONDS (or a time like "30 s"), or "N aggr_intervals" in kernel units. Both bounds must use the same form.',
};

interface Meta {
  since?: string;
  sysfs?: string;
  default?: string;
  output?: boolean;
  legacy?: string;
  deprecated?: boolean;
}

function meta(s: JSONSchema, description: string, m: Meta = {}): JSONSchema {
  const parts = [description];
  if (m.default !== undefined) parts.push(`Default: ${m.default}.`);
  if (m.sysfs) parts.push(`sysfs: \`${m.sysfs}\`.`);
  if (m.since)
    parts.push(
      m.since === 'mm' ? 'Only in the mm tree (no released kernel yet).' : m.since === 'next' ? 'Only in damon/next (not merged).' : `Since Linux ${m.since}.`,
    );
  if (m.output) parts.push('Output only: damo ignores it on input.');
  s.description = parts.join(' ');
  if (m.since) s['x-since'] = m.since;
  if (m.sysfs) s['x-sysfs'] = m.sysfs;
  if (m.default !== undefined) s['x-default'] = m.default;
  if (m.output) s['x-output'] = true;
  if (m.legacy) s['x-legacy'] = m.legacy;
  if (m.deprecated) s.deprecated = true;
  return s;
}

function val(kind: ValueKind, description: string, m: Meta = {}): JSONSchema {
  const s: JSONSchema =
    kind === 'bool'
      ? { type: ['boolean', 'string'], pattern: '^\\s*(?:[yY](?:[eE][sS])?|[nN][oO]?|[tT][rR][uU][eE]|[fF][aA][lL][sS][eE])\\s*$' }
      : { type: ['number', 'string'], pattern: PATTERNS[kind] };
  s['x-kind'] = kind;
  return meta(s, `${description} ${UNIT_TEXT[kind]}`, m);
}

function obj(properties: Record<string, JSONSchema>, required: string[], description: string, m: Meta = {}): JSONSchema {
  const s: JSONSchema = { type: 'object', properties, additionalProperties: false };
  if (required.length) s.required = required;
  return meta(s, description, m);
}

function arr(items: JSONSchema, description: string, m: Meta = {}): JSONSchema {
  return meta({ type: 'array', items }, description, m);
}

function enm(values: string[], description: string, m: Meta = {}, enumDescriptions?: string[], enumSince?: (string | undefined)[]): JSONSchema {
  const s: JSONSchema = { type: 'string', enum: values };
  if (enumDescriptions) s.enumDescriptions = enumDescriptions;
  if (enumSince) s['x-enum-since'] = enumSince;
  return meta(s, description, m);
}

/** damo 3.4.1 prints null for a key it does not use (`damo args damon`, `damo report`); it reads null back as unset. */
function nullable(s: JSONSchema): JSONSchema {
  const t = s.type;
  s.type = Array.isArray(t) ? [...t, 'null'] : [t as string, 'null'];
  return s;
}

const range = (kind: ValueKind, what: string, sysfs: string): JSONSchema =>
  obj(
    { min: val(kind, `Lower bound (inclusive) of ${what}.`), max: val(kind, `Upper bound (inclusive) of ${what}.`) },
    ['min', 'max'],
    `${what}: both bounds are inclusive.`,
    { sysfs },
  );

export const ACTIONS: { name: string; since: string; doc: string }[] = [
  { name: 'willneed', since: '5.18', doc: 'madvise(MADV_WILLNEED). vaddr/fvaddr only.' },
  { name: 'cold', since: '5.18', doc: 'madvise(MADV_COLD). vaddr/fvaddr only.' },
  { name: 'pageout', since: '5.18', doc: 'Reclaim (page out) the region. vaddr/fvaddr (madvise) and paddr (reclaim).' },
  { name: 'hugepage', since: '5.18', doc: 'madvise(MADV_HUGEPAGE). vaddr/fvaddr only; needs THP.' },
  { name: 'nohugepage', since: '5.18', doc: 'madvise(MADV_NOHUGEPAGE). vaddr/fvaddr only; needs THP.' },
  { name: 'collapse', since: '7.2', doc: 'Synchronous MADV_COLLAPSE into huge pages. vaddr/fvaddr only.' },
  { name: 'lru_prio', since: '6.0', doc: "Move the region's pages to the head of the active LRU list. paddr only." },
  { name: 'lru_deprio', since: '6.0', doc: "Move the region's pages to the inactive LRU list. paddr only." },
  { name: 'migrate_hot', since: '6.11', doc: 'Migrate the region to `target_nid` (paddr) or `dests` (vaddr/fvaddr, 6.17+), hottest regions first.' },
  { name: 'migrate_cold', since: '6.11', doc: 'Migrate the region to `target_nid` (paddr) or `dests` (vaddr/fvaddr, 6.17+), coldest regions first.' },
  { name: 'stat', since: '5.18', doc: "Do nothing but count the regions in the scheme's stats." },
];

export const GOAL_METRICS: { name: string; since: string; doc: string; kind: ValueKind }[] = [
  { name: 'user_input', since: '6.8', kind: 'nr', doc: 'A value you feed yourself: write `current_value` and commit the quota goals repeatedly.' },
  { name: 'some_mem_psi_us', since: '6.9', kind: 'us', doc: 'System-wide "some" memory pressure stall time per quota reset interval, in µs.' },
  { name: 'node_mem_used_bp', since: '6.16', kind: 'bp', doc: "Used memory of node `nid`, as a share of the node's memory (bp)." },
  { name: 'node_mem_free_bp', since: '6.16', kind: 'bp', doc: "Free memory of node `nid`, as a share of the node's memory (bp)." },
  {
    name: 'node_memcg_used_bp',
    since: '6.19',
    kind: 'bp',
    doc: "Memory of the cgroup `memcg_path` on node `nid` (its LRU pages), as a share of the node's memory (bp).",
  },
  {
    name: 'node_memcg_free_bp',
    since: '6.19',
    kind: 'bp',
    doc: "Node memory NOT used by the cgroup `memcg_path` on node `nid` (node size minus the cgroup's usage there), as a share of the node (bp). Not system-free memory.",
  },
  { name: 'active_mem_bp', since: '7.0', kind: 'bp', doc: 'System-wide active LRU pages / (active + inactive), in bp.' },
  { name: 'inactive_mem_bp', since: '7.0', kind: 'bp', doc: 'System-wide inactive LRU pages / (active + inactive), in bp.' },
  {
    name: 'node_eligible_mem_bp',
    since: '7.2',
    kind: 'nr',
    doc: 'Of the bytes in regions matching this scheme\'s access pattern, the share on node `nid` (bp). paddr only. damo parses its target with text_to_nr: give raw bp, not "%".',
  },
];

export const FILTER_TYPES: { name: string; since: string; layer: 'core' | 'ops'; doc: string }[] = [
  { name: 'anon', since: '6.3', layer: 'ops', doc: 'Anonymous (not file-backed) pages.' },
  { name: 'active', since: '6.15', layer: 'ops', doc: 'Pages on the active LRU list.' },
  { name: 'memcg', since: '6.3', layer: 'ops', doc: 'Pages charged to the cgroup `memcg_path`.' },
  { name: 'young', since: '6.10', layer: 'ops', doc: 'Pages accessed since the last check. Checking clears the Accessed bit (a side effect).' },
  { name: 'hugepage_size', since: '6.15', layer: 'ops', doc: 'Folios whose size is within `hugepage_size` [min, max].' },
  { name: 'unmapped', since: '6.15', layer: 'ops', doc: 'Pages not mapped by any page table.' },
  { name: 'addr', since: '6.6', layer: 'core', doc: 'An address range `address_range` [start, end).' },
  { name: 'target', since: '6.6', layer: 'core', doc: 'A monitoring target, by `damon_target_idx`.' },
];

/**
 * Kernel facts that are not a config key, action, goal metric or filter type of their own (those carry
 * their first release as `since` above / `x-since` in the schema), by kernel name, with the first Linux
 * release that has them. The sysfs plan gates files on the first group, the simulator models the
 * second; `kernel-version.ts` turns both into predicates (`kernelFacts`).
 * The behaviours' releases follow the kernel's mm/damon history (core.c, paddr.c, vaddr.c): most
 * date from v7.1, the fail charge from v7.2 (the simulator's docs/simulator.md lists them).
 */
export const KERNEL_SINCE = {
  // sysfs files without a config key
  /** schemes/<S>/core_filters/ and ops_filters/ (before: one filters/ directory) */
  core_filters_dir: '6.15',
  /** schemes/<S>/quotas/effective_bytes */
  effective_bytes: '6.9',
  /** schemes/<S>/stats/max_nr_snapshots */
  max_nr_snapshots: '7.0',
  // ops behaviours
  /** damon_migrate_pages for vaddr/fvaddr (migrate_hot/migrate_cold with dests) */
  vaddr_migrate: '6.17',
  /** ops filters for the stat action on vaddr (damos_va_stat) */
  vaddr_stat_ops_filters: '6.18',
  /** paddr without regions monitors all System RAM, not only the biggest block */
  paddr_default_all_system_ram: '7.1',
  // monitoring behaviours
  /** damon_apply_min_nr_regions: split at start and after merges to keep min_nr_regions */
  damon_apply_min_nr_regions: '7.1',
  /** kdamond_merge_regions counts a region's age once per aggregation, not once per merge pass */
  merge_age_once_per_aggregation: '7.1',
  /** damon_update_region_age: age resets when nr_accesses crosses zero */
  age_reset_on_zero_crossing: '7.1',
  // DAMOS behaviours
  /** damos_quota_is_set(): a zero esz with goals or limits means zero, not unlimited; MIN_SZ floors */
  damos_quota_is_set: '7.1',
  /** the resume cursor is the end of the last charged region (was end + 1) */
  damos_charge_cursor_at_region_end: '7.1',
  /** the apply walk is not "safe": a piece split off the current region is visited next */
  damos_walk_visits_split_pieces: '7.1',
  /** the min_score histogram skips regions a core filter rejects as a whole */
  damos_histogram_skips_core_filtered: '7.1',
} as const;

export type KernelFact = keyof typeof KERNEL_SINCE;

function buildSchema(): JSONSchema {
  const goal = obj(
    {
      metric: enm(
        GOAL_METRICS.map((m) => m.name),
        'What the goal measures.',
        { sysfs: 'target_metric', since: '6.9' },
        GOAL_METRICS.map((m) => m.doc),
        GOAL_METRICS.map((m) => m.since),
      ),
      target_value: meta(
        { type: ['number', 'string'], 'x-kind': 'goal_target' },
        'The value the quota auto-tuning aims the metric at. Unit by metric: bp for *_bp metrics ("29.7%" = 2970 bp; a bare number is bp), µs for some_mem_psi_us, a plain number for user_input and node_eligible_mem_bp. The kernel silently ignores a goal whose target is 0.',
        { sysfs: 'target_value', since: '6.8' },
      ),
      current_value: val('nr', 'Only read for user_input: the current value you feed. damo requires the key for every metric.', {
        sysfs: 'current_value',
        since: '6.8',
      }),
      nid: nullable(
        val('nr', 'NUMA node the metric is measured on. Required for node_mem_*, node_memcg_* and node_eligible_mem_bp. damo 3.4.1 prints null when unset.', {
          sysfs: 'nid',
          since: '6.16',
        }),
      ),
      memcg_path: meta(
        { type: ['string', 'null'] },
        'damo 3.4.1 prints null when unset. cgroup (v2) path of the memory cgroup, from the cgroup mount root, e.g. "/workload_a". Required for node_memcg_*.',
        { sysfs: 'path', since: '6.19' },
      ),
      target_value_bp: val('bp', 'Legacy name (damo 2.0.8–2.2.1) read as a user_input goal target.', { legacy: 'target_value', deprecated: true }),
      current_value_bp: val('bp', 'Legacy name (damo 2.0.8–2.2.1) read as a user_input goal current value.', { legacy: 'current_value', deprecated: true }),
    },
    [],
    'A quota goal: DAMOS auto-tunes the effective quota so the metric reaches the target.',
    { sysfs: 'quotas/goals/<G>/', since: '6.8' },
  );

  const filter = obj(
    {
      filter_type: enm(
        FILTER_TYPES.map((t) => t.name),
        'Which memory the filter is about. addr and target are core-layer filters (evaluated first); the rest are ops-layer filters.',
        { sysfs: 'type', since: '6.3' },
        FILTER_TYPES.map((t) => `${t.doc} (${t.layer} layer)`),
        FILTER_TYPES.map((t) => t.since),
      ),
      matching: val('bool', 'true: the filter is about memory that IS of the type; false: memory that is NOT.', { sysfs: 'matching', since: '6.3' }),
      allow: val(
        'bool',
        "true: allow the action on the memory the filter is about; false: reject it. The first filter that matches decides; memory no filter matches gets the opposite of the last filter's verdict.",
        { sysfs: 'allow', since: '6.14', default: 'false (reject)' },
      ),
      memcg_path: meta({ type: ['string', 'null'] }, 'cgroup path for a memcg filter, from the cgroup mount root, e.g. "/workload_a".', {
        sysfs: 'memcg_path',
        since: '6.3',
      }),
      address_range: nullable(
        obj(
          { start: val('bytes', 'Start address (inclusive).', { sysfs: 'addr_start' }), end: val('bytes', 'End address (exclusive).', { sysfs: 'addr_end' }) },
          ['start', 'end'],
          'Address range of an addr filter [start, end). damo 3.4.1 prints null for other filter types.',
          { since: '6.6' },
        ),
      ),
      damon_target_idx: nullable(
        val('nr', 'Index of the monitoring target for a target filter (0-based). damo 3.4.1 prints null for other filter types.', {
          sysfs: 'damon_target_idx',
          since: '6.6',
        }),
      ),
      hugepage_size: meta(
        { type: ['array', 'null'], items: { type: ['number', 'string'], pattern: PATTERNS.bytes, 'x-kind': 'bytes' }, minItems: 2, maxItems: 2 },
        'Folio size range [min, max] (bytes, inclusive) of a hugepage_size filter. damo 3.4.1 prints null for other filter types.',
        { sysfs: 'min, max', since: '6.15' },
      ),
      probe_hits_wsum_range: meta(
        { type: ['array', 'null'], items: { type: ['number', 'string'], pattern: PATTERNS.nr, 'x-kind': 'nr' }, minItems: 2, maxItems: 2 },
        'Range [min, max] of a probe_hits_wsum filter (damo 3.4.1; damo prints null for other filter types).',
        { sysfs: 'min, max', since: 'next' },
      ),
      filter_pass: val('bool', 'Legacy name of `allow`, still read by damo.', { legacy: 'allow', deprecated: true }),
    },
    ['filter_type', 'matching'],
    'A DAMOS filter: allows or rejects the action on part of the memory.',
    { sysfs: 'core_filters/<F>/ or ops_filters/<F>/', since: '6.3' },
  );

  const scheme = obj(
    {
      action: enm(
        ACTIONS.map((a) => a.name),
        'What to do with memory matching the access pattern.',
        { sysfs: 'action', default: 'stat' },
        ACTIONS.map((a) => a.doc),
        ACTIONS.map((a) => a.since),
      ),
      target_nid: meta({ type: ['integer', 'string', 'null'], 'x-kind': 'nr' }, 'Destination NUMA node of migrate_hot/migrate_cold on paddr.', {
        sysfs: 'target_nid',
        since: '6.11',
        default: 'none (-1, NUMA_NO_NODE)',
      }),
      dests: arr(
        obj(
          { id: val('nr', 'Destination node id.', { sysfs: 'id' }), weight: val('nr', 'Relative weight of this destination.', { sysfs: 'weight' }) },
          ['id', 'weight'],
          'A migration destination.',
        ),
        'Weighted migration destinations for migrate_hot/migrate_cold on vaddr/fvaddr (ignored by paddr).',
        { sysfs: 'dests/', since: '6.17', default: '[]' },
      ),
      access_pattern: obj(
        {
          sz_bytes: range('bytes', 'region size (bytes)', 'access_pattern/sz/'),
          nr_accesses: range('nr_accesses', 'access rate', 'access_pattern/nr_accesses/'),
          age: range('age', 'age (how long the access rate has held)', 'access_pattern/age/'),
          nr_accesses_unit: meta({}, 'Legacy key, ignored by damo.', { deprecated: true }),
          age_unit: meta({}, 'Legacy key, ignored by damo.', { deprecated: true }),
        },
        ['sz_bytes', 'nr_accesses', 'age'],
        'Which regions the scheme applies to. If the key is absent, damo matches everything.',
        { sysfs: 'access_pattern/', default: 'matches every region' },
      ),
      apply_interval_us: val('us', 'How often the scheme is applied. 0 means every aggregation interval.', {
        sysfs: 'apply_interval_us',
        since: '6.7',
        default: '0 (every aggregation interval)',
      }),
      quotas: obj(
        {
          time_ms: val('ms', 'Time quota: the most CPU time the action may use per reset interval. 0 = no limit.', { sysfs: 'quotas/ms', default: '0' }),
          sz_bytes: val('bytes', 'Size quota: the most memory the action may be applied to per reset interval. 0 = no limit.', {
            sysfs: 'quotas/bytes',
            default: '0',
          }),
          reset_interval_ms: val('ms', 'Quota charge window. Quota goals are re-evaluated once per window.', {
            sysfs: 'quotas/reset_interval_ms',
            default: 'max',
          }),
          weights: obj(
            {
              sz_permil: val('permil', 'Weight of region size in the priority score (ignored by the built-in paddr/vaddr scorers).', { sysfs: 'sz_permil' }),
              nr_accesses_permil: val('permil', 'Weight of the access rate in the priority score.', { sysfs: 'nr_accesses_permil' }),
              age_permil: val('permil', 'Weight of age in the priority score.', { sysfs: 'age_permil' }),
            },
            ['sz_permil', 'nr_accesses_permil', 'age_permil'],
            'Prioritization weights used when the quota cannot cover every matching region.',
            { sysfs: 'quotas/weights/', default: '0, 0, 0' },
          ),
          goals: arr(goal, 'Quota goals: the effective quota is auto-tuned toward them.', { sysfs: 'quotas/goals/', since: '6.8', default: '[]' }),
          goal_tuner: enm(
            ['consist', 'temporal'],
            'Quota goal tuning algorithm. consist: proportional feedback (default). temporal: full quota until the goal is met, then zero.',
            { sysfs: 'quotas/goal_tuner', since: '7.1', default: 'consist' },
            [
              'Proportional feedback loop; slow ramp-up, can overshoot without a size quota.',
              'On/off: the size quota (or unlimited) while under target, 0 once met.',
            ],
          ),
          fail_charge_num: val('nr', 'Numerator of the charge ratio for memory the action failed on.', {
            sysfs: 'quotas/fail_charge_num',
            since: '7.2',
            default: '0',
          }),
          fail_charge_denom: val('nr', 'Denominator of the fail charge ratio; 0 turns the feature off.', {
            sysfs: 'quotas/fail_charge_denom',
            since: '7.2',
            default: '0',
          }),
          effective_sz_bytes: val('bytes', 'The effective size quota the kernel computed.', { output: true }),
        },
        ['time_ms', 'sz_bytes', 'reset_interval_ms', 'weights'],
        'Quotas limit how much memory the action touches per reset interval.',
        { sysfs: 'quotas/', default: 'no limits' },
      ),
      watermarks: obj(
        {
          metric: enm(['none', 'free_mem_rate'], 'Metric the watermarks check. none: always active.', { sysfs: 'metric' }),
          interval_us: val('us', 'How often the metric is checked while the scheme is inactive.', { sysfs: 'interval_us' }),
          high_permil: val('permil', 'Deactivate above this.', { sysfs: 'high' }),
          mid_permil: val('permil', 'Activate below this.', { sysfs: 'mid' }),
          low_permil: val('permil', 'Deactivate below this.', { sysfs: 'low' }),
        },
        ['metric', 'interval_us', 'high_permil', 'mid_permil', 'low_permil'],
        'Activate the scheme only while the metric is between the watermarks.',
        { sysfs: 'watermarks/', default: 'metric none (always active)' },
      ),
      filters: arr(filter, 'DAMOS filters, evaluated in order (core-layer types before ops-layer types).', {
        sysfs: 'core_filters/ + ops_filters/',
        since: '6.3',
        default: '[]',
      }),
      stats: meta({ type: 'object' }, 'Scheme statistics.', { output: true }),
      tried_regions: meta({ type: 'array' }, 'Regions the scheme tried.', { output: true }),
    },
    [],
    'A DAMOS scheme: an action applied to memory regions of a given access pattern, within quotas.',
    { sysfs: 'schemes/<S>/' },
  );

  const target = obj(
    {
      pid: meta({ type: ['integer', 'string', 'null'] }, 'Process id for vaddr/fvaddr; null for paddr.', { sysfs: 'pid_target' }),
      obsolete: val('bool', 'Remove the matching running target on commit.', { sysfs: 'obsolete_target', since: '6.19', default: 'false' }),
      regions: arr(
        obj(
          { start: val('bytes', 'Start address (inclusive).', { sysfs: 'start' }), end: val('bytes', 'End address (exclusive).', { sysfs: 'end' }) },
          ['start', 'end'],
          'An address range [start, end).',
        ),
        'Initial (vaddr) or fixed (fvaddr, paddr) monitoring regions. paddr needs at least one.',
        { sysfs: 'regions/' },
      ),
    },
    ['pid', 'regions'],
    'A monitoring target.',
    { sysfs: 'targets/<T>/' },
  );

  const probeFilter = obj(
    {
      filter_type: enm(['anon', 'memcg'], 'Probe filter type.', { sysfs: 'type' }),
      matching: val('bool', 'Match memory that is (true) or is not (false) of the type.', { sysfs: 'matching' }),
      allow: val('bool', 'Count (true) or skip (false) matching memory.', { sysfs: 'allow' }),
      path: meta({ type: ['string', 'null'] }, 'memcg path for a memcg probe filter.', { sysfs: 'path' }),
    },
    ['filter_type', 'matching', 'allow', 'path'],
    'A data-attribute probe filter.',
  );

  const context = obj(
    {
      ops: enm(
        ['vaddr', 'fvaddr', 'paddr'],
        'Operations set: the address space monitored.',
        { sysfs: 'operations' },
        ['Virtual address spaces of processes (regions rebuilt from the VMAs).', 'Fixed virtual address ranges of processes.', 'The physical address space.'],
        ['5.18', '5.19', '5.18'],
      ),
      addr_unit: val('bytes', 'Factor turning core addresses into real addresses (paddr only; for 32-bit LPAE).', {
        sysfs: 'addr_unit',
        since: '6.18',
        default: '1',
      }),
      targets: arr(target, 'Monitoring targets. paddr takes exactly one.', { sysfs: 'targets/' }),
      intervals: obj(
        {
          sample_us: val('us', 'Sampling interval.', { sysfs: 'sample_us', default: '5 ms' }),
          aggr_us: val('us', 'Aggregation interval.', { sysfs: 'aggr_us', default: '100 ms' }),
          ops_update_us: val('us', 'Operations update interval.', { sysfs: 'update_us', default: '1 s' }),
          intervals_goal: obj(
            {
              access_bp: val('bp', 'Target ratio of observed accesses to the theoretical maximum.', { sysfs: 'access_bp' }),
              aggrs: val('nr', 'Aggregation intervals per tuning step; 0 turns tuning off.', { sysfs: 'aggrs' }),
              min_sample_us: val('us', 'Lower bound of the tuned sampling interval.', { sysfs: 'min_sample_us' }),
              max_sample_us: val('us', 'Upper bound of the tuned sampling interval.', { sysfs: 'max_sample_us' }),
            },
            ['access_bp', 'aggrs', 'min_sample_us', 'max_sample_us'],
            'Monitoring intervals auto-tuning goal.',
            { sysfs: 'monitoring_attrs/intervals/intervals_goal/', since: '6.15', default: 'off' },
          ),
        },
        ['sample_us', 'aggr_us', 'ops_update_us'],
        'Monitoring intervals.',
        { sysfs: 'monitoring_attrs/intervals/', default: '5 ms / 100 ms / 1 s' },
      ),
      nr_regions: obj(
        { min: val('nr', 'Minimum number of regions (≥ 3).', { sysfs: 'min' }), max: val('nr', 'Maximum number of regions.', { sysfs: 'max' }) },
        ['min', 'max'],
        'Bounds of the adaptive region count.',
        { sysfs: 'monitoring_attrs/nr_regions/', default: '10 / 1000' },
      ),
      schemes: arr(scheme, 'DAMOS schemes of this context.', { sysfs: 'schemes/', default: '[]' }),
      pause: val('bool', 'Start the context paused / pause it on commit.', { sysfs: 'pause', since: '7.2', default: 'false' }),
      probes: arr(
        obj({ filters: arr(probeFilter, 'Probe filters.') }, ['filters'], 'A data-attribute probe.'),
        'Data-attribute monitoring probes (paddr only, at most 4).',
        { sysfs: 'monitoring_attrs/probes/', since: '7.2', default: '[]' },
      ),
      sample_control: meta({ type: 'object' }, 'Sampling primitives and sample filters.', { sysfs: 'monitoring_attrs/sample/', since: 'next' }),
    },
    ['ops', 'targets'],
    'A monitoring context. Mainline kernels take exactly one per kdamond.',
    { sysfs: 'contexts/<C>/' },
  );

  const kdamond = obj(
    {
      contexts: arr(context, 'Monitoring contexts (mainline: exactly one).', { sysfs: 'contexts/' }),
      refresh_ms: val('ms', 'Auto-refresh period of stats, effective quotas and tuned intervals; 0 = off.', {
        sysfs: 'refresh_ms',
        since: '6.17',
        default: '0',
      }),
      state: meta({ type: 'string' }, 'kdamond state.', { output: true }),
      pid: meta({ type: ['integer', 'null'] }, 'kdamond thread pid.', { output: true }),
    },
    ['contexts'],
    'A kdamond: one DAMON kernel thread.',
    { sysfs: 'kdamonds/<K>/' },
  );

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://damon-config.invalid/schemas/damon-config.schema.json',
    title: 'DAMON kdamonds configuration (damo format)',
    description: "damo's kdamonds config (damo 3.3): {kdamonds: [{contexts: [{ops, targets, intervals, nr_regions, schemes}]}]}.",
    type: 'object',
    properties: {
      kdamonds: arr(kdamond, 'DAMON kernel threads to run.', { sysfs: '/sys/kernel/mm/damon/admin/kdamonds/' }),
    },
    required: ['kdamonds'],
    additionalProperties: false,
  };
}

export const CONFIG_SCHEMA: JSONSchema = buildSchema();

/** The schema node for a config path (array indices step into `items`). */
export function schemaAt(path: (string | number)[]): JSONSchema | undefined {
  let s: JSONSchema | undefined = CONFIG_SCHEMA;
  for (const seg of path) {
    if (!s) return undefined;
    if (typeof seg === 'number') {
      s = s.items as JSONSchema | undefined;
    } else {
      const props = s.properties as Record<string, JSONSchema> | undefined;
      s = props?.[seg];
    }
  }
  return s;
}

/** Property names allowed at a path (for completion and did-you-mean). */
export function keysAt(path: (string | number)[]): string[] {
  const s = schemaAt(path);
  const props = s?.properties as Record<string, JSONSchema> | undefined;
  return props ? Object.keys(props) : [];
}
