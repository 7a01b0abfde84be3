/**
 * One analysis per document version: the core's check result plus what every LSP feature needs to
 * find its way around (line index, the document under an offset). Cached by URI + version, so
 * diagnostics, hover, completion, inlay hints, code lens and symbols share one parse.
 */
import {
  checkShellScript, checkText, damoCommandRanges, LineIndex, pathAtOffset,
  type CheckedDocument, type CheckResult, type MachineProfile, type OffsetRange, type SNode, type SourceFormat,
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
    if (shell) {
      format = 'yaml';
      commands = shellDamoCommands(input.text);
      damon = commands.length > 0;
      result = damon ? { ...EMPTY, diagnostics: checkShellScript(input.text, { profile: env.profile, kernel: env.kernel || undefined }) } : EMPTY;
    } else {
      format = formatOf(input.uri, input.languageId, input.text);
      damon = isServed(input.uri, input.languageId, input.text);
      result = damon ? checkText(input.text, { format, profile: env.profile, kernel: env.kernel || undefined }) : { ...EMPTY, format };
    }
    const analysis: Analysis = {
      uri: input.uri,
      version: input.version,
      text: input.text,
      lines: new LineIndex(input.text),
      format,
      damon,
      kind: shell ? 'shell' : 'config',
      commands,
      result,
      kernel: env.kernel,
      profile: env.profile,
      checkMs: performance.now() - started,
    };
    this.byUri.set(input.uri, analysis);
    this.generationOf.set(input.uri, env.generation);
    return analysis;
  }

  peek(uri: string): Analysis | undefined {
    return this.byUri.get(uri);
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
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
