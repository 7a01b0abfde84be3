/** Diagnostics produced by the core. Offsets are UTF-16 code units into the document text. */
export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface OffsetRange {
  start: number;
  end: number;
}

export interface TextEdit {
  range: OffsetRange;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** the fix a user most likely wants (LSP isPreferred) */
  preferred?: boolean;
}

export type ConfigPath = (string | number)[];

export interface RelatedInfo {
  range: OffsetRange;
  message: string;
  path?: ConfigPath;
}

export interface CoreDiagnostic {
  /** rule id, e.g. 'goal-target-zero', 'schema-unknown-key', 'yaml-syntax' */
  code: string;
  severity: Severity;
  message: string;
  range: OffsetRange;
  /** where in the damo config tree the problem is */
  path?: ConfigPath;
  related?: RelatedInfo[];
  fixes?: Fix[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

export function sortDiagnostics(ds: CoreDiagnostic[]): CoreDiagnostic[] {
  return ds.sort(
    (a, b) =>
      a.range.start - b.range.start || a.range.end - b.range.end || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code),
  );
}

/** 1-based line and column of an offset, as compilers print them. */
export interface LineColumn {
  line: number;
  column: number;
}

/** What turns offsets into positions (parse/lines.ts LineIndex). */
export interface Positions {
  positionAt(offset: number): { line: number; character: number };
}

export function lineColumn(lines: Positions | null, offset: number): LineColumn {
  const p = lines ? lines.positionAt(offset) : { line: 0, character: 0 };
  return { line: p.line + 1, column: p.character + 1 };
}

/** `file:line:col` of an offset. */
export function locationText(file: string, lines: Positions | null, offset: number): string {
  const p = lineColumn(lines, offset);
  return `${file}:${p.line}:${p.column}`;
}

export interface DiagnosticLineOptions {
  /** wraps the severity word (colour on a terminal) */
  paint?: (severity: Severity, text: string) => string;
  /** also a `note:` line per related location */
  related?: boolean;
  /** also a `fix:` line per quick fix */
  fixes?: boolean;
}

/**
 * The one text form of a diagnostic, everywhere a terminal shows one (check, import-damo,
 * simulate, deploy, the Ansible role): `file:line:col: severity [code] message`, then optional
 * `note:` and `fix:` lines at their own places.
 */
export function diagnosticLines(file: string, lines: Positions | null, d: CoreDiagnostic, opts: DiagnosticLineOptions = {}): string[] {
  const sev = opts.paint ? opts.paint(d.severity, d.severity) : d.severity;
  const at = locationText(file, lines, d.range.start);
  const out = [`${at}: ${sev} [${d.code}] ${d.message}`];
  if (opts.related) for (const r of d.related ?? []) out.push(`${locationText(file, lines, r.range.start)}:   note: ${r.message}`);
  if (opts.fixes) for (const f of d.fixes ?? []) out.push(`${at}:   fix: ${f.title}`);
  return out;
}

/**
 * The text form of a problem without a rule code (a scenario file's schema errors, what the sysfs
 * plan or a damo command line cannot express): `location: severity: message`.
 */
export function problemLine(location: string, severity: Severity, message: string): string {
  return `${location}: ${severity}: ${message}`;
}

/** At most this many diagnostics are reported per file; the rest are summed up in one. docs/limits.md */
export const MAX_DIAGNOSTICS = 1000;

/**
 * Keeps the first `max` of sorted diagnostics and replaces the rest by one `too-many-problems`
 * diagnostic ("and N more"), as severe as the worst one left out so exit codes stay right.
 */
export function capDiagnostics(ds: CoreDiagnostic[], max = MAX_DIAGNOSTICS): CoreDiagnostic[] {
  if (ds.length <= max) return ds;
  const rest = ds.slice(max);
  const count: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const d of rest) count[d.severity]++;
  const worst = (['error', 'warning', 'information', 'hint'] as Severity[]).find((s) => count[s] > 0)!;
  const parts = (['error', 'warning', 'information', 'hint'] as Severity[])
    .filter((s) => count[s] > 0)
    .map((s) => `${count[s].toLocaleString('en-US')} ${s === 'information' ? 'note' : s}${count[s] === 1 ? '' : 's'}`);
  const more: CoreDiagnostic = {
    code: 'too-many-problems',
    severity: worst,
    message: `and ${rest.length.toLocaleString('en-US')} more (${parts.join(', ')}) not listed: at most ${max.toLocaleString('en-US')} problems are reported per file; fix these first`,
    range: { ...rest[0].range },
  };
  return [...ds.slice(0, max), more];
}

const MAX_MESSAGE = 1000;

/**
 * The last step of every check (YAML/JSON and damo command lines): sorted, messages on one line
 * (a raw line break in a quoted shell word is shown as \n) and at most MAX_MESSAGE characters,
 * ranges that do not run into the line break after them (CRLF files), and the per-file cap. Diagnostics
 * are updated in place, but a range is replaced, never changed (it may be shared with a tree node).
 */
export function finishDiagnostics(text: string, ds: CoreDiagnostic[]): CoreDiagnostic[] {
  for (const d of ds) {
    if (/[\r\n]/.test(d.message)) d.message = d.message.replace(/\r\n|\r|\n/g, (m) => (m === '\r\n' ? '\\r\\n' : m === '\r' ? '\\r' : '\\n'));
    if (d.message.length > MAX_MESSAGE) d.message = `${d.message.slice(0, MAX_MESSAGE - 1)}…`;
    let end = d.range.end;
    while (end > d.range.start && (text.charCodeAt(end - 1) === 13 || text.charCodeAt(end - 1) === 10)) end--;
    // a new range object: a finding's range is often a tree node's own range object (resolveRange),
    // and trimming it in place would change the parsed tree the check returns
    if (end !== d.range.end) d.range = { start: d.range.start, end };
  }
  return capDiagnostics(sortDiagnostics(ds));
}
