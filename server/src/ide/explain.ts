/**
 * The describer (core/explain/) in the editor: kdamond and scheme sentences for hover, the short
 * form for the outline's detail line, the whole file's markdown for the "Explain" code lens, and the
 * inline preview of what the kernel is given for goal targets and quotas. LSP-free, like every module
 * in ide/.
 */
import { explainDocument, hoverMarkdown, renderMarkdown, written, type Explanation } from './core';
import type { CheckedDocument, ConfigPath, SNode } from './core';
import type { Analysis } from './analysis';
import { parseScalarAt } from './describe';

/** How the editor user gets bytes for node shares when no profile is set. */
export const EDITOR_PROFILE_HINT = 'a machine profile (the damon.profile setting, or “DAMON: Use Host Profile…”)';

const cache = new WeakMap<CheckedDocument, { profile: unknown; e: Explanation | null }>();

/** The explanation of one checked document (cached per analysis and profile). Never throws. */
export function explanationOf(a: Analysis, doc: CheckedDocument): Explanation | null {
  const hit = cache.get(doc);
  if (hit && hit.profile === a.profile) return hit.e;
  let e: Explanation | null = null;
  try {
    e = explainDocument(doc, { profile: a.profile, profileHint: EDITOR_PROFILE_HINT });
  } catch {
    e = null;
  }
  cache.set(doc, { profile: a.profile, e });
  return e;
}

function firstKey(root: SNode | null, path: ConfigPath): string | undefined {
  let n: SNode | null | undefined = root;
  for (const seg of path) {
    if (!n) return undefined;
    if (typeof seg === 'number') n = n.kind === 'seq' ? n.items[seg] : undefined;
    else n = n.kind === 'map' ? n.pairs.find((p) => p.key.value === seg)?.value : undefined;
  }
  return n && n.kind === 'map' && n.pairs[0] ? String(n.pairs[0].key.value) : undefined;
}

/**
 * Hover markdown when `path` is the first key of a kdamond (kdamonds[k].<first key>) or of a scheme
 * (kdamonds[k].contexts[c].schemes[s].<first key>).
 */
export function explainHover(a: Analysis, doc: CheckedDocument, path: ConfigPath): string | undefined {
  const last = path[path.length - 1];
  if (typeof last !== 'string') return undefined;
  const owner = path.slice(0, -1);
  const isKdamond = owner.length === 2 && owner[0] === 'kdamonds' && typeof owner[1] === 'number';
  const isScheme = owner.length === 6 && owner[0] === 'kdamonds' && owner[2] === 'contexts' && owner[4] === 'schemes' && typeof owner[5] === 'number';
  if (!isKdamond && !isScheme) return undefined;
  if (firstKey(doc.root, owner) !== last) return undefined;
  const e = explanationOf(a, doc);
  if (!e) return undefined;
  const kd = e.kdamonds[owner[1] as number];
  if (!kd) return undefined;
  if (isKdamond) return hoverMarkdown(kd);
  const s = kd.schemes.find((x) => x.context === owner[3] && x.index === owner[5]);
  return s ? hoverMarkdown(s) : undefined;
}

/** The outline's detail line: the short form of a kdamond, or of one of its schemes. */
export function shortForm(a: Analysis, doc: CheckedDocument, kdamond: number, scheme?: { context: number; index: number }): string | undefined {
  const kd = explanationOf(a, doc)?.kdamonds[kdamond];
  if (!kd) return undefined;
  if (!scheme) return kd.short;
  return kd.schemes.find((s) => s.context === scheme.context && s.index === scheme.index)?.short;
}

/** Markdown explaining the whole file (every DAMON config document), for the "Explain" lens. */
export function explainMarkdown(a: Analysis, fileName: string): string {
  const explanations = a.result.documents.map((d) => explanationOf(a, d)).filter((e): e is Explanation => e !== null);
  return renderMarkdown([{ file: fileName, explanations }]);
}

const KERNEL_UNIT: Record<string, string> = { bp: ' bp', ms: ' ms', us: ' µs', bytes: '', count: '' };

/**
 * "→ 970 bp" / "→ 209715200": what the kernel is given for a goal target or a quota value, when the
 * written form differs from that integer (unit strings, percentages).
 */
export function kernelValuePreview(root: SNode | null, path: ConfigPath, node: SNode): string | undefined {
  if (node.kind !== 'scalar') return undefined;
  const inGoal = path[path.length - 1] === 'target_value' && path[path.length - 3] === 'goals';
  const inQuota = path[path.length - 2] === 'quotas' && ['sz_bytes', 'time_ms', 'reset_interval_ms'].includes(String(path[path.length - 1]));
  if (!inGoal && !inQuota) return undefined;
  const v = parseScalarAt(root, path, node);
  if (!v || v.special === 'max') return undefined;
  const n = written(v);
  if (String(node.value).trim() === String(n)) return undefined;
  return `→ ${n}${KERNEL_UNIT[v.unit] ?? ''}`;
}
