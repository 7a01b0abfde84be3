/** The sysfs plan and its shell renderings (no VM): ordering, units, features, quoting. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilitiesForVersion, capabilitiesFromFiles } from '../../server/src/core/sysfs/features';
import { parseProbeOutput, restoreWrites } from '../../server/src/core/sysfs/hostinfo';
import { planSysfs } from '../../server/src/core/sysfs/plan';
import { renderDeployScript, renderStandaloneScript, shQuote } from '../../server/src/core/sysfs/script';
import { diffTree, renderDiff } from '../../server/src/core/sysfs/diff';
import { checkText } from '../../server/src/core/index';
import { readFileSync } from 'node:fs';
import { ROOT } from '../testhost/vm';

const tiering = readFileSync(join(ROOT, 'test/deploy/fixtures/tiering-vm.damon.yaml'), 'utf8');
const kconfig = (text: string) => {
  const r = checkText(text, { fileName: 'x.damon.yaml' });
  const d = r.documents.find((x) => x.kconfig);
  if (!d?.kconfig) throw new Error(JSON.stringify(r.diagnostics.map((x) => x.message)));
  return d.kconfig;
};

describe('planSysfs', () => {
  const plan = planSysfs(kconfig(tiering));
  const idx = (p: string) => plan.writes.findIndex((w) => w.path === p);

  it('writes every nr_* file before the children it recreates', () => {
    for (const [i, w] of plan.writes.entries()) {
      const m = /^(.*)\/nr_[a-z_]+$/.exec(w.path);
      if (!m) continue;
      const firstChild = plan.writes.findIndex((x) => x.path.startsWith(`${m[1]}/`) && x.path !== w.path && /\/\d+\//.test(x.path.slice(m[1].length)));
      if (firstChild >= 0) expect(firstChild).toBeGreaterThan(i);
    }
    expect(idx('kdamonds/nr_kdamonds')).toBe(0);
  });

  it('writes all six access-pattern bounds, plain decimal, and the unbounded maxima', () => {
    for (const f of ['sz/min', 'sz/max', 'nr_accesses/min', 'nr_accesses/max', 'age/min', 'age/max']) {
      expect(idx(`kdamonds/0/contexts/0/schemes/0/access_pattern/${f}`)).toBeGreaterThan(0);
    }
    const v = (p: string) => plan.writes[idx(p)].value;
    expect(v('kdamonds/0/contexts/0/schemes/0/access_pattern/sz/max')).toBe('18446744073709551615');
    expect(v('kdamonds/0/contexts/0/schemes/0/access_pattern/nr_accesses/max')).toBe('4294967295');
    expect(v('kdamonds/1/contexts/0/schemes/0/access_pattern/age/min')).toBe('10');
    expect(v('kdamonds/0/contexts/0/schemes/0/quotas/goals/0/target_value')).toBe('1000');
    for (const w of plan.writes) expect(w.value).not.toMatch(/^0\d|e\+|\.|^-?0x/);
  });

  it('splits filters into core_filters and ops_filters and ends with on per kdamond', () => {
    const cfg = tiering.replace(
      '- {filter_type: young, matching: false, allow: false}',
      '- {filter_type: young, matching: false, allow: false}\n              - {filter_type: addr, matching: true, allow: false, address_range: {start: 1073741824, end: 1207959552}}',
    );
    const p = planSysfs(kconfig(cfg));
    const get = (path: string) => p.writes.find((w) => w.path === path)?.value;
    expect(get('kdamonds/0/contexts/0/schemes/0/core_filters/nr_filters')).toBe('1');
    expect(get('kdamonds/0/contexts/0/schemes/0/core_filters/0/type')).toBe('addr');
    expect(get('kdamonds/0/contexts/0/schemes/0/ops_filters/nr_filters')).toBe('2');
    expect(get('kdamonds/0/contexts/0/schemes/0/ops_filters/1/type')).toBe('young');
    expect(p.writes.slice(-2).map((w) => `${w.path}=${w.value}`)).toEqual(['kdamonds/0/state=on', 'kdamonds/1/state=on']);
  });

  it('commits to running kdamonds of the same count without touching nr_kdamonds; restarts otherwise', () => {
    const live = planSysfs(kconfig(tiering), { host: { nrKdamonds: 2, running: [true, true] } });
    expect(live.mode).toBe('commit');
    expect(live.writes.some((w) => w.path === 'kdamonds/nr_kdamonds')).toBe(false);
    expect(live.writes.filter((w) => w.state).map((w) => w.value)).toEqual(['commit', 'commit']);
    const other = planSysfs(kconfig(tiering), { host: { nrKdamonds: 1, running: [true] } });
    expect(other.mode).toBe('restart');
    expect(other.writes[0]).toMatchObject({ path: 'kdamonds/0/state', value: 'off' });
  });

  it('leaves out files the host lacks when the config keeps the default, and refuses otherwise', () => {
    const caps = capabilitiesForVersion('6.12');
    const p = planSysfs(kconfig(tiering), { caps });
    expect(p.omitted).toContain('kdamonds/0/refresh_ms');
    const msgs = p.problems.map((x) => x.message).join('\n');
    expect(msgs).toMatch(/goal metric "node_memcg_used_bp" needs Linux 6\.19/);
    expect(msgs).toMatch(/goal_tuner "temporal" needs 7\.1/);
    expect(p.problems.find((x) => /node_memcg_used_bp/.test(x.message))?.source).toEqual([
      'kdamonds',
      0,
      'contexts',
      0,
      'schemes',
      0,
      'quotas',
      'goals',
      0,
      'metric',
    ]);
  });

  it('refuses unsafe strings before anything is rendered', () => {
    const k = kconfig(tiering);
    k.kdamonds[0].contexts[0].schemes[0].opsFilters[0].memcgPath = '/a\u0000b';
    const p = planSysfs(k);
    expect(p.problems[0].message).toMatch(/NUL/);
  });
});

describe('shell renderings', () => {
  it('shQuote survives every quoting trick (checked by a real sh)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-quote-'));
    for (const s of [`a'b`, `$(touch ${dir}/x)`, '`touch x`', '"; touch y; "', '\\', ' lead', "''", '*', '$HOME']) {
      const out = execFileSync('sh', ['-c', `printf '%s' ${shQuote(s)}`], { cwd: dir, encoding: 'utf8' });
      expect(out).toBe(s);
    }
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('');
  });

  it('the standalone script writes each value into a fake admin tree and stops at the first refused write', () => {
    const plan = planSysfs(kconfig(tiering));
    const dir = mkdtempSync(join(tmpdir(), 'dc-script-'));
    // a stand-in tree: the script only writes files; make them all, minus one to provoke a failure
    const files = plan.writes.map((w) => w.path);
    const script = renderStandaloneScript(plan).replace('A=/sys/kernel/mm/damon/admin', `A=${dir}`);
    const broken = files[50];
    for (const f of files) {
      if (f === broken) continue;
      execFileSync('mkdir', ['-p', join(dir, f, '..')]);
    }
    execFileSync('mkdir', ['-p', join(dir, broken)]); // a directory where a file is expected: the write fails
    writeFileSync(join(dir, 'apply.sh'), script);
    let err = '';
    try {
      execFileSync('sh', [join(dir, 'apply.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toMatch(new RegExp(`writing .* to ${dir}/${broken} failed: .*Is a directory`));
    expect(readFileSync(join(dir, files[49]), 'utf8')).toBe(plan.writes[49].value);
    expect(() => readFileSync(join(dir, files[51]))).toThrow();
  }, 180_000);

  it('the deploy script quotes every value and refuses odd paths', () => {
    const k = kconfig(tiering);
    k.kdamonds[0].contexts[0].schemes[0].opsFilters[0].memcgPath = `/x'$(reboot)`;
    const plan = planSysfs(k);
    const s = renderDeployScript(plan, '0'.repeat(32), { tree: [], runningBefore: [], nrBefore: 0, inPlace: false });
    expect(s).toContain(`'/x'\\''$(reboot)'`);
    plan.writes[3].path = 'kdamonds/../../x';
    expect(() => renderDeployScript(plan, '0'.repeat(32), { tree: [], runningBefore: [], nrBefore: 0, inPlace: false })).toThrow(/unexpected sysfs path/);
  });
});

describe('probe output', () => {
  const out = [
    '@@REL 7.2.13+deb14-cloud-amd64',
    '@@MOD damon_stat Y 123',
    '@@FILE /sys/devices/system/node/has_memory',
    '|0-1',
    '@@FILE /sys/devices/system/node/node0/meminfo',
    '|Node 0 MemTotal:        1000 kB',
    '|Node 0 MemFree:          500 kB',
    '@@FILE /sys/devices/system/node/node1/meminfo',
    '|Node 1 MemTotal:        2000 kB',
    '|Node 1 MemFree:         1500 kB',
    '@@FILE /proc/zoneinfo',
    '|Node 0, zone      DMA',
    '|        spanned  4095',
    '|  start_pfn:           1',
    '|Node 0, zone    DMA32',
    '|        spanned  258048',
    '|  start_pfn:           4096',
    '|Node 1, zone   Normal',
    '|        spanned  262144',
    '|  start_pfn:           262144',
    '@@FILE /proc/iomem',
    '|00001000-0009fbff : System RAM',
    '|00100000-7ffdffff : System RAM',
    '@@CGROUPS',
    '|/workload_a',
    '|/workload_b',
    '@@SKEL',
    '|refresh_ms',
    '|contexts/0/addr_unit',
    '|contexts/0/schemes/0/quotas/goals/0/nid',
    '@@FP 0123456789abcdef0123456789abcdef',
    '@@TREE',
    '@@FILE /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds',
    '|1',
    '@@FILE /sys/kernel/mm/damon/admin/kdamonds/0/state',
    '|on',
    '@@FILE /sys/kernel/mm/damon/admin/kdamonds/0/contexts/nr_contexts',
    '|1',
    '@@FILE /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/avail_operations',
    '|vaddr',
    '|fvaddr',
    '|paddr',
    '@@FILE /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations',
    '|paddr',
    '@@END',
  ].join('\n');

  it('yields the machine profile, capabilities, holders and the tree', () => {
    const p = parseProbeOutput(out);
    expect(p.profile.nodes).toEqual([
      {
        nid: 0,
        sizeBytes: 1024000,
        ranges: [
          { start: 4096, end: 0x9fc00 },
          { start: 0x100000, end: 0x40000000 },
        ],
      },
      { nid: 1, sizeBytes: 2048000, ranges: [{ start: 0x40000000, end: 0x7ffe0000 }] },
    ]);
    expect(p.profile.cgroups).toEqual(['/workload_a', '/workload_b']);
    expect(p.holders[0]).toEqual({ module: 'damon_stat', enabled: true, pid: 123 });
    expect(p.caps.features.has('refresh_ms')).toBe(true);
    expect(p.caps.features.has('goal_nid')).toBe(true);
    expect(p.caps.features.has('pause')).toBe(false);
    expect(p.caps.availOps).toEqual(['vaddr', 'fvaddr', 'paddr']);
    expect(p.host).toEqual({ nrKdamonds: 1, running: [true] });
  });

  it('restores nr_* before children and never writes read-only files', () => {
    const p = parseProbeOutput(out);
    const w = restoreWrites(p.tree).map((x) => x.path);
    expect(w).toEqual(['kdamonds/nr_kdamonds', 'kdamonds/0/contexts/nr_contexts', 'kdamonds/0/contexts/0/operations']);
  });

  it('capabilities from files see features by file name', () => {
    const c = capabilitiesFromFiles('6.12.1', ['paddr'], ['contexts/0/schemes/0/filters/nr_filters', 'contexts/0/schemes/0/quotas/goals/0/target_metric']);
    expect([...c.features].sort()).toEqual(['filters', 'goal_metric']);
    expect(c.metrics.has('node_memcg_used_bp')).toBe(false);
  });

  it('the diff names changed, added and removed files and state changes', () => {
    const tree = new Map([
      ['kdamonds/nr_kdamonds', '2'],
      ['kdamonds/1/refresh_ms', '5'],
      ['kdamonds/0/refresh_ms', '0'],
      ['kdamonds/0/state', 'on'],
    ]);
    const plan = planSysfs(kconfig(tiering).kdamonds.length ? { kdamonds: [kconfig(tiering).kdamonds[0]] } : kconfig(tiering));
    const d = diffTree(tree, plan);
    expect(d).toContainEqual({ kind: 'change', path: 'kdamonds/nr_kdamonds', before: '2', after: '1' });
    expect(d).toContainEqual({ kind: 'remove', path: 'kdamonds/1/refresh_ms', before: '5' });
    expect(d.find((x) => x.path === 'kdamonds/0/refresh_ms')).toBeUndefined();
    expect(d).toContainEqual({ kind: 'state', path: 'kdamonds/0/state', before: 'on', after: 'on' });
  });

  it('a restart shows each state step, never "on -> on" (#11 item 9)', () => {
    const tree = new Map([
      ['kdamonds/nr_kdamonds', '2'],
      ['kdamonds/0/state', 'on'],
      ['kdamonds/1/state', 'off'],
    ]);
    const plan = planSysfs({ kdamonds: [kconfig(tiering).kdamonds[0]] }, { host: { nrKdamonds: 2, running: [true, false] } });
    expect(plan.mode).toBe('restart');
    const d = diffTree(tree, plan);
    expect(d.filter((x) => x.kind === 'state')).toEqual([{ kind: 'state', path: 'kdamonds/0/state', before: 'on', after: 'off -> on' }]);
    expect(renderDiff(d)).toMatch(/^ {2}! kdamonds\/0\/state: on -> off -> on$/m);
    expect(renderDiff(d)).not.toMatch(/on -> on$/m);
  });
});
