/**
 * Inlay hints, computed only for the requested (visible) range: the unit of bare numbers, a bp goal
 * target as a share of its node with the machine profile, and the last simulated / live value of each
 * quota goal (from the GoalValueStore).
 */
import type { ConfigPath, OffsetRange, SNode } from './core';
import type { Analysis } from './analysis';
import { formatMetricValue, goalMetric, goalNid, kindAt, nodeShare, parseScalarAt, type NumericKind } from './describe';
import type { DamonSettings, InlayHintKind } from './protocol';
import type { GoalValueStore } from './values';
import { formatBp, formatBytes, formatPermil, formatUs } from './core';
import { kernelValuePreview } from './explain';

export interface Hint {
  offset: number;
  label: string;
  kind: InlayHintKind;
  tooltip?: string;
}

const intersects = (r: OffsetRange, v: OffsetRange): boolean => r.start <= v.end && v.start <= r.end;

function unitHint(kind: NumericKind, value: number): string | undefined {
  switch (kind) {
    case 'us':
      return value >= 1000 ? `µs = ${formatUs(value)}` : 'µs';
    case 'ms':
      return value >= 1000 ? `ms = ${formatUs(value * 1000)}` : 'ms';
    case 'bytes':
      return value >= 1024 ? `B = ${formatBytes(value)}` : 'B';
    case 'bp':
      return `bp = ${formatBp(value)}`;
    case 'permil':
      return `‰ = ${formatPermil(value)}`;
    case 'percent':
      return '%';
    case 'nr_accesses':
      return '% of samples';
    case 'age':
      return value >= 1000 ? `µs = ${formatUs(value)}` : 'µs';
    default:
      return undefined;
  }
}

function isGoalTarget(path: ConfigPath): boolean {
  return path[path.length - 1] === 'target_value' && typeof path[path.length - 2] === 'number' && path[path.length - 3] === 'goals';
}

export function inlayHintsIn(a: Analysis, range: OffsetRange, settings: DamonSettings, store: GoalValueStore, now = Date.now()): Hint[] {
  if (!a.damon) return [];
  const out: Hint[] = [];
  const enabled = settings.inlayHints;
  for (const doc of a.result.documents) {
    const root = doc.root;
    if (!root || !intersects(range, doc.range)) continue;
    const walk = (node: SNode, path: ConfigPath): void => {
      if (!intersects(range, node.range)) return;
      if (node.kind === 'map') {
        for (const p of node.pairs) if (p.value) walk(p.value, [...path, String(p.key.value)]);
        if (enabled.goalValues && path[path.length - 2] === 'goals' && typeof path[path.length - 1] === 'number') goalValueHints(node, path);
        return;
      }
      if (node.kind === 'seq') {
        node.items.forEach((it, i) => walk(it, [...path, i]));
        return;
      }
      if (node.range.start < range.start || node.range.end > range.end) return;
      const kind = kindAt(root, path);
      if (!kind || kind === 'bool') return;
      if (enabled.units && typeof node.value === 'number' && !node.quoted && kind !== 'nr') {
        const label = unitHint(kind, node.value);
        if (label) out.push({ offset: node.range.end, label, kind: 'units' });
      }
      const given = enabled.units && typeof node.value === 'string' ? kernelValuePreview(root, path, node) : undefined;
      if (given) out.push({ offset: node.range.end, label: given, kind: 'units', tooltip: 'what the kernel is given (sysfs value)' });
      if (enabled.nodeShare && isGoalTarget(path) && kind === 'bp') {
        const goalPath = path.slice(0, -1);
        const v = parseScalarAt(root, path, node);
        const nid = goalNid(root, goalPath);
        const sizeBytes = a.profile?.nodes.find((n) => n.nid === nid)?.sizeBytes;
        // the value itself is on the line already (and its % in the units hint): only the bytes it means
        if (v && sizeBytes !== undefined) {
          out.push({
            offset: node.range.end,
            label: `≈ ${formatBytes((sizeBytes * v.value) / 10000)} of node ${nid}`,
            kind: 'nodeShare',
            tooltip: `${goalMetric(root, goalPath)} target: ${nodeShare(v.value, nid, a.profile)} (node ${nid} has ${formatBytes(sizeBytes)} in the machine profile${a.profile?.name ? ` "${a.profile.name}"` : ''})`,
          });
        }
      }
    };
    const goalValueHints = (goal: SNode, goalPath: ConfigPath): void => {
      const sim = store.get(a.uri, 'simulated', goalPath);
      const live = store.get(a.uri, 'live', goalPath);
      if (!sim && !live) return;
      const metric = goalMetric(root, goalPath);
      const anchor = goal.kind === 'map' ? (goal.pairs.find((p) => p.key.value === 'target_value')?.value ?? goal) : goal;
      const offset = anchor.range.end;
      if (offset < range.start || offset > range.end) return;
      const parts: string[] = [];
      if (sim) parts.push(`sim ${formatMetricValue(metric, sim.value)}`);
      if (live) parts.push(`live ${formatMetricValue(metric, live.value)}${live.source ? ` @${live.source}` : ''}`);
      const age = (t: number) => `${Math.max(0, Math.round((now - t) / 1000))} s ago`;
      out.push({
        offset,
        label: parts.join(' · '),
        kind: 'goalValues',
        tooltip: [sim ? `simulated ${age(sim.time)}` : '', live ? `read from ${live.source ?? 'the host'} ${age(live.time)}` : ''].filter(Boolean).join('; '),
      });
    };
    walk(root, []);
  }
  return out.sort((x, y) => x.offset - y.offset);
}
