/**
 * `check` speed, in-process and warm, on generated 100-, 1,000- and 10,000-line configs, side by side
 * with two anchors on the same text: the bare YAML parse (yaml.parseAllDocuments) and YAML parse +
 * ajv schema validation (what a schema-only validator does). Then the incremental check
 * (core/incremental.ts, what the language server runs after an edit) for the six edit kinds of
 * bench/edits.ts, against a whole-file checkText of the same edited text; and the JSON edit kinds on the
 * same config as JSON. Run: npm run bench:check
 */
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { checkText, CONFIG_SCHEMA } from '../server/src/core/index';
import { checkIncremental } from '../server/src/core/incremental';
import type { CheckOptions } from '../server/src/core/check';
import { applyEdit, applyJsonEdit, EDIT_KINDS, JSON_EDIT_KINDS, jsonConfig } from './edits';
import { generateConfig } from './gen';
import { loadavg } from 'node:os';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time and median CPU time (user+system of this process) of one call, in ms. */
function measure(fn: () => void, minRuns: number, minMs: number): { wall: number; cpu: number } {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const walls: number[] = [];
  const cpus: number[] = [];
  const t0 = performance.now();
  while (walls.length < minRuns || performance.now() - t0 < minMs) {
    const c = process.cpuUsage();
    const a = performance.now();
    fn();
    walls.push(performance.now() - a);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}
const time = (fn: () => void, minRuns: number, minMs: number): number => measure(fn, minRuns, minMs).wall;

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validate = ajv.compile(CONFIG_SCHEMA);

const rows: string[][] = [];
const results: Record<string, number> = {};
const cpuCheck: Record<number, number> = {};
for (const n of [100, 1000, 10000]) {
  const text = generateConfig(n);
  const lines = text.split('\n').length - 1;
  const diagCount = checkText(text, { fileName: 'bench.damon.yaml' }).diagnostics.length;
  const m = measure(() => checkText(text, { fileName: 'bench.damon.yaml' }), 15, 500);
  const tCheck = m.wall;
  cpuCheck[n] = m.cpu;
  const tYaml = time(() => parseAllDocuments(text), 15, 300);
  const tAjv = time(
    () => {
      for (const d of parseAllDocuments(text)) validate(d.toJS());
    },
    15,
    300,
  );
  results[`check_${n}`] = tCheck;
  rows.push([
    String(lines),
    tCheck.toFixed(2),
    cpuCheck[n].toFixed(2),
    tYaml.toFixed(2),
    tAjv.toFixed(2),
    (tCheck / tYaml).toFixed(2),
    (tCheck / tAjv).toFixed(2),
    String(diagCount),
  ]);
}
const header = ['lines', 'check ms', 'check CPU ms', 'yaml parse ms', 'yaml+ajv ms', 'check/parse', 'check/(parse+ajv)', 'diagnostics'];
const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r: string[]) => `| ${r.map((c, i) => c.padStart(w[i])).join(' | ')} |`;
console.log(`check (in-process, warm, median wall and CPU time) — node ${process.version}, load average ${loadavg()[0].toFixed(2)}`);
console.log(fmt(header));
console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
for (const r of rows) console.log(fmt(r));
const ok1k = results.check_1000 <= 10;
const ok10k = results.check_10000 <= 100;
console.log(
  `targets: 1,000 lines <= 10 ms: ${ok1k ? 'met' : 'MISSED'} (${results.check_1000.toFixed(2)} ms); 10,000 lines <= 100 ms: ${ok10k ? 'met' : 'MISSED'} (${results.check_10000.toFixed(2)} ms)`,
);

// ---------------------------------------------------------------------------------------------
// incremental check after one edit: the edited text checked with the previous version's state,
// alternating edit and undo (both measured), so every sample reuses the other items and recomputes
// the touched one(s)
/**
 * `rounds` times: the i-th edit of `base`, then back to `base`, each checked incrementally with the
 * state of the version before; the samples of rounds 3 on (the edits', and the undos' when `undoToo`)
 * and how the last edit was checked.
 */
function editAndUndo(base: string, edit: (i: number) => string, o: CheckOptions, rounds: number, undoToo: boolean) {
  let state = checkIncremental(base, o).state;
  const walls: number[] = [];
  const cpus: number[] = [];
  let mode = '';
  let reparsed = 0;
  let items = 0;
  for (let i = 0; i < rounds; i++) {
    for (const t of [edit(i), base]) {
      const c = process.cpuUsage();
      const a = performance.now();
      const r = checkIncremental(t, o, state);
      const w = performance.now() - a;
      const d = process.cpuUsage(c);
      state = r.state;
      if (i >= 3 && (undoToo || t !== base)) {
        walls.push(w);
        cpus.push((d.user + d.system) / 1000);
      }
      if (t !== base) {
        mode = r.mode;
        reparsed = r.reparsed;
        items = r.items;
      }
    }
  }
  return { walls, cpus, mode, reparsed, items };
}

const opts = { fileName: 'bench.damon.yaml' };
const inc: string[][] = [];
const incResults: Record<string, { wall: number; cpu: number; full: number; load: number; mode: string; reparsed: number }> = {};
for (const n of [1000, 10000]) {
  const base = generateConfig(n);
  for (const kind of EDIT_KINDS) {
    const { walls, cpus, mode, reparsed, items } = editAndUndo(base, (i) => applyEdit(base, kind, i), opts, 30, true);
    const edited = applyEdit(base, kind, 0);
    const full = measure(() => checkText(edited, opts), 5, 300);
    const load = loadavg()[0];
    incResults[`${n} ${kind}`] = { wall: median(walls), cpu: median(cpus), full: full.wall, load, mode, reparsed };
    inc.push([
      String(n),
      kind,
      median(walls).toFixed(2),
      median(cpus).toFixed(2),
      full.wall.toFixed(1),
      (full.wall / median(walls)).toFixed(0),
      mode === 'items' ? `${reparsed} of ${items}` : 'whole file',
      load.toFixed(1),
    ]);
  }
}
const ih = ['lines', 'edit', 'incremental ms', 'incremental CPU ms', 'full check ms', 'speed-up', 'items rechecked', 'load'];
const iw = ih.map((h, i) => Math.max(h.length, ...inc.map((r) => r[i].length)));
const ifmt = (r: string[]) => `| ${r.map((c, i) => (i === 1 ? c.padEnd(iw[i]) : c.padStart(iw[i]))).join(' | ')} |`;
console.log('');
console.log('incremental check after one edit (in-process, median of 54 edits/undos; full check = checkText of the edited text)');
console.log(ifmt(ih));
console.log(`|${iw.map((x) => '-'.repeat(x + 2)).join('|')}|`);
for (const r of inc) console.log(ifmt(r));
const worst = (n: number) => Math.max(...EDIT_KINDS.map((k) => incResults[`${n} ${k}`].wall));
console.log(
  `targets (in-process share of the editor targets): 1,000 lines <= 5 ms every edit kind: ${worst(1000) <= 5 ? 'met' : 'MISSED'} (worst ${worst(1000).toFixed(2)} ms); 10,000 lines <= 20 ms: ${worst(10000) <= 20 ? 'met' : 'MISSED'} (worst ${worst(10000).toFixed(2)} ms)`,
);
// ---------------------------------------------------------------------------------------------
// JSON configs: the same generated config as JSON (pretty-printed, one kdamond per block of lines),
// the JSON edit kinds of bench/edits.ts, each and back, checked with the previous version's state;
// "whole file" = checkText of the edited text (what every JSON edit cost before per-item JSON)
const jsonRows: string[] = [];
for (const n of [1000, 10000]) {
  const json = jsonConfig(n);
  const jopts = { fileName: 'bench.damon.json' };
  for (const kind of JSON_EDIT_KINDS) {
    const { walls, cpus, mode, reparsed, items } = editAndUndo(json, (i) => applyJsonEdit(json, kind, i), jopts, 16, false);
    const edited = applyJsonEdit(json, kind, 0);
    const whole = measure(() => checkText(edited, jopts), 5, 300);
    jsonRows.push(
      `| ${json.split('\n').length - 1} | ${kind} | ${median(walls).toFixed(2)} | ${median(cpus).toFixed(2)} | ${whole.wall.toFixed(1)} | ${(whole.wall / median(walls)).toFixed(0)} | ${mode === 'items' ? `${reparsed} of ${items}` : 'whole file'} | ${loadavg()[0].toFixed(1)} |`,
    );
  }
}
console.log('');
console.log('JSON config, edit (median of 13 edits, each checked after its undo); whole file = checkText of the edited text (no goal)');
console.log('| lines | edit | incremental ms | incremental CPU ms | whole file ms | speed-up | items rechecked | load |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of jsonRows) console.log(r);

// one convention for every bench (docs/benchmarks.md): a missed goal says MISSED and exits 1
if (!ok1k || !ok10k || worst(1000) > 5 || worst(10000) > 20) process.exitCode = 1;
