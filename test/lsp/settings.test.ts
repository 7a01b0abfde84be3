/**
 * Where the server's settings come from, driven as the clients send them: Neovim 0.7 declares no
 * workspace/configuration capability and sends no didChangeConfiguration, so `initializationOptions`
 * must be enough; VS Code answers workspace/configuration; a push replaces both. The source in effect
 * is reported in damon/status and logged, and the profile it names must show in the inlay hints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InlayHint } from 'vscode-languageserver-protocol';
import { fileUri, inProcess, type TestClient } from './harness';

const ROOT = join(__dirname, '..', '..');
const SEED_PATH = join(ROOT, 'examples', 'memcg-tiering.damon.yaml');
const SEED = readFileSync(SEED_PATH, 'utf8');
const URI = fileUri(SEED_PATH);
const PROFILE = join(ROOT, 'examples', 'seed-vm.profile.yaml');

async function statusOf(c: TestClient, pred: (s: TestClient['status'][number]) => boolean = () => true): Promise<TestClient['status'][number]> {
  for (let i = 0; i < 200; i++) {
    const s = [...c.status].reverse().find((x) => x.uri === URI);
    if (s && pred(s)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no matching damon/status: ${JSON.stringify(c.status.at(-1))}`);
}

async function hints(c: TestClient): Promise<string[]> {
  const h = await c.request<InlayHint[]>('textDocument/inlayHint', {
    textDocument: { uri: URI },
    range: { start: { line: 0, character: 0 }, end: { line: 500, character: 0 } },
  });
  return h.map((x) => (typeof x.label === 'string' ? x.label : x.label.map((p) => p.value).join('')));
}

describe('settings sources', () => {
  let c: TestClient | undefined;
  afterEach(async () => {
    await c?.close();
    c = undefined;
  });

  it('a client without workspace/configuration (Neovim 0.7): initializationOptions {damon: …} load the profile', async () => {
    c = await inProcess({ rootDir: ROOT, noConfiguration: true, initializationOptions: { damon: { profile: PROFILE } } });
    await c.open(URI, SEED, 'yaml');
    const s = await statusOf(c);
    expect(s).toMatchObject({ settingsSource: 'initializationOptions', profileName: 'seed-vm', profilePath: PROFILE });
    expect(c.configurationRequests).toBe(0);
    expect(c.logs.join('\n')).toContain(`damon settings from initializationOptions (profile: ${PROFILE}`);
    // the profile took effect: the goal target as a share of node 0 of the profile
    expect(await hints(c)).toContain('≈ 8.91 GiB of node 0');
  });

  it('a client that declares workspace/configuration: the answer wins over initializationOptions', async () => {
    c = await inProcess({ rootDir: ROOT, settings: { profile: PROFILE }, initializationOptions: { settings: { profile: '/nonexistent.profile.yaml' } } });
    await c.open(URI, SEED, 'yaml');
    const s = await statusOf(c, (x) => x.settingsSource === 'workspace/configuration');
    expect(s.profileName).toBe('seed-vm');
    expect(s.profileError).toBeUndefined();
    expect(c.configurationRequests).toBeGreaterThanOrEqual(1);
  });

  it('a pushed didChangeConfiguration {damon: …} replaces them, even from a client that cannot be asked', async () => {
    c = await inProcess({ rootDir: ROOT, noConfiguration: true });
    await c.open(URI, SEED, 'yaml');
    const before = await statusOf(c);
    expect(before.settingsSource).toBe('defaults');
    expect(before.profileName).toBeUndefined();
    expect(c.logs.join('\n')).toContain('no damon settings received: defaults');
    expect(await hints(c)).not.toContain('≈ 8.91 GiB of node 0');
    await c.notify('workspace/didChangeConfiguration', { settings: { damon: { profile: PROFILE } } });
    await statusOf(c, (x) => x.settingsSource === 'workspace/didChangeConfiguration' && x.profileName === 'seed-vm');
    expect(await hints(c)).toContain('≈ 8.91 GiB of node 0');
    expect(c.configurationRequests).toBe(0);
  });
});
