/**
 * One analysis per document version: the core's check result plus what every LSP feature needs to
 * find its way around (line index, the document under an offset). Cached by URI + version, so
 * diagnostics, hover, completion, inlay hints, code lens and symbols share one parse.
 */
import { checkText, LineIndex, pathAtOffset, type CheckedDocument, type CheckResult, type MachineProfile, type SNode, type SourceFormat } from './core';
import { isDamonFileName, looksLikeDamonConfig } from './protocol';

export interface Analysis {
  uri: string;
  version: number;
  text: string;
  lines: LineIndex;
  format: SourceFormat;
  /** the document is a DAMON config and is served */
  damon: boolean;
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

const EMPTY: CheckResult = { format: 'yaml', documents: [], diagnostics: [] };

export class AnalysisCache {
  private readonly byUri = new Map<string, Analysis>();

  constructor(private readonly env: () => { kernel: string; profile?: MachineProfile; generation: number }) {}

  private generationOf = new Map<string, number>();

  get(input: AnalysisInput): Analysis {
    const env = this.env();
    const cached = this.byUri.get(input.uri);
    if (cached && cached.version === input.version && this.generationOf.get(input.uri) === env.generation && cached.text === input.text) return cached;
    const format = formatOf(input.uri, input.languageId, input.text);
    const damon = isServed(input.uri, input.languageId, input.text);
    const started = performance.now();
    const result = damon ? checkText(input.text, { format, profile: env.profile, kernel: env.kernel || undefined }) : { ...EMPTY, format };
    const analysis: Analysis = {
      uri: input.uri,
      version: input.version,
      text: input.text,
      lines: new LineIndex(input.text),
      format,
      damon,
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
