/**
 * checkText: the validator's one entry point. parse -> schema pass -> lowering -> semantic rules,
 * per YAML document. Pure: no I/O, no editor types.
 */
import { finishDiagnostics, type ConfigPath, type CoreDiagnostic, type OffsetRange } from './diagnostic';
import { NEWEST_KNOWN_KERNEL, parseKernelVersion, type KernelVersion } from './kernel-version';
import type { KConfig } from './model/kernel';
import { lowerDocument, type LoweredDocument } from './model/lower';
import { formatBytes } from './model/units';
import { explainIndentation } from './parse/indentation';
import { formatFor, mapGet, nodeAtPath, parseJson, parseYaml, type SNode, type SourceDocument, type SourceFormat } from './parse/tree';
import type { MachineProfile } from './profile';
import { RULES } from './rules/index';
import type { Rule, RuleContext, RuleReport } from './rules/types';
import { schemaDiagnostics } from './schema/validate';

export const MAX_TEXT_LENGTH = 50 * 1024 * 1024;

export interface CheckOptions {
  fileName?: string;
  format?: SourceFormat;
  profile?: MachineProfile;
  /** target kernel "X.Y"; default the newest known */
  kernel?: string;
  /** run only these rule ids (tests); default all */
  only?: string[];
}

export interface CheckedDocument {
  range: OffsetRange;
  root: SNode | null;
  /** the root is a mapping with a `kdamonds` key */
  isDamonConfig: boolean;
  kconfig: KConfig | null;
  lowered: LoweredDocument | null;
  diagnostics: CoreDiagnostic[];
}

export interface CheckResult {
  format: SourceFormat;
  documents: CheckedDocument[];
  /** all documents' diagnostics, sorted by position */
  diagnostics: CoreDiagnostic[];
}

export function resolveRange(root: SNode, path: ConfigPath, onKey: boolean): OffsetRange {
  const at = nodeAtPath(root, path);
  if (at.depth === path.length) {
    if (onKey && at.pair) return at.pair.key.range;
    if (at.node) return at.node.range;
    if (at.pair) return at.pair.key.range;
  }
  // missing: point at the key of the closest existing ancestor (or its first line)
  if (at.pair) return at.pair.key.range;
  if (at.node) return { start: at.node.range.start, end: Math.min(at.node.range.end, at.node.range.start + 1) };
  return { start: root.range.start, end: root.range.start + 1 };
}

function checkDocument(
  text: string,
  format: SourceFormat,
  src: SourceDocument,
  opts: CheckOptions,
  kernel: KernelVersion,
  kernelText: string,
): CheckedDocument {
  const diagnostics: CoreDiagnostic[] = [...src.diagnostics];
  const root = src.root;
  const isDamonConfig = !!root && root.kind === 'map' && mapGet(root, 'kdamonds') !== undefined;
  const doc: CheckedDocument = { range: src.range, root, isDamonConfig, kconfig: null, lowered: null, diagnostics };
  if (!root) {
    if (!src.diagnostics.some((d) => d.severity === 'error') && text.slice(src.range.start, src.range.end).trim() !== '') {
      diagnostics.push({
        code: 'not-a-config',
        severity: 'error',
        message: 'expected a mapping with a "kdamonds" key',
        range: { start: src.range.start, end: src.range.start + 1 },
      });
    }
    return doc;
  }
  diagnostics.push(...schemaDiagnostics(root, format));
  const lowered = lowerDocument(root, diagnostics);
  doc.lowered = lowered;
  doc.kconfig = lowered.kconfig;
  if (root.kind !== 'map') return doc;

  const ctx = ruleContext(text, format, root, lowered, opts, kernel, kernelText);
  for (const rule of RULES) {
    if (opts.only && !opts.only.includes(rule.id)) continue;
    runRule(rule, ctx, diagnostics);
  }
  return doc;
}

/** The context the semantic rules read (shared with the incremental check, which builds it per item). */
export function ruleContext(
  text: string,
  format: SourceFormat,
  root: SNode,
  lowered: LoweredDocument,
  opts: CheckOptions,
  kernel: KernelVersion,
  kernelText: string,
): RuleContext {
  return {
    text,
    format,
    root,
    kconfig: lowered.kconfig,
    lowered,
    profile: opts.profile,
    kernel,
    kernelText,
    node: (path) => {
      const at = nodeAtPath(root, path);
      return at.depth === path.length ? at.node : undefined;
    },
    rangeOf: (path, onKey = false) => resolveRange(root, path, onKey),
    report: () => undefined,
  };
}

/**
 * Run one rule (or, with `check`, part of it: one group of a cross-item rule), appending its findings
 * (paths resolved to ranges in `ctx.root`) to `diagnostics`.
 */
export function runRule(rule: Rule, ctx: RuleContext, diagnostics: CoreDiagnostic[], check: () => void = () => rule.check(ctx)): void {
  const root = ctx.root;
  ctx.report = (r: RuleReport) => {
    diagnostics.push({
      code: rule.id,
      severity: r.severity ?? rule.severity,
      message: r.message,
      range: r.range ?? resolveRange(root, r.path, !!r.onKey),
      path: r.path,
      ...(r.related?.length ? { related: r.related } : {}),
      ...(r.fixes?.length ? { fixes: r.fixes } : {}),
    });
  };
  try {
    check();
  } catch (e) {
    diagnostics.push({
      code: 'internal-error',
      severity: 'warning',
      message: `rule ${rule.id} failed on this document: ${(e as Error).message}`,
      range: { start: root.range.start, end: root.range.start + 1 },
    });
  }
}

/** The target kernel of a check (text and parsed). */
export function kernelOf(opts: CheckOptions): { kernel: KernelVersion; kernelText: string } {
  const kernelText = opts.kernel ?? opts.profile?.kernel ?? NEWEST_KNOWN_KERNEL;
  const kernel = parseKernelVersion(kernelText) ?? (parseKernelVersion(NEWEST_KNOWN_KERNEL) as KernelVersion);
  return { kernel, kernelText };
}

export function checkText(text: string, opts: CheckOptions = {}): CheckResult {
  const format = opts.format ?? formatFor(opts.fileName, text);
  const { kernel, kernelText } = kernelOf(opts);
  if (text.length > MAX_TEXT_LENGTH) {
    const d: CoreDiagnostic = {
      code: 'file-too-large',
      severity: 'error',
      message: `the file is ${formatBytes(text.length)}; DAMON configs are small, so it was not read (limit ${formatBytes(MAX_TEXT_LENGTH)})`,
      range: { start: 0, end: 1 },
    };
    return { format, documents: [], diagnostics: [d] };
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const d: CoreDiagnostic = {
      code: 'binary-file',
      severity: 'error',
      message: 'the file contains NUL bytes: it is binary, not a YAML or JSON config',
      range: { start: nul, end: nul + 1 },
    };
    return { format, documents: [], diagnostics: [d] };
  }
  const sources = format === 'json' ? [parseJson(text)] : parseYaml(text);
  const documents = sources.map((s) => checkDocument(text, format, s, opts, kernel, kernelText));
  // one YAML indentation mistake: one error in words at its line, the cascade suppressed
  if (format === 'yaml') for (const doc of documents) doc.diagnostics = explainIndentation(text, doc.diagnostics);
  const clamp = (r: OffsetRange) => {
    r.start = Math.max(0, Math.min(r.start, text.length));
    r.end = Math.max(r.start, Math.min(r.end, text.length));
  };
  for (const doc of documents) {
    for (const d of doc.diagnostics) {
      clamp(d.range);
      for (const rel of d.related ?? []) clamp(rel.range);
    }
  }
  if (isEmptyConfigText(text, format)) {
    // one verdict for an empty file everywhere (check, plan, simulate, the editor): this error alone
    const d: CoreDiagnostic = {
      code: 'empty-file',
      severity: 'error',
      message: 'the file is empty (nothing but whitespace or comments): a DAMON config needs a top-level "kdamonds" key (see examples/)',
      range: { start: 0, end: Math.min(1, text.length) },
    };
    documents.forEach((doc, i) => (doc.diagnostics = i === 0 ? [d] : []));
    return { format, documents, diagnostics: [d] };
  }
  const diagnostics = finishDiagnostics(
    text,
    documents.flatMap((d) => d.diagnostics),
  );
  return { format, documents, diagnostics };
}

/** Only whitespace, comments and (YAML) document markers: nothing a config could be made of. */
export function isEmptyConfigText(text: string, format: 'yaml' | 'json'): boolean {
  // one linear scan (a single regular expression with \s and comments as alternatives backtracked
  // exponentially on CR-only text: the fuzz target found a 1.8 KB script that took minutes)
  if (format === 'json') {
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\ufeff') i++;
      else if (text.startsWith('//', i)) {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? text.length : nl + 1;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) return false;
        i = end + 2;
      } else return false;
    }
    return true;
  }
  for (const raw of text.split(/\r\n|\r|\n/)) {
    let line = raw.trim();
    if (line.startsWith('---') || line.startsWith('...')) {
      if (line.length > 3 && !/\s/.test(line[3])) return false;
      line = line.slice(3).trim();
    }
    if (line !== '' && !line.startsWith('#')) return false;
  }
  return true;
}

/** Whether a file is a DAMON config: by name, or by a root `kdamonds` key. */
export function isDamonConfigText(text: string, fileName?: string): boolean {
  if (fileName && /\.damon\.(?:ya?ml|json)$/i.test(fileName)) return true;
  if (text.length > MAX_TEXT_LENGTH) return false;
  // cheap pre-check before parsing
  if (!/["']?kdamonds["']?\s*:/.test(text)) return false;
  const format = formatFor(fileName, text);
  const docs = format === 'json' ? [parseJson(text)] : parseYaml(text);
  return docs.some((d) => d.root?.kind === 'map' && mapGet(d.root, 'kdamonds') !== undefined);
}
