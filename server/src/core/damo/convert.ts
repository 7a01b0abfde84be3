/**
 * Text-level entry points: import the damo command lines of a text (pasted or a shell script) into
 * config text, and check them with every rule of the validator, with each diagnostic mapped back
 * to the option of the command text that produced the config node it is about.
 */
import { checkText } from '../check';
import { finishDiagnostics, type ConfigPath, type CoreDiagnostic, type OffsetRange } from '../diagnostic';
import { pathAtOffset } from '../parse/tree';
import type { MachineProfile } from '../profile';
import { findDamoCommands, type DamoCommandLine } from './commands';
import { blankPrompts, findPrompts } from './shell';
import { configToJson, configToYaml } from './emit';
import { importDamoCommandLine, type DamoImport } from './import';

export interface DamoTextOptions {
  profile?: MachineProfile | null;
  /** target kernel "X.Y" for the validator */
  kernel?: string;
  /** pasted text: strip `$ `/`# ` prompts before damo (default true for import, false for scripts) */
  stripPrompts?: boolean;
  /** run the validator on the imported configs (default true) */
  validate?: boolean;
  /** name of the source, for the YAML header comment */
  sourceName?: string;
}

export interface ImportedCommand extends DamoImport {
  /** the config as commented YAML ('' when there is no config) */
  yaml: string;
  /** the config as JSON ('' when there is no config) */
  json: string;
}

export interface DamoTextImport {
  commands: ImportedCommand[];
  /** every diagnostic, ranges in the input text, sorted */
  diagnostics: CoreDiagnostic[];
}

/** validator rules that say again what the importer already said about the same node */
const SAME_AS: Record<string, string[]> = {
  'damo-missing-argument': ['goal-memcg-path-required', 'goal-nid-required', 'goal-required-keys'],
  'damo-extra-argument': ['goal-memcg-path-required', 'goal-nid-required'],
  'damo-goal-no-reset-interval': ['goal-needs-reset-interval'],
};

const startsWith = (path: ConfigPath, prefix: ConfigPath) => prefix.length <= path.length && prefix.every((p, i) => path[i] === p);

function headerFor(imp: DamoImport, text: string, source?: string): string[] {
  const cmd = imp.command;
  const firstLine = text
    .slice(cmd.range.start, cmd.range.end)
    .split('\n')[0]
    .replace(/\\\s*$/, '')
    .trim();
  return [
    `Imported from a damo ${cmd.subcommand} command line${source ? ` (${source})` : ''} by damon-config import-damo:`,
    `  ${firstLine}${cmd.range.end - cmd.range.start > firstLine.length + 2 ? ' ...' : ''}`,
    'Values are in the unit of their key: *_us µs, *_ms ms, sizes bytes, nr_accesses %, *_permil ‰, *_bp and goal targets bp.',
  ];
}

/** Runs the validator on one import's YAML and maps its diagnostics back to the command text. */
export function validateImport(imp: DamoImport, yaml: string, opts: DamoTextOptions): CoreDiagnostic[] {
  if (!imp.config) return [];
  const r = checkText(yaml, { format: 'yaml', profile: opts.profile ?? undefined, kernel: opts.kernel });
  const root = r.documents[0]?.root ?? null;
  const out: CoreDiagnostic[] = [];
  const fallback = imp.command.damoWord.range;
  const covered = imp.diagnostics.filter((d) => d.path && SAME_AS[d.code]);
  const seen = new Set<string>();
  for (const d of r.diagnostics) {
    const path = d.path ?? (root ? pathAtOffset(root, d.range.start).path : []);
    if (imp.diagnosedPaths.some((p) => startsWith(path, p))) continue;
    if (imp.dynamicOwners.some((o) => path.length === o.length + 1 && startsWith(path, o))) continue;
    if (covered.some((c) => startsWith(path, c.path!) && SAME_AS[c.code].includes(d.code))) continue;
    const hit = imp.sourceMap.lookup(path);
    const range: OffsetRange = hit?.range ?? fallback;
    const key = `${d.code}|${range.start}|${range.end}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mapped: CoreDiagnostic = { code: d.code, severity: d.severity, message: d.message, range, path };
    const related = (d.related ?? []).map((rel) => {
      const rp = rel.path ?? (root ? pathAtOffset(root, rel.range.start).path : []);
      return { range: imp.sourceMap.lookup(rp)?.range ?? fallback, message: rel.message, path: rp };
    });
    if (related.length) mapped.related = related;
    out.push(mapped);
  }
  return out;
}

function importCommand(text: string, cmd: DamoCommandLine, opts: DamoTextOptions): { imported: ImportedCommand; diagnostics: CoreDiagnostic[] } {
  const imp = importDamoCommandLine(cmd, { profile: opts.profile });
  const yaml = imp.config ? configToYaml(imp.config, { header: headerFor(imp, text, opts.sourceName), comments: imp.comments }) : '';
  const json = imp.config ? configToJson(imp.config) : '';
  const diagnostics = [...imp.diagnostics];
  if (imp.config && opts.validate !== false) diagnostics.push(...validateImport(imp, yaml, opts));
  return { imported: { ...imp, yaml, json, diagnostics }, diagnostics };
}

/** Imports every `damo start|tune` command of a text. */
export function importDamoText(text: string, opts: DamoTextOptions = {}): DamoTextImport {
  const { commands, parse } = findDamoCommands(text, { stripPrompts: opts.stripPrompts ?? true });
  const diagnostics: CoreDiagnostic[] = parse.problems.map((p) => ({ code: 'shell-syntax', severity: 'warning', message: p.message, range: p.range }));
  const out: ImportedCommand[] = [];
  // options on the lines after a damo command that are not part of it: a missing `\`, or a `#`
  // comment line inside the continued command (bash ends the command at the comment's newline)
  for (const cmd of commands) {
    const i = parse.commands.indexOf(cmd.command);
    const next = parse.commands[i + 1];
    if (!next || !next.words[0].text.startsWith('--') || next.words[0].quoted) continue;
    const between = parse.comments.find((c) => c.kind === 'hash' && c.range.start >= cmd.command.range.end && c.range.end <= next.range.start);
    const between2 = text.slice(cmd.command.range.end, next.range.start);
    if (/[;&|]/.test(between2.replace(/#[^\n]*/g, ''))) continue;
    diagnostics.push(
      between
        ? {
            code: 'damo-comment-ends-command',
            severity: 'error',
            message: `this # comment ends the damo ${cmd.subcommand} command: the options after it run as a separate command (use \`# comment\` in backticks inside a continued command)`,
            range: between.range,
          }
        : {
            code: 'damo-missing-continuation',
            severity: 'error',
            message: `"${next.words[0].text}" is not part of the damo ${cmd.subcommand} command above: the line before it does not end with \\`,
            range: next.words[0].range,
          },
    );
  }
  for (const cmd of commands) {
    const r = importCommand(text, cmd, opts);
    out.push(r.imported);
    diagnostics.push(...r.diagnostics);
  }
  return { commands: out, diagnostics: finishDiagnostics(text, diagnostics) };
}

export interface ShellCheckOptions {
  profile?: MachineProfile | null;
  kernel?: string;
}

/**
 * Checks the `damo start|tune` command lines of a shell script (.sh/.bash): damo's own command-line
 * errors at the exact words, then every validator rule on the config each command means, mapped
 * back to the options. Offsets are UTF-16 offsets into `text`. Never throws.
 */
export function checkShellScript(text: string, opts: ShellCheckOptions = {}): CoreDiagnostic[] {
  try {
    const own = importDamoText(text, { profile: opts.profile, kernel: opts.kernel, stripPrompts: false }).diagnostics;
    return finishDiagnostics(text, [...own, ...checkPromptedCommands(text, opts)]);
  } catch (e) {
    return [
      {
        code: 'internal-error',
        severity: 'warning',
        message: `damo command check failed: ${(e as Error)?.message ?? String(e)}`,
        range: { start: 0, end: Math.min(1, text.length) },
      },
    ];
  }
}

/** The damo command line at `offset` (for "Convert to config file"), imported; null if none. */
export function importDamoCommandAt(text: string, offset: number, opts: DamoTextOptions = {}): ImportedCommand | null {
  const { commands } = findDamoCommands(text, { stripPrompts: opts.stripPrompts ?? false });
  const cmd = commands.find((c) => c.command.range.start <= offset && offset <= c.command.range.end);
  if (!cmd) return null;
  return importCommand(text, cmd, { ...opts, validate: opts.validate ?? false }).imported;
}

/** Spans of the damo command lines in a text (for code lenses / quick fixes). */
export function damoCommandRanges(text: string, stripPrompts = false): { range: OffsetRange; subcommand: 'start' | 'tune' }[] {
  return findDamoCommands(text, { stripPrompts }).commands.map((c) => ({ range: c.range, subcommand: c.subcommand }));
}

/**
 * damo commands behind a prompt in a script (`# ./damo start \`, as pasted from a mail; `$ damo ...`):
 * the shell does not run them as written. Each gets one note at the prompt, and its problems are
 * found as import-damo finds them (the same prompt handling), as information: the command does not run.
 */
function checkPromptedCommands(text: string, opts: ShellCheckOptions): CoreDiagnostic[] {
  const prompts = findPrompts(text);
  if (prompts.length === 0) return [];
  const blanked = blankPrompts(text);
  const cmds = findDamoCommands(blanked, { stripPrompts: false }).commands;
  const found = importDamoText(blanked, { profile: opts.profile, kernel: opts.kernel, stripPrompts: false }).diagnostics;
  const out: CoreDiagnostic[] = [];
  for (const p of prompts) {
    const lineEnd = text.indexOf('\n', p.range.start);
    const cmd = cmds.find((c) => c.range.start > p.range.start && (lineEnd < 0 || c.range.start < lineEnd));
    // a comment that mentions damo in prose ("# damo start needs root") is no command: options make one
    if (!cmd || !cmd.command.words.some((w) => w.text.startsWith('--'))) continue;
    const commented = p.char === '#';
    out.push({
      code: 'damo-commented-out',
      severity: commented ? 'information' : 'warning',
      message: commented
        ? `a damo ${cmd.subcommand} command is commented out ("# ", a root prompt copied with it?): the shell does not run it. Its problems are shown as notes; remove "# " to run it`
        : `a "${p.char} " prompt before a damo ${cmd.subcommand} command: the shell runs a command named "${p.char}", not damo; remove the prompt`,
      range: p.range,
    });
    for (const d of found) {
      if (d.range.start < cmd.range.start || d.range.end > cmd.range.end) continue;
      out.push({ ...d, severity: d.severity === 'hint' ? 'hint' : 'information', message: `(${commented ? 'commented out' : 'after a prompt'}) ${d.message}` });
    }
  }
  return out;
}
