/**
 * The one reader of a machine description's nodes, ranges and cgroups, shared by machine profiles
 * (profile-load.ts) and scenarios (sim/scenario.ts, whose `machine` embeds a profile). It works on
 * the plain value of the parsed file, reports every problem with its path below the machine, and
 * each loader maps the path back to a place in its own source.
 *
 * Node keys: nid, size (a scenario's older name for it, sizeBytes, is accepted), ranges, speed, cpus.
 */
import type { ProfileNode } from './profile';
import { parseBytes, parseNr } from './model/units';

export type MachinePath = (string | number)[];
export type MachineReport = (path: MachinePath, message: string) => void;

export interface MachineShape {
  nodes: ProfileNode[];
  /** undefined: not known; []: known to have none */
  cgroups?: string[];
  /** present only if the description lists it */
  cgroupsWithoutMemory?: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** a size or address in bytes (a number or a damo size string), or undefined after reporting */
export function readBytes(value: unknown, path: MachinePath, what: string, report: MachineReport): number | undefined {
  if (value === undefined || (typeof value === 'object' && value !== null)) return undefined;
  const r = parseBytes(value);
  if (!r.ok) {
    report(path, `${what}: ${r.error}`);
    return undefined;
  }
  return r.v.value;
}

function readNode(n: unknown, path: MachinePath, report: MachineReport): ProfileNode | undefined {
  if (!isRecord(n)) {
    report(path, 'a node is a mapping {nid, size, ranges}');
    return undefined;
  }
  const nidR = n.nid === undefined || typeof n.nid === 'object' ? undefined : parseNr(n.nid);
  const nid = nidR?.ok ? nidR.v.value : -1;
  if (!Number.isInteger(nid) || nid < 0) {
    report(n.nid === undefined ? path : [...path, 'nid'], 'each node needs "nid", a node number');
    return undefined;
  }
  const ranges: { start: number; end: number }[] = [];
  if (Array.isArray(n.ranges)) {
    n.ranges.forEach((r: unknown, j) => {
      const here = [...path, 'ranges', j];
      const rec = isRecord(r) ? r : {};
      const start = readBytes(rec.start, [...here, 'start'], 'range start', report);
      const end = readBytes(rec.end, [...here, 'end'], 'range end', report);
      if (start === undefined || end === undefined) report(here, 'a range is {start, end}');
      else if (end <= start) report(here, `node ${nid}: a range must end after it starts`);
      else ranges.push({ start, end });
    });
  }
  const sizeKey = n.size !== undefined ? 'size' : 'sizeBytes';
  const size = readBytes(n[sizeKey], [...path, sizeKey], 'size', report);
  const node: ProfileNode = { nid, sizeBytes: size ?? ranges.reduce((s, r) => s + (r.end - r.start), 0), ranges };
  if (typeof n.speed === 'number') node.speed = n.speed;
  if (typeof n.cpus === 'number') node.cpus = n.cpus;
  return node;
}

function readCgroups(value: unknown, path: MachinePath, message: string, report: MachineReport): string[] {
  const out: string[] = [];
  if (!Array.isArray(value)) return out;
  value.forEach((c: unknown, i) => {
    if (typeof c === 'string' && c.startsWith('/')) out.push(c);
    else report([...path, i], message);
  });
  return out;
}

/**
 * Reads `nodes`, `cgroups` and `cgroups_without_memory` of a machine mapping. Paths in reports are
 * relative to the machine mapping.
 */
export function readMachine(machine: Record<string, unknown>, report: MachineReport): MachineShape {
  const nodes: ProfileNode[] = [];
  if (!Array.isArray(machine.nodes)) {
    report(machine.nodes === undefined ? [] : ['nodes'], 'a machine profile needs "nodes": a list of {nid, size, ranges}');
  } else {
    machine.nodes.forEach((n: unknown, i) => {
      const node = readNode(n, ['nodes', i], report);
      if (!node) return;
      if (nodes.some((x) => x.nid === node.nid)) report(['nodes', i, 'nid'], `node ${node.nid} is listed twice`);
      nodes.push(node);
    });
  }
  const shape: MachineShape = { nodes };
  // absent "cgroups" = not known; "cgroups: []" = known to have none (both stay distinct)
  if (machine.cgroups !== undefined && machine.cgroups !== null) {
    if (!Array.isArray(machine.cgroups)) report(['cgroups'], 'cgroups is a list of cgroup v2 paths like "/workload_a" ([] when the machine has none)');
    shape.cgroups = readCgroups(machine.cgroups, ['cgroups'], 'cgroups are absolute cgroup v2 paths like "/workload_a"', report);
  }
  const nm = machine.cgroups_without_memory;
  if (nm !== undefined) {
    if (!Array.isArray(nm)) report(['cgroups_without_memory'], 'cgroups_without_memory is a list of cgroup v2 paths like "/workload_a/sub"');
    shape.cgroupsWithoutMemory = readCgroups(
      nm,
      ['cgroups_without_memory'],
      'cgroups_without_memory lists absolute cgroup v2 paths like "/workload_a/sub"',
      report,
    );
  }
  return shape;
}
