/**
 * `check` speed, in-process and warm, on generated 100-, 1,000- and 10,000-line configs, side by side
 * with two anchors on the same text: the bare YAML parse (yaml.parseAllDocuments) and YAML parse +
 * ajv schema validation (what a schema-only validator does). Run: npm run bench:check
 */
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { checkText, CONFIG_SCHEMA } from '../server/src/core/index';
import { generateConfig } from './gen';

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
  const tAjv = time(() => {
    for (const d of parseAllDocuments(text)) validate(d.toJS());
  }, 15, 300);
  results[`check_${n}`] = tCheck;
  rows.push([String(lines), tCheck.toFixed(2), cpuCheck[n].toFixed(2), tYaml.toFixed(2), tAjv.toFixed(2), (tCheck / tYaml).toFixed(2), (tCheck / tAjv).toFixed(2), String(diagCount)]);
}
const header = ['lines', 'check ms', 'check CPU ms', 'yaml parse ms', 'yaml+ajv ms', 'check/parse', 'check/(parse+ajv)', 'diagnostics'];
const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r: string[]) => `| ${r.map((c, i) => c.padStart(w[i])).join(' | ')} |`;
console.log(`check (in-process, warm, median wall and CPU time) — node ${process.version}, load average ${require('node:os').loadavg()[0].toFixed(2)}`);
console.log(fmt(header));
console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
for (const r of rows) console.log(fmt(r));
const ok1k = results.check_1000 <= 10;
const ok10k = results.check_10000 <= 100;
console.log(`targets: 1,000 lines <= 10 ms: ${ok1k ? 'met' : 'MISSED'} (${results.check_1000.toFixed(2)} ms); 10,000 lines <= 100 ms: ${ok10k ? 'met' : 'MISSED'} (${results.check_10000.toFixed(2)} ms)`);
// one convention for every bench (docs/benchmarks.md): a missed goal says MISSED and exits 1
if (!ok1k || !ok10k) process.exitCode = 1;
