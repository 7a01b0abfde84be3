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
