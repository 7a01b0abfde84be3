/** `damon-config explain`, run through the CLI's entry point with real files and arguments. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../server/src/cli/main';

const root = join(__dirname, '..', '..');

async function run(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false, cwd: root, readStdin: async () => stdin });
  return { code, out, err };
}

describe('damon-config explain', () => {
  it('text: a line per kdamond and scheme, the OR of the seed script, bytes from the profile', async () => {
    const r = await run(['explain', '--profile', 'examples/seed-vm.profile.yaml', 'examples/seed-test-script.damon.yaml']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^examples\/seed-test-script\.damon\.yaml\n/);
    expect(r.out).toContain('  kdamond 0: paddr, node 1\n');
    expect(r.out).toContain('    scheme 0: migrate_hot\n');
    expect(r.out.replace(/\s+/g, ' ')).toContain('only what the filters admit: memcg /workload_a OR young');
    expect(r.out.replace(/\s+/g, ' ')).toContain('/workload_a uses 9.7 % of node 0 (≈ 2.91 GiB on seed-vm)');
  });

  it('markdown for a review: a heading per kdamond, a list per scheme, several files', async () => {
    const r = await run(['explain', '--format', 'markdown', 'examples/memcg-tiering.damon.yaml', 'examples/proactive-reclaim.damon.json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('## `examples/memcg-tiering.damon.yaml`\n');
    expect(r.out).toContain('## `examples/proactive-reclaim.damon.json`\n');
    expect(r.out).toContain('### kdamond 1: paddr\n');
    expect(r.out).toContain('\n- How fast: at most 200 MiB per second.\n');
    expect(r.out).toContain('### Tiering');
    expect(r.out).toContain('(in bytes with --profile FILE)');
  });

  it('json: the structure, and stdin', async () => {
    const text =
      'kdamonds: [{contexts: [{ops: vaddr, targets: [{pid: 4242}], schemes: [{action: pageout, access_pattern: {nr_accesses: {min: 0%, max: 0%}, age: {min: 30 s, max: max}}}]}]}]\n';
    const r = await run(['explain', '--format=json', '-'], text);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.files[0].file).toBe('<stdin>');
    const kd = j.files[0].explanations[0].kdamonds[0];
    expect(kd.sentences[0]).toBe('Watches the virtual address space of process 4242 (vaddr): the mapped areas, adjusted as they change.');
    expect(kd.schemes[0].sentences[0]).toBe(
      'What: reclaims (pages out) memory not accessed in any of the 20 samples of an aggregation interval, idle for at least 30 s (300 aggregation intervals).',
    );
    expect(kd.schemes[0].sentences).toContain('How fast: unbounded: it acts on all matching memory every time it is applied.');
  });

  it('a shell script: each damo command line, explained as the config it makes', async () => {
    const r = await run(['explain', '--profile', 'examples/seed-vm.profile.yaml', 'examples/scripts/proactive-reclaim.sh']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^examples\/scripts\/proactive-reclaim\.sh:\d+ \(damo start\)\n/);
    expect(r.out).toContain('scheme 0: pageout');
  });

  it('bad input: a clear message and exit 1 or 2, never a stack trace', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'damon-explain-'));
    writeFileSync(join(tmp, 'list.yaml'), '- a\n- b\n');
    writeFileSync(join(tmp, 'bin.yaml'), Buffer.from([0x6b, 0, 1, 2]));
    const notConfig = await run(['explain', join(tmp, 'list.yaml')]);
    expect(notConfig.code).toBe(1);
    expect(notConfig.err).toMatch(/list\.yaml: not a DAMON config/);
    const binary = await run(['explain', join(tmp, 'bin.yaml'), 'examples/node-tiering.damon.yaml']);
    expect(binary.code).toBe(1);
    expect(binary.err).toMatch(/bin\.yaml: binary file/);
    expect(binary.out).toContain('examples/node-tiering.damon.yaml');
    writeFileSync(join(tmp, 'empty.sh'), '#!/bin/sh\necho hello\n');
    expect((await run(['explain', join(tmp, 'empty.sh')])).err).toMatch(/empty\.sh: no damo start\|tune command that gives a config/);
    expect((await run(['explain', '--format', 'html', 'x'])).code).toBe(2);
    expect((await run(['explain', '--bogus'])).err).toMatch(/Unknown option '--bogus'/);
    expect((await run(['explain'])).err).toMatch(/no config given/);
    expect((await run(['explain', '--profile', join(tmp, 'list.yaml'), 'examples/node-tiering.damon.yaml'])).code).toBe(2);
    expect((await run(['explain', '--help'])).out).toMatch(/^usage: damon-config explain/);
  });
});
