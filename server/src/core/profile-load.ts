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
import { mapGet, nodeAtPath, parseJson, parseYaml, formatFor, toJS, type SNode } from './parse/tree';
import { readMachine } from './machine-load';
import type { MachineProfile } from './profile';
import { formatBytes } from './model/units';

const KNOWN_TOP = new Set(['name', 'kernel', 'nodes', 'cgroups', 'cgroups_without_memory']);
const KNOWN_NODE = new Set(['nid', 'size', 'ranges', 'speed', 'cpus']);

export function loadProfile(text: string, fileName?: string): { profile: MachineProfile | null; diagnostics: CoreDiagnostic[] } {
  const diagnostics: CoreDiagnostic[] = [];
  const src = formatFor(fileName, text) === 'json' ? parseJson(text) : parseYaml(text)[0];
  diagnostics.push(...src.diagnostics);
  const root = src.root;
  if (!root || root.kind !== 'map') {
    if (!diagnostics.length)
      diagnostics.push({
        code: 'profile',
        severity: 'error',
        message: 'a machine profile is a mapping with "nodes" (and optionally "name", "kernel", "cgroups")',
        range: { start: 0, end: Math.min(1, text.length) },
      });
    return { profile: null, diagnostics };
  }
  const err = (node: SNode, message: string) => diagnostics.push({ code: 'profile', severity: 'error', message, range: node.range });
  for (const p of root.pairs)
    if (!KNOWN_TOP.has(String(p.key.value))) err(p.key, `unknown profile key "${p.key.value}" (expected name, kernel, nodes, cgroups, cgroups_without_memory)`);
  const nodesNode = mapGet(root, 'nodes');
  if (nodesNode?.kind === 'seq')
    for (const n of nodesNode.items)
      if (n.kind === 'map')
        for (const p of n.pairs)
          if (!KNOWN_NODE.has(String(p.key.value))) err(p.key, `unknown node key "${p.key.value}" (expected nid, size, ranges, speed, cpus)`);
  const shape = readMachine(toJS(root) as Record<string, unknown>, (path, message) => {
    const at = nodeAtPath(root, path);
    diagnostics.push({ code: 'profile', severity: 'error', message, range: at.node?.range ?? at.pair?.key.range ?? root.range });
  });
  const profile: MachineProfile = { nodes: shape.nodes, ...(shape.cgroups ? { cgroups: shape.cgroups } : {}) };
  if (shape.cgroupsWithoutMemory) profile.cgroupsWithoutMemory = shape.cgroupsWithoutMemory;
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
  if (p.cgroupsWithoutMemory)
    lines.push(`cgroups_without_memory: [${p.cgroupsWithoutMemory.map((c) => JSON.stringify(c)).join(', ')}]  # no memory controller`);
  return `${lines.join('\n')}\n`;
}
