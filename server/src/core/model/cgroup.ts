/**
 * The one cgroup-path normalizer: the cgroup a path names, as a canonical absolute path
 * ("/a//b/" and "/a/./c/../b" -> "/a/b"). The kernel itself compares paths literally (a
 * non-canonical path names no cgroup: ENOMEM at `on`); the memcg-path-form rule says so and offers
 * this form as its fix, and every comparison of two paths (filters vs goals, profile cgroups) uses it.
 */
export function normalizeCgroupPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}
