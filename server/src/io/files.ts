/**
 * The one way the CLI and the language server read a file named by a user, a workspace setting or
 * a directory scan (configs, machine profiles, ssh configs, scenarios). Issue 17 item 5: a profile
 * setting pointing at /dev/zero made the server read 4 GB, a FIFO blocked it for good, and
 * `check DIR` followed symlinks anywhere. So a file is read only when
 *  - it is a regular file (checked on the open descriptor, not the name: no race), never a
 *    directory, device, FIFO or socket, each refused with one clear message;
 *  - opening it cannot block (O_NONBLOCK: a FIFO with no writer opens at once and is then refused);
 *  - it is at most `maxBytes` long, and no more than `maxBytes + 1` bytes are ever read (a file that
 *    grows or lies about its size, like /proc files, cannot make it read more);
 *  - with `noFollow`, the last path component is not a symbolic link (O_NOFOLLOW).
 * Limits are in docs/limits.md.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { formatBytes } from '../core/model/units';

export const MiB = 1024 * 1024;

/** Default size limits per kind of file. */
export const FILE_LIMITS = {
  /** a DAMON config or a shell script with damo commands (CLI; the core also refuses longer texts) */
  config: 50 * MiB,
  /** a machine profile (`--profile`, the `damon.profile` setting) */
  profile: 4 * MiB,
  /** an OpenSSH client config given with --ssh-config */
  sshConfig: 1 * MiB,
  /** a simulator scenario */
  scenario: 16 * MiB,
} as const;

export type ReadProblemCode = 'io-error' | 'not-a-regular-file' | 'file-too-large';

export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; code: ReadProblemCode; message: string };

export interface ReadOptions {
  maxBytes: number;
  /** refuse a symbolic link as the last path component */
  noFollow?: boolean;
}

/** What a non-regular file is, for messages. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function errnoMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'ELOOP':
      return 'is a symbolic link (not followed here) or a link loop';
    case 'ENXIO':
      return 'is a socket or a device without a reader, not a regular file';
    case 'EISDIR':
      return 'is a directory';
    default:
      return `${err.code ? `${err.code}: ` : ''}${err.message}`;
  }
}

/** Reads a regular file of at most `maxBytes`; never blocks on a FIFO, never reads more than the limit. */
export function readRegularFile(path: string, opts: ReadOptions): ReadResult {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (opts.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    return { ok: false, code: 'io-error', message: `cannot read: ${errnoMessage(e)}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      return { ok: false, code: 'not-a-regular-file', message: `${fileKind(st)}, not a regular file: not read` };
    }
    if (st.size > opts.maxBytes) {
      return { ok: false, code: 'file-too-large', message: `the file is ${formatBytes(st.size)}; it was not read (limit ${formatBytes(opts.maxBytes)})` };
    }
    // read up to the limit + 1 whatever the size said (files may grow, /proc files say 0)
    const chunks: Buffer[] = [];
    let total = 0;
    const cap = opts.maxBytes + 1;
    for (;;) {
      const want = Math.min(cap - total, Math.max(65536, st.size + 1));
      if (want <= 0) break;
      const buf = Buffer.allocUnsafe(want);
      let n: number;
      try {
        n = readSync(fd, buf, 0, want, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
      if (n === 0) break;
      chunks.push(n === want ? buf : buf.subarray(0, n));
      total += n;
    }
    if (total > opts.maxBytes) {
      return { ok: false, code: 'file-too-large', message: `the file is larger than ${formatBytes(opts.maxBytes)}; it was not read` };
    }
    return { ok: true, bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total) };
  } catch (e) {
    return { ok: false, code: 'io-error', message: `cannot read: ${errnoMessage(e)}` };
  } finally {
    closeSync(fd);
  }
}

export type TextResult = { ok: true; text: string } | { ok: false; code: ReadProblemCode | 'binary-file' | 'not-utf8'; message: string };

/** readRegularFile + the text checks: no NUL bytes, valid UTF-8 (a BOM becomes a space: offsets stay). */
export function readTextFileSafe(path: string, opts: ReadOptions): TextResult {
  const r = readRegularFile(path, opts);
  if (!r.ok) return r;
  const buf = r.bytes;
  const nul = buf.indexOf(0);
  if (nul >= 0) return { ok: false, code: 'binary-file', message: `binary file (NUL byte at offset ${nul}): not a text file` };
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    if (text.charCodeAt(0) === 0xfeff) text = ` ${text.slice(1)}`;
    return { ok: true, text };
  } catch {
    return { ok: false, code: 'not-utf8', message: `not valid UTF-8 (first bad byte near offset ${Math.max(0, firstBadUtf8(buf))}); save the file as UTF-8` };
  }
}

/** Offset of the first byte that does not start or continue a UTF-8 sequence (for messages). */
function firstBadUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const more = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (more < 0 || i + more >= b.length) return i;
    for (let k = 1; k <= more; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return -1;
}

/** readTextFileSafe for callers that report exceptions (the language server's profile setting). */
export function readTextOrThrow(path: string, maxBytes: number): string {
  const r = readTextFileSafe(path, { maxBytes });
  if (!r.ok) throw new Error(r.message);
  return r.text;
}

/**
 * The files a directory scan looks at, in sorted order. Subdirectories are searched, but symbolic
 * links are followed only to regular files inside the scanned directory (never out of it, never to
 * a directory, so no loops); a file reached twice is listed once (by its real path). Devices,
 * FIFOs and sockets are not listed. `outside` collects links that point elsewhere (to mention them).
 */
export function scanDirectory(root: string, wanted: (path: string) => boolean, outside: string[] = []): string[] {
  const rootReal = realpathSync(root);
  const inside = (p: string) => p === rootReal || p.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else if (e.isFile()) {
        if (!wanted(p)) continue;
        let real = p;
        try {
          real = realpathSync(p);
        } catch {
          /* listed by its name */
        }
        if (!seen.has(real)) {
          seen.add(real);
          out.push(p);
        }
      } else if (e.isSymbolicLink()) {
        if (!wanted(p)) continue;
        let real: string;
        try {
          real = realpathSync(p);
          if (!statSync(real).isFile()) continue;
        } catch {
          continue; // dangling
        }
        if (!inside(real)) {
          outside.push(p);
          continue;
        }
        if (!seen.has(real)) {
          seen.add(real);
          out.push(real);
        }
      }
    }
  };
  walk(root);
  return out;
}

/** lstat that never throws. */
export function lstatQuiet(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}
