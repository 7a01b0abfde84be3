/**
 * What `deploy --persist` installs, as text: the boot script, the unit and the install script,
 * with hostile config names and cgroup paths. The boot script's cgroup wait is run for real (cut
 * before its first DAMON access, so nothing here can touch this machine's DAMON); the whole
 * persist cycle runs across real reboots in vm72-persist.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import type { KConfig } from '../../server/src/core/model/kernel';
import {
  cgroupUnits,
  PERSIST_UNIT_PATH,
  parsePersistRead,
  planCgroups,
  renderBootScript,
  renderInstallScript,
  renderPersistReadScript,
  renderPersistUnit,
  renderRemoveScript,
  unitText,
} from '../../server/src/core/sysfs/persist';
import { planSysfs } from '../../server/src/core/sysfs/plan';
import { renderDeployScript } from '../../server/src/core/sysfs/script';
import { renderAnsibleRole } from '../../server/src/fleet/ansible';
import { planForHost } from '../../server/src/host/host-plan';
import { parseProbeOutput } from '../../server/src/core/sysfs/hostinfo';
import { persistStatus, renderPersistStatus } from '../../server/src/host/persist';

const BASE = readFileSync(join(__dirname, 'fixtures/stat-node1.damon.yaml'), 'utf8');
const HOSTILE_CG = `/a'b $(touch PWNED) \`touch PWNED\` "c" ;x`;
const HOSTILE_NAME = `evil%n'$(reboot)\nExecStart=/bin/rm -rf /\\.damon.yaml`;

function kconfig(text: string): KConfig {
  const k = checkText(text, { fileName: 'x.damon.yaml' }).documents[0]?.kconfig;
  if (!k) throw new Error('no kconfig');
  return k as KConfig;
}
const withCgroup = (cg: string) =>
  BASE.replace(
    '- {filter_type: anon, matching: false, allow: false}',
    `- {filter_type: memcg, memcg_path: ${JSON.stringify(cg)}, matching: false, allow: false}`,
  );
const sh = (script: string, env: Record<string, string> = {}) =>
  spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 });

describe('the boot script', () => {
  const plan = planSysfs(kconfig(withCgroup(HOSTILE_CG)));
  const boot = renderBootScript(plan, { source: HOSTILE_NAME, release: '7.2.13', cgroupWaitS: 1, version: '0.1.0' });
  it('refuses a wait that is not a whole number of seconds', () => {
    for (const w of [0, -1, 1.5, NaN, 100000]) expect(() => renderBootScript(plan, { source: 'x', release: '7.2', cgroupWaitS: w, version: '0' })).toThrow();
  });

  it('names every cgroup the plan writes, single-quoted', () => {
    expect(planCgroups(plan)).toEqual([HOSTILE_CG]);
    expect(boot).toContain(`waitcg '/a'\\''b $(touch PWNED) \`touch PWNED\` "c" ;x'`);
    expect(boot).toContain(`SOURCE='evil%n'\\''$(reboot)?ExecStart=/bin/rm -rf /\\.damon.yaml'`);
    // the name stays on one line in comments and log lines
    expect(boot.split('\n').filter((l) => l.startsWith('ExecStart'))).toEqual([]);
    expect(sh(`sh -n -c "$S"`, { S: boot }).status).toBe(0);
  });

  it('its wait gives up after the bound, names the cgroup and runs nothing of the name', () => {
    // cut before the first DAMON access: only the wait runs
    const waitPart = boot.slice(0, boot.indexOf('for m in damon_stat'));
    expect(waitPart).not.toContain('/sys/kernel/mm/damon');
    const dir = mkdtempSync(join(tmpdir(), 'damon-persist-'));
    try {
      const r = spawnSync('sh', ['-c', `${waitPart}\necho WAIT-PASSED`], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).not.toContain('WAIT-PASSED');
      expect(r.stderr).toContain(`damon-config: waiting for cgroup ${HOSTILE_CG} (at most 1 s from start)`);
      expect(r.stderr).toMatch(
        /damon-config: cgroup \/a'b \$\(touch PWNED\) `touch PWNED` "c" ;x never appeared \(.*, waited 1 s\): the config from evil%n'\$\(reboot\)/,
      );
      expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies through the deploy script in fresh-tree mode, with its COMMIT given up front', () => {
    expect(boot).toContain('printf \'COMMIT\\n\' | sh "$W/deploy.sh"');
    expect(boot).toMatch(/if \[ "\$n" != 0 \]; then say "@@NOTFRESH \$n"/);
    // the rollback puts the fresh tree back
    expect(boot).toMatch(/r kdamonds\/nr_kdamonds '0'/);
    // each write's path, for the journal line of a refused write
    expect(boot).toContain("0) printf '%s' 'kdamonds/nr_kdamonds' ;;");
  });

  it('the fresh-tree mode is the only difference from a deploy session', () => {
    const restore = { tree: [], runningBefore: [], nrBefore: 0, inPlace: false };
    const a = renderDeployScript(plan, 'e'.repeat(32), restore).split('\n');
    const b = renderDeployScript(plan, null, restore).split('\n');
    const diff = a.filter((l, i) => l !== b[i]);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toContain('@@CHANGED');
  });
});

describe('the unit', () => {
  it('keeps a hostile name inside Description (one line, % doubled, no backslash)', () => {
    const u = renderPersistUnit({ source: HOSTILE_NAME, cgroups: [], version: '0.1.0' });
    const lines = u.split('\n');
    expect(lines.filter((l) => l.startsWith('ExecStart='))).toEqual(['ExecStart=/bin/sh /etc/damon-config/boot.sh']);
    const d = lines.find((l) => l.startsWith('Description='));
    expect(d).toBe(`Description=DAMON config evil%%n'$(reboot)?ExecStart=/bin/rm -rf /?.damon.yaml (damon-config)`);
    expect(lines).toContain('Type=simple');
    expect(lines).toContain('RemainAfterExit=yes');
    expect(lines.some((l) => /Timeout|RuntimeMax/.test(l))).toBe(false);
    expect(lines).toContain('WantedBy=multi-user.target');
    expect(unitText('a\\b%c\td')).toBe('a?b%%c?d');
  });
  it('is ordered after the systemd units its cgroups belong to', () => {
    const cgs = ['/system.slice/postgresql@15-main.service', '/workload', '/machine.slice/x;rm.scope', '/user.slice/user-1000.slice'];
    expect(cgroupUnits(cgs)).toEqual(['system.slice', 'postgresql@15-main.service', 'machine.slice', 'user.slice', 'user-1000.slice']);
    const u = renderPersistUnit({ source: 'x.yaml', cgroups: cgs, version: '0.1.0' });
    expect(u).toContain('After=system.slice postgresql@15-main.service machine.slice user.slice user-1000.slice\n');
  });
});

describe('the install and remove scripts', () => {
  it('keeps the config verbatim, even a line equal to the here-document delimiter', () => {
    const text = `# DAMON_CONFIG_PERSIST\nDAMON_CONFIG_PERSIST\n${BASE}`;
    const s = renderInstallScript({ configText: text, configFileName: 'a.json', bootScript: 'echo boot', unit: '[Unit]' });
    expect(s).toContain("<<'DAMON_CONFIG_PERSIST_'");
    expect(s).toContain(`cat > '/etc/damon-config/config.damon.json.new' <<'DAMON_CONFIG_PERSIST_' || fail`);
    expect(s.split('\n').filter((l) => l === 'DAMON_CONFIG_PERSIST_')).toHaveLength(3);
    expect(s).toMatch(/^\[ -d \/run\/systemd\/system \] \|\| \{ say "@@NOSYSTEMD"; exit 0; \}$/m);
    expect(sh(`sh -n -c "$S"`, { S: s }).status).toBe(0);
    expect(sh(`sh -n -c "$S"`, { S: renderRemoveScript() }).status).toBe(0);
    expect(sh(`sh -n -c "$S"`, { S: renderPersistReadScript() }).status).toBe(0);
    expect(() => renderInstallScript({ configText: 'a\0b', configFileName: 'a.yaml', bootScript: '', unit: '' })).toThrow(/NUL/);
  });
  it('the persisted state reads back (config text, unit, this boot, digest)', () => {
    const out = [
      '@@PSYSTEMD yes',
      '@@PUNIT enabled',
      '@@PRUN failed failed exit-code',
      '@@PCONFIG config.damon.yaml',
      '|kdamonds:',
      '|  - contexts: []',
      '@@PSOURCE late.damon.yaml',
      '@@PDIGEST 0123456789abcdef',
      '@@PEND',
    ].join('\n');
    expect(parsePersistRead(out)).toEqual({
      systemd: true,
      unit: 'enabled',
      run: { active: 'failed', sub: 'failed', result: 'exit-code' },
      config: { name: 'config.damon.yaml', text: 'kdamonds:\n  - contexts: []\n' },
      source: 'late.damon.yaml',
      digest: '0123456789abcdef',
    });
    expect(() => parsePersistRead('@@PSYSTEMD yes\n')).toThrow(/ended early/);
  });
  it("reads this boot's run with one `systemctl show`, whatever order systemd prints the properties in", () => {
    // separate calls could read "active" while the boot script waits and "failed" after it gave up
    // (seen in a busy CI run): one call is one snapshot of the unit
    const dir = mkdtempSync(join(tmpdir(), 'damon-persist-read-'));
    try {
      const unit = join(dir, 'damon-config.service');
      writeFileSync(unit, '[Unit]\n');
      const calls = join(dir, 'calls');
      writeFileSync(
        join(dir, 'systemctl'),
        `#!/bin/sh\necho "$*" >> '${calls}'\ncase "$1" in is-enabled) echo enabled ;; show) printf 'Result=exit-code\\nSubState=failed\\nActiveState=failed\\n' ;; esac\n`,
        { mode: 0o755 },
      );
      const script = renderPersistReadScript().split(`'${PERSIST_UNIT_PATH}'`).join(`'${unit}'`);
      const r = sh(script, { PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^@@PRUN failed failed exit-code$/m);
      expect(
        readFileSync(calls, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('show')),
      ).toEqual(['show -p ActiveState -p SubState -p Result damon-config.service']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the persist scripts touch', () => {
  const plan = planSysfs(kconfig(withCgroup('/w')));
  const boot = renderBootScript(plan, { source: 'w.yaml', release: '7.2', cgroupWaitS: 5, version: '0' });
  const unit = renderPersistUnit({ source: 'w.yaml', cgroups: ['/w'], version: '0' });
  const scripts: [string, string][] = [
    ['boot (without its deploy script)', boot.replace(/<<'DAMON_CONFIG_BOOT_DEPLOY'\n[\s\S]*\nDAMON_CONFIG_BOOT_DEPLOY\n/, "<<'X'\nX\n")],
    [
      'install (without its here-documents)',
      renderInstallScript({ configText: BASE, configFileName: 'w.yaml', bootScript: boot, unit }).replace(
        /<<'DAMON_CONFIG_PERSIST'[^\n]*\n[\s\S]*?\nDAMON_CONFIG_PERSIST\n/g,
        '\n',
      ),
    ],
    ['remove', renderRemoveScript()],
    ['read', renderPersistReadScript()],
  ];
  const OWN = /^'\/etc\/damon-config\/(config\.damon\.(yaml|json)|boot\.sh)(\.new)?'$|^'\/etc\/systemd\/system\/damon-config\.service(\.new)?'$/;
  for (const [name, s] of scripts) {
    it(`${name}: removes and writes only its own files`, () => {
      for (const m of s.matchAll(/\brm (-[a-z]+ )?(\S+)/g))
        if (!OWN.test(m[2].replace(/;$/, ''))) expect([name, m[2]]).toEqual([name, expect.stringMatching(/^"\$(W|L|O|U|f|D\/restore)"[;']?$|^\{\}$/)]);
      // redirections: the private temp dir, the state dir, the null device, stderr, or its own files
      for (const m of s.matchAll(/(?<![0-9&<])>\s*("?'?[^\s;)]+)/g)) {
        if (OWN.test(m[1])) continue;
        expect([name, m[1]]).toEqual([name, expect.stringMatching(/^"\$(W|D|O)\b|^\/dev\/null$|^&2$/)]);
      }
      // files moved into place are its own
      for (const m of s.matchAll(/\bmv -f '[^']*' ('[^']*')/g)) expect([name, m[1]]).toEqual([name, expect.stringMatching(OWN)]);
      for (const m of s.matchAll(/\/tmp\S*/g)) expect(m[0]).toMatch(/^\/tmp\}\/damon-config\.XXXXXX"$/);
    });
  }
});

function probeText(systemd: boolean): string {
  return [
    '@@REL 7.2.13',
    ...(systemd ? ['@@SYSTEMD'] : []),
    '@@FILE /sys/devices/system/node/has_memory',
    '|0-1',
    '@@FILE /sys/devices/system/node/node0/meminfo',
    '|Node 0 MemTotal:       1048576 kB',
    '@@FILE /sys/devices/system/node/node1/meminfo',
    '|Node 1 MemTotal:       1048576 kB',
    '@@FILE /proc/zoneinfo',
    '|Node 0, zone   Normal',
    '|        spanned  262144',
    '|  start_pfn:           0',
    '|Node 1, zone   Normal',
    '|        spanned  262112',
    '|  start_pfn:           262144',
    '@@FILE /proc/iomem',
    '|00000000-7fffffff : System RAM',
    '@@CGROUPS',
    '|/late',
    '@@NOMEMCG',
    `@@FP ${'a'.repeat(32)}`,
    '@@TREE',
    '@@FILE /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds',
    '|0',
    '@@END',
  ].join('\n');
}

describe('--persist on a host', () => {
  const probe = probeText;
  it('a host without systemd is refused before anything is written', () => {
    const r = planForHost('h', withCgroup('/late'), 'late.damon.yaml', probe(false), undefined, false, { cgroupWaitS: 120 });
    expect(r).toMatchObject({ ok: false, stage: 'features' });
    expect(r.ok ? '' : r.message).toMatch(/^h does not run systemd \(no \/run\/systemd\/system\): --persist installs a systemd unit .*nothing was written/);
  });
  it('a config that monitors processes by pid is refused: pids do not survive a reboot', () => {
    const vaddr = `kdamonds:
  - contexts:
      - ops: vaddr
        targets:
          - pid: 1234
            regions: []
        schemes: []
`;
    const r = planForHost('h', vaddr, 'v.damon.yaml', probe(true), undefined, false, { cgroupWaitS: 120 });
    expect(r).toMatchObject({ ok: false, stage: 'check' });
    if (r.ok) return;
    expect(r.message).toMatch(/^v\.damon\.yaml monitors processes by pid and cannot be persisted .*nothing was written$/);
    expect(r.details).toEqual(['v.damon.yaml:5:13: pid 1234 (vaddr) does not survive a reboot: at boot it names no process or another one']);
    // without --persist the same config plans
    expect(planForHost('h', vaddr, 'v.damon.yaml', probe(true)).ok).toBe(true);
  });
  it('a systemd host gets the install script (the role runs it)', () => {
    const r = planForHost('h', withCgroup('/late'), 'late.damon.yaml', probe(true), undefined, false, { cgroupWaitS: 45 });
    if (!r.ok) throw new Error(`${r.message} ${r.details.join('; ')}`);
    expect(r.persist?.cgroups).toEqual(['/late']);
    expect(r.persist?.script).toMatch(/^#!\/bin\/sh\n/);
    expect(r.persist?.script).toContain('WAIT=45');
    expect(r.persist?.script).toContain("waitcg '/late'");
  });
});

describe('status: the persisted config against the running one', () => {
  const text = withCgroup('/late');
  const persisted = (unit = 'enabled') => ({
    systemd: true,
    unit,
    run: { active: 'active', sub: 'exited', result: 'success' },
    config: { name: 'config.damon.yaml', text },
    source: 'late.damon.yaml',
    digest: '0123456789abcdef',
  });
  /** a probe whose tree is `tree` (path relative to the admin root -> value) */
  const probeWith = (tree: [string, string][]) => {
    const base = probeText(true).split('\n');
    const end = base.indexOf('@@END');
    const lines = tree.filter(([p]) => p !== 'kdamonds/nr_kdamonds').flatMap(([p, v]) => [`@@FILE /sys/kernel/mm/damon/admin/${p}`, `|${v}`]);
    const nr = tree.find(([p]) => p === 'kdamonds/nr_kdamonds')?.[1] ?? '0';
    return parseProbeOutput([...base.slice(0, end - 1), '|' + nr, ...lines, '@@END'].join('\n'));
  };
  it('nothing persisted', () => {
    const p = persistStatus('h', { systemd: true, unit: 'none', run: null, config: null, source: null, digest: null }, probeWith([]));
    expect(p).toMatchObject({ persisted: false, same: null });
    expect(renderPersistStatus(p)).toBe('  persisted: no (nothing applies a config at boot)');
  });
  it('persisted but nothing runs: different', () => {
    const p = persistStatus('h', persisted(), probeWith([['kdamonds/nr_kdamonds', '0']]));
    expect(p).toMatchObject({ persisted: true, same: false, detail: 'no kdamond runs: the persisted config is not running now' });
    expect(renderPersistStatus(p)).toBe(
      [
        '  persisted: yes, late.damon.yaml (plan 0123456789abcdef), damon-config.service enabled, this boot: applied (active exited success)',
        '  persisted vs running: DIFFERENT — no kdamond runs: the persisted config is not running now',
      ].join('\n'),
    );
  });
  it('the running tree holds the persisted config: same; another value: different', () => {
    const plan = planSysfs(kconfig(text));
    const tree: [string, string][] = [...plan.writes.filter((w) => !w.state).map((w) => [w.path, w.value] as [string, string]), ['kdamonds/0/state', 'on']];
    expect(persistStatus('h', persisted(), probeWith(tree))).toMatchObject({ same: true, detail: 'the running config is the persisted one' });
    const other = tree.map(([p, v]) => [p, p.endsWith('/memcg_path') ? '/other' : v] as [string, string]);
    expect(persistStatus('h', persisted(), probeWith(other)).detail).toMatch(
      /^the running config differs from the persisted one \(applying it would take \d+ sysfs writes, commit\)$/,
    );
  });
});

describe('the Ansible role with damon_persist', () => {
  const files = renderAnsibleRole({ name: 'damon_config', configText: BASE, configFileName: 'x.damon.yaml', cli: ['damon-config'], version: '0.1.0' });
  const tasks = files.get('roles/damon_config/tasks/main.yml') ?? '';
  const defaults = files.get('roles/damon_config/defaults/main.yml') ?? '';
  const mod = files.get('roles/damon_config/library/damon_config_host.py') ?? '';
  it('is off by default, with the wait bound beside it', () => {
    expect(defaults).toMatch(/^damon_persist: false$/m);
    expect(defaults).toMatch(/^damon_persist_cgroup_wait: 120$/m);
  });
  it('plans the install script on the controller and runs it after the apply, outside check mode', () => {
    expect(tasks).toContain('persist: "{{ damon_persist | bool }}"');
    expect(tasks).toContain('cgroup_wait: "{{ damon_persist_cgroup_wait | int }}"');
    const i = tasks.indexOf('- name: Install the unit that applies the config at every boot');
    expect(i).toBeGreaterThan(tasks.indexOf('- name: Apply through the transactional deploy script'));
    const task = tasks.slice(i, tasks.indexOf('- name: Record the outcome'));
    expect(task).toContain('ansible.builtin.script: "{{ damon_plan.persist_script }}"');
    expect(task).toContain('when: damon_persist | bool and not ansible_check_mode');
    expect(task).toContain(`changed_when: "'@@PERSISTED changed' in damon_persist_run.stdout"`);
    expect(mod).toContain('argv += ["--persist-out", os.path.join(work, "persist.sh"), "--cgroup-wait", str(p["cgroup_wait"])]');
  });
  it('passes ansible-playbook --syntax-check when Ansible is installed', () => {
    const which = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' });
    if (which.status !== 0) return; // test/fleet runs the role for real where Ansible is installed (CI)
    const dir = mkdtempSync(join(tmpdir(), 'damon-role-'));
    try {
      for (const [rel, body] of files) {
        const p = join(dir, rel);
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, body);
      }
      const r = spawnSync(which.stdout.trim(), ['--syntax-check', '-i', 'localhost,', 'playbook.yml'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1' },
        timeout: 120_000,
      });
      expect(r.stderr + r.stdout).toMatch(/playbook: playbook\.yml/);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
