/** `damon-config stop --host ALIAS [--host ...] [--ssh-config FILE]`: stop every running kdamond. */
import { DeployError, stopHost } from '../host/deploy';
import { closeMaster } from '../host/ssh';
import { targetsFrom, timeoutFlag } from './deploy';
import type { Subcommand } from './io';
import { parseArgs } from './util';

export const STOP_USAGE = `usage: damon-config stop --host ALIAS [--host ALIAS...] [--ssh-config FILE] [--timeout SECONDS] [--persist]

Writes "off" to every running kdamond of each host (under the same lock deploys take).
--persist first removes what \`deploy --persist\` installed (damon-config.service and
/etc/damon-config), so nothing is applied at the next boot.
--timeout bounds the connect and the stop (default 60 and 180 s).`;

export const stop: Subcommand = async (args, io) => {
  let parsed;
  let targets;
  let timeouts;
  try {
    parsed = parseArgs(args, { host: 'multi', 'ssh-config': 'string', timeout: 'string', persist: 'bool', help: 'bool' });
    if (parsed.flags.help) {
      io.stdout(STOP_USAGE + '\n');
      return 0;
    }
    targets = targetsFrom(parsed.flags);
    timeouts = timeoutFlag(parsed.flags);
  } catch (e) {
    io.stderr(`damon-config stop: ${(e as Error).message}\n${STOP_USAGE}\n`);
    return 2;
  }
  const results = await Promise.allSettled(targets.map((t) => stopHost(t, timeouts, { persist: !!parsed.flags.persist })));
  await Promise.all(targets.map((t) => closeMaster(t)));
  let rc = 0;
  results.forEach((r, i) => {
    const h = targets[i].alias;
    if (r.status === 'fulfilled') {
      const p =
        r.value.unpersisted === undefined ? '' : r.value.unpersisted ? '; removed the persisted config (nothing applies at boot)' : '; nothing was persisted';
      io.stdout(`${h}: ${r.value.stopped.length ? `stopped kdamond ${r.value.stopped.join(', ')}` : 'no kdamond was running'}${p}\n`);
    } else {
      rc = 1;
      const e = r.reason as Error;
      io.stderr(`${h}: ${e.message}\n${e instanceof DeployError ? e.details.map((d) => `  ${d}\n`).join('') : ''}`);
    }
  });
  return rc;
};
