import { describe, expect, it } from 'vitest';
import { checkText, loadProfile } from '../../server/src/core/index';
import { profileToYaml } from '../../server/src/core/profile-load';
import { parseProbeOutput } from '../../server/src/core/sysfs/hostinfo';
import { config, QUOTAS } from '../../server/src/core/rules/examples';

// issue 11 item 11: a probe of a host with no child cgroups writes `cgroups: []`; that is a fact
// ("no cgroups"), not "unknown", so memcg-path-unknown must report every memcg path but "/".
const NODES = 'nodes:\n  - {nid: 0, size: 30 GiB, ranges: [{start: 0, end: 30 GiB}]}\n  - {nid: 1, size: 30 GiB, ranges: [{start: 30 GiB, end: 60 GiB}]}\n';
const GOAL = (p: string) =>
  config({
    schemes: [
      `{action: migrate_hot, target_nid: 0, ${QUOTAS}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: ${p}, target_value: 9.7%, current_value: 0}]}}`,
    ],
  });
const FILTER = (p: string) =>
  config({ schemes: [`{action: pageout, ${QUOTAS}}, filters: [{filter_type: memcg, matching: true, allow: false, memcg_path: ${p}}]}`] });

const unknown = (text: string, profileText: string) => {
  const { profile, diagnostics } = loadProfile(profileText);
  expect(diagnostics).toEqual([]);
  return checkText(text, { profile: profile!, fileName: 'x.damon.yaml' }).diagnostics.filter((d) => d.code === 'memcg-path-unknown');
};

describe('cgroups: [] is a fact, absent is unknown', () => {
  it('the profile loader keeps [] distinct from absent, and writes [] back', () => {
    const empty = loadProfile(`name: bare\n${NODES}cgroups: []\n`).profile!;
    const absent = loadProfile(`name: bare\n${NODES}`).profile!;
    expect(empty.cgroups).toEqual([]);
    expect(absent.cgroups).toBeUndefined();
    expect(profileToYaml(empty)).toMatch(/^cgroups: \[\]/m);
    expect(profileToYaml(absent)).not.toMatch(/cgroups/);
    expect(loadProfile(profileToYaml(empty)).profile!.cgroups).toEqual([]);
    expect(loadProfile(`${NODES}cgroups: /a\n`).diagnostics.map((d) => d.message)).toEqual([
      'cgroups is a list of cgroup v2 paths like "/workload_a" ([] when the machine has none)',
    ]);
  });

  it('memcg-path-unknown errors on any goal or filter memcg path when the host has no cgroups', () => {
    const text = GOAL('/workload_a');
    const d = unknown(text, `name: bare\n${NODES}cgroups: []\n`);
    expect(d).toHaveLength(1);
    expect(d[0].severity).toBe('error');
    expect(d[0].message).toBe(
      'cgroup "/workload_a" does not exist on bare (it has no cgroups besides the root "/"); the kernel would refuse to start with ENOMEM',
    );
    expect(text.slice(d[0].range.start, d[0].range.end)).toBe('/workload_a');
    const f = FILTER('/workload_b');
    const fd = unknown(f, `name: bare\n${NODES}cgroups: []\n`);
    expect(fd.map((x) => f.slice(x.range.start, x.range.end))).toEqual(['/workload_b']);
  });

  it('the root "/" always exists, and a profile without cgroups checks nothing', () => {
    expect(unknown(GOAL('/'), `name: bare\n${NODES}cgroups: []\n`)).toEqual([]);
    expect(unknown(GOAL('/workload_a'), `name: bare\n${NODES}`)).toEqual([]);
  });

  it('the probe parser: @@CGROUPS with no lines is [], no @@CGROUPS (no cgroup v2) is unknown', () => {
    const base = ['@@REL 7.2.0', '@@FILE /sys/devices/system/node/node0/meminfo', '|Node 0 MemTotal:       1000 kB'];
    expect(parseProbeOutput([...base, '@@CGROUPS', '@@NOMEMCG', '@@END'].join('\n')).profile.cgroups).toEqual([]);
    expect(parseProbeOutput([...base, '@@END'].join('\n')).profile.cgroups).toBeUndefined();
  });
});
