/**
 * One analysis per document version: the core's check result plus what every LSP feature needs to
 * find its way around (line index, the document under an offset). Cached by URI + version, so
 * diagnostics, hover, completion, inlay hints, code lens and symbols share one parse.
 *
 * A config's next version is checked incrementally from the previous analysis of the same URI
 * (core/incremental.ts: only the kdamond items whose text changed are recomputed; the result is
 * identical to checkText). Unchanged items' trees are shared with the new analysis and shifted in
 * place, so an analysis is only valid until the next one of the same URI is computed.
 */
import {
  checkIncremental,
  checkShellScript,
  damoCommandRanges,
  firstScreen,
  LineIndex,
  pathAtOffset,
  visiblePrefix,
  type CheckedDocument,
  type CheckResult,
  type CoreDiagnostic,
  type IncrementalState,
  type MachineProfile,
  type OffsetRange,
  type SNode,
  type SourceFormat,
} from './core';
import { isDamonFileName, looksLikeDamonConfig } from './protocol';

export interface Analysis {
  uri: string;
  version: number;
  text: string;
  lines: LineIndex;
  format: SourceFormat;
  /** the document is a DAMON config, or a shell script with damo start|tune commands, and is served */
  damon: boolean;
  /** 'shell': a shell script; `result.documents` is empty and `commands` lists its damo command lines */
  kind: 'config' | 'shell';
  /** the damo start|tune command lines of a shell script (empty for configs) */
  commands: { range: OffsetRange; subcommand: 'start' | 'tune' }[];
  result: CheckResult;
  /** kernel / profile the result was computed with */
  kernel: string;
  profile?: MachineProfile;
  /** milliseconds spent in the core */
  checkMs: number;
  /** how the core got the result: a whole-file check, or per item with `reparsed` of `items` recomputed */
  incremental?: { mode: 'full' | 'items'; reparsed: number; items: number };
}

export interface AnalysisInput {
  uri: string;
  version: number;
  languageId: string;
  text: string;
}

export function formatOf(uri: string, languageId: string, text: string): SourceFormat {
  if (/json/i.test(languageId) || /\.json$/i.test(uri)) return 'json';
  if (/ya?ml/i.test(languageId) || /\.ya?ml$/i.test(uri)) return 'yaml';
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

export function isServed(uri: string, languageId: string, text: string): boolean {
  if (languageId === 'damon-yaml' || languageId === 'damon-json') return true;
  if (isDamonFileName(uri)) return true;
  return looksLikeDamonConfig(text);
}

/** A shell script: languageId shellscript, a .sh/.bash name, or a `#!` sh/bash/dash shebang. */
export function isShellDocument(uri: string, languageId: string, text: string): boolean {
  if (languageId === 'shellscript') return true;
  if (/\.(?:sh|bash)$/i.test(uri)) return true;
  return /^#![ \t]*\S*?(?:\/env[ \t]+(?:-\S+[ \t]+)*)?(?:\/|\b)(?:ba|da)?sh\b/.test(text.slice(0, 200));
}

/**
 * The damo start|tune command lines of a shell script. Scripts that do not mention `damo` at all
 * (nearly all of them) cost one regex scan; only the rest are tokenized.
 */
export function shellDamoCommands(text: string): { range: OffsetRange; subcommand: 'start' | 'tune' }[] {
  if (!/damo/.test(text)) return [];
  return damoCommandRanges(text);
}

const EMPTY: CheckResult = { format: 'yaml', documents: [], diagnostics: [] };

export class AnalysisCache {
  private readonly byUri = new Map<string, Analysis>();

  constructor(private readonly env: () => { kernel: string; profile?: MachineProfile; generation: number }) {}

  private generationOf = new Map<string, number>();
  /** per URI: the incremental state of the last config check (items, frame), for the next version */
  private readonly states = new Map<string, IncrementalState>();

  get(input: AnalysisInput): Analysis {
    const env = this.env();
    const cached = this.byUri.get(input.uri);
    if (cached && cached.version === input.version && this.generationOf.get(input.uri) === env.generation && cached.text === input.text) return cached;
    const started = performance.now();
    const shell = input.languageId !== 'damon-yaml' && input.languageId !== 'damon-json' && isShellDocument(input.uri, input.languageId, input.text);
    let format: SourceFormat;
    let damon: boolean;
    let result: CheckResult;
    let commands: Analysis['commands'] = [];
    let incremental: Analysis['incremental'];
    if (shell) {
      format = 'yaml';
      commands = shellDamoCommands(input.text);
      damon = commands.length > 0;
      result = damon ? { ...EMPTY, diagnostics: checkShellScript(input.text, { profile: env.profile, kernel: env.kernel || undefined }) } : EMPTY;
    } else {
      format = formatOf(input.uri, input.languageId, input.text);
      damon = isServed(input.uri, input.languageId, input.text);
      if (damon) {
        const inc = checkIncremental(input.text, { format, profile: env.profile, kernel: env.kernel || undefined }, this.states.get(input.uri));
        result = inc.result;
        incremental = { mode: inc.mode, reparsed: inc.reparsed, items: inc.items };
        if (inc.state) this.states.set(input.uri, inc.state);
        else this.states.delete(input.uri);
      } else {
        result = { ...EMPTY, format };
        this.states.delete(input.uri);
      }
    }
    const analysis: Analysis = {
      uri: input.uri,
      version: input.version,
      text: input.text,
      // the previous version's line starts, shifted around the edit (only the changed lines are scanned)
      lines: cached ? cached.lines.update(input.text) : new LineIndex(input.text),
      format,
      damon,
      kind: shell ? 'shell' : 'config',
      commands,
      result,
      kernel: env.kernel,
      profile: env.profile,
      checkMs: performance.now() - started,
      incremental,
    };
    this.byUri.set(input.uri, analysis);
    this.generationOf.set(input.uri, env.generation);
    return analysis;
  }

  /**
   * First-screen findings of a config just opened, before its whole-file check: the kdamond items
   * of the first ~120 lines are checked on their own (their state seeds the whole-file check, which
   * then reuses them). Undefined for short files, other layouts, or when an analysis exists already.
   */
  preview(input: AnalysisInput): { diagnostics: CoreDiagnostic[]; lines: LineIndex } | undefined {
    if (this.byUri.has(input.uri) || this.states.has(input.uri)) return undefined;
    const shell = input.languageId !== 'damon-yaml' && input.languageId !== 'damon-json' && isShellDocument(input.uri, input.languageId, input.text);
    if (shell || formatOf(input.uri, input.languageId, input.text) !== 'yaml' || !isServed(input.uri, input.languageId, input.text)) return undefined;
    const prefix = visiblePrefix(input.text);
    if (prefix === undefined) return undefined;
    const env = this.env();
    const inc = checkIncremental(prefix, { format: 'yaml', profile: env.profile, kernel: env.kernel || undefined });
    if (!inc.state) return undefined;
    this.states.set(input.uri, inc.state);
    return { diagnostics: firstScreen(inc.result), lines: new LineIndex(input.text) };
  }

  peek(uri: string): Analysis | undefined {
    return this.byUri.get(uri);
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
    this.states.delete(uri);
    this.generationOf.delete(uri);
  }
}

/** The YAML document ('---' separated) containing an offset. */
export function documentAt(a: Analysis, offset: number): CheckedDocument | undefined {
  const docs = a.result.documents;
  for (const d of docs) if (offset >= d.range.start && offset <= d.range.end) return d;
  return docs[docs.length - 1];
}

export interface Located {
  doc: CheckedDocument;
  path: (string | number)[];
  node: SNode | null;
  onKey: boolean;
}

export function locate(a: Analysis, offset: number): Located | undefined {
  const doc = documentAt(a, offset);
  if (!doc?.root) return undefined;
  const at = pathAtOffset(doc.root, offset);
  return { doc, path: at.path, node: at.node, onKey: at.onKey };
}
