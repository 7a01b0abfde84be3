/** Small CLI helpers: argument parsing (node:util parseArgs), safe file reading, profile loading. */
import { parseArgs as nodeParseArgs } from 'node:util';
import { loadProfile, LineIndex, type CoreDiagnostic, type MachineProfile } from '../core/index';
import { diagnosticLines } from '../core/diagnostic';
import { FILE_LIMITS, readTextFileSafe } from '../io/files';

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

/**
 * Reads a file named on the command line through the one safe reader (server/src/io/files.ts):
 * regular files only (a directory, /dev/zero or a FIFO is refused at once, never read or waited
 * on), at most `maxBytes`, no NUL bytes, UTF-8. Each problem becomes one diagnostic.
 */
export function readTextFile(path: string, maxBytes: number = FILE_LIMITS.config): FileText {
  const r = readTextFileSafe(path, { maxBytes });
  if (r.ok) return { text: r.text };
  const message =
    r.code === 'file-too-large' && maxBytes === FILE_LIMITS.config ? r.message.replace('; it was', '; DAMON configs are small, so it was') : r.message;
  return { problem: { code: r.code, severity: 'error', message, range: at0 } };
}

export function loadProfileFile(path: string): { profile: MachineProfile } | { error: string } {
  const f = readTextFile(path, FILE_LIMITS.profile);
  if (f.problem) return { error: `profile ${path}: ${f.problem.message}` };
  const r = loadProfile(f.text!, path);
  if (!r.profile) {
    const idx = new LineIndex(f.text!);
    const msgs = r.diagnostics.flatMap((d) => diagnosticLines(path, idx, d));
    return { error: `invalid machine profile:\n${msgs.join('\n')}` };
  }
  return { profile: r.profile };
}
