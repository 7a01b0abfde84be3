import type { ConfigPath } from '../diagnostic';
import { formatSince, kernelHas } from '../kernel-version';
import type { SNode } from '../parse/tree';
import { schemaAt, type JSONSchema } from '../schema/spec';
import type { Rule, RuleContext } from './types';
import { config } from './examples';

/** Features damo skips without a word when the kernel lacks their file: the setting is lost. */
const SILENT = new Set([
  'refresh_ms',
  'intervals_goal',
  'addr_unit',
  'pause',
  'probes',
  'sample_control',
  'goal_tuner',
  'fail_charge_num',
  'fail_charge_denom',
]);

/** damo 3.4.1 prints `sample_control` with its defaults in every context it writes out */
function isDamoSampleControlDefault(node: SNode): boolean {
  if (node.kind !== 'map') return false;
  for (const p of node.pairs) {
    const k = String(p.key.value);
    const v = p.value;
    if (k === 'sample_filters') {
      if (v && !(v.kind === 'seq' && v.items.length === 0) && !(v.kind === 'scalar' && v.value === null)) return false;
      continue;
    }
    if (k !== 'primitives_enabled') return false;
    if (!v || (v.kind === 'scalar' && v.value === null)) continue;
    if (v.kind !== 'map') return false;
    for (const q of v.pairs) {
      const on = q.value?.kind === 'scalar' ? q.value.value : undefined;
      const name = String(q.key.value);
      if (name === 'page_table' ? on !== true : name === 'page_fault' ? on !== false : true) return false;
    }
  }
  return true;
}

function isDefaultish(node: SNode | null, key: string): boolean {
  if (!node) return true;
  if (node.kind === 'seq') return node.items.length === 0;
  if (node.kind === 'map') return key === 'sample_control' && isDamoSampleControlDefault(node);
  const v = node.value;
  if (v === null || v === false || v === 0 || v === '0') return true;
  if (key === 'goal_tuner' && v === 'consist') return true;
  if (key === 'metric' && v === 'user_input') return true;
  if (key === 'allow' && /^(?:n|no|false)$/i.test(String(v))) return true;
  if (key === 'obsolete' && /^(?:n|no|false)$/i.test(String(v))) return true;
  return false;
}

/** `path` is one array the walk pushes to and pops from; a finding gets a copy */
function walk(ctx: RuleContext, node: SNode | null, path: ConfigPath, schema: JSONSchema | undefined): void {
  if (!node || !schema) return;
  if (node.kind === 'seq') {
    const items = schema.items as JSONSchema | undefined;
    for (let i = 0; i < node.items.length; i++) {
      path.push(i);
      walk(ctx, node.items[i], path, items);
      path.pop();
    }
    return;
  }
  if (node.kind === 'scalar') {
    const enumSince = schema['x-enum-since'] as (string | undefined)[] | undefined;
    const values = schema.enum as string[] | undefined;
    if (enumSince && values && typeof node.value === 'string') {
      const i = values.indexOf(node.value);
      const since = i >= 0 ? enumSince[i] : undefined;
      if (since && !kernelHas(ctx.kernel, since)) {
        ctx.report({
          path: [...path],
          message: `"${node.value}" needs ${formatSince(since)}; the target kernel ${ctx.kernelText} rejects it (EINVAL when damo writes it)`,
        });
      }
    }
    return;
  }
  const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
  for (const pair of node.pairs) {
    const key = String(pair.key.value);
    const sub = props[key];
    if (!sub) continue;
    const since = sub['x-since'] as string | undefined;
    if (since && !kernelHas(ctx.kernel, since) && !isDefaultish(pair.value, key)) {
      const silent = SILENT.has(key);
      ctx.report({
        path: [...path, key],
        onKey: true,
        severity: silent ? 'warning' : 'error',
        message: silent
          ? `"${key}" needs ${formatSince(since)}; on ${ctx.kernelText} damo skips it without a word, so this setting is lost`
          : `"${key}" needs ${formatSince(since)}; the target kernel ${ctx.kernelText} does not have it, so damo fails writing it`,
      });
      continue;
    }
    path.push(key);
    walk(ctx, pair.value, path, sub);
    path.pop();
  }
}

export const rule: Rule = {
  id: 'kernel-feature',
  severity: 'error',
  title: 'A feature the target kernel does not have',
  explanation: `Every key, action, goal metric and filter type is tagged with the Linux release that added it (see the table in the README). For an older target kernel (\`--kernel X.Y\`, the machine profile's kernel, or the probed host), a missing feature is an error when damo or the kernel refuses it (an unknown keyword is EINVAL; a missing file fails damo's write), and a warning when damo skips it silently (refresh_ms, intervals_goal, addr_unit, pause, probes, goal_tuner, fail-charge ratio): then the setting is lost without a word.
Also: \`allow: true\` filters need 6.14 (before, every filter rejects).`,
  check(ctx) {
    walk(ctx, ctx.root, [], schemaAt([]));
  },
  examples: {
    kernel: '6.12',
    pass: [
      config({ schemes: ['{action: migrate_cold, target_nid: 1, filters: [{filter_type: young, matching: true, allow: false}]}'] }),
      // damo 3.4.1 prints sample_control with its defaults in every context: nothing is lost
      config({ extra: ['sample_control: {primitives_enabled: {page_table: true, page_fault: false}, sample_filters: []}'] }),
    ],
    fail: [
      config({ extra: ['sample_control: {primitives_enabled: {page_table: true, page_fault: true}, sample_filters: []}'] }),
      config({
        schemes: [
          '{action: migrate_cold, target_nid: 1, quotas: {time_ms: 0, sz_bytes: 200 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}, goals: [{metric: node_memcg_free_bp, nid: 0, memcg_path: /a, target_value: 70.5%, current_value: 0}]}}',
        ],
      }),
      config({
        extra: [
          'intervals: {sample_us: 5 ms, aggr_us: 100 ms, ops_update_us: 1 s, intervals_goal: {access_bp: 4%, aggrs: 3, min_sample_us: 5 ms, max_sample_us: 10 s}}',
        ],
      }),
      config({ schemes: ['{action: pageout, filters: [{filter_type: young, matching: true, allow: true}]}'] }),
    ],
    reports: [
      [{ at: 'sample_control', message: '"sample_control" needs only damon/next (not merged); on 6.12 damo' }],
      [
        { at: 'node_memcg_free_bp', message: '"node_memcg_free_bp" needs Linux 6.19; the target kernel 6.12 rejects' },
        { at: 'memcg_path', message: '"memcg_path" needs Linux 6.19; the target kernel 6.12 does not have' },
      ],
      [{ at: 'intervals_goal', message: '"intervals_goal" needs Linux 6.15; on 6.12 damo skips it without a' }],
      [{ at: 'allow', message: '"allow" needs Linux 6.14; the target kernel 6.12 does not have it, so' }],
    ],
  },
};
