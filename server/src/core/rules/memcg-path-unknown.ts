import type { ConfigPath } from '../diagnostic';
import type { Rule } from './types';
import { config, QUOTAS, SEED_PROFILE } from './examples';
import { memcgPaths } from './walk';
import { normalizeCgroupPath } from '../model/cgroup';
import { closest } from '../util/text';

export const rule: Rule = {
  id: 'memcg-path-unknown',
  severity: 'error',
  title: 'A cgroup that does not exist on the machine',
  explanation: `A quota goal or memcg filter naming a cgroup that does not exist makes the kernel refuse to start (or commit) the kdamond with ENOMEM — the kernel masks every scheme build failure as "out of memory".
Checked when a machine profile with a cgroup list is given (\`--profile\`, or the probed host). An empty list (\`cgroups: []\`, what the probe writes for a host with no child cgroups) is a fact: then every memcg path but the root "/" is reported. A profile without "cgroups" says nothing about them and nothing is checked.`,
  check(ctx) {
    const profile = ctx.profile;
    if (!profile?.cgroups) return;
    const known = new Set(profile.cgroups.map(normalizeCgroupPath));
    const none = known.size === 0;
    known.add('/');
    const check = (p: string, path: ConfigPath) => {
      if (!p.startsWith('/')) return; // memcg-path-form reports it
      const n = normalizeCgroupPath(p);
      if (known.has(n)) return;
      const near = none
        ? undefined
        : closest(
            n,
            [...known].filter((k) => k !== '/'),
          );
      const where = profile.name ?? 'the profiled machine';
      ctx.report({
        path,
        message: `cgroup "${p}" does not exist on ${where}${none ? ` (it has no cgroups besides the root "/")` : near ? ` (did you mean "${near}"?)` : ''}; the kernel would refuse to start with ENOMEM`,
      });
    };
    for (const { memcgPath, path } of memcgPaths(ctx)) check(memcgPath, path);
  },
  examples: {
    profile: SEED_PROFILE,
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
          `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /workloads/a, target_value: 9.7%, current_value: 0}]}}`,
        ],
      }),
    ],
    reports: [[{ at: '/workloads/a', message: 'cgroup "/workloads/a" does not exist on seed-vm' }]],
  },
};
