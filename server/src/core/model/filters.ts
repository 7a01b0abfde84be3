/**
 * What a DAMOS filter chain really admits, with the kernel's semantics (6.15+):
 * core filters (addr, target) first, then ops filters; within a layer the first filter that
 * matches decides; memory no filter matches gets the opposite of the last filter's verdict; when
 * ops filters exist, the core layer's default is "allow" (the ops layer decides), and a core filter
 * that allows skips the ops layer.
 */
import type { KFilter } from './kernel';
import { normalizeCgroupPath } from './cgroup';
import { formatBytes } from './units';

export interface Atom {
  key: string;
  label: string;
  /** atoms of one group are mutually exclusive (a page has one memcg, one target, one folio size) */
  group?: string;
}

function cgroupNorm(p: string | null): string {
  return p ? normalizeCgroupPath(p) : '';
}

export function atomOf(f: KFilter): Atom {
  switch (f.type) {
    case 'memcg':
      return { key: `memcg:${cgroupNorm(f.memcgPath)}`, label: `memcg ${f.memcgPath ?? '?'}`, group: 'memcg' };
    case 'addr':
      return { key: `addr:${f.addrStart}-${f.addrEnd}`, label: `addr [${formatBytes(f.addrStart)}, ${formatBytes(f.addrEnd)})` };
    case 'target':
      return { key: `target:${f.targetIdx}`, label: `target ${f.targetIdx}`, group: 'target' };
    case 'hugepage_size':
      return f.hugepageMin === f.hugepageMax
        ? { key: `hp:${f.hugepageMin}`, label: `hugepage_size ${formatBytes(f.hugepageMin)}`, group: 'hugepage' }
        : { key: `hp:${f.hugepageMin}-${f.hugepageMax}`, label: `hugepage_size [${formatBytes(f.hugepageMin)}, ${formatBytes(f.hugepageMax)}]` };
    default:
      return { key: f.type, label: f.type };
  }
}

export type Formula = { kind: 'const'; v: boolean } | { kind: 'lit'; atom: string; neg: boolean } | { kind: 'and' | 'or'; a: Formula; b: Formula };

const T: Formula = { kind: 'const', v: true };
const F: Formula = { kind: 'const', v: false };

function or(a: Formula, b: Formula): Formula {
  if (a.kind === 'const') return a.v ? T : b;
  if (b.kind === 'const') return b.v ? T : a;
  return { kind: 'or', a, b };
}
function and(a: Formula, b: Formula): Formula {
  if (a.kind === 'const') return a.v ? b : F;
  if (b.kind === 'const') return b.v ? a : F;
  return { kind: 'and', a, b };
}
function not(a: Formula): Formula {
  if (a.kind === 'const') return a.v ? F : T;
  if (a.kind === 'lit') return { ...a, neg: !a.neg };
  return a.kind === 'and' ? { kind: 'or', a: not(a.a), b: not(a.b) } : { kind: 'and', a: not(a.a), b: not(a.b) };
}

/** First-match chain: filter ? verdict : rest, folded from the end. */
function chain(filters: KFilter[], dflt: Formula): Formula {
  let f = dflt;
  for (let i = filters.length - 1; i >= 0; i--) {
    const fl = filters[i];
    const m: Formula = { kind: 'lit', atom: atomOf(fl).label, neg: !fl.matching };
    f = fl.allow ? or(m, f) : and(not(m), f);
  }
  return f;
}

function lastDefault(filters: KFilter[]): Formula {
  if (filters.length === 0) return T;
  return filters[filters.length - 1].allow ? F : T;
}

/** The admission formula of a scheme's filters. */
export function admissionFormula(core: KFilter[], ops: KFilter[]): Formula {
  const opsF = chain(ops, lastDefault(ops));
  const coreDefault = ops.length > 0 ? opsF : lastDefault(core);
  return chain(core, coreDefault);
}

function show(f: Formula, parent: 'and' | 'or' | 'top'): string {
  switch (f.kind) {
    case 'const':
      return f.v ? 'all memory' : 'nothing';
    case 'lit':
      return f.neg ? `NOT ${f.atom}` : f.atom;
    default: {
      const s = `${show(f.a, f.kind)} ${f.kind.toUpperCase()} ${show(f.b, f.kind)}`;
      return parent === 'top' || parent === f.kind ? s : `(${s})`;
    }
  }
}

export function formatFormula(f: Formula): string {
  return show(f, 'top');
}

/** The formula for pages whose value of some atoms is known, e.g. "not in cgroup X" (by atom label). */
export function restrictFormula(f: Formula, known: (atom: string) => boolean | undefined): Formula {
  switch (f.kind) {
    case 'const':
      return f;
    case 'lit': {
      const v = known(f.atom);
      return v === undefined ? f : { kind: 'const', v: f.neg ? !v : v };
    }
    case 'and':
      return and(restrictFormula(f.a, known), restrictFormula(f.b, known));
    default:
      return or(restrictFormula(f.a, known), restrictFormula(f.b, known));
  }
}

/** "admits: memcg /a OR young" */
export function describeAdmission(core: KFilter[], ops: KFilter[]): string {
  return formatFormula(admissionFormula(core, ops));
}

// ---------------------------------------------------------------------------------------------
// Truth-table evaluation (for "never decides" and "admits outside the cgroup")

export interface ChainTable {
  atoms: Atom[];
  /** every consistent assignment of the atoms, with the verdict and which filter decided */
  rows: { values: boolean[]; admitted: boolean; decidedBy: KFilter | null }[];
}

const MAX_ATOMS = 12;

export function evaluateChain(core: KFilter[], ops: KFilter[]): ChainTable | undefined {
  const all = [...core, ...ops];
  const atoms: Atom[] = [];
  const index = new Map<string, number>();
  for (const f of all) {
    const a = atomOf(f);
    if (!index.has(a.key)) {
      index.set(a.key, atoms.length);
      atoms.push(a);
    }
  }
  if (atoms.length > MAX_ATOMS) return undefined;
  const rows: ChainTable['rows'] = [];
  for (let mask = 0; mask < 1 << atoms.length; mask++) {
    const values = atoms.map((_, i) => !!(mask & (1 << i)));
    // a page has at most one memcg / target / exact folio size
    const groups = new Map<string, number>();
    let consistent = true;
    atoms.forEach((a, i) => {
      if (a.group && values[i]) {
        groups.set(a.group, (groups.get(a.group) ?? 0) + 1);
        if ((groups.get(a.group) ?? 0) > 1) consistent = false;
      }
    });
    if (!consistent) continue;
    const hit = (f: KFilter): boolean => values[index.get(atomOf(f).key)!] === f.matching;
    let admitted: boolean | undefined;
    let decidedBy: KFilter | null = null;
    for (const f of core) {
      if (hit(f)) {
        admitted = f.allow;
        decidedBy = f;
        break;
      }
    }
    if (admitted === undefined) {
      if (ops.length === 0) admitted = core.length === 0 ? true : !core[core.length - 1].allow;
      else {
        for (const f of ops) {
          if (hit(f)) {
            admitted = f.allow;
            decidedBy = f;
            break;
          }
        }
        if (admitted === undefined) admitted = !ops[ops.length - 1].allow;
      }
    }
    rows.push({ values, admitted, decidedBy });
  }
  return { atoms, rows };
}
