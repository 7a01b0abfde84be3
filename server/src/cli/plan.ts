/**
 * `damon-config plan CONFIG [--script] [--kernel X.Y]`: the ordered sysfs writes a config becomes,
 * or a standalone POSIX sh script that applies them on a host without this tool.
 */
import { problemLine } from '../core/diagnostic';
import { capabilitiesForVersion } from '../core/sysfs/features';
import { planSysfs, renderPlan } from '../core/sysfs/plan';
import { renderStandaloneScript } from '../core/sysfs/script';
import { DeployError, loadForDeploy } from '../host/deploy';
import type { Subcommand } from './io';
import { parseArgs, readTextFile, UsageError } from './util';

export const PLAN_USAGE = `usage: damon-config plan CONFIG [--script] [--kernel X.Y]

Prints the DAMON sysfs writes (under /sys/kernel/mm/damon/admin) that start CONFIG, in the order
the kernel needs. --script prints a standalone POSIX sh script instead (run it as root on the host).
--kernel leaves out files that kernel version lacks (default 7.2).`;

export const plan: Subcommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs(args, { script: 'bool', kernel: 'string', help: 'bool' });
    if (parsed.flags.help) {
      io.stdout(PLAN_USAGE + '\n');
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError('plan takes exactly one CONFIG file');
  } catch (e) {
    io.stderr(`damon-config plan: ${(e as Error).message}\n${PLAN_USAGE}\n`);
    return 2;
  }
  const file = parsed.positional[0];
  const kernel = (parsed.flags.kernel as string | undefined) ?? '7.2';
  if (!/^\d+\.\d+$/.test(kernel)) {
    io.stderr(`damon-config plan: --kernel wants X.Y, got "${kernel}"\n`);
    return 2;
  }
  const f = file === '-' ? { text: await io.readStdin() } : readTextFile(file);
  if (f.problem) {
    io.stderr(`${file}: ${f.problem.message}\n`);
    return 2;
  }
  try {
    const cfg = loadForDeploy(f.text as string, file, undefined, kernel, 'fix them to get a plan');
    const p = planSysfs(cfg.kconfig, { caps: capabilitiesForVersion(kernel) });
    if (p.problems.length) {
      for (const pr of p.problems) io.stderr(`${problemLine(cfg.where(pr.source), 'error', pr.message)}\n`);
      return 1;
    }
    io.stdout(parsed.flags.script ? renderStandaloneScript(p, { title: file, kernel }) : renderPlan(p));
    return 0;
  } catch (e) {
    if (e instanceof DeployError) {
      io.stderr(`${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
      return 1;
    }
    throw e;
  }
};
