/**
 * An LSP client for tests: joined to the server either in-process (two PassThrough streams, the
 * server's startServer() on one end) or over the bundled server's stdio. The client answers
 * `workspace/configuration` with the settings given, records publishDiagnostics and damon/status, and
 * lets tests wait for the diagnostics of a given document version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Diagnostic,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer, type ServerHandle } from '../../server/src/lsp/server';
import type { StatusParams } from '../../server/src/ide/protocol';

export interface ClientOptions {
  settings?: Record<string, unknown>;
  rootDir?: string;
  /** extra client capabilities merged into the defaults */
  refreshSupport?: boolean;
  /**
   * The client applies WorkspaceEdits that create files (workspace.applyEdit, documentChanges,
   * resourceOperations: create) and shows documents (window.showDocument). The harness records the
   * edits and shown URIs; the test applies them.
   */
  fileOps?: boolean;
  /** the client does not declare workspace.configuration (Neovim 0.7) */
  noConfiguration?: boolean;
  initializationOptions?: unknown;
}

export interface TestClient {
  conn: ProtocolConnection;
  handle?: ServerHandle;
  child?: ChildProcess;
  settings: Record<string, unknown>;
  status: StatusParams[];
  /** every publishDiagnostics received, in order */
  published: PublishDiagnosticsParams[];
  refreshes: number;
  /** workspace/configuration requests received */
  configurationRequests: number;
  /** window/logMessage texts received */
  logs: string[];
  /** workspace/applyEdit requests received (with fileOps) */
  appliedEdits: WorkspaceEdit[];
  /** window/showDocument requests received (with fileOps) */
  shown: string[];
  /** the server's answer to initialize */
  init?: { capabilities: Record<string, unknown>; serverInfo?: { name: string; version?: string } };
  open(uri: string, text: string, languageId?: string): Promise<void>;
  change(uri: string, text: string): Promise<number>;
  /** wait for diagnostics of `uri` at version ≥ minVersion (default: the current version) */
  diagnostics(uri: string, minVersion?: number, timeoutMs?: number): Promise<Diagnostic[]>;
  request<R>(method: string, params: unknown): Promise<R>;
  notify(method: string, params: unknown): Promise<void>;
  close(): Promise<void>;
}

export const fileUri = (p: string): string => pathToFileURL(p).toString();

function defaultCapabilities(refresh: boolean, fileOps: boolean, configuration: boolean) {
  return {
    workspace: {
      configuration,
      inlayHint: { refreshSupport: refresh },
      codeLens: { refreshSupport: refresh },
      workspaceFolders: true,
      ...(fileOps ? { applyEdit: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } } : {}),
    },
    ...(fileOps ? { window: { showDocument: { support: true } } } : {}),
    textDocument: {
      synchronization: { dynamicRegistration: false },
      publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, dataSupport: true, versionSupport: true },
      hover: { contentFormat: ['markdown', 'plaintext'] },
      completion: { completionItem: { snippetSupport: true } },
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } }, isPreferredSupport: true },
      inlayHint: {},
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
    },
  };
}

async function wire(conn: ProtocolConnection, opts: ClientOptions, extra: Partial<TestClient>): Promise<TestClient> {
  const settings = opts.settings ?? {};
  const published: PublishDiagnosticsParams[] = [];
  const status: StatusParams[] = [];
  const versions = new Map<string, number>();
  const waiters: { uri: string; version: number; resolve: (d: Diagnostic[]) => void }[] = [];
  const client: TestClient = {
    conn,
    settings,
    status,
    published,
    refreshes: 0,
    configurationRequests: 0,
    logs: [],
    appliedEdits: [],
    shown: [],
    async open(uri, text, languageId = 'yaml') {
      versions.set(uri, 1);
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    },
    async change(uri, text) {
      const v = (versions.get(uri) ?? 0) + 1;
      versions.set(uri, v);
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
      return v;
    },
    diagnostics(uri, minVersion, timeoutMs = 10_000) {
      const want = minVersion ?? versions.get(uri) ?? 0;
      const have = [...published].reverse().find((p) => p.uri === uri && (p.version ?? 0) >= want);
      if (have) return Promise.resolve(have.diagnostics);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no diagnostics for ${uri} version ${want} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          uri,
          version: want,
          resolve: (d) => {
            clearTimeout(t);
            resolve(d);
          },
        });
      });
    },
    request: (method, params) => conn.sendRequest(method, params),
    notify: (method, params) => conn.sendNotification(method, params),
    async close() {
      try {
        await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        // in-process, `exit` would end the test process itself (the server library calls process.exit)
        if (extra.child) await conn.sendNotification('exit');
      } catch {
        // the server may already be gone
      }
      conn.dispose();
      extra.child?.kill();
    },
    ...extra,
  };
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    published.push(p);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.uri === p.uri && (p.version ?? 0) >= w.version) {
        waiters.splice(i, 1);
        w.resolve(p.diagnostics);
      }
    }
  });
  conn.onNotification('damon/status', (p: StatusParams) => {
    status.push(p);
  });
  conn.onNotification('window/logMessage', (p: { message: string }) => {
    client.logs.push(p.message);
  });
  conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => {
    client.configurationRequests++;
    return p.items.map((it) => (it.section === 'damon' ? client.settings : null));
  });
  conn.onRequest('workspace/inlayHint/refresh', () => {
    client.refreshes++;
    return null;
  });
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
    client.appliedEdits.push(p.edit);
    return { applied: true };
  });
  conn.onRequest('window/showDocument', (p: { uri: string }) => {
    client.shown.push(p.uri);
    return { success: true };
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const root = opts.rootDir ?? process.cwd();
  client.init = await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: fileUri(root),
    workspaceFolders: [{ uri: fileUri(root), name: 'test' }],
    capabilities: defaultCapabilities(opts.refreshSupport ?? true, opts.fileOps ?? false, !opts.noConfiguration),
    initializationOptions: opts.initializationOptions,
  });
  await conn.sendNotification('initialized', {});
  return client;
}

/** Server and client in this process, joined by two streams. */
export async function inProcess(opts: ClientOptions = {}): Promise<TestClient> {
  const up = new PassThrough();
  const down = new PassThrough();
  const serverConn = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
  const handle = startServer(serverConn);
  serverConn.listen();
  const conn = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  return wire(conn, opts, { handle });
}

/** The bundled server, spawned with --stdio. */
export async function overStdio(serverJs: string, opts: ClientOptions = {}): Promise<TestClient> {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.on('exit', (code) => {
    if (code && code !== 0) process.stderr.write(`server exited with ${code}: ${stderr}\n`);
  });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  return wire(conn, opts, { child });
}

/** Apply LSP text edits (one document) to a text: from the end, so offsets stay valid. */
export function applyEdits(
  text: string,
  edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[],
): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const off = (p: { line: number; character: number }) => (starts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

/** Position (0-based) of the n-th occurrence of `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`"${needle}" (#${nth}) not in text`);
  }
  const o = i + delta;
  const before = text.slice(0, o);
  const line = before.split('\n').length - 1;
  return { line, character: o - (before.lastIndexOf('\n') + 1) };
}

/**
 * What a snippet inserts when the user accepts every default: placeholders take their default (a
 * choice its first value), mirrors (`$n`, `${n}`) the value of their placeholder, `$0` nothing.
 */
export function expandSnippet(snippet: string, pick: Record<number, string> = {}): string {
  const values = new Map<number, string>(Object.entries(pick).map(([k, v]) => [Number(k), v]));
  const unesc = (s: string): string => s.replace(/\\([$}\\,|])/g, '$1');
  for (const m of snippet.matchAll(/\$\{(\d+)(?::((?:[^}\\]|\\.)*)|\|((?:[^|\\]|\\.)*)\|)\}/g)) {
    const n = Number(m[1]);
    if (!values.has(n)) values.set(n, m[2] !== undefined ? unesc(m[2]) : unesc(m[3].split(/(?<!\\),/)[0]));
  }
  return snippet
    .replace(/\$\{(\d+)(?::((?:[^}\\]|\\.)*)|\|((?:[^|\\]|\\.)*)\|)\}/g, (_, n) => values.get(Number(n)) ?? '')
    .replace(/\$\{(\d+)\}|\$(\d+)/g, (_, a, b) => values.get(Number(a ?? b)) ?? '');
}
