/**
 * Deploy a damo-format config to a host over SSH: static checks (before connecting), probe,
 * feature and holder checks, dry-run diff, confirmation naming the host, one transactional remote
 * session with rollback, and the kernel's error mapped to the config line that caused it.
 */
import { checkText, LineIndex, nodeAtPath, type CoreDiagnostic } from '../core/index';
import { diagnosticLines, locationText, type ConfigPath } from '../core/diagnostic';
import type { KConfig } from '../core/model/kernel';
import { diffTree, renderDiff, type DiffLine } from '../core/sysfs/diff';
import { parseProbeOutput, renderProbeScript, restoreSpec, type ProbeOptions, type ProbeResult } from '../core/sysfs/hostinfo';
import { capabilitiesForVersion } from '../core/sysfs/features';
import { planSysfs, type SysfsPlan, type SysfsWrite } from '../core/sysfs/plan';
import { LOCK_FN, renderDeployScript } from '../core/sysfs/script';
import { runChecked, runScript, SshError, type RunControl, type SshTarget } from './ssh';

export class DeployError extends Error {
  constructor(message: string, readonly stage: 'check' | 'connect' | 'probe' | 'busy' | 'features' | 'apply' | 'changed' | 'lost', readonly details: string[] = []) {
    super(message);
  }
}

export interface LoadedConfig {
  text: string;
  fileName: string;
  kconfig: KConfig;
  /** map a damo config path to "file:line:col" */
  where(path: ConfigPath): string;
}


/**
 * Check a config text for deploying: error diagnostics refuse it; exactly one config document.
 * With a probe, the check runs against the host's profile and kernel version.
 */
export function loadForDeploy(text: string, fileName: string, probe?: ProbeResult, kernel?: string, refusal = 'nothing was deployed'): LoadedConfig {
  const ver = kernel ?? (probe ? /^(\d+\.\d+)/.exec(probe.release)?.[1] : undefined);
  const res = checkText(text, { fileName, profile: probe?.profile, kernel: ver });
  const errors = res.diagnostics.filter((d) => d.severity === 'error');
  const lines = new LineIndex(text);
  if (errors.length) {
    throw new DeployError(
      `${fileName}: ${errors.length} error${errors.length > 1 ? 's' : ''}${probe ? ` against ${probe.release}` : ''}; ${refusal}`,
      'check',
      errors.flatMap((d) => diagnosticLines(fileName, lines, d)),
    );
  }
  const docs = res.documents.filter((d) => d.kconfig);
  if (docs.length !== 1) throw new DeployError(`${fileName}: expected exactly one DAMON config document, found ${docs.length}`, 'check');
  const doc = docs[0];
  const idx = new LineIndex(text);
  return {
    text,
    fileName,
    kconfig: doc.kconfig as KConfig,
    where(path: ConfigPath) {
      const at = nodeAtPath(doc.root, path);
      const off = at.pair?.key.range.start ?? at.node?.range.start ?? doc.range.start;
      return locationText(fileName, idx, off);
    },
  };
}

/** Unsafe values (newline, NUL, control characters in memcg paths...) refused before connecting. */
export function precheckValues(cfg: LoadedConfig): void {
  const plan = planSysfs(cfg.kconfig, { caps: capabilitiesForVersion('7.2') });
  const unsafe = plan.problems.filter((p) => /cannot be written safely|not a number/.test(p.message));
  if (unsafe.length) {
    throw new DeployError(`${cfg.fileName}: values that cannot be written safely; nothing was sent to any host`, 'check', unsafe.map((p) => `${cfg.where(p.source)}: ${p.message}`));
  }
}

export async function probeHost(t: SshTarget, opts: ProbeOptions = {}): Promise<ProbeResult> {
  let r;
  try {
    r = await runChecked(t, renderProbeScript(opts));
  } catch (e) {
    if (e instanceof SshError) throw new DeployError(e.message, 'connect', e.stderr ? [e.stderr] : []);
    throw e;
  }
  if (r.stdout.includes('@@BUSYLOCK')) throw new DeployError(`another damon-config session holds the lock on ${t.alias}`, 'busy');
  try {
    return parseProbeOutput(r.stdout);
  } catch (e) {
    throw new DeployError(`probe of ${t.alias} failed: ${(e as Error).message}${r.stderr ? ` (${r.stderr.trim()})` : ''}`, 'probe');
  }
}

/** DAMON_STAT / DAMON_RECLAIM / DAMON_LRU_SORT hold DAMON exclusively: `on` would fail with EBUSY. */
export function holderProblems(alias: string, probe: ProbeResult): string[] {
  return probe.holders
    .filter((h) => h.enabled)
    .map((h) => `${h.module.toUpperCase()} is enabled on ${alias}${h.pid ? ` (kdamond pid ${h.pid})` : ''} and holds DAMON: the sysfs interface cannot start a kdamond (EBUSY). Disable it with \`echo N > /sys/module/${h.module}/parameters/enabled\` (or boot with ${h.module}.enabled=N) and deploy again.`);
}

const ERRNO_TEXT: [RegExp, string, string][] = [
  [/Cannot allocate memory/, 'ENOMEM', 'the kernel reports ENOMEM for ANY scheme it could not build — most likely a memcg path (filter or quota goal) that does not exist on the host, or a relative memcg path; also addr filters with end < start, hugepage_size min > max'],
  [/Invalid argument/, 'EINVAL', 'the kernel refused the value (at `on`/`commit`: an inconsistent context — sample_us > aggr_us, nr_regions min < 3 or min > max, unsorted/overlapping regions, a pid that does not exist, more than one paddr target)'],
  [/Device or resource busy|busy/i, 'EBUSY', 'DAMON is busy: another writer holds the sysfs lock, or DAMON_STAT/DAMON_RECLAIM/DAMON_LRU_SORT runs'],
  [/Operation not permitted/, 'EPERM', 'not permitted (the kdamond is not in the state this write needs)'],
  [/Permission denied|Read-only/, 'EACCES', 'permission denied: DAMON sysfs needs root on the host'],
  [/No such file/, 'ENOENT', 'the sysfs file does not exist on this kernel'],
];

export function explainKernelError(text: string): { errno: string; hint: string } {
  for (const [re, errno, hint] of ERRNO_TEXT) if (re.test(text)) return { errno, hint };
  return { errno: 'error', hint: text.trim() };
}

export interface DeployOptions {
  target: SshTarget;
  text: string;
  fileName: string;
  dryRun?: boolean;
  /** asked with the host name and the diff before anything is written; false aborts */
  confirm?: (question: string, diff: string) => Promise<boolean>;
  log?: (line: string) => void;
  /** kernel version to check against instead of the probed one (X.Y) */
  kernel?: string;
  /** tests: called on each remote progress line, with the session's control */
  onRemoteLine?: (line: string, ctl: RunControl) => void;
}

export interface DeployResult {
  host: string;
  status: 'applied' | 'dry-run' | 'declined' | 'unchanged';
  plan: SysfsPlan;
  diff: DiffLine[];
  probe: ProbeResult;
  applyMs?: number;
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const log = opts.log ?? (() => {});
  const host = opts.target.alias;
  // 1. before connecting: static checks and unsafe values
  const pre = loadForDeploy(opts.text, opts.fileName, undefined, opts.kernel);
  precheckValues(pre);
  let confirmedDiff: string | null = null;
  for (let attempt = 1; ; attempt++) {
    const r = await attemptDeploy(opts, confirmedDiff);
    if (r.kind === 'done') return r.result;
    confirmedDiff = r.confirmedDiff;
    // another deploy changed the host between our probe and our apply: start over from a new probe
    if (attempt >= 5) throw new DeployError(`the DAMON state of ${host} kept changing between probe and apply (${attempt} attempts; another writer?); nothing was written`, 'changed');
    log(`${host}: DAMON state changed since the probe (another deploy?); probing again`);
  }
}

type Attempt = { kind: 'done'; result: DeployResult } | { kind: 'changed'; confirmedDiff: string | null };

async function attemptDeploy(opts: DeployOptions, confirmedDiff: string | null): Promise<Attempt> {
  const log = opts.log ?? (() => {});
  const host = opts.target.alias;
  // 2. probe
  log(`probing ${host}`);
  const probe = await probeHost(opts.target);
  log(`${host}: Linux ${probe.release}, ${probe.profile.nodes.length} NUMA node(s) with memory, ${probe.host.nrKdamonds} kdamond(s) (${probe.host.running.filter(Boolean).length} running)`);
  if (!probe.hasDamon) throw new DeployError(`${host} has no DAMON sysfs interface (/sys/kernel/mm/damon/admin is missing: a kernel without CONFIG_DAMON_SYSFS)`, 'features');
  const holders = holderProblems(host, probe);
  if (holders.length) throw new DeployError(`DAMON is held by a kernel module on ${host}; nothing was written`, 'busy', holders);
  // 3. the config against the host: profile, kernel, files
  const cfg = loadForDeploy(opts.text, opts.fileName, probe, opts.kernel);
  const plan = planSysfs(cfg.kconfig, { caps: probe.caps, host: probe.host });
  if (plan.problems.length) {
    throw new DeployError(`${cfg.fileName} cannot run on ${host} (Linux ${probe.release}); nothing was written`, 'features', plan.problems.map((p) => `${cfg.where(p.source)}: ${p.message}`));
  }
  const diff = diffTree(probe.tree, plan);
  const diffText = renderDiff(diff);
  log(`changes on ${host} (${plan.mode}):\n${diffText}`);
  if (opts.dryRun) return { kind: 'done', result: { host, status: 'dry-run', plan, diff, probe } };
  if (opts.confirm && confirmedDiff !== diffText) {
    const ok = await opts.confirm(`Deploy ${cfg.fileName} to ${host} (${plan.writes.length} sysfs writes, ${plan.mode})?`, diffText);
    if (!ok) return { kind: 'done', result: { host, status: 'declined', plan, diff, probe } };
  }
  // 4. apply in one session
  const script = renderDeployScript(plan, probe.fingerprint, restoreSpec(probe, cfg.kconfig.kdamonds.length));
  let failed: { step: number; err: string } | null = null;
  let rolledBack: boolean | null = null;
  let applied = false;
  let done = false;
  let changed = false;
  let busyLock = '';
  const started = Date.now();
  const r = await runScript(opts.target, script, {
    keepStdinOpen: true,
    onLine(line, ctl) {
      opts.onRemoteLine?.(line, ctl);
      if (line === '@@APPLIED') { applied = true; ctl.send('COMMIT\n'); ctl.end(); }
      else if (line === '@@DONE') done = true;
      else if (line === '@@CHANGED') changed = true;
      else if (line.startsWith('@@BUSYLOCK')) busyLock = line.slice(11);
      else if (line.startsWith('@@FAIL ')) {
        const m = /^@@FAIL (-?\d+) ?(.*)$/.exec(line);
        failed = { step: Number(m?.[1] ?? -1), err: m?.[2] ?? '' };
      } else if (line === '@@ROLLEDBACK') rolledBack = true;
      else if (line.startsWith('@@ROLLBACKFAILED')) rolledBack = false;
    },
  });
  const applyMs = Date.now() - started;
  if (done) {
    log(`${host}: applied ${plan.writes.length} writes in ${applyMs} ms`);
    return { kind: 'done', result: { host, status: 'applied', plan, diff, probe, applyMs } };
  }
  if ((r.code === 255 || r.code === null) && !failed) {
    const stderr = r.stderr.trim();
    throw new DeployError(`the ssh session to ${host} was lost before the deploy completed${applied ? ' (after all writes, before the final COMMIT)' : ''}; the host rolls back by itself (nothing is kept without the client's final COMMIT)${stderr ? `: ${stderr}` : ''}`, 'lost');
  }
  if (changed) return { kind: 'changed', confirmedDiff: diffText };
  if (busyLock) throw new DeployError(`another deploy to ${host} (pid ${busyLock}) held the lock for over a minute; nothing was written`, 'busy');
  if (failed) {
    const f = failed as { step: number; err: string };
    const w: SysfsWrite | undefined = plan.writes[f.step];
    const { errno, hint } = explainKernelError(f.err);
    const where = w ? cfg.where(w.source) : cfg.fileName;
    const what = w ? (w.state ? `writing "${w.value}" to ${w.path}` : `writing ${w.path} = ${JSON.stringify(w.value)}`) : 'a write';
    const rb = rolledBack === true ? `${host} was rolled back to its state before the deploy` : rolledBack === false ? `ROLLBACK FAILED on ${host}: check it with \`damon-config status --host ${host}\`` : `rollback status unknown`;
    throw new DeployError(`${where}: the kernel on ${host} refused ${what}: ${errno} — ${hint}. ${rb}.`, 'apply', [f.err]);
  }
  throw new DeployError(`the deploy to ${host} did not complete (exit ${r.code}); ${rolledBack ? 'the host was rolled back' : 'the host rolls back by itself without the final COMMIT'}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`, 'lost');
}

/** Stop every running kdamond on the host (under the deploy lock). */
export async function stopHost(t: SshTarget): Promise<{ stopped: number[] }> {
  const script = `set -u
A=/sys/kernel/mm/damon/admin
EF=/dev/null
say() { printf '%s\\n' "$*"; }
${LOCK_FN}
[ -d "$A" ] || { say "@@NODAMON"; exit 0; }
lock
n=$(cat "$A/kdamonds/nr_kdamonds")
k=0
while [ "$k" -lt "$n" ]; do
  if [ "$(cat "$A/kdamonds/$k/state")" = on ]; then
    if echo off > "$A/kdamonds/$k/state"; then say "@@STOPPED $k"; else say "@@STOPFAIL $k"; fi
  fi
  k=$((k + 1))
done
unlock
say "@@END"
`;
  let r;
  try {
    r = await runChecked(t, script);
  } catch (e) {
    if (e instanceof SshError) throw new DeployError(e.message, 'connect');
    throw e;
  }
  if (r.stdout.includes('@@NODAMON')) throw new DeployError(`${t.alias} has no DAMON sysfs interface`, 'features');
  if (r.stdout.includes('@@BUSYLOCK')) throw new DeployError(`another damon-config session holds the lock on ${t.alias}`, 'busy');
  const fails = [...r.stdout.matchAll(/@@STOPFAIL (\d+)/g)].map((m) => Number(m[1]));
  if (fails.length) throw new DeployError(`could not stop kdamond(s) ${fails.join(', ')} on ${t.alias}: ${r.stderr.trim()}`, 'apply');
  return { stopped: [...r.stdout.matchAll(/@@STOPPED (\d+)/g)].map((m) => Number(m[1])) };
}
