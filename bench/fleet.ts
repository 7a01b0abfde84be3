/**
 * Fleet deploy: two QEMU test hosts (7.2 and 6.12, TCG), whole processes, side by side in one run:
 *  - sequential: `damon-config deploy --host A` then `--host B` (each a fresh CLI process);
 *  - ansible: `damon-config deploy --inventory` (one ansible-playbook run over both hosts).
 * Each round starts from stopped, empty DAMON trees, so both apply the same writes. Reports the
 * medians, the overhead Ansible adds per host, and the load average beside every figure.
 * Run: npm run bench:fleet  (needs scripts/ci/deploy.sh and scripts/ci/fleet.sh done)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { bootTestHost, ROOT, type TestHost } from '../test/testhost/vm';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const CONFIG = readFileSync(join(ROOT, 'test/deploy/fixtures/stat-node1.damon.yaml'), 'utf8');

function cli(args: string[]): number {
  const s = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
  if (r.status !== 0) throw new Error(`damon-config ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return Date.now() - s;
}

function reset(hosts: TestHost[]): void {
  for (const h of hosts)
    h.sh('A=/sys/kernel/mm/damon/admin/kdamonds; [ "$(cat $A/0/state 2>/dev/null)" = on ] && echo off > $A/0/state; echo 0 > $A/nr_kdamonds; true');
}

function main(): void {
  spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
  const hosts = [bootTestHost('7.2'), bootTestHost('6.12')];
  const dir = join(hosts[0].dir, 'bench-fleet');
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, 'stat.damon.yaml');
  writeFileSync(cfg, CONFIG);
  const inv = join(dir, 'inventory.ini');
  writeFileSync(
    inv,
    `[damon]\n${hosts.map((h) => `${h.alias} ansible_ssh_common_args='-F ${h.sshConfig}'`).join('\n')}\n\n[damon:vars]\nansible_ssh_transfer_method=piped\n`,
  );
  const seq: number[] = [];
  const ans: number[] = [];
  const loads: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      reset(hosts);
      loads.push(loadavg()[0]);
      seq.push(hosts.reduce((t, h) => t + cli(['deploy', cfg, '--host', h.alias, '--ssh-config', h.sshConfig, '--yes']), 0));
      reset(hosts);
      loads.push(loadavg()[0]);
      ans.push(cli(['deploy', cfg, '--inventory', inv]));
    }
  } finally {
    for (const h of hosts) h.stop();
  }
  const s = median(seq);
  const a = median(ans);
  console.log(
    `fleet deploy, 2 hosts (7.2 + 6.12, QEMU TCG), whole processes, median of ${RUNS} rounds, load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
  );
  console.log('| how | wall time | per host |');
  console.log('| --- | --- | --- |');
  console.log(`| 2 sequential \`deploy --host\` | ${(s / 1000).toFixed(1)} s | ${(s / 2000).toFixed(1)} s |`);
  console.log(`| \`deploy --inventory\` (ansible-playbook, both hosts) | ${(a / 1000).toFixed(1)} s | ${(a / 2000).toFixed(1)} s |`);
  console.log(`Ansible adds ${((a - s) / 2000).toFixed(1)} s per host (${(a / s).toFixed(2)}x the sequential time)`);
}

main();
