/**
 * `damon-config probe --host ALIAS [--ssh-config FILE] [--out FILE]`: read a host's machine profile
 * (kernel, NUMA nodes with their memory and physical ranges, cgroups) without disturbing DAMON. The
 * output is a machine profile file for `check --profile`, `simulate` scenarios and the editor.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { profileToYaml } from '../core/index';
import { DeployError, numaBalancingWarning, probeHost } from '../host/deploy';
import { closeMaster } from '../host/ssh';
import { targetsFrom, timeoutFlag } from './deploy';
import type { Subcommand } from './io';
import { parseArgs } from './util';

export const PROBE_USAGE = `usage: damon-config probe --host ALIAS [--ssh-config FILE] [--out FILE] [--timeout SECONDS]

Reads the host's kernel release, NUMA nodes (memory, physical address ranges), cgroups, DAMON
features and the modules that hold DAMON, and prints a machine profile (YAML) for
\`damon-config check --profile FILE\`. Nothing on the host changes.`;

export const probe: Subcommand = async (args, io) => {
  let parsed;
  let targets;
  let timeouts;
  try {
    parsed = parseArgs(args, { host: 'multi', 'ssh-config': 'string', out: 'string', timeout: 'string', help: 'bool' });
    if (parsed.flags.help) {
      io.stdout(`${PROBE_USAGE}\n`);
      return 0;
    }
    targets = targetsFrom(parsed.flags);
    timeouts = timeoutFlag(parsed.flags);
    if (targets.length !== 1) throw new Error('probe takes exactly one --host');
  } catch (e) {
    io.stderr(`damon-config probe: ${(e as Error).message}\n${PROBE_USAGE}\n`);
    return 2;
  }
  const t = targets[0];
  try {
    const p = await probeHost(t, { skeleton: false }, timeouts);
    const header = [
      `# machine profile of ${t.alias}, probed by damon-config`,
      `# kernel ${p.release}; DAMON sysfs ${p.hasDamon ? 'present' : 'ABSENT'}`,
      ...p.holders.filter((h) => h.enabled).map((h) => `# ${h.module} holds DAMON: starting a kdamond fails with EBUSY until it is disabled`),
      `# running kdamonds: ${p.host.running.length}`,
    ];
    const nb = numaBalancingWarning(t.alias, p);
    if (nb) {
      header.push(`# ${nb}`);
      io.stderr(`${t.alias}: ${nb}\n`);
    }
    const text = `${header.join('\n')}\n${profileToYaml({ ...p.profile, name: t.alias })}`;
    if (typeof parsed.flags.out === 'string') writeFileSync(resolve(io.cwd, parsed.flags.out), text);
    else io.stdout(text);
    return 0;
  } catch (e) {
    io.stderr(`${t.alias}: ${(e as Error).message}\n${e instanceof DeployError ? e.details.map((d) => `  ${d}\n`).join('') : ''}`);
    return 1;
  } finally {
    await closeMaster(t);
  }
};
