/** The machine profile as the rules read it: which node a context monitors, a node by id. */
import type { KContext } from '../model/kernel';
import type { MachineProfile } from '../profile';

/** Which NUMA node a context monitors, from its paddr regions and the profile's node ranges. */
export function monitoredNode(c: KContext, profile: MachineProfile | undefined): number | undefined {
  if (!profile || c.ops !== 'paddr') return undefined;
  const bytes = new Map<number, number>();
  for (const t of c.targets) {
    for (const r of t.regions) {
      for (const n of profile.nodes) {
        for (const nr of n.ranges) {
          const lo = Math.max(r.start, nr.start);
          const hi = Math.min(r.end, nr.end);
          if (hi > lo) bytes.set(n.nid, (bytes.get(n.nid) ?? 0) + (hi - lo));
        }
      }
    }
  }
  let best: number | undefined;
  let bestBytes = 0;
  for (const [nid, b] of bytes) if (b > bestBytes) [best, bestBytes] = [nid, b];
  return best;
}

export function profileNode(profile: MachineProfile | undefined, nid: number) {
  return profile?.nodes.find((n) => n.nid === nid);
}
