/** `damon-config status --host ALIAS [--host ...] [--ssh-config FILE] [--json]`: live DAMON values of hosts. */
import { DeployError } from '../host/deploy';
import { closeMaster } from '../host/ssh';
import { hostStatus, renderStatus } from '../host/status';
import { targetsFrom, timeoutFlag } from './deploy';
import type { Subcommand } from './io';
import { parseArgs } from './util';

export const STATUS_USAGE = `usage: damon-config status --host ALIAS [--host ALIAS...] [--ssh-config FILE] [--json] [--timeout SECONDS]

Shows each host's kdamonds, scheme stats, effective quotas, live quota-goal values (computed from
memory.numa_stat and node meminfo, as the kernel does) and per-cgroup per-node memory.`;

export const status: Subcommand = async (args, io) => {
  let parsed;
  let targets;
  let timeouts;
  try {
    parsed = parseArgs(args, { host: 'multi', 'ssh-config': 'string', json: 'bool', timeout: 'string', help: 'bool' });
    if (parsed.flags.help) {
      io.stdout(STATUS_USAGE + '\n');
      return 0;
    }
    targets = targetsFrom(parsed.flags);
    timeouts = timeoutFlag(parsed.flags);
  } catch (e) {
    io.stderr(`damon-config status: ${(e as Error).message}\n${STATUS_USAGE}\n`);
    return 2;
  }
  const results = await Promise.allSettled(targets.map((t) => hostStatus(t, timeouts)));
  await Promise.all(targets.map((t) => closeMaster(t)));
  let rc = 0;
  const json: unknown[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      if (parsed.flags.json) json.push(r.value);
      else io.stdout(renderStatus(r.value));
    } else {
      rc = 1;
      const e = r.reason as Error;
      io.stderr(`${targets[i].alias}: ${e.message}\n${e instanceof DeployError ? e.details.map((d) => `  ${d}\n`).join('') : ''}`);
    }
  });
  if (parsed.flags.json) io.stdout(JSON.stringify(json, null, 2) + '\n');
  return rc;
};
