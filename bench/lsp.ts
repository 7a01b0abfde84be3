/**
 * Editor benchmarks (run: npm run bench:lsp):
 *  1. edit → publishDiagnostics latency over LSP (stdio, bundled server) for 100 / 1,000 / 10,000-line
 *     configs, side by side with yaml-language-server validating the same text against our JSON schema;
 *  2. extension bundle load time and .vsix / bundle sizes (after `npm run package`).
 * Prints a markdown table and writes test-results/bench-lsp.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { generateConfig } from './gen';

const ROOT = join(__dirname, '..', '..');
const SCHEMA = join(ROOT, 'schemas', 'damon-config.schema.json');
const EDITS = Number(process.env.BENCH_EDITS ?? 15);
/** edits made (the same way) before measuring, so both servers are measured warm, as while editing */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10);

interface Server {
  name: string;
  conn: ProtocolConnection;
  next(uri: string): Promise<PublishDiagnosticsParams>;
  close(): void;
}

async function start(name: string, cmd: string[], settings: Record<string, unknown>): Promise<Server> {
  const child = spawn(process.execPath, cmd, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
  child.stderr.on('data', () => undefined);
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<string, (p: PublishDiagnosticsParams) => void>();
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const w = waiting.get(p.uri);
    if (w) {
      waiting.delete(p.uri);
      w(p);
    }
  });
  conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((it) => settings[it.section ?? ''] ?? null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('window/logMessage', () => undefined);
  conn.onNotification('damon/status', () => undefined);
  conn.onNotification('$/progress', () => undefined);
  conn.onNotification('telemetry/event', () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(ROOT).toString(),
    workspaceFolders: [{ uri: pathToFileURL(ROOT).toString(), name: 'bench' }],
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } }, textDocument: { publishDiagnostics: { relatedInformation: true } } },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('workspace/didChangeConfiguration', { settings });
  return {
    name,
    conn,
    next: (uri) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name}: no diagnostics for ${uri} within 30 s`)), 30_000);
      waiting.set(uri, (p) => {
        clearTimeout(t);
        resolve(p);
      });
    }),
    close: () => {
      conn.dispose();
      child.kill();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(s: Server, lines: number): Promise<{ ms: number; p90: number; diagnostics: number; first: number }> {
  const text = generateConfig(lines);
  const uri = pathToFileURL(join(ROOT, `bench-${s.name}-${lines}.damon.yaml`)).toString();
  let t0 = performance.now();
  let got = s.next(uri);
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  let p = await got;
  const first = performance.now() - t0;
  const times: number[] = [];
  let diagnostics = p.diagnostics.length;
  for (let i = 0; i < WARMUP + EDITS; i++) {
    await sleep(300); // a pause between edits, longer than either server's debounce
    // one edit in the middle of the file: change one quota size
    const edited = text.replace('sz_bytes: 200 MiB', `sz_bytes: ${201 + i} MiB`);
    got = s.next(uri);
    t0 = performance.now();
    await s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: edited }] });
    p = await got;
    if (i >= WARMUP) times.push(performance.now() - t0);
    diagnostics = p.diagnostics.length;
  }
  await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  const sorted = [...times].sort((a, b) => a - b);
  return { ms: median(times), p90: sorted[Math.floor(sorted.length * 0.9)], diagnostics, first };
}

/** Does yaml-language-server really apply our schema? An unknown key must be reported. */
async function schemaApplied(s: Server): Promise<boolean> {
  const uri = pathToFileURL(join(ROOT, 'bench-probe.damon.yaml')).toString();
  const got = s.next(uri);
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: 'kdamonds:\n  - contexts: []\n    bogus_key: 1\n' } });
  const p = await got;
  await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return p.diagnostics.some((d) => /bogus_key|not allowed/i.test(String(d.message)));
}

/** Node code that loads a bundle with a stand-in `vscode` module (every property a constructible no-op) and prints the ms. */
function loadSnippet(file: string): string {
  return `const Module = require('node:module');
const mock = new Proxy(function vscodeMock() {}, { get: (_t, k) => (k === Symbol.toPrimitive ? () => 'vscode' : k === 'prototype' ? {} : mock), apply: () => mock, construct: () => ({}) });
const orig = Module._load;
Module._load = (req, parent, isMain) => (req === 'vscode' ? mock : orig(req, parent, isMain));
const t0 = performance.now();
require(${JSON.stringify(file)});
console.log(performance.now() - t0);`;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  // sizes and load time of the production bundles
  const pkg = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, encoding: 'utf8' });
  if (pkg.status !== 0) throw new Error(`npm run package failed: ${pkg.stderr}`);
  const size = (f: string) => (existsSync(join(ROOT, f)) ? statSync(join(ROOT, f)).size : 0);
  const sizes = { vsix: size('dist/damon-config.vsix'), extension: size('dist/extension.js'), server: size('dist/server.js'), cli: size('dist/cli.js'), simWorker: size('dist/sim-worker.js') };
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['-e', loadSnippet(join(ROOT, 'dist', 'extension.js'))], { encoding: 'utf8' });
    const ms = Number(r.stdout.trim());
    if (!(ms > 0)) throw new Error(`could not load dist/extension.js: ${r.stderr}`);
    loads.push(ms);
  }
  const activation = existsSync(join(ROOT, 'test-results', 'e2e-activation.json')) ? JSON.parse(readFileSync(join(ROOT, 'test-results', 'e2e-activation.json'), 'utf8')) : undefined;
  results.package = { sizes, extensionLoadMs: median(loads), activation };

  const ours = await start('damon', [join(ROOT, 'dist', 'server.js'), '--stdio'], { damon: {} });
  const yls = await start('yls', [join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server'), '--stdio'], {
    yaml: { validate: true, hover: false, completion: false, schemas: { [pathToFileURL(SCHEMA).toString()]: '*.damon.yaml' }, schemaStore: { enable: false } },
    http: {},
    '[yaml]': {},
    editor: {},
    files: {},
  });
  const applied = await schemaApplied(yls);
  const rows: { lines: number; damon: Awaited<ReturnType<typeof measure>>; yls: Awaited<ReturnType<typeof measure>> }[] = [];
  for (const lines of [100, 1000, 10000]) {
    process.stderr.write(`${lines} lines…\n`);
    const d = await measure(ours, lines);
    const y = await measure(yls, lines);
    rows.push({ lines, damon: d, yls: y });
  }
  ours.close();
  yls.close();
  results.latency = { edits: EDITS, ylsSchemaApplied: applied, rows };

  const f = (n: number) => n.toFixed(n < 10 ? 1 : 0);
  const out: string[] = [];
  out.push(`edit → publishDiagnostics over stdio, median (p90) of ${EDITS} single edits 300 ms apart, after ${WARMUP} warm-up edits; yaml-language-server ${applied ? 'validating against schemas/damon-config.schema.json' : '(SCHEMA NOT APPLIED)'}:`, '');
  out.push('| config | damon-config server (every rule) | yaml-language-server 2.0.0 (schema only) | YLS minus its fixed 200 ms debounce | speed-up |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    out.push(`| ${r.lines.toLocaleString('en')} lines | ${f(r.damon.ms)} ms (${f(r.damon.p90)}) · ${r.damon.diagnostics} diagnostics | ${f(r.yls.ms)} ms (${f(r.yls.p90)}) · ${r.yls.diagnostics} diagnostics | ${f(Math.max(0, r.yls.ms - 200))} ms | ${(r.yls.ms / r.damon.ms).toFixed(1)}x |`);
  }
  out.push('', `first check on open: ${rows.map((r) => `${r.lines} lines ${f(r.damon.first)} ms`).join(', ')}`);
  out.push('', '| package | size |', '| --- | --- |');
  out.push(`| .vsix (npm run package) | ${(sizes.vsix / 1024).toFixed(0)} KiB |`);
  out.push(`| dist/extension.js | ${(sizes.extension / 1024).toFixed(0)} KiB |`, `| dist/server.js | ${(sizes.server / 1024).toFixed(0)} KiB |`, `| dist/cli.js | ${(sizes.cli / 1024).toFixed(0)} KiB |`, `| dist/sim-worker.js | ${(sizes.simWorker / 1024).toFixed(0)} KiB |`);
  out.push('', `extension bundle load (require, median of 5 fresh processes): ${f(median(loads))} ms`);
  if (activation) out.push(`activate() in code-server (from the e2e test's log): ${activation.activationMs} ms`);
  // the goals (docs/benchmarks.md); one convention for every bench: a missed goal says MISSED and exits 1
  const r1k = rows.find((r) => r.lines === 1000)!;
  const r10k = rows.find((r) => r.lines === 10000)!;
  const goals: [string, boolean][] = [
    [`>= 10x yaml-language-server at 1,000 lines (${(r1k.yls.ms / r1k.damon.ms).toFixed(1)}x)`, r1k.yls.ms / r1k.damon.ms >= 10],
    [`<= 100 ms at 10,000 lines (${f(r10k.damon.ms)} ms)`, r10k.damon.ms <= 100],
    [`.vsix <= 2 MB (${(sizes.vsix / 1024).toFixed(0)} KiB)`, sizes.vsix <= 2 * 1024 * 1024],
    [`extension bundle load <= 100 ms (${f(median(loads))} ms)`, median(loads) <= 100],
  ];
  out.push('', ...goals.map(([g, ok]) => `goal ${g}: ${ok ? 'met' : 'MISSED'}`));
  if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
  console.log(out.join('\n'));
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results', 'bench-lsp.json'), JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(`bench failed: ${(e as Error).message}`);
  process.exit(1);
});
