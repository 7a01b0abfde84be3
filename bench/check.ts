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

function time(fn: () => void, minRuns: number, minMs: number): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const xs: number[] = [];
  const t0 = performance.now();
  while (xs.length < minRuns || performance.now() - t0 < minMs) {
    const a = performance.now();
    fn();
    xs.push(performance.now() - a);
  }
  return median(xs);
}

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validate = ajv.compile(CONFIG_SCHEMA);

const rows: string[][] = [];
const results: Record<string, number> = {};
for (const n of [100, 1000, 10000]) {
  const text = generateConfig(n);
  const lines = text.split('\n').length - 1;
  const diagCount = checkText(text, { fileName: 'bench.damon.yaml' }).diagnostics.length;
  const tCheck = time(() => checkText(text, { fileName: 'bench.damon.yaml' }), 15, 500);
  const tYaml = time(() => parseAllDocuments(text), 15, 300);
  const tAjv = time(() => {
    for (const d of parseAllDocuments(text)) validate(d.toJS());
  }, 15, 300);
  results[`check_${n}`] = tCheck;
  rows.push([String(lines), tCheck.toFixed(2), tYaml.toFixed(2), tAjv.toFixed(2), (tCheck / tYaml).toFixed(2), (tCheck / tAjv).toFixed(2), String(diagCount)]);
}
const header = ['lines', 'check ms', 'yaml parse ms', 'yaml+ajv ms', 'check/parse', 'check/(parse+ajv)', 'diagnostics'];
const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r: string[]) => `| ${r.map((c, i) => c.padStart(w[i])).join(' | ')} |`;
console.log(`check (in-process, warm, median) — node ${process.version}`);
console.log(fmt(header));
console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
for (const r of rows) console.log(fmt(r));
const ok1k = results.check_1000 <= 10;
const ok10k = results.check_10000 <= 100;
console.log(`targets: 1,000 lines <= 10 ms: ${ok1k ? 'met' : 'MISSED'} (${results.check_1000.toFixed(2)} ms); 10,000 lines <= 100 ms: ${ok10k ? 'met' : 'MISSED'} (${results.check_10000.toFixed(2)} ms)`);
