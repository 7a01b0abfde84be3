/** Small CLI helpers: flag parsing, safe file reading, profile loading. */
import { loadProfile, LineIndex, type CoreDiagnostic, type MachineProfile } from '../core/index';
import { FILE_LIMITS, readTextFileSafe } from '../io/files';

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

/**
 * Reads a file named on the command line through the one safe reader (server/src/io/files.ts):
 * regular files only (a directory, /dev/zero or a FIFO is refused at once, never read or waited
 * on), at most `maxBytes`, no NUL bytes, UTF-8. Each problem becomes one diagnostic.
 */
export function readTextFile(path: string, maxBytes: number = FILE_LIMITS.config): FileText {
  const r = readTextFileSafe(path, { maxBytes });
  if (r.ok) return { text: r.text };
  const message = r.code === 'file-too-large' && maxBytes === FILE_LIMITS.config ? r.message.replace('; it was', '; DAMON configs are small, so it was') : r.message;
  return { problem: { code: r.code, severity: 'error', message, range: at0 } };
}

export function loadProfileFile(path: string): { profile: MachineProfile } | { error: string } {
  const f = readTextFile(path, FILE_LIMITS.profile);
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
