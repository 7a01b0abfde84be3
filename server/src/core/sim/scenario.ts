/**
 * Scenario files (YAML or JSON, schemas/scenario.schema.json): parsed with the `yaml` package,
 * checked with ajv against the schema, sizes read with damo's size grammar. Every problem is
 * reported at its line and column.
 */
import Ajv from 'ajv';
import { isAlias, isNode, parseDocument, visit } from 'yaml';
import { MAX_NESTING, nestingTooDeep } from '../parse/guard';
import schema from '../../../../schemas/scenario.schema.json';
import { parseBytes } from '../model/units';
import { LineIndex } from '../parse/lines';
import { BUILTIN_SCENARIOS } from './builtin';
import { readMachine } from '../machine-load';
import { ajvMessage, mostSpecificError, pointerToPath } from '../schema/ajv-errors';
import type { MappingSpec, ProcessSpec, Scenario, ScenarioNode, WorkloadSpec } from './types';
import { PAGE, USER_SPACE_END } from './address-space';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** a virtual address as the schema admits it: an integer, a decimal or a 0x hex string */
function parseAddress(v: RawSize): number {
  return typeof v === 'number' ? v : Number(v.trim());
}

type RawSize = number | string;
/** a scenario file as the schema admits it */
interface RawScenario {
  name: string;
  description?: string;
  kernel?: string;
  machine: {
    name?: string;
    nodes: ({ nid: number; size?: RawSize; sizeBytes?: RawSize; ranges: { start: RawSize; end: RawSize }[]; cpus?: number; speed?: number } & Partial<
      Record<'managedBytes' | 'reservedBytes' | 'otherUsedBytes' | 'watermarkBytes', RawSize>
    >)[];
    cgroups?: string[];
    chunkBytes?: RawSize;
    thp?: boolean;
    allocPolicy?: 'lifo' | 'buddy' | 'random';
    swapInUsPerPage?: number;
  };
  processes: {
    name: string;
    pid: number;
    cgroup: string;
    sizeBytes?: RawSize;
    mappings?: { name?: string; start: RawSize; end?: RawSize; size?: RawSize; workload?: boolean }[];
    node?: number;
    workload: WorkloadSpec;
  }[];
  durationSec: number;
  sampling?: { intervalSec?: number; window?: { samples: number; intervalSec: number } };
  seed?: number;
}

export interface ScenarioProblem {
  line: number;
  column: number;
  message: string;
}

export interface LoadedScenario {
  scenario: Scenario | null;
  problems: ScenarioProblem[];
}

let validator: ReturnType<Ajv['compile']> | null = null;
function validate(data: unknown): ReturnType<Ajv['compile']> {
  if (!validator) validator = new Ajv({ allErrors: false, strict: false }).compile(schema);
  void validator(data); // a synchronous schema: the result is in validator.errors
  return validator;
}

/** a rate-only phase continues the previous phase's pattern: there must be one, with a rate to scale */
function checkPhases(w: WorkloadSpec, path: (string | number)[], report: (path: (string | number)[], message: string) => void): void {
  if (w.pattern !== 'phases') return;
  let prev: WorkloadSpec | undefined;
  w.phases.forEach((ph, j) => {
    const here = [...path, 'phases', j];
    if (ph.workload) {
      checkPhases(ph.workload, [...here, 'workload'], report);
      prev = ph.workload;
    } else if (!prev || !('accessesPerSec' in prev) || prev.accessesPerSec <= 0)
      report(
        here,
        `${here.join('.')}: a phase with only accessesPerSec continues the previous phase's workload, which must be uniform, rotating-hot or zipf with a rate above 0`,
      );
  });
}

export function loadScenarioText(text: string, fileName = 'scenario.yaml'): LoadedScenario {
  const problems: ScenarioProblem[] = [];
  const lines = new LineIndex(text);
  const at = (offset: number, message: string): void => {
    const p = lines.positionAt(offset);
    problems.push({ line: p.line + 1, column: p.character + 1, message });
  };
  const deep = nestingTooDeep(text);
  if (deep >= 0) {
    at(deep, `nesting deeper than ${MAX_NESTING} levels; a scenario is never this deep, so the file was not read`);
    return { scenario: null, problems };
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) at(e.pos[0], e.message.split('\n')[0]);
  if (problems.length) return { scenario: null, problems };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    // the yaml library throws ReferenceError for an alias without an anchor and for alias bombs
    const anchors = new Set<string>();
    let offset = 0;
    let unresolved: string | undefined;
    visit(doc, {
      Node: (_k, node) => {
        if (isAlias(node)) {
          if (!anchors.has(node.source) && unresolved === undefined) {
            unresolved = node.source;
            offset = node.range?.[0] ?? 0;
          }
        } else if (node.anchor) anchors.add(node.anchor);
      },
    });
    if (unresolved !== undefined) at(offset, `alias *${unresolved} has no anchor &${unresolved} before it`);
    else
      at(
        0,
        /alias count|resource exhaustion/i.test((e as Error).message)
          ? 'aliases expand too much (more than 100 alias uses); a scenario does not need this'
          : `the scenario could not be read: ${(e as Error).message}`,
      );
    return { scenario: null, problems };
  }
  const offsetOf = (path: (string | number)[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return node.range[0];
    }
    return 0;
  };
  const v = validate(data);
  if (v.errors && v.errors.length) {
    // oneOf failures of a workload: report the most specific error (the deepest path)
    const e = mostSpecificError(v.errors);
    const path = pointerToPath(e.instancePath);
    at(offsetOf(path), ajvMessage(e, 'the scenario'));
    return { scenario: null, problems };
  }
  // the shape schemas/scenario.schema.json has just validated (sizes still damo size strings or numbers)
  const raw = data as RawScenario;
  const size = (value: unknown, path: (string | number)[]): number => {
    const r = parseBytes(value);
    if (!r.ok) {
      at(offsetOf(path), `${path.join('.')}: ${r.error}`);
      return 0;
    }
    return r.v.value;
  };
  /** a process's mappings: page-aligned, inside user space, not overlapping, at least one holding the workload */
  const readMappings = (list: NonNullable<RawScenario['processes'][number]['mappings']>, path: (string | number)[]): MappingSpec[] | undefined => {
    const before = problems.length;
    const out: (MappingSpec & { j: number })[] = [];
    list.forEach((m, j) => {
      const here = [...path, j];
      const name = m.name ?? `mapping ${j}`;
      const start = parseAddress(m.start);
      if (start % PAGE !== 0) at(offsetOf([...here, 'start']), `${here.join('.')}.start: ${hex(start)} is not page-aligned (4 KiB)`);
      if ((m.end === undefined) === (m.size === undefined)) {
        at(offsetOf(here), `${here.join('.')}: give the mapping's end or its size (one of the two)`);
        return;
      }
      const sz = m.end !== undefined ? parseAddress(m.end) - start : size(m.size, [...here, 'size']);
      const which = m.end !== undefined ? 'end' : 'size';
      if (sz <= 0) at(offsetOf([...here, which]), `${here.join('.')}.${which}: the mapping must end after its start (${hex(start)})`);
      else if (sz % PAGE !== 0) at(offsetOf([...here, which]), `${here.join('.')}.${which}: the mapping's size ${sz} is not a multiple of 4 KiB`);
      else if (start + sz > USER_SPACE_END)
        at(
          offsetOf([...here, which]),
          `${here.join('.')}.${which}: the mapping ends at ${hex(start + sz)}, past the end of user space (${hex(USER_SPACE_END)})`,
        );
      out.push({ name, start, sizeBytes: sz, workload: m.workload ?? false, j });
    });
    if (problems.length > before) return undefined;
    const sorted = [...out].sort((a, b) => a.start - b.start);
    for (let k = 1; k < sorted.length; k++) {
      const a = sorted[k - 1];
      const b = sorted[k];
      if (b.start < a.start + a.sizeBytes) {
        const later = a.j > b.j ? a : b;
        const other = later === a ? b : a;
        at(
          offsetOf([...path, later.j]),
          `${path.join('.')}.${later.j}: ${later.name} [${hex(later.start)}, ${hex(later.start + later.sizeBytes)}) overlaps ${other.name} [${hex(other.start)}, ${hex(other.start + other.sizeBytes)})`,
        );
      }
    }
    if (!out.some((m) => m.workload))
      at(offsetOf(path), `${path.join('.')}: no mapping holds the process's memory; mark the one its workload touches with workload: true`);
    if (problems.length > before) return undefined;
    return out.map(({ name, start, sizeBytes, workload }) => ({ name, start, sizeBytes, workload }));
  };
  // the machine embeds a machine profile: its nodes, ranges and cgroups are read by the profile's reader
  // the schema has checked every node's nid, so shape.nodes[i] is raw.machine.nodes[i]
  const shape = readMachine({ nodes: raw.machine.nodes, cgroups: raw.machine.cgroups }, (path, message) => at(offsetOf(['machine', ...path]), message));
  const nodes: ScenarioNode[] = shape.nodes.map((pn, i) => {
    const n = raw.machine.nodes[i];
    const out: ScenarioNode = { ...pn };
    for (const k of ['managedBytes', 'reservedBytes', 'otherUsedBytes', 'watermarkBytes'] as const)
      if (n[k] !== undefined) out[k] = size(n[k], ['machine', 'nodes', i, k]);
    return out;
  });
  const nids = new Set(nodes.map((n) => n.nid));
  const all = nodes.flatMap((n) => n.ranges.map((r) => ({ ...r, nid: n.nid }))).sort((a, b) => a.start - b.start);
  for (let i = 1; i < all.length; i++)
    if (all[i].start < all[i - 1].end)
      problems.push({ line: 1, column: 1, message: `address ranges of node ${all[i - 1].nid} and node ${all[i].nid} overlap` });
  const processes: ProcessSpec[] = raw.processes.map((p, i) => {
    const node = p.node ?? nodes[0].nid;
    if (!nids.has(node)) at(offsetOf(['processes', i, 'node']), `processes.${i}.node: node ${node} is not in machine.nodes`);
    checkPhases(p.workload, ['processes', i, 'workload'], (path, message) => at(offsetOf(path), message));
    const mappings = p.mappings ? readMappings(p.mappings, ['processes', i, 'mappings']) : undefined;
    let sizeBytes = 0;
    if (p.sizeBytes !== undefined) sizeBytes = size(p.sizeBytes, ['processes', i, 'sizeBytes']);
    else if (!p.mappings) at(offsetOf(['processes', i]), `processes.${i}: give sizeBytes (the process's memory) or mappings (its address space)`);
    if (mappings) {
      const inMaps = mappings.reduce((a, m) => a + (m.workload ? m.sizeBytes : 0), 0);
      if (p.sizeBytes === undefined) sizeBytes = inMaps;
      else if (sizeBytes !== inMaps)
        at(
          offsetOf(['processes', i, 'sizeBytes']),
          `processes.${i}.sizeBytes: ${sizeBytes} bytes, but the mappings with workload: true hold ${inMaps}; give one of the two or make them agree`,
        );
    }
    const out: ProcessSpec = { name: p.name, pid: p.pid, cgroup: p.cgroup, sizeBytes, node, workload: p.workload };
    if (mappings) out.mappings = mappings;
    return out;
  });
  const pids = new Set<number>();
  processes.forEach((p, i) => {
    if (pids.has(p.pid)) at(offsetOf(['processes', i, 'pid']), `pid ${p.pid} is used twice`);
    pids.add(p.pid);
  });
  const totalMem = nodes.reduce((a, n) => a + n.ranges.reduce((b, r) => b + r.end - r.start, 0), 0);
  const totalProc = processes.reduce((a, p) => a + p.sizeBytes, 0);
  if (totalProc > totalMem) problems.push({ line: 1, column: 1, message: `the processes need ${totalProc} bytes but the machine has ${totalMem}` });
  let chunkBytes: number | undefined;
  if (raw.machine.chunkBytes !== undefined) {
    chunkBytes = size(raw.machine.chunkBytes, ['machine', 'chunkBytes']);
    if (chunkBytes < 4096 || (chunkBytes & (chunkBytes - 1)) !== 0 || chunkBytes > 2 ** 30)
      at(offsetOf(['machine', 'chunkBytes']), 'machine.chunkBytes must be a power of two between 4 KiB and 1 GiB');
  }
  if (problems.length) return { scenario: null, problems };
  const sampling = raw.sampling ?? {};
  const scenario: Scenario = {
    name: raw.name,
    kernel: raw.kernel ?? '7.2',
    machine: {
      name: raw.machine.name,
      nodes,
      cgroups: shape.cgroups ?? [],
      chunkBytes,
      thp: raw.machine.thp,
      allocPolicy: raw.machine.allocPolicy,
      swapInUsPerPage: raw.machine.swapInUsPerPage,
    },
    processes,
    durationSec: raw.durationSec,
    sampling: { intervalSec: sampling.intervalSec ?? 1, window: sampling.window ?? { samples: 42, intervalSec: 5 } },
  };
  if (raw.description !== undefined) scenario.description = raw.description;
  if (raw.seed !== undefined) scenario.seed = raw.seed;
  void fileName;
  return { scenario, problems };
}

/** a built-in scenario by name, or undefined */
export function builtinScenario(name: string): Scenario | undefined {
  return BUILTIN_SCENARIOS[name]?.();
}
