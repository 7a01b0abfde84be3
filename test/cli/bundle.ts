/**
 * The CLI as a child process, from a private bundle of server/src/cli/main.ts (built once per test
 * file into a temporary directory, so parallel test files never rebuild dist/ under each other).
 * Runs may be bounded in time (timeout) and memory (--max-old-space-size), as the hostile-input
 * and fuzz tests need.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

export const ROOT = join(__dirname, '..', '..');
let bundled: string | undefined;

export function cliBundle(): string {
  if (bundled) return bundled;
  const out = join(mkdtempSync(join(tmpdir(), 'damon-cli-bundle-')), 'cli.js');
  buildSync({
    absWorkingDir: ROOT,
    entryPoints: ['server/src/cli/main.ts'],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  bundled = out;
  return out;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
  timedOut: boolean;
}

export interface CliRunOptions {
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** V8 heap limit of the child, MB */
  maxOldSpaceMb?: number;
  /** a file to give as standard input instead of `input` (e.g. /dev/zero) */
  stdinFile?: string;
}

function argv(args: string[], o: CliRunOptions): string[] {
  return [...(o.maxOldSpaceMb ? [`--max-old-space-size=${o.maxOldSpaceMb}`] : []), '-e', 'require(process.argv[1]).run()', cliBundle(), ...args];
}

/** Synchronous run (most tests). */
export function runCli(args: string[], o: CliRunOptions = {}): CliRun {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, argv(args, o), {
    cwd: o.cwd ?? ROOT,
    input: o.input,
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    code: r.status,
    signal: r.signal,
    out: r.stdout ?? '',
    err: r.stderr ?? '',
    ms: Date.now() - t0,
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}

/** Asynchronous run (lets a test do other things, e.g. open the other end of a FIFO). */
export function runCliAsync(args: string[], o: CliRunOptions = {}): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const stdinFd = o.stdinFile ? openSync(o.stdinFile, 'r') : undefined;
    const child = spawn(process.execPath, argv(args, o), { cwd: o.cwd ?? ROOT, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] });
    if (stdinFd !== undefined) closeSync(stdinFd);
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 60_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - t0, timedOut });
    });
    child.stdin?.end(o.input ?? '');
  });
}
