/**
 * The probe: a read-mostly shell script run on the host, and the parser of its output into a
 * machine profile, host capabilities and a snapshot of the DAMON sysfs tree. The only writes are
 * the feature-detection skeleton (made and removed again under the deploy lock, and only when no
 * kdamond exists) — exactly what damo does. Pure: no I/O.
 */
import type { MachineProfile, ProfileNode } from '../profile';
import { capabilitiesForVersion, capabilitiesFromFiles, type HostCapabilities } from './features';
import { ADMIN_ROOT, type HostState, type SysfsWrite } from './plan';
import { FINGERPRINT_FN, lockFn, OWNED_PATH, SAY_FN, type RestoreSpec } from './script';

export const MODULES = ['damon_stat', 'damon_reclaim', 'damon_lru_sort'] as const;
export type DamonModule = (typeof MODULES)[number];

export interface ProbeOptions {
  /** create the feature-detection skeleton when no kdamond exists (default true) */
  skeleton?: boolean;
  /** also dump memory.numa_stat of every cgroup (for live values) */
  numaStat?: boolean;
  /** ask running kdamonds to refresh stats and effective quotas first */
  refreshStats?: boolean;
  /** wait at most this long for another session's lock (default 60 s) */
  lockWaitS?: number;
}

export function renderProbeScript(opts: ProbeOptions = {}): string {
  const skeleton = opts.skeleton ?? true;
  return `set -u
A=${ADMIN_ROOT}
${SAY_FN}
dump() { say "@@FILE $1"; while IFS= read -r l || [ -n "$l" ]; do printf '|%s\\n' "$l"; done < "$1" 2>/dev/null; }
${FINGERPRINT_FN}
${lockFn(opts.lockWaitS ?? 60)}
say "@@REL $(uname -r)"
# systemd runs this host (what deploy --persist installs needs it)
[ -d /run/systemd/system ] && say "@@SYSTEMD"
[ -r /proc/sys/kernel/numa_balancing ] && say "@@NUMAB $(cat /proc/sys/kernel/numa_balancing 2>/dev/null)"
for m in ${MODULES.join(' ')}; do
  [ -r /sys/module/$m/parameters/enabled ] && say "@@MOD $m $(cat /sys/module/$m/parameters/enabled) $(cat /sys/module/$m/parameters/kdamond_pid 2>/dev/null || echo -)"
done
dump /sys/devices/system/node/has_memory
for d in /sys/devices/system/node/node[0-9]*; do [ -r "$d/meminfo" ] && dump "$d/meminfo"; done
say "@@FILE /proc/zoneinfo"
grep -E '^Node|start_pfn|spanned' /proc/zoneinfo | sed 's/^/|/'
say "@@FILE /proc/iomem"
grep 'System RAM' /proc/iomem | sed 's/^/|/'
dump /proc/meminfo
if grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then
  say "@@CGROUPS"
  find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sed 's|^/sys/fs/cgroup|\\||'
  # cgroups without the memory controller (the parent's subtree_control lacks +memory): no memory.current
  say "@@NOMEMCG"
  find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | while IFS= read -r d; do [ -e "$d/memory.current" ] || printf '|%s\\n' "\${d#/sys/fs/cgroup}"; done
${
  opts.numaStat
    ? `  { echo /; find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sed 's|^/sys/fs/cgroup||'; } | while IFS= read -r c; do
    [ -r "/sys/fs/cgroup$c/memory.numa_stat" ] && { say "@@NUMASTAT $c"; grep -E '^(active|inactive)_(anon|file) ' "/sys/fs/cgroup$c/memory.numa_stat" | sed 's/^/|/'; }
  done`
    : ''
}
fi
if [ ! -d "$A" ]; then say "@@NODAMON"; exit 0; fi
${
  opts.refreshStats
    ? `n=$(cat "$A/kdamonds/nr_kdamonds")
k=0
while [ "$k" -lt "$n" ]; do
  if [ "$(cat "$A/kdamonds/$k/state")" = on ]; then
    echo update_schemes_stats > "$A/kdamonds/$k/state" 2>/dev/null
    echo update_schemes_effective_quotas > "$A/kdamonds/$k/state" 2>/dev/null
  fi
  k=$((k + 1))
done`
    : ''
}
${
  skeleton
    ? `lock
if [ "$(cat "$A/kdamonds/nr_kdamonds")" = 0 ]; then
  K=$A/kdamonds
  if echo 1 > $K/nr_kdamonds 2>/dev/null; then
    echo 1 > $K/0/contexts/nr_contexts
    C=$K/0/contexts/0
    echo 1 > $C/targets/nr_targets
    echo 1 > $C/schemes/nr_schemes
    S=$C/schemes/0
    for d in quotas/goals/nr_goals filters/nr_filters core_filters/nr_filters ops_filters/nr_filters dests/nr_dests; do
      [ -e $S/$d ] && echo 1 > $S/$d
    done
    say "@@SKEL"
    find $K/0 -type f | sed "s|^$K/0/|\\||"
    echo 0 > $K/nr_kdamonds
  fi
fi
unlock`
    : ''
}
say "@@FP $(fp)"
# what the last damon-config deploy committed (a regular file only: nothing planted there is opened)
[ -f ${OWNED_PATH} ] && [ ! -h ${OWNED_PATH} ] && say "@@OWNED $(head -c 400 ${OWNED_PATH} | head -n 1)"
say "@@TREE"
for f in $(find "$A" -type f -not -path '*/tried_regions/*' | sort); do dump "$f"; done
say "@@END"
`;
}

export interface ModuleHolder {
  module: DamonModule;
  enabled: boolean;
  pid: number | null;
}

export interface ProbeResult {
  release: string;
  hasDamon: boolean;
  caps: HostCapabilities;
  profile: MachineProfile;
  /** sysfs admin tree: path relative to ADMIN_ROOT -> value (trailing newline removed) */
  tree: Map<string, string>;
  fingerprint: string;
  host: HostState;
  /** DAMON_STAT / DAMON_RECLAIM / DAMON_LRU_SORT that hold DAMON (enabled) */
  holders: ModuleHolder[];
  /** per cgroup path ("/" for the root) -> per node -> bytes on the LRU lists */
  numaStat: Map<string, Map<number, number>>;
  /** per node MemTotal (bytes) and MemFree (bytes) */
  nodeMem: Map<number, { total: number; free: number }>;
  /** /proc/meminfo Active/Inactive (bytes) */
  meminfo: Map<string, number>;
  /** /proc/sys/kernel/numa_balancing (0 off; 1 or 2 on), null when the kernel has none */
  numaBalancing: number | null;
  /**
   * What the last damon-config deploy recorded at its commit (/run/damon-config/owned): the tree's
   * fingerprint and each kdamond's pid then ("-" when off). null: no deploy of this tool committed here.
   */
  owned: { fingerprint: string; pids: string[] } | null;
  /** a killed deploy's restore script was found under the lock and run (ok) or failed */
  recovered?: 'ok' | 'failed';
  /** systemd is the host's init (/run/systemd/system exists) */
  systemd?: boolean;
}

export class ProbeParseError extends Error {}

/** Parse the probe script's output. */
export function parseProbeOutput(text: string): ProbeResult {
  const files = new Map<string, string[]>();
  let cur: string[] | null = null;
  let section: 'none' | 'cgroups' | 'nomemcg' | 'skel' | 'numastat' = 'none';
  let release = '';
  let fingerprint = '';
  let owned: ProbeResult['owned'] = null;
  let hasDamon = true;
  let ended = false;
  let recovered: ProbeResult['recovered'];
  let numaBalancing: number | null = null;
  let systemd = false;
  const holders: ModuleHolder[] = [];
  const cgroups: string[] = [];
  let sawCgroups = false;
  let noMemcg: string[] | null = null;
  const skel: string[] = [];
  let sawSkel = false;
  const numaStat = new Map<string, Map<number, number>>();
  let curStat: Map<number, number> | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      const v = line.slice(1);
      if (section === 'cgroups') cgroups.push(v);
      else if (section === 'nomemcg') noMemcg?.push(v);
      else if (section === 'skel') skel.push(v);
      else if (section === 'numastat' && curStat) {
        for (const m of v.matchAll(/N(\d+)=(\d+)/g)) curStat.set(Number(m[1]), (curStat.get(Number(m[1])) ?? 0) + Number(m[2]));
      } else if (cur) cur.push(v);
      continue;
    }
    const [tag, ...rest] = line.split(' ');
    const arg = rest.join(' ');
    section = 'none';
    cur = null;
    switch (tag) {
      case '@@REL':
        release = arg;
        break;
      case '@@MOD': {
        const [mod, en, pid] = rest;
        holders.push({ module: mod as DamonModule, enabled: en === 'Y', pid: pid && pid !== '-' && Number(pid) > 0 ? Number(pid) : null });
        break;
      }
      case '@@FILE':
        cur = [];
        files.set(arg, cur);
        break;
      case '@@CGROUPS':
        section = 'cgroups';
        sawCgroups = true;
        break;
      case '@@NOMEMCG':
        section = 'nomemcg';
        noMemcg = [];
        break;
      case '@@SKEL':
        section = 'skel';
        sawSkel = true;
        break;
      case '@@NUMASTAT':
        section = 'numastat';
        curStat = new Map();
        numaStat.set(arg, curStat);
        break;
      case '@@SYSTEMD':
        systemd = true;
        break;
      case '@@NODAMON':
        hasDamon = false;
        break;
      case '@@FP':
        fingerprint = arg;
        break;
      case '@@OWNED': {
        const [fp, ...pids] = arg.trim().split(/\s+/);
        if (/^[0-9a-f]{32}$/.test(fp ?? '')) owned = { fingerprint: fp, pids };
        break;
      }
      case '@@NUMAB':
        numaBalancing = /^\d+$/.test(arg) ? Number(arg) : null;
        break;
      case '@@RECOVERED':
        recovered = arg === 'ok' ? 'ok' : 'failed';
        break;
      case '@@END':
        ended = true;
        break;
      default:
        break;
    }
  }
  if (!release) throw new ProbeParseError('the probe printed no kernel release (is the remote shell POSIX sh?)');
  if (hasDamon && !ended) throw new ProbeParseError('the probe output ended early');

  const tree = new Map<string, string>();
  const prefix = ADMIN_ROOT + '/';
  for (const [p, lines] of files) if (p.startsWith(prefix)) tree.set(p.slice(prefix.length), lines.join('\n'));

  // NUMA nodes
  const nodeMem = new Map<number, { total: number; free: number }>();
  for (const [p, lines] of files) {
    const m = /^\/sys\/devices\/system\/node\/node(\d+)\/meminfo$/.exec(p);
    if (!m) continue;
    const get = (k: string) => {
      const l = lines.find((x) => new RegExp(`\\b${k}:`).test(x));
      const n = l ? /(\d+)\s*kB/.exec(l) : null;
      return n ? Number(n[1]) * 1024 : 0;
    };
    nodeMem.set(Number(m[1]), { total: get('MemTotal'), free: get('MemFree') });
  }
  const withMem = parseNodeList((files.get('/sys/devices/system/node/has_memory') ?? []).join(''));
  const ram = (files.get('/proc/iomem') ?? [])
    .map((l) => /^\s*([0-9a-f]+)-([0-9a-f]+)\s*:/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ start: parseInt(m[1], 16), end: parseInt(m[2], 16) + 1 }));
  const spans = new Map<number, { start: number; end: number }[]>();
  let zoneNode = -1;
  let spanned = 0;
  for (const l of files.get('/proc/zoneinfo') ?? []) {
    const n = /^Node (\d+), zone/.exec(l);
    if (n) {
      zoneNode = Number(n[1]);
      continue;
    }
    const s = /spanned\s+(\d+)/.exec(l);
    if (s) {
      spanned = Number(s[1]);
      continue;
    }
    const st = /start_pfn:\s+(\d+)/.exec(l);
    if (st && zoneNode >= 0 && spanned > 0) {
      const start = Number(st[1]) * 4096;
      const arr = spans.get(zoneNode) ?? [];
      arr.push({ start, end: start + spanned * 4096 });
      spans.set(zoneNode, arr);
      spanned = 0;
    }
  }
  const nodes: ProfileNode[] = [];
  const nids = withMem.length ? withMem : [...nodeMem.keys()].sort((a, b) => a - b);
  for (const nid of nids) {
    const ranges: { start: number; end: number }[] = [];
    for (const z of spans.get(nid) ?? []) {
      for (const r of ram) {
        const start = Math.max(z.start, r.start);
        const end = Math.min(z.end, r.end);
        if (end > start) ranges.push({ start, end });
      }
    }
    ranges.sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number }[] = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else merged.push({ ...r });
    }
    nodes.push({ nid, sizeBytes: nodeMem.get(nid)?.total ?? 0, ranges: merged });
  }
  const meminfo = new Map<string, number>();
  for (const l of files.get('/proc/meminfo') ?? []) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)\s*kB/.exec(l);
    if (m) meminfo.set(m[1], Number(m[2]) * 1024);
  }

  const availOps = (tree.get('kdamonds/0/contexts/0/avail_operations') ?? '').split('\n').filter(Boolean);
  let caps: HostCapabilities;
  if (sawSkel) {
    caps = capabilitiesFromFiles(release, availOps.length ? availOps : ['vaddr', 'fvaddr', 'paddr'], skel);
  } else {
    // no skeleton (kdamonds exist): what the existing tree shows, plus the version table
    const byVersion = capabilitiesForVersion(release);
    const seen = [...tree.keys()].filter((p) => p.startsWith('kdamonds/0/')).map((p) => p.slice('kdamonds/0/'.length));
    const fromFiles = capabilitiesFromFiles(release, availOps.length ? availOps : ['vaddr', 'fvaddr', 'paddr'], seen);
    caps = { ...fromFiles, features: new Set([...byVersion.features, ...fromFiles.features]) };
  }

  const nr = Number(tree.get('kdamonds/nr_kdamonds') ?? '0');
  const running: boolean[] = [];
  for (let k = 0; k < nr; k++) running.push(tree.get(`kdamonds/${k}/state`) === 'on');

  return {
    release,
    hasDamon,
    caps,
    profile: {
      kernel: release,
      nodes,
      ...(sawCgroups ? { cgroups: cgroups.map((c) => c || '/').sort() } : {}),
      ...(noMemcg ? { cgroupsWithoutMemory: noMemcg.sort() } : {}),
    },
    tree,
    fingerprint,
    owned,
    host: { nrKdamonds: nr, running },
    holders,
    numaStat,
    nodeMem,
    meminfo,
    numaBalancing,
    systemd,
    ...(recovered ? { recovered } : {}),
  };
}

/** "0-1,3" -> [0,1,3] */
export function parseNodeList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    if (Number.isNaN(a)) continue;
    for (let i = a; i <= (Number.isNaN(b) || b === undefined ? a : b); i++) out.push(i);
  }
  return out;
}

const NOT_WRITABLE = /(^|\/)(state|pid|avail_operations|effective_bytes|avail_operations)$|\/stats\/(?!max_nr_snapshots$)|\/tried_regions\//;

/**
 * Writes that rebuild the tree read by the probe: depth-first, each directory's `nr_*` file before
 * its other files and subdirectories, numeric children in order. State writes are not included.
 */
export function restoreWrites(tree: Map<string, string>): SysfsWrite[] {
  interface Dir {
    files: Map<string, string>;
    dirs: Map<string, Dir>;
  }
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [p, v] of tree) {
    if (NOT_WRITABLE.test(p)) continue;
    const parts = p.split('/');
    let d = root;
    for (const seg of parts.slice(0, -1)) {
      let n = d.dirs.get(seg);
      if (!n) {
        n = { files: new Map(), dirs: new Map() };
        d.dirs.set(seg, n);
      }
      d = n;
    }
    d.files.set(parts[parts.length - 1], v);
  }
  const out: SysfsWrite[] = [];
  const walk = (d: Dir, prefix: string) => {
    const fileNames = [...d.files.keys()].sort(
      (a, b) => Number(b.startsWith('nr_')) - Number(a.startsWith('nr_')) || order(a) - order(b) || a.localeCompare(b),
    );
    for (const f of fileNames) out.push({ path: prefix + f, value: d.files.get(f) as string, source: [] });
    const dirNames = [...d.dirs.keys()].sort((a, b) => (/^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a.localeCompare(b)));
    for (const n of dirNames) walk(d.dirs.get(n) as Dir, `${prefix}${n}/`);
  };
  walk(root, '');
  return out;
}
/** within a directory: type before its dependants, operations before addr_unit */
function order(f: string): number {
  return ['operations', 'type', 'target_metric', 'action'].includes(f) ? 0 : 1;
}

export function restoreSpec(probe: ProbeResult, newNrKdamonds: number): RestoreSpec {
  return {
    tree: restoreWrites(probe.tree),
    runningBefore: probe.host.running,
    nrBefore: probe.host.nrKdamonds,
    inPlace: probe.host.running.some((r) => r) && probe.host.nrKdamonds === newNrKdamonds,
  };
}

/**
 * Running kdamonds that damon-config did not start (or that were changed since its last commit):
 * none when the tree is exactly what the last deploy recorded; else those whose pid differs from the
 * recorded one (started, or restarted, by damo or by hand); when every pid matches but the tree
 * differs, every running kdamond (tuned outside damon-config). Without a record, every running one.
 */
export function foreignKdamonds(p: Pick<ProbeResult, 'owned' | 'fingerprint' | 'tree' | 'host'>): number[] {
  const runningIdx = p.host.running.flatMap((on, k) => (on ? [k] : []));
  if (!p.owned) return runningIdx;
  if (p.owned.fingerprint === p.fingerprint) return [];
  const rec = p.owned.pids;
  const byPid = runningIdx.filter((k) => rec[k] === undefined || rec[k] === '-' || rec[k] !== p.tree.get(`kdamonds/${k}/pid`));
  return byPid.length ? byPid : runningIdx;
}
