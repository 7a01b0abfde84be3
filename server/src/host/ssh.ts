/**
 * SSH transport through the OpenSSH client binary: the user's ssh config (or -F FILE), agent,
 * ProxyJump and known_hosts all apply. Strict host key checking is forced on the command line
 * (which beats any config file). A script is sent on stdin and run by `sh` on the host; nothing
 * from a config is ever part of the remote command line.
 *
 * Connections: each session (one deploy, probe, status or stop of one host in this process) opens
 * its own master connection — a child of this process, with a fresh handshake and host key check —
 * in a private directory made by mkdtemp (mode 0700, random name, checked to be ours), and closes
 * it when the session ends. Sessions never share a master across processes, so a master left by a
 * killed run can never be used by another run (nor can one planted by another local user), and a
 * master dies with its process (its remote command ends when our end of its stdin closes).
 * Every ssh has ServerAliveInterval/CountMax, and each run of a script has a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshTarget {
  /** a Host alias (or user@host) as ssh understands it */
  alias: string;
  /** given to ssh as -F */
  configFile?: string;
  /** ssh binary (tests may point at another) */
  sshBinary?: string;
}

export class SshError extends Error {
  constructor(
    message: string,
    readonly kind: 'hostkey' | 'auth' | 'connect' | 'lost' | 'remote' | 'usage' | 'timeout',
    readonly stderr = '',
  ) {
    super(message);
  }
}

/** Host aliases that could be taken for ssh options or carry shell/control characters are refused. */
export function checkAlias(alias: string): string | null {
  if (alias === '') return 'the host alias is empty';
  if (alias.startsWith('-')) return `the host alias ${JSON.stringify(alias)} starts with "-" (it would be read as an ssh option)`;
  if (!/^[A-Za-z0-9._@:%+\-[\]]+$/.test(alias)) return `the host alias ${JSON.stringify(alias)} contains characters that are not allowed in a host name`;
  return null;
}

/** Seconds ssh itself waits: TCP connect, and silence of the server before the connection is dropped. */
export const SSH_CONNECT_TIMEOUT_S = 30;
export const SERVER_ALIVE_INTERVAL_S = 5;
export const SERVER_ALIVE_COUNT_MAX = 6;

/** sun_path is 108 bytes on Linux, 104 on macOS; ssh appends ".XXXXXXXXXXXXXXXX" while binding. */
const MAX_SOCKET_PATH = 104 - 18;

/** A directory that is ours alone: a real directory (not a symlink), owned by us, no group/other bits. */
export function isPrivateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/**
 * A fresh private directory for one master's socket: under $XDG_RUNTIME_DIR when that is a private
 * directory, else under the temp dir; /tmp when either would make the socket path too long.
 * mkdtemp picks a random name and fails rather than reuse an existing one; the result is checked.
 */
export function makeControlDir(env: NodeJS.ProcessEnv = process.env): string {
  const bases: string[] = [];
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith('/') && isPrivateDir(xdg)) bases.push(xdg);
  bases.push(tmpdir(), '/tmp');
  for (const base of bases) {
    // "<base>/dcssh-XXXXXX/s"
    if (Buffer.byteLength(base) + 15 > MAX_SOCKET_PATH) continue;
    let dir: string;
    try {
      dir = mkdtempSync(join(base, 'dcssh-'));
    } catch {
      continue;
    }
    if (isPrivateDir(dir)) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
  throw new SshError(`cannot make a private directory for the ssh control socket (tried ${bases.join(', ')})`, 'usage');
}

function baseArgs(t: SshTarget): string[] {
  const bad = checkAlias(t.alias);
  if (bad) throw new SshError(bad, 'usage');
  const args: string[] = [];
  if (t.configFile) args.push('-F', t.configFile);
  args.push(
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${SSH_CONNECT_TIMEOUT_S}`,
    '-o',
    `ServerAliveInterval=${SERVER_ALIVE_INTERVAL_S}`,
    '-o',
    `ServerAliveCountMax=${SERVER_ALIVE_COUNT_MAX}`,
    '-T',
  );
  return args;
}

/** ssh arguments for one remote command: through this session's master when one is open, else direct. */
export function sshArgs(t: SshTarget, remoteCommand: string): string[] {
  const m = masters.get(keyOf(t));
  const args = baseArgs(t);
  if (m?.ready) args.push('-o', 'ControlMaster=no', '-o', `ControlPath=${m.socket}`);
  else args.push('-o', 'ControlMaster=no', '-o', 'ControlPath=none');
  args.push('--', t.alias, remoteCommand);
  return args;
}

/** Map ssh's own failure (exit 255) to a clear message. */
export function classifySshFailure(alias: string, stderr: string): SshError {
  const s = stderr.trim();
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(s)) {
    return new SshError(
      `host key verification failed for ${alias}: the key the host presented is not the one pinned in known_hosts (refusing to connect)`,
      'hostkey',
      s,
    );
  }
  if (/Permission denied/i.test(s)) return new SshError(`ssh login to ${alias} was refused (no accepted key; passwords are never used)`, 'auth', s);
  if (/Could not resolve hostname|Connection refused|timed out|No route to host|Connection closed by|kex_exchange_identification|Connection reset/i.test(s)) {
    return new SshError(`cannot connect to ${alias}: ${s.split('\n').pop()}`, 'connect', s);
  }
  return new SshError(`ssh to ${alias} failed${s ? `: ${s.split('\n').pop()}` : ''}`, 'lost', s);
}

// ---- masters: one per (process, target), reference-counted by the sessions using it -------------

interface Master {
  refs: number;
  dir: string;
  socket: string;
  proc: ChildProcess;
  ready: boolean;
  opening: Promise<void>;
}
const masters = new Map<string, Master>();

function keyOf(t: SshTarget): string {
  return createHash('sha256')
    .update(`${t.sshBinary ?? 'ssh'}\0${t.configFile ?? ''}\0${t.alias}`)
    .digest('hex');
}

function killMaster(m: Master): void {
  try {
    m.proc.stdin?.end();
  } catch {
    /* gone */
  }
  if (m.proc.exitCode === null && m.proc.signalCode === null) m.proc.kill('SIGTERM');
  rmSync(m.dir, { recursive: true, force: true });
}

let exitHook = false;
function ensureExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  // masters never outlive this process (even when it was not closed cleanly)
  process.on('exit', () => {
    for (const m of masters.values()) killMaster(m);
    masters.clear();
  });
}

/**
 * Open (or join) this process's master connection to the target: a full ssh handshake with the
 * host key checked against known_hosts. Fails with a classified SshError; `connectMs` bounds it.
 */
export async function openSession(t: SshTarget, connectMs = 60_000): Promise<void> {
  const key = keyOf(t);
  let m = masters.get(key);
  if (m) {
    m.refs++;
    try {
      await m.opening;
    } catch (e) {
      m.refs--;
      throw e;
    }
    return;
  }
  ensureExitHook();
  const dir = makeControlDir();
  const socket = join(dir, 's');
  const args = baseArgs(t);
  args.push('-o', 'ControlMaster=yes', '-o', `ControlPath=${socket}`, '-o', 'ControlPersist=no', '--', t.alias, 'cat >/dev/null');
  let proc: ChildProcess;
  try {
    proc = spawn(t.sshBinary ?? 'ssh', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new SshError(`cannot run ssh: ${(e as Error).message}`, 'usage');
  }
  const mm: Master = { refs: 1, dir, socket, proc, ready: false, opening: Promise.resolve() };
  m = mm;
  masters.set(key, mm);
  let stderr = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    stderr += d;
  });
  proc.stdin?.on('error', () => {
    /* the master went away */
  });
  mm.opening = new Promise<void>((resolve, reject) => {
    const started = Date.now();
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (err) {
        if (masters.get(key) === mm) masters.delete(key);
        killMaster(mm);
        reject(err);
      } else {
        mm.ready = true;
        resolve();
      }
    };
    const poll = setInterval(() => {
      if (existsSync(socket)) finish();
      else if (Date.now() - started > connectMs) {
        finish(new SshError(`connecting to ${t.alias} timed out after ${Math.round(connectMs / 1000)} s (phase: connect)`, 'timeout', stderr));
      }
    }, 50);
    proc.on('error', (e) => finish(new SshError(`cannot run ssh: ${e.message}`, 'usage')));
    proc.on('exit', (code) => {
      if (!done)
        finish(
          code === 255 || code === null
            ? classifySshFailure(t.alias, stderr)
            : new SshError(`ssh to ${t.alias} ended early (exit ${code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`, 'connect', stderr),
        );
      else {
        mm.ready = false;
        if (masters.get(key) === mm) {
          masters.delete(key);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  });
  await mm.opening;
}

/** Leave a session: the master closes when its last session leaves. */
export function closeSession(t: SshTarget): void {
  const key = keyOf(t);
  const m = masters.get(key);
  if (!m) return;
  if (--m.refs > 0) return;
  masters.delete(key);
  killMaster(m);
}

/** Run fn inside a session of its own (its master is closed afterwards). */
export async function withSession<T>(t: SshTarget, fn: () => Promise<T>, connectMs?: number): Promise<T> {
  await openSession(t, connectMs);
  try {
    return await fn();
  } finally {
    closeSession(t);
  }
}

/** Close this process's master for a target, whatever its sessions (best effort; kept for callers that clean up). */
export async function closeMaster(t: SshTarget): Promise<void> {
  const key = keyOf(t);
  const m = masters.get(key);
  if (!m) return;
  masters.delete(key);
  killMaster(m);
}

/** Whether this process has a master open for the target (tests). */
export function hasMaster(t: SshTarget): boolean {
  return !!masters.get(keyOf(t))?.ready;
}

export interface RunControl {
  send(text: string): void;
  /** close our side of stdin */
  end(): void;
  /** kill the ssh client (tests use it to cut a session) */
  kill(): void;
  /** kill() was called */
  readonly killed: boolean;
  /** from now on, give up (kill the client) after ms; idle: the clock restarts with each output line */
  deadline(phase: string, ms: number, idle?: boolean): void;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the phase whose deadline expired (the client was killed then) */
  timedOut?: { phase: string; ms: number };
}

export interface RunOptions {
  onLine?: (line: string, ctl: RunControl) => void;
  keepStdinOpen?: boolean;
  /** the first deadline (see RunControl.deadline) */
  deadline?: { phase: string; ms: number; idle?: boolean };
}

/**
 * Run `script` with `sh` on the host: the script is written to a private temp file from stdin
 * (exactly its byte length, read by `head -c`), then executed with stdin still connected, so the
 * script can wait for the client's answer (COMMIT). `onLine` sees each stdout line as it comes.
 */
export function runScript(t: SshTarget, script: string, opts: RunOptions = {}): Promise<RunResult> {
  const body = Buffer.from(script, 'utf8');
  const remote = `sh -c 'umask 077; f=$(mktemp) || exit 97; head -c ${body.length} > "$f" && sh "$f"; r=$?; rm -f "$f"; exit $r'`;
  const args = sshArgs(t, remote);
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(t.sshBinary ?? 'ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new SshError(`cannot run ssh: ${(e as Error).message}`, 'usage'));
      return;
    }
    let stdout = '';
    let stderr = '';
    let partial = '';
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    let phase: { phase: string; ms: number; idle?: boolean } | undefined;
    let timedOut: RunResult['timedOut'];
    const arm = () => {
      if (timer) clearTimeout(timer);
      if (!phase) return;
      const p = phase;
      timer = setTimeout(() => {
        timedOut = { phase: p.phase, ms: p.ms };
        ctl.kill();
      }, p.ms);
    };
    const ctl: RunControl = {
      send: (text) => {
        if (!killed && child.stdin && !child.stdin.destroyed) child.stdin.write(text);
      },
      end: () => {
        child.stdin?.end();
      },
      kill: () => {
        killed = true;
        child.kill('SIGKILL');
      },
      get killed() {
        return killed;
      },
      deadline: (p, ms, idle) => {
        phase = { phase: p, ms, idle };
        arm();
      },
    };
    if (opts.deadline) ctl.deadline(opts.deadline.phase, opts.deadline.ms, opts.deadline.idle);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new SshError(`cannot run ssh: ${e.message}`, 'usage'));
    });
    child.stdin?.on('error', () => {
      /* the remote side went away; the exit code tells */
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      stdout += d;
      partial += d;
      let i: number;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        if (phase?.idle) arm();
        opts.onLine?.(line, ctl);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      stderr += d;
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (partial) opts.onLine?.(partial, ctl);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin?.write(body);
    if (!opts.keepStdinOpen) child.stdin?.end();
  });
}

/** Run a script and fail with a classified SshError when ssh itself failed (exit 255) or the phase timed out. */
export async function runChecked(t: SshTarget, script: string, deadline?: { phase: string; ms: number; idle?: boolean }): Promise<RunResult> {
  const r = await runScript(t, script, { deadline });
  if (r.timedOut)
    throw new SshError(
      `${t.alias} did not answer in time: the ${r.timedOut.phase} phase timed out after ${Math.round(r.timedOut.ms / 1000)} s`,
      'timeout',
      r.stderr,
    );
  if (r.code === 255) throw classifySshFailure(t.alias, r.stderr);
  return r;
}
