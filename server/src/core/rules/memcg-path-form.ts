import type { ConfigPath } from '../diagnostic';
import type { Rule, RuleContext } from './types';
import { config, QUOTAS } from './examples';
import { memcgPaths } from './walk';
import { normalizeCgroupPath } from '../model/cgroup';
import { scalarText } from './edits';

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
      message: `cgroup path "${p}" is not in the kernel's form: the kernel compares cgroup paths literally, finds no cgroup named "${p}" and refuses to start with ENOMEM; write "${fixed}"`,
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
The kernel finds the cgroup by comparing the path with each cgroup's own path literally, so a trailing "/" ("/wa/"), a doubled "/" ("//wa") or a "." component names no cgroup either: the start fails with ENOMEM (measured on 7.2.13 for "/wa/" and "//wa" with /wa existing). The quick fix writes the normalized path.`,
  check(ctx) {
    for (const { memcgPath, path } of memcgPaths(ctx)) checkPath(ctx, memcgPath, path);
  },
  examples: {
    pass: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workloads/b, target_value: 69.7%, current_value: 0}]}, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /workloads/b}]}`,
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: workloads/b, target_value: 69.7%, current_value: 0}]}}`,
        ],
      }),
      config({ schemes: [`{action: migrate_hot, target_nid: 0, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /workloads/b/}]}`] }),
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: //workloads/b, target_value: 69.7%, current_value: 0}]}}`,
        ],
      }),
    ],
    reports: [
      [{ at: 'workloads/b', message: 'cgroup path "workloads/b" is relative: the kernel looks it up from' }],
      [{ at: '/workloads/b/', message: 'cgroup path "/workloads/b/" is not in the kernel\'s form: the kernel' }],
      [{ at: '//workloads/b', message: 'cgroup path "//workloads/b" is not in the kernel\'s form: the kernel' }],
    ],
  },
};
