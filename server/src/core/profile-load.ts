/**
 * Machine profile files (YAML or JSON):
 *
 *   name: seed-vm
 *   kernel: "7.2"
 *   nodes:
 *     - {nid: 0, size: 30 GiB, ranges: [{start: 0, end: 3 GiB}, {start: 4 GiB, end: 31 GiB}]}
 *     - {nid: 1, size: 30 GiB, ranges: [{start: 31 GiB, end: 61 GiB}], speed: 2}
 *   cgroups: [/workload_a, /workload_b, /workload_b/sub]
 *   cgroups_without_memory: [/workload_b/sub]   # optional: no +memory in the parent's subtree_control
 *
 * Sizes and addresses take damo's size strings. The deploy probe writes the same shape.
 */
import type { CoreDiagnostic } from './diagnostic';
import { mapGet, parseJson, parseYaml, formatFor, type SNode } from './parse/tree';
import type { MachineProfile, ProfileNode } from './profile';
import { formatBytes, parseBytes, parseNr } from './model/units';

const KNOWN_TOP = new Set(['name', 'kernel', 'nodes', 'cgroups', 'cgroups_without_memory']);
const KNOWN_NODE = new Set(['nid', 'size', 'ranges', 'speed', 'cpus']);

export function loadProfile(text: string, fileName?: string): { profile: MachineProfile | null; diagnostics: CoreDiagnostic[] } {
  const diagnostics: CoreDiagnostic[] = [];
  const src = formatFor(fileName, text) === 'json' ? parseJson(text) : parseYaml(text)[0];
  diagnostics.push(...src.diagnostics);
  const root = src.root;
  if (!root || root.kind !== 'map') {
    if (!diagnostics.length) diagnostics.push({ code: 'profile', severity: 'error', message: 'a machine profile is a mapping with "nodes" (and optionally "name", "kernel", "cgroups")', range: { start: 0, end: Math.min(1, text.length) } });
    return { profile: null, diagnostics };
  }
  const err = (node: SNode, message: string) => diagnostics.push({ code: 'profile', severity: 'error', message, range: node.range });
  for (const p of root.pairs) if (!KNOWN_TOP.has(String(p.key.value))) err(p.key, `unknown profile key "${p.key.value}" (expected name, kernel, nodes, cgroups, cgroups_without_memory)`);
  const bytes = (n: SNode | null | undefined, what: string): number | undefined => {
    if (!n || n.kind !== 'scalar') return undefined;
    const r = parseBytes(n.value);
    if (!r.ok) {
      err(n, `${what}: ${r.error}`);
      return undefined;
    }
    return r.v.value;
  };
  const nodes: ProfileNode[] = [];
  const nodesNode = mapGet(root, 'nodes');
  if (!nodesNode || nodesNode.kind !== 'seq') {
    err(nodesNode ?? root, 'a machine profile needs "nodes": a list of {nid, size, ranges}');
  } else {
    for (const n of nodesNode.items) {
      if (n.kind !== 'map') {
        err(n, 'a node is a mapping {nid, size, ranges}');
        continue;
      }
      for (const p of n.pairs) if (!KNOWN_NODE.has(String(p.key.value))) err(p.key, `unknown node key "${p.key.value}" (expected nid, size, ranges, speed, cpus)`);
      const nidNode = mapGet(n, 'nid');
      const nidR = nidNode && nidNode.kind === 'scalar' ? parseNr(nidNode.value) : undefined;
      if (!nidR || !nidR.ok || !Number.isInteger(nidR.v.value) || nidR.v.value < 0) {
        err(nidNode ?? n, 'each node needs "nid", a node number');
        continue;
      }
      const ranges: { start: number; end: number }[] = [];
      const rs = mapGet(n, 'ranges');
      if (rs && rs.kind === 'seq') {
        for (const r of rs.items) {
          const start = bytes(mapGet(r, 'start'), 'range start');
          const end = bytes(mapGet(r, 'end'), 'range end');
          if (start === undefined || end === undefined) err(r, 'a range is {start, end}');
          else if (end <= start) err(r, 'a range must end after it starts');
          else ranges.push({ start, end });
        }
      }
      let sizeBytes = bytes(mapGet(n, 'size'), 'size');
      if (sizeBytes === undefined) sizeBytes = ranges.reduce((s, r) => s + (r.end - r.start), 0);
      const node: ProfileNode = { nid: nidR.v.value, sizeBytes, ranges };
      const speed = mapGet(n, 'speed');
      if (speed && speed.kind === 'scalar' && typeof speed.value === 'number') node.speed = speed.value;
      const cpus = mapGet(n, 'cpus');
      if (cpus && cpus.kind === 'scalar' && typeof cpus.value === 'number') node.cpus = cpus.value;
      if (nodes.some((x) => x.nid === node.nid)) err(nidNode!, `node ${node.nid} is listed twice`);
      nodes.push(node);
    }
  }
  // absent "cgroups" = not known; "cgroups: []" = known to have none (both stay distinct)
  let cgroups: string[] | undefined;
  const cg = mapGet(root, 'cgroups');
  if (cg && cg.kind !== 'seq') err(cg, 'cgroups is a list of cgroup v2 paths like "/workload_a" ([] when the machine has none)');
  else if (cg && cg.kind === 'seq') {
    cgroups = [];
    for (const c of cg.items) {
      if (c.kind === 'scalar' && typeof c.value === 'string' && c.value.startsWith('/')) cgroups.push(c.value);
      else err(c, 'cgroups are absolute cgroup v2 paths like "/workload_a"');
    }
  }
  const profile: MachineProfile = { nodes, ...(cgroups ? { cgroups } : {}) };
  const nm = mapGet(root, 'cgroups_without_memory');
  if (nm) {
    const without: string[] = [];
    if (nm.kind !== 'seq') err(nm, 'cgroups_without_memory is a list of cgroup v2 paths like "/workload_a/sub"');
    else {
      for (const c of nm.items) {
        if (c.kind === 'scalar' && typeof c.value === 'string' && c.value.startsWith('/')) without.push(c.value);
        else err(c, 'cgroups_without_memory lists absolute cgroup v2 paths like "/workload_a/sub"');
      }
    }
    profile.cgroupsWithoutMemory = without;
  }
  const name = mapGet(root, 'name');
  if (name && name.kind === 'scalar' && name.value !== null) profile.name = String(name.value);
  const kernel = mapGet(root, 'kernel');
  if (kernel && kernel.kind === 'scalar' && kernel.value !== null) profile.kernel = String(kernel.value);
  return { profile: diagnostics.some((d) => d.severity === 'error') ? null : profile, diagnostics };
}

/** Profile -> YAML text (the probe's output). */
export function profileToYaml(p: MachineProfile): string {
  const lines: string[] = [];
  if (p.name) lines.push(`name: ${JSON.stringify(p.name)}`);
  if (p.kernel) lines.push(`kernel: ${JSON.stringify(p.kernel)}`);
  lines.push('nodes:');
  for (const n of p.nodes) {
    const ranges = n.ranges.map((r) => `{start: ${r.start}, end: ${r.end}}`).join(', ');
    const extra = `${n.speed !== undefined ? `, speed: ${n.speed}` : ''}${n.cpus !== undefined ? `, cpus: ${n.cpus}` : ''}`;
    lines.push(`  - {nid: ${n.nid}, size: ${n.sizeBytes}, ranges: [${ranges}]${extra}}  # ${formatBytes(n.sizeBytes)}`);
  }
  if (p.cgroups) lines.push(`cgroups: [${p.cgroups.map((c) => JSON.stringify(c)).join(', ')}]${p.cgroups.length ? '' : '  # no child cgroups'}`);
  if (p.cgroupsWithoutMemory) lines.push(`cgroups_without_memory: [${p.cgroupsWithoutMemory.map((c) => JSON.stringify(c)).join(', ')}]  # no memory controller`);
  return `${lines.join('\n')}\n`;
}
