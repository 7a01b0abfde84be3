/** The CLI's subcommands and the top-level usage (no side effects: scripts/gen-blocks.ts imports it). */
import { RULES, RULES_BY_ID } from '../core/index';
import { check } from './check';
import { parseArgs, UsageError } from './util';
import type { Subcommand } from './io';
import { plan } from './plan';
import { deploy } from './deploy';
import { status } from './status';
import { stop } from './stop';
import { importDamo } from './import-damo';
import { exportDamo } from './export-damo';
import { simulate } from './simulate';
import { probe } from './probe';
import { explain } from './explain';
import { ansible, hostPlan } from './ansible';

export const RULES_USAGE = `usage: damon-config rules [RULE-ID]

Without RULE-ID: lists every semantic rule (id, severity, title). With RULE-ID: explains that rule
(the same text as docs/rules/RULE-ID.md).`;

const rules: Subcommand = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs(args, {});
    if (parsed.positional.length > 1) throw new UsageError('rules takes at most one RULE-ID');
  } catch (e) {
    io.stderr(`damon-config rules: ${(e as Error).message}\n${RULES_USAGE}\n`);
    return 2;
  }
  if (parsed.flags.help) {
    io.stdout(`${RULES_USAGE}\n`);
    return 0;
  }
  const id = parsed.positional[0];
  if (id) {
    const r = RULES_BY_ID.get(id);
    if (!r) {
      io.stderr(`damon-config rules: no rule "${id}" (run \`damon-config rules\` for the list)\n`);
      return 2;
    }
    io.stdout(`${r.id} (${r.severity}): ${r.title}\n\n${r.explanation}\n`);
    return 0;
  }
  const w = Math.max(...RULES.map((r) => r.id.length));
  for (const r of RULES) io.stdout(`${r.id.padEnd(w)}  ${r.severity.padEnd(11)} ${r.title}\n`);
  return 0;
};

export const COMMANDS: Record<string, { run: Subcommand; help: string }> = {
  check: { run: check, help: 'validate DAMON configs and damo command lines' },
  rules: { run: rules, help: 'list the semantic rules, or explain one: rules RULE-ID' },
  plan: { run: plan, help: 'print the DAMON sysfs writes of a config, or a standalone sh script (--script)' },
  deploy: { run: deploy, help: 'deploy a config to hosts over ssh (dry run, confirmation, rollback)' },
  status: { run: status, help: 'live DAMON state, stats and goal values of hosts' },
  stop: { run: stop, help: 'stop every running kdamond on hosts' },
  probe: { run: probe, help: "read a host's machine profile (nodes, ranges, cgroups, kernel) for check --profile" },
  'import-damo': { run: importDamo, help: 'turn damo start/tune command lines into a config file' },
  'export-damo': { run: exportDamo, help: 'write a config as a damo start command line or damo JSON' },
  simulate: { run: simulate, help: 'simulate DAMON/DAMOS on a scenario and print the seed-style table' },
  explain: { run: explain, help: 'say in plain words what each kdamond, scheme and tiering pair of a config does' },
  ansible: { run: ansible, help: 'write an Ansible role (+ playbook) that deploys a config to a fleet' },
  'host-plan': { run: hostPlan, help: "one host's plan or deploy verdict as JSON, from its probe output (used by the Ansible role)" },
};

/** The top-level usage (also in README.md, generated). */
export const usage = () => `usage: damon-config COMMAND [ARGS]

commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(12)} ${c.help}`)
  .join('\n')}

Run \`damon-config COMMAND --help\` for a command's options.`;
