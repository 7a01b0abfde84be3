/**
 * End-to-end deploy tests against a real Linux 7.2 kernel in a QEMU VM (scripts/testhost/).
 * One VM is booted for the whole file; tests run in order and share it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { deploy, DeployError, probeHost } from '../../server/src/host/deploy';
import type { SshTarget } from '../../server/src/host/ssh';
import { hostStatus } from '../../server/src/host/status';
import { planSysfs } from '../../server/src/core/sysfs/plan';
import { checkText } from '../../server/src/core/index';
import { ROOT, useTestHost, type TestHost } from '../testhost/vm';
import { runCli, vaddrConfig } from './cli';

// phases measured on this VM: probe 1.5-3 s, a 203-write deploy 6-7 s idle; generous under load
vi.setConfig({ testTimeout: 300_000, hookTimeout: 900_000 });

const TIERING = join(ROOT, 'test/deploy/fixtures/tiering-vm.damon.yaml');
const tieringText = readFileSync(TIERING, 'utf8');

let vm: TestHost;
let target: SshTarget;
const sshArgs = () => ['--host', vm.alias, '--ssh-config', vm.sshConfig];

async function snapshot() {
  const p = await probeHost(target, { skeleton: false });
  return { fp: p.fingerprint, tree: p.tree, running: p.host.running, pids: p.host.running.map((_, k) => p.tree.get(`kdamonds/${k}/pid`)) };
}
async function waitUnlocked() {
  const end = Date.now() + 240_000;
  while (Date.now() < end) {
    if (vm.sh('test -h /run/damon-config/lock && echo locked || echo free').trim() === 'free') return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the deploy lock was never released');
}
function writeTmp(name: string, text: string): string {
  const f = join(vm.dir, name);
  writeFileSync(f, text);
  return f;
}

const host = useTestHost('7.2');
beforeAll(() => {
  vm = host.vm();
  target = host.target();
});

describe('refused before connecting', () => {
  it('refuses a memcg path with a line break and never contacts the host', async () => {
    const bad = tieringText.replace('memcg_path: /workload_b}', 'memcg_path: "/workload_b\\nrm -rf /"}');
    const f = writeTmp('newline.damon.yaml', bad);
    // an alias that cannot be reached: if the tool tried to connect, the error would say so
    const cfg = writeTmp('unreachable.ssh_config', 'Host nowhere\n  HostName 127.0.0.1\n  Port 1\n');
    const r = await runCli(['deploy', f, '--host', 'nowhere', '--ssh-config', cfg, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/newline\.damon\.yaml:49:\d+: error \[[a-z0-9-]+\] .*(newline|line break)/);
    expect(r.stderr).toMatch(/nothing was (deployed|sent)/);
    expect(r.stderr).not.toMatch(/connect/i);
  });

  it('refuses a control character in a memcg path and never contacts the host', async () => {
    const bad = tieringText.replace('memcg_path: /workload_a, current_value: 0}', 'memcg_path: "/workload_a\\e]0;x\\a", current_value: 0}');
    const f = writeTmp('ctrl.damon.yaml', bad);
    const cfg = writeTmp('unreachable2.ssh_config', 'Host nowhere\n  HostName 127.0.0.1\n  Port 1\n');
    const r = await runCli(['deploy', f, '--host', 'nowhere', '--ssh-config', cfg, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ctrl\.damon\.yaml:\d+:\d+: .*control character/);
    expect(r.stderr).not.toMatch(/connect/i);
  });

  it('refuses host aliases that ssh would read as options', async () => {
    // as a separate word, the argument parser refuses it as a value; glued with "=", the alias check does
    const r = await runCli(['deploy', TIERING, '--host', '-oProxyCommand=touch /tmp/pwned', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--host needs a value \(write --host=VALUE for a value starting with "-"\)/);
    const glued = await runCli(['deploy', TIERING, '--host=-oProxyCommand=touch /tmp/pwned', '--yes']);
    expect(glued.code).toBe(2);
    expect(glued.stderr).toMatch(/starts with "-" \(it would be read as an ssh option\)/);
  });
});

describe('host keys', () => {
  it('refuses a host whose key is not the pinned one', async () => {
    const other = join(vm.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const pub = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const kh = writeTmp('wrong_known_hosts', `damon-testhost-7.2 ${pub}\n`);
    const cfg = readFileSync(vm.sshConfig, 'utf8').replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${kh}`);
    const cfgFile = writeTmp('wrongkey.ssh_config', cfg);
    const before = await snapshot();
    const r = await runCli(['deploy', TIERING, '--host', vm.alias, '--ssh-config', cfgFile, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host key verification failed/i);
    expect((await snapshot()).fp).toBe(before.fp);
  });
});

describe('plan --script on the real kernel', () => {
  it('the standalone script starts the config and the kernel holds every value', async () => {
    const r = await runCli(['plan', TIERING, '--script']);
    expect(r.code).toBe(0);
    vm.sh('cat > /tmp/apply.sh', r.stdout);
    vm.sh('sh /tmp/apply.sh');
    const s = await snapshot();
    expect(s.running).toEqual([true, true]);
    const k = checkText(tieringText, { fileName: TIERING }).documents[0].kconfig!;
    for (const w of planSysfs(k).writes.filter((x) => !x.state)) expect([w.path, s.tree.get(w.path)]).toEqual([w.path, w.value]);
    const stop = await runCli(['stop', ...sshArgs()]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/stopped kdamond 0, 1/);
    expect((await snapshot()).running).toEqual([false, false]);
    vm.sh('echo 0 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds');
  });
});

describe('DAMON held by a module', () => {
  it('names DAMON_STAT and writes nothing', async () => {
    vm.sh('echo Y > /sys/module/damon_stat/parameters/enabled');
    try {
      const before = await snapshot();
      const r = await runCli(['deploy', TIERING, ...sshArgs(), '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/DAMON_STAT is enabled on damon-testhost-7\.2/);
      expect(r.stderr).toMatch(/echo N > \/sys\/module\/damon_stat\/parameters\/enabled/);
      expect((await snapshot()).fp).toBe(before.fp);
    } finally {
      vm.sh('echo N > /sys/module/damon_stat/parameters/enabled');
    }
  });
});

describe('deploy --persist on a host without systemd (the busybox test host)', () => {
  it('is refused after the probe, before anything is written', async () => {
    const before = await snapshot();
    const r = await runCli(['deploy', TIERING, ...sshArgs(), '--yes', '--persist']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /damon-testhost-7\.2 does not run systemd \(no \/run\/systemd\/system\): --persist installs a systemd unit \(damon-config\.service\) that applies the config at boot; nothing was written/,
    );
    expect((await snapshot()).fp).toBe(before.fp);
    expect(vm.sh('test -e /etc/damon-config && echo present || echo absent').trim()).toBe('absent');
  });
});

describe('seed tiering config on two cgroups', () => {
  it('deploys, reads back and shows a dry-run diff naming the host', async () => {
    // the workloads: a static binary copied in with cat, one process per cgroup on node 1
    vm.sh('cat > /tmp/workload && chmod +x /tmp/workload', readFileSync(join(ROOT, '.cache/testhost/workload')));
    for (const c of ['a', 'b']) {
      vm.sh(`sh -c 'echo $$ > /sys/fs/cgroup/workload_${c}/cgroup.procs; exec /tmp/workload 1 256 32 10' > /tmp/w${c}.log 2>&1 &`);
    }
    for (let i = 0; i < 100 && !/ready/.test(vm.sh('cat /tmp/wa.log /tmp/wb.log')); i++) await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(['deploy', TIERING, ...sshArgs(), '--yes']);
    expect(r.stderr + r.stdout).toMatch(/applied \(203 writes, start/);
    expect(r.code).toBe(0);
    const s = await snapshot();
    expect(s.running).toEqual([true, true]);
    expect(s.tree.get('kdamonds/0/contexts/0/schemes/0/quotas/goals/0/path')).toBe('/workload_a');
    expect(s.tree.get('kdamonds/0/contexts/0/schemes/1/ops_filters/0/memcg_path')).toBe('/workload_b');
    expect(s.tree.get('kdamonds/1/contexts/0/schemes/0/access_pattern/age/min')).toBe('10');
    const k = checkText(tieringText, { fileName: TIERING }).documents[0].kconfig!;
    for (const w of planSysfs(k).writes.filter((x) => !x.state)) expect([w.path, s.tree.get(w.path)]).toEqual([w.path, w.value]);

    const dry = await runCli(['deploy', TIERING, ...sshArgs(), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/changes on damon-testhost-7\.2 \(commit\)/);
    // commit mode commits only what changes: nothing here
    expect(dry.stderr).toMatch(/\(no change\)/);
    expect(dry.stderr).toMatch(/kdamond 0, 1 already hold the config: not written, not committed/);
    expect(dry.stderr).not.toMatch(/^\s+[~+*!-] /m);
    expect((await snapshot()).fp).toBe(s.fp);
  });

  it('moves pages of each cgroup to node 0 toward its goal', async () => {
    let last = await hostStatus(target);
    const onNode0 = (cg: string) => (last.usage.find((u) => u.cgroup === cg)?.perNode[0] ?? 0) / 1048576;
    const started = Date.now();
    while (Date.now() - started < 150_000) {
      last = await hostStatus(target);
      if (onNode0('/workload_a') > 60 && onNode0('/workload_b') > 30) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    const goalA = last.kdamonds[0].schemes[0].goals[0];
    const goalB = last.kdamonds[0].schemes[1].goals[0];
    // goals: a = 10 % of node 0 (~100 MiB), b = 5 % (~50 MiB)
    expect(onNode0('/workload_a')).toBeGreaterThan(60);
    expect(onNode0('/workload_b')).toBeGreaterThan(30);
    expect(onNode0('/workload_a')).toBeLessThan(220);
    expect(onNode0('/workload_b')).toBeLessThan(130);
    expect(goalA.current).toBeGreaterThan(500);
    expect(goalB.current).toBeGreaterThan(250);
    expect(last.kdamonds[0].schemes[0].stats.sz_applied).toBeGreaterThan(0);
    const st = await runCli(['status', ...sshArgs()]);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/goal node_memcg_used_bp nid 0 \/workload_a: live \d+(\.\d+)? % \/ target 10 %/);
  }, 400_000);
});

describe('faults leave the host exactly as before', () => {
  const changed = () => tieringText.replace('target_value: 10%', 'target_value: 12%').replace('sz_bytes: 8 MiB', 'sz_bytes: 4 MiB');

  // "mid": the middle write of the plan (commit mode writes only the kdamonds that change)
  for (const at of ['@@S 0', 'mid', '@@APPLIED']) {
    it(`ssh cut at "${at}"`, async () => {
      const before = await snapshot();
      const p = await probeHost(target, { skeleton: false });
      const n = planSysfs(checkText(changed(), { fileName: 'changed.damon.yaml' }).documents[0].kconfig!, { caps: p.caps, host: p.host, tree: p.tree }).writes
        .length;
      expect(n).toBeGreaterThan(4);
      const cut = at === 'mid' ? `@@S ${Math.floor(n / 2)}` : at;
      let err: unknown = null;
      try {
        await deploy({
          target,
          text: changed(),
          fileName: 'changed.damon.yaml',
          onRemoteLine: (line, ctl) => {
            if (line === cut) ctl.kill();
          },
        });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DeployError);
      expect((err as DeployError).message).toMatch(/was lost .*rolled back to its state before the deploy \(confirmed by the host\)/);
      await waitUnlocked();
      const after = await snapshot();
      expect(after.fp).toBe(before.fp);
      expect(after.pids).toEqual(before.pids);
    });
  }

  let sleeper = 0;
  it('kernel rejection at commit (pid gone): rolled back in place, cause shown', async () => {
    sleeper = Number(vm.sh('sleep 100000 > /dev/null 2>&1 & echo $!').trim());
    const ok = await runCli(['deploy', writeTmp('vaddr.damon.yaml', vaddrConfig(sleeper)), ...sshArgs(), '--yes']);
    expect(ok.code).toBe(0);
    const before = await snapshot();
    const bad = await runCli(['deploy', writeTmp('vaddr-bad.damon.yaml', vaddrConfig(999999, '200 ms')), ...sshArgs(), '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/vaddr-bad\.damon\.yaml:2:\d+: the kernel on damon-testhost-7\.2 refused writing "commit" to kdamonds\/0\/state: EINVAL/);
    expect(bad.stderr).toMatch(/rolled back/);
    const after = await snapshot();
    expect(after.fp).toBe(before.fp);
    expect(after.pids).toEqual(before.pids);
    expect(after.running).toEqual([true]);
  });

  it('kernel rejection at on: everything stays stopped as before', async () => {
    expect((await runCli(['stop', ...sshArgs()])).code).toBe(0);
    const before = await snapshot();
    const bad = await runCli(['deploy', writeTmp('vaddr-bad2.damon.yaml', vaddrConfig(999999)), ...sshArgs(), '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/refused writing "on" to kdamonds\/0\/state: EINVAL/);
    expect((await snapshot()).fp).toBe(before.fp);
  });
});

describe('fleet and concurrency', () => {
  it('two aliases of one host deploy at once, serialized by the host lock', async () => {
    const cfg = readFileSync(vm.sshConfig, 'utf8');
    const twin = cfg.replace(/^Host \S+/m, 'Host damon-twin');
    const both = writeTmp('fleet.ssh_config', `${cfg}\n${twin}`);
    const [a, b] = await Promise.all([vm.alias, 'damon-twin'].map((h) => runCli(['deploy', TIERING, '--host', h, '--ssh-config', both, '--yes'])));
    expect(a.stdout, a.stderr).toMatch(new RegExp(`^${vm.alias.replace(/\./g, '\\.')}: (applied|unchanged)`, 'm'));
    expect(b.stdout, b.stderr).toMatch(/^damon-twin: (applied|unchanged)/m);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect((await snapshot()).running).toEqual([true, true]);
  });

  it('more than one --host is refused: fleets go through Ansible (--inventory)', async () => {
    const r = await runCli(['deploy', TIERING, '--host', vm.alias, '--host', 'other', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/one --host at a time; for 2 hosts use Ansible: --inventory FILE/);
  });
});

describe('probe → check --profile (what "DAMON: Use Host Profile…" runs)', () => {
  it('probes the VM into a machine profile: the VM config stays clean, the 61 GiB example does not fit', async () => {
    const out = join(vm.dir, 'probed.profile.yaml');
    const p = await runCli(['probe', ...sshArgs(), '--out', out]);
    expect(p.code, p.stderr).toBe(0);
    const profile = readFileSync(out, 'utf8');
    expect(profile).toMatch(/^# kernel 7\.2/m);
    expect(profile).toMatch(/\/workload_a\b/);
    const codes = async (file: string, withProfile: boolean) => {
      const r = await runCli(['check', '--format', 'json', ...(withProfile ? ['--profile', out] : []), file]);
      const found = JSON.parse(r.stdout) as { code: string; severity: string; message: string }[];
      return { code: r.code, found, rules: [...new Set(found.map((d) => d.code))].sort() };
    };
    // the VM-scaled tiering config: the host's profile adds nothing (no unknown cgroup, node, range or feature)
    const vmCfg = await codes(TIERING, true);
    expect(vmCfg.code).toBe(0);
    expect(vmCfg.found.filter((d) => d.severity === 'error')).toEqual([]);
    expect(vmCfg.rules).toEqual((await codes(TIERING, false)).rules);
    // the seed-sized example names /workloads/a and b, and physical ranges up to 61 GiB on a 2 GiB host
    const big = await codes(join(ROOT, 'examples/memcg-tiering.damon.yaml'), true);
    expect(big.code).toBe(1);
    expect(big.rules).toContain('memcg-path-unknown');
    expect(big.rules).toContain('regions-outside-memory');
    expect(big.found.find((d) => d.code === 'memcg-path-unknown')!.message).toMatch(/\/workloads\/[ab]/);
  }, 300_000);
});

describe('injection through a memcg path', () => {
  it('a cgroup name full of shell syntax is written literally and runs nothing', async () => {
    // no "/" inside: a cgroup name; every shell quoting form at once
    const evil = "/x'$(touch pwned)\"; touch pwned2; `touch pwned3` '";
    spawnSync('ssh', ['-F', vm.sshConfig, '-T', '--', vm.alias, 'cat > /tmp/cgname && mkdir "/sys/fs/cgroup$(cat /tmp/cgname)"'], { input: evil });
    const cfg = tieringText.replace(/memcg_path: \/workload_b([,}])/g, (_m, end: string) => `memcg_path: ${JSON.stringify(evil)}${end}`);
    const f = writeTmp('evil.damon.yaml', cfg);
    const r = await runCli(['deploy', f, ...sshArgs(), '--yes']);
    expect(r.stderr + r.stdout).toMatch(/applied/);
    expect(r.code).toBe(0);
    const s = await snapshot();
    expect(s.tree.get('kdamonds/0/contexts/0/schemes/1/ops_filters/0/memcg_path'), r.stderr).toBe(evil);
    expect(s.tree.get('kdamonds/0/contexts/0/schemes/1/quotas/goals/0/path')).toBe(evil);
    expect(vm.sh('ls -a /root /tmp | grep pwned; true').trim()).toBe('');
  });

  it('a memcg path naming no cgroup on the host is refused with the line, nothing written', async () => {
    const before = await snapshot();
    const f = writeTmp('nocg.damon.yaml', tieringText.replace('memcg_path: /workload_a, current_value: 0}', 'memcg_path: /no_such_cgroup, current_value: 0}'));
    const r = await runCli(['deploy', f, ...sshArgs(), '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nocg\.damon\.yaml:\d+:\d+: error \[[a-z0-9-]+\] .*no_such_cgroup/);
    expect((await snapshot()).fp).toBe(before.fp);
  });
});
