/**
 * Test helper: build (cached) and boot a disposable DAMON test host in QEMU, and run commands on it.
 * Each booted VM gets its own state directory, so parallel test files never share one by accident.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { closeMaster, type SshTarget } from '../../server/src/host/ssh';

export const ROOT = resolve(__dirname, '../..');

export interface TestHost {
  version: '7.2' | '6.12';
  alias: string;
  sshConfig: string;
  dir: string;
  /** run a shell command on the host, return stdout (throws on non-zero exit) */
  sh(cmd: string, input?: string | Buffer): string;
  /** the QEMU process of this host (tests freeze it with SIGSTOP) */
  qemuPid(): number;
  /** systemd variant: `systemctl reboot` in the guest, then wait until ssh answers from the new boot */
  reboot(): Promise<void>;
  stop(): void;
}

function bootWithRetry(version: string, alias: string, variant: string[]): string {
  const attempts = 2;
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(ROOT, '.testhost', `test-${version}-`));
    const r = spawnSync('bash', [join(ROOT, 'scripts/testhost/start.sh'), version, '--dir', dir, '--alias', alias, ...variant], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, TESTHOST_BOOT_TIMEOUT: process.env.TESTHOST_BOOT_TIMEOUT ?? '240' },
    });
    if (r.status === 0) return dir;
    spawnSync('bash', [join(ROOT, 'scripts/testhost/stop.sh'), '--dir', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    if (attempt >= attempts) throw new Error(`test host ${version}${variant.join('')} did not boot (${attempts} attempts); last start.sh said:\n${r.stderr}`);
    process.stderr.write(`test host ${version}: boot attempt ${attempt} failed, retrying:\n${r.stderr}\n`);
  }
}

/**
 * opts.damo: boot the image variant with python3 and damo 3.4.1 (7.2 only; build.sh --damo);
 * opts.systemd: the variant whose init is systemd, on a persistent disk (7.2 only; build.sh --systemd)
 */
export function bootTestHost(version: '7.2' | '6.12', opts: { damo?: boolean; systemd?: boolean } = {}): TestHost {
  const variant = opts.damo ? ['--damo'] : opts.systemd ? ['--systemd'] : [];
  execFileSync('bash', [join(ROOT, 'scripts/testhost/build.sh'), version, ...variant], { stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(join(ROOT, '.testhost'), { recursive: true });
  const alias = `damon-testhost-${version}`;
  // TCG boots in 7-15 s even beside two busy loops; a boot that has not answered ssh within the
  // timeout (default 240 s) is stopped (start.sh prints the console tail) and tried once more, so one
  // stuck boot on a loaded CI machine does not fail a whole test file
  const dir = bootWithRetry(version, alias, variant);
  const sshConfig = join(dir, 'ssh_config');
  const host: TestHost = {
    version,
    alias,
    sshConfig,
    dir,
    sh(cmd, input) {
      // only the connect is retried (QEMU's user network sometimes resets a new connection under
      // load); a command that ran is never run twice
      for (let attempt = 1; ; attempt++) {
        const r = spawnSync('ssh', ['-F', sshConfig, '-T', '--', alias, cmd], { input, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
        const connectFailed = r.status === 255 && /Connection (reset|refused|closed)|kex_exchange_identification|timed out/i.test(r.stderr ?? '');
        if (connectFailed && attempt < 4) {
          spawnSync('sleep', ['1']);
          continue;
        }
        if (r.status !== 0) throw new Error(`ssh ${JSON.stringify(cmd)} exited ${r.status}: ${r.stderr}`);
        return r.stdout;
      }
    },
    qemuPid() {
      return Number(readFileSync(join(dir, 'qemu.pid'), 'utf8').trim());
    },
    async reboot() {
      if (!opts.systemd) throw new Error('reboot() needs the systemd variant (the busybox image runs QEMU with -no-reboot)');
      const before = host.sh('cat /proc/sys/kernel/random/boot_id').trim();
      // the session ends with the guest's shutdown: its exit status says nothing
      spawnSync('ssh', ['-F', sshConfig, '-T', '--', alias, 'systemctl reboot'], { encoding: 'utf8', timeout: 60_000 });
      const end = Date.now() + Number(process.env.TESTHOST_BOOT_TIMEOUT ?? '480') * 1000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const r = spawnSync('ssh', ['-F', sshConfig, '-o', 'ConnectTimeout=3', '-T', '--', alias, 'cat /proc/sys/kernel/random/boot_id'], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        if (r.status === 0 && r.stdout.trim() && r.stdout.trim() !== before) return;
        if (Date.now() > end)
          throw new Error(`the test host did not come back after a reboot; console:\n${readFileSync(join(dir, 'console.log'), 'utf8').slice(-3000)}`);
      }
    },
    stop() {
      spawnSync('bash', [join(ROOT, 'scripts/testhost/stop.sh'), '--dir', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return host;
}

/**
 * Boots a test host for one test file (build first, cgroups /workload_a and /workload_b made) and
 * stops it afterwards. Returns getters: the host and its ssh target exist once beforeAll has run.
 */
export function useTestHost(version: '7.2' | '6.12'): { vm: () => TestHost; target: () => SshTarget } {
  let vm: TestHost | undefined;
  let target: SshTarget | undefined;
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    vm = bootTestHost(version);
    target = { alias: vm.alias, configFile: vm.sshConfig };
    vm.sh('mkdir -p /sys/fs/cgroup/workload_a /sys/fs/cgroup/workload_b');
  }, 600_000);
  afterAll(async () => {
    if (target) await closeMaster(target);
    vm?.stop();
  });
  return { vm: () => vm!, target: () => target! };
}
