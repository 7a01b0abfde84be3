/**
 * Validation handlers: the debounced check of every open document, publishing its diagnostics and
 * the `damon/status` notification, and the document lifecycle (open, change, close, save).
 */
import type { StatusParams } from '../ide/protocol';
import { Notifications } from '../ide/protocol';
import type { ServerContext } from './context';
import type { SettingsHandlers } from './settings';

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
    const { ctx } = this;
    this.timers.delete(uri);
    const doc = ctx.documents.get(uri);
    if (!doc) return;
    this.lastRun.set(uri, Date.now());
    const a = ctx.analysisOf(uri);
    if (!a) return;
    if (!a.damon) {
      if (this.published.has(uri)) {
        void ctx.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [] });
        this.published.delete(uri);
      }
      void ctx.connection.sendNotification(Notifications.status, { uri, damon: false, kernel: ctx.kernelOrNewest(), errors: 0, warnings: 0 } satisfies StatusParams);
      return;
    }
    const diagnostics = a.result.diagnostics.map((d) => ctx.toDiagnostic(a, d));
    this.published.add(uri);
    void ctx.connection.sendDiagnostics({ uri, version: a.version, diagnostics });
    const status: StatusParams = {
      uri,
      damon: true,
      kernel: ctx.kernelOrNewest(),
      profileName: ctx.profile?.name,
      profilePath: ctx.profileLoaded?.path,
      profileError: ctx.profileError,
      errors: a.result.diagnostics.filter((d) => d.severity === 'error').length,
      warnings: a.result.diagnostics.filter((d) => d.severity === 'warning').length,
    };
    void ctx.connection.sendNotification(Notifications.status, status);
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
    this.timers.set(uri, setTimeout(() => this.validate(uri), wait));
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
