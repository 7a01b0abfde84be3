/** Small CLI helpers: argument parsing (node:util parseArgs), safe file reading, profile loading. */
import { closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { parseArgs as nodeParseArgs } from 'node:util';
import { loadProfile, LineIndex, MAX_TEXT_LENGTH, type CoreDiagnostic, type MachineProfile } from '../core/index';
import { diagnosticLines } from '../core/diagnostic';

export class UsageError extends Error {}

/** A subcommand's options: `string` takes a value, `bool` none, `multi` a value and may repeat. */
export type FlagSpec = Record<string, 'string' | 'bool' | 'multi'>;

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positional: string[];
}

/**
 * Parses a subcommand's arguments with node:util `parseArgs` (strict): `--name value`, `--name=value`,
 * boolean `--name`, `-h`/`--help` always; `--` ends the options; `-` is a positional (stdin).
 * An unknown option (`-x`, `--nope`), a missing value or a value on a boolean option is a
 * UsageError with a one-line message (the caller prints it with the usage and exits 2).
 */
export function parseArgs(args: string[], spec: FlagSpec): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, kind] of Object.entries(spec)) {
    options[name] = kind === 'bool' ? { type: 'boolean' } : { type: 'string', ...(kind === 'multi' ? { multiple: true } : {}) };
    if (name === 'help') options[name].short = 'h';
  }
  try {
    const { values, positionals } = nodeParseArgs({ args, options, strict: true, allowPositionals: true });
    return { flags: values as ParsedArgs['flags'], positional: positionals };
  } catch (e) {
    throw new UsageError(usageMessage(e as NodeJS.ErrnoException));
  }
}

/** node:util's parse errors as one short line naming the option. */
function usageMessage(e: NodeJS.ErrnoException): string {
  const opt = /'(-[^' ]*)/.exec(e.message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt} (a file name starting with "-" goes after "--")`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `${opt} takes no value`;
      if (/ambiguous/.test(e.message)) return `${opt} needs a value (write ${opt}=VALUE for a value starting with "-")`;
      return `${opt} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument: ${e.message}`;
    default:
      return e.message.split('\n')[0];
  }
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
    const msgs = r.diagnostics.flatMap((d) => diagnosticLines(path, idx, d));
    return { error: `invalid machine profile:\n${msgs.join('\n')}` };
  }
  return { profile: r.profile };
}
