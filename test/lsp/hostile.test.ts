/**
 * Issue 17 over LSP: the in-process language server (client and server joined by streams, see
 * harness.ts) given hostile settings and documents. Every answer must come within a bound, with
 * one clear diagnostic, and the server must stay responsive afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic, DocumentSymbol } from 'vscode-languageserver-protocol';
import { fileUri, inProcess, type TestClient } from './harness';
import type { StatusParams } from '../../server/src/ide/protocol';
import { damoScript, rng } from '../fuzz/generate';
import { runs } from '../tier';

/** generated CRLF damo scripts: 30 in full (the system tier), 10 in the unit tier */
const SCRIPTS = runs(30, 10);

const ROOT = join(__dirname, '..', '..');
const OK = 'kdamonds:\n  - contexts:\n      - ops: paddr\n';

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

describe('item 5: the damon.profile setting cannot make the server read a device or wait on a FIFO', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'damon-lsp-hostile-'));
    execFileSync('mkfifo', [join(tmp, 'profile.fifo')]);
  });

  for (const [name, profile] of [
    ['/dev/zero', '/dev/zero'],
    ['a FIFO', 'FIFO'],
  ] as const) {
    it(`profile = ${name}: diagnostics and a profile error within seconds, server still answers`, async () => {
      const c: TestClient = await inProcess({ rootDir: ROOT, settings: { profile: profile === 'FIFO' ? join(tmp, 'profile.fifo') : profile } });
      try {
        const uri = fileUri(join(tmp, `p-${name.length}.damon.yaml`));
        await c.open(uri, OK, 'yaml');
        await withTimeout(c.diagnostics(uri, 1), 20_000, 'diagnostics');
        const st = await withTimeout(
          (async () => {
            for (;;) {
              const s = c.status.find((x: StatusParams) => x.uri === uri && x.profileError);
              if (s) return s;
              await new Promise((r) => setTimeout(r, 50));
            }
          })(),
          20_000,
          'status',
        );
        expect(st.profileError).toMatch(/(character device|FIFO \(named pipe\)), not a regular file/);
        const syms = await withTimeout(c.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } }), 10_000, 'documentSymbol');
        expect(syms.length).toBeGreaterThan(0);
      } finally {
        await c.close();
      }
    }, 60_000);
  }
});

describe('items 6-8, 12: hostile documents', () => {
  let c: TestClient;
  let n = 0;
  beforeAll(async () => {
    c = await inProcess({ rootDir: ROOT });
  });
  afterAll(async () => c.close());

  async function diagnose(text: string, ext = 'damon.yaml', ms = 20_000): Promise<Diagnostic[]> {
    const uri = fileUri(join(ROOT, `hostile-${++n}.${ext}`));
    await c.open(uri, text, ext.endsWith('sh') ? 'shellscript' : ext.endsWith('json') ? 'json' : 'yaml');
    const d = await withTimeout(c.diagnostics(uri, 1), ms, `diagnostics of document ${n}`);
    // and the server still answers requests about it
    await withTimeout(c.request('textDocument/documentSymbol', { textDocument: { uri } }), ms, 'documentSymbol');
    return d;
  }

  it('billion laughs: one yaml-alias-limit', async () => {
    let s = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
    for (let i = 1; i < 10; i++)
      s += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]\n`;
    const d = await diagnose(`${s}kdamonds: *j\n`);
    expect(d.filter((x) => x.code === 'yaml-alias-limit')).toHaveLength(1);
  });

  it('{ x 10,000: too-deep, never "Maximum call stack size exceeded"', async () => {
    const d = await diagnose(`kdamonds: ${'{'.repeat(10_000)}\n`);
    expect(d.map((x) => x.code)).toEqual(['too-deep']);
    expect(d[0].message).not.toContain('call stack');
  });

  it('5,000 blanks in a unit value (the server was unresponsive for 40 s)', async () => {
    const d = await diagnose(`kdamonds:\n- contexts:\n  - schemes:\n    - quotas:\n        sz_bytes: "${' '.repeat(5000)}x"\n`, 'damon.yaml', 10_000);
    expect(
      d.some((x) => x.code === 'value-format' || x.code === 'schema-type' || /not a size/.test(typeof x.message === 'string' ? x.message : x.message.value)),
    ).toBe(true);
  });

  it('CR-only line ends, 20,000 lines: answered, diagnostics capped at 1,000 + "and N more"', async () => {
    const d = await diagnose(`kdamonds:\r${'  - contexts: []\r'.repeat(20_000)}`);
    expect(d).toHaveLength(1001);
    expect(d[1000].code).toBe('too-many-problems');
  });

  it(`CRLF shell scripts (${SCRIPTS} generated, the fuzz shape that found it): no damo diagnostic ends past its line, messages are one line`, async () => {
    const r = rng(12);
    let total = 0;
    for (let i = 0; i < SCRIPTS; i++) {
      const script = damoScript(r);
      const d = await diagnose(script, 'sh');
      total += d.length;
      const lines = script.split(/\r\n|\r|\n/);
      for (const x of d) {
        const msg = typeof x.message === 'string' ? x.message : x.message.value;
        expect({ script, code: x.code, endsPastLine: x.range.end.character > (lines[x.range.end.line] ?? '').length, rawNewline: /[\r\n]/.test(msg) }).toEqual({
          script,
          code: x.code,
          endsPastLine: false,
          rawNewline: false,
        });
      }
    }
    expect(total).toBeGreaterThan(SCRIPTS);
  }, 120_000);
});
