/**
 * Machine profile: what the validator, the simulator and the deploy probe know
 * about a host. Sizes and addresses are bytes.
 */
export interface ProfileNode {
  nid: number;
  /** memory of the node in bytes (MemTotal of the node) */
  sizeBytes: number;
  /** physical address ranges [start, end) that belong to the node */
  ranges: { start: number; end: number }[];
  /** optional relative CPU speed of the node's cores (1 = a modern server core): the simulator prices the kdamond's sampling with it */
  speed?: number;
  cpus?: number;
}

export interface MachineProfile {
  name?: string;
  /** kernel release, e.g. "7.2" or "7.2.13+deb14-cloud-amd64" */
  kernel?: string;
  nodes: ProfileNode[];
  /**
   * cgroup v2 paths, absolute, e.g. "/workload_a" (the root "/" always exists and need not be
   * listed). Absent = not known (a hand-written profile without "cgroups", or a host without
   * cgroup v2); [] = known: the machine has no child cgroups.
   */
  cgroups?: string[];
  /**
   * cgroups (of `cgroups`) whose parent does not enable the memory controller (no "+memory" in
   * the parent's cgroup.subtree_control, so no memory.current): DAMON cannot measure or filter
   * them (goals and memcg filters on them fail the start with ENOMEM). Absent = not known (a
   * hand-written profile): every cgroup is taken to have it. The probe always records it.
   */
  cgroupsWithoutMemory?: string[];
}
