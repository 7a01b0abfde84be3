/**
 * Hover texts as a user reads them (issue #13 item 6): the goal metric described once, a
 * nr_accesses percentage in samples, unit grammar text that markdown does not eat, and a damo size
 * argument in a shell script with its byte value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-protocol';
import { metricDoc } from '../../server/src/ide/describe';
import { fileUri, inProcess, positionOf, type TestClient } from './harness';

const ROOT = join(__dirname, '..', '..');
const SEED_PATH = join(ROOT, 'examples', 'seed-rfc-example.damon.yaml');
const SEED = readFileSync(SEED_PATH, 'utf8');
const SCRIPT = '#!/bin/sh\ndamo start --ops paddr --numa_node 1 --damos_action migrate_hot 0 --damos_quotas 0 200MB 1000\n';
const SCRIPT_URI = fileUri(join(ROOT, 'tmp-hover-200mb.sh'));

describe('hover texts', () => {
  let c: TestClient;
  const hover = async (uri: string, text: string, needle: string, delta = 1): Promise<string> => {
    const h = await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, delta) });
    return (h?.contents as { value?: string } | undefined)?.value ?? '';
  };
  beforeAll(async () => {
    c = await inProcess({ rootDir: ROOT, settings: { profile: 'examples/seed-vm.profile.yaml' } });
    await c.open(fileUri(SEED_PATH), SEED, 'yaml');
    await c.diagnostics(fileUri(SEED_PATH), 1);
    await c.open(SCRIPT_URI, SCRIPT, 'shellscript');
    await c.diagnostics(SCRIPT_URI, 1);
  });
  afterAll(async () => c.close());

  it('describes the goal metric once when hovering the metric', async () => {
    const md = await hover(fileUri(SEED_PATH), SEED, 'node_memcg_used_bp', 3);
    const doc = metricDoc('node_memcg_used_bp')!.doc;
    expect(md.split(doc.slice(0, 40)).length - 1).toBe(1);
    expect(md).toContain('**Goal metric `node_memcg_used_bp`**');
  });

  it('says how many samples a nr_accesses percentage is', async () => {
    const md = await hover(fileUri(SEED_PATH), SEED, 'min: 5%', 6);
    // sample_us 5 ms, aggr_us 100 ms: 20 samples per aggregation; 5 % of them is 1
    expect(md).toContain('= **1 of 20 samples** per aggregation interval');
  });

  it('keeps "N samples" in the unit text (markdown ate "<n>")', async () => {
    const md = await hover(fileUri(SEED_PATH), SEED, 'min: 5%', 1);
    expect(md).toContain('"N samples"');
    expect(md).not.toMatch(/" samples"/);
  });

  it('shows the byte value of 200MB in a shell script', async () => {
    const md = await hover(SCRIPT_URI, SCRIPT, '200MB', 2);
    expect(md).toContain('`200MB` → `kdamonds[0].contexts[0].schemes[0].quotas.sz_bytes` = **200 MiB = 209715200 bytes**');
  });
});
