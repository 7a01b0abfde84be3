/** The monitoring side of `damo start|tune`: contexts, targets, regions (--numa_node, the default paddr region) and probes. */
import type { ConfigPath } from '../../diagnostic';
import { parseByKind } from '../../model/units';
import { pyInt, type ArgWord, type OptionOccurrence } from '../options';
import { type DcContext, type DcProbe, type DcRegion, type DcTarget } from '../model';
import type { Importer } from '../import';

/** Marker text of values the importer could not know. */
export const PLACEHOLDER_PREFIX = 'UNKNOWN';

export function buildContext(
  imp: Importer,
  c: number,
  path: ConfigPath | null,
  pos: { ops?: string },
  pidValues: unknown[],
  starter: OptionOccurrence | undefined,
): DcContext {
  const at = (d: string) => imp.occ(d)[c];
  const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
  imp.markPath(path, starter?.range ?? imp.cmd.damoWord.range);
  if (starter) imp.created.set(starter, path ?? []);

  let ops: string;
  const opsOcc = at('ops');
  if (pos.ops && c === 0) ops = pos.ops;
  else if (opsOcc && opsOcc.args[0]) {
    ops = opsOcc.args[0].text;
    imp.markPath(sub('ops'), opsOcc.range);
  } else ops = pidValues[c] !== undefined ? 'vaddr' : 'paddr';

  const iv = at('monitoring_intervals');
  const words: (ArgWord | undefined)[] = [iv?.args[0], iv?.args[1], iv?.args[2]];
  if (iv) imp.markPath(sub('intervals'), iv.range);
  (['sample', 'aggr', 'updr'] as const).forEach((d, i) => {
    const o = at(d);
    if (o?.args[0]) words[i] = o.args[0];
  });
  const intervals: DcContext['intervals'] = {
    sample_us: imp.value('us', words[0], sub('intervals', 'sample_us'), 5000, 'sampling interval'),
    aggr_us: imp.value('us', words[1], sub('intervals', 'aggr_us'), 100000, 'aggregation interval'),
    ops_update_us: imp.value('us', words[2], sub('intervals', 'ops_update_us'), 1000000, 'ops update interval'),
  };
  const autotune = imp.occ('monitoring_intervals_autotune');
  const goal = at('monitoring_intervals_goal');
  if (autotune.length) {
    if (goal) imp.diag('damo-overridden-option', 'warning', '--monitoring_intervals_autotune overrides --monitoring_intervals_goal', goal.range);
    intervals.intervals_goal = { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 10000000 };
    imp.markPath(sub('intervals', 'intervals_goal'), autotune[0].range);
  } else if (goal) {
    imp.markPath(sub('intervals', 'intervals_goal'), goal.range);
    intervals.intervals_goal = {
      access_bp: imp.value('bp', goal.args[0], sub('intervals', 'intervals_goal', 'access_bp'), 0, 'intervals goal access_bp'),
      aggrs: imp.value('nr', goal.args[1], sub('intervals', 'intervals_goal', 'aggrs'), 0, 'intervals goal aggrs'),
      min_sample_us: imp.value('us', goal.args[2], sub('intervals', 'intervals_goal', 'min_sample_us'), 0, 'intervals goal min_sample_us'),
      max_sample_us: imp.value('us', goal.args[3], sub('intervals', 'intervals_goal', 'max_sample_us'), 0, 'intervals goal max_sample_us'),
    };
  }
  const rr = at('monitoring_nr_regions_range');
  if (rr) imp.markPath(sub('nr_regions'), rr.range);
  const nrw: (ArgWord | undefined)[] = [rr?.args[0], rr?.args[1]];
  if (at('minr')?.args[0]) nrw[0] = at('minr').args[0];
  if (at('maxr')?.args[0]) nrw[1] = at('maxr').args[0];
  const ctx: DcContext = {
    ops,
    targets: [],
    intervals,
    nr_regions: {
      min: imp.value('nr', nrw[0], sub('nr_regions', 'min'), 10, 'minimum number of regions'),
      max: imp.value('nr', nrw[1], sub('nr_regions', 'max'), 1000, 'maximum number of regions'),
    },
    schemes: [],
  };
  const unit = at('damon_addr_unit');
  if (unit) {
    ctx.addr_unit = imp.value('bytes', unit.args[0], sub('addr_unit'), 1, '--damon_addr_unit');
    imp.markPath(sub('addr_unit'), unit.range);
  }
  const pause = imp.intList('pause_ctx');
  if (pause?.values.includes(c)) {
    ctx.pause = true;
    imp.markPath(sub('pause'), pause.occ.range);
  }
  for (const d of ['exp_ops_use_reports', 'exp_ops_write_only', 'exp_ops_cpus', 'exp_ops_tids', 'sample_primitives']) {
    const o = at(d);
    if (o)
      imp.diag(
        'damo-not-in-config',
        'warning',
        `${o.spec.names[0]} has no config-file key (damo never reads it from files); the imported config leaves it out`,
        o.range,
      );
  }
  return ctx;
}

export function buildTarget(
  imp: Importer,
  t: number,
  path: ConfigPath | null,
  ops: string,
  pidValues: (ArgWord | number | string | undefined)[],
  regionsOcc: OptionOccurrence | undefined,
  numaOcc: OptionOccurrence | undefined,
  obsolete: boolean,
  starter: OptionOccurrence | undefined,
): DcTarget {
  const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
  imp.markPath(path, starter?.range ?? imp.cmd.damoWord.range);
  if (starter) imp.created.set(starter, path ?? []);
  const hasPid = ops === 'vaddr' || ops === 'fvaddr';
  let pid: number | string | null = null;
  const pv = pidValues[t];
  if (hasPid && pv !== undefined) {
    if (typeof pv === 'object') {
      pid = pv.dynamic ? pv.text : (pyInt(pv.text) ?? pv.text);
      imp.markPath(sub('pid'), pv.range);
      if (pv.dynamic) {
        imp.diag('damo-dynamic-value', 'information', `--target_pid "${pv.text}" is only known when the script runs (${pv.dynamic}); not checked`, pv.range);
        imp.noteDynamic(sub('pid'));
      }
    } else {
      pid = pv;
      if (typeof pv === 'string' && path) imp.diagnosedPaths.push([...path, 'pid']);
    }
  } else if (!hasPid && pv !== undefined && typeof pv === 'object') {
    imp.diag('damo-ignored', 'information', `--target_pid is ignored: target ${t} is in a ${ops} context, which has no process`, pv.range);
  }
  const target: DcTarget = { pid, regions: [] };
  if (obsolete) target.obsolete = true;

  // regions: --regions "<start>-<end> ...", else for paddr --numa_node or the default System RAM span
  const rw = regionsOcc?.args[0];
  if (rw && rw.text.trim() !== '') {
    imp.markPath(sub('regions'), regionsOcc!.range);
    if (rw.dynamic) {
      imp.diag('damo-dynamic-value', 'information', `--regions "${rw.text}" is only known when the script runs (${rw.dynamic}); not checked`, rw.range);
      imp.noteDynamic(sub('regions'));
      target.regions.push({ start: rw.text, end: rw.text });
    } else {
      let prevEnd: number | undefined;
      rw.text
        .split(/\s+/)
        .filter((x) => x !== '')
        .forEach((reg, ri) => {
          const addrs = reg.split('-');
          const rp = sub('regions', ri);
          imp.markPath(rp, rw.range);
          if (addrs.length !== 2) {
            imp.diag('damo-invalid-value', 'error', `Wrong '--regions' argument (two addresses not given): "${reg}" must be <start>-<end>`, rw.range);
            if (rp) imp.diagnosedPaths.push(rp);
            return;
          }
          const s = parseByKind('bytes', addrs[0]);
          const e = parseByKind('bytes', addrs[1]);
          if (!s.ok || !e.ok) {
            imp.diag(
              'damo-invalid-value',
              'error',
              `Wrong '--regions' argument: ${!s.ok ? s.error : ''}${!s.ok && !e.ok ? '; ' : ''}${!e.ok ? e.error : ''}`,
              rw.range,
            );
            if (rp) imp.diagnosedPaths.push(rp);
            target.regions.push({ start: addrs[0], end: addrs[1] });
            return;
          }
          const start = s.v.value;
          const end = e.v.value;
          if (start >= end || (prevEnd !== undefined && prevEnd > start)) {
            imp.diag('damo-invalid-value', 'error', `Wrong '--regions' argument (${start >= end ? 'start >= end' : 'regions overlap'}): ${reg}`, rw.range);
            if (rp) imp.diagnosedPaths.push(rp);
          }
          prevEnd = end;
          const region: DcRegion = { start: s.v.special === 'max' ? 'max' : start, end: e.v.special === 'max' ? 'max' : end };
          target.regions.push(region);
        });
    }
    if (numaOcc) imp.diag('damo-ignored', 'warning', '--numa_node is ignored for a target that has --regions', numaOcc.range);
  } else if (ops === 'paddr') {
    if (numaOcc) target.regions = numaRegions(imp, numaOcc, sub('regions'));
    else target.regions = defaultPaddrRegions(imp, sub('regions'), regionsOcc ?? starter);
  } else if (numaOcc) {
    imp.diag('damo-ignored', 'warning', `--numa_node is ignored: target ${t} is in a ${ops} context (damo uses it only for paddr)`, numaOcc.range);
  }
  return target;
}

export function numaRegions(imp: Importer, occ: OptionOccurrence, path: ConfigPath | null): DcRegion[] {
  imp.markPath(path, occ.range);
  const nids = occ.args.map((a) => ({ a, nid: pyInt(a.text) }));
  const profile = imp.opts.profile;
  if (!profile) {
    imp.diag(
      'damo-numa-node-needs-profile',
      'warning',
      `--numa_node ${occ.args.map((a) => a.text).join(' ')}: damo reads the node's physical address range on the live host; give a machine profile (--profile) to import it. The imported region is a placeholder.`,
      occ.range,
    );
    if (path) imp.diagnosedPaths.push(path);
    const label = nids.map((x) => x.a.text).join(',');
    return [
      {
        start: `${PLACEHOLDER_PREFIX}: start of NUMA node ${label} (import with --profile)`,
        end: `${PLACEHOLDER_PREFIX}: end of NUMA node ${label} (import with --profile)`,
      },
    ];
  }
  const ranges: [number, number][] = [];
  for (const { a, nid } of nids) {
    if (a.dynamic) {
      imp.diag('damo-dynamic-value', 'information', `--numa_node "${a.text}" is only known when the script runs (${a.dynamic}); not checked`, a.range);
      imp.noteDynamic(path);
      return [{ start: `${PLACEHOLDER_PREFIX}: start of NUMA node ${a.text}`, end: `${PLACEHOLDER_PREFIX}: end of NUMA node ${a.text}` }];
    }
    const node = profile.nodes.find((n) => n.nid === nid);
    if (!node) {
      imp.diag(
        'damo-numa-node-unknown',
        'error',
        `NUMA node ${a.text} is not in the machine profile${profile.name ? ` "${profile.name}"` : ''} (nodes: ${profile.nodes.map((n) => n.nid).join(', ') || 'none'})`,
        a.range,
      );
      if (path) imp.diagnosedPaths.push(path);
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
    imp.diag('damo-numa-node-unknown', 'error', `the machine profile gives no memory ranges for NUMA node ${occ.args.map((a) => a.text).join(' ')}`, occ.range);
  }
  return merged.map(([start, end]) => ({ start, end }));
}

export function defaultPaddrRegions(imp: Importer, path: ConfigPath | null, at: OptionOccurrence | undefined): DcRegion[] {
  const range = at?.range ?? imp.cmd.damoWord.range;
  imp.markPath(path, range);
  const profile = imp.opts.profile;
  const all = profile?.nodes.flatMap((n) => n.ranges) ?? [];
  if (!profile || all.length === 0) {
    imp.diag(
      'damo-paddr-needs-profile',
      'warning',
      'a paddr target without --regions or --numa_node monitors all System RAM of the live host (first to last "System RAM" in /proc/iomem); give a machine profile (--profile) to import it. The imported region is a placeholder.',
      range,
    );
    if (path) imp.diagnosedPaths.push(path);
    return [
      { start: `${PLACEHOLDER_PREFIX}: start of System RAM (import with --profile)`, end: `${PLACEHOLDER_PREFIX}: end of System RAM (import with --profile)` },
    ];
  }
  return [{ start: Math.min(...all.map((r) => r.start)), end: Math.max(...all.map((r) => r.end)) }];
}

export function buildProbes(imp: Importer, contexts: DcContext[], ctxPath: (c: number) => ConfigPath | null): void {
  const occs = imp.occ('probe_filter');
  if (occs.length === 0) return;
  const filters: { f: DcProbe['filters'][number]; occ: OptionOccurrence }[] = [];
  for (const o of occs) {
    const w = o.args.map((a) => a.text);
    if (w.length < 2) {
      imp.diag('damo-missing-argument', 'error', `--probe_filter: expected >=2 fields but ${w.length}`, o.range);
      continue;
    }
    if (w[0] !== 'allow' && w[0] !== 'reject') {
      imp.diag('damo-invalid-value', 'error', `--probe_filter: expected allow|reject but ${w[0]}`, o.args[0].range);
      continue;
    }
    let k = 1;
    let matching = true;
    if (w[k] === 'non') {
      matching = false;
      k++;
    }
    if (k >= w.length) {
      imp.diag('damo-missing-argument', 'error', '--probe_filter: filter type is not given', o.range);
      continue;
    }
    const type = w[k++];
    let pth: string | null = null;
    if (type === 'memcg') {
      if (k >= w.length) {
        imp.diag('damo-missing-argument', 'error', '--probe_filter: memcg path is not given', o.range);
        continue;
      }
      pth = w[k];
    }
    filters.push({ f: { filter_type: type, matching, allow: w[0] === 'allow', path: pth }, occ: o });
  }
  const npf = imp.intList('nr_probe_filters');
  const perProbe = npf ? npf.values : [filters.length];
  if (perProbe.reduce((x, y) => x + y, 0) !== filters.length) {
    imp.diag(
      'damo-count-mismatch',
      'error',
      `--nr_probe_filters mismatches --probe_filter (${perProbe.reduce((x, y) => x + y, 0)} != ${filters.length})`,
      npf?.occ.range ?? occs[0].range,
    );
  }
  const probes: { p: DcProbe; first?: OptionOccurrence }[] = [];
  let idx = 0;
  for (const n of perProbe) {
    const fs = filters.slice(idx, idx + n);
    probes.push({ p: { filters: fs.map((x) => x.f) }, first: fs[0]?.occ });
    idx += n;
  }
  const np = imp.intList('nr_probes');
  let perCtx: number[];
  if (!np) {
    if (contexts.length !== 1) imp.diag('damo-count-missing', 'error', '--nr_probes is required with several contexts', occs[0].range);
    perCtx = [probes.length, ...new Array(Math.max(0, contexts.length - 1)).fill(0)];
  } else {
    perCtx = np.values;
    const sum = perCtx.reduce((x, y) => x + y, 0);
    if (sum !== probes.length) imp.diag('damo-count-mismatch', 'error', `--nr_probes mismatches number of probes (${sum} != ${probes.length})`, np.occ.range);
    else if (perCtx.length !== contexts.length)
      imp.diag('damo-count-mismatch', 'error', `--nr_probes mismatches number of contexts (${perCtx.length} != ${contexts.length})`, np.occ.range);
  }
  idx = 0;
  perCtx.forEach((n, c) => {
    if (c >= contexts.length) return;
    const mine = probes.slice(idx, idx + n);
    idx += n;
    if (mine.length === 0) return;
    contexts[c].probes = mine.map((x) => x.p);
    const cp = ctxPath(c);
    mine.forEach((x, i) => {
      if (cp && x.first) imp.markPath([...cp, 'probes', i], x.first.range);
    });
  });
}
