/** Walkers over the checked config (KConfig) for the rules and the describer: schemes, contexts, quota goals, filters, each with its config path. */
import type { ConfigPath } from '../diagnostic';
import type { KContext, KFilter, KQuotaGoal, KScheme } from '../model/kernel';
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

/**
 * Every cgroup path the config names, with the path of its `memcg_path` key: quota goals' first, then
 * memcg filters' (the order the rules report in). `by` says which kind names it.
 */
export function memcgPaths(ctx: ConfigView): { memcgPath: string; path: ConfigPath; by: 'goal' | 'filter' }[] {
  const out: { memcgPath: string; path: ConfigPath; by: 'goal' | 'filter' }[] = [];
  for (const { goal, path } of goals(ctx)) if (goal.path) out.push({ memcgPath: goal.path, path: [...path, 'memcg_path'], by: 'goal' });
  for (const ref of schemes(ctx))
    for (const { filter, path } of filtersOf(ref))
      if (filter.type === 'memcg' && filter.memcgPath) out.push({ memcgPath: filter.memcgPath, path: [...path, 'memcg_path'], by: 'filter' });
  return out;
}
