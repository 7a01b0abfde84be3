/**
 * Workspace and custom-protocol handlers: workspace/executeCommand (checked config, "Convert to config
 * file", show document), the goal-value notifications and the `damon/ruleDoc` request.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkspaceEdit } from 'vscode-languageserver';
import { CONVERT_TITLE } from '../ide/codeLens';
import { RULES_BY_ID, toJS } from '../ide/core';
import { Notifications, ServerCommands, type ConvertTarget, type ExplainResult, type GoalValuesParams } from '../ide/protocol';
import { explainMarkdown } from '../ide/explain';
import { conversionAt, DAMO_CODE_DOCS, type Conversion } from '../ide/shell';
import type { ServerContext } from './context';

/** The WorkspaceEdit that creates the converted config file: CreateFile, then its text. */
export function conversionEdit(conv: Conversion): WorkspaceEdit {
  return {
    documentChanges: [
      { kind: 'create', uri: conv.uri, options: { overwrite: false, ignoreIfExists: false } },
      {
        textDocument: { uri: conv.uri, version: null },
        edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: conv.yaml }],
      },
    ],
  };
}

export class CommandHandlers {
  constructor(private readonly ctx: ServerContext) {}

  register(): void {
    const { connection, store } = this.ctx;
    const onValues =
      (origin: 'simulated' | 'live') =>
      (params: GoalValuesParams): void => {
        const n = store.apply(origin, params);
        this.ctx.log(`${n} ${origin} goal value(s) for ${params?.uri}`);
        if (this.ctx.caps.refreshInlay) void connection.languages.inlayHint.refresh().catch(() => undefined);
      };
    connection.onNotification(Notifications.simulatedValues, onValues('simulated'));
    connection.onNotification(Notifications.liveValues, onValues('live'));
    connection.onRequest('damon/ruleDoc', (p: { id?: string }) => {
      const rule = p?.id ? RULES_BY_ID.get(p.id) : undefined;
      if (rule) return `# ${rule.id}: ${rule.title}\n\nSeverity: ${rule.severity}\n\n${rule.explanation}\n`;
      const damo = p?.id && Object.hasOwn(DAMO_CODE_DOCS, p.id) ? DAMO_CODE_DOCS[p.id] : undefined;
      return damo
        ? `# ${p.id}: ${damo.title}\n\nA finding of the damo command-line reader (damo start|tune in shell scripts and pasted commands).\n\n${damo.explanation}\n`
        : null;
    });
    connection.onExecuteCommand(async (p) => {
      if (p.command === ServerCommands.explain) {
        const uri = (p.arguments?.[0] as { uri?: string } | undefined)?.uri;
        const a = typeof uri === 'string' ? this.ctx.analysisOf(uri) : undefined;
        if (!a?.damon || a.kind !== 'config') return null;
        const name = decodeURIComponent(a.uri.split('/').pop() ?? a.uri);
        return { title: `Explanation of ${name}`, markdown: explainMarkdown(a, name) } satisfies ExplainResult;
      }
      if (p.command === ServerCommands.convertToConfig) return this.convertToConfig(p.arguments?.[0] as ConvertTarget | undefined);
      if (p.command === ServerCommands.showDocument) {
        const uri = (p.arguments?.[0] as { uri?: string } | undefined)?.uri;
        if (typeof uri === 'string') await this.showDocument(uri);
        return null;
      }
      if (p.command === ServerCommands.checkedConfig) {
        const uri = (p.arguments?.[0] as { uri?: string } | undefined)?.uri;
        const a = typeof uri === 'string' ? this.ctx.analysisOf(uri) : undefined;
        if (!a?.damon || a.kind !== 'config') return null;
        const errors = a.result.diagnostics.filter((d) => d.severity === 'error').length;
        return {
          uri: a.uri,
          version: a.version,
          errors,
          format: a.format,
          kernel: this.ctx.kernelOrNewest(),
          documents: a.result.documents.map((d) => ({ config: toJS(d.root), kconfig: d.kconfig })),
        };
      }
      return null;
    });
  }

  async showDocument(uri: string): Promise<void> {
    if (!this.ctx.caps.showDocument) return;
    try {
      await this.ctx.connection.window.showDocument({ uri, takeFocus: true });
    } catch (e) {
      this.ctx.log(`could not show ${uri}: ${(e as Error).message}`);
    }
  }

  /** "Convert to config file" run as a command (code lens, or clients that cannot create files from a code action edit). */
  async convertToConfig(target: ConvertTarget | undefined): Promise<{ uri: string } | null> {
    const { ctx } = this;
    const a = typeof target?.uri === 'string' ? ctx.analysisOf(target.uri) : undefined;
    const conv = a && typeof target?.offset === 'number' ? conversionAt(a, target.offset) : null;
    if (!conv) return null;
    try {
      if (ctx.caps.applyEdit && ctx.caps.createFiles) {
        const r = await ctx.connection.workspace.applyEdit({ label: CONVERT_TITLE, edit: conversionEdit(conv) });
        if (!r.applied) {
          ctx.log(`${CONVERT_TITLE}: the editor did not create ${conv.uri}${r.failureReason ? `: ${r.failureReason}` : ''}`);
          return null;
        }
      } else if (conv.uri.startsWith('file:')) {
        writeFileSync(fileURLToPath(conv.uri), conv.yaml, { flag: 'wx' });
      } else {
        void ctx.connection.window.showErrorMessage(`${CONVERT_TITLE}: this editor cannot create ${conv.uri}`);
        return null;
      }
    } catch (e) {
      const msg = `${CONVERT_TITLE}: could not create ${conv.uri}: ${(e as Error).message}`;
      ctx.log(msg);
      void ctx.connection.window.showErrorMessage(msg);
      return null;
    }
    ctx.log(`${CONVERT_TITLE}: created ${conv.uri}`);
    await this.showDocument(conv.uri);
    return { uri: conv.uri };
  }
}
