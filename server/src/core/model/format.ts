/**
 * Human formatting that needs more than a number: node shares with the machine profile, goal metric
 * values in the metric's unit. Shared by hover, inlay hints (server/src/ide/) and the describer
 * (core/explain/); the plain number formatters are in units.ts.
 */
import type { MachineProfile } from '../profile';
import { GOAL_METRICS } from '../schema/spec';
import { formatBp, formatBytes } from './units';

/** Bytes of `bp` basis points of node `nid`, when the profile knows the node. */
export function nodeShareBytes(bp: number, nid: number | undefined | null, profile: MachineProfile | undefined): number | undefined {
  if (nid === undefined || nid === null) return undefined;
  const node = profile?.nodes.find((n) => n.nid === nid);
  return node ? (node.sizeBytes * bp) / 10000 : undefined;
}

/** "29.7 % of node 0 ≈ 8.9 GiB" for a bp value of a node metric, when the profile knows the node. */
export function nodeShare(bp: number, nid: number | undefined, profile: MachineProfile | undefined): string | undefined {
  const bytes = nodeShareBytes(bp, nid, profile);
  if (bytes === undefined) return undefined;
  return `${formatBp(bp)} of node ${nid} ≈ ${formatBytes(bytes)}`;
}

/** Format a goal metric value in the metric's unit. */
export function formatMetricValue(metric: string | undefined, value: number): string {
  const m = metric ? GOAL_METRICS.find((g) => g.name === metric) : undefined;
  if (m?.kind === 'bp' || metric === 'node_eligible_mem_bp') return formatBp(value);
  if (m?.kind === 'us') return `${value} µs`;
  return String(value);
}
