/**
 * Deploy under faults and hostile hosts, against the real Linux 7.2 kernel in the QEMU test VM
 * (issues #11 and #17). Each fault is made where it really happens: an ssh stand-in on PATH that
 * cuts the connection at a chosen protocol line (test/deploy/fault-ssh/ssh), SIGSTOP of the QEMU
 * process, a SIGKILL of the remote shell, two CLI processes at once, a CLI killed mid-run. Every
 * test asserts what the CLI said and what the host's sysfs tree is afterwards.
 *
 * Timeouts come from phase times measured on this VM (TCG, 2 cores): boot 15 s idle / up to ~90 s
 * loaded; probe 1.5–3 s; a 203-write apply 2.3 s idle, ~8 s loaded; a whole CLI deploy 6–7 s idle.
 * Deadlines below are 10–40x those, so the file passes beside CPU hogs; waits poll, never sleep blind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { deploy, DeployError, probeHost } from '../../server/src/host/deploy';
import type { SshTarget } from '../../server/src/host/ssh';
import { ROOT, useTestHost, type TestHost } from '../testhost/vm';
import { runCli } from './cli';
import { planSysfs } from '../../server/src/core/sysfs/plan';
import { checkText } from '../../server/src/core/index';

vi.setConfig({ testTimeout: 400_000, hookTimeout: 900_000 });

const TIERING = join(ROOT, 'test/deploy/fixtures/tiering-vm.damon.yaml');
const tieringText = readFileSync(TIERING, 'utf8');
const FAULT_SSH_DIR = join(ROOT, 'test/deploy/fault-ssh');

let vm: TestHost;
let target: SshTarget;
const sshArgs = () => ['--host', vm.alias, '--ssh-config', vm.sshConfig];

async function poll<T>(what: string, fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 240_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 500));
    last = await fn();
  }
  return last;
}
/** the non-volatile files that differ between two snapshots (empty when the host is as before) */
function treeDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const volatile = /\/stats\/|\/tried_regions\/|\/effective_bytes$|\/intervals\/(sample|aggr)_us$/;
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .filter((k) => !volatile.test(k) && a.get(k) !== b.get(k))
    .sort()
    .map((k) => `${k}: ${a.get(k)} -> ${b.get(k)}`);
}
async function snapshot() {
  const p = await probeHost(target, { skeleton: false });
  return { fp: p.fingerprint, running: p.host.running, pids: p.host.running.map((_, k) => p.tree.get(`kdamonds/${k}/pid`)), tree: p.tree };
}
/** the host lock is free (no session of ours runs on the host) */
const lockFree = () =>
  poll(
    'the host lock to be released',
    () => vm.sh('test -h /run/damon-config/lock && echo held || echo free').trim(),
    (v) => v === 'free',
  );
/** /dev/null is the character device 1:3, mode 666 */
const devNull = () => vm.sh("stat -c '%F %t:%T %a' /dev/null").trim();
const DEV_NULL = 'character special file 1:3 666';
const faultEnv = (at: string, action: string) => ({ ...process.env, PATH: `${FAULT_SSH_DIR}:${process.env.PATH}`, DC_FAULT_AT: at, DC_FAULT_ACTION: action });
function writeTmp(name: string, text: string): string {
  const f = join(vm.dir, name);
  writeFileSync(f, text);
  return f;
}
/** a config that differs from TIERING in two values (so a deploy over TIERING commits in place) */
const changed = (pct: number) => tieringText.replace('target_value: 10%', `target_value: ${pct}%`).replace('sz_bytes: 8 MiB', 'sz_bytes: 4 MiB');

const host = useTestHost('7.2');
beforeAll(() => {
  vm = host.vm();
  target = host.target();
});

describe('#17 item 1: no command touches anything outside DAMON and its own files', () => {
  it('/dev/null stays the character device 1:3 after probe, status, --dry-run, deploy, a failed deploy and stop', async () => {
    expect(devNull()).toBe(DEV_NULL);
    const tmpBefore = vm.sh('ls -A /tmp').trim();
    const steps: [string, string[]][] = [
      ['probe', ['probe', ...sshArgs()]],
      ['status', ['status', ...sshArgs()]],
      ['deploy --dry-run', ['deploy', TIERING, ...sshArgs(), '--dry-run']],
      ['deploy', ['deploy', TIERING, ...sshArgs(), '--yes']],
      ['deploy --dry-run (running)', ['deploy', TIERING, ...sshArgs(), '--dry-run']],
      ['status (running)', ['status', ...sshArgs()]],
      ['stop', ['stop', ...sshArgs()]],
      ['stop (nothing running)', ['stop', ...sshArgs()]],
    ];
    for (const [name, args] of steps) {
      const r = await runCli(args);
      expect([name, r.code, r.stderr]).toEqual([name, 0, expect.any(String)]);
      expect([name, devNull()]).toEqual([name, DEV_NULL]);
    }
    // nothing left behind in the world-writable temp directory
    expect(vm.sh('ls -A /tmp').trim()).toBe(tmpBefore);
    expect(vm.sh("stat -c '%u %a %F' /run/damon-config").trim()).toBe('0 700 directory');
    vm.sh('echo 0 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds');
  });
});

describe('#11 item 10: NUMA balancing moves pages behind DAMON', () => {
  it('probe, status and deploy --dry-run warn while kernel.numa_balancing is on, and are quiet when it is off', async () => {
    vm.sh('echo 1 > /proc/sys/kernel/numa_balancing');
    try {
      const p = await runCli(['probe', ...sshArgs()]);
      expect(p.code, p.stderr).toBe(0);
      expect(p.stdout).toMatch(/^# warning: NUMA balancing is on on damon-testhost-7\.2 \(kernel\.numa_balancing=1\)/m);
      const st = await runCli(['status', ...sshArgs()]);
      expect(st.stdout).toMatch(/warning: NUMA balancing is on/);
      const dry = await runCli(['deploy', TIERING, ...sshArgs(), '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stderr).toMatch(/warning: NUMA balancing is on on damon-testhost-7\.2.*sysctl kernel\.numa_balancing=0/);
    } finally {
      vm.sh('echo 0 > /proc/sys/kernel/numa_balancing');
    }
    const quiet = await runCli(['status', ...sshArgs()]);
    expect(quiet.stdout).not.toMatch(/NUMA balancing/);
  });
});

describe('#11 item 8: a cgroup whose path has a space', () => {
  it('status shows its live memory per node and a goal on it gets a live value', async () => {
    vm.sh('mkdir -p "/sys/fs/cgroup/with space"');
    const pid = vm
      .sh(`sh -c 'echo $$ > "/sys/fs/cgroup/with space/cgroup.procs"; exec /usr/bin/damon-workload 1 32 32 10' > /tmp/ws.log 2>&1 & echo $!`)
      .trim();
    try {
      await poll(
        'the workload in "/with space"',
        () => vm.sh('cat /tmp/ws.log'),
        (t) => /ready/.test(t),
        120_000,
      );
      const cfg = tieringText.replace(/memcg_path: \/workload_a([,}])/g, (_m, end: string) => `memcg_path: "/with space"${end}`);
      const d = await runCli(['deploy', writeTmp('space.damon.yaml', cfg), ...sshArgs(), '--yes']);
      expect(d.code, d.stderr).toBe(0);
      const st = await runCli(['status', ...sshArgs()]);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toMatch(/^ {4}\/with space: node 0 [\d.]+ (B|KiB|MiB|GiB), node 1 [\d.]+ (B|KiB|MiB|GiB)$/m);
      expect(st.stdout).toMatch(/goal node_memcg_used_bp nid 0 \/with space: live \d+(\.\d+)? %/);
      expect(st.stdout).not.toMatch(/live n\/a/);
    } finally {
      vm.sh(`kill ${pid}; true`);
      await runCli(['stop', ...sshArgs()]);
    }
  });
});

describe('#11 item 12: plan --script run by hand', () => {
  const runScript = (text: string) =>
    spawnSync('ssh', ['-F', vm.sshConfig, '-T', '--', vm.alias, 'cat > /root/apply.sh; sh /root/apply.sh'], {
      input: text,
      encoding: 'utf8',
      timeout: 300_000,
    });
  it('refuses while DAMON runs or on an older kernel, and puts the previous tree back when the kernel refuses a write', async () => {
    expect((await runCli(['deploy', TIERING, ...sshArgs(), '--yes'])).code).toBe(0);
    const script = (await runCli(['plan', TIERING, '--script'])).stdout;
    const running = runScript(script);
    expect(running.status).toBe(1);
    expect(running.stderr).toMatch(/kdamond 0 is running; stop it first/);
    expect((await runCli(['stop', ...sshArgs()])).code).toBe(0);
    const before = await snapshot();
    const newer = await runCli(['plan', TIERING, '--script', '--kernel', '7.3']);
    expect(newer.stdout).toMatch(/^# .*generated by damon-config for Linux 7\.3 or later/m);
    const old = runScript(newer.stdout);
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(
      /generated for Linux 7\.3 or later; this host runs 7\.2\.\S+\. Generate one for it: damon-config plan --script --kernel 7\.2 CONFIG/,
    );
    expect(treeDiff(before.tree, (await snapshot()).tree)).toEqual([]);
    // a memcg path the host lacks: the kernel says ENOMEM at "on", after every other write
    const gone = (await runCli(['plan', writeTmp('gone.damon.yaml', tieringText.replace('memcg_path: /workload_b}', 'memcg_path: /gone}')), '--script']))
      .stdout;
    const failed = runScript(gone);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/writing on to \/sys\/kernel\/mm\/damon\/admin\/kdamonds\/0\/state failed: .*Cannot allocate memory/);
    expect(failed.stderr).toMatch(/the previous DAMON tree was written back/);
    expect(treeDiff(before.tree, (await snapshot()).tree)).toEqual([]);
    vm.sh('echo 0 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds');
  });
});

describe('#17 items 3-4: the lock and the error files cannot be planted or hijacked', () => {
  it('a FIFO planted at the old lock and error-file paths does not hang or block anything', async () => {
    const tmpBefore = vm.sh('ls -A /tmp').trim();
    vm.sh('mkdir -p /tmp/.damon-config.lock && mkfifo /tmp/.damon-config.lock/pid; for p in $(seq 100 400); do mkfifo /tmp/damon-config.err.$p; done');
    try {
      const r = await runCli(['deploy', TIERING, ...sshArgs(), '--yes', '--timeout', '120']);
      expect(r.stdout).toMatch(/applied \(203 writes/);
      expect(r.code).toBe(0);
      // nothing of ours was left in /tmp next to the planted files
      expect(vm.sh('ls -A /tmp | grep -v -e "^damon-config.err.[0-9]*$" -e "^.damon-config.lock$"; true').trim()).toBe(tmpBefore);
    } finally {
      vm.sh('rm -rf /tmp/.damon-config.lock /tmp/damon-config.err.*');
    }
    expect(devNull()).toBe(DEV_NULL);
  });

  it('a state directory someone else made (mode 777) is refused before anything is written', async () => {
    const before = await snapshot();
    vm.sh('rm -rf /run/damon-config && mkdir -m 777 /run/damon-config');
    try {
      const r = await runCli(['deploy', writeTmp('c11.damon.yaml', changed(11)), ...sshArgs(), '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot take the damon-config lock on damon-testhost-7\.2: \/run\/damon-config is not a directory owned by uid 0 with mode 700/);
      expect((await snapshot()).fp).toBe(before.fp);
    } finally {
      vm.sh('rm -rf /run/damon-config');
    }
  });

  it('a lock held by a live process is waited for a bounded time, then named', async () => {
    const holder = vm.sh('sleep 600 > /dev/null 2>&1 & echo $!').trim();
    vm.sh(`mkdir -p -m 700 /run/damon-config && ln -s ${holder} /run/damon-config/lock`);
    try {
      const r = await runCli(['stop', ...sshArgs(), '--timeout', '20']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`another damon-config session \\(pid ${holder}\\) holds the lock on damon-testhost-7\\.2; gave up waiting`));
      expect(r.ms).toBeLessThan(120_000);
    } finally {
      vm.sh(`kill ${holder}; rm -f /run/damon-config/lock`);
    }
    // a lock whose holder is dead is taken over
    vm.sh('ln -s 999999 /run/damon-config/lock');
    const r2 = await runCli(['stop', ...sshArgs()]);
    expect(r2.code, r2.stderr).toBe(0);
    await lockFree();
  });
});

describe('#11: faults during a deploy', () => {
  let base: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    const r = await runCli(['deploy', TIERING, ...sshArgs(), '--yes']);
    expect(r.code, r.stderr).toBe(0);
    base = await snapshot();
    expect(base.running).toEqual([true, true]);
  });

  it('item 1: ssh dies after COMMIT reached the host: the CLI learns the commit and says so', async () => {
    const r = await runCli(['deploy', writeTmp('c12.damon.yaml', changed(12)), ...sshArgs(), '--yes'], { env: faultEnv('@@APPLIED', 'cut-after-commit') });
    await lockFree();
    const after = await snapshot();
    expect(after.tree.get('kdamonds/0/contexts/0/schemes/0/quotas/goals/0/target_value')).toBe('1200');
    expect(r.stderr).toMatch(/lost after COMMIT was sent, before the host confirmed it.*; the host confirms it committed/);
    expect(r.stderr).not.toMatch(/roll/);
    expect(r.stdout).toMatch(/applied/);
    expect(r.code).toBe(0);
    base = after;
  });

  // "mid": the plan's middle write (commit mode writes only the kdamonds that change)
  for (const at of ['@@S 0', 'mid', '@@APPLIED']) {
    it(`item 1/5: ssh cut at "${at}": the host rolls back, the CLI says so promptly because the host confirmed it`, async () => {
      const before = await snapshot();
      const p = await probeHost(target, { skeleton: false });
      const n = planSysfs(checkText(changed(13), { fileName: 'c13.damon.yaml' }).documents[0].kconfig!, { caps: p.caps, host: p.host, tree: p.tree }).writes
        .length;
      expect(n).toBeGreaterThan(4);
      const r = await runCli(['deploy', writeTmp('c13.damon.yaml', changed(13)), ...sshArgs(), '--yes'], {
        env: faultEnv(at === 'mid' ? `@@S ${Math.floor(n / 2)}` : at, 'cut'),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/the ssh session to damon-testhost-7\.2 was lost .*rolled back to its state before the deploy \(confirmed by the host\)/);
      // no waiting for a master's stdio (the old 300 s hang): the whole run is a few round trips
      expect(r.ms).toBeLessThan(150_000);
      await lockFree();
      const after = await snapshot();
      expect(treeDiff(before.tree, after.tree)).toEqual([]);
      expect(after.pids).toEqual(before.pids);
    });
  }

  it('item 6: the remote shell SIGKILLed after its writes, before COMMIT: the next session restores the recorded tree, and the CLI says so', async () => {
    const before = await snapshot();
    let err: unknown;
    try {
      await deploy({
        target,
        text: changed(14),
        fileName: 'c14.damon.yaml',
        onRemoteLine: (line) => {
          if (line === '@@APPLIED') vm.sh('kill -9 "$(readlink /run/damon-config/lock)"');
        },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).message).toMatch(/was lost .*rolled back to its state before the deploy \(confirmed by the host\)/);
    await lockFree();
    const after = await snapshot();
    expect(treeDiff(before.tree, after.tree)).toEqual([]);
    expect(after.pids).toEqual(before.pids);
  });

  it('item 2: two deploys with the same --ssh-config at once both finish (serialized by the host lock)', async () => {
    const [a, b] = await Promise.all([
      runCli(['deploy', writeTmp('c15.damon.yaml', changed(15)), ...sshArgs(), '--yes']),
      runCli(['deploy', writeTmp('c16.damon.yaml', changed(16)), ...sshArgs(), '--yes']),
    ]);
    expect([a.code, a.stderr]).toEqual([0, expect.stringMatching(/applied/)]);
    expect([b.code, b.stderr]).toEqual([0, expect.stringMatching(/applied/)]);
    expect(a.stderr + b.stderr).not.toMatch(/lost|unknown/);
    const after = await snapshot();
    expect(['1500', '1600']).toContain(after.tree.get('kdamonds/0/contexts/0/schemes/0/quotas/goals/0/target_value'));
    base = after;
  });

  it('item 3: a frozen host (QEMU SIGSTOPped mid-apply): the CLI names the phase that timed out, and the host rolls back once it runs again', async () => {
    const qemu = vm.qemuPid();
    let r;
    try {
      r = await runCli(['deploy', writeTmp('c17.damon.yaml', changed(17)), ...sshArgs(), '--yes', '--timeout', '15'], {
        env: faultEnv('@@S 5', `stop:${qemu}`),
      });
    } finally {
      process.kill(qemu, 'SIGCONT');
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the apply phase on damon-testhost-7\.2 timed out after 15 s/);
    expect(r.stderr).toMatch(/unknown — re-run `damon-config status --host damon-testhost-7\.2`/);
    // apply (15 s) + the outcome question (bounded too), never the old 314 s
    expect(r.ms).toBeLessThan(200_000);
    // running again, the host sees the client gone (or no COMMIT within the commit wait) and rolls back
    await poll(
      'the rollback after the freeze',
      async () => {
        try {
          await lockFree();
          return (await snapshot()).fp;
        } catch {
          return '';
        }
      },
      (fp) => fp === base.fp,
      300_000,
    );
    const st = await runCli(['status', ...sshArgs()]);
    expect(st.code, st.stderr).toBe(0);
  });

  it('item 4: a dry run killed with SIGKILL leaves no master, and a swapped host key is refused on the next deploy', async () => {
    // the same --ssh-config path throughout; its known_hosts file is swapped below
    const kh = join(vm.dir, 'swap_known_hosts');
    writeFileSync(kh, readFileSync(join(ROOT, '.cache/testhost/7.2/known_hosts')));
    const cfg = writeTmp('swap.ssh_config', readFileSync(vm.sshConfig, 'utf8').replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${kh}`));
    let pid = 0;
    const dry = runCli(['deploy', TIERING, '--host', vm.alias, '--ssh-config', cfg, '--dry-run'], {
      onSpawn: (p) => {
        pid = p;
      },
      onStderr: (text) => {
        if (/changes on damon-testhost-7\.2/.test(text) && pid) {
          process.kill(pid, 'SIGKILL');
          pid = 0;
        }
      },
    });
    const killed = await dry;
    expect(killed.code).toBe(null);
    // the master was a child of the killed CLI: its remote command ends when its stdin closes
    const masters = () =>
      spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l.includes('ControlMaster=yes') && l.includes(cfg));
    await poll("the killed run's master to exit", masters, (m) => m.length === 0, 120_000);
    const other = join(vm.dir, 'swap_other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    writeFileSync(kh, `damon-testhost-7.2 ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const before = await snapshot();
    const r = await runCli(['deploy', writeTmp('c18.damon.yaml', changed(18)), '--host', vm.alias, '--ssh-config', cfg, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host key verification failed for damon-testhost-7\.2/);
    expect((await snapshot()).fp).toBe(before.fp);
  });

  it('a long $TMPDIR (80 characters) still gives a working control socket', async () => {
    const long = join(vm.dir, 'x'.repeat(Math.max(1, 80 - vm.dir.length - 1)));
    execFileSync('mkdir', ['-p', long]);
    const r = await runCli(['status', ...sshArgs()], { env: { ...process.env, TMPDIR: long } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kdamond 0: on/);
  });
});
