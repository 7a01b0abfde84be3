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
  return ds.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end
    || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code));
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
