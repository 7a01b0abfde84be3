/**
 * Fuzz target (issue 17): a bounded number of generated hostile documents (generate.ts: mutations
 * of test/fuzz/seeds/, alias bombs, deep nesting, long runs of one character, CR-only/CRLF line
 * ends, CRLF damo scripts) through
 *  - `damon-config check` as a child process, in batches, with a heap limit (--max-old-space-size)
 *    and a time limit per input, and
 *  - the in-process language server over LSP streams, each input within a time bound, the heap
 *    checked after each one.
 * Deterministic: FUZZ_SEED (default 17) and FUZZ_COUNT (default 70; 20 in the unit tier, see
 * test/tier.ts) choose the documents. Failing
 * inputs are written to test-results/fuzz/ to be replayed (and added to the seeds).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { cliBundle, runCliAsync, ROOT } from '../cli/bundle';
import { fileUri, inProcess, type TestClient } from '../lsp/harness';
import { generate, type FuzzInput } from './generate';
import { runs } from '../tier';

const SEED = Number(process.env.FUZZ_SEED ?? 17);
const COUNT = Number(process.env.FUZZ_COUNT ?? runs(70, 20));
/**
 * Per input. The server's bound is CPU time (process.cpuUsage), which a busy machine does not
 * inflate; wall-clock bounds are only a backstop against hangs. The regressions this guards
 * against took 10-120 s and GBs; a normal input takes milliseconds.
 */
const PER_INPUT_CPU_MS = 3000;
const PER_INPUT_WALL_MS = 30_000;
const CLI_HEAP_MB = 384;
const SERVER_HEAP_LIMIT = 1536 * 1024 * 1024;
const RESULTS = join(ROOT, 'test-results', 'fuzz');

const inputs = generate(SEED, COUNT);

function keep(what: string, input: FuzzInput, problem: string): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${what}-seed${SEED}-${input.how.split(' ')[0].slice(1)}.${input.ext}`);
  writeFileSync(file, input.text);
  return `${input.how}: ${problem} (input kept in ${file})`;
}

const messageText = (m: Diagnostic['message']): string => (typeof m === 'string' ? m : (m as { value: string }).value);

describe(`fuzz: ${COUNT} documents from seed ${SEED}`, () => {
  beforeAll(() => {
    cliBundle();
  });

  it('damon-config check: exit 0/1/2, JSON output, no crash, one-line messages, ≤ 1,001 diagnostics per file, within time and heap bounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'damon-fuzz-'));
    const failures: string[] = [];
    try {
      const BATCH = 35;
      const batches: FuzzInput[][] = [];
      for (let i = 0; i < inputs.length; i += BATCH) batches.push(inputs.slice(i, i + BATCH));
      for (const [b, batch] of batches.entries()) {
        const files = batch.map((inp, i) => {
          const f = join(dir, `b${b}-${i}.${inp.ext}`);
          writeFileSync(f, inp.text);
          return f;
        });
        const r = await runCliAsync(['check', '--format', 'json', ...files], {
          cwd: dir,
          maxOldSpaceMb: CLI_HEAP_MB,
          timeoutMs: 20_000 + batch.length * PER_INPUT_CPU_MS,
        });
        const label = `batch ${b} (${batch[0].how} .. ${batch[batch.length - 1].how})`;
        if (r.timedOut || r.signal || r.code === null || ![0, 1, 2].includes(r.code)) {
          // find the culprit: replay each input of the batch alone
          for (const [i, inp] of batch.entries()) {
            const one = await runCliAsync(['check', '--format', 'json', files[i]], { cwd: dir, maxOldSpaceMb: CLI_HEAP_MB, timeoutMs: PER_INPUT_WALL_MS });
            if (one.timedOut || one.signal || one.code === null || ![0, 1, 2].includes(one.code))
              failures.push(keep('cli', inp, `exit ${one.code} signal ${one.signal} timed out ${one.timedOut}: ${one.err.slice(0, 300)}`));
          }
          if (!failures.length) failures.push(`${label}: exit ${r.code} signal ${r.signal} timed out ${r.timedOut} (no single input reproduces it)`);
          continue;
        }
        if (/\n\s+at |Maximum call stack|internal error/.test(r.err)) failures.push(`${label}: ${r.err.slice(0, 300)}`);
        let arr: { file: string; code: string; message: string }[];
        try {
          arr = JSON.parse(r.out);
        } catch {
          failures.push(`${label}: output is not JSON: ${r.out.slice(0, 200)}`);
          continue;
        }
        for (const [i, inp] of batch.entries()) {
          const mine = arr.filter((d) => d.file === `b${b}-${i}.${inp.ext}`);
          if (mine.length > 1001) failures.push(keep('cli', inp, `${mine.length} diagnostics`));
          const bad = mine.find((d) => /[\r\n]/.test(d.message) || d.code === 'internal-error' || /call stack/.test(d.message));
          if (bad) failures.push(keep('cli', inp, `[${bad.code}] ${JSON.stringify(bad.message.slice(0, 200))}`));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(failures).toEqual([]);
  }, 600_000);

  describe('language server (in-process, over LSP streams)', () => {
    let c: TestClient;
    beforeAll(async () => {
      c = await inProcess({ rootDir: ROOT });
    });
    afterAll(async () => c.close());

    it('answers diagnostics and document symbols for every input within the bound, heap bounded, one-line messages, ranges inside the text', async () => {
      const failures: string[] = [];
      for (const [i, inp] of inputs.entries()) {
        const uri = fileUri(join(ROOT, `fuzz-${i}.${inp.ext}`));
        const lang = inp.ext === 'sh' ? 'shellscript' : inp.ext.endsWith('json') ? 'json' : 'yaml';
        const cpu0 = process.cpuUsage();
        let diags: Diagnostic[];
        try {
          await c.open(uri, inp.text, lang);
          diags = await c.diagnostics(uri, 1, PER_INPUT_WALL_MS);
          await Promise.race([
            c.request('textDocument/documentSymbol', { textDocument: { uri } }),
            new Promise((_, rej) => setTimeout(() => rej(new Error('documentSymbol: no answer')), PER_INPUT_WALL_MS)),
          ]);
        } catch (e) {
          failures.push(keep('lsp', inp, (e as Error).message));
          break; // the server is stuck: later inputs would only time out too
        }
        const cpu = process.cpuUsage(cpu0);
        const ms = (cpu.user + cpu.system) / 1000;
        if (ms > PER_INPUT_CPU_MS) failures.push(keep('lsp', inp, `took ${ms.toFixed(0)} ms of CPU`));
        if (diags.length > 1001) failures.push(keep('lsp', inp, `${diags.length} diagnostics`));
        const lines = inp.text.split(/\r\n|\r|\n/);
        for (const d of diags) {
          const msg = messageText(d.message);
          if (/[\r\n]/.test(msg) || d.code === 'internal-error' || /call stack/.test(msg)) {
            failures.push(keep('lsp', inp, `[${d.code}] ${JSON.stringify(msg.slice(0, 200))}`));
            break;
          }
          if (d.range.end.line >= lines.length || d.range.end.character > lines[d.range.end.line].length) {
            failures.push(keep('lsp', inp, `[${d.code}] ends past its line: ${JSON.stringify(d.range)}`));
            break;
          }
        }
        await c.notify('textDocument/didClose', { textDocument: { uri } });
        const heap = process.memoryUsage().heapUsed;
        if (heap > SERVER_HEAP_LIMIT) {
          failures.push(keep('lsp', inp, `heap ${Math.round(heap / 1048576)} MB after it`));
          break;
        }
      }
      expect(failures).toEqual([]);
    }, 600_000);
  });
});
