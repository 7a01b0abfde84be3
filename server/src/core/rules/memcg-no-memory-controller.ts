import type { ConfigPath } from '../diagnostic';
import type { Rule } from './types';
import { config, QUOTAS, SEED_PROFILE } from './examples';
import { memcgPaths } from './walk';
import { normalizeCgroupPath } from '../model/cgroup';

const PROFILE = SEED_PROFILE.replace(
  'cgroups: [/workload_a, /workload_b]',
  'cgroups: [/workload_a, /workload_a/sub, /workload_b]\ncgroups_without_memory: [/workload_a/sub]',
);

export const rule: Rule = {
  id: 'memcg-no-memory-controller',
  severity: 'error',
  title: 'A cgroup without the memory controller',
  explanation: `DAMON measures (quota goals node_memcg_used_bp / node_memcg_free_bp) and filters (memcg filters) cgroups through their memory cgroup. A cgroup exists without one when its parent does not enable the controller: \`+memory\` is missing from the parent's \`cgroup.subtree_control\` (the cgroup then has no \`memory.current\`). The kernel cannot find a memory cgroup for the path and refuses to start the kdamond with ENOMEM (measured on 7.2.13 with /wa/sub while /wa/cgroup.subtree_control lacked +memory; accepted once the controller was enabled). damo does not check it.
Fix it on the host: \`echo +memory > /sys/fs/cgroup/<parent>/cgroup.subtree_control\` (every ancestor must enable it too).
Checked only with a machine profile that records the cgroups without the memory controller (the probe does; a hand-written profile can list them under \`cgroups_without_memory\`).`,
  check(ctx) {
    const without = ctx.profile?.cgroupsWithoutMemory;
    if (!without || without.length === 0) return;
    const set = new Set(without.map(normalizeCgroupPath));
    const check = (p: string, path: ConfigPath, what: string) => {
      if (!p.startsWith('/')) return; // memcg-path-form reports it
      const n = normalizeCgroupPath(p);
      if (!set.has(n)) return;
      const parent = n.slice(0, n.lastIndexOf('/')) || '/';
      ctx.report({
        path,
        message: `cgroup "${n}" has no memory controller on ${ctx.profile?.name ?? 'the profiled machine'} ("+memory" is not in ${parent === '/' ? '' : parent}/cgroup.subtree_control): the kernel cannot ${what} it and refuses to start with ENOMEM`,
      });
    };
    for (const { memcgPath, path, by } of memcgPaths(ctx)) check(memcgPath, path, by === 'goal' ? 'measure' : 'filter on');
  },
  examples: {
    profile: PROFILE,
    pass: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workload_a, target_value: 9.7%, current_value: 0}]}}`,
        ],
      }),
    ],
    fail: [
      config({
        schemes: [
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workload_a/sub, target_value: 9.7%, current_value: 0}]}}`,
        ],
      }),
      config({ schemes: [`{action: migrate_hot, target_nid: 0, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /workload_a/sub}]}`] }),
    ],
    reports: [
      [{ at: '/workload_a/sub', message: 'cgroup "/workload_a/sub" has no memory controller on seed-vm' }],
      [{ at: '/workload_a/sub', message: 'cgroup "/workload_a/sub" has no memory controller on seed-vm' }],
    ],
  },
};
