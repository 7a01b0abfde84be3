/**
 * Completion: keys valid at the cursor's level, enum values, value snippets with units, memcg paths
 * and node ids from the machine profile, skeleton snippets for a tiering kdamond pair.
 * Works on the text around the cursor (the line being typed is usually not valid YAML yet) and asks
 * the core's tree only for the path of nearby, complete keys.
 */
import * as jsonc from 'jsonc-parser';
import {
  formatBytes,
  keysAt,
  mapGet,
  nodeAtPath,
  pathAtOffset,
  type ConfigPath,
  type JSONSchema,
  type MachineProfile,
  type OffsetRange,
  type SNode,
} from './core';
import { documentAt, type Analysis } from './analysis';
import { keyMarkdown, kindAt, schemaOf, sinceText, unitName } from './describe';
import { renderItems, tieringPair, tieringScheme } from './skeletons';

export type ItemKind = 'property' | 'value' | 'enum' | 'snippet' | 'unit';

export interface Completion {
  label: string;
  kind: ItemKind;
  detail?: string;
  documentation?: string;
  /**
   * snippet text (LSP snippet syntax) replacing `range`. Multi-line text carries its absolute
   * indentation: clients must insert it as is (LSP insertTextMode asIs), not re-indent it.
   */
  insert: string;
  snippet: boolean;
  range: OffsetRange;
  sortText?: string;
  preselect?: boolean;
}

interface Ctx {
  mode: 'key' | 'value';
  /** the map the key goes into (key mode) or the key's own path (value mode) */
  path: ConfigPath;
  existing: Set<string>;
  range: OffsetRange;
  /** column where the key starts (YAML), for multi-line snippets */
  keyCol: number;
  format: 'yaml' | 'json';
  /** JSON: the value/key is inside quotes already */
  quoted: boolean;
  /** YAML: the key is the first key of a new list item (`- |`) */
  newItem: boolean;
}

const KEY_RE = /^(\s*)((?:-\s+)*)([A-Za-z_][\w]*)?$/;
const VALUE_RE = /^(\s*)((?:-\s+)*)([A-Za-z_]\w*)\s*:\s+(\S*)$/;

interface LineInfo {
  line: number;
  start: number;
  indent: number;
  dashes: number;
  /** column of the first key char */
  keyCol: number;
  key?: string;
  /** the key has no value on the line (a nested block follows) */
  opens: boolean;
  blank: boolean;
}

function lineInfo(a: Analysis, line: number): LineInfo {
  const start = a.lines.lineStart(line);
  const end = line + 1 < a.lines.lineCount ? a.lines.lineStart(line + 1) : a.text.length;
  const raw = a.text.slice(start, end).replace(/\r?\n$/, '');
  const m = /^(\s*)((?:-\s+)*)(.*)$/.exec(raw)!;
  const content = m[3];
  const blank = content.trim() === '' && m[2] === '' ? true : content.startsWith('#');
  const km = /^([A-Za-z_"'][\w"']*)\s*:(\s*(?:#.*)?)$/.exec(content) ?? /^([A-Za-z_"'][\w"']*)\s*:\s/.exec(content);
  return {
    line,
    start,
    indent: m[1].length,
    dashes: m[2].length,
    keyCol: m[1].length + m[2].length,
    key: km ? km[1].replace(/["']/g, '') : undefined,
    opens: !!km && /:\s*(?:#.*)?$/.test(content),
    blank: blank && m[2] === '',
  };
}

/** Path of the key written at `offset` in the parsed tree, if the parser kept it. */
function keyPathAt(root: SNode | null, offset: number, key: string): ConfigPath | undefined {
  if (!root) return undefined;
  const at = pathAtOffset(root, offset);
  if (!at.onKey || at.path[at.path.length - 1] !== key) return undefined;
  return at.path;
}

function yamlContext(a: Analysis, offset: number): Ctx | undefined {
  const doc = documentAt(a, offset);
  const root = doc?.root ?? null;
  const pos = a.lines.positionAt(offset);
  const lineStart = a.lines.lineStart(pos.line);
  const before = a.text.slice(lineStart, offset);
  let mode: 'key' | 'value';
  let keyCol: number;
  let dashCol: number;
  let newItem: boolean;
  let key: string | undefined;
  let range: OffsetRange;
  const km = KEY_RE.exec(before);
  const vm = km ? null : VALUE_RE.exec(before);
  if (km) {
    mode = 'key';
    dashCol = km[1].length;
    keyCol = km[1].length + km[2].length;
    newItem = km[2].length > 0;
    range = { start: lineStart + keyCol, end: offset };
    // replace the rest of the word too
    while (range.end < a.text.length && /\w/.test(a.text[range.end])) range.end++;
  } else if (vm) {
    mode = 'value';
    dashCol = vm[1].length;
    keyCol = vm[1].length + vm[2].length;
    newItem = vm[2].length > 0;
    key = vm[3];
    range = { start: offset - vm[4].length, end: offset };
    const lineEnd = a.text.indexOf('\n', offset);
    const rest = a.text.slice(offset, lineEnd < 0 ? a.text.length : lineEnd);
    const tail = /^[^#\s]*(?:\s+[^#\s]+)*/.exec(rest);
    if (tail) range.end = offset + tail[0].replace(/\s+$/, '').length;
  } else return undefined;

  // find the map this key belongs to
  let parent: ConfigPath | undefined;
  if (keyCol === 0 && !newItem) parent = [];
  for (let l = pos.line - 1; parent === undefined && l >= 0; l--) {
    const li = lineInfo(a, l);
    if (li.blank) continue;
    if (!newItem && li.keyCol === keyCol && li.key) {
      const p = keyPathAt(root, li.start + li.keyCol, li.key);
      if (p) parent = p.slice(0, -1);
      break;
    }
    if (newItem && li.dashes > 0 && li.indent === dashCol && li.key) {
      // a sibling list item: same list, next index
      const p = keyPathAt(root, li.start + li.keyCol, li.key);
      if (p && typeof p[p.length - 2] === 'number') parent = [...p.slice(0, -2), (p[p.length - 2] as number) + 1];
      break;
    }
    if (li.keyCol < keyCol && li.key && li.opens) {
      const p = keyPathAt(root, li.start + li.keyCol, li.key) ?? (li.keyCol === 0 ? [li.key] : undefined);
      if (!p) break;
      if (newItem) {
        const list = nodeAtPath(root, p);
        parent = [...p, list.node?.kind === 'seq' ? list.node.items.length : 0];
      } else parent = p;
      break;
    }
    if (li.keyCol < keyCol) {
      // a list item line whose first key is left of us: we continue that item (`- a: 1` / `  b|`)
      if (li.dashes > 0 && li.key && li.keyCol === keyCol) continue;
      break;
    }
  }
  if (parent === undefined) return undefined;
  const existing = new Set<string>();
  const pm = newItem ? undefined : nodeAtPath(root, parent);
  if (pm && pm.depth === parent.length && pm.node?.kind === 'map') for (const p of pm.node.pairs) existing.add(String(p.key.value));
  if (mode === 'key') return { mode, path: parent, existing, range, keyCol, format: 'yaml', quoted: false, newItem };
  return { mode, path: [...parent, key!], existing, range, keyCol, format: 'yaml', quoted: false, newItem };
}

function jsonContext(a: Analysis, offset: number): Ctx | undefined {
  const loc = jsonc.getLocation(a.text, offset);
  const prev = loc.previousNode;
  const quoted = !!prev && prev.type === 'string' && offset > prev.offset && offset < prev.offset + prev.length;
  let range: OffsetRange = { start: offset, end: offset };
  if (prev && offset >= prev.offset && offset <= prev.offset + prev.length) range = { start: prev.offset, end: prev.offset + prev.length };
  if (loc.isAtPropertyKey) {
    const path = loc.path.slice(0, -1) as ConfigPath;
    const doc = a.result.documents[0];
    const existing = new Set<string>();
    const pm = nodeAtPath(doc?.root ?? null, path);
    if (pm.depth === path.length && pm.node?.kind === 'map') for (const p of pm.node.pairs) existing.add(String(p.key.value));
    return { mode: 'key', path, existing, range, keyCol: 0, format: 'json', quoted, newItem: false };
  }
  const path = loc.path as ConfigPath;
  if (typeof path[path.length - 1] !== 'string') return undefined;
  return { mode: 'value', path, existing: new Set(), range, keyCol: 0, format: 'json', quoted, newItem: false };
}

function typesOf(s: JSONSchema | undefined): string[] {
  const t = s?.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

function keyInsert(ctx: Ctx, key: string, s: JSONSchema | undefined): string {
  const types = typesOf(s);
  const enumValues = s?.enum as string[] | undefined;
  if (ctx.format === 'json') {
    const q = ctx.quoted ? key : `"${key}"`;
    if (types[0] === 'object') return `${q}: {$0}`;
    if (types[0] === 'array') return `${q}: [$0]`;
    if (enumValues) return `${q}: "\${1|${enumValues.join(',')}|}"`;
    return `${q}: $0`;
  }
  const ind = ' '.repeat(ctx.keyCol + 2);
  if (types[0] === 'object' && !types.includes('string')) return `${key}:\n${ind}$0`;
  if (types[0] === 'array') return `${key}:\n${ind}- $0`;
  if (enumValues) return `${key}: \${1|${enumValues.join(',')}|}`;
  return `${key}: $0`;
}

const UNIT_SNIPPETS: Partial<Record<string, { label: string; text: string }[]>> = {
  bytes: [
    { label: '200 MiB', text: '${1:200} ${2|MiB,KiB,GiB,B|}' },
    { label: '4 KiB', text: '${1:4} KiB' },
    { label: '1 GiB', text: '${1:1} GiB' },
    { label: 'min', text: 'min' },
    { label: 'max', text: 'max' },
  ],
  us: [
    { label: '5 ms', text: '${1:5} ${2|ms,us,s|}' },
    { label: '1 s', text: '${1:1} s' },
    { label: '10 s', text: '${1:10} s' },
  ],
  ms: [
    { label: '1 s', text: '${1:1} ${2|s,ms|}' },
    { label: '100 ms', text: '${1:100} ms' },
  ],
  percent: [
    { label: '5 %', text: '${1:5}%' },
    { label: 'max', text: 'max' },
  ],
  permil: [{ label: '50 %', text: '${1:50}%' }],
  bp: [{ label: '29.7 %', text: '${1:29.7}%' }],
  nr_accesses: [
    { label: '5 %', text: '${1:5}%' },
    { label: '0 %', text: '0%' },
    { label: '<n> samples', text: '${1:0} samples' },
    { label: 'max', text: 'max' },
  ],
  age: [
    { label: '30 s', text: '${1:30} ${2|s,ms,m,h|}' },
    { label: '<n> aggr_intervals', text: '${1:10} aggr_intervals' },
    { label: 'max', text: 'max' },
  ],
};

function valueText(ctx: Ctx, text: string, isString: boolean): string {
  if (ctx.format === 'json' && isString) return ctx.quoted ? text : `"${text}"`;
  if (ctx.format === 'yaml' && isString && /^[^\w/$]/.test(text)) return `"${text}"`;
  return text;
}

function nodeIdItems(ctx: Ctx, profile: MachineProfile | undefined, documentation: string): Completion[] {
  if (!profile) return [];
  return profile.nodes.map((n, i) => ({
    label: String(n.nid),
    kind: 'value' as const,
    detail: `node ${n.nid}: ${formatBytes(n.sizeBytes)}${n.cpus !== undefined ? `, ${n.cpus} CPUs` : ''}${n.speed !== undefined ? `, speed ${n.speed}` : ''}`,
    documentation,
    insert: String(n.nid),
    snippet: false,
    range: ctx.range,
    sortText: `0${i}`,
  }));
}

const PAIR_DOC =
  "Per-cgroup memory tiering as in the DAMON RFC, for two cgroups of the machine profile: the slow node's kdamond promotes hot pages of each cgroup to the fast node (goals: the cgroup uses 29.7 % and 69.7 % of the fast node); the fast node's kdamond demotes their cold pages (goals: 70.5 % and 30.5 % free). Each pair of goals overlaps a little on purpose, so pages keep exchanging when access patterns shift. Tab through the cgroups (a choice of the profile's cgroups), the targets, the node ids and the monitored ranges.";

/** The skeleton snippets offered for a new item of the `kdamonds` or `schemes` list. */
function skeletonItems(
  owner: string | number | undefined,
  profile: MachineProfile | undefined,
  where: Parameters<typeof renderItems>[1],
  range: OffsetRange,
): Completion[] {
  if (owner === 'kdamonds') {
    return [
      {
        label: 'tiering pair: promotion + demotion kdamonds',
        kind: 'snippet',
        detail: 'two kdamonds: migrate_hot on the slow node, migrate_cold on the fast node, two cgroups',
        documentation: PAIR_DOC,
        insert: renderItems(tieringPair(profile), where),
        snippet: true,
        range,
        sortText: '00',
      },
    ];
  }
  if (owner === 'schemes') {
    return [
      {
        label: 'promotion scheme (migrate_hot)',
        kind: 'snippet',
        detail: 'migrate hot pages of a cgroup to the fast node',
        insert: renderItems(tieringScheme(profile, true), where),
        snippet: true,
        range,
        sortText: '00',
      },
      {
        label: 'demotion scheme (migrate_cold)',
        kind: 'snippet',
        detail: 'migrate cold pages of a cgroup to the slow node',
        insert: renderItems(tieringScheme(profile, false), where),
        snippet: true,
        range,
        sortText: '01',
      },
    ];
  }
  return [];
}

/**
 * A new item of a flow sequence (`kdamonds: [|]`, `schemes: [{…}, |]`): the skeletons in flow style.
 * Scans back from the cursor to the unclosed `[` (quotes and nested brackets skipped).
 */
function flowSkeletons(a: Analysis, offset: number): Completion[] {
  let depth = 0;
  let i = offset - 1;
  const stop = Math.max(0, offset - 100_000);
  for (; i >= stop; i--) {
    const ch = a.text[i];
    if (ch === ']' || ch === '}') depth++;
    else if (ch === '{' && depth > 0) depth--;
    else if (ch === '[' && depth > 0) depth--;
    else if (ch === '[' && depth === 0) break;
    else if (ch === '{' && depth === 0) return [];
    else if (depth === 0 && ch === ',') break;
    else if (depth === 0 && !/\s/.test(ch))
      return []; // text of the current item before the cursor
    else if (ch === '"' || ch === "'") {
      const j = a.text.lastIndexOf(ch, i - 1);
      if (j < 0) return [];
      i = j;
    }
  }
  if (i < stop) return [];
  // the comma case: keep scanning to the sequence's `[`
  if (a.text[i] === ',') {
    let d = 0;
    for (i--; i >= stop; i--) {
      const ch = a.text[i];
      if (ch === ']' || ch === '}') d++;
      else if ((ch === '[' || ch === '{') && d > 0) d--;
      else if (ch === '[') break;
      else if (ch === '{') return [];
    }
    if (i < stop) return [];
  }
  const key = /([A-Za-z_]\w*)["']?\s*:\s*$/.exec(a.text.slice(Math.max(0, i - 200), i))?.[1];
  return skeletonItems(key, a.profile, { style: 'flow' }, { start: offset, end: offset });
}

export function completeAt(a: Analysis, offset: number): Completion[] {
  if (!a.damon) return [];
  const ctx = a.format === 'json' ? jsonContext(a, offset) : yamlContext(a, offset);
  if (a.format === 'yaml') {
    const flowItems = flowSkeletons(a, offset);
    if (flowItems.length) return flowItems;
  }
  if (!ctx) return [];
  const doc = documentAt(a, offset);
  const root = doc?.root ?? null;
  const out: Completion[] = [];
  if (ctx.mode === 'key') {
    for (const key of keysAt(ctx.path)) {
      if (ctx.existing.has(key)) continue;
      const s = schemaOf([...ctx.path, key]);
      if (s?.deprecated || s?.['x-output']) continue;
      const kind = kindAt(root, [...ctx.path, key]);
      const since = sinceText(s?.['x-since']);
      out.push({
        label: key,
        kind: 'property',
        detail: [unitName(kind), since ? `since ${since}` : undefined].filter(Boolean).join(' · ') || undefined,
        documentation: keyMarkdown([...ctx.path, key], root).join('\n'),
        insert: keyInsert(ctx, key, s),
        snippet: true,
        range: ctx.range,
        sortText: (((s ? (schemaOf(ctx.path)?.required as string[] | undefined) : undefined) ?? []).includes(key) ? '0' : '1') + key,
      });
    }
    const last = ctx.path[ctx.path.length - 1];
    const owner = ctx.path[ctx.path.length - 2];
    if (ctx.format === 'yaml' && ctx.newItem && typeof last === 'number')
      out.push(...skeletonItems(owner, a.profile, { style: 'block', col: ctx.keyCol }, ctx.range));
    return out;
  }

  // value mode
  const s = schemaOf(ctx.path);
  const key = ctx.path[ctx.path.length - 1];
  const enumValues = s?.enum as string[] | undefined;
  if (enumValues) {
    const docs = s?.enumDescriptions as string[] | undefined;
    const since = s?.['x-enum-since'] as (string | undefined)[] | undefined;
    enumValues.forEach((v, i) =>
      out.push({
        label: v,
        kind: 'enum',
        detail: since?.[i] ? `since ${sinceText(since[i])}` : undefined,
        documentation: docs?.[i],
        insert: valueText(ctx, v, true),
        snippet: false,
        range: ctx.range,
        sortText: String(i).padStart(2, '0'),
      }),
    );
    return out;
  }
  const kind = kindAt(root, ctx.path);
  if (kind === 'bool') {
    for (const v of ['true', 'false']) out.push({ label: v, kind: 'value', insert: v, snippet: false, range: ctx.range });
    return out;
  }
  if (key === 'memcg_path' || key === 'path') {
    for (const [i, cg] of (a.profile?.cgroups ?? []).entries()) {
      out.push({
        label: cg,
        kind: 'value',
        detail: `cgroup from profile ${a.profile?.name ?? ''}`.trim(),
        insert: valueText(ctx, cg, true),
        snippet: false,
        range: ctx.range,
        sortText: String(i).padStart(3, '0'),
      });
    }
    return out;
  }
  if (key === 'nid' || key === 'target_nid' || (key === 'id' && ctx.path[ctx.path.length - 3] === 'dests')) {
    return nodeIdItems(ctx, a.profile, keyMarkdown(ctx.path, root).join('\n'));
  }
  if (kind && UNIT_SNIPPETS[kind]) {
    for (const [i, u] of UNIT_SNIPPETS[kind].entries()) {
      const text = ctx.format === 'json' ? (ctx.quoted ? u.text : `"${u.text}"`) : u.text;
      out.push({
        label: u.label,
        kind: 'unit',
        detail: unitName(kind),
        documentation: typeof s?.description === 'string' ? s.description : undefined,
        insert: text,
        snippet: true,
        range: ctx.range,
        sortText: String(i).padStart(2, '0'),
      });
    }
  }
  // a goal's metric value depends on the metric: offer the goal target for it
  if (key === 'target_value' && !kind) {
    const metric = mapGet(nodeAtPath(root, ctx.path.slice(0, -1)).node, 'metric');
    out.push({
      label: '29.7%',
      kind: 'unit',
      detail: metric ? 'a share in percent (bp metrics)' : 'set "metric" first: the unit depends on it',
      insert: valueText(ctx, '${1:29.7}%', true),
      snippet: true,
      range: ctx.range,
    });
  }
  return out;
}
