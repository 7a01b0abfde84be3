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
  /** cgroup v2 paths, absolute, e.g. "/workload_a" */
  cgroups: string[];
}
