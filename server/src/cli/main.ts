/** damon-config: the command-line entry point (bundled as dist/cli.js, run by bin/damon-config). */
import { COMMANDS, usage } from './commands';
import type { CliIO } from './io';
import { VERSION } from '../version';
import { FILE_LIMITS } from '../io/files';

export { COMMANDS, usage } from './commands';

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd) {
    io.stderr(`${usage()}\n`);
    return 2;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(`${usage()}\n`);
    return 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    io.stdout(`damon-config ${VERSION}\n`);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    io.stderr(`damon-config: unknown command "${cmd}"\n${usage()}\n`);
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
        // bounded like files (docs/limits.md): `cat /dev/zero | damon-config check -` stops at the
        // limit + 1 byte, and the check then reports file-too-large
        const chunks: Buffer[] = [];
        let total = 0;
        const done = () => res(Buffer.concat(chunks).toString('utf8'));
        process.stdin.on('data', (c: Buffer) => {
          chunks.push(c);
          total += c.length;
          if (total > FILE_LIMITS.config) {
            process.stdin.pause();
            process.stdin.removeAllListeners('data');
            process.stdin.destroy();
            done();
          }
        });
        process.stdin.on('end', done);
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
