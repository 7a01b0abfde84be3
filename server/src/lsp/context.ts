/**
 * The state one language-server instance shares between its handler modules: open documents, the
 * analysis cache, the settings and the loaded machine profile, the client's capabilities, and the
 * conversions from the core's offset ranges to LSP positions.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DiagnosticSeverity,
  DiagnosticTag,
  TextDocuments,
  type Connection,
  type Diagnostic,
  type Range,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCache, type Analysis } from '../ide/analysis';
import { NEWEST_KNOWN_KERNEL, RULES_BY_ID, type CoreDiagnostic, type MachineProfile, type OffsetRange, type TextEdit } from '../ide/core';
import { DEFAULT_SETTINGS, MAX_EDITOR_TEXT_LENGTH, type DamonSettings, type SettingsSource } from '../ide/protocol';
import { DAMO_CODE_DOCS } from '../ide/shell';
import { GoalValueStore } from '../ide/values';

export interface StartOptions {
  /** the installed package's root (holds docs/rules/); default: found from this module's location */
  packageRoot?: string;
  /** log sink besides connection.console (tests) */
  log?: (msg: string) => void;
}

/** What the client said it can do (InitializeParams.capabilities), reduced to what the server asks. */
export interface ClientCaps {
  pullConfig: boolean;
  refreshInlay: boolean;
  refreshLens: boolean;
  relatedInfo: boolean;
  /** the client applies WorkspaceEdits that create files (CreateFile + TextDocumentEdit) */
  createFiles: boolean;
  applyEdit: boolean;
  showDocument: boolean;
}

const SEVERITY: Record<CoreDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function defaultPackageRoot(): string {
  // dist/server.js → package root; server/src/lsp/*.ts → package root (tests)
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const up of ['..', '../..', '../../..']) {
    const p = join(here, up);
    if (existsSync(join(p, 'package.json'))) return p;
  }
  return process.cwd();
}

export class ServerContext {
  readonly documents = new TextDocuments(TextDocument);
  readonly store = new GoalValueStore();
  readonly packageRoot: string;
  settings: DamonSettings = DEFAULT_SETTINGS;
  settingsSource: SettingsSource = 'defaults';
  workspaceRoot: string | undefined;
  caps: ClientCaps = {
    pullConfig: false,
    refreshInlay: false,
    refreshLens: false,
    relatedInfo: true,
    createFiles: false,
    applyEdit: false,
    showDocument: false,
  };
  /** bumped by settings/profile changes: invalidates every cached analysis */
  generation = 0;
  profile: MachineProfile | undefined;
  profileError: string | undefined;
  profileLoaded: { path: string; mtimeMs: number } | undefined;
  readonly cache: AnalysisCache;

  constructor(
    readonly connection: Connection,
    private readonly options: StartOptions,
  ) {
    this.packageRoot = options.packageRoot ?? defaultPackageRoot();
    this.cache = new AnalysisCache(() => ({ kernel: this.kernel(), profile: this.profile, generation: this.generation }));
  }

  log(msg: string): void {
    this.options.log?.(msg);
    this.connection.console.log(msg);
  }

  /** the kernel documents are checked against: the setting, else the profile's */
  kernel(): string {
    return this.settings.kernel || this.profile?.kernel || '';
  }

  kernelOrNewest(): string {
    return this.kernel() || NEWEST_KNOWN_KERNEL;
  }

  analysisOf(uri: string): Analysis | undefined {
    const doc = this.documents.get(uri);
    if (!doc || this.tooLarge(doc)) return undefined;
    return this.cache.get({ uri, version: doc.version, languageId: doc.languageId, text: doc.getText() });
  }

  /** the document is over the editor's size limit: it is not analyzed (see MAX_EDITOR_TEXT_LENGTH) */
  tooLarge(doc: { getText(): string }): boolean {
    return doc.getText().length > MAX_EDITOR_TEXT_LENGTH;
  }

  // ------------------------------------------------------------------------------------ conversions
  toRange(a: Analysis, r: OffsetRange): Range {
    return { start: a.lines.positionAt(r.start), end: a.lines.positionAt(r.end) };
  }

  toOffset(a: Analysis, p: { line: number; character: number }): number {
    return a.lines.offsetAt(p);
  }

  toEdits(a: Analysis, edits: TextEdit[]): LspTextEdit[] {
    return edits.map((e) => ({ range: this.toRange(a, e.range), newText: e.newText }));
  }

  /** per diagnostic code (looked up once: a 10,000-line config publishes hundreds of findings per edit) */
  private readonly hrefs = new Map<string, string | undefined>();

  ruleHref(code: string): string | undefined {
    if (this.hrefs.has(code)) return this.hrefs.get(code);
    const file = join(this.packageRoot, 'docs', 'rules', `${code}.md`);
    let href: string | undefined;
    if (existsSync(file)) href = pathToFileURL(file).toString();
    else if (RULES_BY_ID.has(code) || DAMO_CODE_DOCS[code]) href = `damon-rule:/${code}.md`;
    this.hrefs.set(code, href);
    return href;
  }

  toDiagnostic(a: Analysis, d: CoreDiagnostic): Diagnostic {
    const out: Diagnostic = {
      range: this.toRange(a, d.range),
      severity: SEVERITY[d.severity],
      code: d.code,
      source: 'damon',
      message: d.message,
    };
    const href = this.ruleHref(d.code);
    if (href) out.codeDescription = { href };
    if (this.caps.relatedInfo && d.related?.length) {
      out.relatedInformation = d.related.map((r) => ({ location: { uri: a.uri, range: this.toRange(a, r.range) }, message: r.message }));
    }
    if (/deprecated|legacy/.test(d.code)) out.tags = [DiagnosticTag.Deprecated];
    if (d.path) out.data = { path: d.path };
    return out;
  }
}
