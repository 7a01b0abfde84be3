/** Promotion/demotion pairing across all kdamonds (shared by the tiering-* rules). */
import type { ConfigPath, OffsetRange } from '../diagnostic';
import type { SNode } from '../parse/tree';
import type { KQuotaGoal } from '../model/kernel';
import { formatBytes } from '../model/units';
import { goals, type ConfigView, type SchemeRef } from './walk';
import { normalizeCgroupPath } from '../model/cgroup';
import { profileNode } from './machine';
import type { RuleContext } from './types';

export interface TierGoal {
  ref: SchemeRef;
  goal: KQuotaGoal;
  goalPath: ConfigPath;
  nid: number;
  /** normalized cgroup path, or '*' for a whole-node metric */
  cgroup: string;
  key: string;
}

export interface TieringGoals {
  promotions: TierGoal[];
  demotions: TierGoal[];
  /** the demotions / promotions of each `nid|cgroup` key, in order */
  demotionsByKey: Map<string, TierGoal[]>;
  promotionsByKey: Map<string, TierGoal[]>;
}

const tieringCache = new WeakMap<object, TieringGoals>();

/** The by-key indexes over promotion and demotion lists. */
export function indexTiering(promotions: TierGoal[], demotions: TierGoal[]): TieringGoals {
  return { promotions, demotions, demotionsByKey: byKey(demotions), promotionsByKey: byKey(promotions) };
}

function byKey(list: TierGoal[]): Map<string, TierGoal[]> {
  const m = new Map<string, TierGoal[]>();
  for (const t of list) {
    const l = m.get(t.key);
    if (l) l.push(t);
    else m.set(t.key, [t]);
  }
  return m;
}

/** The promotion and demotion goals of the whole config (computed once per document, shared by the tiering-* rules). */
export function tieringGoals(ctx: ConfigView): TieringGoals {
  const cached = tieringCache.get(ctx.kconfig);
  if (cached) return cached;
  const promotions: TierGoal[] = [];
  const demotions: TierGoal[] = [];
  for (const { goal, path, ref } of goals(ctx)) {
    if (goal.nid === null || goal.targetValue <= 0) continue;
    const action = ref.scheme.action;
    const memcg = goal.metric.startsWith('node_memcg_');
    if (memcg && !goal.path) continue;
    const cgroup = memcg ? normalizeCgroupPath(goal.path!) : '*';
    const key = `${goal.nid}|${cgroup}`;
    const t: TierGoal = { ref, goal, goalPath: path, nid: goal.nid, cgroup, key };
    if (action === 'migrate_hot' && (goal.metric === 'node_memcg_used_bp' || goal.metric === 'node_mem_used_bp')) promotions.push(t);
    if (action === 'migrate_cold' && (goal.metric === 'node_memcg_free_bp' || goal.metric === 'node_mem_free_bp')) demotions.push(t);
  }
  const out = indexTiering(promotions, demotions);
  tieringCache.set(ctx.kconfig, out);
  return out;
}

export function who(t: TierGoal): string {
  return t.cgroup === '*' ? `node ${t.nid}` : `${t.cgroup} on node ${t.nid}`;
}

export function bpBytes(ctx: RuleContext, nid: number, bp: number): string {
  const n = profileNode(ctx.profile, nid);
  return n ? ` ≈ ${formatBytes((n.sizeBytes * Math.abs(bp)) / 10000)}` : '';
}

const targets = new WeakMap<TierGoal, { path: ConfigPath; node: SNode | null | undefined }>();

function target(ctx: RuleContext, t: TierGoal): { path: ConfigPath; node: SNode | null | undefined } {
  let x = targets.get(t);
  if (!x) {
    let path = [...t.goalPath, 'target_value'];
    let node = ctx.node(path);
    if (node === undefined) {
      path = [...t.goalPath, 'metric'];
      node = ctx.node(path);
    }
    x = { path, node };
    targets.set(t, x);
  }
  return x;
}

/**
 * The path a tiering finding points at: the goal's target_value, or its metric when it has none.
 * Looked up once per goal (a goal object belongs to one tree; the incremental check keeps an
 * unchanged kdamond's goals, and its tree, from one edit to the next).
 */
export function targetPath(ctx: RuleContext, t: TierGoal): ConfigPath {
  return target(ctx, t).path;
}

/** The node at targetPath, if present. */
export function targetNode(ctx: RuleContext, t: TierGoal): SNode | null | undefined {
  return target(ctx, t).node;
}

/** ctx.rangeOf(targetPath(ctx, t)): the target node's own range object when it has a node. */
export function targetRange(ctx: RuleContext, t: TierGoal): OffsetRange {
  const x = target(ctx, t);
  return x.node ? x.node.range : ctx.rangeOf(x.path);
}

export function pctText(bp: number): string {
  return `${+(bp / 100).toFixed(2)}%`;
}

/**
 * A set of tiering goals that a cross-item rule judges on its own, independent of every other group:
 * the goals of one `nid|cgroup` key (grouping 'key'), or the per-cgroup promotions of one node
 * (grouping 'node'). The incremental check (core/incremental.ts) reruns a cross-item rule only for the
 * groups whose goals changed and reuses the findings of the others.
 */
export interface TierGroup {
  key: string;
  promotions: TierGoal[];
  demotions: TierGoal[];
}

export type TierGrouping = 'key' | 'node';

/** How a rule that compares kdamonds with each other is evaluated: group by group, in tierGroups order. */
export interface CrossItemCheck {
  grouping: TierGrouping;
  checkGroup(ctx: RuleContext, group: TierGroup): void;
}

/** The groups of a config in a fixed order: by first appearance among the promotions, then among the demotions. */
export function tierGroups(g: TieringGoals, grouping: TierGrouping): TierGroup[] {
  const out = new Map<string, TierGroup>();
  if (grouping === 'node') {
    for (const p of g.promotions) {
      if (p.cgroup === '*') continue;
      const key = `node ${p.nid}`;
      const group = out.get(key);
      if (group) group.promotions.push(p);
      else out.set(key, { key, promotions: [p], demotions: [] });
    }
    return [...out.values()];
  }
  for (const t of [...g.promotions, ...g.demotions]) {
    if (out.has(t.key)) continue;
    out.set(t.key, { key: t.key, promotions: g.promotionsByKey.get(t.key) ?? [], demotions: g.demotionsByKey.get(t.key) ?? [] });
  }
  return [...out.values()];
}

/** A cross-item rule's whole-config check: every group in order. */
export function checkGroups(cross: CrossItemCheck): (ctx: RuleContext) => void {
  return (ctx) => {
    for (const group of tierGroups(tieringGoals(ctx), cross.grouping)) cross.checkGroup(ctx, group);
  };
}
