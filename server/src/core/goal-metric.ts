/**
 * The quota goal metrics DAMOS measures itself, as one pure function over a usage snapshot of a
 * machine. The simulator (sim/damos.ts) and the live status of a host (host/status.ts) both call it,
 * so a simulated and a live value of the same goal mean the same thing.
 *
 * The kernel's formulas (mm/damon/core.c, damos_set_quota_goal_current_value() and helpers, v6.16 to
 * v7.2; mult_frac(x, 10000, d) is floor(x * 10000 / d) for these non-negative integers):
 * - node_mem_used_bp / node_mem_free_bp (damos_get_node_mem_bp): si_meminfo_node(nid);
 *   (totalram - freeram) or freeram, times 10000 over totalram (the node's managed memory).
 * - node_memcg_used_bp / node_memcg_free_bp (damos_get_node_memcg_used_bp): used = the memcg's
 *   NR_ACTIVE_ANON + NR_INACTIVE_ANON + NR_ACTIVE_FILE + NR_INACTIVE_FILE on the node's lruvec;
 *   used, or totalram - used, times 10000 over the node's totalram (the whole node, not the cgroup).
 *   A memcg that cannot be found (mem_cgroup_get_from_id fails: the cgroup was removed after the
 *   goal was committed) or an invalid node (invalid_mem_node) gives 0 for used and 10000 for free.
 *   There is no clamp: used cannot exceed the node's managed memory (the kernel's unsigned
 *   subtraction would wrap if it did; here free stops at 0).
 * - active_mem_bp / inactive_mem_bp (damos_get_in_active_mem_bp): global LRU active (anon + file)
 *   or inactive pages times 10000 over active + inactive.
 * - user_input: the current_value the user wrote.
 * some_mem_psi_us (a PSI delta between two windows) and node_eligible_mem_bp (the scheme's own
 * regions) need state the snapshot does not have: the simulator measures those itself, and the
 * evaluator returns null for them, as it does when the snapshot lacks an input.
 */

export interface NodeUsage {
  /** managed memory of the node (si_meminfo_node totalram; a node's MemTotal), bytes */
  totalBytes: number;
  /** free memory of the node (freeram; MemFree), bytes */
  freeBytes: number;
}

export interface UsageSnapshot {
  /** the machine's NUMA nodes by id; a goal nid that is not here is an invalid node */
  nodes: ReadonlyMap<number, NodeUsage>;
  /** a cgroup's LRU bytes (active + inactive, anon + file) on node nid; undefined when the cgroup does not exist */
  memcgNodeBytes(path: string, nid: number): number | undefined;
  /** system-wide LRU active and inactive bytes (anon + file), when known */
  lru?(): { active: number; inactive: number } | undefined;
}

export interface GoalInput {
  metric: string;
  nid: number | null;
  path: string | null;
  /** the goal's current_value (what user_input measures) */
  currentValue: number;
}

const bp = (x: number, total: number): number => Math.floor((x * 10000) / total);

/** The goal's current value as the kernel computes it, in the metric's unit; null when the snapshot cannot say. */
export function goalMetricValue(g: GoalInput, s: UsageSnapshot): number | null {
  const node = g.nid === null ? undefined : s.nodes.get(g.nid);
  const validNode = node !== undefined && node.totalBytes > 0;
  switch (g.metric) {
    case 'user_input':
      return g.currentValue;
    case 'node_mem_used_bp':
    case 'node_mem_free_bp': {
      if (!validNode) return g.metric === 'node_mem_used_bp' ? 0 : 10000;
      const free = Math.min(node.freeBytes, node.totalBytes);
      return bp(g.metric === 'node_mem_used_bp' ? node.totalBytes - free : free, node.totalBytes);
    }
    case 'node_memcg_used_bp':
    case 'node_memcg_free_bp': {
      const used = validNode && g.path !== null && g.nid !== null ? s.memcgNodeBytes(g.path, g.nid) : undefined;
      if (used === undefined) return g.metric === 'node_memcg_used_bp' ? 0 : 10000;
      return g.metric === 'node_memcg_used_bp' ? bp(used, node!.totalBytes) : bp(Math.max(0, node!.totalBytes - used), node!.totalBytes);
    }
    case 'active_mem_bp':
    case 'inactive_mem_bp': {
      const l = s.lru?.();
      if (!l || l.active + l.inactive === 0) return null;
      return bp(g.metric === 'active_mem_bp' ? l.active : l.inactive, l.active + l.inactive);
    }
    default:
      return null;
  }
}
