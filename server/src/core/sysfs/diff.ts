/**
 * A readable diff of the host's DAMON sysfs tree (as probed) against a plan. Pure: no I/O.
 */
import type { SysfsPlan } from './plan';
import { restoreWrites } from './hostinfo';

export interface DiffLine {
  kind: 'change' | 'add' | 'remove' | 'state';
  path: string;
  before?: string;
  after?: string;
}

export function diffTree(tree: Map<string, string>, plan: SysfsPlan): DiffLine[] {
  const out: DiffLine[] = [];
  const planned = new Map<string, string>();
  for (const w of plan.writes) if (!w.state) planned.set(w.path, w.value);
  for (const [path, after] of planned) {
    const before = tree.get(path);
    if (before === undefined) out.push({ kind: 'add', path, after });
    else if (before !== after) out.push({ kind: 'change', path, before, after });
  }
  // files that disappear: under a numbered directory that the plan's nr_* count no longer covers
  const counts = new Map<string, number>();
  for (const [p, v] of planned) {
    const m = /^(.*)\/nr_[a-z_]+$/.exec(p);
    if (m) counts.set(m[1], Number(v));
  }
  for (const w of restoreWrites(tree)) {
    if (planned.has(w.path)) continue;
    const segs = w.path.split('/');
    let gone = false;
    for (let i = 1; i < segs.length && !gone; i++) {
      if (!/^\d+$/.test(segs[i])) continue;
      const n = counts.get(segs.slice(0, i).join('/'));
      if (n !== undefined && Number(segs[i]) >= n) gone = true;
    }
    if (gone) out.push({ kind: 'remove', path: w.path, before: w.value });
  }
  // one line per kdamond state: a restart shows every step ("on -> off -> on"), never "on -> on"
  const steps = new Map<string, string[]>();
  for (const w of plan.writes) if (w.state) steps.set(w.path, [...(steps.get(w.path) ?? []), w.value]);
  for (const [path, values] of steps) out.push({ kind: 'state', path, before: tree.get(path) ?? 'off', after: values.join(' -> ') });
  return out;
}

export function renderDiff(lines: DiffLine[]): string {
  if (lines.length === 0) return '  (no change)\n';
  const show = (v: string | undefined) => (v === undefined ? '' : v === '' ? "''" : v.replace(/\n/g, '\\n'));
  return lines
    .map((l) => {
      switch (l.kind) {
        case 'change': return `  ~ ${l.path}: ${show(l.before)} -> ${show(l.after)}`;
        case 'add': return `  + ${l.path} = ${show(l.after)}`;
        case 'remove': return `  - ${l.path} (was ${show(l.before)})`;
        case 'state': return `  ! ${l.path}: ${show(l.before)} -> ${show(l.after)}`;
      }
    })
    .join('\n') + '\n';
}
