/**
 * What the VS Code client feeds the language server, end to end in process:
 *  - after "DAMON: Simulate", the simulator's converged goal values (`damon/simulatedValues`) become
 *    "sim 9.x %" inlay hints and hover lines next to each quota goal;
 *  - after "DAMON: Use Host Profile…", the damon.profile setting names the probed host's profile and
 *    every open config is re-checked against that host (cgroups, nodes, memory ranges, kernel release).
 * The host profile fixture is the verbatim output of `damon-config probe` on the 7.2 test VM.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic, Hover, InlayHint } from 'vscode-languageserver-protocol';
import type { SimResult } from '../../server/src/core/sim/result';
import { runRequest } from '../../server/src/sim-worker/worker';
import type { WorkerMessage } from '../../server/src/core/sim/worker-protocol';
import { simulatedValuesParams } from '../../server/src/ide/simulated';
import { fileUri, inProcess, positionOf, type TestClient } from './harness';

const ROOT = join(__dirname, '..', '..');
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

describe('simulated goal values → inlay hints and hovers', () => {
  const path = join(ROOT, 'examples', 'seed-test-script.damon.yaml');
  const uri = fileUri(path);
  const text = readFileSync(path, 'utf8');
  let c: TestClient;
  let result: SimResult;
  beforeAll(async () => {
    c = await inProcess({ rootDir: ROOT, settings: { profile: 'examples/seed-vm.profile.yaml' } });
    await c.open(uri, text, 'damon-yaml');
    await c.diagnostics(uri, 1);
    // the worker's own code path (in this thread), with the request the client sends
    const msgs: WorkerMessage[] = [];
    runRequest({ configText: text, fileName: 'config.yaml', scenario: { builtin: 'seed-memcg-tiering' }, seed: 2 }, (m) => msgs.push(m));
    const last = msgs.at(-1)!;
    if (last.type !== 'result') throw new Error(`simulation: ${JSON.stringify(last)}`);
    result = last.result;
  }, 30_000);
  afterAll(async () => c.close());

  const hints = async () => {
    const r = await c.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } },
    });
    return r.map((h) => ({ label: String(h.label), line: h.position.line, character: h.position.character }));
  };

  it("shows each goal's converged value next to its target", async () => {
    const before = c.refreshes;
    await c.notify('damon/simulatedValues', simulatedValuesParams(uri, result.goals));
    await expect.poll(() => c.refreshes).toBeGreaterThan(before);
    const hs = (await hints()).filter((h) => h.label.startsWith('sim '));
    const targets = ['target_value: 9.7%', 'target_value: 19.7%', 'target_value: 90.5%', 'target_value: 80.5%'];
    expect(hs).toHaveLength(4);
    targets.forEach((t, i) => {
      const g = result.goals[i];
      const at = positionOf(text, t, t.length);
      expect(hs).toContainEqual({ label: `sim ${+(g.meanValue! / 100).toFixed(2)} %`, line: at.line, character: at.character });
    });
    // /workload_a's promotion goal (9.7 % of node 0) lands near its target, like the seed's table
    const a = hs.find((h) => h.line === positionOf(text, targets[0]).line)!;
    const pct = Number(/^sim ([\d.]+) %$/.exec(a.label)![1]);
    expect(pct).toBeGreaterThan(7);
    expect(pct).toBeLessThan(13);
  });

  it("names the simulated value in the goal's hover", async () => {
    const h = await c.request<Hover | null>('textDocument/hover', {
      textDocument: { uri },
      position: positionOf(text, 'node_memcg_used_bp, target_value: 9.7%', 3),
    });
    const md = (h?.contents as { value: string }).value;
    expect(md).toContain(`Last simulated value: ${+(result.goals[0].meanValue! / 100).toFixed(2)} %`);
  });

  it('a new run replaces the previous values', async () => {
    await c.notify('damon/simulatedValues', simulatedValuesParams(uri, result.goals.slice(0, 1)));
    await expect.poll(async () => (await hints()).filter((h) => h.label.startsWith('sim ')).length).toBe(1);
  });
});

describe('host profile → documents re-checked against the host', () => {
  const tieringPath = join(ROOT, 'test', 'deploy', 'fixtures', 'tiering-vm.damon.yaml');
  const bigPath = join(ROOT, 'examples', 'memcg-tiering.damon.yaml');
  const tiering = { uri: fileUri(tieringPath), text: readFileSync(tieringPath, 'utf8') };
  const big = { uri: fileUri(bigPath), text: readFileSync(bigPath, 'utf8') };
  const probed = read('test/lsp/fixtures/testvm-7.2.profile.yaml');
  let c: TestClient;
  let storage: string;
  beforeAll(async () => {
    // where the extension's global storage keeps probed profiles
    storage = mkdtempSync(join(tmpdir(), 'damon-globalstorage-'));
    c = await inProcess({ rootDir: ROOT, settings: { profile: 'examples/seed-vm.profile.yaml' } });
    await c.open(tiering.uri, tiering.text, 'damon-yaml');
    await c.open(big.uri, big.text, 'damon-yaml');
    await c.diagnostics(tiering.uri, 1);
    await c.diagnostics(big.uri, 1);
  });
  afterAll(async () => {
    await c.close();
    rmSync(storage, { recursive: true, force: true });
  });

  const latest = (uri: string): Diagnostic[] => c.published.filter((p) => p.uri === uri).at(-1)?.diagnostics ?? [];
  const codes = (uri: string): string[] => [...new Set(latest(uri).map((d) => String(d.code)))].sort();
  /** what the client does: write the profile, set damon.profile, the setting sync notifies the server */
  const useProfile = async (file: string) => {
    const n = c.published.length;
    c.settings.profile = file;
    await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
    await expect.poll(() => new Set(c.published.slice(n).map((p) => p.uri)).size, { timeout: 10_000 }).toBe(2);
  };

  it('the seed VM profile knows /workloads/a and the 61 GiB layout: no host findings', () => {
    expect(codes(big.uri)).not.toContain('memcg-path-unknown');
    expect(codes(big.uri)).not.toContain('regions-outside-memory');
  });

  it('re-publishes diagnostics against the probed host: unknown cgroups and ranges outside its memory', async () => {
    const file = join(storage, 'damon-testhost-7.2.profile.yaml');
    writeFileSync(file, probed);
    await useProfile(file);
    const bigDiags = latest(big.uri);
    const unknown = bigDiags.filter((d) => d.code === 'memcg-path-unknown');
    expect(unknown.length).toBeGreaterThanOrEqual(4);
    expect(unknown[0].severity).toBe(1);
    expect(String(unknown[0].message)).toMatch(/\/workloads\/[ab]/);
    const at = positionOf(big.text, '/workloads/a, target_value');
    expect(unknown.some((d) => d.range.start.line === at.line && d.range.start.character === at.character)).toBe(true);
    const outside = bigDiags.filter((d) => d.code === 'regions-outside-memory');
    expect(outside.length).toBeGreaterThanOrEqual(1);
    expect(outside[0].range.start.line).toBe(positionOf(big.text, '{start: 31 GiB, end: 61 GiB}').line);
    // the config written for that host: only the findings it has without any profile (`check`
    // without --profile); the seed VM's layout had put its range on the wrong node
    expect(codes(tiering.uri)).toEqual(['tiering-dead-zone']);
    expect(latest(tiering.uri).filter((d) => d.severity === 1)).toEqual([]);
    // the status bar names the host and its kernel
    await expect
      .poll(() => c.status.filter((s) => s.uri === tiering.uri).at(-1))
      .toMatchObject({ profileName: 'damon-testhost-7.2', kernel: '7.2.13+deb14-cloud-amd64', profilePath: file });
  });

  it("checks the kernel features of the host's release", async () => {
    // the same host booted with Debian 13's 6.12 kernel
    const file = join(storage, 'damon-testhost-6.12.profile.yaml');
    writeFileSync(file, probed.replace(/7\.2\.13\+deb14-cloud-amd64/g, '6.12.57+deb13-amd64').replace(/damon-testhost-7\.2/g, 'damon-testhost-6.12'));
    await useProfile(file);
    const feat = latest(tiering.uri).filter((d) => d.code === 'kernel-feature');
    expect(feat.some((d) => d.severity === 1 && /"node_memcg_used_bp" needs Linux 6\.19/.test(String(d.message)))).toBe(true);
    expect(feat.some((d) => /"goal_tuner" needs Linux 7\.1/.test(String(d.message)))).toBe(true);
  });

  it('probing the same host again rewrites its file: the server reloads it', async () => {
    // the setting keeps its value, so the client asks the server to re-read its settings
    const file = join(storage, 'damon-testhost-6.12.profile.yaml');
    writeFileSync(file, probed);
    const n = c.published.length;
    await c.notify('workspace/didChangeConfiguration', { settings: null });
    await expect.poll(() => c.published.slice(n).some((p) => p.uri === tiering.uri), { timeout: 10_000 }).toBe(true);
    expect(codes(tiering.uri)).toEqual(['tiering-dead-zone']);
  });

  it("an explicit damon.kernel setting still wins over the profile's release", async () => {
    const n = c.published.length;
    c.settings.kernel = '7.2';
    await c.notify('workspace/didChangeConfiguration', { settings: { damon: c.settings } });
    await expect.poll(() => c.published.slice(n).some((p) => p.uri === tiering.uri), { timeout: 10_000 }).toBe(true);
    expect(codes(tiering.uri)).not.toContain('kernel-feature');
    delete c.settings.kernel;
  });
});
