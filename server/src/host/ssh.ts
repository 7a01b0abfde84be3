/**
 * SSH transport through the OpenSSH client binary: the user's ssh config (or -F FILE), agent,
 * ProxyJump and known_hosts all apply. Strict host key checking is forced on the command line
 * (which beats any config file), connections are multiplexed with ControlMaster so a probe and
 * an apply share one TCP/SSH handshake. A script is sent on stdin and run by `sh` on the host;
 * nothing from a config is ever part of the remote command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface SshTarget {
  /** a Host alias (or user@host) as ssh understands it */
  alias: string;
  /** given to ssh as -F */
  configFile?: string;
  /** ssh binary (tests may point at another) */
  sshBinary?: string;
}

export class SshError extends Error {
  constructor(message: string, readonly kind: 'hostkey' | 'auth' | 'connect' | 'lost' | 'remote' | 'usage', readonly stderr = '') {
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

/**
 * The multiplexing socket. A mux client skips host key verification (the master did it), so the
 * socket must never be shared between different ssh configurations: it lives in a directory
 * named after the -F file (path and contents), and %C hashes host, port, user and alias.
 */
function controlPath(configFile?: string): string {
  let key = 'default';
  if (configFile) {
    let body = '';
    try {
      body = readFileSync(configFile, 'utf8');
    } catch {
      body = '';
    }
    key = createHash('sha256').update(resolve(configFile)).update('\0').update(body).digest('hex').slice(0, 16);
  }
  const dir = join(tmpdir(), `damon-config-ssh-${process.getuid?.() ?? 'u'}`, key);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, '%C');
}

export function sshArgs(t: SshTarget, remoteCommand: string, opts: { multiplex?: boolean } = {}): string[] {
  const bad = checkAlias(t.alias);
  if (bad) throw new SshError(bad, 'usage');
  const args: string[] = [];
  if (t.configFile) args.push('-F', t.configFile);
  args.push('-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=15', '-T');
  if (opts.multiplex !== false) {
    args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath(t.configFile)}`, '-o', 'ControlPersist=120');
  }
  args.push('--', t.alias, remoteCommand);
  return args;
}

/** Map ssh's own failure (exit 255) to a clear message. */
export function classifySshFailure(alias: string, stderr: string): SshError {
  const s = stderr.trim();
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(s)) {
    return new SshError(`host key verification failed for ${alias}: the key the host presented is not the one pinned in known_hosts (refusing to connect)`, 'hostkey', s);
  }
  if (/Permission denied/i.test(s)) return new SshError(`ssh login to ${alias} was refused (no accepted key; passwords are never used)`, 'auth', s);
  if (/Could not resolve hostname|Connection refused|timed out|No route to host|Connection closed by|kex_exchange_identification|Connection reset/i.test(s)) {
    return new SshError(`cannot connect to ${alias}: ${s.split('\n').pop()}`, 'connect', s);
  }
  return new SshError(`ssh to ${alias} failed${s ? `: ${s.split('\n').pop()}` : ''}`, 'lost', s);
}

export interface RunControl {
  send(text: string): void;
  /** close our side of stdin */
  end(): void;
  /** kill the ssh client (tests use it to cut a session) */
  kill(): void;
  /** kill() was called */
  readonly killed: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `script` with `sh` on the host: the script is written to a private temp file from stdin
 * (exactly its byte length, read by `head -c`), then executed with stdin still connected, so the
 * script can wait for the client's answer (COMMIT). `onLine` sees each stdout line as it comes.
 */
export function runScript(t: SshTarget, script: string, opts: { onLine?: (line: string, ctl: RunControl) => void; keepStdinOpen?: boolean; multiplex?: boolean } = {}): Promise<RunResult> {
  const body = Buffer.from(script, 'utf8');
  const remote = `sh -c 'umask 077; f=$(mktemp) || exit 97; head -c ${body.length} > "$f" && sh "$f"; r=$?; rm -f "$f"; exit $r'`;
  const args = sshArgs(t, remote, { multiplex: opts.multiplex });
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
    const ctl: RunControl = {
      send: (text) => { if (!killed && child.stdin && !child.stdin.destroyed) child.stdin.write(text); },
      end: () => { child.stdin?.end(); },
      kill: () => { killed = true; child.kill('SIGKILL'); },
      get killed() { return killed; },
    };
    child.on('error', (e) => reject(new SshError(`cannot run ssh: ${e.message}`, 'usage')));
    child.stdin?.on('error', () => { /* the remote side went away; the exit code tells */ });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      stdout += d;
      partial += d;
      let i: number;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        opts.onLine?.(line, ctl);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => { stderr += d; });
    child.on('close', (code) => {
      if (partial) opts.onLine?.(partial, ctl);
      resolve({ code, stdout, stderr });
    });
    child.stdin?.write(body);
    if (!opts.keepStdinOpen) child.stdin?.end();
  });
}

/** Run a script and fail with a classified SshError when ssh itself failed (exit 255). */
export async function runChecked(t: SshTarget, script: string): Promise<RunResult> {
  const r = await runScript(t, script);
  if (r.code === 255) throw classifySshFailure(t.alias, r.stderr);
  return r;
}

/** Close the multiplexed master connection for a target (best effort). */
export function closeMaster(t: SshTarget): Promise<void> {
  const args: string[] = [];
  if (t.configFile) args.push('-F', t.configFile);
  args.push('-o', `ControlPath=${controlPath(t.configFile)}`, '-O', 'exit', '--', t.alias);
  return new Promise((resolve) => {
    const c = spawn(t.sshBinary ?? 'ssh', args, { stdio: 'ignore' });
    c.on('close', () => resolve());
    c.on('error', () => resolve());
  });
}
