/**
 * The validator's words where it disagreed with the kernel or damo (issue: agree with the kernel):
 * trailing-slash paths are errors, cgroups without the memory controller are caught from the
 * probed profile, a negative target has one true error, a stat scheme's leak names its real effect.
 */
import { describe, expect, it } from 'vitest';
import { checkText, loadProfile } from '../../server/src/core/index';
import { parseProbeOutput, renderProbeScript } from '../../server/src/core/sysfs/hostinfo';
import { profileToYaml } from '../../server/src/core/profile-load';

const cfg = (scheme: string) => `kdamonds:
  - contexts:
      - ops: paddr
        targets: [{pid: null, regions: [{start: 4096, end: 1 GiB}]}]
        schemes:
          - ${scheme}
`;
const Q = 'quotas: {time_ms: 0, sz_bytes: 100 MiB, reset_interval_ms: 1 s, weights: {sz_permil: 0, nr_accesses_permil: 0, age_permil: 0}';
const goal = (path: string) =>
  cfg(`{action: stat, ${Q}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: "${path}", target_value: 10%, current_value: 0}]}}`);

describe('cgroup paths the kernel compares literally', () => {
  for (const p of ['/wa/', '//wa', '/./wa']) {
    it(`"${p}" is an error with the normalizing fix`, () => {
      const text = goal(p);
      const d = checkText(text, { kernel: '7.2' }).diagnostics.filter((x) => x.code === 'memcg-path-form');
      expect(d).toHaveLength(1);
      expect(d[0].severity).toBe('error');
      expect(d[0].message).toMatch(/ENOMEM/);
      const edit = d[0].fixes![0].edits[0];
      expect(text.slice(0, edit.range.start) + edit.newText + text.slice(edit.range.end)).toContain('memcg_path: "/wa"');
    });
  }
});

describe('cgroups without the memory controller', () => {
  const probeOut = ['@@REL 7.2.13+deb14-cloud-amd64', '@@CGROUPS', '|/wa', '|/wa/sub', '|/wb', '@@NOMEMCG', '|/wa/sub', '@@NODAMON'].join('\n');

  it('the probe script lists cgroups that have no memory.current', () => {
    expect(renderProbeScript()).toMatch(/@@NOMEMCG[\s\S]*memory\.current/);
  });

  it('the probe records them in the profile, which round-trips through the profile file', () => {
    const r = parseProbeOutput(probeOut);
    expect(r.profile.cgroups).toEqual(['/wa', '/wa/sub', '/wb']);
    expect(r.profile.cgroupsWithoutMemory).toEqual(['/wa/sub']);
    const loaded = loadProfile(profileToYaml({ ...r.profile, nodes: [{ nid: 0, sizeBytes: 2 ** 30, ranges: [{ start: 0, end: 2 ** 30 }] }] }));
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.profile!.cgroupsWithoutMemory).toEqual(['/wa/sub']);
  });

  it('goals and memcg filters naming one are errors; a cgroup with the controller is fine', () => {
    const profile = { ...parseProbeOutput(probeOut).profile, nodes: [{ nid: 0, sizeBytes: 2 ** 30, ranges: [{ start: 0, end: 2 ** 30 }] }] };
    const bad = checkText(goal('/wa/sub'), { kernel: '7.2', profile }).diagnostics.filter((x) => x.code === 'memcg-no-memory-controller');
    expect(bad).toHaveLength(1);
    expect(bad[0].message).toMatch(/"\/wa\/sub" has no memory controller.*\/wa\/cgroup\.subtree_control.*ENOMEM/);
    const filt = cfg('{action: stat, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /wa/sub}]}');
    expect(checkText(filt, { kernel: '7.2', profile }).diagnostics.map((x) => x.code)).toContain('memcg-no-memory-controller');
    expect(checkText(goal('/wa'), { kernel: '7.2', profile }).diagnostics.map((x) => x.code)).not.toContain('memcg-no-memory-controller');
  });

  it('a profile file says cgroups_without_memory must be a list of absolute paths', () => {
    const r = loadProfile('nodes: [{nid: 0, size: 1 GiB}]\ncgroups: [/wa]\ncgroups_without_memory: [wa]\n');
    expect(r.profile).toBeNull();
    expect(r.diagnostics[0].message).toMatch(/absolute cgroup v2 paths/);
  });
});

describe('words that say what really happens', () => {
  it('a negative goal target gets one error: EINVAL at the write', () => {
    const text = cfg(`{action: stat, ${Q}, goals: [{metric: node_mem_used_bp, nid: 0, target_value: -100, current_value: 0}]}}`);
    const errs = checkText(text, { kernel: '7.2' }).diagnostics.filter((d) => d.severity === 'error');
    expect(errs.map((d) => d.code)).toEqual(['value-negative']);
    expect(errs[0].message).toMatch(/refuses the write with EINVAL/);
  });

  it('a stat scheme that admits other cgroups says that stat only counts', () => {
    const text = cfg(
      `{action: stat, ${Q}, goals: [{metric: node_memcg_used_bp, nid: 0, memcg_path: /wa, target_value: 10%, current_value: 0}]}, filters: [{filter_type: memcg, matching: true, allow: true, memcg_path: /wa}, {filter_type: young, matching: true, allow: true}]}`,
    );
    const d = checkText(text, { kernel: '7.2' }).diagnostics.find((x) => x.code === 'filter-admits-outside-goal-cgroup')!;
    expect(d.message).toMatch(/stat only counts/);
    expect(d.message).not.toMatch(/moves/);
  });

  it('a memcg goal without memcg_path says damo writes the literal path "None"', () => {
    const text = cfg(`{action: stat, ${Q}, goals: [{metric: node_memcg_used_bp, nid: 0, target_value: 10%, current_value: 0}]}}`);
    const d = checkText(text, { kernel: '7.2' }).diagnostics.find((x) => x.code === 'goal-memcg-path-required')!;
    expect(d.message).toMatch(/"None".*ENOMEM/);
  });
});
