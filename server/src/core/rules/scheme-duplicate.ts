import { atomOf } from '../model/filters';
import type { ConfigPath, Fix } from '../diagnostic';
import type { Rule, RuleContext } from './types';
import { config } from './examples';
import { filtersOf, schemes } from './walk';

/**
 * The edit that removes the list item at `itemPath` keeping every other byte: a block item with its
 * whole lines (and the comment lines right above it, which describe it); a flow item with the comma
 * that separates it from its neighbour.
 */
function removeItemFix(ctx: RuleContext, itemPath: ConfigPath, title: string): Fix[] {
  const list = ctx.node(itemPath.slice(0, -1));
  const index = itemPath[itemPath.length - 1];
  if (!list || list.kind !== 'seq' || typeof index !== 'number' || !list.items[index]) return [];
  const item = list.items[index];
  const t = ctx.text;
  if (list.flow || ctx.format === 'json') {
    const next = list.items[index + 1];
    const prev = list.items[index - 1];
    const range = next
      ? { start: item.range.start, end: next.range.start }
      : prev
        ? { start: prev.range.end, end: item.range.end }
        : { start: item.range.start, end: item.range.end };
    return [{ title, edits: [{ range, newText: '' }], preferred: false }];
  }
  // block: from the line of its `- ` to the line where the next item (or what follows) starts
  let start = t.lastIndexOf('\n', item.range.start - 1) + 1;
  const indent = /^[ \t]*/.exec(t.slice(start))![0];
  // comment lines directly above, at the item's indentation
  for (;;) {
    const prevStart = t.lastIndexOf('\n', start - 2) + 1;
    if (start === 0 || !new RegExp(`^${indent}#`).test(t.slice(prevStart, start))) break;
    start = prevStart;
  }
  let end = t.indexOf('\n', Math.max(item.range.end - 1, 0));
  end = end < 0 ? t.length : end + 1;
  const next = list.items[index + 1];
  if (next) {
    // up to the next item, leaving its own comment lines
    let nextStart = t.lastIndexOf('\n', next.range.start - 1) + 1;
    for (;;) {
      const prevStart = t.lastIndexOf('\n', nextStart - 2) + 1;
      if (nextStart === 0 || !new RegExp(`^${indent}#`).test(t.slice(prevStart, nextStart))) break;
      nextStart = prevStart;
    }
    end = nextStart;
  }
  return [{ title, edits: [{ range: { start, end }, newText: '' }], preferred: false }];
}

export const rule: Rule = {
  id: 'scheme-duplicate',
  severity: 'warning',
  title: 'Two schemes that act on exactly the same memory',
  explanation: `Two schemes of one context with the same action, the same access pattern and the same filter chain select exactly the same memory; they differ only in quotas or goals. That is almost always a copy-paste mistake — typically the second of a per-cgroup pair still filters on the first cgroup (as in the seed RFC's "demotion scheme for cgroup b", which filters on /workloads/a).`,
  check(ctx) {
    const seen = new Map<string, (typeof all)[number]>();
    const all = schemes(ctx);
    for (const b of all) {
      const fb = filtersOf(b);
      if (fb.length === 0) continue;
      const sig = JSON.stringify([
        b.contextPath,
        b.scheme.action,
        b.scheme.targetNid,
        b.scheme.accessPattern,
        fb.map((f) => [atomOf(f.filter).key, f.filter.matching, f.filter.allow]),
      ]);
      const a = seen.get(sig);
      if (!a) {
        seen.set(sig, b);
        continue;
      }
      ctx.report({
        path: [...b.path, 'filters'],
        onKey: true,
        message: `scheme ${b.index} has the same action, access pattern and filters as scheme ${a.index} (${fb.map((f) => atomOf(f.filter).label).join(', ')}): both act on the same memory — did you mean to filter on another cgroup?`,
        related: [{ range: ctx.rangeOf([...a.path, 'filters'], true), message: `scheme ${a.index}'s filters`, path: [...a.path, 'filters'] }],
        fixes: removeItemFix(ctx, b.path, `Remove scheme ${b.index} (the duplicate of scheme ${a.index})`),
      });
    }
  },
  examples: {
    pass: [
      config({
        schemes: [
          '{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}',
          '{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /b}]}',
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          '{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}',
          '{action: pageout, filters: [{filter_type: memcg, matching: false, allow: false, memcg_path: /a}]}',
        ],
      }),
    ],
    reports: [[{ at: 'filters', nth: 1, message: 'scheme 1 has the same action, access pattern and filters as scheme 0' }]],
  },
};
