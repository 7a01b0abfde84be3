/**
 * Where the language server's time goes after an edit: starts the bundled server (dist/server.js,
 * `npm run build` first) under `node --cpu-prof`, opens a generated config and replays one edit kind
 * of bench/edits.ts the way bench/lsp.ts does (the edit as a changed range, then back to the base text, delay 0), then
 * shuts the server down so V8 writes its profile, and prints the functions with the most self time
 * and the inclusive time of the check's stages.
 *
 *   node scripts/run-ts.mjs bench/lsp-profile.ts [lines=10000] [kind|all] [edits=40]
 *   PROFILE=0 node scripts/run-ts.mjs bench/lsp-profile.ts ...   (CPU per edit only, no profiler)
 *   PAUSE=300 ...   pause between changes in ms (default 5; bench:lsp pauses 300 ms)
 *
 * The .cpuprofile files are left in .cache/profile/ (open them in Chrome DevTools or VS Code).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { applyEdit, EDIT_KINDS, rangeChange, type EditKind } from './edits';
import { generateConfig } from './gen';

const ROOT = join(__dirname, '..', '..');
const [linesArg = '10000', kindArg = 'all', editsArg = '40'] = process.argv.slice(2);
const LINES = Number(linesArg);
const EDITS = Number(editsArg);
/** PROFILE=0: only the CPU time per edit, without the profiler's overhead */
const PROFILE = process.env.PROFILE !== '0';
/** ms between changes (bench:lsp: 300) */
const PAUSE = Number(process.env.PAUSE ?? 5);
const KINDS: EditKind[] = kindArg === 'all' ? EDIT_KINDS : [kindArg as EditKind];
if (KINDS.some((k) => !EDIT_KINDS.includes(k))) throw new Error(`unknown edit kind ${kindArg}; one of: ${EDIT_KINDS.join(', ')}`);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

/** Self and inclusive ms per function name (inclusive counted once per stack), from a .cpuprofile. */
function summarize(file: string, fromUs: number, changes: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const name = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  let total = 0;
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i];
    // only the edits: V8's sample timestamps and process.hrtime are the same monotonic clock
    if (t < fromUs) return;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)') return;
    total += dt;
    self.set(name(n), (self.get(name(n)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const k = name(byId.get(x)!);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  });
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`busy ${total.toFixed(0)} ms during the edits (excluding idle): ${(total / changes).toFixed(1)} ms per change`);
  console.log('self time:');
  for (const [k, v] of top(self, 25)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);
  console.log('inclusive time:');
  for (const [k, v] of top(incl, 45)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);
}

async function run(kind: EditKind): Promise<void> {
  const dir = join(ROOT, '.cache', 'profile', `${LINES}-${kind.replace(/\W+/g, '-')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      ...(process.env.NODE_ARGS ?? '').split(' ').filter(Boolean),
      ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
      join(ROOT, 'dist', 'server.js'),
      '--stdio',
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      cwd: ROOT,
    },
  );
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let waiting: ((p: PublishDiagnosticsParams) => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const w = waiting;
    waiting = undefined;
    w?.(p);
  });
  const settings = { damon: { validation: { delay: 0 } } };
  conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
    p.items.map((it) => (settings as Record<string, unknown>)[it.section ?? ''] ?? null),
  );
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  for (const n of ['window/logMessage', 'damon/status', 'damon/serverReady', '$/progress', 'telemetry/event']) conn.onNotification(n, () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(ROOT).toString(),
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { relatedInformation: true } } },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('workspace/didChangeConfiguration', { settings });
  const next = () => new Promise<PublishDiagnosticsParams>((r) => (waiting = r));
  const uri = pathToFileURL(join(ROOT, `profile-${LINES}.damon.yaml`)).toString();
  const base = generateConfig(LINES);
  let version = 1;
  let got = next();
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text: base } });
  await got;
  got = next();
  await got; // the whole file after the first screen
  /** CPU ms of the server's main thread and of its other threads (GC helpers, compiler, libuv) */
  const cpuMs = (): { main: number; other: number } => {
    let main = 0;
    let other = 0;
    for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
      try {
        const ns = Number(readFileSync(`/proc/${child.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        if (Number(tid) === child.pid) main += ns;
        else other += ns;
      } catch {
        // the thread ended
      }
    }
    return { main: main / 1e6, other: other / 1e6 };
  };
  const cpu: number[] = [];
  const mainCpu: number[] = [];
  let current = base;
  const send = async (text: string, measure = false) => {
    const change = rangeChange(current, text);
    current = text;
    const c0 = measure ? cpuMs() : { main: 0, other: 0 };
    got = next();
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [change] });
    await got;
    if (measure) {
      const c1 = cpuMs();
      cpu.push(c1.main + c1.other - c0.main - c0.other);
      mainCpu.push(c1.main - c0.main);
    }
    await new Promise((r) => setTimeout(r, PAUSE));
  };
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const t0 = performance.now();
  for (let i = 0; i < EDITS; i++) {
    await send(applyEdit(base, kind, i), true);
    await send(base);
  }
  const ms = performance.now() - t0;
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  await new Promise((r) => child.on('exit', r));
  conn.dispose();
  const sorted = [...cpu].sort((a, b) => a - b);
  const mainSorted = [...mainCpu].sort((a, b) => a - b);
  // the JIT compiler warms up over the first ~100 changes: the second half of the edits separately
  const late = cpu.slice(cpu.length >> 1).sort((a, b) => a - b);
  const lateMain = mainCpu.slice(mainCpu.length >> 1).sort((a, b) => a - b);
  console.log(
    `\n== ${LINES} lines, ${kind}: ${EDITS} edits + undos, ${PAUSE} ms apart, ${(ms / (2 * EDITS)).toFixed(1)} ms wall per change; server CPU per edit (all threads, as bench:lsp counts it): median ${sorted[sorted.length >> 1].toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms; main thread median ${mainSorted[mainSorted.length >> 1].toFixed(1)} ms; second half of the edits: median ${late[late.length >> 1].toFixed(1)} ms, main thread ${lateMain[lateMain.length >> 1].toFixed(1)} ms · load ${loadavg()[0].toFixed(1)}`,
  );
  if (!PROFILE) return;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  summarize(join(dir, file), fromUs, 2 * EDITS);
}

(async () => {
  for (const k of KINDS) await run(k);
})().catch((e) => {
  console.error(`profile failed: ${(e as Error).message}`);
  process.exit(1);
});
