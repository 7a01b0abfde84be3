/**
 * The bundled server (`node dist/server.js --stdio`) end to end: catches bundling mistakes (externals,
 * JSON imports, ESM/UMD resolution) that the in-process tests cannot see.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, Hover, InlayHint } from 'vscode-languageserver-protocol';
import { applyEdits, fileUri, overStdio, positionOf, type TestClient } from './harness';
import { ensureBuilt, ROOT, SERVER_JS } from './built';

const SEED_PATH = join(ROOT, 'examples', 'seed-rfc-example.damon.yaml');
const SEED = readFileSync(SEED_PATH, 'utf8');

describe('bundled server over stdio', () => {
  let c: TestClient;
  beforeAll(async () => {
    ensureBuilt();
    c = await overStdio(SERVER_JS, { rootDir: ROOT, settings: { profile: 'examples/seed-vm.profile.yaml' } });
  });
  afterAll(async () => c?.close());

  it('refuses to start without a transport, with a clear message and no stack trace', () => {
    const r = spawnSync(process.execPath, [SERVER_JS], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('choose a transport: --stdio, --node-ipc or --socket=PORT');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('answers initialize, publishes diagnostics, hovers, hints and fixes through the bundle', async () => {
    expect(c.init!.serverInfo?.name).toBe('damon-config');
    expect(Object.keys(c.init!.capabilities)).toEqual(
      expect.arrayContaining(['hoverProvider', 'completionProvider', 'codeActionProvider', 'codeLensProvider', 'inlayHintProvider', 'documentSymbolProvider']),
    );
    await c.open(fileUri(SEED_PATH), SEED, 'yaml');
    const diags = await c.diagnostics(fileUri(SEED_PATH), 1);
    expect(diags.map((d) => d.code)).toEqual(expect.arrayContaining(['memcg-path-form', 'goal-memcg-path-required', 'filter-admits-outside-goal-cgroup']));
    const hover = await c.request<Hover>('textDocument/hover', { textDocument: { uri: fileUri(SEED_PATH) }, position: positionOf(SEED, '200 MiB', 1) });
    expect((hover.contents as { value: string }).value).toContain('200 MiB = 209715200 bytes');
    const hints = await c.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: fileUri(SEED_PATH) },
      range: { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } },
    });
    expect(hints.map((h) => h.label)).toContain('≈ 8.91 GiB of node 0');
    const d = diags.find((x) => x.code === 'memcg-path-form')!;
    const actions = await c.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: fileUri(SEED_PATH) },
      range: d.range,
      context: { diagnostics: [d] },
    });
    const fixed = applyEdits(SEED, actions[0].edit!.changes![fileUri(SEED_PATH)]);
    expect(fixed).toBe(SEED.replace('memcg_path: workloads/b,', 'memcg_path: /workloads/b,'));
  });

  it('checks the damo command of a .sh script and offers its conversion through the bundle', async () => {
    const path = join(ROOT, 'examples', 'scripts', 'seed-experiment.sh');
    const text = readFileSync(path, 'utf8');
    const uri = fileUri(path);
    await c.open(uri, text, 'shellscript');
    const diags = await c.diagnostics(uri, 1);
    expect(diags.map((d) => d.code)).toEqual([
      'filter-admits-outside-goal-cgroup',
      'quota-goal-consist-overshoot',
      'damo-float-truncation',
      'filter-admits-outside-goal-cgroup',
      'quota-goal-consist-overshoot',
      'damo-float-truncation',
      'filter-admits-outside-goal-cgroup',
      'quota-goal-consist-overshoot',
      'filter-admits-outside-goal-cgroup',
      'quota-goal-consist-overshoot',
    ]);
    const trunc = diags.find((d) => d.code === 'damo-float-truncation')!;
    expect(trunc.range).toEqual({ start: positionOf(text, '9.7%'), end: positionOf(text, '9.7%', 4) });
    const hover = await c.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, '--numa_node 1', 4) });
    expect((hover.contents as { value: string }).value).toContain('**--numa_node**');
    const lenses = await c.request<{ command: { title: string; command: string } }[]>('textDocument/codeLens', { textDocument: { uri } });
    expect(lenses.map((l) => [l.command.title, l.command.command])).toEqual([['Convert to config file', 'damon.server.convertToConfig']]);
  });

  it('survives a didOpen whose text is null, missing or a number, and answers bad params with -32602', async () => {
    const bad = [null, undefined, 42];
    for (const [i, text] of bad.entries()) {
      const td: Record<string, unknown> = { uri: `file:///bad-${i}.damon.yaml`, languageId: 'yaml', version: 1 };
      if (text !== undefined) td.text = text;
      await c.notify('textDocument/didOpen', { textDocument: td });
    }
    await c.notify('textDocument/didChange', { textDocument: { uri: fileUri(SEED_PATH), version: 7 }, contentChanges: [{ text: null }] });
    const code = async (method: string, params: unknown): Promise<number | undefined> => {
      try {
        await c.request(method, params);
        return undefined;
      } catch (e) {
        return (e as { code?: number }).code;
      }
    };
    expect(await code('textDocument/hover', null)).toBe(-32602);
    expect(await code('textDocument/hover', { textDocument: { uri: fileUri(SEED_PATH) }, position: { line: 'x', character: -1 } })).toBe(-32602);
    expect(await code('textDocument/completion', { textDocument: {} })).toBe(-32602);
    expect(await code('textDocument/codeAction', { textDocument: { uri: fileUri(SEED_PATH) }, range: null, context: { diagnostics: [] } })).toBe(-32602);
    expect(
      await code('textDocument/codeAction', {
        textDocument: { uri: fileUri(SEED_PATH) },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      }),
    ).toBe(-32602);
    expect(await code('textDocument/inlayHint', { textDocument: { uri: fileUri(SEED_PATH) } })).toBe(-32602);
    expect(await code('textDocument/documentSymbol', {})).toBe(-32602);
    expect(await code('textDocument/codeLens', [])).toBe(-32602);
    // still alive and serving: the seed (untouched by the malformed change) still hovers
    expect(c.child!.exitCode).toBeNull();
    const hover = await c.request<Hover>('textDocument/hover', { textDocument: { uri: fileUri(SEED_PATH) }, position: positionOf(SEED, '200 MiB', 1) });
    expect((hover.contents as { value: string }).value).toContain('200 MiB = 209715200 bytes');
  });

  it('refuses a 20 MB single-line document with one diagnostic and keeps answering', async () => {
    const uri = 'file:///huge.damon.yaml';
    const text = `kdamonds: [${'{contexts: []}, '.repeat((20 * 1024 * 1024) / 16)}]`;
    const started = Date.now();
    await c.open(uri, text, 'yaml');
    const diags = await c.diagnostics(uri, 1, 60_000);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'file-too-large', severity: 1, range: { start: { line: 0, character: 0 } } });
    expect(diags[0].message).toMatch(/^the document is 20(\.\d)? MiB; the DAMON language server analyzes documents up to 2 MiB/);
    // no analysis behind the features: they answer at once (nothing is parsed)
    expect(await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 5_000_000 } })).toBeNull();
    expect(await c.request('textDocument/documentSymbol', { textDocument: { uri } })).toBeNull();
    expect(Date.now() - started).toBeLessThan(30_000);
    await c.notify('textDocument/didClose', { textDocument: { uri } });
  });
});
