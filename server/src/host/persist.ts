/**
 * `deploy --persist`, `stop --persist` and the persisted part of `status`: the files and the unit
 * of core/sysfs/persist.ts installed, removed and read back over ssh. The boot plan is the config
 * planned for a fresh boot against the host's probed capabilities; `status` plans the persisted
 * config against the live tree: no write needed = the running config is the persisted one.
 */
import { basename } from 'node:path';
import type { ProbeResult } from '../core/sysfs/hostinfo';
import { planSysfs, type SysfsPlan } from '../core/sysfs/plan';
import {
  BOOT_SCRIPT_PATH,
  parsePersistRead,
  PERSIST_UNIT,
  PERSIST_UNIT_PATH,
  persistedConfigPath,
  planCgroups,
  planDigest,
  renderBootScript,
  renderInstallScript,
  renderPersistReadScript,
  renderPersistUnit,
  renderRemoveScript,
  type PersistedState,
} from '../core/sysfs/persist';
import { VERSION } from '../version';
import { DeployError, loadForDeploy, type LoadedConfig } from './deploy';
import { runChecked, type SshTarget } from './ssh';

export interface PersistFiles {
  bootPlan: SysfsPlan;
  digest: string;
  cgroups: string[];
  bootScript: string;
  unit: string;
  install: string;
}

export function noSystemd(host: string): DeployError {
  return new DeployError(
    `${host} does not run systemd (no /run/systemd/system): --persist installs a systemd unit (${PERSIST_UNIT}) that applies the config at boot; nothing was written. Without systemd, run \`damon-config plan --script\` from your init system instead.`,
    'features',
  );
}

/** What --persist installs on a host, from the config checked against that host's probe. */
export function persistFiles(cfg: LoadedConfig, probe: ProbeResult, host: string, cgroupWaitS: number, lockWaitS = 60): PersistFiles {
  // a process id does not survive a reboot: at boot it names no process, or another one
  const pids: string[] = [];
  cfg.kconfig.kdamonds.forEach((kd, k) =>
    kd.contexts.forEach((c, ci) =>
      c.targets.forEach((t, ti) => {
        if (t.pid !== null && c.ops !== 'paddr')
          pids.push(
            `${cfg.where(['kdamonds', k, 'contexts', ci, 'targets', ti, 'pid'])}: pid ${t.pid} (${c.ops}) does not survive a reboot: at boot it names no process or another one`,
          );
      }),
    ),
  );
  if (pids.length)
    throw new DeployError(
      `${cfg.fileName} monitors processes by pid and cannot be persisted (deploy it without --persist; only configs without pid targets, such as paddr ones, are applied at boot); nothing was written`,
      'check',
      pids,
    );
  const bootPlan = planSysfs(cfg.kconfig, { caps: probe.caps });
  if (bootPlan.problems.length)
    throw new DeployError(
      `${cfg.fileName} cannot be persisted on ${host}; nothing was written`,
      'features',
      bootPlan.problems.map((p) => `${cfg.where(p.source)}: ${p.message}`),
    );
  const cgroups = planCgroups(bootPlan);
  const source = basename(cfg.fileName);
  const bootScript = renderBootScript(bootPlan, { source, release: probe.release, cgroupWaitS, version: VERSION });
  const unit = renderPersistUnit({ source, cgroups, version: VERSION });
  const install = renderInstallScript({ configText: cfg.text, configFileName: cfg.fileName, bootScript, unit, lockWaitS });
  return { bootPlan, digest: planDigest(bootPlan), cgroups, bootScript, unit, install };
}

/** one line for logs: what --persist installs */
export function persistSummary(f: PersistFiles, fileName: string, cgroupWaitS: number): string {
  return `persist: ${PERSIST_UNIT_PATH} runs ${BOOT_SCRIPT_PATH} at boot (plan ${f.digest}, ${f.bootPlan.writes.length} writes; config kept as ${persistedConfigPath(fileName)})${
    f.cgroups.length ? `; waits up to ${cgroupWaitS} s for cgroup${f.cgroups.length > 1 ? 's' : ''} ${f.cgroups.join(', ')}` : ''
  }`;
}

function lockProblem(host: string, out: string): DeployError | null {
  const le = /^@@LOCKERR (.*)$/m.exec(out);
  if (le) return new DeployError(`cannot take the damon-config lock on ${host}: ${le[1]}`, 'busy');
  const b = /^@@BUSYLOCK (.*)$/m.exec(out);
  if (b) return new DeployError(`another damon-config session (pid ${b[1]}) holds the lock on ${host}; gave up waiting`, 'busy');
  return null;
}

/**
 * The last word of an install or remove script (`word` captures it), or the error it reported: the
 * lock, a failed step (@@PERSISTFAIL), or no last word at all.
 */
function persistVerdict(host: string, out: string, what: string, word: RegExp): string {
  const lp = lockProblem(host, out);
  if (lp) throw lp;
  const f = /^@@PERSISTFAIL (.*)$/m.exec(out);
  if (f) throw new DeployError(`${what} on ${host} failed: ${f[1]}`, 'apply');
  const m = word.exec(out);
  if (!m) throw new DeployError(`${what} on ${host}: the script ended without its last word`, 'unknown');
  return m[1];
}

/** The install script's verdict (also read by the Ansible role's module). */
export function installVerdict(host: string, out: string): { changed: boolean } {
  if (/^@@NOSYSTEMD$/m.test(out)) throw noSystemd(host);
  return { changed: persistVerdict(host, out, 'persisting', /^@@PERSISTED (changed|unchanged)$/m) === 'changed' };
}

export async function installPersist(t: SshTarget, files: PersistFiles, ms: number): Promise<{ changed: boolean }> {
  const r = await runChecked(t, files.install, { phase: 'persist', ms });
  return installVerdict(t.alias, r.stdout + (r.stderr ? `\n${r.stderr}` : ''));
}

export async function removePersist(t: SshTarget, ms: number, lockWaitS = 60): Promise<{ removed: boolean }> {
  const r = await runChecked(t, renderRemoveScript(lockWaitS), { phase: 'persist', ms });
  return { removed: persistVerdict(t.alias, r.stdout, 'removing the persisted config', /^@@UNPERSISTED (removed|none)$/m) === 'removed' };
}

export async function readPersisted(t: SshTarget, ms: number): Promise<PersistedState> {
  const r = await runChecked(t, renderPersistReadScript(), { phase: 'status', ms });
  try {
    return parsePersistRead(r.stdout);
  } catch (e) {
    throw new DeployError(`reading the persisted config of ${t.alias} failed: ${(e as Error).message}`, 'probe');
  }
}

export interface PersistStatus {
  /** a config is persisted (its unit file is there) */
  persisted: boolean;
  unit: string;
  /** this boot's run of the unit (applied / still running / FAILED, with systemd's ActiveState, SubState and Result), null without a unit */
  bootRun: string | null;
  configName: string | null;
  digest: string | null;
  /** the running config is the persisted one (it needs no write); null when it cannot be told */
  same: boolean | null;
  /** why not the same, or why it cannot be told */
  detail: string;
}

/** The persisted config against what runs now. */
export function persistStatus(host: string, st: PersistedState, probe: ProbeResult): PersistStatus {
  const base = {
    unit: st.unit,
    bootRun: st.run ? bootRunText(st.run) : null,
    configName: st.source ?? st.config?.name ?? null,
    digest: st.digest,
  };
  if (st.unit === 'none') return { ...base, persisted: false, same: null, detail: 'nothing is persisted' };
  if (!st.config) return { ...base, persisted: true, same: null, detail: `the unit is there but the persisted config is missing` };
  const running = probe.host.running.filter(Boolean).length;
  const notRunning = 'no kdamond runs: the persisted config is not running now';
  // why the persisted config would not apply now; first, that nothing runs, when nothing does
  const wouldNotApply = (d: string): PersistStatus => ({ ...base, persisted: true, same: false, detail: running ? d : `${notRunning}; ${d}` });
  let cfg: LoadedConfig;
  try {
    cfg = loadForDeploy(st.config.text, `${host}:${persistedConfigPath(st.config.name)}`, probe, undefined, 'it would not apply at boot');
  } catch (e) {
    return wouldNotApply(e instanceof DeployError ? [e.message, ...e.details].join('; ') : (e as Error).message);
  }
  const plan = planSysfs(cfg.kconfig, { caps: probe.caps, host: probe.host, tree: probe.tree });
  if (plan.problems.length) return wouldNotApply(plan.problems.map((p) => p.message).join('; '));
  if (plan.writes.length === 0) return { ...base, persisted: true, same: true, detail: 'the running config is the persisted one' };
  return {
    ...base,
    persisted: true,
    same: false,
    detail:
      running === 0
        ? notRunning
        : `the running config differs from the persisted one (applying it would take ${plan.writes.length} sysfs writes, ${plan.mode})`,
  };
}

export function renderPersistStatus(p: PersistStatus): string {
  if (!p.persisted) return '  persisted: no (nothing applies a config at boot)';
  const lines = [
    `  persisted: yes, ${p.configName ?? '?'}${p.digest ? ` (plan ${p.digest})` : ''}, ${PERSIST_UNIT} ${p.unit}${p.bootRun ? `, this boot: ${p.bootRun}` : ''}`,
    `  persisted vs running: ${p.same === true ? 'same' : p.same === false ? 'DIFFERENT' : 'unknown'} — ${p.detail}`,
  ];
  return lines.join('\n');
}

/** this boot's run of the unit in words: applied, still waiting, failed (systemd's states beside) */
function bootRunText(r: { active: string; sub: string; result: string }): string {
  const states = [r.active, r.sub, r.result].filter(Boolean).join(' ');
  if (r.active === 'active' && r.sub === 'exited' && r.result === 'success') return `applied (${states})`;
  if (r.active === 'active' && r.sub === 'running') return `still running, waiting for cgroups or the lock (${states})`;
  if (r.active === 'failed' || (r.result && r.result !== 'success')) return `FAILED (${states}; journalctl -u damon-config)`;
  return states;
}
