/**
 * `damon-config check [--format text|json|sarif] [--kernel X.Y] [--profile FILE] FILE|DIR|-...`
 * Exit: 0 no errors (warnings allowed), 1 errors found, 2 usage or I/O problems.
 */
import { statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { checkText, LineIndex, RULES_BY_ID, type CoreDiagnostic, type MachineProfile } from '../core/index';
import { diagnosticLines } from '../core/diagnostic';
import { parseKernelVersion } from '../core/kernel-version';
import type * as Sarif from 'sarif';
import type { CliIO, Subcommand } from './io';
import { parseArgs, readTextFile, UsageError, loadProfileFile, type FileText } from './util';
import { checkShellScript, damoCommandRanges } from '../core/damo/index';
import { VERSION } from '../version';
import { scanDirectory } from '../io/files';

const SHELL = /\.(?:sh|bash)$/i;

export const CHECK_USAGE = `usage: damon-config check [--format text|json|sarif] [--kernel X.Y] [--profile FILE] [--fix] FILE|DIR|- ...

Checks DAMON configs (damo's kdamonds format, YAML or JSON) and the damo command lines in shell
scripts. A directory is searched for *.damon.{yaml,yml,json}, other YAML/JSON files whose root has a
"kdamonds" key, and *.sh/*.bash files with damo commands.
--fix applies each problem's preferred quick fix in place (minimal edits: comments and layout are kept)
and reports what is left.
Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O problems.`;

export interface FileReport {
  file: string;
  text: string | null;
  diagnostics: CoreDiagnostic[];
}

const EXT = /\.(?:ya?ml|json)$/i;

/**
 * The files to check for one argument: the file itself, or what a scan of the directory finds
 * (symbolic links are followed only to files inside it; see io/files.ts scanDirectory).
 */
function collect(path: string, out: string[], outside: string[]): void {
  if (statSync(path).isDirectory()) out.push(...scanDirectory(path, (p) => EXT.test(p) || SHELL.test(p), outside));
  else out.push(path);
}

export function checkOne(file: string, f: FileText, opts: { profile?: MachineProfile; kernel?: string; explicit: boolean }): FileReport | null {
  if (f.problem) return { file, text: null, diagnostics: [f.problem] };
  const text = f.text!;
  if (SHELL.test(file) || /^#!.*\b(?:ba|da)?sh\b/.test(text.slice(0, 80))) {
    // a shell script: check its damo start/tune command lines
    if (!opts.explicit && damoCommandRanges(text).length === 0) return null;
    return { file, text, diagnostics: checkShellScript(text, { profile: opts.profile, kernel: opts.kernel }) };
  }
  const named = /\.damon\.(?:ya?ml|json)$/i.test(file);
  // cheap pre-check for YAML/JSON found by a directory scan: no "kdamonds" key, not a config
  if (!opts.explicit && !named && !/["']?kdamonds["']?\s*:/.test(text)) return null;
  const r = checkText(text, { fileName: file, profile: opts.profile, kernel: opts.kernel });
  // one parse: the check's own documents say whether a scanned file is a DAMON config
  if (!opts.explicit && !named && !r.documents.some((d) => d.isDamonConfig)) return null;
  return { file, text, diagnostics: r.diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Output formats

function lineCol(idx: LineIndex | null, offset: number) {
  return idx ? idx.positionAt(offset) : { line: 0, character: 0 };
}

export function formatText(reports: FileReport[], color: boolean): string {
  const out: string[] = [];
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const sevColor: Record<string, string> = { error: '31', warning: '33', information: '36', hint: '90' };
  let errors = 0;
  let warnings = 0;
  let others = 0;
  for (const r of reports) {
    const idx = r.text !== null ? new LineIndex(r.text) : null;
    for (const d of r.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      else others++;
      out.push(...diagnosticLines(r.file, idx, d, { paint: (sev, s) => paint(sevColor[sev], s), related: true }));
    }
  }
  const files = reports.length;
  const summary = `${files} file${files === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${others ? `, ${others} note${others === 1 ? '' : 's'}` : ''}`;
  out.push(errors ? paint('31', summary) : paint('32', summary));
  return `${out.join('\n')}\n`;
}

export function formatJson(reports: FileReport[]): string {
  const arr = reports.flatMap((r) => {
    const idx = r.text !== null ? new LineIndex(r.text) : null;
    return r.diagnostics.map((d) => ({
      file: r.file,
      range: { start: lineCol(idx, d.range.start), end: lineCol(idx, d.range.end) },
      severity: d.severity,
      code: d.code,
      message: d.message,
    }));
  });
  return `${JSON.stringify(arr, null, 2)}\n`;
}

export function formatSarif(reports: FileReport[], version: string): string {
  const usedRules = new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)));
  const level = (s: string): Sarif.Result.level => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');
  const rules = [...usedRules].sort().map((id): Sarif.ReportingDescriptor => {
    const rule = RULES_BY_ID.get(id);
    return {
      id,
      name: id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
      shortDescription: { text: rule?.title ?? id },
      ...(rule
        ? {
            fullDescription: { text: rule.explanation },
            help: { text: rule.explanation, markdown: rule.explanation },
            defaultConfiguration: { level: level(rule.severity) },
          }
        : {}),
    };
  });
  const results = reports.flatMap((r) => {
    const idx = r.text !== null ? new LineIndex(r.text) : null;
    const uri = r.file.split('\\').join('/');
    return r.diagnostics.map((d): Sarif.Result => {
      const s = lineCol(idx, d.range.start);
      const e = lineCol(idx, d.range.end);
      return {
        ruleId: d.code,
        level: level(d.severity),
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri },
              region: { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 },
            },
          },
        ],
        ...(d.related?.length
          ? {
              relatedLocations: d.related.map((rel, i): Sarif.Location => {
                const q = lineCol(idx, rel.range.start);
                return {
                  id: i,
                  message: { text: rel.message },
                  physicalLocation: { artifactLocation: { uri }, region: { startLine: q.line + 1, startColumn: q.character + 1 } },
                };
              }),
            }
          : {}),
      };
    });
  });
  const sarif: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      { tool: { driver: { name: 'damon-config', version, informationUri: 'https://damon-config.invalid/', rules } }, columnKind: 'utf16CodeUnits', results },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

export { VERSION } from '../version';

/**
 * Applies the preferred, non-overlapping quick fixes of the problems found in `text` — one round only:
 * a fix never builds on another fix's result, so nothing is changed on the strength of a guess.
 */
export function fixText(file: string, text: string, opts: { profile?: MachineProfile; kernel?: string }): { text: string; applied: string[] } {
  const r = checkOne(file, { text }, { ...opts, explicit: true });
  const fixes = (r?.diagnostics ?? [])
    .map((d) => ({ d, fix: d.fixes?.find((f) => f.preferred) }))
    .filter((x): x is { d: CoreDiagnostic; fix: NonNullable<typeof x.fix> } => !!x.fix && x.fix.edits.length > 0);
  const chosen: typeof fixes = [];
  const taken: { start: number; end: number }[] = [];
  for (const x of fixes) {
    const overlaps = x.fix.edits.some((e) => taken.some((t) => e.range.start <= t.end && t.start <= e.range.end));
    if (overlaps) continue;
    chosen.push(x);
    taken.push(...x.fix.edits.map((e) => e.range));
  }
  let cur = text;
  const edits = chosen.flatMap((x) => x.fix.edits).sort((a, b) => b.range.start - a.range.start);
  for (const e of edits) cur = cur.slice(0, e.range.start) + e.newText + cur.slice(e.range.end);
  const applied = chosen.map((x) => `[${x.d.code}] ${x.fix.title}`);
  return { text: cur, applied };
}

export const check: Subcommand = async (args: string[], io: CliIO) => {
  let parsed;
  try {
    parsed = parseArgs(args, { format: 'string', kernel: 'string', profile: 'string', help: 'bool', fix: 'bool' });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`damon-config check: ${e.message}\n${CHECK_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const { flags, positional } = parsed;
  if (flags.help) {
    io.stdout(`${CHECK_USAGE}\n`);
    return 0;
  }
  const format = (flags.format as string | undefined) ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) {
    io.stderr(`damon-config check: --format must be text, json or sarif (got "${format}")\n`);
    return 2;
  }
  const kernel = flags.kernel as string | undefined;
  if (kernel !== undefined && !parseKernelVersion(kernel)) {
    io.stderr(`damon-config check: --kernel takes a version like 6.12 or 7.2 (got "${kernel}")\n`);
    return 2;
  }
  if (positional.length === 0) {
    io.stderr(`damon-config check: no files given\n${CHECK_USAGE}\n`);
    return 2;
  }
  let profile: MachineProfile | undefined;
  if (flags.profile !== undefined) {
    const p = loadProfileFile(resolve(io.cwd, flags.profile as string));
    if ('error' in p) {
      io.stderr(`damon-config check: ${p.error}\n`);
      return 2;
    }
    profile = p.profile;
  }
  const reports: FileReport[] = [];
  let ioProblem = false;
  for (const arg of positional) {
    if (arg === '-') {
      if (flags.fix) {
        io.stderr('damon-config check: --fix needs files, not standard input\n');
        return 2;
      }
      const text = await io.readStdin();
      const r = checkOne('<stdin>', { text }, { profile, kernel, explicit: true });
      if (r) reports.push(r);
      continue;
    }
    const abs = resolve(io.cwd, arg);
    const files: string[] = [];
    const outside: string[] = [];
    try {
      collect(abs, files, outside);
    } catch (e) {
      ioProblem = true;
      reports.push({
        file: arg,
        text: null,
        diagnostics: [
          {
            code: 'io-error',
            severity: 'error',
            message: `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
            range: { start: 0, end: 0 },
          },
        ],
      });
      continue;
    }
    for (const link of outside) {
      reports.push({
        file: relative(io.cwd, link) || link,
        text: null,
        diagnostics: [
          {
            code: 'symlink-outside',
            severity: 'information',
            message: `not checked: a symbolic link to a file outside ${arg} (a directory scan does not follow links out of it; name the file to check it)`,
            range: { start: 0, end: 0 },
          },
        ],
      });
    }
    for (const file of files) {
      const shown = relative(io.cwd, file) || file;
      const f = readTextFile(file);
      if (f.problem?.code === 'io-error' || f.problem?.code === 'not-a-regular-file') ioProblem = true;
      if (flags.fix && f.text !== undefined && (file === abs || checkOne(shown, f, { profile, kernel, explicit: false }))) {
        const fixed = fixText(shown, f.text, { profile, kernel });
        if (fixed.text !== f.text) {
          try {
            writeFileSync(file, fixed.text);
            f.text = fixed.text;
            io.stderr(`${shown}: fixed ${fixed.applied.length} problem(s):\n${fixed.applied.map((a) => `  ${a}`).join('\n')}\n`);
          } catch (e) {
            ioProblem = true;
            io.stderr(`${shown}: cannot write the fixes: ${(e as Error).message}\n`);
          }
        }
      }
      const r = checkOne(shown, f, { profile, kernel, explicit: file === abs });
      if (r) reports.push(r);
    }
  }
  if (format === 'json') io.stdout(formatJson(reports));
  else if (format === 'sarif') io.stdout(formatSarif(reports, VERSION));
  else io.stdout(formatText(reports, io.isTTY));
  if (ioProblem) return 2;
  return reports.some((r) => r.diagnostics.some((d) => d.severity === 'error')) ? 1 : 0;
};
