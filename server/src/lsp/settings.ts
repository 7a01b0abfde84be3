/**
 * Settings handlers: where the `damon` settings come from (initializationOptions,
 * workspace/configuration, workspace/didChangeConfiguration) and loading the machine profile they name.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../ide/core';
import { normalizeSettings } from '../ide/protocol';
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
      const s = (change.settings as { damon?: unknown } | null | undefined)?.damon;
      if (s !== undefined) this.applySettings(s);
      else void this.pullSettings();
    });
  }

  /** settings sent in initialize (initializationOptions.settings) */
  fromInitialize(init: unknown): void {
    const s = (init as { settings?: unknown } | undefined)?.settings;
    if (s) this.ctx.settings = normalizeSettings(s);
    this.refreshProfile();
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
      const r = loadProfile(readFileSync(p, 'utf8'), p);
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
      this.applySettings(damon);
    } catch (e) {
      ctx.log(`could not read the damon settings: ${(e as Error).message}`);
    }
  }

  applySettings(raw: unknown): void {
    this.ctx.settings = normalizeSettings(raw);
    this.refreshProfile();
    this.validation.revalidateAll();
  }
}
