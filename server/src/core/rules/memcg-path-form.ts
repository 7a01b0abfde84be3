import type { ConfigPath } from '../diagnostic';
import type { Rule, RuleContext } from './types';
import { config, QUOTAS } from './examples';
import { filtersOf, goals, normalizeCgroupPath, scalarText, schemes } from './lib';

function checkPath(ctx: RuleContext, p: string, path: ConfigPath): void {
  const fixed = normalizeCgroupPath(p);
  if (p === fixed && !/[\n\r\0]/.test(p)) return; // the common case: nothing to look up
  const node = ctx.node(path);
  if (!node) return;
  if (/[\n\r\0]/.test(p)) {
    ctx.report({ path, message: 'a cgroup path cannot contain a newline or NUL byte' });
    return;
  }
  if (!p.startsWith('/')) {
    ctx.report({
      path,
      message: `cgroup path "${p}" is relative: the kernel looks it up from the cgroup root and fails to start with ENOMEM; write "${fixed}"`,
      fixes: [{ title: `Add the leading "/" ("${fixed}")`, edits: [{ range: node.range, newText: scalarText(ctx, path, fixed) }], preferred: true }],
    });
  } else if (fixed !== p) {
    ctx.report({
      path,
      severity: 'warning',
      message: `cgroup path "${p}" is not normalized; the kernel compares paths literally, write "${fixed}"`,
      fixes: [{ title: `Normalize to "${fixed}"`, edits: [{ range: node.range, newText: scalarText(ctx, path, fixed) }], preferred: true }],
    });
  }
}

export const rule: Rule = {
  id: 'memcg-path-form',
  severity: 'error',
  title: 'cgroup paths must be absolute and normalized',
  explanation: `Quota goal \`memcg_path\` and memcg filter \`memcg_path\` name a cgroup from the cgroup (v2) mount root, e.g. "/workload_a".
A relative path ("workloads/b", as in the seed RFC's first command) is not found, and the kernel refuses to start the kdamond with ENOMEM; damo does not check it.
Paths with "//", "." or a trailing "/" are compared literally by the kernel's lookup.`,
  check(ctx) {
    for (const { goal, path } of goals(ctx)) if (goal.path) checkPath(ctx, goal.path, [...path, 'memcg_path']);
    for (const ref of schemes(ctx)) {
      for (const { filter, path } of filtersOf(ref)) if (filter.type === 'memcg' && filter.memcgPath) checkPath(ctx, filter.memcgPath, [...path, 'memcg_path']);
    }
  },
  examples: {
    pass: [config({ schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workloads/b, target_value: 69.7%, current_value: 0}]}, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /workloads/b}]}`] })],
    fail: [
      config({ schemes: [`{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: workloads/b, target_value: 69.7%, current_value: 0}]}}`] }),
      config({ schemes: [`{action: migrate_hot, target_nid: 0, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /workloads/b/}]}`] }),
    ],
    reports: [
      [{ at: 'workloads/b', message: 'cgroup path "workloads/b" is relative' }],
      [{ at: '/workloads/b/', message: 'cgroup path "/workloads/b/" is not normalized' }],
    ],
  },
};
