/**
 * One host's deploy step as data, for drivers that run the remote side themselves (the Ansible
 * role): from a probe's output and a config, the checks `deploy` makes against that host, the
 * plan, the diff and the transactional deploy script; and from the script's output, the verdict
 * — applied, rolled back (why, at which config line), or unknown. No I/O.
 */
import { diffTree, renderDiff, type DiffLine } from '../core/sysfs/diff';
import { foreignKdamonds, parseProbeOutput, restoreSpec, type ProbeResult } from '../core/sysfs/hostinfo';
import { planSysfs, type SysfsPlan, type SysfsWrite } from '../core/sysfs/plan';
import { renderDeployScript } from '../core/sysfs/script';
import { DeployError, explainKernelError, foreignSummary, holderProblems, loadForDeploy, type LoadedConfig } from './deploy';
import { noSystemd, persistFiles } from './persist';

/** What the role shows as Ansible facts about a host (`damon` fact). */
export interface DamonFacts {
  kernel: string;
  damon_sysfs: boolean;
  nodes: { nid: number; size: number; ranges: [number, number][] }[];
  cgroups: string[] | null;
  kdamonds: { index: number; running: boolean }[];
  holders: { module: string; enabled: boolean; pid: number | null }[];
}

export interface HostPlan {
  ok: true;
  host: string;
  facts: DamonFacts;
  changed: boolean;
  mode: SysfsPlan['mode'];
  writes: number;
  diff: DiffLine[];
  diffText: string;
  /** the sysfs files the plan changes, before and after (Ansible's --diff) */
  before: string;
  after: string;
  script: string;
  /** with persist: the install script (core/sysfs/persist.ts) and what it installs */
  persist?: { script: string; digest: string; cgroups: string[]; writes: number };
}

export interface HostPlanFailure {
  ok: false;
  host: string;
  facts: DamonFacts | null;
  stage: DeployError['stage'];
  message: string;
  details: string[];
}

export function factsOf(probe: ProbeResult): DamonFacts {
  return {
    kernel: probe.release,
    damon_sysfs: probe.hasDamon,
    nodes: probe.profile.nodes.map((n) => ({ nid: n.nid, size: n.sizeBytes, ranges: n.ranges.map((r) => [r.start, r.end] as [number, number]) })),
    cgroups: probe.profile.cgroups ?? null,
    kdamonds: probe.host.running.map((running, index) => ({ index, running })),
    holders: probe.holders.map((h) => ({ module: h.module, enabled: h.enabled, pid: h.pid })),
  };
}

/** a state write that leaves the kdamond as it is: `on` or `commit` of a running one with no file changed */
function sameState(l: DiffLine): boolean {
  return l.kind === 'state' && l.before === 'on' && (l.after === 'on' || l.after === 'commit');
}

/** A tree's lines for the files a diff touches, as `path = value` (sorted like the diff). */
function sides(diff: DiffLine[]): { before: string; after: string } {
  const b: string[] = [];
  const a: string[] = [];
  for (const l of diff) {
    if (sameState(l)) continue;
    if (l.before !== undefined) b.push(`${l.path} = ${l.before}`);
    if (l.after !== undefined) a.push(`${l.path} = ${l.after}`);
  }
  return { before: b.length ? `${b.join('\n')}\n` : '', after: a.length ? `${a.join('\n')}\n` : '' };
}

/**
 * The checks `deploy` makes once it has probed a host, then the plan and the deploy script.
 * A host that would reject the config fails here, with the config line and the rule.
 */
export function planForHost(
  host: string,
  configText: string,
  fileName: string,
  probeOutput: string,
  kernel?: string,
  replace = false,
  persist?: { cgroupWaitS: number },
): HostPlan | HostPlanFailure {
  let probe: ProbeResult;
  try {
    probe = parseProbeOutput(probeOutput);
  } catch (e) {
    return { ok: false, host, facts: null, stage: 'probe', message: `probe of ${host} failed: ${(e as Error).message}`, details: [] };
  }
  const facts = factsOf(probe);
  try {
    if (!probe.hasDamon)
      throw new DeployError(`${host} has no DAMON sysfs interface (/sys/kernel/mm/damon/admin is missing: a kernel without CONFIG_DAMON_SYSFS)`, 'features');
    const holders = holderProblems(host, probe);
    if (holders.length) throw new DeployError(`DAMON is held by a kernel module on ${host}; nothing was written`, 'busy', holders);
    const cfg = loadForDeploy(configText, fileName, probe, kernel);
    // the same plan as deploy: kdamonds that already hold the config are neither written nor committed
    const plan = planSysfs(cfg.kconfig, { caps: probe.caps, host: probe.host, tree: probe.tree });
    if (plan.problems.length) {
      throw new DeployError(
        `${fileName} cannot run on ${host} (Linux ${probe.release}); nothing was written`,
        'features',
        plan.problems.map((p) => `${cfg.where(p.source)}: ${p.message}`),
      );
    }
    // kdamonds another tool started are never taken over silently (damon_replace: true replaces them)
    const foreign = plan.mode === 'start' ? [] : foreignKdamonds(probe).filter((k) => !plan.unchanged?.includes(k));
    if (foreign.length && !replace) {
      throw new DeployError(
        `${host} runs kdamonds started outside damon-config (${foreignSummary(probe, foreign)}); deploying would replace them. Nothing was written. Set damon_replace: true to replace them.`,
        'foreign',
      );
    }
    let persisted: HostPlan['persist'];
    if (persist) {
      if (!probe.systemd) throw noSystemd(host);
      const f = persistFiles(cfg, probe, host, persist.cgroupWaitS);
      persisted = {
        script: `#!/bin/sh\n# damon-config: install the config to be applied at every boot (damon-config.service)\n${f.install}`,
        digest: f.digest,
        cgroups: f.cgroups,
        writes: f.bootPlan.writes.length,
      };
    }
    const diff = diffTree(probe.tree, plan);
    const changed = plan.writes.length > 0;
    const script = renderDeployScript(plan, probe.fingerprint, restoreSpec(probe, cfg.kconfig.kdamonds.length));
    return {
      ok: true,
      host,
      facts,
      changed,
      mode: plan.mode,
      writes: plan.writes.length,
      diff,
      diffText: renderDiff(diff),
      ...sides(diff),
      script,
      ...(persisted ? { persist: persisted } : {}),
    };
  } catch (e) {
    if (e instanceof DeployError) return { ok: false, host, facts, stage: e.stage, message: e.message, details: e.details };
    throw e;
  }
}

export type ApplyVerdict =
  | { status: 'applied'; message: string }
  | { status: 'rolled-back'; message: string; details: string[] }
  | { status: 'rollback-failed'; message: string; details: string[] }
  | { status: 'not-applied'; message: string }
  | { status: 'unknown'; message: string };

/**
 * What a finished deploy-script session says about the host, from its protocol lines (see
 * renderDeployScript). Only what the script printed counts: without its last word the state is
 * unknown, never assumed rolled back.
 */
export function applyVerdict(host: string, output: string, plan: { writes: number }, cfg?: LoadedConfig, writeSources?: SysfsWrite[]): ApplyVerdict {
  const lines = output.split(/\r?\n/);
  let failed: { step: number; err: string } | null = null;
  let rolledBack: boolean | null = null;
  let busy = '';
  for (const line of lines) {
    if (line === '@@DONE') return { status: 'applied', message: `${host}: applied (${plan.writes} writes)` };
    if (line === '@@CHANGED')
      return {
        status: 'not-applied',
        message: `${host}: the DAMON state changed between the probe and the apply (another writer?); nothing was written — run the play again`,
      };
    if (line.startsWith('@@BUSYLOCK')) busy = line.slice(11).trim() || '?';
    const m = /^@@FAIL (-?\d+) ?(.*)$/.exec(line);
    if (m) failed = { step: Number(m[1]), err: m[2] };
    if (line === '@@ROLLEDBACK') rolledBack = true;
    if (line.startsWith('@@ROLLBACKFAILED')) rolledBack = false;
  }
  if (busy) return { status: 'not-applied', message: `${host}: another damon-config session (pid ${busy}) holds the DAMON lock; nothing was written` };
  let why = 'the session ended before the final COMMIT';
  const details: string[] = [];
  if (failed) {
    const { errno, hint } = explainKernelError(failed.err);
    const w = writeSources?.[failed.step];
    const where = w && cfg ? `${cfg.where(w.source)}: ` : '';
    why = `${where}the kernel refused ${w ? w.path : `write ${failed.step}`}: ${errno} — ${hint}`;
    details.push(failed.err);
  }
  if (rolledBack === true) return { status: 'rolled-back', message: `${host}: rolled back to its state before the deploy (${why})`, details };
  if (rolledBack === false)
    return { status: 'rollback-failed', message: `${host}: ROLLBACK FAILED (${why}); check it with \`damon-config status --host ${host}\``, details };
  return {
    status: 'unknown',
    message: `${host}: the deploy's outcome is unknown (the session ended without its last word) — re-run \`damon-config status --host ${host}\``,
  };
}

/** planForHost's plan again (same inputs, same result) to map an apply failure to its config line. */
export function verdictForHost(host: string, configText: string, fileName: string, probeOutput: string, applyOutput: string, kernel?: string): ApplyVerdict {
  let cfg: LoadedConfig | undefined;
  let writes: SysfsWrite[] | undefined;
  let nWrites = 0;
  try {
    const probe = parseProbeOutput(probeOutput);
    cfg = loadForDeploy(configText, fileName, probe, kernel);
    const plan = planSysfs(cfg.kconfig, { caps: probe.caps, host: probe.host, tree: probe.tree });
    writes = plan.writes;
    nWrites = plan.writes.length;
  } catch {
    cfg = undefined;
  }
  return applyVerdict(host, applyOutput, { writes: nWrites }, cfg, writes);
}
