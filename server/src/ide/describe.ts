/**
 * What the schema and the core know about a place in the config tree, in words: used by hover,
 * completion and inlay hints.
 */
import {
  GOAL_METRICS,
  describeAdmission,
  formatValue,
  mapGet,
  nodeAtPath,
  parseByKind,
  schemaAt,
  type CheckedDocument,
  type ConfigPath,
  type JSONSchema,
  type KConfig,
  type ParsedValue,
  type SNode,
  type ValueKind,
} from './core';

export type NumericKind = Exclude<ValueKind, 'bool'>;

/** Schema of a path, with numeric segments stepping into list items. */
export function schemaOf(path: ConfigPath): JSONSchema | undefined {
  return schemaAt(path);
}

/** The goal metric of the goal at `goalPath` (a quota goal object), if written as a string. */
export function goalMetric(root: SNode | null, goalPath: ConfigPath): string | undefined {
  const goal = nodeAtPath(root, goalPath);
  if (goal.depth !== goalPath.length) return undefined;
  const m = mapGet(goal.node, 'metric');
  return m && m.kind === 'scalar' && typeof m.value === 'string' ? m.value : undefined;
}

/** The damo value grammar that applies to the scalar at `path` (goal targets depend on the metric). */
export function kindAt(root: SNode | null, path: ConfigPath): NumericKind | 'bool' | undefined {
  const s = schemaOf(path);
  const k = s?.['x-kind'];
  if (k === 'goal_target') {
    const metric = goalMetric(root, path.slice(0, -1));
    const g = GOAL_METRICS.find((m) => m.name === metric);
    return g ? g.kind : undefined;
  }
  return typeof k === 'string' ? (k as NumericKind | 'bool') : undefined;
}

export function parseScalarAt(root: SNode | null, path: ConfigPath, node: SNode): ParsedValue | undefined {
  if (node.kind !== 'scalar' || node.value === null || typeof node.value === 'boolean') return undefined;
  const kind = kindAt(root, path);
  if (!kind || kind === 'bool') return undefined;
  const r = parseByKind(kind, node.value);
  return r.ok ? r.v : undefined;
}

export function sinceText(since: unknown): string | undefined {
  if (typeof since !== 'string') return undefined;
  if (since === 'mm') return 'only in the mm tree (no released kernel yet)';
  if (since === 'next') return 'only in damon/next (not merged)';
  return `Linux ${since}`;
}

/** A readable dotted name for a path: kdamonds[0].contexts[0].schemes[1].quotas.goals[0].nid */
export function dottedPath(path: ConfigPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

const KIND_UNIT: Record<NumericKind | 'bool', string> = {
  nr: 'number',
  bytes: 'bytes',
  us: 'µs',
  ms: 'ms',
  percent: '%',
  permil: '‰ (per-mille)',
  bp: 'bp (basis points, 10000 = 100 %)',
  nr_accesses: '% of samples, or "N samples"',
  age: 'µs, or "N aggr_intervals"',
  bool: 'boolean',
};

export function unitName(kind: NumericKind | 'bool' | undefined): string | undefined {
  return kind ? KIND_UNIT[kind] : undefined;
}

/** Strip the spec's appended "Default: … sysfs: … Since …" sentences: hover shows them as fields. */
function mainDescription(s: JSONSchema): string {
  const d = typeof s.markdownDescription === 'string' ? s.markdownDescription : typeof s.description === 'string' ? s.description : '';
  return d
    .replace(/\s*Default: [^]*$/, '')
    .replace(/\s*sysfs: `[^`]*`\.[^]*$/, '')
    .replace(/\s*(?:Since Linux [\d.]+|Only in the mm tree[^.]*|Only in damon\/next[^.]*)\.\s*$/, '')
    .trim();
}

export function keyMarkdown(path: ConfigPath, root: SNode | null): string[] {
  const s = schemaOf(path);
  const name = dottedPath(path);
  if (!s) return [`**${name}**`, '', 'Not a key damo reads: it is ignored silently.'];
  const kind = kindAt(root, path);
  const lines = [`**${String(path[path.length - 1] ?? 'config')}**${kind ? ` · ${KIND_UNIT[kind]}` : ''}`, ''];
  const d = mainDescription(s);
  if (d) lines.push(d, '');
  const facts: string[] = [];
  if (typeof s['x-default'] === 'string') facts.push(`Default: ${s['x-default']}`);
  const since = sinceText(s['x-since']);
  if (since) facts.push(`Since: ${since}`);
  if (typeof s['x-sysfs'] === 'string') facts.push(`sysfs: \`${s['x-sysfs']}\``);
  if (s['x-output']) facts.push('Output only: damo ignores it on input');
  if (typeof s['x-legacy'] === 'string') facts.push(`Legacy name of \`${s['x-legacy']}\``);
  if (facts.length) lines.push(facts.join(' · '), '');
  lines.push(`\`${name}\``);
  return lines;
}

/** Hover text for an enum value (action, ops, metric, filter type, tuner, watermark metric). */
export function enumValueMarkdown(path: ConfigPath, value: string): string[] | undefined {
  const s = schemaOf(path);
  const values = s?.enum as unknown[] | undefined;
  if (!values) return undefined;
  const i = values.indexOf(value);
  if (i < 0) return [`\`${value}\` is not one of: ${values.map((v) => `\`${String(v)}\``).join(', ')}`];
  const docs = s?.enumDescriptions as string[] | undefined;
  const since = (s?.['x-enum-since'] as (string | undefined)[] | undefined)?.[i];
  const lines = [`**${value}**`];
  if (docs?.[i]) lines.push('', docs[i]);
  const st = sinceText(since);
  if (st) lines.push('', `Since: ${st}`);
  return lines;
}

/** "200 MiB = 209715200 bytes", plus what damo writes when its truncation changes the value. */
export function normalizedValue(v: ParsedValue): string {
  let s = formatValue(v);
  if (v.special !== 'max' && v.damo !== v.value) s += ` (damo writes ${v.damo}: it truncates)`;
  return s;
}

/** Index of kdamond/context/scheme in a path that goes through a scheme. */
export function schemeIndex(path: ConfigPath): { k: number; c: number; s: number } | undefined {
  if (
    path[0] !== 'kdamonds' ||
    typeof path[1] !== 'number' ||
    path[2] !== 'contexts' ||
    typeof path[3] !== 'number' ||
    path[4] !== 'schemes' ||
    typeof path[5] !== 'number'
  )
    return undefined;
  return { k: path[1], c: path[3], s: path[5] };
}

export function kschemeAt(kconfig: KConfig | null, path: ConfigPath) {
  const i = schemeIndex(path);
  if (!i || !kconfig) return undefined;
  return kconfig.kdamonds[i.k]?.contexts[i.c]?.schemes[i.s];
}

/** The admission formula of a scheme's filter chain, with the kernel's semantics. */
export function filterFormula(doc: CheckedDocument, path: ConfigPath): string | undefined {
  const s = kschemeAt(doc.kconfig, path);
  if (!s) return undefined;
  if (s.coreFilters.length + s.opsFilters.length === 0) return undefined;
  try {
    return describeAdmission(s.coreFilters, s.opsFilters);
  } catch {
    return undefined;
  }
}

export function metricDoc(metric: string): { doc: string; since: string; kind: string } | undefined {
  return GOAL_METRICS.find((m) => m.name === metric);
}

// nodeShare and formatMetricValue are core formatters (core/model/format.ts), re-exported for the editor features
export { nodeShare, formatMetricValue } from './core';

/** The nid written in a goal (number), if any. */
export function goalNid(root: SNode | null, goalPath: ConfigPath): number | undefined {
  const goal = nodeAtPath(root, goalPath);
  if (goal.depth !== goalPath.length) return undefined;
  const n = mapGet(goal.node, 'nid');
  if (!n || n.kind !== 'scalar') return undefined;
  const v = typeof n.value === 'number' ? n.value : typeof n.value === 'string' ? Number(n.value) : NaN;
  return Number.isInteger(v) ? v : undefined;
}
