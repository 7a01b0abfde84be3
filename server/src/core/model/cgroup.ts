/**
 * The one cgroup-path normalizer: the cgroup a path names, as a canonical absolute path
 * ("/a//b/" and "/a/./c/../b" -> "/a/b"). The kernel itself compares paths literally (a
 * non-canonical path names no cgroup: ENOMEM at `on`); the memcg-path-form rule says so and offers
 * this form as its fix, and every comparison of two paths (filters vs goals, profile cgroups) uses it.
 */
export function normalizeCgroupPath(p: string): string {
  // the rules ask for the same few paths many times on every check: a path already in canonical form
  // ('/' and segments without '.' or empty ones) is its own answer, found without allocating
  if (isCanonical(p)) return p;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

function isCanonical(p: string): boolean {
  if (p.charCodeAt(0) !== 47) return false;
  if (p.length === 1) return true;
  if (p.charCodeAt(p.length - 1) === 47) return false;
  let segStart = 1;
  for (let i = 1; i <= p.length; i++) {
    if (i < p.length && p.charCodeAt(i) !== 47) continue;
    const len = i - segStart;
    // empty, '.' or '..'
    if (len === 0 || (p.charCodeAt(segStart) === 46 && (len === 1 || (len === 2 && p.charCodeAt(segStart + 1) === 46)))) return false;
    segStart = i + 1;
  }
  return true;
}
