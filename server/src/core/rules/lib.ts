/** Shared walkers and facts for the semantic rules. */
import type { ConfigPath } from '../diagnostic';
import type { KContext, KFilter, KQuotaGoal, KScheme } from '../model/kernel';
import type { MachineProfile } from '../profile';
import type { RuleContext } from './types';

export interface SchemeRef {
  scheme: KScheme;
  path: ConfigPath;
  context: KContext;
  contextPath: ConfigPath;
  kdamond: number;
  index: number;
}

const schemeCache = new WeakMap<object, SchemeRef[]>();
const filterCache = new WeakMap<SchemeRef, { filter: KFilter; path: ConfigPath }[]>();

/** What the config walkers read of a rule context (the describer in core/explain passes only this). */
export type ConfigView = Pick<RuleContext, 'kconfig'>;

/** Every scheme with its config path (computed once per document). */
export function schemes(ctx: ConfigView): SchemeRef[] {
  const cached = schemeCache.get(ctx.kconfig);
  if (cached) return cached;
  const out: SchemeRef[] = [];
  schemeCache.set(ctx.kconfig, out);
  ctx.kconfig.kdamonds.forEach((kd, k) =>
    kd.contexts.forEach((c, ci) => {
      const contextPath = ['kdamonds', k, 'contexts', ci];
      c.schemes.forEach((s, si) => out.push({ scheme: s, path: [...contextPath, 'schemes', si], context: c, contextPath, kdamond: k, index: si }));
    }),
  );
  return out;
}

export function contexts(ctx: RuleContext): { context: KContext; path: ConfigPath; kdamond: number }[] {
  const out: { context: KContext; path: ConfigPath; kdamond: number }[] = [];
  ctx.kconfig.kdamonds.forEach((kd, k) => kd.contexts.forEach((c, ci) => out.push({ context: c, path: ['kdamonds', k, 'contexts', ci], kdamond: k })));
  return out;
}

export function goals(ctx: ConfigView): { goal: KQuotaGoal; path: ConfigPath; ref: SchemeRef }[] {
  return schemes(ctx).flatMap((ref) => ref.scheme.quota.goals.map((goal, g) => ({ goal, path: [...ref.path, 'quotas', 'goals', g], ref })));
}

/** Filters of a scheme in damo's written order, with their config paths. */
export function filtersOf(ref: SchemeRef): { filter: KFilter; path: ConfigPath }[] {
  let f = filterCache.get(ref);
  if (!f) {
    f = [...ref.scheme.coreFilters, ...ref.scheme.opsFilters]
      .sort((a, b) => a.sourceIndex - b.sourceIndex)
      .map((filter) => ({ filter, path: [...ref.path, 'filters', filter.sourceIndex] }));
    filterCache.set(ref, f);
  }
  return f;
}

export const NODE_METRICS = new Set(['node_mem_used_bp', 'node_mem_free_bp', 'node_memcg_used_bp', 'node_memcg_free_bp', 'node_eligible_mem_bp']);
export const MEMCG_METRICS = new Set(['node_memcg_used_bp', 'node_memcg_free_bp']);
export const BP_METRICS = new Set(['node_mem_used_bp', 'node_mem_free_bp', 'node_memcg_used_bp', 'node_memcg_free_bp', 'active_mem_bp', 'inactive_mem_bp', 'node_eligible_mem_bp']);

export { normalizeCgroupPath } from '../model/cgroup';

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

export function yamlQuote(s: string): string {
  return JSON.stringify(s);
}

/** Text for a scalar replacement that keeps the document's quoting style. */
export function scalarText(ctx: RuleContext, path: ConfigPath, value: string | number): string {
  const node = ctx.node(path);
  if (typeof value === 'number') return String(value);
  if (ctx.format === 'json') return JSON.stringify(value);
  if (node && node.kind === 'scalar' && node.quoted) {
    const raw = node.source;
    if (raw.startsWith("'")) return `'${value.replace(/'/g, "''")}'`;
    return JSON.stringify(value);
  }
  return /^[\w/.%-][\w/.% -]*$/.test(value) && !/[:#]/.test(value) ? value : JSON.stringify(value);
}

export const fmtPct = (bp: number): string => `${+(bp / 100).toFixed(2)}%`;

/**
 * Edits that add `key: value` to the mapping at `mapPath`, keeping every other byte: flow mappings
 * get ", key: value" before the closing brace; block mappings get a new line after the last pair's
 * line (after any trailing comment), at the same indentation.
 */
export function addKeyEdits(ctx: RuleContext, mapPath: ConfigPath, key: string, valueText: string): { range: { start: number; end: number }; newText: string }[] {
  const node = ctx.node(mapPath);
  if (!node || node.kind !== 'map') return [];
  const json = ctx.format === 'json';
  const k = json ? JSON.stringify(key) : key;
  if (node.flow) {
    const last = node.pairs[node.pairs.length - 1];
    if (!last) {
      const open = ctx.text.indexOf('{', node.range.start);
      return [{ range: { start: open + 1, end: open + 1 }, newText: `${k}: ${valueText}` }];
    }
    const at = last.range.end;
    return [{ range: { start: at, end: at }, newText: `, ${k}: ${valueText}` }];
  }
  const first = node.pairs[0];
  const last = node.pairs[node.pairs.length - 1];
  if (!first || !last) return [];
  const lineStart = ctx.text.lastIndexOf('\n', first.key.range.start - 1) + 1;
  const indent = ctx.text.slice(lineStart, first.key.range.start).replace(/[^ \t]/g, ' ');
  let eol = ctx.text.indexOf('\n', Math.max(last.range.end - 1, 0));
  if (eol < 0) eol = ctx.text.length;
  const cr = ctx.text[eol - 1] === '\r' ? '\r' : '';
  const at = eol - cr.length;
  return [{ range: { start: at, end: at }, newText: `${cr}\n${indent}${k}: ${valueText}` }];
}
