/**
 * Settings handlers: where the `damon` settings come from and loading the machine profile they name.
 * Sources, later ones winning: `initializationOptions` at initialize (`{settings: {...}}` as the VS
 * Code client sends it, or `{damon: {...}}` as a Neovim 0.7 `init_options` would), then
 * `workspace/configuration` (requested only when the client declares the capability; an empty answer
 * keeps what initialize gave), then every `workspace/didChangeConfiguration` with `{damon: {...}}`.
 * The source in effect is logged and reported in `damon/status`.
 */
import { statSync } from 'node:fs';
import { FILE_LIMITS, readTextOrThrow } from '../io/files';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../ide/core';
import { normalizeSettings, type SettingsSource } from '../ide/protocol';
import type { ServerContext } from './context';
import type { ValidationHandlers } from './validation';

export class SettingsHandlers {
  private validation!: ValidationHandlers;

  constructor(private readonly ctx: ServerContext) {}

  register(validation: ValidationHandlers): void {
    this.validation = validation;
    const { connection } = this.ctx;
    connection.onInitialized(() => {
      void this.pullSettings();
    });
    connection.onDidChangeConfiguration((change) => {
      const s = (change?.settings as { damon?: unknown } | null | undefined)?.damon;
      if (s !== undefined && s !== null) this.applySettings(s, 'workspace/didChangeConfiguration');
      else if (this.ctx.caps.pullConfig) void this.pullSettings();
      // a push without damon settings from a client that cannot be asked: the profile file may have changed
      else if (this.refreshProfile()) this.validation.revalidateAll();
    });
  }

  /** settings sent in initialize: initializationOptions.settings, .damon, or the damon settings themselves */
  fromInitialize(init: unknown): void {
    const o = init && typeof init === 'object' ? (init as Record<string, unknown>) : undefined;
    const isObj = (v: unknown): boolean => !!v && typeof v === 'object';
    const s = isObj(o?.settings)
      ? o!.settings
      : isObj(o?.damon)
        ? o!.damon
        : o && ['profile', 'kernel', 'inlayHints', 'codeLens', 'validation'].some((k) => k in o)
          ? o
          : undefined;
    if (s) {
      this.ctx.settings = normalizeSettings(s);
      this.ctx.settingsSource = 'initializationOptions';
    }
    this.refreshProfile();
    this.logSource();
  }

  private logSource(): void {
    const { settings, settingsSource } = this.ctx;
    const how = settingsSource === 'defaults' ? 'no damon settings received: defaults' : `damon settings from ${settingsSource}`;
    this.ctx.log(`${how} (profile: ${settings.profile || 'none'}, kernel: ${settings.kernel || 'from the profile, else the newest known'})`);
  }

  profilePath(): string | undefined {
    const { settings, workspaceRoot } = this.ctx;
    if (!settings.profile) return undefined;
    let p = settings.profile;
    if (p.startsWith('file:')) p = fileURLToPath(p);
    if (p.startsWith('~/')) p = join(process.env.HOME ?? '', p.slice(2));
    return isAbsolute(p) ? p : join(workspaceRoot ?? process.cwd(), p);
  }

  /** (Re)load the profile if its path or file changed; true when something changed. */
  refreshProfile(): boolean {
    const { ctx } = this;
    const p = this.profilePath();
    if (!p) {
      const changed = ctx.profile !== undefined || ctx.profileError !== undefined;
      ctx.profile = undefined;
      ctx.profileError = undefined;
      ctx.profileLoaded = undefined;
      return changed;
    }
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(p).mtimeMs;
    } catch {
      mtimeMs = -1;
    }
    if (ctx.profileLoaded && ctx.profileLoaded.path === p && ctx.profileLoaded.mtimeMs === mtimeMs) return false;
    ctx.profileLoaded = { path: p, mtimeMs };
    if (mtimeMs < 0) {
      ctx.profile = undefined;
      ctx.profileError = `machine profile ${p} not found`;
      ctx.log(ctx.profileError);
      return true;
    }
    try {
      const r = loadProfile(readTextOrThrow(p, FILE_LIMITS.profile), p);
      ctx.profile = r.profile ?? undefined;
      const errs = r.diagnostics.filter((d) => d.severity === 'error');
      ctx.profileError = errs.length ? `machine profile ${p}: ${errs[0].message}` : undefined;
      if (ctx.profileError) ctx.log(ctx.profileError);
      else ctx.log(`machine profile ${p} loaded${ctx.profile?.name ? ` (${ctx.profile.name})` : ''}`);
    } catch (e) {
      ctx.profile = undefined;
      ctx.profileError = `machine profile ${p} could not be read: ${(e as Error).message}`;
      ctx.log(ctx.profileError);
    }
    return true;
  }

  async pullSettings(): Promise<void> {
    const { ctx } = this;
    if (!ctx.caps.pullConfig) return;
    try {
      const [damon] = await ctx.connection.workspace.getConfiguration([{ section: 'damon' }]);
      // a client with no damon section answers null: keep what initialize sent
      if (damon === null || damon === undefined || typeof damon !== 'object') {
        ctx.log(`workspace/configuration has no damon section; keeping the settings from ${ctx.settingsSource}`);
        return;
      }
      this.applySettings(damon, 'workspace/configuration');
    } catch (e) {
      ctx.log(`could not read the damon settings: ${(e as Error).message}`);
    }
  }

  applySettings(raw: unknown, source: SettingsSource): void {
    this.ctx.settings = normalizeSettings(raw);
    this.ctx.settingsSource = source;
    this.logSource();
    this.refreshProfile();
    this.validation.revalidateAll();
  }
}
