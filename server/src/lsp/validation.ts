/**
 * Validation handlers: the debounced check of every open document, publishing its diagnostics and
 * the `damon/status` notification, and the document lifecycle (open, change, close, save).
 */
import type { StatusParams } from '../ide/protocol';
import { isServed, isShellDocument, type Analysis } from '../ide/analysis';
import { MAX_EDITOR_TEXT_LENGTH, Notifications } from '../ide/protocol';
import type { ServerContext } from './context';
import type { SettingsHandlers } from './settings';
import { formatBytes, MAX_TEXT_LENGTH } from '../ide/core';

export class ValidationHandlers {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastRun = new Map<string, number>();
  private readonly published = new Set<string>();

  constructor(private readonly ctx: ServerContext) {}

  register(settings: SettingsHandlers): void {
    const { documents, connection, cache, store } = this.ctx;
    documents.onDidOpen((e) => this.schedule(e.document.uri, true));
    documents.onDidChangeContent((e) => this.schedule(e.document.uri));
    documents.onDidClose((e) => {
      const uri = e.document.uri;
      const t = this.timers.get(uri);
      if (t) clearTimeout(t);
      this.timers.delete(uri);
      this.lastRun.delete(uri);
      cache.delete(uri);
      store.clear(uri);
      if (this.published.delete(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    });
    documents.onDidSave(() => {
      if (settings.refreshProfile()) this.revalidateAll();
    });
  }

  validate(uri: string): void {
    try {
      this.validateNow(uri);
    } catch (e) {
      // a bug must cost one document's diagnostics, not the server
      this.ctx.log(`checking ${uri} failed: ${(e as Error).stack ?? (e as Error).message}`);
    }
  }

  private validateNow(uri: string): void {
    const { ctx } = this;
    this.timers.delete(uri);
    const doc = ctx.documents.get(uri);
    if (!doc) return;
    this.lastRun.set(uri, Date.now());
    if (ctx.tooLarge(doc)) {
      this.refuseLarge(uri, doc);
      return;
    }
    if (!this.published.has(uri)) {
      // just opened: the first screen's findings now, the whole file on the next turn
      const pv = ctx.cache.preview({ uri, version: doc.version, languageId: doc.languageId, text: doc.getText() });
      if (pv) {
        const shim = { uri, lines: pv.lines } as Analysis;
        this.published.add(uri);
        void ctx.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: pv.diagnostics.map((d) => ctx.toDiagnostic(shim, d)) });
        this.timers.set(
          uri,
          setTimeout(() => this.validate(uri), 0),
        );
        return;
      }
    }
    const a = ctx.analysisOf(uri);
    if (!a) return;
    if (!a.damon) {
      if (this.published.has(uri)) {
        void ctx.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [] });
        this.published.delete(uri);
      }
      void ctx.connection.sendNotification(Notifications.status, {
        uri,
        damon: false,
        kernel: ctx.kernelOrNewest(),
        settingsSource: ctx.settingsSource,
        errors: 0,
        warnings: 0,
      } satisfies StatusParams);
      return;
    }
    const diagnostics = a.result.diagnostics.map((d) => ctx.toDiagnostic(a, d));
    this.published.add(uri);
    void ctx.connection.sendDiagnostics({ uri, version: a.version, diagnostics });
    this.sendStatus(
      uri,
      a.result.diagnostics.filter((d) => d.severity === 'error').length,
      a.result.diagnostics.filter((d) => d.severity === 'warning').length,
    );
  }

  /** the status bar's view of a DAMON document: kernel, profile, settings and its error and warning counts */
  private sendStatus(uri: string, errors: number, warnings: number): void {
    const { ctx } = this;
    void ctx.connection.sendNotification(Notifications.status, {
      uri,
      damon: true,
      kernel: ctx.kernelOrNewest(),
      profileName: ctx.profile?.name,
      profilePath: ctx.profileLoaded?.path,
      profileError: ctx.profileError,
      settingsSource: ctx.settingsSource,
      errors,
      warnings,
    } satisfies StatusParams);
  }

  /** One diagnostic for a document over the editor's size limit (only for documents the server serves). */
  private refuseLarge(uri: string, doc: { version: number; languageId: string; getText(): string }): void {
    const { ctx } = this;
    const text = doc.getText();
    const head = text.slice(0, 200_000);
    if (!isServed(uri, doc.languageId, head) && !(isShellDocument(uri, doc.languageId, head) && /damo/.test(head))) return;
    const message = `the document is ${formatBytes(text.length)}; the DAMON language server analyzes documents up to ${formatBytes(MAX_EDITOR_TEXT_LENGTH)}, so it was not checked (run \`damon-config check\` on the file: the CLI reads up to ${formatBytes(MAX_TEXT_LENGTH)})`;
    // the first line ends at the first line break of any kind (LSP counts a lone CR as one)
    const end = text.slice(0, 201).search(/[\r\n]/);
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: Math.min(end < 0 ? text.length : end, 200) } };
    this.published.add(uri);
    void ctx.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [{ range, severity: 1, code: 'file-too-large', source: 'damon', message }] });
    this.sendStatus(uri, 1, 0);
  }

  /**
   * Leading-edge debounce: a change to a document that was not validated within the delay is
   * validated on the next tick; changes arriving faster than the delay (typing) are coalesced and
   * validated once, `delay` ms after the last one.
   */
  schedule(uri: string, immediate = false): void {
    const pending = this.timers.get(uri);
    if (pending) clearTimeout(pending);
    const delay = this.ctx.settings.validation.delay;
    const since = Date.now() - (this.lastRun.get(uri) ?? 0);
    const wait = immediate || (!pending && since >= delay) ? 0 : delay;
    this.timers.set(
      uri,
      setTimeout(() => this.validate(uri), wait),
    );
  }

  /** settings or profile changed: re-check every document and ask the client to refresh hints and lenses */
  revalidateAll(): void {
    const { ctx } = this;
    ctx.generation++;
    for (const d of ctx.documents.all()) this.schedule(d.uri, true);
    if (ctx.caps.refreshInlay) void ctx.connection.languages.inlayHint.refresh().catch(() => undefined);
    if (ctx.caps.refreshLens) void ctx.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  /** settle pending debounced validations now */
  flush(): void {
    for (const [uri, t] of [...this.timers]) {
      clearTimeout(t);
      this.validate(uri);
    }
  }
}
