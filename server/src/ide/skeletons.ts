/**
 * Skeleton snippets (a tiering kdamond pair, a promotion or demotion scheme) as small trees rendered
 * for the place they are inserted: block YAML with absolute indentation computed from the insert
 * column (sent with insertTextMode asIs, so the client must not re-indent), or one-line flow YAML
 * inside `[...]`. Node ids, address ranges and cgroups come from the machine profile; the cgroups are
 * snippet choices offering every cgroup of the profile, and the two cgroups get different targets.
 */
import { formatBytes, type MachineProfile } from './core';

/** A skeleton node: a scalar (snippet text), a map (ordered entries), a sequence, or a flow-style wrapper. */
export type Skel = string | SkelMap | Skel[] | Flow;
export interface SkelMap {
  entries: [key: string, value: Skel][];
  comment?: string;
}
export class Flow {
  constructor(
    readonly node: SkelMap | Skel[],
    readonly comment?: string,
  ) {}
}

const map = (entries: [string, Skel][], comment?: string): SkelMap => ({ entries, comment });
const flow = (entries: [string, Skel][], comment?: string): Flow => new Flow(map(entries), comment);

function renderFlow(n: Skel): string {
  if (typeof n === 'string') return n;
  if (n instanceof Flow) return renderFlow(n.node);
  if (Array.isArray(n)) return `[${n.map(renderFlow).join(', ')}]`;
  return `{${n.entries.map(([k, v]) => `${k}: ${renderFlow(v)}`).join(', ')}}`;
}

/**
 * Block YAML for `n` whose first line continues at column `col` (after `- ` or at a key's place);
 * every further line carries its absolute indentation.
 */
function renderBlock(n: Skel, col: number): string[] {
  const pad = (c: number): string => ' '.repeat(c);
  const note = (v: Skel): string => (v instanceof Flow && v.comment ? `   # ${v.comment}` : '');
  if (typeof n === 'string' || n instanceof Flow) return [renderFlow(n)];
  if (Array.isArray(n)) {
    const out: string[] = [];
    n.forEach((item, i) => {
      const [first, ...rest] = renderBlock(item, col + 2);
      out.push(`${i === 0 ? '' : pad(col)}- ${first}${note(item)}`, ...rest);
    });
    return out;
  }
  const out: string[] = [];
  for (const [k, v] of n.entries) {
    const at = out.length === 0 ? '' : pad(col);
    if (typeof v === 'string' || v instanceof Flow) {
      out.push(`${at}${k}: ${renderFlow(v)}${note(v)}`);
      continue;
    }
    out.push(`${at}${k}:`);
    const [first, ...rest] = renderBlock(v, col + 2);
    out.push(`${pad(col + 2)}${first}`, ...rest);
  }
  if (n.comment) out[0] += `   # ${n.comment}`;
  return out;
}

/** The items of a sequence as inserted at an item's first key (block, column `col`) or inside `[...]` (flow). */
export function renderItems(items: Skel[], where: { style: 'block'; col: number } | { style: 'flow' }): string {
  if (where.style === 'flow') return items.map(renderFlow).join(', ');
  // block: the insertion starts after the first item's `- `; later items start at col - 2
  return renderBlock(items, where.col - 2)
    .join('\n')
    .replace(/^- /, '');
}

// ------------------------------------------------------------------------------------------ snippets
/** Escape text for a snippet placeholder default or choice. */
const esc = (s: string, choice = false): string => s.replace(choice ? /[$}\\,|]/g : /[$}\\]/g, '\\$&');

interface Nodes {
  fast: string;
  slow: string;
  fastSpan: [string, string];
  slowSpan: [string, string];
}

function nodesOf(profile: MachineProfile | undefined): Nodes {
  // fast node: one with CPUs (else the first); slow node: a CPU-less or slower one (else another)
  const nodes = profile?.nodes ?? [];
  const fast = nodes.find((n) => (n.cpus ?? 0) > 0) ?? nodes[0];
  const slow = nodes.find((n) => n !== fast && ((n.cpus ?? 0) === 0 || (n.speed ?? 1) > (fast?.speed ?? 1))) ?? nodes.find((n) => n !== fast);
  const span = (n: typeof fast | undefined, d: [string, string]): [string, string] => {
    if (!n?.ranges.length) return d;
    // a node with several ranges (e.g. a hole below 4 GiB): monitor the largest one
    const big = [...n.ranges].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
    const [s0, e0] = n.ranges.length > 1 ? [big.start, big.end] : [Math.min(...n.ranges.map((r) => r.start)), Math.max(...n.ranges.map((r) => r.end))];
    return [formatBytes(s0), formatBytes(e0)];
  };
  return {
    fast: String(fast?.nid ?? 0),
    slow: String(slow?.nid ?? 1),
    fastSpan: span(fast, ['4 GiB', '31 GiB']),
    slowSpan: span(slow, ['31 GiB', '61 GiB']),
  };
}

/** The two cgroups a skeleton names: the profile's first two (a choice of all of them), else examples. */
function cgroupChoices(profile: MachineProfile | undefined): [string[], string[]] {
  const all = profile?.cgroups?.length ? profile.cgroups : ['/workload_a', '/workload_b'];
  const second = all.length > 1 ? [all[1], ...all.filter((_, i) => i !== 1)] : [all[0]];
  return [all, second];
}

const choice = (n: number, values: string[]): string => `\${${n}|${values.map((v) => esc(v, true)).join(',')}|}`;
const ph = (n: number, def: string): string => `\${${n}:${esc(def)}}`;

interface SchemeSpec {
  hot: boolean;
  /** the target node: snippet text (a placeholder or its mirror) */
  nid: string;
  /** the goal's node: snippet text */
  goalNid: string;
  /** the goal's memcg_path (the first occurrence: a choice placeholder or a mirror) */
  cgroup: string;
  /** the filter's memcg_path (a mirror of the goal's) */
  cgroupMirror: string;
  target: string;
  note?: string;
}

function scheme(s: SchemeSpec): SkelMap {
  return map(
    [
      ['action', s.hot ? 'migrate_hot' : 'migrate_cold'],
      ['target_nid', s.nid],
      [
        'access_pattern',
        map([
          [
            'sz_bytes',
            flow([
              ['min', 'min'],
              ['max', 'max'],
            ]),
          ],
          [
            'nr_accesses',
            s.hot
              ? flow([
                  ['min', '5%'],
                  ['max', 'max'],
                ])
              : flow([
                  ['min', '0%'],
                  ['max', '0%'],
                ]),
          ],
          [
            'age',
            flow([
              ['min', '0'],
              ['max', 'max'],
            ]),
          ],
        ]),
      ],
      ['apply_interval_us', '1 s'],
      [
        'quotas',
        map([
          ['time_ms', '0'],
          ['sz_bytes', '200 MiB'],
          ['reset_interval_ms', '1 s'],
          [
            'weights',
            flow([
              ['sz_permil', '0'],
              ['nr_accesses_permil', s.hot ? '1000' : '0'],
              ['age_permil', s.hot ? '0' : '1000'],
            ]),
          ],
          [
            'goals',
            [
              flow([
                ['metric', s.hot ? 'node_memcg_used_bp' : 'node_memcg_free_bp'],
                ['target_value', s.target],
                ['current_value', '0'],
                ['nid', s.goalNid],
                ['memcg_path', s.cgroup],
              ]),
            ],
          ],
        ]),
      ],
      [
        'filters',
        [
          flow(
            [
              ['filter_type', 'memcg'],
              ['matching', 'false'],
              ['allow', 'false'],
              ['memcg_path', s.cgroupMirror],
            ],
            'reject pages of other cgroups',
          ),
          flow(
            [
              ['filter_type', 'young'],
              ['matching', s.hot ? 'false' : 'true'],
              ['allow', 'false'],
            ],
            s.hot ? 'reject pages that are not young' : 'reject young pages',
          ),
        ],
      ],
    ],
    s.note,
  );
}

/**
 * Two kdamonds doing per-cgroup memory tiering for two cgroups, as in the DAMON RFC: the slow node's
 * kdamond promotes hot pages of each cgroup to the fast node (goal: the cgroup's share of the fast
 * node, 29.7 % and 69.7 %), the fast node's kdamond demotes cold pages (free 70.5 % and 30.5 %).
 */
export function tieringPair(profile: MachineProfile | undefined): Skel[] {
  const n = nodesOf(profile);
  const [cgA, cgB] = cgroupChoices(profile);
  // tab order: the two cgroups, their four targets, then the nodes and ranges from the profile
  const A = choice(1, cgA);
  const B = choice(2, cgB);
  const fastNid = ph(7, n.fast);
  const slowNid = ph(8, n.slow);
  const kdamond = (node: 'slow' | 'fast'): SkelMap => {
    const hot = node === 'slow';
    const [s, e] = hot ? n.slowSpan : n.fastSpan;
    const region = flow(
      [
        ['start', hot ? ph(9, s) : ph(11, s)],
        ['end', hot ? ph(10, e) : ph(12, e)],
      ],
      `${node} node`,
    );
    return map([
      [
        'contexts',
        [
          map([
            ['ops', 'paddr'],
            [
              'targets',
              [
                map([
                  ['pid', 'null'],
                  ['regions', [region]],
                ]),
              ],
            ],
            [
              'schemes',
              [
                scheme({
                  hot,
                  nid: hot ? fastNid : slowNid,
                  goalNid: '$7',
                  cgroup: hot ? A : '$1',
                  cgroupMirror: '$1',
                  target: ph(hot ? 3 : 5, hot ? '29.7%' : '70.5%'),
                  note: `${hot ? 'promotion' : 'demotion'} for the first cgroup`,
                }),
                scheme({
                  hot,
                  nid: hot ? '$7' : '$8',
                  goalNid: '$7',
                  cgroup: hot ? B : '$2',
                  cgroupMirror: '$2',
                  target: ph(hot ? 4 : 6, hot ? '69.7%' : '30.5%'),
                  note: `${hot ? 'promotion' : 'demotion'} for the second cgroup`,
                }),
              ],
            ],
          ]),
        ],
      ],
    ]);
  };
  const first = kdamond('slow');
  const second = kdamond('fast');
  return [first, second];
}

/** One promotion (hot) or demotion scheme for a cgroup of the profile. */
export function tieringScheme(profile: MachineProfile | undefined, hot: boolean): Skel[] {
  const n = nodesOf(profile);
  const [cg] = cgroupChoices(profile);
  return [
    scheme({
      hot,
      nid: ph(2, hot ? n.fast : n.slow),
      goalNid: ph(3, n.fast),
      cgroup: choice(1, cg),
      cgroupMirror: '$1',
      target: ph(4, hot ? '29.7%' : '70.5%'),
    }),
  ];
}
