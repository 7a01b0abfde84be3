/** Builders for the rules' example configs (kept short so each rule's cases read at a glance). */
export interface CtxSpec {
  ops?: 'paddr' | 'vaddr' | 'fvaddr';
  /** flow-style YAML of the targets list */
  targets?: string;
  /** extra context keys, YAML lines at context level, e.g. "nr_regions: {min: 10, max: 1000}" */
  extra?: string[];
  /** flow-style YAML mappings, one per scheme */
  schemes?: string[];
}

/** One kdamond per context spec. Node 1 = [31, 61) GiB, node 0 monitored part = [4, 31) GiB. */
export function config(...ctxs: CtxSpec[]): string {
  const lines = ['kdamonds:'];
  for (const c of ctxs) {
    const ops = c.ops ?? 'paddr';
    lines.push('  - contexts:');
    lines.push(`      - ops: ${ops}`);
    lines.push(`        targets: ${c.targets ?? (ops === 'paddr' ? '[{pid: null, regions: [{start: 4 GiB, end: 31 GiB}]}]' : '[{pid: 1234, regions: []}]')}`);
    for (const e of c.extra ?? []) lines.push(`        ${e}`);
    if (c.schemes?.length) {
      lines.push('        schemes:');
      for (const s of c.schemes) lines.push(`          - ${s}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const NODE1 = '[{pid: null, regions: [{start: 31 GiB, end: 61 GiB}]}]';
export const NODE0 = '[{pid: null, regions: [{start: 4 GiB, end: 31 GiB}]}]';

/** The seed VM: 2 nodes x 30 GiB, node 0 [0,31) GiB with a hole at [3,4), node 1 [31,61) GiB. */
export const SEED_PROFILE = `name: seed-vm
kernel: "7.2"
nodes:
  - {nid: 0, size: 30 GiB, ranges: [{start: 0, end: 3 GiB}, {start: 4 GiB, end: 31 GiB}]}
  - {nid: 1, size: 30 GiB, ranges: [{start: 31 GiB, end: 61 GiB}]}
cgroups: [/workload_a, /workload_b]
`;

export const QUOTAS = 'quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}';
