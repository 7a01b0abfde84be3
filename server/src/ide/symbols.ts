/** Document symbols: an outline named the way a person reads the config. */
import { mapGet, type OffsetRange, type SNode } from './core';
import { monitoredNode } from '../core/rules/machine';
import type { Analysis } from './analysis';
import { shortForm } from './explain';

export type SymbolKind = 'kdamond' | 'context' | 'scheme' | 'goal' | 'filter';

export interface OutlineSymbol {
  name: string;
  detail?: string;
  kind: SymbolKind;
  range: OffsetRange;
  selectionRange: OffsetRange;
  children: OutlineSymbol[];
}

function str(n: SNode | null | undefined): string | undefined {
  return n && n.kind === 'scalar' && n.value !== null ? String(n.value) : undefined;
}

function items(n: SNode | null | undefined): SNode[] {
  return n && n.kind === 'seq' ? n.items : [];
}

function selection(map: SNode): OffsetRange {
  if (map.kind === 'map' && map.pairs[0]) return map.pairs[0].key.range;
  return { start: map.range.start, end: Math.min(map.range.end, map.range.start + 1) };
}

function regionsSummary(ctx: SNode): string | undefined {
  const regions = items(mapGet(items(mapGet(ctx, 'targets'))[0], 'regions'));
  if (regions.length === 0) return undefined;
  const first = regions[0];
  const last = regions[regions.length - 1];
  const s = str(mapGet(first, 'start'));
  const e = str(mapGet(last, 'end'));
  return s !== undefined && e !== undefined ? `[${s}, ${e})` : undefined;
}

function schemeName(scheme: SNode): { name: string; detail?: string } {
  const action = str(mapGet(scheme, 'action')) ?? 'stat';
  let name = action;
  const nid = str(mapGet(scheme, 'target_nid'));
  const dests = items(mapGet(scheme, 'dests'))
    .map((d) => str(mapGet(d, 'id')))
    .filter((x) => x !== undefined);
  if (/^migrate_/.test(action)) {
    if (nid !== undefined) name += ` → node ${nid}`;
    else if (dests.length) name += ` → node ${dests.join(', ')}`;
  }
  const goals = items(mapGet(mapGet(scheme, 'quotas'), 'goals'));
  const filters = items(mapGet(scheme, 'filters'));
  const memcg =
    filters.map((f) => (str(mapGet(f, 'filter_type')) === 'memcg' ? str(mapGet(f, 'memcg_path')) : undefined)).find((x) => x) ??
    goals.map((g) => str(mapGet(g, 'memcg_path'))).find((x) => x);
  if (memcg) name += ` · ${memcg}`;
  const sz = str(mapGet(mapGet(scheme, 'quotas'), 'sz_bytes'));
  const detail = [
    sz && sz !== '0' ? `≤ ${sz}` : '',
    goals.length ? `${goals.length} goal${goals.length > 1 ? 's' : ''}` : '',
    filters.length ? `${filters.length} filter${filters.length > 1 ? 's' : ''}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return { name, detail: detail || undefined };
}

export function outline(a: Analysis): OutlineSymbol[] {
  if (!a.damon) return [];
  const out: OutlineSymbol[] = [];
  for (const doc of a.result.documents) {
    const root = doc.root;
    items(mapGet(root, 'kdamonds')).forEach((kd, k) => {
      const contexts = items(mapGet(kd, 'contexts'));
      const ctx = contexts[0];
      const ops = str(mapGet(ctx, 'ops')) ?? '?';
      let where = '';
      const kctx = doc.kconfig?.kdamonds[k]?.contexts[0];
      const nid = kctx ? monitoredNode(kctx, a.profile) : undefined;
      if (nid !== undefined) where = ` node ${nid}`;
      else if (ctx && ops === 'paddr') {
        const r = regionsSummary(ctx);
        if (r) where = ` ${r}`;
      } else if (ctx) {
        const pids = items(mapGet(ctx, 'targets'))
          .map((t) => str(mapGet(t, 'pid')))
          .filter((x) => x !== undefined);
        if (pids.length) where = ` pid ${pids.join(', ')}`;
      }
      const children: OutlineSymbol[] = [];
      contexts.forEach((c, ci) => {
        items(mapGet(c, 'schemes')).forEach((s, si) => {
          const { name, detail } = schemeName(s);
          const sChildren: OutlineSymbol[] = [];
          items(mapGet(mapGet(s, 'quotas'), 'goals')).forEach((g) => {
            const metric = str(mapGet(g, 'metric')) ?? 'goal';
            const target = str(mapGet(g, 'target_value'));
            const gnid = str(mapGet(g, 'nid'));
            const cg = str(mapGet(g, 'memcg_path'));
            sChildren.push({
              name: `${metric}${target !== undefined ? ` ${target}` : ''}`,
              detail: [gnid !== undefined ? `node ${gnid}` : '', cg ?? ''].filter(Boolean).join(' · ') || undefined,
              kind: 'goal',
              range: g.range,
              selectionRange: selection(g),
              children: [],
            });
          });
          items(mapGet(s, 'filters')).forEach((f) => {
            const type = str(mapGet(f, 'filter_type')) ?? 'filter';
            const allow = str(mapGet(f, 'allow'));
            const matching = str(mapGet(f, 'matching'));
            const arg = str(mapGet(f, 'memcg_path')) ?? '';
            const verdict = allow === 'true' ? 'allow' : 'reject';
            sChildren.push({
              name: `${verdict} ${matching === 'false' ? 'not ' : ''}${type}${arg ? ` ${arg}` : ''}`,
              kind: 'filter',
              range: f.range,
              selectionRange: selection(f),
              children: [],
            });
          });
          children.push({
            name: contexts.length > 1 ? `context ${ci} · ${name}` : name,
            detail: shortForm(a, doc, k, { context: ci, index: si }) ?? detail,
            kind: 'scheme',
            range: s.range,
            selectionRange: selection(s),
            children: sChildren,
          });
        });
      });
      const first = children[0]?.name;
      out.push({
        name: `kdamond ${k} · ${ops}${where}`,
        detail: shortForm(a, doc, k) ?? (children.length === 1 && first ? first : `${children.length} scheme${children.length === 1 ? '' : 's'}`),
        kind: 'kdamond',
        range: kd.range,
        selectionRange: selection(kd),
        children,
      });
    });
  }
  return out;
}

/** One-line names, e.g. "kdamond 0 · paddr node 1 · migrate_hot → node 0 · /workload_a" (status, tests). */
export function flatNames(symbols: OutlineSymbol[]): string[] {
  return symbols.flatMap((k) => (k.children.length ? k.children.map((s) => `${k.name} · ${s.name}`) : [k.name]));
}
