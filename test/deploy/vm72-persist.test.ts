/**
 * `deploy --persist` across real reboots: the 7.2 test host whose init is Debian's systemd, on a
 * persistent disk (scripts/testhost/build.sh 7.2 --systemd). The CLI is run as a user runs it; the
 * guest is rebooted with `systemctl reboot` and read back after boot (sysfs, the unit's journal).
 * The tests run in order on one VM.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeMaster, type SshTarget } from '../../server/src/host/ssh';
import { bootTestHost, ROOT, type TestHost } from '../testhost/vm';
import { runCli } from './cli';

// a reboot takes ~35 s on an idle machine (TCG); generous under load
vi.setConfig({ testTimeout: 600_000, hookTimeout: 900_000 });

const BASE = readFileSync(join(ROOT, 'test/deploy/fixtures/stat-node1.damon.yaml'), 'utf8');
/** the stat kdamond of node 1, counting only the pages of one cgroup */
const withCgroup = (cg: string) =>
  BASE.replace('- {filter_type: anon, matching: false, allow: false}', `- {filter_type: memcg, memcg_path: ${cg}, matching: false, allow: false}`);

let vm: TestHost;
let target: SshTarget;
const ssh = () => ['--host', vm.alias, '--ssh-config', vm.sshConfig];
const A = '/sys/kernel/mm/damon/admin/kdamonds';

function writeTmp(name: string, text: string): string {
  const f = join(vm.dir, name);
  writeFileSync(f, text);
  return f;
}
/** the unit's state once its start job is over (activating while it waits for cgroups) */
async function unitSettled(): Promise<string> {
  // Type=simple: the unit is "active (running)" while its script waits, "active (exited)" once it
  // applied, "failed" when it gave up
  const end = Date.now() + 400_000;
  for (;;) {
    // one `systemctl show`: two could read "active" while the script waits and then "failed" once it
    // gave up, a state the unit never was in (seen on a busy CI run)
    const props = vm.sh('systemctl show -p ActiveState -p SubState damon-config.service');
    const active = /^ActiveState=(.*)$/m.exec(props)?.[1] ?? '';
    const sub = /^SubState=(.*)$/m.exec(props)?.[1] ?? '';
    if (active !== 'activating' && !(active === 'active' && sub === 'running')) return active;
    if (Date.now() > end) throw new Error(`damon-config.service is still ${active} (${sub})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
/** the boot script deploy --persist installed for late.damon.yaml (the role must install the same) */
let lateBoot = '';
const journal = () => vm.sh('journalctl -b -u damon-config.service --no-pager -o cat');

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  vm = bootTestHost('7.2', { systemd: true });
  target = { alias: vm.alias, configFile: vm.sshConfig };
  // a cgroup that appears late at every boot: made by a unit ordered after ours (it starts only once
  // ours has started) that sleeps first
  vm.sh(`cat > /etc/systemd/system/late-cgroup.service <<'EOF'
[Unit]
Description=test: makes the cgroup /late 10 s into the boot, after damon-config.service started
After=damon-config.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'sleep 10; mkdir -p /sys/fs/cgroup/late'
[Install]
WantedBy=multi-user.target
EOF
ln -sf ../late-cgroup.service /etc/systemd/system/multi-user.target.wants/late-cgroup.service
mkdir -p /sys/fs/cgroup/late /sys/fs/cgroup/never`);
}, 900_000);
afterAll(async () => {
  if (target) await closeMaster(target);
  vm?.stop();
});

describe('deploy --persist on a systemd host', () => {
  it('installs the unit and the boot script; status says persisted and the same', async () => {
    const f = writeTmp('late.damon.yaml', withCgroup('/late'));
    const r = await runCli(['deploy', f, ...ssh(), '--yes', '--persist']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/applied \(\d+ writes, start, \d+ ms\); persisted \(applied at every boot\)/);
    expect(r.stderr).toMatch(/waits up to 120 s for cgroup \/late/);
    expect(vm.sh('systemctl is-enabled damon-config.service').trim()).toBe('enabled');
    expect(vm.sh('cat /etc/damon-config/config.damon.yaml')).toBe(withCgroup('/late'));
    expect(vm.sh(`sh -n /etc/damon-config/boot.sh && echo ok`).trim()).toBe('ok');
    lateBoot = vm.sh('cat /etc/damon-config/boot.sh');
    const st = await runCli(['status', ...ssh()]);
    expect(st.stdout).toMatch(/persisted: yes, late\.damon\.yaml \(plan [0-9a-f]{16}\), damon-config\.service enabled/);
    expect(st.stdout).toMatch(/persisted vs running: same/);
    // a second --persist of the same config changes nothing
    const again = await runCli(['deploy', f, ...ssh(), '--yes', '--persist']);
    expect(again.stdout).toMatch(/unchanged; already persisted \(unchanged\)/);
  });

  it('after a reboot the config runs again: it waited for the cgroup that appears late', async () => {
    await vm.reboot();
    expect(await unitSettled()).toBe('active');
    const j = journal();
    expect(j).toMatch(/damon-config: waiting for cgroup \/late \(at most 120 s from start\)/);
    const waited = Number(/cgroup \/late is there after (\d+) s/.exec(j)?.[1]);
    expect(waited).toBeGreaterThanOrEqual(8);
    expect(j).toMatch(/applied the config from late\.damon\.yaml \(plan [0-9a-f]{16}, \d+ writes\)/);
    // sysfs holds the config's values and the kdamond runs
    expect(vm.sh(`cat ${A}/nr_kdamonds ${A}/0/state`).split('\n').slice(0, 2)).toEqual(['1', 'on']);
    const c = `${A}/0/contexts/0`;
    expect(
      vm
        .sh(
          `cat ${c}/operations ${c}/monitoring_attrs/intervals/sample_us ${c}/monitoring_attrs/nr_regions/min ${c}/targets/0/regions/0/start ${c}/targets/0/regions/0/end`,
        )
        .trim()
        .split('\n'),
    ).toEqual(['paddr', '5000', '10', '1073741824', '2147352576']);
    const filters = vm.sh(`cat ${c}/schemes/0/core_filters/nr_filters ${c}/schemes/0/ops_filters/nr_filters`).trim().split('\n').map(Number);
    const dir = filters[1] > 0 ? 'ops_filters' : 'core_filters';
    expect(vm.sh(`cat ${c}/schemes/0/${dir}/0/type ${c}/schemes/0/${dir}/0/memcg_path`).trim().split('\n')).toEqual(['memcg', '/late']);
    // the state the transactional script writes: its commit record, no restore script left behind
    expect(vm.sh('test -f /run/damon-config/owned && test ! -e /run/damon-config/restore && echo ok').trim()).toBe('ok');
    const st = await runCli(['status', ...ssh()]);
    expect(st.stdout).toMatch(/this boot: applied \(active exited success\)/);
    expect(st.stdout).toMatch(/persisted vs running: same/);
  });

  it('a cgroup that never appears is named in the journal and nothing is written', async () => {
    // the cgroup exists now (the deploy checks the config against the host), but nothing makes it at boot
    vm.sh('mkdir -p /sys/fs/cgroup/never');
    const f = writeTmp('never.damon.yaml', withCgroup('/never'));
    const r = await runCli(['deploy', f, ...ssh(), '--yes', '--persist', '--cgroup-wait', '15']);
    expect(r.code, r.stderr).toBe(0);
    await vm.reboot();
    expect(await unitSettled()).toBe('failed');
    const j = journal();
    expect(j).toMatch(
      /damon-config: cgroup \/never never appeared \(\/sys\/fs\/cgroup\/never, waited 15 s\): the config from never\.damon\.yaml was NOT applied; nothing was written to DAMON/,
    );
    expect(j).not.toMatch(/applied the config/);
    // nothing half-applied: the tree is the fresh one
    expect(vm.sh(`cat ${A}/nr_kdamonds`).trim()).toBe('0');
    const st = await runCli(['status', ...ssh()]);
    expect(st.stdout).toMatch(/persisted: yes, never\.damon\.yaml .*this boot: FAILED \(failed failed exit-code/);
    expect(st.stdout).toMatch(
      /persisted vs running: DIFFERENT — no kdamond runs: the persisted config is not running now; .*\[memcg-path-unknown\] cgroup "\/never" does not exist/,
    );
  });

  it('the Ansible role with damon_persist=true applies and persists; a rerun is changed=0', async () => {
    const dir = join(vm.dir, 'ansible');
    mkdirSync(join(dir, 'cp'), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    const role = join(dir, 'role');
    const w = await runCli(['ansible', writeTmp('late.damon.yaml', withCgroup('/late')), '--out', role]);
    expect(w.code, w.stderr).toBe(0);
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(inventory, `[damon]\n${vm.alias} ansible_ssh_common_args='-F ${vm.sshConfig}'\n\n[damon:vars]\nansible_ssh_transfer_method=piped\n`);
    const env = {
      ...process.env,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
      ANSIBLE_CONFIG: join(role, 'ansible.cfg'),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
      ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    };
    const play = () =>
      spawnSync('ansible-playbook', ['-i', inventory, 'playbook.yml', '-e', 'damon_persist=true'], { cwd: role, env, encoding: 'utf8', timeout: 600_000 });
    const recap = (out: string) => Number(new RegExp(`^${vm.alias.replace(/\./g, '\\.')}\\s*:\\s*ok=\\d+\\s+changed=(\\d+)`, 'm').exec(out)?.[1]);
    const first = play();
    expect(first.error, 'ansible-playbook is installed (scripts/ci/fleet.sh)').toBeUndefined();
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied \(\d+ writes\), persisted \(changed\)/);
    expect(recap(first.stdout)).toBeGreaterThanOrEqual(1);
    expect(vm.sh(`cat ${A}/0/state`).trim()).toBe('on');
    // the same files deploy --persist installs for this config
    expect(vm.sh('cat /etc/damon-config/boot.sh')).toBe(lateBoot);
    expect(vm.sh('systemctl is-enabled damon-config.service').trim()).toBe('enabled');
    // the same through the CLI, for users who never look at the YAML
    const second = await runCli(['deploy', writeTmp('late.damon.yaml', withCgroup('/late')), '--inventory', inventory, '--persist'], { env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/unchanged, persisted \(unchanged\)/);
    expect(recap(second.stdout)).toBe(0);
    expect((await runCli(['status', ...ssh()])).stdout).toMatch(/persisted vs running: same/);
  });

  it('stop --persist stops and removes it; after a reboot nothing runs', async () => {
    const r = await runCli(['stop', ...ssh(), '--persist']);
    expect(r.stdout).toMatch(/stopped kdamond 0; removed the persisted config \(nothing applies at boot\)/);
    expect(r.code).toBe(0);
    expect(
      vm.sh('ls /etc/damon-config /etc/systemd/system/damon-config.service /etc/systemd/system/multi-user.target.wants/damon-config.service 2>&1 || true'),
    ).toMatch(/No such file[\s\S]*No such file[\s\S]*No such file/);
    expect((await runCli(['status', ...ssh()])).stdout).toMatch(/persisted: no/);
    await vm.reboot();
    expect(vm.sh(`cat ${A}/nr_kdamonds`).trim()).toBe('0');
    expect(vm.sh('systemctl cat damon-config.service >/dev/null 2>&1 && echo present || echo absent').trim()).toBe('absent');
    expect((await runCli(['stop', ...ssh(), '--persist'])).stdout).toMatch(/no kdamond was running; nothing was persisted/);
  });
});
