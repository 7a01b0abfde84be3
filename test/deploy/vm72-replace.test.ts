/**
 * Issue 11 item 7 against the real 7.2 kernel (QEMU test host): a kdamond started by hand (plain
 * sysfs writes, as damo does) is named in the dry run and never replaced without --replace.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { probeHost } from '../../server/src/host/deploy';
import type { SshTarget } from '../../server/src/host/ssh';
import { useTestHost, type TestHost } from '../testhost/vm';
import { runCli, vaddrConfig } from './cli';

// probe 1.5-3 s and a small deploy a few seconds on this VM; generous under load
vi.setConfig({ testTimeout: 300_000, hookTimeout: 900_000 });

let vm: TestHost;
let target: SshTarget;
const sshArgs = () => ['--host', vm.alias, '--ssh-config', vm.sshConfig];
const host = useTestHost('7.2');
beforeAll(() => {
  vm = host.vm();
  target = host.target();
});

async function snapshot() {
  const p = await probeHost(target, { skeleton: false });
  return {
    fp: p.fingerprint,
    running: p.host.running,
    pid: p.tree.get('kdamonds/0/pid'),
    aggr: p.tree.get('kdamonds/0/contexts/0/monitoring_attrs/intervals/aggr_us'),
  };
}
const cfgFile = (name: string, text: string) => {
  const f = join(vm.dir, name);
  writeFileSync(f, text);
  return f;
};

describe('kdamonds started outside damon-config', () => {
  let sleeper = 0;
  it('a kdamond started by hand is named in the dry run, refused without --replace, replaced with it', async () => {
    sleeper = Number(vm.sh('sleep 100000 > /dev/null 2>&1 & echo $!').trim());
    // started by hand, the way damo does it: plain sysfs writes
    vm.sh(
      `A=/sys/kernel/mm/damon/admin/kdamonds; echo 1 > $A/nr_kdamonds && echo 1 > $A/0/contexts/nr_contexts && echo vaddr > $A/0/contexts/0/operations && echo 1 > $A/0/contexts/0/targets/nr_targets && echo ${sleeper} > $A/0/contexts/0/targets/0/pid_target && echo on > $A/0/state`,
    );
    const byHand = await snapshot();
    expect(byHand.running).toEqual([true]);
    expect(byHand.pid).toMatch(/^\d+$/);
    const cfg = cfgFile('mine.damon.yaml', vaddrConfig(sleeper, '200 ms'));

    const dry = await runCli(['deploy', cfg, ...sshArgs(), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`kdamonds started outside damon-config will be replaced: kdamond 0 (pid ${byHand.pid}) — deploying needs --replace`);
    expect((await snapshot()).fp).toBe(byHand.fp);

    const refused = await runCli(['deploy', cfg, ...sshArgs(), '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${vm.alias} runs kdamonds started outside damon-config (kdamond 0 (pid ${byHand.pid})); deploying would replace them. Nothing was written. Re-run with --replace`,
    );
    const still = await snapshot();
    expect(still.fp).toBe(byHand.fp);
    expect(still.pid).toBe(byHand.pid);

    const replaced = await runCli(['deploy', cfg, ...sshArgs(), '--yes', '--replace']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/applied \(\d+ writes, commit/);
    expect(replaced.stderr).toContain('(--replace given)');
    const after = await snapshot();
    expect(after.aggr).toBe('200000');
    expect(after.running).toEqual([true]);

    // now it is ours: a re-deploy neither names it nor needs --replace
    const again = await runCli(['deploy', cfgFile('mine2.damon.yaml', vaddrConfig(sleeper, '300 ms')), ...sshArgs(), '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('outside damon-config');
    expect((await snapshot()).aggr).toBe('300000');
  });

  it('restarted by hand (off, on: a new kdamond pid) it counts as started outside again', async () => {
    const A = '/sys/kernel/mm/damon/admin/kdamonds';
    vm.sh(`echo off > ${A}/0/state; while [ "$(cat ${A}/0/state)" != off ]; do sleep 0.1; done; echo on > ${A}/0/state`);
    const s = await snapshot();
    const dry = await runCli(['deploy', cfgFile('mine3.damon.yaml', vaddrConfig(sleeper, '400 ms')), ...sshArgs(), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`kdamonds started outside damon-config will be replaced: kdamond 0 (pid ${s.pid})`);
    const stop = await runCli(['stop', ...sshArgs()]);
    expect(stop.code).toBe(0);
    vm.sh(`kill ${sleeper}`);
  });
});
