/**
 * `damon-config deploy CONFIG --host ALIAS [--host ALIAS...] [--dry-run] [--yes] [--ssh-config FILE] [--kernel X.Y]`
 */
import { createInterface } from 'node:readline';
import { deploy as deployOne, DeployError, loadForDeploy, precheckValues, timeoutsOf, type DeployResult, type PhaseTimeouts } from '../host/deploy';
import { checkAlias, closeMaster, type SshTarget } from '../host/ssh';
import type { CliIO, Subcommand } from './io';
import { parseArgs, readTextFile, UsageError } from './util';

export const DEPLOY_USAGE = `usage: damon-config deploy CONFIG --host ALIAS [--host ALIAS...] [--dry-run] [--yes] [--ssh-config FILE] [--kernel X.Y] [--timeout SECONDS]

Deploys CONFIG to the DAMON of each host over ssh (your ssh config, agent and known_hosts apply;
host keys are always checked strictly, on every run). Shows the changes and asks before writing,
naming the host, unless --yes. One remote session per host; any failure rolls the host back to its
state before. If the connection is lost, the CLI asks the host how the session ended and says so
(applied, rolled back, or unknown — re-run status). --ssh-config FILE is given to ssh as -F.
--timeout bounds each phase (connect, probe, apply, commit; default 60/180/120/120 s).
Several --host values deploy in parallel. See docs/deploy.md.`;

/** --timeout SECONDS (a positive number) or undefined */
export function timeoutFlag(flags: Record<string, unknown>): PhaseTimeouts | undefined {
  const v = flags.timeout as string | undefined;
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < 1 || Number(v) > 86400) throw new UsageError(`--timeout wants a number of seconds between 1 and 86400, got "${v}"`);
  return timeoutsOf(Number(v));
}

export function askYesNo(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.question(`${question} [y/N] `, (a) => {
      rl.close();
      resolve(/^y(es)?$/i.test(a.trim()));
    });
  });
}

export interface HostTargetsArgs { hosts: string[]; sshConfig?: string }
export function targetsFrom(flags: Record<string, unknown>): SshTarget[] {
  const hosts = (flags.host as string[] | undefined) ?? [];
  if (hosts.length === 0) throw new UsageError('--host ALIAS is required');
  for (const h of hosts) {
    const bad = checkAlias(h);
    if (bad) throw new UsageError(bad);
  }
  return hosts.map((alias) => ({ alias, configFile: flags['ssh-config'] as string | undefined }));
}

function reportError(io: CliIO, host: string, e: unknown): void {
  if (e instanceof DeployError) {
    io.stderr(`${host}: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
  } else {
    io.stderr(`${host}: ${(e as Error).message}\n`);
  }
}

export const deploy: Subcommand = async (args, io) => {
  let parsed;
  let targets: SshTarget[];
  let timeouts: PhaseTimeouts | undefined;
  try {
    parsed = parseArgs(args, { host: 'multi', 'dry-run': 'bool', yes: 'bool', 'ssh-config': 'string', kernel: 'string', timeout: 'string', help: 'bool' });
    if (parsed.flags.help) { io.stdout(DEPLOY_USAGE + '\n'); return 0; }
    if (parsed.positional.length !== 1) throw new UsageError('deploy takes exactly one CONFIG file');
    targets = targetsFrom(parsed.flags);
    timeouts = timeoutFlag(parsed.flags);
    const k = parsed.flags.kernel as string | undefined;
    if (k !== undefined && !/^\d+\.\d+$/.test(k)) throw new UsageError(`--kernel wants X.Y, got "${k}"`);
  } catch (e) {
    io.stderr(`damon-config deploy: ${(e as Error).message}\n${DEPLOY_USAGE}\n`);
    return 2;
  }
  const file = parsed.positional[0];
  const f = readTextFile(file);
  if (f.problem) { io.stderr(`${file}: ${f.problem.message}\n`); return 2; }
  const text = f.text as string;
  const dryRun = !!parsed.flags['dry-run'];
  const kernel = parsed.flags.kernel as string | undefined;
  // refused before connecting: config errors and values that cannot be written safely
  try {
    precheckValues(loadForDeploy(text, file, undefined, kernel));
  } catch (e) {
    reportError(io, 'damon-config deploy', e);
    return 1;
  }
  const log = (host: string) => (line: string) => io.stderr(`[${host}] ${line}\n`);
  try {
    if (targets.length === 1) {
      const t = targets[0];
      const confirm = dryRun || parsed.flags.yes ? undefined : async (q: string, diff: string) => {
        if (!process.stdin.isTTY) throw new DeployError(`not deploying to ${t.alias} without confirmation: stdin is not a terminal (use --yes)`, 'check');
        io.stderr(diff);
        return askYesNo(q);
      };
      try {
        const r = await deployOne({ target: t, text, fileName: file, dryRun, confirm, log: log(t.alias), kernel, timeouts });
        if (r.note) io.stderr(`${t.alias}: ${r.note}\n`);
        io.stdout(r.status === 'applied' ? `${t.alias}: applied (${r.plan.writes.length} writes, ${r.plan.mode}, ${r.applyMs} ms)\n` : `${t.alias}: ${r.status}\n`);
        return r.status === 'declined' ? 1 : 0;
      } catch (e) {
        reportError(io, t.alias, e);
        return 1;
      }
    }
    // fleet: dry run everywhere, one confirmation naming every host, then apply in parallel
    if (!dryRun && !parsed.flags.yes) {
      const pre = await Promise.allSettled(targets.map((t) => deployOne({ target: t, text, fileName: file, dryRun: true, log: log(t.alias), kernel, timeouts })));
      const bad = pre.map((p, i) => [p, targets[i]] as const).filter(([p]) => p.status === 'rejected');
      for (const [p, t] of bad) reportError(io, t.alias, (p as PromiseRejectedResult).reason);
      if (bad.length) return 1;
      if (!process.stdin.isTTY) { io.stderr('not deploying without confirmation: stdin is not a terminal (use --yes)\n'); return 1; }
      if (!(await askYesNo(`Deploy ${file} to ${targets.map((t) => t.alias).join(', ')}?`))) return 1;
    }
    const results = await Promise.allSettled(targets.map((t) => deployOne({ target: t, text, fileName: file, dryRun, log: log(t.alias), kernel, timeouts })));
    const w = Math.max(4, ...targets.map((t) => t.alias.length));
    io.stdout(`${'host'.padEnd(w)}  result\n`);
    let failed = 0;
    results.forEach((r, i) => {
      const h = targets[i].alias;
      if (r.status === 'fulfilled') {
        const v: DeployResult = r.value;
        io.stdout(`${h.padEnd(w)}  ${v.status}${v.status === 'applied' ? ` (${v.plan.writes.length} writes, ${v.applyMs} ms)` : ''}\n`);
      } else {
        failed++;
        const e = r.reason as Error;
        io.stdout(`${h.padEnd(w)}  FAILED: ${e.message.split('\n')[0]}\n`);
        reportError(io, h, e);
      }
    });
    return failed ? 1 : 0;
  } finally {
    await Promise.all(targets.map((t) => closeMaster(t)));
  }
};
