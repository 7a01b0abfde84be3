/**
 * Language feature handlers: hover, completion, code actions, code lenses, inlay hints and document
 * symbols. Each asks the analysis cache for the document and converts a pure `ide/` result to LSP.
 */
import {
  CodeActionKind,
  CompletionItemKind,
  ErrorCodes,
  ResponseError,
  InlayHintKind as LspInlayHintKind,
  InsertTextFormat,
  InsertTextMode,
  MarkupKind,
  SymbolKind,
  type CancellationToken,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type DocumentSymbol,
  type InlayHint,
} from 'vscode-languageserver';
import type { Analysis } from '../ide/analysis';
import { fixAll, quickFixes, type Action } from '../ide/codeActions';
import { codeLenses, CONVERT_TITLE } from '../ide/codeLens';
import { completeAt, type ItemKind } from '../ide/completion';
import type { CoreDiagnostic } from '../ide/core';
import { hoverAt } from '../ide/hover';
import { inlayHintsIn } from '../ide/inlayHints';
import { ServerCommands, type ConvertTarget } from '../ide/protocol';
import { conversionAt, shellHoverAt } from '../ide/shell';
import { outline, type OutlineSymbol } from '../ide/symbols';
import { conversionEdit } from './commands';
import { checkParams, isPosition } from './params';
import type { ServerContext } from './context';

const ITEM_KIND: Record<ItemKind, CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  enum: CompletionItemKind.EnumMember,
  snippet: CompletionItemKind.Snippet,
  unit: CompletionItemKind.Unit,
};

const SYMBOL_KIND: Record<OutlineSymbol['kind'], SymbolKind> = {
  kdamond: SymbolKind.Module,
  context: SymbolKind.Namespace,
  scheme: SymbolKind.Function,
  goal: SymbolKind.Event,
  filter: SymbolKind.Boolean,
};

const cancelled = (t: CancellationToken | undefined): boolean => !!t?.isCancellationRequested;

export class LanguageHandlers {
  constructor(private readonly ctx: ServerContext) {}

  register(): void {
    const { ctx } = this;
    const { connection, store } = ctx;

    connection.onHover((p, token) => {
      checkParams('textDocument/hover', p, { position: true });
      const a = ctx.analysisOf(p.textDocument.uri);
      if (!a || cancelled(token)) return null;
      const offset = ctx.toOffset(a, p.position);
      const h = a.kind === 'shell' ? shellHoverAt(a, offset) : hoverAt(a, offset, store);
      if (!h) return null;
      return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: ctx.toRange(a, h.range) };
    });

    connection.onCompletion((p, token): CompletionItem[] | null => {
      checkParams('textDocument/completion', p, { position: true });
      const a = ctx.analysisOf(p.textDocument.uri);
      if (!a || a.kind !== 'config' || cancelled(token)) return null;
      const items = completeAt(a, ctx.toOffset(a, p.position));
      return items.map((c) => ({
        label: c.label,
        kind: ITEM_KIND[c.kind],
        detail: c.detail,
        documentation: c.documentation ? { kind: MarkupKind.Markdown, value: c.documentation } : undefined,
        textEdit: { range: ctx.toRange(a, c.range), newText: c.insert },
        insertTextFormat: c.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
        // multi-line text is indented for its position already: the client must not add the line's indentation
        insertTextMode: c.insert.includes('\n') ? InsertTextMode.asIs : undefined,
        sortText: c.sortText,
        filterText: c.label,
      }));
    });

    connection.onCodeAction((p, token) => {
      checkParams('textDocument/codeAction', p, { range: true });
      if (!Array.isArray(p.context?.diagnostics))
        throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument/codeAction: params.context.diagnostics must be an array');
      const a = ctx.analysisOf(p.textDocument.uri);
      if (!a?.damon || cancelled(token)) return null;
      const only = p.context.only;
      const wants = (kind: string): boolean => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
      const out: CodeAction[] = [];
      if (wants(CodeActionKind.QuickFix)) {
        const range = { start: ctx.toOffset(a, p.range.start), end: ctx.toOffset(a, p.range.end) };
        // restrict to the diagnostics the client sent, when it sent any
        const sent = p.context.diagnostics.filter((s) => s && typeof s === 'object' && s.range && isPosition(s.range.start) && isPosition(s.range.end));
        const filter = sent.length
          ? (d: CoreDiagnostic) =>
              sent.some((s) => s.code === d.code && ctx.toOffset(a, s.range.start) === d.range.start && ctx.toOffset(a, s.range.end) === d.range.end)
          : undefined;
        for (const act of quickFixes(a, range, filter)) out.push(this.toCodeAction(a, act));
        if (a.kind === 'shell') {
          // "Convert to config file" on each damo command the range touches
          for (const c of a.commands) {
            if (c.range.start > range.end || range.start > c.range.end) continue;
            const conv = conversionAt(a, c.range.start);
            if (!conv) continue;
            const name = decodeURIComponent(conv.uri.split('/').pop() ?? conv.uri);
            out.push(
              ctx.caps.createFiles
                ? {
                    title: `${CONVERT_TITLE} (${name})`,
                    kind: CodeActionKind.QuickFix,
                    edit: conversionEdit(conv),
                    command: ctx.caps.showDocument
                      ? { title: `Open ${name}`, command: ServerCommands.showDocument, arguments: [{ uri: conv.uri }] }
                      : undefined,
                  }
                : {
                    title: `${CONVERT_TITLE} (${name})`,
                    kind: CodeActionKind.QuickFix,
                    command: {
                      title: CONVERT_TITLE,
                      command: ServerCommands.convertToConfig,
                      arguments: [{ uri: a.uri, offset: c.range.start } satisfies ConvertTarget],
                    },
                  },
            );
          }
        }
      }
      if (wants('source.fixAll.damon')) {
        const all = fixAll(a);
        if (all) out.push(this.toCodeAction(a, all));
      }
      return out;
    });

    connection.onCodeLens((p, token): CodeLens[] | null => {
      checkParams('textDocument/codeLens', p);
      if (!ctx.settings.codeLens.enable) return [];
      const a = ctx.analysisOf(p.textDocument.uri);
      if (!a || cancelled(token)) return null;
      return codeLenses(a).map((l) => ({ range: ctx.toRange(a, l.range), command: { title: l.title, command: l.command, arguments: l.args } }));
    });

    connection.languages.inlayHint.on((p, token): InlayHint[] | null => {
      checkParams('textDocument/inlayHint', p, { range: true });
      const a = ctx.analysisOf(p.textDocument.uri);
      if (!a || a.kind !== 'config' || cancelled(token)) return null;
      const range = { start: ctx.toOffset(a, p.range.start), end: ctx.toOffset(a, p.range.end) };
      return inlayHintsIn(a, range, ctx.settings, store).map((h) => ({
        position: a.lines.positionAt(h.offset),
        label: h.label,
        kind: h.kind === 'units' ? LspInlayHintKind.Type : undefined,
        paddingLeft: true,
        tooltip: h.tooltip,
      }));
    });

    connection.onDocumentSymbol((p, token): DocumentSymbol[] | null => {
      checkParams('textDocument/documentSymbol', p);
      const a = ctx.analysisOf(p.textDocument.uri);
      if (!a || a.kind !== 'config' || cancelled(token)) return null;
      const conv = (s: OutlineSymbol): DocumentSymbol => ({
        name: s.name,
        detail: s.detail,
        kind: SYMBOL_KIND[s.kind],
        range: ctx.toRange(a, s.range),
        selectionRange: ctx.toRange(a, s.selectionRange),
        children: s.children.map(conv),
      });
      return outline(a).map(conv);
    });
  }

  private toCodeAction(a: Analysis, act: Action): CodeAction {
    const { ctx } = this;
    return {
      title: act.title,
      kind: act.kind,
      isPreferred: act.kind === 'quickfix' ? act.preferred : undefined,
      diagnostics: act.kind === 'quickfix' ? act.diagnostics.map((d) => ctx.toDiagnostic(a, d)) : undefined,
      edit: { changes: { [a.uri]: ctx.toEdits(a, act.edits) } },
    };
  }
}
