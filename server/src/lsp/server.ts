/**
 * Wires the DAMON core to LSP. `startServer(connection)` registers every handler on a connection the
 * caller created (stdio, IPC, or in-process streams in tests). No work happens at import time.
 * The handlers live in one module per concern (as yaml-language-server does): `settings.ts`,
 * `validation.ts`, `language.ts` (features), `commands.ts` (executeCommand and the custom protocol);
 * `context.ts` is the state they share.
 */
import { CodeActionKind, TextDocumentSyncKind, type Connection, type InitializeParams, type InitializeResult } from 'vscode-languageserver';
import { fileURLToPath } from 'node:url';
import { ServerCommands } from '../ide/protocol';
import type { GoalValueStore } from '../ide/values';
import { CommandHandlers } from './commands';
import { ServerContext, type StartOptions } from './context';
import { LanguageHandlers } from './language';
import { guardedSync } from './params';
import { SettingsHandlers } from './settings';
import { ValidationHandlers } from './validation';
import { VERSION } from '../version';

export type { StartOptions } from './context';

export interface ServerHandle {
  /** settle pending debounced validations now (tests, benchmarks) */
  flush(): void;
  readonly store: GoalValueStore;
}

export function startServer(connection: Connection, options: StartOptions = {}): ServerHandle {
  const ctx = new ServerContext(connection, options);
  const settings = new SettingsHandlers(ctx);
  const validation = new ValidationHandlers(ctx);

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    ctx.caps = {
      pullConfig: !!caps.workspace?.configuration,
      refreshInlay: !!caps.workspace?.inlayHint?.refreshSupport,
      refreshLens: !!caps.workspace?.codeLens?.refreshSupport,
      relatedInfo: caps.textDocument?.publishDiagnostics?.relatedInformation !== false,
      applyEdit: !!caps.workspace?.applyEdit,
      createFiles: !!caps.workspace?.workspaceEdit?.documentChanges && !!caps.workspace.workspaceEdit.resourceOperations?.includes('create'),
      showDocument: !!caps.window?.showDocument?.support,
    };
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    if (folder?.startsWith('file:')) ctx.workspaceRoot = fileURLToPath(folder);
    else if (params.rootPath) ctx.workspaceRoot = params.rootPath;
    settings.fromInitialize(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':', ' ', '"', '-', '/'], resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, 'source.fixAll.damon'] },
        codeLensProvider: { resolveProvider: false },
        inlayHintProvider: { resolveProvider: false },
        documentSymbolProvider: { label: 'DAMON' },
        executeCommandProvider: {
          commands: [ServerCommands.checkedConfig, ServerCommands.convertToConfig, ServerCommands.showDocument, ServerCommands.explain],
        },
      },
      serverInfo: { name: 'damon-config', version: VERSION },
    };
  });

  settings.register(validation);
  validation.register(settings);
  new CommandHandlers(ctx).register();
  new LanguageHandlers(ctx).register();
  ctx.documents.listen(guardedSync(connection, (m) => ctx.log(m)));

  return {
    flush: () => validation.flush(),
    store: ctx.store,
  };
}
