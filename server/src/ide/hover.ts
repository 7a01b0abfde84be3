/** Hover: meaning, unit, normalized value, default, first kernel; filter chain formula; goal preview. */
import { nodeAtPath, parseByKind, type ConfigPath, type OffsetRange } from './core';
import { locate, type Analysis } from './analysis';
import {
  dottedPath,
  enumValueMarkdown,
  filterFormula,
  formatMetricValue,
  goalMetric,
  goalNid,
  keyMarkdown,
  kindAt,
  metricDoc,
  nodeShare,
  normalizedValue,
  parseScalarAt,
  schemeIndex,
  sinceText,
} from './describe';
import type { GoalValueStore } from './values';
import { explainHover } from './explain';

export interface HoverResult {
  markdown: string;
  range: OffsetRange;
}

function goalPathOf(path: ConfigPath): ConfigPath | undefined {
  const i = path.lastIndexOf('goals');
  if (i < 0 || typeof path[i + 1] !== 'number' || path[i - 1] !== 'quotas') return undefined;
  return path.slice(0, i + 2);
}

function filtersPathOf(path: ConfigPath): ConfigPath | undefined {
  const i = path.lastIndexOf('filters');
  if (i < 0 || !schemeIndex(path) || typeof path[i - 1] !== 'number') return undefined;
  return path.slice(0, i + 1);
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function goalPreview(a: Analysis, goalPath: ConfigPath, store: GoalValueStore, now = Date.now(), metricDescribed = false): string[] {
  const doc = a.result.documents.find((d) => d.root && nodeAtPath(d.root, goalPath).depth === goalPath.length);
  if (!doc) return [];
  const metric = goalMetric(doc.root, goalPath);
  const lines: string[] = [];
  const m = metric ? metricDoc(metric) : undefined;
  // (hovering the metric value itself, its description is above already)
  if (metric && m) lines.push(metricDescribed ? `**Goal metric \`${metric}\`**` : `**Goal metric \`${metric}\`** (${sinceText(m.since)}): ${m.doc}`);
  const tnode = nodeAtPath(doc.root, [...goalPath, 'target_value']);
  if (tnode.node && tnode.depth === goalPath.length + 1 && tnode.node.kind === 'scalar' && metric && m) {
    const r = parseByKind(m.kind as Parameters<typeof parseByKind>[0], tnode.node.value);
    if (r.ok) {
      let t = `Target: ${normalizedValue(r.v)}`;
      const share = m.kind === 'bp' ? nodeShare(r.v.value, goalNid(doc.root, goalPath), a.profile) : undefined;
      if (share) t += ` — ${share}`;
      lines.push('', t);
    }
  }
  const sim = store.get(a.uri, 'simulated', goalPath);
  const live = store.get(a.uri, 'live', goalPath);
  if (sim) lines.push('', `Last simulated value: ${formatMetricValue(metric, sim.value)} (${ago(now - sim.time)})`);
  if (live) lines.push('', `Last live value${live.source ? ` on ${live.source}` : ''}: ${formatMetricValue(metric, live.value)} (${ago(now - live.time)})`);
  if (!sim && !live) lines.push('', '_No simulated or live value yet: run “DAMON: Simulate” or deploy to see the metric here._');
  return lines;
}

/**
 * An access_pattern.nr_accesses bound in samples, as the kernel gets it: damo turns a percentage into
 * samples per aggregation interval (aggr_us / sample_us of the context).
 */
function samplesNote(doc: Analysis['result']['documents'][number], path: ConfigPath): string | undefined {
  const n = path.length;
  if (path[n - 3] !== 'access_pattern' || path[n - 2] !== 'nr_accesses' || (path[n - 1] !== 'min' && path[n - 1] !== 'max')) return undefined;
  const [, k, , c, , s] = path;
  if (path[0] !== 'kdamonds' || typeof k !== 'number' || typeof c !== 'number' || typeof s !== 'number') return undefined;
  const ctx = doc.kconfig?.kdamonds[k]?.contexts[c];
  const scheme = ctx?.schemes[s];
  if (!ctx || !scheme || !ctx.sampleUs) return undefined;
  const samples = scheme.accessPattern.nrAccesses[path[n - 1] as 'min' | 'max'];
  const per = Math.floor(ctx.aggrUs / ctx.sampleUs);
  if (samples > per) return undefined; // "max": no bound
  return ` = **${samples} of ${per} samples** per aggregation interval (aggr_us ${ctx.aggrUs} / sample_us ${ctx.sampleUs})`;
}

export function hoverAt(a: Analysis, offset: number, store: GoalValueStore): HoverResult | null {
  if (!a.damon) return null;
  const loc = locate(a, offset);
  if (!loc || loc.path.length === 0) return null;
  const { doc, path, node } = loc;
  const root = doc.root;
  const parts: string[] = [];
  let range: OffsetRange;
  const at = nodeAtPath(root, path);
  if (loc.onKey) {
    const explained = explainHover(a, doc, path);
    if (explained) parts.push(explained, '', '---', '');
    parts.push(...keyMarkdown(path, root));
    range = at.pair?.key.range ?? node?.range ?? { start: offset, end: offset };
  } else if (node && node.kind === 'scalar') {
    range = node.range;
    const enumLines = typeof node.value === 'string' ? enumValueMarkdown(path, node.value) : undefined;
    if (enumLines) parts.push(...enumLines, '', '---', '');
    parts.push(...keyMarkdown(path, root));
    const v = parseScalarAt(root, path, node);
    if (v)
      parts.splice(
        enumLines ? enumLines.length + 3 : 0,
        0,
        `\`${node.source || String(node.value)}\` → **${normalizedValue(v)}**${samplesNote(doc, path) ?? ''}`,
        '',
      );
    else if (kindAt(root, path) === 'bool' && node.yaml12 !== undefined) {
      parts.push('', `damo (PyYAML, YAML 1.1) reads this as \`${String(node.value)}\`; YAML 1.2 tools read \`${String(node.yaml12)}\`.`);
    }
  } else {
    range = at.pair?.key.range ?? node?.range ?? { start: offset, end: offset };
    parts.push(...keyMarkdown(path, root));
  }
  // the filter list: what the chain really admits
  const fp = filtersPathOf(path);
  if (fp) {
    const formula = filterFormula(doc, fp);
    if (formula)
      parts.push(
        '',
        '---',
        '',
        `**Filter chain admits:** ${formula}`,
        '',
        `_(${dottedPath(fp)}, evaluated the way the kernel does: core filters first, first match decides, unmatched memory gets the opposite of the last filter's verdict)_`,
      );
  }
  const gp = goalPathOf(path);
  if (gp)
    parts.push('', '---', '', ...goalPreview(a, gp, store, Date.now(), !loc.onKey && path[path.length - 1] === 'metric' && path.length === gp.length + 1));
  return { markdown: parts.join('\n'), range };
}
