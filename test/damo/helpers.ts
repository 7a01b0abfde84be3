import { importDamoText, type DamoTextOptions } from '../../server/src/core/damo/index';
import type { MachineProfile } from '../../server/src/core/profile';

export const GiB = 2 ** 30;

/** two nodes of 30 GiB, as in the seed RFC's experiment */
export const SEED_PROFILE: MachineProfile = {
  name: 'seed-vm',
  nodes: [
    { nid: 0, sizeBytes: 30 * GiB, ranges: [{ start: 0, end: 30 * GiB }] },
    { nid: 1, sizeBytes: 30 * GiB, ranges: [{ start: 30 * GiB, end: 60 * GiB }] },
  ],
  cgroups: ['/workload_a', '/workload_b', '/workloads/a', '/workloads/b'],
};

/** Imports the only damo command of `text`; diagnostics come with the text they point at. */
export function imp(text: string, opts: DamoTextOptions = {}) {
  const r = importDamoText(text, { validate: false, profile: SEED_PROFILE, ...opts });
  const at = (d: { range: { start: number; end: number } }) => text.slice(d.range.start, d.range.end);
  return {
    r,
    config: r.commands[0]?.config ?? null,
    cmd: r.commands[0],
    diags: r.diagnostics.map((d) => ({ code: d.code, severity: d.severity, at: at(d), message: d.message, fixes: d.fixes })),
    codes: r.diagnostics.map((d) => `${d.code}@${at(d)}`),
  };
}

/** the defaults of a scheme built by damo from command-line options */
export const SCHEME_DEFAULTS = {
  access_pattern: { sz_bytes: { min: 0, max: 'max' }, nr_accesses: { min: 0, max: 'max' }, age: { min: 0, max: 'max' } },
  apply_interval_us: 0,
  quotas: { time_ms: 0, sz_bytes: 0, reset_interval_ms: 'max', weights: { sz_permil: 0, nr_accesses_permil: 0, age_permil: 0 }, goals: [] },
  watermarks: { metric: 'none', interval_us: 0, high_permil: 0, mid_permil: 0, low_permil: 0 },
  filters: [],
};
export const INTERVALS_DEFAULT = { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 };
