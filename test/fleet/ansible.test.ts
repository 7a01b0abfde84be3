/**
 * Fleets through Ansible (ansible-core from Debian) against two real kernels in QEMU: a 7.2 and a
 * 6.12 test host in one inventory. The role `damon-config ansible` writes is run by
 * ansible-playbook, as a user runs it, directly and through `deploy --inventory`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../deploy/cli';
import { useTestHost, type TestHost } from '../testhost/vm';

// each playbook run takes 10-40 s on an idle 2-core machine (TCG guests); much more when it is busy
vi.setConfig({ testTimeout: 900_000 });

const h72 = useTestHost('7.2');
const h612 = useTestHost('6.12');
let a: TestHost;
let b: TestHost;
let dir: string;
let inventory: string;

const CONFIG = readFileSync(join(__dirname, '../deploy/fixtures/stat-node1.damon.yaml'), 'utf8');

/** the same kdamond, but its scheme only counts /fleet_only's pages: a cgroup only the 7.2 host has */
const CONFIG_CGROUP = CONFIG.replace(
  '- {filter_type: anon, matching: false, allow: false}',
  '- {filter_type: memcg, memcg_path: /fleet_only, matching: false, allow: false}',
).replace('counting anonymous memory', 'counting /fleet_only');

/** every file of the DAMON admin tree with its value, as one text */
function tree(vm: TestHost): string {
  return vm.sh(
    `cd /sys/kernel/mm/damon/admin && find . -type f -not -path '*/tried_regions/*' -not -path '*/stats/*' | sort | while read -r f; do printf '%s=' "$f"; cat "$f" 2>/dev/null; done`,
  );
}

function ansibleEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
    ANSIBLE_RETRY_FILES_ENABLED: '0',
  };
}

/** `ok=.. changed=N` of a host in PLAY RECAP */
function recapChanged(out: string, host: string): number {
  const m = new RegExp(`^${host.replace(/\./g, '\\.')}\\s*:\\s*ok=\\d+\\s+changed=(\\d+)`, 'm').exec(out);
  if (!m) throw new Error(`no PLAY RECAP line for ${host}:\n${out}`);
  return Number(m[1]);
}

beforeAll(() => {
  a = h72.vm();
  b = h612.vm();
  dir = join(a.dir, 'fleet');
  mkdirSync(join(dir, 'cp'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'tiering.damon.yaml'), CONFIG);
  writeFileSync(join(dir, 'cgroup.damon.yaml'), CONFIG_CGROUP);
  a.sh('mkdir -p /sys/fs/cgroup/fleet_only && sysctl -w kernel.numa_balancing=0 >/dev/null 2>&1; true');
  const line = (vm: TestHost) => `${vm.alias} ansible_ssh_common_args='-F ${vm.sshConfig}'`;
  inventory = join(dir, 'inventory.ini');
  writeFileSync(
    inventory,
    `[damon]\n${line(a)}\n${line(b)}\n\n[damon:vars]\n# the test hosts run dropbear with no sftp or scp\nansible_ssh_transfer_method=piped\n`,
  );
});

describe('damon-config ansible: the role', () => {
  it('writes a role, playbook, inventory example and README that ansible-playbook and ansible-lint accept', async () => {
    const out = join(dir, 'role');
    const r = await runCli(['ansible', join(dir, 'tiering.damon.yaml'), '--out', out, '--name', 'damon_tiering']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of [
      'playbook.yml',
      'ansible.cfg',
      'inventory.example.ini',
      'README.md',
      'roles/damon_tiering/tasks/main.yml',
      'roles/damon_tiering/library/damon_config_host.py',
      'roles/damon_tiering/files/probe.sh',
      'roles/damon_tiering/files/tiering.damon.yaml',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const syntax = spawnSync('ansible-playbook', ['-i', inventory, 'playbook.yml', '--syntax-check'], { cwd: out, env: ansibleEnv(), encoding: 'utf8' });
    expect(syntax.status, syntax.stdout + syntax.stderr).toBe(0);
    const lint = spawnSync('ansible-lint', ['--offline', '-q', 'playbook.yml'], { cwd: out, env: ansibleEnv(), encoding: 'utf8' });
    expect(lint.error, 'ansible-lint is installed (Debian package ansible-lint; scripts/ci/fleet.sh)').toBeUndefined();
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    // a folder the tool did not write is never overwritten
    const other = join(dir, 'not-ours');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'keep.txt'), 'mine');
    const refused = await runCli(['ansible', join(dir, 'tiering.damon.yaml'), '--out', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/was not written by damon-config ansible/);
    expect(readFileSync(join(other, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('a config with errors gets no role', async () => {
    const bad = join(dir, 'bad.damon.yaml');
    writeFileSync(bad, CONFIG.replace('action: stat', 'action: migrate_hot'));
    const r = await runCli(['ansible', bad, '--out', join(dir, 'bad-role')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.damon\.yaml:\d+:\d+: error \[migrate-needs-destination\] .*target_nid/);
    expect(existsSync(join(dir, 'bad-role'))).toBe(false);
  });
});

describe('deploy --inventory: two kernels, one playbook run', () => {
  it('--check reports the per-host diff and changes nothing on either host', async () => {
    const before = [tree(a), tree(b)];
    const r = await runCli(['deploy', join(dir, 'tiering.damon.yaml'), '--inventory', inventory, '--check']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Ansible's diff format, per host
    expect(r.stdout).toMatch(new RegExp(`\\+\\+\\+ after: ${a.alias.replace(/\./g, '\\.')}: /sys/kernel/mm/damon/admin`));
    expect(r.stdout).toMatch(/\+kdamonds\/0\/contexts\/0\/schemes\/0\/action = stat/);
    expect(recapChanged(r.stdout, a.alias)).toBe(1);
    expect(recapChanged(r.stdout, b.alias)).toBe(1);
    expect(r.stdout).toMatch(/would change: \d+ sysfs writes/);
    expect([tree(a), tree(b)]).toEqual(before);
  });

  it('applies on both hosts; sysfs read back on each; a second run reports changed=0', async () => {
    const r = await runCli(['deploy', join(dir, 'tiering.damon.yaml'), '--inventory', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${a.alias.replace(/\./g, '\\.')}: ${a.alias.replace(/\./g, '\\.')}: applied \\(\\d+ writes\\)`));
    for (const vm of [a, b]) {
      expect(vm.sh('cat /sys/kernel/mm/damon/admin/kdamonds/0/state').trim()).toBe('on');
      expect(vm.sh('cat /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/action').trim()).toBe('stat');
      expect(vm.sh('cat /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations').trim()).toBe('paddr');
    }
    // 6.12 has the legacy filters/ directory, 7.2 the ops_filters/ one
    expect(b.sh('cat /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/filters/0/type').trim()).toBe('anon');
    const again = await runCli(['deploy', join(dir, 'tiering.damon.yaml'), '--inventory', inventory]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(recapChanged(again.stdout, a.alias)).toBe(0);
    expect(recapChanged(again.stdout, b.alias)).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`${b.alias.replace(/\./g, '\\.')}: unchanged`));
  });

  it('a host that would reject the config fails alone, with the config line and the rule; the other applies (--json: the same per host, as data)', async () => {
    const before612 = tree(b);
    const config = join(dir, 'cgroup.damon.yaml');
    const r = await runCli(['deploy', config, '--inventory', inventory, '--json']);
    expect(r.code).toBe(1);
    // Ansible's text goes to stderr with --json: 6.12 has no /fleet_only, the validator, run against
    // that host's probed profile, refuses first
    expect(r.stderr).toMatch(/cgroup\.damon\.yaml:\d+:\d+: error \[memcg-path-unknown\] .*\/fleet_only/);
    expect(tree(b)).toBe(before612);
    expect(r.stderr).toMatch(new RegExp(`${a.alias.replace(/\./g, '\\.')}: ${a.alias.replace(/\./g, '\\.')}: applied`));
    expect(r.stderr).toMatch(new RegExp(`${b.alias.replace(/\./g, '\\.')}: failed: `));
    expect(a.sh('cat /sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/ops_filters/0/memcg_path').trim()).toBe('/fleet_only');
    // stdout is the JSON alone: one outcome per host, the refusal naming the user's file (not the role's copy)
    const recap = JSON.parse(r.stdout) as { check: boolean; hosts: { host: string; status: string; message: string; details: string[] }[] };
    expect(recap.check).toBe(false);
    const byHost = new Map(recap.hosts.map((h) => [h.host, h]));
    expect(byHost.get(a.alias)).toMatchObject({ status: 'applied', message: expect.stringMatching(/^applied \(\d+ writes\)$/) });
    expect(byHost.get(b.alias)).toMatchObject({ status: 'failed', message: expect.stringMatching(/nothing was deployed/) });
    expect(byHost.get(b.alias)!.details).toEqual([
      expect.stringMatching(new RegExp(`^${config.replace(/[.]/g, '\\.')}:\\d+:\\d+: error \\[memcg-path-unknown\\] .*/fleet_only`)),
    ]);
  });

  it('serial: 1 runs the hosts one after the other (the generated playbook, run directly)', () => {
    const out = join(dir, 'role');
    const r = spawnSync('ansible-playbook', ['-i', inventory, 'playbook.yml', '-e', 'damon_serial=1'], {
      cwd: out,
      env: ansibleEnv(),
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // one batch per host: the play starts twice, and each batch probes exactly one host
    const probes = [...r.stdout.matchAll(/TASK \[damon_tiering : Probe the host's DAMON state[^\n]*\]\s*\*+\n(ok|changed): \[([^\]]+)\]/g)].map((m) => m[2]);
    expect(probes).toHaveLength(2);
    expect(new Set(probes)).toEqual(new Set([a.alias, b.alias]));
    expect((r.stdout.match(/^PLAY \[Deploy a DAMON config\]/gm) ?? []).length).toBe(2);
  });

  it('--json with an inventory Ansible cannot read, or a --limit that matches no host: no hosts, and why', async () => {
    const bad = join(dir, 'broken-inventory.yml');
    writeFileSync(bad, 'this is: [not an inventory\n');
    const r = await runCli(['deploy', join(dir, 'tiering.damon.yaml'), '--inventory', bad, '--check', '--json']);
    const recap = JSON.parse(r.stdout) as { hosts: unknown[]; error?: string };
    expect(recap.hosts).toEqual([]);
    expect(recap.error).toMatch(/Unable to parse .*broken-inventory\.yml as an inventory source/);
    const none = await runCli(['deploy', join(dir, 'tiering.damon.yaml'), '--inventory', inventory, '--limit', 'no-such-host', '--check', '--json']);
    expect(none.code).toBe(1);
    const r2 = JSON.parse(none.stdout) as { hosts: unknown[]; error?: string };
    expect(r2.hosts).toEqual([]);
    expect(r2.error).toMatch(/no hosts to target/);
  });

  it('ansible-playbook missing: deploy --inventory says how to install it', async () => {
    const r = spawnSync(process.execPath, [join(__dirname, '../../dist/cli.js'), 'deploy', join(dir, 'tiering.damon.yaml'), '--inventory', inventory], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ansible-playbook is not installed \(Debian\/Ubuntu: `apt install ansible-core`/);
  });
});
