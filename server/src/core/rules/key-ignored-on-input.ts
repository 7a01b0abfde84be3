import type { SNode } from '../parse/tree';
import { schemaAt, type JSONSchema } from '../schema/spec';
import type { ConfigPath } from '../diagnostic';
import type { Rule, RuleContext } from './types';

/** `path` is one array pushed and popped along the walk (copied only into a report): no array per node */
function walk(ctx: RuleContext, node: SNode | null, path: ConfigPath, schema: JSONSchema | undefined): void {
  if (!node || !schema) return;
  if (node.kind === 'seq') {
    for (let i = 0; i < node.items.length; i++) {
      path.push(i);
      walk(ctx, node.items[i], path, schema.items as JSONSchema);
      path.pop();
    }
  }
  if (node.kind !== 'map') return;
  const props = (schema.properties ?? {}) as Record<string, JSONSchema>;
  for (const p of node.pairs) {
    const key = String(p.key.value);
    const sub = props[key];
    if (!sub) continue;
    if (sub['x-output']) {
      ctx.report({ path: [...path, key], onKey: true, message: `"${key}" is output only (damo report prints it); damo ignores it on input` });
      continue;
    }
    if (sub['x-legacy']) {
      ctx.report({
        path: [...path, key],
        onKey: true,
        severity: 'warning',
        message: `"${key}" is an old key name that damo still reads; use "${sub['x-legacy']}"`,
      });
    } else if (sub.deprecated) {
      ctx.report({ path: [...path, key], onKey: true, severity: 'warning', message: `"${key}" is a legacy key that damo ignores` });
    }
    path.push(key);
    walk(ctx, p.value, path, sub);
    path.pop();
  }
}

export const rule: Rule = {
  id: 'key-ignored-on-input',
  severity: 'information',
  title: 'Output-only or legacy keys',
  explanation: `\`damo report\` output carries keys (state, pid, stats, tried_regions, effective_sz_bytes) that damo ignores when reading a config, and old damo versions used key names (filter_pass, target_value_bp, nr_accesses_unit, age_unit) that are still read or silently ignored. A config pasted from a report keeps working, but those keys do nothing.`,
  check(ctx) {
    walk(ctx, ctx.root, [], schemaAt([]));
  },
  examples: {
    pass: ['kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]}]}]\n'],
    fail: [
      'kdamonds: [{state: on, pid: 123, contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}]}]}]\n',
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], schemes: [{action: pageout, filters: [{filter_type: anon, matching: true, filter_pass: true}]}]}]}]\n',
    ],
    reports: [
      [
        { at: 'state', message: '"state" is output only (damo report prints it); damo ignores it on input' },
        { at: 'pid', message: '"pid" is output only (damo report prints it); damo ignores it on input' },
      ],
      [{ at: 'filter_pass', message: '"filter_pass" is an old key name that damo still reads' }],
    ],
  },
};
