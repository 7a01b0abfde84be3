/**
 * Deploy a damo-format config to a host over SSH: static checks (before connecting), probe,
 * feature and holder checks, dry-run diff, confirmation naming the host, one transactional remote
 * session with rollback, and the kernel's error mapped to the config line that caused it.
 */
import { checkText, LineIndex, nodeAtPath } from '../core/index';
import { diagnosticLines, locationText, type ConfigPath } from '../core/diagnostic';
import type { KConfig } from '../core/model/kernel';
import { diffTree, renderDiff, type DiffLine } from '../core/sysfs/diff';
import { foreignKdamonds, parseProbeOutput, renderProbeScript, restoreSpec, type ProbeOptions, type ProbeResult } from '../core/sysfs/hostinfo';
import { capabilitiesForVersion } from '../core/sysfs/features';
import { planSysfs, type SysfsPlan, type SysfsWrite } from '../core/sysfs/plan';
import { randomBytes } from 'node:crypto';
import { renderDeployScript, renderOutcomeScript, renderStopScript } from '../core/sysfs/script';
import { runChecked, runScript, SshError, withSession, type RunControl, type SshTarget } from './ssh';
import { installPersist, noSystemd, persistFiles, persistSummary, removePersist, type PersistFiles } from './persist';

export class DeployError extends Error {
  constructor(
    message: string,
    readonly stage: 'check' | 'connect' | 'probe' | 'busy' | 'foreign' | 'features' | 'apply' | 'changed' | 'lost' | 'timeout' | 'unknown',
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/**
 * How long each phase may take before the client gives up and says which phase timed out (ms).
 * connect: the ssh handshake; probe: the probe script (incl. waiting for the host lock); apply: the
 * longest silence while writing (each write prints a line); commit: from COMMIT to the host's
 * answer. The host waits for COMMIT as long as `commit`, then rolls back by itself.
 */
export interface PhaseTimeouts {
  connect: number;
  probe: number;
  apply: number;
  commit: number;
}
export const DEFAULT_TIMEOUTS: PhaseTimeouts = { connect: 60_000, probe: 180_000, apply: 120_000, commit: 120_000 };
/** every phase bounded by the same number of seconds (the CLI's --timeout) */
export function timeoutsOf(seconds?: number): PhaseTimeouts {
  if (seconds === undefined) return DEFAULT_TIMEOUTS;
  const ms = seconds * 1000;
  return { connect: ms, probe: ms, apply: ms, commit: ms };
}
const lockWaitFor = (phaseMs: number) => Math.max(1, Math.min(60, Math.floor(phaseMs / 2000)));
const secsOf = (ms: number) => Math.round(ms / 1000);

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
    throw new DeployError(
      `${cfg.fileName}: values that cannot be written safely; nothing was sent to any host`,
      'check',
      unsafe.map((p) => `${cfg.where(p.source)}: ${p.message}`),
    );
  }
}

function fromSsh(e: unknown): unknown {
  if (e instanceof SshError) return new DeployError(e.message, e.kind === 'timeout' ? 'timeout' : 'connect', e.stderr ? [e.stderr.trim()] : []);
  return e;
}

/** Errors the lock reports (state directory unsafe, lock held too long). */
function lockProblem(alias: string, stdout: string): DeployError | null {
  const le = /^@@LOCKERR (.*)$/m.exec(stdout);
  if (le) return new DeployError(`cannot take the damon-config lock on ${alias}: ${le[1]}`, 'busy');
  const b = /^@@BUSYLOCK (.*)$/m.exec(stdout);
  if (b) return new DeployError(`another damon-config session (pid ${b[1]}) holds the lock on ${alias}; gave up waiting`, 'busy');
  return null;
}

/** Probe a host (in a session of its own unless one is open). */
export async function probeHost(t: SshTarget, opts: ProbeOptions = {}, timeouts: PhaseTimeouts = DEFAULT_TIMEOUTS): Promise<ProbeResult> {
  let r;
  try {
    r = await withSession(
      t,
      () => runChecked(t, renderProbeScript({ lockWaitS: lockWaitFor(timeouts.probe), ...opts }), { phase: 'probe', ms: timeouts.probe }),
      timeouts.connect,
    );
  } catch (e) {
    throw fromSsh(e);
  }
  const lp = lockProblem(t.alias, r.stdout);
  if (lp) throw lp;
  try {
    return parseProbeOutput(r.stdout);
  } catch (e) {
    throw new DeployError(`probe of ${t.alias} failed: ${(e as Error).message}${r.stderr ? ` (${r.stderr.trim()})` : ''}`, 'probe');
  }
}

/** "kdamond 0 (pid 123), kdamond 1 (pid 456)" */
export function foreignSummary(probe: ProbeResult, idx: number[]): string {
  return idx
    .map((k) => {
      const pid = probe.tree.get(`kdamonds/${k}/pid`);
      return `kdamond ${k}${pid ? ` (pid ${pid})` : ''}`;
    })
    .join(', ');
}

/** DAMON_STAT / DAMON_RECLAIM / DAMON_LRU_SORT hold DAMON exclusively: `on` would fail with EBUSY. */
/** AutoNUMA migrates pages behind DAMON's back: its moves show in no DAMON stat. */
export function numaBalancingWarning(alias: string, probe: ProbeResult): string | null {
  if (!probe.numaBalancing) return null;
  return `warning: NUMA balancing is on on ${alias} (kernel.numa_balancing=${probe.numaBalancing}): the kernel migrates pages between nodes by itself, behind DAMON's back (those moves appear in no DAMON stat). Turn it off with \`sysctl kernel.numa_balancing=0\` when DAMON places memory.`;
}

export function holderProblems(alias: string, probe: ProbeResult): string[] {
  return probe.holders
    .filter((h) => h.enabled)
    .map(
      (h) =>
        `${h.module.toUpperCase()} is enabled on ${alias}${h.pid ? ` (kdamond pid ${h.pid})` : ''} and holds DAMON: the sysfs interface cannot start a kdamond (EBUSY). Disable it with \`echo N > /sys/module/${h.module}/parameters/enabled\` (or boot with ${h.module}.enabled=N) and deploy again.`,
    );
}

const ERRNO_TEXT: [RegExp, string, string][] = [
  [
    /Cannot allocate memory/,
    'ENOMEM',
    'the kernel reports ENOMEM for ANY scheme it could not build — most likely a memcg path (filter or quota goal) that does not exist on the host, or a relative memcg path; also addr filters with end < start, hugepage_size min > max',
  ],
  [
    /Invalid argument/,
    'EINVAL',
    'the kernel refused the value (at `on`/`commit`: an inconsistent context — sample_us > aggr_us, nr_regions min < 3 or min > max, unsorted/overlapping regions, a pid that does not exist, more than one paddr target)',
  ],
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
  /** per-phase deadlines (DEFAULT_TIMEOUTS) */
  timeouts?: PhaseTimeouts;
  /** replace running kdamonds that damon-config did not start (damo, by hand); without it they are refused */
  replace?: boolean;
  /**
   * interactive alternative to `replace`: asked (naming the kdamonds) when some would be replaced;
   * true only on an explicit answer that names the replacement
   */
  confirmReplace?: (question: string) => Promise<boolean>;
  /**
   * also install the config to be applied at every boot (systemd unit + /etc/damon-config), after
   * it applied (or already ran); cgroupWaitS bounds the boot-time wait for its cgroups
   */
  persist?: { cgroupWaitS: number };
}

export interface DeployResult {
  host: string;
  status: 'applied' | 'dry-run' | 'declined' | 'unchanged';
  plan: SysfsPlan;
  /** running kdamonds started outside damon-config that this deploy replaces (or would) */
  foreign: number[];
  diff: DiffLine[];
  probe: ProbeResult;
  applyMs?: number;
  /** said when the result was learned after the session was lost */
  note?: string;
  /** --persist: what is (or, in a dry run, would be) installed, and whether the host's copy changed */
  persist?: { files: PersistFiles; changed?: boolean };
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  // 1. before connecting: static checks and unsafe values
  const pre = loadForDeploy(opts.text, opts.fileName, undefined, opts.kernel);
  precheckValues(pre);
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  try {
    return await withSession(opts.target, () => deployLoop(opts), timeouts.connect);
  } catch (e) {
    throw fromSsh(e);
  }
}

async function deployLoop(opts: DeployOptions): Promise<DeployResult> {
  const log = opts.log ?? (() => {});
  const host = opts.target.alias;
  let confirmedDiff: string | null = null;
  for (let attempt = 1; ; attempt++) {
    const r = await attemptDeploy(opts, confirmedDiff);
    if (r.kind === 'done') {
      const res = r.result;
      if (res.persist && (res.status === 'applied' || res.status === 'unchanged')) {
        const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
        try {
          res.persist.changed = (await installPersist(opts.target, res.persist.files, timeouts.apply)).changed;
        } catch (e) {
          const err = fromSsh(e);
          if (err instanceof DeployError)
            throw new DeployError(
              `${res.status === 'applied' ? 'the config was applied and runs now, but ' : ''}${err.message}${res.status === 'applied' ? ' (it is NOT persisted: deploy --persist again)' : ''}`,
              err.stage,
              err.details,
            );
          throw err;
        }
        log(
          `${host}: ${res.persist.changed ? 'persisted' : 'already persisted (unchanged)'}: ${opts.fileName} is applied at every boot by damon-config.service`,
        );
      }
      return res;
    }
    confirmedDiff = r.confirmedDiff;
    // another deploy changed the host between our probe and our apply: start over from a new probe
    if (attempt >= 5)
      throw new DeployError(
        `the DAMON state of ${host} kept changing between probe and apply (${attempt} attempts; another writer?); nothing was written`,
        'changed',
      );
    log(`${host}: DAMON state changed since the probe (another deploy?); probing again`);
  }
}

type Attempt = { kind: 'done'; result: DeployResult } | { kind: 'changed'; confirmedDiff: string | null };

async function attemptDeploy(opts: DeployOptions, confirmedDiff: string | null): Promise<Attempt> {
  const log = opts.log ?? (() => {});
  const host = opts.target.alias;
  // 2. probe
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  log(`probing ${host}`);
  const probe = await probeHost(opts.target, {}, timeouts);
  if (probe.recovered === 'ok') log(`${host}: an earlier deploy was killed before its commit; the tree recorded before it was restored`);
  if (probe.recovered === 'failed')
    throw new DeployError(
      `an earlier deploy to ${host} was killed before its commit and restoring the tree recorded before it FAILED; check it with \`damon-config status --host ${host}\``,
      'apply',
    );
  log(
    `${host}: Linux ${probe.release}, ${probe.profile.nodes.length} NUMA node(s) with memory, ${probe.host.nrKdamonds} kdamond(s) (${probe.host.running.filter(Boolean).length} running)`,
  );
  const nb = numaBalancingWarning(host, probe);
  if (nb) log(nb);
  if (!probe.hasDamon)
    throw new DeployError(`${host} has no DAMON sysfs interface (/sys/kernel/mm/damon/admin is missing: a kernel without CONFIG_DAMON_SYSFS)`, 'features');
  const holders = holderProblems(host, probe);
  if (holders.length) throw new DeployError(`DAMON is held by a kernel module on ${host}; nothing was written`, 'busy', holders);
  // 3. the config against the host: profile, kernel, files
  const cfg = loadForDeploy(opts.text, opts.fileName, probe, opts.kernel);
  const plan = planSysfs(cfg.kconfig, { caps: probe.caps, host: probe.host, tree: probe.tree });
  if (plan.problems.length) {
    throw new DeployError(
      `${cfg.fileName} cannot run on ${host} (Linux ${probe.release}); nothing was written`,
      'features',
      plan.problems.map((p) => `${cfg.where(p.source)}: ${p.message}`),
    );
  }
  let persist: DeployResult['persist'];
  if (opts.persist) {
    if (!probe.systemd) throw noSystemd(host);
    const files = persistFiles(cfg, probe, host, opts.persist.cgroupWaitS, lockWaitFor(timeouts.apply));
    persist = { files };
    log(`${host}: ${persistSummary(files, cfg.fileName, opts.persist.cgroupWaitS)}`);
  }
  const diff = diffTree(probe.tree, plan);
  const diffText = renderDiff(diff);
  log(`changes on ${host} (${plan.mode}):\n${diffText}`);
  if (plan.unchanged?.length)
    log(`${host}: kdamond ${plan.unchanged.join(', ')} already hold${plan.unchanged.length > 1 ? '' : 's'} the config: not written, not committed`);
  // kdamonds another tool started (damo, by hand): never taken over silently
  const foreign = plan.mode === 'start' ? [] : foreignKdamonds(probe).filter((k) => !plan.unchanged?.includes(k));
  const foreignText = foreign.length ? foreignSummary(probe, foreign) : '';
  if (foreign.length)
    log(`kdamonds started outside damon-config will be replaced: ${foreignText}${opts.replace ? ' (--replace given)' : ' — deploying needs --replace'}`);
  if (opts.dryRun) return { kind: 'done', result: { host, status: 'dry-run', plan, diff, probe, foreign, persist } };
  if (plan.writes.length === 0) {
    log(`${host}: nothing to change`);
    return { kind: 'done', result: { host, status: 'unchanged', plan, diff, probe, foreign, persist } };
  }
  if (
    foreign.length &&
    !opts.replace &&
    !(opts.confirmReplace && (await opts.confirmReplace(`${host} runs kdamonds started outside damon-config: ${foreignText}. This deploy REPLACES them.`)))
  ) {
    throw new DeployError(
      `${host} runs kdamonds started outside damon-config (${foreignText}); deploying would replace them. Nothing was written. Re-run with --replace to replace them (\`--dry-run\` shows the changes).`,
      'foreign',
    );
  }
  if (opts.confirm && confirmedDiff !== diffText) {
    const ok = await opts.confirm(
      `Deploy ${cfg.fileName} to ${host} (${plan.writes.length} sysfs writes, ${plan.mode}${foreign.length ? `, REPLACING kdamonds started outside damon-config: ${foreignText}` : ''})?`,
      diffText,
    );
    if (!ok) return { kind: 'done', result: { host, status: 'declined', plan, diff, probe, foreign } };
  }
  // 4. apply in one session
  const session = randomBytes(12).toString('hex');
  const script = renderDeployScript(plan, probe.fingerprint, restoreSpec(probe, cfg.kconfig.kdamonds.length), {
    session,
    commitWaitS: secsOf(timeouts.commit),
    lockWaitS: lockWaitFor(timeouts.apply),
  });
  let failed: { step: number; err: string } | null = null;
  let rolledBack: boolean | null = null;
  let applied = false;
  let commitSent = false;
  let done = false;
  let changed = false;
  let wrote = false;
  const started = Date.now();
  const r = await runScript(opts.target, script, {
    keepStdinOpen: true,
    deadline: { phase: 'apply', ms: timeouts.apply, idle: true },
    onLine(line, ctl) {
      opts.onRemoteLine?.(line, ctl);
      if (line === '@@APPLIED') {
        applied = true;
        ctl.deadline('commit', timeouts.commit);
        if (!ctl.killed) {
          ctl.send('COMMIT\n');
          commitSent = true;
        }
        ctl.end();
      } else if (line === '@@DONE') done = true;
      else if (line === '@@CHANGED') changed = true;
      else if (line.startsWith('@@S ')) wrote = true;
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
    return { kind: 'done', result: { host, status: 'applied', plan, diff, probe, applyMs, foreign, persist } };
  }
  const lp = lockProblem(host, r.stdout);
  if (lp) throw lp;
  if (changed) return { kind: 'changed', confirmedDiff: diffText };
  if (failed) {
    const f = failed as { step: number; err: string };
    const w: SysfsWrite | undefined = plan.writes[f.step];
    const { errno, hint } = explainKernelError(f.err);
    const where = w ? cfg.where(w.source) : cfg.fileName;
    const what = w ? (w.state ? `writing "${w.value}" to ${w.path}` : `writing ${w.path} = ${JSON.stringify(w.value)}`) : 'a write';
    if (rolledBack === true)
      throw new DeployError(
        `${where}: the kernel on ${host} refused ${what}: ${errno} — ${hint}. ${host} was rolled back to its state before the deploy.`,
        'apply',
        [f.err],
      );
    if (rolledBack === false)
      throw new DeployError(
        `${where}: the kernel on ${host} refused ${what}: ${errno} — ${hint}. ROLLBACK FAILED on ${host}: check it with \`damon-config status --host ${host}\`.`,
        'apply',
        [f.err],
      );
    // the session ended between the failure and the rollback's report: ask the host below
  }
  if (rolledBack === true && !failed)
    throw new DeployError(`the deploy to ${host} was not committed (the host got no COMMIT); ${host} was rolled back to its state before the deploy`, 'lost');
  // The session ended without a last word we saw: ask the host what became of it.
  const where = r.timedOut
    ? `the ${r.timedOut.phase} phase on ${host} timed out after ${secsOf(r.timedOut.ms)} s (the host sent nothing; frozen or cut off?)`
    : `the ssh session to ${host} was lost ${applied ? (commitSent ? 'after COMMIT was sent, before the host confirmed it' : 'after all writes, before COMMIT') : wrote ? 'during the writes' : 'before the first write'}${r.stderr.trim() ? ` (${r.stderr.trim().split('\n').pop()})` : ''}`;
  log(`${where}; asking ${host} how the session ended`);
  const outcome = await learnOutcome(opts.target, session, timeouts);
  switch (outcome.word) {
    case 'committed':
      log(`${host}: the host confirms the commit`);
      return {
        kind: 'done',
        result: { host, status: 'applied', plan, diff, probe, applyMs, foreign, persist, note: `${where}; the host confirms it committed` },
      };
    case 'rolledback':
      throw new DeployError(`${where}; ${host} rolled back to its state before the deploy (confirmed by the host)`, 'lost');
    case 'none':
      throw new DeployError(`${where}; nothing was written on ${host} (confirmed by the host)`, 'lost');
    case 'rollbackfailed':
      throw new DeployError(`${where}; ROLLBACK FAILED on ${host} (${outcome.detail}): check it with \`damon-config status --host ${host}\``, 'lost');
    default:
      throw new DeployError(
        `${where}; the state of ${host} is unknown — re-run \`damon-config status --host ${host}\` (without the client's COMMIT the host rolls back by itself within ${secsOf(timeouts.commit)} s: ${outcome.detail})`,
        'unknown',
      );
  }
}

/**
 * After a lost session: the session's last word from the host (waiting under the lock until a
 * session still running has finished; a killed one is restored by the lock first).
 */
export async function learnOutcome(
  t: SshTarget,
  session: string,
  timeouts: PhaseTimeouts,
): Promise<{ word: 'committed' | 'rolledback' | 'rollbackfailed' | 'none' | 'unknown'; detail: string }> {
  const lockWait = secsOf(timeouts.commit) + 30;
  try {
    const r = await runChecked(t, renderOutcomeScript(session, lockWait), { phase: 'outcome', ms: Math.max(timeouts.connect, (lockWait + 30) * 1000) });
    const m = /^@@OUTCOME (\S+) ?(.*)$/m.exec(r.stdout);
    if (m && ['committed', 'rolledback', 'rollbackfailed', 'none'].includes(m[1])) return { word: m[1] as 'committed', detail: m[2] };
    const lp = lockProblem(t.alias, r.stdout);
    return {
      word: 'unknown',
      detail: lp?.message ?? (m ? `the host said "${m[1]}"` : `no answer (exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').pop()}` : ''})`),
    };
  } catch (e) {
    return { word: 'unknown', detail: (e as Error).message };
  }
}

/**
 * Stop every running kdamond on the host (under the deploy lock). With persist, first remove what
 * `deploy --persist` installed (the unit and /etc/damon-config), so nothing starts at the next boot.
 */
export async function stopHost(
  t: SshTarget,
  timeouts: PhaseTimeouts = DEFAULT_TIMEOUTS,
  opts: { persist?: boolean } = {},
): Promise<{ stopped: number[]; unpersisted?: boolean }> {
  const script = renderStopScript(lockWaitFor(timeouts.probe));
  let r;
  let unpersisted: boolean | undefined;
  try {
    r = await withSession(
      t,
      async () => {
        if (opts.persist) unpersisted = (await removePersist(t, timeouts.probe, lockWaitFor(timeouts.probe))).removed;
        return runChecked(t, script, { phase: 'stop', ms: timeouts.probe });
      },
      timeouts.connect,
    );
  } catch (e) {
    throw fromSsh(e);
  }
  if (r.stdout.includes('@@NODAMON')) throw new DeployError(`${t.alias} has no DAMON sysfs interface`, 'features');
  const lp = lockProblem(t.alias, r.stdout);
  if (lp) throw lp;
  if (/^@@RECOVERED failed/m.test(r.stdout))
    throw new DeployError(`an earlier deploy to ${t.alias} was killed before its commit and restoring the tree recorded before it FAILED`, 'apply');
  const fails = [...r.stdout.matchAll(/@@STOPFAIL (\d+)/g)].map((m) => Number(m[1]));
  if (fails.length) throw new DeployError(`could not stop kdamond(s) ${fails.join(', ')} on ${t.alias}: ${r.stderr.trim()}`, 'apply');
  return { stopped: [...r.stdout.matchAll(/@@STOPPED (\d+)/g)].map((m) => Number(m[1])), ...(unpersisted !== undefined ? { unpersisted } : {}) };
}
