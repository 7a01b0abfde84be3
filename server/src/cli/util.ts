/** Small CLI helpers: flag parsing, safe file reading, profile loading. */
import { closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { loadProfile, LineIndex, MAX_TEXT_LENGTH, type CoreDiagnostic, type MachineProfile } from '../core/index';

export class UsageError extends Error {}

export type FlagSpec = Record<string, 'string' | 'bool' | 'multi'>;

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positional: string[];
}

/** `--name value`, `--name=value`, boolean `--name`; `--` ends flags; `-` is a positional (stdin). */
export function parseArgs(args: string[], spec: FlagSpec): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const kind = spec[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        flags[name] = true;
        continue;
      }
      const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (kind === 'multi') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
      else flags[name] = value;
      continue;
    }
    if (a === '-h') {
      flags.help = true;
      continue;
    }
    positional.push(a);
  }
  return { flags, positional };
}

export interface FileText {
  text?: string;
  problem?: CoreDiagnostic;
}

const at0 = { start: 0, end: 0 };

/** Reads a config file defensively: unreadable, too large, binary and non-UTF-8 files become one diagnostic each. */
export function readTextFile(path: string): FileText {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { problem: { code: 'io-error', severity: 'error', message: 'is a directory', range: at0 } };
    size = st.size;
  } catch (e) {
    return { problem: { code: 'io-error', severity: 'error', message: `cannot read: ${(e as Error).message}`, range: at0 } };
  }
  if (size > MAX_TEXT_LENGTH) {
    return { problem: { code: 'file-too-large', severity: 'error', message: `the file is ${(size / 1048576).toFixed(1)} MiB; DAMON configs are small, so it was not read (limit ${MAX_TEXT_LENGTH / 1048576} MiB)`, range: at0 } };
  }
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    return { problem: { code: 'io-error', severity: 'error', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.trim(), range: at0 } };
  }
  const nul = buf.subarray(0, 65536).indexOf(0);
  if (nul >= 0) return { problem: { code: 'binary-file', severity: 'error', message: `binary file (NUL byte at offset ${nul}): not a YAML or JSON config`, range: at0 } };
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    if (text.charCodeAt(0) === 0xfeff) text = ` ${text.slice(1)}`; // keep offsets: BOM -> space
    return { text };
  } catch {
    let bad = 0;
    for (let i = 0; i < buf.length; i++) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, i + 1 < buf.length ? i + 4 : i + 1));
      } catch {
        bad = i;
        break;
      }
    }
    return { problem: { code: 'not-utf8', severity: 'error', message: `not valid UTF-8 (first bad byte near offset ${bad}); save the file as UTF-8`, range: at0 } };
  }
}

export function readHead(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(bytes);
    const n = readSync(fd, b, 0, bytes, 0);
    return b.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function loadProfileFile(path: string): { profile: MachineProfile } | { error: string } {
  const f = readTextFile(path);
  if (f.problem) return { error: `profile ${path}: ${f.problem.message}` };
  const r = loadProfile(f.text!, path);
  if (!r.profile) {
    const idx = new LineIndex(f.text!);
    const msgs = r.diagnostics.map((d) => {
      const p = idx.positionAt(d.range.start);
      return `${path}:${p.line + 1}:${p.character + 1}: ${d.message}`;
    });
    return { error: `invalid machine profile:\n${msgs.join('\n')}` };
  }
  return { profile: r.profile };
}
