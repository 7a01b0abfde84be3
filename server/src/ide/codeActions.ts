/** Quick fixes from the core's minimal text edits, and source.fixAll. */
import type { CoreDiagnostic, OffsetRange, TextEdit } from './core';
import type { Analysis } from './analysis';

export interface Action {
  title: string;
  kind: 'quickfix' | 'source.fixAll.damon';
  edits: TextEdit[];
  preferred: boolean;
  diagnostics: CoreDiagnostic[];
}

const overlaps = (a: OffsetRange, b: OffsetRange): boolean => a.start <= b.end && b.start <= a.end;

/** Quick fixes of the diagnostics that touch `range`. */
export function quickFixes(a: Analysis, range: OffsetRange, only?: (d: CoreDiagnostic) => boolean): Action[] {
  const out: Action[] = [];
  for (const d of a.result.diagnostics) {
    if (!d.fixes?.length || !overlaps(d.range, range)) continue;
    if (only && !only(d)) continue;
    d.fixes.forEach((f, i) => {
      out.push({
        title: f.title,
        kind: 'quickfix',
        edits: f.edits,
        preferred: !!f.preferred || (d.fixes!.length === 1 && i === 0 && d.severity === 'error'),
        diagnostics: [d],
      });
    });
  }
  return out;
}

/** The edit `source.fixAll` applies: each problem's preferred (or only) fix, skipping overlapping edits. */
export function fixAll(a: Analysis): Action | undefined {
  const chosen: TextEdit[] = [];
  const fixed: CoreDiagnostic[] = [];
  for (const d of a.result.diagnostics) {
    if (!d.fixes?.length) continue;
    const fix = d.fixes.find((f) => f.preferred) ?? (d.fixes.length === 1 ? d.fixes[0] : undefined);
    if (!fix) continue;
    if (
      fix.edits.some(
        (e) =>
          chosen.some((c) => e.range.start < c.range.end && c.range.start < e.range.end) ||
          chosen.some((c) => c.range.start === e.range.start && c.range.end === e.range.end),
      )
    )
      continue;
    chosen.push(...fix.edits);
    fixed.push(d);
  }
  if (chosen.length === 0) return undefined;
  chosen.sort((x, y) => x.range.start - y.range.start);
  return {
    title: `Fix ${fixed.length} DAMON problem${fixed.length === 1 ? '' : 's'} (preferred fixes)`,
    kind: 'source.fixAll.damon',
    edits: chosen,
    preferred: false,
    diagnostics: fixed,
  };
}
