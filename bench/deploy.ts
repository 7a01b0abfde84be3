/**
 * Deploy speed on a real 7.2 kernel (the QEMU test host, TCG): the seed's 4-scheme tiering config.
 *  - connect+probe: the first probe, including the SSH handshake (the ControlMaster is set up);
 *  - probe: a probe over the established connection;
 *  - apply (start): the one remote session that writes ~200 files and `on`, after the connection is up;
 *  - apply (commit): the same config to running kdamonds (`commit`).
 * Goal: apply <= 1 s. Run: npm run bench:deploy  (boots its own VM; needs scripts/ci/deploy.sh done)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploy, probeHost, stopHost } from '../server/src/host/deploy';
import { closeMaster } from '../server/src/host/ssh';
import { bootTestHost, ROOT } from '../test/testhost/vm';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const t0 = Date.now();
  const vm = bootTestHost('7.2');
  const bootMs = Date.now() - t0;
  const target = { alias: vm.alias, configFile: vm.sshConfig };
  try {
    vm.sh('mkdir -p /sys/fs/cgroup/workload_a /sys/fs/cgroup/workload_b');
    const text = readFileSync(join(ROOT, 'test/deploy/fixtures/tiering-vm.damon.yaml'), 'utf8');
    await closeMaster(target);
    let s = Date.now();
    await probeHost(target);
    const connectProbe = Date.now() - s;
    const probe: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      s = Date.now();
      await probeHost(target);
      probe.push(Date.now() - s);
    }
    const start: number[] = [];
    const commit: number[] = [];
    const total: number[] = [];
    let writes = 0;
    for (let i = 0; i < RUNS; i++) {
      await stopHost(target);
      vm.sh('echo 0 > /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds');
      s = Date.now();
      const r = await deploy({ target, text, fileName: 'tiering-vm.damon.yaml' });
      total.push(Date.now() - s);
      start.push(r.applyMs ?? NaN);
      writes = r.plan.writes.length;
      const c = await deploy({ target, text, fileName: 'tiering-vm.damon.yaml' });
      commit.push(c.applyMs ?? NaN);
    }
    const rows = [
      ['boot VM (qemu start to first ssh)', bootMs],
      ['connect + probe (cold)', connectProbe],
      ['probe (connection up)', median(probe)],
      [`apply, start (${writes} writes + on)`, median(start)],
      ['apply, commit to running kdamonds', median(commit)],
      ['deploy() total: check + probe + plan + apply', median(total)],
    ] as const;
    console.log(`deploy bench, 4-scheme config, Linux 7.2 in QEMU/TCG, median of ${RUNS}`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(48)} ${String(v).padStart(6)} ms`);
    const ok = median(start) <= 1000 && median(commit) <= 1000;
    console.log(`  goal apply <= 1000 ms: ${ok ? 'met' : 'MISSED'}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await closeMaster(target);
    vm.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
