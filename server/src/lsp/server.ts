/**
 * Wires the DAMON core to LSP. `startServer(connection)` registers every handler on a connection the
 * caller created (stdio, IPC, or in-process streams in tests). No work happens at import time.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind, CompletionItemKind, DiagnosticSeverity, DiagnosticTag, InlayHintKind as LspInlayHintKind, InsertTextFormat, MarkupKind,
  SymbolKind, TextDocumentSyncKind, TextDocuments,
  type CancellationToken, type CodeAction, type CodeLens, type CompletionItem, type Connection, type Diagnostic, type DocumentSymbol,
  type InitializeParams, type InitializeResult, type InlayHint, type Range, type TextEdit as LspTextEdit, type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisCache, type Analysis } from '../ide/analysis';
import { codeLenses } from '../ide/codeLens';
import { fixAll, quickFixes, type Action } from '../ide/codeActions';
import { completeAt, type ItemKind } from '../ide/completion';
import { loadProfile, NEWEST_KNOWN_KERNEL, RULES_BY_ID, toJS, type CoreDiagnostic, type MachineProfile, type OffsetRange, type TextEdit } from '../ide/core';
import { hoverAt } from '../ide/hover';
import { inlayHintsIn } from '../ide/inlayHints';
import {
  DEFAULT_SETTINGS, Notifications, ServerCommands, normalizeSettings,
  type ConvertTarget, type DamonSettings, type GoalValuesParams, type StatusParams,
} from '../ide/protocol';
import { CONVERT_TITLE } from '../ide/codeLens';
import { conversionAt, DAMO_CODE_DOCS, shellHoverAt, type Conversion } from '../ide/shell';
import { outline, type OutlineSymbol } from '../ide/symbols';
import { GoalValueStore } from '../ide/values';

export interface StartOptions {
  /** the installed package's root (holds docs/rules/); default: found from this module's location */
  packageRoot?: string;
  /** log sink besides connection.console (tests) */
  log?: (msg: string) => void;
}

export interface ServerHandle {
  /** settle pending debounced validations now (tests, benchmarks) */
  flush(): void;
  readonly store: GoalValueStore;
}

const SEVERITY: Record<CoreDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function defaultPackageRoot(): string {
  // dist/server.js → package root; server/src/lsp/server.ts → package root (tests)
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const up of ['..', '../..', '../../..']) {
    const p = join(here, up);
    if (existsSync(join(p, 'package.json'))) return p;
  }
  return process.cwd();
}

export function startServer(connection: Connection, options: StartOptions = {}): ServerHandle {
  const documents = new TextDocuments(TextDocument);
  const store = new GoalValueStore();
  const packageRoot = options.packageRoot ?? defaultPackageRoot();
  let settings: DamonSettings = DEFAULT_SETTINGS;
  let workspaceRoot: string | undefined;
  let canPullConfig = false;
  let canRefreshInlay = false;
  let canRefreshLens = false;
  let relatedInfo = true;
  /** the client applies WorkspaceEdits that create files (CreateFile + TextDocumentEdit) */
  let canCreateFiles = false;
  let canApplyEdit = false;
  let canShowDocument = false;
  let generation = 0;
  let profile: MachineProfile | undefined;
  let profileError: string | undefined;
  let profileLoaded: { path: string; mtimeMs: number } | undefined;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const lastRun = new Map<string, number>();
  const published = new Set<string>();

  const log = (msg: string): void => {
    options.log?.(msg);
    connection.console.log(msg);
  };

  // ---------------------------------------------------------------------------------------- profile
  function profilePath(): string | undefined {
    if (!settings.profile) return undefined;
    let p = settings.profile;
    if (p.startsWith('file:')) p = fileURLToPath(p);
    if (p.startsWith('~/')) p = join(process.env.HOME ?? '', p.slice(2));
    return isAbsolute(p) ? p : join(workspaceRoot ?? process.cwd(), p);
  }

  /** (Re)load the profile if its path or file changed; true when something changed. */
  function refreshProfile(): boolean {
    const p = profilePath();
    if (!p) {
      const changed = profile !== undefined || profileError !== undefined;
      profile = undefined;
      profileError = undefined;
      profileLoaded = undefined;
      return changed;
    }
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(p).mtimeMs;
    } catch {
      mtimeMs = -1;
    }
    if (profileLoaded && profileLoaded.path === p && profileLoaded.mtimeMs === mtimeMs) return false;
    profileLoaded = { path: p, mtimeMs };
    if (mtimeMs < 0) {
      profile = undefined;
      profileError = `machine profile ${p} not found`;
      log(profileError);
      return true;
    }
    try {
      const r = loadProfile(readFileSync(p, 'utf8'), p);
      profile = r.profile ?? undefined;
      const errs = r.diagnostics.filter((d) => d.severity === 'error');
      profileError = errs.length ? `machine profile ${p}: ${errs[0].message}` : undefined;
      if (profileError) log(profileError);
      else log(`machine profile ${p} loaded${profile?.name ? ` (${profile.name})` : ''}`);
    } catch (e) {
      profile = undefined;
      profileError = `machine profile ${p} could not be read: ${(e as Error).message}`;
      log(profileError);
    }
    return true;
  }

  function kernel(): string {
    return settings.kernel || profile?.kernel || '';
  }

  const cache = new AnalysisCache(() => ({ kernel: kernel(), profile, generation }));

  function analysisOf(uri: string): Analysis | undefined {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    return cache.get({ uri, version: doc.version, languageId: doc.languageId, text: doc.getText() });
  }

  // ---------------------------------------------------------------------------------------- conversions
  const toRange = (a: Analysis, r: OffsetRange): Range => ({ start: a.lines.positionAt(r.start), end: a.lines.positionAt(r.end) });
  const toOffset = (a: Analysis, p: { line: number; character: number }): number => a.lines.offsetAt(p);
  const toEdits = (a: Analysis, edits: TextEdit[]): LspTextEdit[] => edits.map((e) => ({ range: toRange(a, e.range), newText: e.newText }));

  /** per diagnostic code (looked up once: a 10,000-line config publishes hundreds of findings per edit) */
  const hrefs = new Map<string, string | undefined>();
  function ruleHref(code: string): string | undefined {
    if (hrefs.has(code)) return hrefs.get(code);
    const file = join(packageRoot, 'docs', 'rules', `${code}.md`);
    let href: string | undefined;
    if (existsSync(file)) href = pathToFileURL(file).toString();
    else if (RULES_BY_ID.has(code) || DAMO_CODE_DOCS[code]) href = `damon-rule:/${code}.md`;
    hrefs.set(code, href);
    return href;
  }

  function toDiagnostic(a: Analysis, d: CoreDiagnostic): Diagnostic {
    const out: Diagnostic = {
      range: toRange(a, d.range),
      severity: SEVERITY[d.severity],
      code: d.code,
      source: 'damon',
      message: d.message,
    };
    const href = ruleHref(d.code);
    if (href) out.codeDescription = { href };
    if (relatedInfo && d.related?.length) {
      out.relatedInformation = d.related.map((r) => ({ location: { uri: a.uri, range: toRange(a, r.range) }, message: r.message }));
    }
    if (/deprecated|legacy/.test(d.code)) out.tags = [DiagnosticTag.Deprecated];
    if (d.path) out.data = { path: d.path };
    return out;
  }

  // ---------------------------------------------------------------------------------------- validation
  function validate(uri: string): void {
    timers.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    lastRun.set(uri, Date.now());
    if (!published.has(uri)) {
      // just opened: the first screen's findings now, the whole file on the next turn
      const pv = cache.preview({ uri, version: doc.version, languageId: doc.languageId, text: doc.getText() });
      if (pv) {
        const shim = { uri, lines: pv.lines } as Analysis;
        published.add(uri);
        void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: pv.diagnostics.map((d) => toDiagnostic(shim, d)) });
        timers.set(uri, setTimeout(() => validate(uri), 0));
        return;
      }
    }
    const a = analysisOf(uri);
    if (!a) return;
    if (!a.damon) {
      if (published.has(uri)) {
        void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [] });
        published.delete(uri);
      }
      void connection.sendNotification(Notifications.status, { uri, damon: false, kernel: kernel() || NEWEST_KNOWN_KERNEL, errors: 0, warnings: 0 } satisfies StatusParams);
      return;
    }
    const diagnostics = a.result.diagnostics.map((d) => toDiagnostic(a, d));
    published.add(uri);
    void connection.sendDiagnostics({ uri, version: a.version, diagnostics });
    const status: StatusParams = {
      uri,
      damon: true,
      kernel: kernel() || NEWEST_KNOWN_KERNEL,
      profileName: profile?.name,
      profilePath: profileLoaded?.path,
      profileError,
      errors: a.result.diagnostics.filter((d) => d.severity === 'error').length,
      warnings: a.result.diagnostics.filter((d) => d.severity === 'warning').length,
    };
    void connection.sendNotification(Notifications.status, status);
  }

  /**
   * Leading-edge debounce: a change to a document that was not validated within the delay is
   * validated on the next tick; changes arriving faster than the delay (typing) are coalesced and
   * validated once, `delay` ms after the last one.
   */
  function schedule(uri: string, immediate = false): void {
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    const delay = settings.validation.delay;
    const since = Date.now() - (lastRun.get(uri) ?? 0);
    const wait = immediate || (!pending && since >= delay) ? 0 : delay;
    timers.set(uri, setTimeout(() => validate(uri), wait));
  }

  function revalidateAll(): void {
    generation++;
    for (const d of documents.all()) schedule(d.uri, true);
    if (canRefreshInlay) void connection.languages.inlayHint.refresh().catch(() => undefined);
    if (canRefreshLens) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  async function pullSettings(): Promise<void> {
    if (!canPullConfig) return;
    try {
      const [damon] = await connection.workspace.getConfiguration([{ section: 'damon' }]);
      applySettings(damon);
    } catch (e) {
      log(`could not read the damon settings: ${(e as Error).message}`);
    }
  }

  function applySettings(raw: unknown): void {
    settings = normalizeSettings(raw);
    refreshProfile();
    revalidateAll();
  }

  // ---------------------------------------------------------------------------------------- lifecycle
  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    canPullConfig = !!caps.workspace?.configuration;
    canRefreshInlay = !!caps.workspace?.inlayHint?.refreshSupport;
    canRefreshLens = !!caps.workspace?.codeLens?.refreshSupport;
    relatedInfo = caps.textDocument?.publishDiagnostics?.relatedInformation !== false;
    canApplyEdit = !!caps.workspace?.applyEdit;
    canCreateFiles = !!caps.workspace?.workspaceEdit?.documentChanges && !!caps.workspace.workspaceEdit.resourceOperations?.includes('create');
    canShowDocument = !!caps.window?.showDocument?.support;
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    if (folder?.startsWith('file:')) workspaceRoot = fileURLToPath(folder);
    else if (params.rootPath) workspaceRoot = params.rootPath;
    const init = params.initializationOptions as { settings?: unknown } | undefined;
    if (init?.settings) settings = normalizeSettings(init.settings);
    refreshProfile();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':', ' ', '"', '-', '/'], resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, 'source.fixAll.damon'] },
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: { resolveProvider: false },
        documentSymbolProvider: { label: 'DAMON' },
        executeCommandProvider: { commands: [ServerCommands.checkedConfig, ServerCommands.convertToConfig, ServerCommands.showDocument] },
      },
      serverInfo: { name: 'damon-config', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    void pullSettings();
  });

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { damon?: unknown } | null | undefined)?.damon;
    if (s !== undefined) applySettings(s);
    else void pullSettings();
  });

  documents.onDidOpen((e) => schedule(e.document.uri, true));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    const t = timers.get(e.document.uri);
    if (t) clearTimeout(t);
    timers.delete(e.document.uri);
    lastRun.delete(e.document.uri);
    cache.delete(e.document.uri);
    store.clear(e.document.uri);
    if (published.delete(e.document.uri)) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  documents.onDidSave(() => {
    if (refreshProfile()) revalidateAll();
  });

  // ---------------------------------------------------------------------------------------- custom protocol
  const onValues = (origin: 'simulated' | 'live') => (params: GoalValuesParams): void => {
    const n = store.apply(origin, params);
    log(`${n} ${origin} goal value(s) for ${params?.uri}`);
    if (canRefreshInlay) void connection.languages.inlayHint.refresh().catch(() => undefined);
  };
  connection.onNotification(Notifications.simulatedValues, onValues('simulated'));
  connection.onNotification(Notifications.liveValues, onValues('live'));
  connection.onRequest('damon/ruleDoc', (p: { id?: string }) => {
    const rule = p?.id ? RULES_BY_ID.get(p.id) : undefined;
    if (rule) return `# ${rule.id}: ${rule.title}\n\nSeverity: ${rule.severity}\n\n${rule.explanation}\n`;
    const damo = p?.id && Object.hasOwn(DAMO_CODE_DOCS, p.id) ? DAMO_CODE_DOCS[p.id] : undefined;
    return damo ? `# ${p.id}: ${damo.title}\n\nA finding of the damo command-line reader (damo start|tune in shell scripts and pasted commands).\n\n${damo.explanation}\n` : null;
  });

  /** The WorkspaceEdit that creates the converted config file: CreateFile, then its text. */
  function conversionEdit(conv: Conversion): WorkspaceEdit {
    return {
      documentChanges: [
        { kind: 'create', uri: conv.uri, options: { overwrite: false, ignoreIfExists: false } },
        { textDocument: { uri: conv.uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: conv.yaml }] },
      ],
    };
  }

  async function showDocument(uri: string): Promise<void> {
    if (!canShowDocument) return;
    try {
      await connection.window.showDocument({ uri, takeFocus: true });
    } catch (e) {
      log(`could not show ${uri}: ${(e as Error).message}`);
    }
  }

  /** "Convert to config file" run as a command (code lens, or clients that cannot create files from a code action edit). */
  async function convertToConfig(target: ConvertTarget | undefined): Promise<{ uri: string } | null> {
    const a = typeof target?.uri === 'string' ? analysisOf(target.uri) : undefined;
    const conv = a && typeof target?.offset === 'number' ? conversionAt(a, target.offset) : null;
    if (!conv) return null;
    try {
      if (canApplyEdit && canCreateFiles) {
        const r = await connection.workspace.applyEdit({ label: CONVERT_TITLE, edit: conversionEdit(conv) });
        if (!r.applied) {
          log(`${CONVERT_TITLE}: the editor did not create ${conv.uri}${r.failureReason ? `: ${r.failureReason}` : ''}`);
          return null;
        }
      } else if (conv.uri.startsWith('file:')) {
        writeFileSync(fileURLToPath(conv.uri), conv.yaml, { flag: 'wx' });
      } else {
        void connection.window.showErrorMessage(`${CONVERT_TITLE}: this editor cannot create ${conv.uri}`);
        return null;
      }
    } catch (e) {
      const msg = `${CONVERT_TITLE}: could not create ${conv.uri}: ${(e as Error).message}`;
      log(msg);
      void connection.window.showErrorMessage(msg);
      return null;
    }
    log(`${CONVERT_TITLE}: created ${conv.uri}`);
    await showDocument(conv.uri);
    return { uri: conv.uri };
  }

  connection.onExecuteCommand(async (p) => {
    if (p.command === ServerCommands.convertToConfig) return convertToConfig(p.arguments?.[0] as ConvertTarget | undefined);
    if (p.command === ServerCommands.showDocument) {
      const uri = (p.arguments?.[0] as { uri?: string } | undefined)?.uri;
      if (typeof uri === 'string') await showDocument(uri);
      return null;
    }
    if (p.command === ServerCommands.checkedConfig) {
      const uri = (p.arguments?.[0] as { uri?: string } | undefined)?.uri;
      const a = uri ? analysisOf(uri) : undefined;
      if (!a?.damon || a.kind !== 'config') return null;
      const errors = a.result.diagnostics.filter((d) => d.severity === 'error').length;
      return { uri: a.uri, version: a.version, errors, format: a.format, kernel: kernel() || NEWEST_KNOWN_KERNEL, documents: a.result.documents.map((d) => ({ config: toJS(d.root), kconfig: d.kconfig })) };
    }
    return null;
  });

  // ---------------------------------------------------------------------------------------- features
  const cancelled = (t: CancellationToken | undefined): boolean => !!t?.isCancellationRequested;

  connection.onHover((p, token) => {
    const a = analysisOf(p.textDocument.uri);
    if (!a || cancelled(token)) return null;
    const offset = toOffset(a, p.position);
    const h = a.kind === 'shell' ? shellHoverAt(a, offset) : hoverAt(a, offset, store);
    if (!h) return null;
    return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toRange(a, h.range) };
  });

  const ITEM_KIND: Record<ItemKind, CompletionItemKind> = {
    property: CompletionItemKind.Property,
    value: CompletionItemKind.Value,
    enum: CompletionItemKind.EnumMember,
    snippet: CompletionItemKind.Snippet,
    unit: CompletionItemKind.Unit,
  };

  connection.onCompletion((p, token): CompletionItem[] | null => {
    const a = analysisOf(p.textDocument.uri);
    if (!a || a.kind !== 'config' || cancelled(token)) return null;
    const items = completeAt(a, toOffset(a, p.position));
    return items.map((c) => ({
      label: c.label,
      kind: ITEM_KIND[c.kind],
      detail: c.detail,
      documentation: c.documentation ? { kind: MarkupKind.Markdown, value: c.documentation } : undefined,
      textEdit: { range: toRange(a, c.range), newText: c.insert },
      insertTextFormat: c.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      sortText: c.sortText,
      filterText: c.label,
    }));
  });

  function toCodeAction(a: Analysis, act: Action): CodeAction {
    return {
      title: act.title,
      kind: act.kind,
      isPreferred: act.kind === 'quickfix' ? act.preferred : undefined,
      diagnostics: act.kind === 'quickfix' ? act.diagnostics.map((d) => toDiagnostic(a, d)) : undefined,
      edit: { changes: { [a.uri]: toEdits(a, act.edits) } },
    };
  }

  connection.onCodeAction((p, token) => {
    const a = analysisOf(p.textDocument.uri);
    if (!a?.damon || cancelled(token)) return null;
    const only = p.context.only;
    const wants = (kind: string): boolean => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const out: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      const range = { start: toOffset(a, p.range.start), end: toOffset(a, p.range.end) };
      // restrict to the diagnostics the client sent, when it sent any
      const sent = p.context.diagnostics;
      const filter = sent.length
        ? (d: CoreDiagnostic) => sent.some((s) => s.code === d.code && toOffset(a, s.range.start) === d.range.start && toOffset(a, s.range.end) === d.range.end)
        : undefined;
      for (const act of quickFixes(a, range, filter)) out.push(toCodeAction(a, act));
      if (a.kind === 'shell') {
        // "Convert to config file" on each damo command the range touches
        for (const c of a.commands) {
          if (c.range.start > range.end || range.start > c.range.end) continue;
          const conv = conversionAt(a, c.range.start);
          if (!conv) continue;
          const name = decodeURIComponent(conv.uri.split('/').pop() ?? conv.uri);
          out.push(canCreateFiles
            ? { title: `${CONVERT_TITLE} (${name})`, kind: CodeActionKind.QuickFix, edit: conversionEdit(conv), command: canShowDocument ? { title: `Open ${name}`, command: ServerCommands.showDocument, arguments: [{ uri: conv.uri }] } : undefined }
            : { title: `${CONVERT_TITLE} (${name})`, kind: CodeActionKind.QuickFix, command: { title: CONVERT_TITLE, command: ServerCommands.convertToConfig, arguments: [{ uri: a.uri, offset: c.range.start } satisfies ConvertTarget] } });
        }
      }
    }
    if (wants('source.fixAll.damon')) {
      const all = fixAll(a);
      if (all) out.push(toCodeAction(a, all));
    }
    return out;
  });

  connection.onCodeLens((p, token): CodeLens[] | null => {
    if (!settings.codeLens.enable) return [];
    const a = analysisOf(p.textDocument.uri);
    if (!a || cancelled(token)) return null;
    return codeLenses(a).map((l) => ({ range: toRange(a, l.range), command: { title: l.title, command: l.command, arguments: l.args } }));
  });

  connection.languages.inlayHint.on((p, token): InlayHint[] | null => {
    const a = analysisOf(p.textDocument.uri);
    if (!a || a.kind !== 'config' || cancelled(token)) return null;
    const range = { start: toOffset(a, p.range.start), end: toOffset(a, p.range.end) };
    return inlayHintsIn(a, range, settings, store).map((h) => ({
      position: a.lines.positionAt(h.offset),
      label: h.label,
      kind: h.kind === 'units' ? LspInlayHintKind.Type : undefined,
      paddingLeft: true,
      tooltip: h.tooltip,
    }));
  });

  const SYMBOL_KIND: Record<OutlineSymbol['kind'], SymbolKind> = {
    kdamond: SymbolKind.Module,
    context: SymbolKind.Namespace,
    scheme: SymbolKind.Function,
    goal: SymbolKind.Event,
    filter: SymbolKind.Boolean,
  };

  connection.onDocumentSymbol((p, token): DocumentSymbol[] | null => {
    const a = analysisOf(p.textDocument.uri);
    if (!a || a.kind !== 'config' || cancelled(token)) return null;
    const conv = (s: OutlineSymbol): DocumentSymbol => ({
      name: s.name,
      detail: s.detail,
      kind: SYMBOL_KIND[s.kind],
      range: toRange(a, s.range),
      selectionRange: toRange(a, s.selectionRange),
      children: s.children.map(conv),
    });
    return outline(a).map(conv);
  });

  documents.listen(connection);

  return {
    flush(): void {
      for (const [uri, t] of [...timers]) {
        clearTimeout(t);
        validate(uri);
      }
    },
    store,
  };
}
