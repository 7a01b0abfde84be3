/**
 * A readable diff of the host's DAMON sysfs tree (as probed) against a plan. Pure: no I/O.
 */
import type { SysfsPlan } from './plan';
import { restoreWrites } from './hostinfo';

export interface DiffLine {
  /** recreate: a directory whose nr_* file is rewritten (the kernel removes and remakes everything below); reset: a file below it the plan does not write, back to the kernel's default */
  kind: 'change' | 'add' | 'remove' | 'state' | 'recreate' | 'reset';
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
  out.push(...recreated(tree, planned, counts));
  // one line per kdamond state: a restart shows every step ("on -> off -> on"), never "on -> on"
  const steps = new Map<string, string[]>();
  for (const w of plan.writes) if (w.state) steps.set(w.path, [...(steps.get(w.path) ?? []), w.value]);
  for (const [path, values] of steps) out.push({ kind: 'state', path, before: tree.get(path) ?? 'off', after: values.join(' -> ') });
  return out;
}

/** files the kernel computes or reports (not settings): their reset is no news */
const DERIVED = /(^|\/)(stats|tried_regions)\/|\/(effective_bytes|pid|state|avail_operations)$/;

/**
 * Writing an nr_* file (even with the value it has) makes the kernel remove every numbered
 * directory below it and create fresh ones: whatever the plan does not write again there starts from
 * the kernel's default (a quota goal's path, a filter's memcg_path, ...). One line per rewritten
 * directory that exists now (the outermost only), then each setting below it that is reset.
 */
function recreated(tree: Map<string, string>, planned: Map<string, string>, counts: Map<string, number>): DiffLine[] {
  const out: DiffLine[] = [];
  const dirs = [...counts.keys()].filter((d) => [...planned.keys()].some((p) => p.startsWith(`${d}/nr_`) && tree.has(p))).sort();
  const outer = dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}/`)));
  for (const d of outer) {
    const nrPath = [...planned.keys()].find((p) => p.startsWith(`${d}/nr_`) && /^[^/]+$/.test(p.slice(d.length + 1)))!;
    out.push({ kind: 'recreate', path: nrPath, before: tree.get(nrPath), after: planned.get(nrPath) });
  }
  const reset: DiffLine[] = [];
  for (const [path, before] of tree) {
    if (planned.has(path) || DERIVED.test(path) || before === '' || before === '0') continue;
    // below a rewritten directory, inside an entry that survives (those beyond the new count are "removed")
    const d = dirs.find((x) => path.startsWith(`${x}/`) && /^\d+\//.test(path.slice(x.length + 1)));
    if (!d) continue;
    const idx = Number(/^(\d+)\//.exec(path.slice(d.length + 1))![1]);
    if (idx >= (counts.get(d) ?? 0)) continue;
    reset.push({ kind: 'reset', path, before });
  }
  return [...out, ...reset.sort((a, b) => a.path.localeCompare(b.path))];
}

export function renderDiff(lines: DiffLine[]): string {
  if (lines.length === 0) return '  (no change)\n';
  const show = (v: string | undefined) => (v === undefined ? '' : v === '' ? "''" : v.replace(/\n/g, '\\n'));
  return (
    lines
      .map((l) => {
        switch (l.kind) {
          case 'change':
            return `  ~ ${l.path}: ${show(l.before)} -> ${show(l.after)}`;
          case 'add':
            return `  + ${l.path} = ${show(l.after)}`;
          case 'remove':
            return `  - ${l.path} (was ${show(l.before)})`;
          case 'state':
            return `  ! ${l.path}: ${show(l.before)} -> ${show(l.after)}`;
          case 'recreate': {
            const i = l.path.lastIndexOf('/');
            return `  * ${l.path.slice(0, i + 1)} is recreated (${l.path.slice(i + 1)} rewritten: ${show(l.before)} -> ${show(l.after)}): everything below it starts from the kernel's defaults`;
          }
          case 'reset':
            return `  ~ ${l.path}: ${show(l.before)} -> (reset: not in the config, the recreated directory starts from the kernel's default)`;
        }
      })
      .join('\n') + '\n'
  );
}
