import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { checkText, CROSS_ITEM_RULES, LineIndex } from '../../server/src/core/index';
import { generateConfig } from '../../bench/gen';
import { applyEdit, applyJsonEdit, EDIT_KINDS, JSON_EDIT_KINDS, jsonConfig, rangeChange } from '../../bench/edits';
import { fileUri, inProcess, type TestClient } from './harness';

/** What an editor shows: code, message and start position of each diagnostic, in order. */
function shown(ds: Diagnostic[]): string[] {
  return ds.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.code} ${d.message}`);
}

function expected(text: string, fileName = 'x.damon.yaml'): string[] {
  const lines = new LineIndex(text);
  return checkText(text, { fileName }).diagnostics.map((d) => {
    const s = lines.positionAt(d.range.start);
    const e = lines.positionAt(d.range.end);
    return `${s.line}:${s.character}-${e.line}:${e.character} ${d.code} ${d.message}`;
  });
}

/**
 * From `text` at version `v`: each kind's first two edits and back, each sent as a changed range
 * (incremental sync, as bench:lsp and editors send it); every publish must be the whole-file check's.
 */
async function editsAndUndos<K extends string>(
  c: TestClient,
  uri: string,
  text: string,
  v: number,
  kinds: readonly K[],
  apply: (text: string, kind: K, n: number) => string,
  fileName: string,
): Promise<void> {
  let cur = text;
  for (const kind of kinds) {
    for (let n = 0; n < 2; n++) {
      for (const next of [apply(text, kind, n), text]) {
        await c.notify('textDocument/didChange', { textDocument: { uri, version: ++v }, contentChanges: [rangeChange(cur, next)] });
        cur = next;
        const got = await c.diagnostics(uri, v, 60_000);
        expect(shown(got), `${kind} #${n}`).toEqual(expected(cur, fileName));
      }
    }
  }
}

describe('diagnostics while typing in a large config (in-process server)', () => {
  let c: TestClient;
  const uri = fileUri('/tmp/damon-incremental/big.damon.yaml');
  // a mistake on the first screen (the generated config's other findings are all cross-item)
  const text = generateConfig(2000).replace('sz_bytes: 200 MiB', 'sz_bytes: 200 MBx');
  beforeAll(async () => {
    c = await inProcess({ settings: { validation: { delay: 0 } } });
  });
  afterAll(async () => c.close());

  it('on open publishes the first screen first, then the whole file', { timeout: 120_000 }, async () => {
    await c.open(uri, text, 'damon-yaml');
    await c.diagnostics(uri, 1, 60_000);
    // the whole-file set arrives as a second publish of version 1
    const deadline = Date.now() + 60_000;
    while (c.published.filter((p) => p.uri === uri).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mine = c.published.filter((p) => p.uri === uri);
    expect(mine.length).toBe(2);
    const [first, whole] = mine;
    expect(first.version).toBe(1);
    expect(whole.version).toBe(1);
    // first screen: only findings in its first items, none of the cross-item rules
    expect(first.diagnostics.length).toBeGreaterThan(0);
    expect(first.diagnostics.every((d) => d.range.start.line < 400)).toBe(true);
    expect(first.diagnostics.some((d) => CROSS_ITEM_RULES.has(String(d.code)))).toBe(false);
    expect(shown(whole.diagnostics)).toEqual(expected(text));
    expect(whole.diagnostics.length).toBeGreaterThan(first.diagnostics.length);
    // every first-screen finding is one of the whole file's
    const all = new Set(shown(whole.diagnostics));
    for (const d of shown(first.diagnostics)) expect(all.has(d)).toBe(true);
  });

  it("every edit kind gives exactly the whole-file check's diagnostics", { timeout: 300_000 }, async () => {
    let cur = text;
    for (const kind of EDIT_KINDS) {
      for (let n = 0; n < 3; n++) {
        cur = applyEdit(text, kind, n);
        const v = await c.change(uri, cur);
        const got = await c.diagnostics(uri, v, 60_000);
        expect(shown(got), `${kind} #${n}`).toEqual(expected(cur));
      }
    }
  });

  it('the same with each edit sent as a changed range (incremental sync, as bench:lsp and editors send it)', { timeout: 300_000 }, async () => {
    await editsAndUndos(c, uri, text, await c.change(uri, text), EDIT_KINDS, applyEdit, 'x.damon.yaml');
  });
});

describe('diagnostics while typing in a large JSON config (in-process server)', () => {
  let c: TestClient;
  const uri = fileUri('/tmp/damon-incremental/big.damon.json');
  const text = jsonConfig(1000);
  beforeAll(async () => {
    c = await inProcess({ settings: { validation: { delay: 0 } } });
  });
  afterAll(async () => c.close());

  it("every JSON edit kind, and back, gives exactly the whole-file check's diagnostics", { timeout: 300_000 }, async () => {
    await c.open(uri, text, 'damon-json');
    expect(shown(await c.diagnostics(uri, 1, 60_000))).toEqual(expected(text, 'x.damon.json'));
    await editsAndUndos(c, uri, text, 1, JSON_EDIT_KINDS, applyJsonEdit, 'x.damon.json');
  });
});
