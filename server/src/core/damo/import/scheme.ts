/** Schemes: damo's per-scheme option partition (damos_options_to_schemes) and one scheme's action, access pattern, quotas and watermarks. */
import type { ConfigPath, TextEdit } from '../../diagnostic';
import { parseByKind, type ValueKind } from '../../model/units';
import { pyInt, type ArgWord, type OptionOccurrence } from '../options';
import { DAMOS_ACTIONS, type DcScheme, type DcValue, type DcWatermarks } from '../model';
import type { Importer } from '../import';
import { buildGoal } from './goal';
import { buildFilters } from './filter';

export const PER_SCHEME_FIXED: [string, string][] = [
  ['damos_sz_region', '--damos_sz_region'],
  ['damos_access_rate', '--damos_access_rate'],
  ['damos_age', '--damos_age'],
  ['damos_apply_interval', '--damos_apply_interval'],
  ['damos_wmarks', '--damos_wmarks'],
  ['damos_max_nr_snapshots', '--damos_max_nr_snapshots'],
];

export interface QuotaEntry {
  /** words: time, size, reset, w1, w2, w3 (any may be missing: defaults apply) */
  words: (ArgWord | undefined)[];
  /** default word values (for --damos_quota_interval the weights default to 1) */
  defaults: string[];
  occ: OptionOccurrence;
}

/** damos_options_to_schemes() and its helpers. */
export function buildSchemes(imp: Importer, paths: (ConfigPath | null)[]): (DcScheme | null)[] {
  const actionOccs = imp.occ('damos_action');
  const S = actionOccs.length;

  // set_args_damos_quotas: --damos_quota_interval drives the quota entries
  const quotaEntries: QuotaEntry[] = imp.occ('damos_quotas').map((o) => ({ words: o.args, defaults: ['0', '0', 'max', '0', '0', '0'], occ: o }));
  const qi = imp.occ('damos_quota_interval');
  const qt = imp.occ('damos_quota_time');
  const qs = imp.occ('damos_quota_space');
  const qw = imp.occ('damos_quota_weights');
  qi.forEach((o, i) => {
    quotaEntries.push({
      words: [qt[i]?.args[0], qs[i]?.args[0], o.args[0], qw[i]?.args[0], qw[i]?.args[1], qw[i]?.args[2]],
      defaults: ['0', '0', 'max', '1', '1', '1'],
      occ: o,
    });
  });
  for (const [list, name] of [
    [qt, '--damos_quota_time'],
    [qs, '--damos_quota_space'],
    [qw, '--damos_quota_weights'],
  ] as const) {
    list.slice(qi.length).forEach((o) => {
      imp.diag(
        'damo-ignored',
        'warning',
        qi.length === 0
          ? `${name} is silently ignored by damo without --damos_quota_interval: the scheme gets no such quota`
          : `${name} #${list.indexOf(o) + 1} has no matching --damos_quota_interval (there ${qi.length === 1 ? 'is 1' : `are ${qi.length}`}); damo silently ignores it`,
        o.range,
      );
    });
  }

  // verify_set_damos_args_len
  for (const [dest, name] of PER_SCHEME_FIXED) {
    imp
      .occ(dest)
      .slice(S)
      .forEach((o) =>
        imp.diag('damo-count-mismatch', 'error', `too much ${name}: there ${S === 1 ? 'is 1 scheme' : `are ${S} schemes`} (one per --damos_action)`, o.range),
      );
  }
  quotaEntries
    .slice(S)
    .forEach((q) =>
      imp.diag(
        'damo-count-mismatch',
        'error',
        `too much --damos_quotas: there ${S === 1 ? 'is 1 scheme' : `are ${S} schemes`}${q.occ.spec.dest === 'damos_quota_interval' ? ' (each --damos_quota_interval makes one quota)' : ''}`,
        q.occ.range,
      ),
    );
  for (const [dest, name] of [
    ['damos_quota_goal_tuner', '--damos_quota_goal_tuner'],
    ['damos_quota_fail_charge_ratio', '--damos_quota_fail_charge_ratio'],
  ]) {
    imp
      .occ(dest)
      .slice(S)
      .forEach((o) =>
        imp.diag('damo-ignored', 'warning', `extra ${name}: there ${S === 1 ? 'is 1 scheme' : `are ${S} schemes`}; damo silently ignores it`, o.range),
      );
  }
  const goalGroups = groupPerScheme(imp, 'damos_quota_goal', 'damos_nr_quota_goals', '--damos_quota_goal', '--damos_nr_quota_goals', paths, [
    'quotas',
    'goals',
  ]);
  const filterGroups = groupPerScheme(imp, 'damos_filter', 'damos_nr_filters', '--damos_filter', '--damos_nr_filters', paths, ['filters']);

  const schemes: (DcScheme | null)[] = [];
  for (let s = 0; s < S; s++) {
    schemes.push(buildScheme(imp, s, paths[s], actionOccs[s], quotaEntries[s], goalGroups[s] ?? [], filterGroups[s] ?? []));
  }
  return schemes;
}

/**
 * Cuts the occurrences of a per-scheme list option by its count option (damo's running sums).
 * When damo would refuse the counts, the config uses the counts by position (each option belongs
 * to the --damos_action written before it) and a quick fix offers them.
 */
export function groupPerScheme(
  imp: Importer,
  dest: string,
  countDest: string,
  name: string,
  countName: string,
  paths: (ConfigPath | null)[],
  sub: string[],
): OptionOccurrence[][] {
  const items = imp.occ(dest);
  const actions = imp.occ('damos_action');
  const S = actions.length;
  if (S === 0) return [];
  const byPosition = new Array<number>(S).fill(0);
  for (const it of items) {
    let owner = 0;
    actions.forEach((a, i) => {
      if (a.range.start < it.range.start) owner = i;
    });
    byPosition[owner]++;
  }
  const given = imp.intList(countDest);
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
        imp.diag(
          'damo-ignored',
          'warning',
          `${countName} has ${given.values.length} values for ${S} scheme${S === 1 ? '' : 's'}; damo ignores the extra ones`,
          given.occ.args[S]?.range ?? given.occ.range,
        );
      }
      if (items.length > 0 && counts.slice(0, S).some((c, i) => c !== byPosition[i])) {
        imp.diag(
          'damo-count-order',
          'warning',
          `${countName} ${counts.slice(0, S).join(' ')} assigns ${name} options to schemes differently from where they are written (by position: ${byPosition.join(' ')}); damo follows the counts`,
          given.occ.range,
        );
      }
    }
  }
  if (problem) {
    const fixText = byPosition.join(' ');
    const edits: TextEdit[] = given
      ? [{ range: { start: given.occ.args[0]?.range.start ?? given.occ.nameRange.end, end: given.occ.range.end }, newText: fixText }]
      : [{ range: { start: imp.cmd.range.end, end: imp.cmd.range.end }, newText: ` ${countName} ${fixText}` }];
    imp.diag(
      'damo-count-mismatch',
      'error',
      `${problem}. The imported config uses the counts by position: ${fixText}`,
      given?.occ.range ?? items[0]?.range ?? imp.cmd.damoWord.range,
      { fixes: [{ title: `Set ${countName} ${fixText} (by position)`, edits, preferred: true }] },
    );
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
    if (p && mine.length) imp.markPath([...p, ...sub], { start: mine[0].range.start, end: mine[mine.length - 1].range.end });
    else if (given && p) imp.markPath([...p, ...sub], given.occ.args[s]?.range ?? given.occ.range);
  }
  return groups;
}

export function buildScheme(
  imp: Importer,
  s: number,
  path: ConfigPath | null,
  actionOcc: OptionOccurrence,
  quota: QuotaEntry | undefined,
  goals: OptionOccurrence[],
  filters: OptionOccurrence[],
): DcScheme {
  const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
  imp.markPath(path, actionOcc.range);
  imp.created.set(actionOcc, path ?? []);
  const at = (d: string) => imp.occ(d)[s];

  // action
  const aw = actionOcc.args;
  const action = aw[0]?.text ?? 'stat';
  if (aw[0]) imp.markPath(sub('action'), aw[0].range);
  if (aw[0]?.dynamic) imp.noteDynamic(sub('action'));
  if (aw[0] && !aw[0].dynamic && !DAMOS_ACTIONS.includes(action)) {
    imp.diag('damo-invalid-value', 'error', `wrong damos action: ${action} (one of ${DAMOS_ACTIONS.join(', ')})`, aw[0].range);
    if (path) imp.diagnosedPaths.push([...path, 'action']);
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
        imp.diag(
          'damo-dynamic-value',
          'information',
          `target node "${extra[0].text}" is only known when the script runs (${extra[0].dynamic}); not checked`,
          extra[0].range,
        );
        imp.noteDynamic(sub('target_nid'));
      } else if (nid === undefined) {
        imp.diag(
          'damo-invalid-value',
          'error',
          `"${action}" action require a numeric target_nid or dests arguments ("${extra[0].text}" is not an integer)`,
          extra[0].range,
        );
        if (path) imp.diagnosedPaths.push([...path, 'target_nid']);
      }
      scheme.target_nid = nid ?? extra[0].text;
      imp.markPath(sub('target_nid'), extra[0].range);
    } else if (extra.length > 1) {
      if (extra.length % 2 !== 0) {
        imp.diag(
          'damo-invalid-value',
          'error',
          `"${action}" action require a numeric target_nid or dests arguments (destinations come in <node id> <weight> pairs; got ${extra.length} words)`,
          { start: extra[0].range.start, end: extra[extra.length - 1].range.end },
        );
      }
      scheme.dests = [];
      for (let j = 0; j + 1 < extra.length; j += 2) {
        const d = scheme.dests.length;
        imp.markPath(sub('dests', d), { start: extra[j].range.start, end: extra[j + 1].range.end });
        scheme.dests.push({
          id: imp.value('nr', extra[j], sub('dests', d, 'id'), 0, 'destination node id'),
          weight: imp.value('nr', extra[j + 1], sub('dests', d, 'weight'), 0, 'destination weight'),
        });
      }
    }
  } else if (extra.length > 0) {
    const looksTarget = extra.some((w) => /^(paddr|vaddr|fvaddr|\d+)$/.test(w.text) || w.text.includes(' '));
    imp.diag(
      'damo-extra-argument',
      'error',
      `--damos_action ${action} takes no further arguments (damo v3.3 crashes on them: "Wrong number of --damos_action arguments")${looksTarget ? `; if "${extra.map((w) => w.text).join(' ')}" is the monitoring target, put it before the options: --damos_action takes every following word` : ''}`,
      { start: extra[0].range.start, end: extra[extra.length - 1].range.end },
    );
  }

  // access pattern: one option per range, each "min max"
  const patterns = [
    ['damos_sz_region', 'sz_bytes', 'bytes'],
    ['damos_access_rate', 'nr_accesses', 'percent'],
    ['damos_age', 'age', 'us'],
  ] as const;
  for (const [opt, key, kind] of patterns) {
    const occ = at(opt);
    if (!occ) continue;
    imp.markPath(sub('access_pattern', key), occ.range);
    scheme.access_pattern[key] = {
      min: imp.value(kind, occ.args[0], sub('access_pattern', key, 'min'), 0, `--${opt} min`),
      max: imp.value(kind, occ.args[1], sub('access_pattern', key, 'max'), 'max', `--${opt} max`),
    };
  }
  imp.markPath(sub('access_pattern'), actionOcc.range, true);
  const ai = at('damos_apply_interval');
  if (ai) {
    scheme.apply_interval_us = imp.value('us', ai.args[0], sub('apply_interval_us'), 0, '--damos_apply_interval');
    imp.markPath(sub('apply_interval_us'), ai.range);
  }

  // quotas (damos_options_to_quotas): goals, tuner and fail charge ratio only come with a quota
  const tunerOcc = at('damos_quota_goal_tuner');
  const fcrOcc = at('damos_quota_fail_charge_ratio');
  if (quota) {
    const q = scheme.quotas;
    const qp = sub('quotas');
    imp.markPath(qp, quota.occ.range);
    if (quota.words.length > 6) {
      imp.diag(
        'damo-extra-argument',
        'error',
        `Wrong --damos_quotas (>6 parameters): <time ms> [<size> [<reset interval ms> [<sz weight> [<nr_accesses weight> [<age weight>]]]]]`,
        { start: quota.words[6]!.range.start, end: quota.occ.range.end },
      );
    }
    const w = quota.words;
    const def = quota.defaults;
    const dv = (i: number, kind: Exclude<ValueKind, 'bool'>): DcValue => {
      const r = parseByKind(kind, def[i]);
      return r.ok ? (r.v.special === 'max' ? 'max' : r.v.value) : 0;
    };
    q.time_ms = imp.value('ms', w[0], sub('quotas', 'time_ms'), dv(0, 'ms'), 'time quota');
    q.sz_bytes = imp.value('bytes', w[1], sub('quotas', 'sz_bytes'), dv(1, 'bytes'), 'size quota');
    q.reset_interval_ms = imp.value('ms', w[2], sub('quotas', 'reset_interval_ms'), dv(2, 'ms'), 'quota reset interval');
    q.weights = {
      sz_permil: imp.value('permil', w[3], sub('quotas', 'weights', 'sz_permil'), dv(3, 'permil'), 'size weight'),
      nr_accesses_permil: imp.value('permil', w[4], sub('quotas', 'weights', 'nr_accesses_permil'), dv(4, 'permil'), 'access rate weight'),
      age_permil: imp.value('permil', w[5], sub('quotas', 'weights', 'age_permil'), dv(5, 'permil'), 'age weight'),
    };
    if (quota.occ.spec.dest === 'damos_quota_interval') {
      const wOcc = imp.occ('damos_quota_weights')[imp.occ('damos_quota_interval').indexOf(quota.occ)];
      if (wOcc) imp.markPath(sub('quotas', 'weights'), wOcc.range);
    }
    goals.forEach((g, gi) => {
      const goal = buildGoal(imp, g, sub('quotas', 'goals', gi));
      if (goal) q.goals.push(goal);
    });
    if (tunerOcc?.args[0]) {
      q.goal_tuner = tunerOcc.args[0].text;
      imp.markPath(sub('quotas', 'goal_tuner'), tunerOcc.range);
    }
    if (fcrOcc) {
      imp.markPath(sub('quotas', 'fail_charge_num'), fcrOcc.args[0]?.range ?? fcrOcc.range);
      imp.markPath(sub('quotas', 'fail_charge_denom'), fcrOcc.args[1]?.range ?? fcrOcc.range);
      q.fail_charge_num = imp.value('nr', fcrOcc.args[0], sub('quotas', 'fail_charge_num'), 0, 'fail charge numerator');
      q.fail_charge_denom = imp.value('nr', fcrOcc.args[1], sub('quotas', 'fail_charge_denom'), 0, 'fail charge denominator');
    }
  } else {
    const lost = [...goals, ...(tunerOcc ? [tunerOcc] : []), ...(fcrOcc ? [fcrOcc] : [])];
    for (const o of lost) {
      imp.diag(
        'damo-ignored',
        'warning',
        `${o.spec.names[0]} belongs to scheme ${s}, which has no --damos_quota_interval or --damos_quotas; damo silently drops it`,
        o.range,
      );
    }
  }

  // watermarks
  const wm = at('damos_wmarks');
  if (wm) {
    imp.markPath(sub('watermarks'), wm.range);
    const metric = wm.args[0]?.text ?? 'none';
    if (wm.args[0] && !wm.args[0].dynamic && metric !== 'none' && metric !== 'free_mem_rate') {
      imp.diag('damo-invalid-value', 'error', `wrong watermark metric (${metric}): none or free_mem_rate`, wm.args[0].range);
      if (path) imp.diagnosedPaths.push([...path, 'watermarks', 'metric']);
    }
    if (wm.args[0]) imp.markPath(sub('watermarks', 'metric'), wm.args[0].range);
    const wmk: DcWatermarks = {
      metric,
      interval_us: imp.value('us', wm.args[1], sub('watermarks', 'interval_us'), 0, 'watermarks interval'),
      high_permil: imp.value('permil', wm.args[2], sub('watermarks', 'high_permil'), 0, 'high watermark'),
      mid_permil: imp.value('permil', wm.args[3], sub('watermarks', 'mid_permil'), 0, 'mid watermark'),
      low_permil: imp.value('permil', wm.args[4], sub('watermarks', 'low_permil'), 0, 'low watermark'),
    };
    scheme.watermarks = wmk;
  }

  // filters
  scheme.filters = buildFilters(imp, filters, sub('filters'));

  // damo's key order: action, dests, target_nid, access_pattern, ...
  const { action: _a, target_nid, dests, ...rest } = scheme;
  const ordered: DcScheme = { action: _a, ...(dests ? { dests } : {}), ...(target_nid !== undefined ? { target_nid } : {}), ...rest };
  Object.keys(scheme).forEach((k) => delete (scheme as unknown as Record<string, unknown>)[k]);
  Object.assign(scheme, ordered);

  const ms = at('damos_max_nr_snapshots');
  if (ms)
    imp.diag(
      'damo-not-in-config',
      'warning',
      '--damos_max_nr_snapshots has no config-file key (damo ignores "stats" in files); the imported config leaves it out',
      ms.range,
    );
  return scheme;
}
