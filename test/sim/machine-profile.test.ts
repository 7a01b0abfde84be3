// One machine description: a scenario's `machine` embeds a machine profile, and both are read by
// core/machine-load.ts. The same machine written both ways must load to the same nodes, ranges and cgroups.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../server/src/core/profile-load';
import { loadScenarioText } from '../../server/src/core/sim/scenario';
import { ROOT } from './helpers';

const PROFILE = readFileSync(join(ROOT, 'examples', 'seed-vm.profile.yaml'), 'utf8');

/** the profile's nodes and cgroups, indented under `machine:` of a scenario */
function scenarioEmbedding(profileText: string, sizeKey = 'size'): string {
  const body = profileText
    .split('\n')
    .filter((l) => /^(nodes|cgroups|\s)/.test(l))
    .map((l) => `  ${l.replace(/\bsize:/, `${sizeKey}:`)}`)
    .join('\n');
  return `name: embedded\nkernel: "7.2"\nmachine:\n  name: seed-vm\n${body}\nprocesses:\n  - {name: p, pid: 1, cgroup: /workload_a, sizeBytes: 1 GiB, workload: {pattern: idle}}\ndurationSec: 10\n`;
}

describe('machine profile embedded in a scenario', () => {
  const profile = loadProfile(PROFILE, 'seed-vm.profile.yaml');

  it('loads to identical nodes, ranges and cgroups', () => {
    expect(profile.diagnostics).toEqual([]);
    const text = scenarioEmbedding(PROFILE);
    expect(text).toContain('    size: 30 GiB');
    const s = loadScenarioText(text);
    expect(s.problems).toEqual([]);
    expect(s.scenario!.machine.nodes).toEqual(profile.profile!.nodes);
    expect(s.scenario!.machine.cgroups).toEqual(profile.profile!.cgroups);
    expect(profile.profile!.nodes.map((n) => n.ranges.length)).toEqual([2, 1]);
  });

  it('accepts the older scenario key sizeBytes for a node', () => {
    const s = loadScenarioText(scenarioEmbedding(PROFILE, 'sizeBytes'));
    expect(s.problems).toEqual([]);
    expect(s.scenario!.machine.nodes).toEqual(profile.profile!.nodes);
  });

  it('reports a bad range with the same message at the same place in both', () => {
    const bad = PROFILE.replace('{start: 31 GiB, end: 61 GiB}', '{start: 61 GiB, end: 31 GiB}');
    const p = loadProfile(bad, 'bad.profile.yaml');
    expect(p.profile).toBeNull();
    expect(p.diagnostics.map((d) => d.message)).toEqual(['node 1: a range must end after it starts']);
    expect(bad.slice(p.diagnostics[0].range.start, p.diagnostics[0].range.end)).toBe('{start: 61 GiB, end: 31 GiB}');
    const sText = scenarioEmbedding(bad);
    const s = loadScenarioText(sText);
    expect(s.scenario).toBeNull();
    expect(s.problems.map((x) => x.message)).toEqual(['node 1: a range must end after it starts']);
    expect(sText.split('\n')[s.problems[0].line - 1]).toContain('{start: 61 GiB, end: 31 GiB}');
  });

  it('reports a bad size string in both', () => {
    const bad = PROFILE.replace('size: 30 GiB', 'size: 30 GQB');
    const p = loadProfile(bad, 'bad.profile.yaml');
    const s = loadScenarioText(scenarioEmbedding(bad));
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0].message).toMatch(/^size: /);
    expect(s.problems.map((x) => x.message)).toEqual([p.diagnostics[0].message]);
  });
});
