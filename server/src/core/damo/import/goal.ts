/** One --damos_quota_goal: metric, target value, current value, nid/memcg path. */
import type { ConfigPath, OffsetRange } from '../../diagnostic';
import type { ValueKind } from '../../model/units';
import type { ArgWord, OptionOccurrence } from '../options';
import { BP_METRICS, GOAL_METRICS, MEMCG_METRICS, NID_METRICS, type DcGoal } from '../model';
import type { Importer } from '../import';

/** damos_options_to_quota_goal() */
export function buildGoal(imp: Importer, g: OptionOccurrence, path: ConfigPath | null): DcGoal | null {
  const sub = (...p: (string | number)[]): ConfigPath | null => (path ? [...path, ...p] : null);
  imp.markPath(path, g.range);
  imp.created.set(g, path ?? []);
  const w = g.args;
  const usage =
    'forms: user_input <target> <current> | some_mem_psi_us <target> | node_mem_{used,free}_bp <target> <nid> | node_memcg_{used,free}_bp <target> <nid> <memcg path> | {active,inactive}_mem_bp <target> | node_eligible_mem_bp <target>';
  if (w.length < 2 || w.length > 4) {
    imp.diag(
      w.length < 2 ? 'damo-missing-argument' : 'damo-extra-argument',
      'error',
      `Wrong --damos_quota_goal (${w.map((x) => x.text).join(' ')}): 2 to 4 words; ${usage}`,
      g.range,
    );
    if (w.length < 2) {
      if (path) imp.diagnosedPaths.push(path);
      return w[0] ? { metric: w[0].text, target_value: 0, current_value: 0 } : null;
    }
  }
  const metric = w[0].text;
  imp.markPath(sub('metric'), w[0].range);
  if (w[0].dynamic) imp.noteDynamic(sub('metric'));
  if (!w[0].dynamic && !GOAL_METRICS.includes(metric)) {
    imp.diag('damo-invalid-value', 'error', `unsupported DAMOS quota goal metric "${metric}" (one of ${GOAL_METRICS.join(', ')})`, w[0].range);
    if (path) imp.diagnosedPaths.push(path);
  }
  const opt = w.slice(2);
  const goal: DcGoal = { metric, target_value: 0, current_value: 0 };
  const targetKind: Exclude<ValueKind, 'bool'> = metric === 'some_mem_psi_us' ? 'us' : BP_METRICS.includes(metric) ? 'bp' : 'nr';
  goal.target_value = imp.value(targetKind, w[1], sub('target_value'), 0, `${metric} target value`);
  if (metric === 'node_eligible_mem_bp' && w[1] && /%\s*$/.test(w[1].text)) {
    // value() already reported the error; say why
    imp.diag(
      'damo-invalid-value',
      'information',
      'damo v3.3 reads node_eligible_mem_bp targets with text_to_nr: give raw basis points (e.g. 5000 for 50%)',
      w[1].range,
    );
  }
  const range = (a: ArgWord[]): OffsetRange => (a.length ? { start: a[0].range.start, end: a[a.length - 1].range.end } : g.range);
  if (NID_METRICS.includes(metric)) {
    const need = MEMCG_METRICS.includes(metric) ? 2 : 1;
    if (opt.length !== need) {
      const msg = need === 2 ? 'nid and memcg_path required' : 'nid is not given or something else is given';
      imp.diag(
        opt.length < need ? 'damo-missing-argument' : 'damo-extra-argument',
        'error',
        `${msg}: ${metric} <target> <nid>${need === 2 ? ' <memcg path>' : ''} (damo refuses the command)`,
        opt.length ? range(opt) : g.range,
        path ? { path } : {},
      );
    }
    if (opt[0]) goal.nid = imp.value('nr', opt[0], sub('nid'), 0, `${metric} nid`);
    if (need === 2 && opt[1]) {
      goal.memcg_path = opt[1].text;
      imp.markPath(sub('memcg_path'), opt[1].range);
      if (opt[1].dynamic) {
        imp.diag(
          'damo-dynamic-value',
          'information',
          `memcg path "${opt[1].text}" is only known when the script runs (${opt[1].dynamic}); not checked`,
          opt[1].range,
        );
        imp.noteDynamic(sub('memcg_path'));
      }
    }
  } else if (metric === 'user_input') {
    if (opt.length !== 1) {
      imp.diag(
        opt.length < 1 ? 'damo-missing-argument' : 'damo-extra-argument',
        'error',
        'current value is not given or something else is given: user_input <target> <current value> (damo refuses the command)',
        opt.length ? range(opt) : g.range,
        path ? { path } : {},
      );
    }
    if (opt[0]) goal.current_value = imp.value('nr', opt[0], sub('current_value'), 0, 'user_input current value');
  } else if (opt.length > 0) {
    imp.diag('damo-extra-argument', 'warning', `${metric} takes only a target value; damo ignores "${opt.map((x) => x.text).join(' ')}"`, range(opt));
  }
  // damo's key order: metric, nid, memcg_path, target_value, current_value
  const { nid, memcg_path, target_value, current_value } = goal;
  return { metric, ...(nid !== undefined ? { nid } : {}), ...(memcg_path !== undefined ? { memcg_path } : {}), target_value, current_value };
}
