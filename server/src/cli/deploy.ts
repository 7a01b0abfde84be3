/**
 * `damon-config deploy CONFIG --host ALIAS [--dry-run] [--yes] [--replace] ...` or `--inventory FILE` (Ansible)
 */
import { createInterface } from 'node:readline';
import { deploy as deployOne, DeployError, loadForDeploy, precheckValues, timeoutsOf, type PhaseTimeouts } from '../host/deploy';
import { checkAlias, closeMaster, type SshTarget } from '../host/ssh';
import { deployInventory } from './ansible';
import type { CliIO, Subcommand } from './io';
import { parseArgs, readTextFile, UsageError } from './util';
import { FILE_LIMITS, readRegularFile } from '../io/files';
import { DEFAULT_CGROUP_WAIT_S } from '../core/sysfs/persist';

/** --cgroup-wait SECONDS (a whole number, 1..86400) */
function cgroupWaitFlag(flags: Record<string, unknown>): number {
  const v = flags['cgroup-wait'] as string | undefined;
  if (v === undefined) return DEFAULT_CGROUP_WAIT_S;
  if (!flags.persist) throw new UsageError('--cgroup-wait goes with --persist');
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 86400) throw new UsageError(`--cgroup-wait wants whole seconds between 1 and 86400, got "${v}"`);
  return Number(v);
}

export const DEPLOY_USAGE = `usage: damon-config deploy CONFIG --host ALIAS [--dry-run] [--yes] [--replace] [--ssh-config FILE] [--kernel X.Y] [--timeout SECONDS]
                               [--persist [--cgroup-wait SECONDS]]
       damon-config deploy CONFIG --inventory FILE [--limit PATTERN] [--check] [--json] [--kernel X.Y]
                               [--persist [--cgroup-wait SECONDS]]

Deploys CONFIG to the DAMON of a host over ssh (your ssh config, agent and known_hosts apply;
host keys are always checked strictly, on every run). Shows the changes and asks before writing,
naming the host, unless --yes. One remote session; any failure rolls the host back to its state
before. If the connection is lost, the CLI asks the host how the session ended and says so
(applied, rolled back, or unknown — re-run status). --ssh-config FILE is given to ssh as -F.
Running kdamonds that damon-config did not start (damo, by hand) are named in the dry run and
replaced only with --replace (or by typing "replace" when asked); otherwise nothing is written.
--timeout bounds each phase (connect, probe, apply, commit; default 60/180/120/120 s).
--persist also installs the config to be applied at every boot (systemd hosts only): a unit
damon-config.service runs /etc/damon-config/boot.sh, which waits for the config's cgroups (at most
--cgroup-wait seconds, default ${DEFAULT_CGROUP_WAIT_S}; logged in the journal), then applies with the same
transactional script. \`stop --persist\` removes it; \`status\` says whether the running config is the persisted one.
With --inventory, --persist sets the role's damon_persist (and --cgroup-wait its damon_persist_cgroup_wait).
Fleets go through Ansible: --inventory runs ansible-playbook with the role \`damon-config ansible\`
writes (--check: the per-host diff, nothing written), with a per-host recap; --json prints the
per-host outcomes as JSON (Ansible's output then goes to stderr). See docs/fleets.md.`;

/** --timeout SECONDS (a positive number) or undefined */
export function timeoutFlag(flags: Record<string, unknown>): PhaseTimeouts | undefined {
  const v = flags.timeout as string | undefined;
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < 1 || Number(v) > 86400)
    throw new UsageError(`--timeout wants a number of seconds between 1 and 86400, got "${v}"`);
  return timeoutsOf(Number(v));
}

/** an explicit answer: the user types the word (e.g. "replace"), nothing else counts */
export function askWord(question: string, word: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.question(`${question} Type "${word}" to go on: `, (a) => {
      rl.close();
      resolve(a.trim() === word);
    });
  });
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

export interface HostTargetsArgs {
  hosts: string[];
  sshConfig?: string;
}
export function targetsFrom(flags: Record<string, unknown>): SshTarget[] {
  const hosts = (flags.host as string[] | undefined) ?? [];
  if (hosts.length === 0) throw new UsageError('--host ALIAS is required');
  for (const h of hosts) {
    const bad = checkAlias(h);
    if (bad) throw new UsageError(bad);
  }
  const configFile = flags['ssh-config'] as string | undefined;
  if (configFile !== undefined) {
    // checked before ssh (or the control-path hash) reads it: /dev/zero would grow without bound, a FIFO hang
    const r = readRegularFile(configFile, { maxBytes: FILE_LIMITS.sshConfig });
    if (!r.ok) throw new UsageError(`--ssh-config ${configFile}: ${r.message}`);
  }
  return hosts.map((alias) => ({ alias, configFile }));
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
  let cgroupWait = DEFAULT_CGROUP_WAIT_S;
  try {
    parsed = parseArgs(args, {
      host: 'multi',
      'dry-run': 'bool',
      yes: 'bool',
      replace: 'bool',
      'ssh-config': 'string',
      kernel: 'string',
      timeout: 'string',
      inventory: 'string',
      limit: 'string',
      check: 'bool',
      persist: 'bool',
      'cgroup-wait': 'string',
      json: 'bool',
      help: 'bool',
    });
    if (parsed.flags.help) {
      io.stdout(DEPLOY_USAGE + '\n');
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError('deploy takes exactly one CONFIG file');
    timeouts = timeoutFlag(parsed.flags);
    const k = parsed.flags.kernel as string | undefined;
    if (k !== undefined && !/^\d+\.\d+$/.test(k)) throw new UsageError(`--kernel wants X.Y, got "${k}"`);
    cgroupWait = cgroupWaitFlag(parsed.flags);
    if (parsed.flags.inventory !== undefined) {
      if (parsed.flags.host || parsed.flags['dry-run'] || parsed.flags.yes || parsed.flags['ssh-config'])
        throw new UsageError('--inventory goes with --limit and --check (Ansible takes hosts, ssh settings and privileges from the inventory)');
      return await deployInventory(io, parsed.positional[0], {
        inventory: parsed.flags.inventory as string,
        limit: parsed.flags.limit as string | undefined,
        check: !!parsed.flags.check,
        json: !!parsed.flags.json,
        kernel: k,
        ...(parsed.flags.persist ? { persist: { cgroupWaitS: cgroupWait } } : {}),
      });
    }
    if (parsed.flags.limit !== undefined || parsed.flags.check || parsed.flags.json)
      throw new UsageError('--limit, --check and --json go with --inventory (for one host, --dry-run shows the changes)');
    targets = targetsFrom(parsed.flags);
    if (targets.length > 1)
      throw new UsageError(`one --host at a time; for ${targets.length} hosts use Ansible: --inventory FILE (or \`damon-config ansible CONFIG\` for the role)`);
  } catch (e) {
    io.stderr(`damon-config deploy: ${(e as Error).message}\n${DEPLOY_USAGE}\n`);
    return 2;
  }
  const file = parsed.positional[0];
  const f = readTextFile(file);
  if (f.problem) {
    io.stderr(`${file}: ${f.problem.message}\n`);
    return 2;
  }
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
    const t = targets[0];
    const confirm =
      dryRun || parsed.flags.yes
        ? undefined
        : async (q: string, diff: string) => {
            if (!process.stdin.isTTY) throw new DeployError(`not deploying to ${t.alias} without confirmation: stdin is not a terminal (use --yes)`, 'check');
            io.stderr(diff);
            return askYesNo(q);
          };
    try {
      const confirmReplace = dryRun || parsed.flags.yes || !process.stdin.isTTY ? undefined : (q: string) => askWord(q, 'replace');
      const r = await deployOne({
        target: t,
        text,
        fileName: file,
        dryRun,
        confirm,
        confirmReplace,
        replace: !!parsed.flags.replace,
        log: log(t.alias),
        kernel,
        timeouts,
        ...(parsed.flags.persist ? { persist: { cgroupWaitS: cgroupWait } } : {}),
      });
      if (r.note) io.stderr(`${t.alias}: ${r.note}\n`);
      const persisted = r.persist?.changed === undefined ? '' : r.persist.changed ? '; persisted (applied at every boot)' : '; already persisted (unchanged)';
      io.stdout(
        r.status === 'applied'
          ? `${t.alias}: applied (${r.plan.writes.length} writes, ${r.plan.mode}, ${r.applyMs} ms)${persisted}\n`
          : `${t.alias}: ${r.status}${persisted}\n`,
      );
      return r.status === 'declined' ? 1 : 0;
    } catch (e) {
      reportError(io, t.alias, e);
      return 1;
    }
  } finally {
    await Promise.all(targets.map((t) => closeMaster(t)));
  }
};
