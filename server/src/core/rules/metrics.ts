/** Goal metric families the rules reason about (which metrics read a node, a cgroup, or are basis points). */
export const NODE_METRICS = new Set(['node_mem_used_bp', 'node_mem_free_bp', 'node_memcg_used_bp', 'node_memcg_free_bp', 'node_eligible_mem_bp']);
export const MEMCG_METRICS = new Set(['node_memcg_used_bp', 'node_memcg_free_bp']);
export const BP_METRICS = new Set([
  'node_mem_used_bp',
  'node_mem_free_bp',
  'node_memcg_used_bp',
  'node_memcg_free_bp',
  'active_mem_bp',
  'inactive_mem_bp',
  'node_eligible_mem_bp',
]);

/** basis points as the rules' messages write them: `29.7%` */
export const fmtPct = (bp: number): string => `${+(bp / 100).toFixed(2)}%`;
