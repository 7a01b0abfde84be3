/** damon-config: the command-line entry point (bundled as dist/cli.js, run by bin/damon-config). */
import { RULES, RULES_BY_ID } from '../core/index';
import { check, VERSION } from './check';
import type { CliIO, Subcommand } from './io';
import { plan } from './plan';
import { deploy } from './deploy';
import { status } from './status';
import { stop } from './stop';
import { importDamo } from './import-damo';
import { exportDamo } from './export-damo';
import { simulate } from './simulate';
import { probe } from './probe';

const rules: Subcommand = async (args, io) => {
  if (args[0]) {
    const r = RULES_BY_ID.get(args[0]);
    if (!r) {
      io.stderr(`damon-config rules: no rule "${args[0]}" (run \`damon-config rules\` for the list)\n`);
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
  probe: { run: probe, help: 'read a host\'s machine profile (nodes, ranges, cgroups, kernel) for check --profile' },
  'import-damo': { run: importDamo, help: 'turn damo start/tune command lines into a config file' },
  'export-damo': { run: exportDamo, help: 'write a config as a damo start command line or damo JSON' },
  simulate: { run: simulate, help: 'simulate DAMON/DAMOS on a scenario and print the seed-style table' },
};

const USAGE = () => `usage: damon-config COMMAND [ARGS]

commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)} ${c.help}`).join('\n')}

Run \`damon-config COMMAND --help\` for a command's options.`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(`${USAGE()}\n`);
    return cmd ? 0 : 2;
  }
  if (cmd === '--version') {
    io.stdout(`damon-config ${VERSION}\n`);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    io.stderr(`damon-config: unknown command "${cmd}"\n${USAGE()}\n`);
    return 2;
  }
  return c.run(rest, io);
}

export function processIO(): CliIO {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    isTTY: !!process.stdout.isTTY,
    cwd: process.cwd(),
    readStdin: () =>
      new Promise((res, rej) => {
        const chunks: Buffer[] = [];
        process.stdin.on('data', (c: Buffer) => chunks.push(c));
        process.stdin.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
        process.stdin.on('error', rej);
      }),
  };
}

/** Exit status when the reader of stdout/stderr went away: what a SIGPIPE death gives (128 + 13). */
export const CLOSED_PIPE_EXIT = 141;

/**
 * A closed output pipe (`damon-config check big.damon.yaml | head`) ends the process quietly with
 * status 141, as the SIGPIPE most Unix tools die of would; other write errors give one line on
 * stderr (if it still works) and status 2. Never a stack trace.
 */
export function quietOnClosedPipe(stream: NodeJS.WritableStream, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || e.code === 'ECONNRESET') {
      exit(CLOSED_PIPE_EXIT);
      return;
    }
    try {
      if (stream !== process.stderr) process.stderr.write(`damon-config: cannot write the output: ${e.message}\n`);
    } catch {
      // stderr is gone too
    }
    exit(2);
  });
}

/** Runs the CLI on this process (used by bin/damon-config and `node dist/cli.js`). */
export function run(): void {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`damon-config: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) run();
