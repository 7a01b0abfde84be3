/**
 * Test helper: build (cached) and boot a disposable DAMON test host in QEMU, and run commands on it.
 * Each booted VM gets its own state directory, so parallel test files never share one by accident.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export interface TestHost {
  version: '7.2' | '6.12';
  alias: string;
  sshConfig: string;
  dir: string;
  /** run a shell command on the host, return stdout (throws on non-zero exit) */
  sh(cmd: string, input?: string | Buffer): string;
  stop(): void;
}

export function bootTestHost(version: '7.2' | '6.12'): TestHost {
  execFileSync('bash', [join(ROOT, 'scripts/testhost/build.sh'), version], { stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(join(ROOT, '.testhost'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.testhost', `test-${version}-`));
  const alias = `damon-testhost-${version}`;
  execFileSync('bash', [join(ROOT, 'scripts/testhost/start.sh'), version, '--dir', dir, '--alias', alias], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sshConfig = join(dir, 'ssh_config');
  const host: TestHost = {
    version,
    alias,
    sshConfig,
    dir,
    sh(cmd, input) {
      const r = spawnSync('ssh', ['-F', sshConfig, '-T', '--', alias, cmd], { input, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`ssh ${JSON.stringify(cmd)} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    },
    stop() {
      spawnSync('bash', [join(ROOT, 'scripts/testhost/stop.sh'), '--dir', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return host;
}
