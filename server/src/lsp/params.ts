/**
 * Hostile or broken client input: parameter checks for requests (an invalid one is answered with
 * -32602 InvalidParams, not an internal error) and for the document-sync notifications (a didOpen
 * whose text is not a string is logged and ignored instead of taking the server down).
 */
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function invalid(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

export function isPosition(p: unknown): p is { line: number; character: number } {
  return isObj(p) && isUint(p.line) && isUint(p.character);
}

/** `params.textDocument.uri` (and `params.position` / `params.range` when `need` says so), or throws InvalidParams. */
export function checkParams(method: string, p: unknown, need: { position?: boolean; range?: boolean } = {}): void {
  if (!isObj(p) || !isObj(p.textDocument) || typeof p.textDocument.uri !== 'string') throw invalid(`${method}: params.textDocument.uri must be a string`);
  if (need.position && !isPosition(p.position)) throw invalid(`${method}: params.position must be {line, character} with non-negative integers`);
  if (need.range && !(isObj(p.range) && isPosition(p.range.start) && isPosition(p.range.end)))
    throw invalid(`${method}: params.range must be {start, end} positions`);
}

/**
 * The connection as TextDocuments.listen() sees it: didOpen and didChange notifications with a
 * malformed document (text not a string, no uri, changes that are not text) are dropped with a log
 * line; everything else passes through unchanged.
 */
export function guardedSync(connection: Connection, log: (msg: string) => void): Connection {
  const openOk = (e: unknown): boolean => {
    const td = isObj(e) ? e.textDocument : undefined;
    return isObj(td) && typeof td.uri === 'string' && typeof td.text === 'string' && typeof td.version === 'number';
  };
  const changeOk = (e: unknown): boolean => {
    const td = isObj(e) ? e.textDocument : undefined;
    const changes = isObj(e) ? e.contentChanges : undefined;
    return (
      isObj(td) &&
      typeof td.uri === 'string' &&
      typeof td.version === 'number' &&
      Array.isArray(changes) &&
      changes.every(
        (c) => isObj(c) && typeof c.text === 'string' && (c.range === undefined || (isObj(c.range) && isPosition(c.range.start) && isPosition(c.range.end))),
      )
    );
  };
  const uriOf = (e: unknown): string => String((isObj(e) && isObj(e.textDocument) && e.textDocument.uri) || '(no uri)');
  const guarded = Object.create(connection) as Connection;
  guarded.onDidOpenTextDocument = (h) =>
    connection.onDidOpenTextDocument((e) => {
      if (openOk(e)) return h(e);
      log(`textDocument/didOpen ignored for ${uriOf(e)}: textDocument needs a string uri, a numeric version and a string text`);
    });
  guarded.onDidChangeTextDocument = (h) =>
    connection.onDidChangeTextDocument((e) => {
      if (changeOk(e)) return h(e);
      log(`textDocument/didChange ignored for ${uriOf(e)}: it needs a numeric version and contentChanges with string text`);
    });
  const byUri =
    <T>(name: string, on: (h: (e: T) => void) => unknown) =>
    (h: (e: T) => void) =>
      on((e: T) => {
        if (isObj(e) && isObj((e as Record<string, unknown>).textDocument)) return h(e);
        log(`${name} ignored: no textDocument`);
      });
  guarded.onDidCloseTextDocument = byUri('textDocument/didClose', connection.onDidCloseTextDocument.bind(connection)) as Connection['onDidCloseTextDocument'];
  guarded.onDidSaveTextDocument = byUri('textDocument/didSave', connection.onDidSaveTextDocument.bind(connection)) as Connection['onDidSaveTextDocument'];
  return guarded;
}
