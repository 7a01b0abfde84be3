/**
 * An older host: Debian bookworm's Linux 6.12 in the QEMU test VM. The seed's tiering config needs
 * 6.16+/6.19+ features: the deploy must name them, point at the config lines, and write nothing.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { probeHost } from '../../server/src/host/deploy';
import type { SshTarget } from '../../server/src/host/ssh';
import { ROOT, useTestHost, type TestHost } from '../testhost/vm';
import { runCli } from './cli';

// TCG under load: probe 1.5-3 s idle, up to ~30 s beside CPU hogs; deadlines far above that
vi.setConfig({ testTimeout: 300_000, hookTimeout: 900_000 });

let vm: TestHost;
let target: SshTarget;

const host = useTestHost('6.12');
beforeAll(() => {
  vm = host.vm();
  target = host.target();
});

describe('Linux 6.12 host', () => {
  it('probe detects the missing features by file', async () => {
    const p = await probeHost(target);
    expect(p.release).toMatch(/^6\.12\./);
    expect(p.caps.features.has('goals')).toBe(true);
    expect(p.caps.features.has('core_filters')).toBe(false);
    expect(p.caps.features.has('goal_nid')).toBe(false);
    expect(p.caps.features.has('goal_path')).toBe(false);
    expect(p.caps.features.has('goal_tuner')).toBe(false);
    expect(p.caps.features.has('filter_allow')).toBe(false);
    expect(p.profile.nodes.map((n) => n.nid)).toEqual([0, 1]);
    expect(p.host.nrKdamonds).toBe(0);
  });

  it('the seed tiering config is refused with feature diagnostics and nothing is written', async () => {
    const before = await probeHost(target, { skeleton: false });
    const r = await runCli(['deploy', join(ROOT, 'test/deploy/fixtures/tiering-vm.damon.yaml'), '--host', vm.alias, '--ssh-config', vm.sshConfig, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/6\.12/);
    expect(r.stderr).toMatch(/tiering-vm\.damon\.yaml:\d+:\d+: .*node_memcg_used_bp/);
    expect(r.stderr).toMatch(/nothing was (written|deployed)/);
    const after = await probeHost(target, { skeleton: false });
    expect(after.fingerprint).toBe(before.fingerprint);
    expect(after.tree.get('kdamonds/nr_kdamonds')).toBe('0');
  });

  it('a config within 6.12 deploys (legacy filters/ dir, files the host lacks left out)', async () => {
    const cfg = join(ROOT, 'test/deploy/fixtures/stat-node1.damon.yaml');
    const r = await runCli(['deploy', cfg, '--host', vm.alias, '--ssh-config', vm.sshConfig, '--yes']);
    expect(r.stderr + r.stdout).toMatch(/applied/);
    expect(r.code).toBe(0);
    const p = await probeHost(target, { skeleton: false });
    expect(p.host.running).toEqual([true]);
    expect(p.tree.get('kdamonds/0/contexts/0/schemes/0/filters/0/type')).toBe('anon');
    expect(p.tree.has('kdamonds/0/refresh_ms')).toBe(false);
    expect((await runCli(['stop', '--host', vm.alias, '--ssh-config', vm.sshConfig])).code).toBe(0);
  });
});
