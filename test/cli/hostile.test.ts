/**
 * Issue 17 (security and hostile input), driven the way it was found: the CLI as a child process
 * on devices, FIFOs, symlinks, billion-laughs and deeply nested documents. Each run is bounded in
 * time (and memory where the old behaviour was to grow), so a regression fails instead of hanging.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, symlinkSync, writeFileSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBundle, runCli, runCliAsync } from './bundle';

let tmp: string;
const mkfifo = (p: string) => execFileSync('mkfifo', [p]);

/** every stdout/stderr line of a run: no stack trace, no raw "internal error" */
function noCrash(r: { out: string; err: string }) {
  expect(r.out + r.err).not.toMatch(/\n\s+at |internal error|Maximum call stack/);
}

beforeAll(() => {
  cliBundle();
  tmp = mkdtempSync(join(tmpdir(), 'damon-hostile-'));
});

// a 372-byte "billion laughs": 9 levels of 9 aliases (9^9 nodes when expanded)
function billionLaughs(): string {
  let s = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
  let prev = 'a';
  for (let i = 1; i < 10; i++) {
    const n = String.fromCharCode(97 + i);
    s += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = n;
  }
  return `${s}kdamonds: *${prev}\n`;
}

// the same with merge keys (<<) and aliases as values
function mergeLaughs(): string {
  let s = 'a0: &a0 {k0: 1, k1: 2, k2: 3, k3: 4, k4: 5, k5: 6, k6: 7, k7: 8, k8: 9}\n';
  for (let i = 1; i < 10; i++) s += `a${i}: &a${i} {<<: *a${i - 1}, ${Array.from({ length: 9 }, (_, j) => `m${j}: *a${i - 1}`).join(', ')}}\n`;
  return `${s}kdamonds: *a9\n`;
}

describe('item 5: only regular files under a size limit are read', () => {
  it('check /dev/zero: one clear message at once, exit 2 (it used to read without bound)', () => {
    const r = runCli(['check', '--format', 'json', '/dev/zero'], { timeoutMs: 30_000, maxOldSpaceMb: 256 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    const arr = JSON.parse(r.out) as { code: string; message: string }[];
    expect(arr).toEqual([expect.objectContaining({ code: 'not-a-regular-file', message: expect.stringContaining('a character device, not a regular file') })]);
  });

  it('check FIFO: never blocks on it (it used to wait for a writer forever)', async () => {
    const fifo = join(tmp, 'pipe.damon.yaml');
    mkfifo(fifo);
    const r = await runCliAsync(['check', fifo], { timeoutMs: 30_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.out).toContain('a FIFO (named pipe), not a regular file');
    noCrash(r);
  });

  it('--profile /dev/zero, --profile FIFO, --ssh-config /dev/zero and FIFO: refused before anything else', async () => {
    const fifo = join(tmp, 'profile-pipe.yaml');
    mkfifo(fifo);
    const cfg = join(tmp, 'ok.damon.yaml');
    writeFileSync(cfg, 'kdamonds: []\n');
    const runs = await Promise.all([
      runCliAsync(['check', '--profile', '/dev/zero', cfg], { timeoutMs: 30_000, maxOldSpaceMb: 256 }),
      runCliAsync(['check', '--profile', fifo, cfg], { timeoutMs: 30_000 }),
      runCliAsync(['import-damo', '--profile', '/dev/zero', '-'], { input: 'damo start --ops paddr\n', timeoutMs: 30_000, maxOldSpaceMb: 256 }),
      runCliAsync(['stop', '--host', 'nohost', '--ssh-config', '/dev/zero'], { timeoutMs: 30_000, maxOldSpaceMb: 256 }),
      runCliAsync(['status', '--host', 'nohost', '--ssh-config', fifo], { timeoutMs: 30_000 }),
      runCliAsync(['deploy', cfg, '--dry-run', '--host', 'nohost', '--ssh-config', '/dev/zero'], { timeoutMs: 30_000, maxOldSpaceMb: 256 }),
      runCliAsync(['simulate', cfg, '--scenario', '/dev/zero'], { timeoutMs: 30_000, maxOldSpaceMb: 256 }),
    ]);
    for (const r of runs) {
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(2);
      expect(r.err + r.out).toMatch(/(character device|FIFO \(named pipe\)), not a regular file/);
      noCrash(r);
    }
  });

  it('check - with /dev/zero as standard input stops at the size limit (file-too-large), bounded heap', async () => {
    const r = await runCliAsync(['check', '--format', 'json', '-'], { stdinFile: '/dev/zero', timeoutMs: 60_000, maxOldSpaceMb: 512 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out) as { code: string }[]).map((d) => d.code)).toEqual(['file-too-large']);
  });

  it('a profile over the size limit is refused with its size', () => {
    const big = join(tmp, 'big.profile.yaml');
    const fd = openSync(big, constants.O_CREAT | constants.O_WRONLY);
    closeSync(fd);
    execFileSync('truncate', ['-s', '5M', big]);
    const r = runCli(['check', '--profile', big, join(tmp, 'ok.damon.yaml')], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the file is 5 MiB; it was not read \(limit 4 MiB\)/);
  });

  it('check DIR follows no symlink out of the directory and waits on no FIFO inside it', async () => {
    const dir = join(tmp, 'scan');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.damon.yaml'), 'kdamonds: []\n');
    writeFileSync(join(dir, 'sub', 'b.damon.yaml'), 'kdamonds: []\n');
    const outsideFile = join(tmp, 'outside.damon.yaml');
    writeFileSync(outsideFile, 'kdamonds: [}\n');
    symlinkSync('/dev/zero', join(dir, 'zero.damon.yaml'));
    symlinkSync(outsideFile, join(dir, 'out.damon.yaml'));
    symlinkSync(join(dir, 'a.damon.yaml'), join(dir, 'same.damon.yaml'));
    symlinkSync('/', join(dir, 'root'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    mkfifo(join(dir, 'fifo.damon.yaml'));
    const r = await runCliAsync(['check', '--format', 'json', dir], { cwd: tmp, timeoutMs: 30_000, maxOldSpaceMb: 256 });
    expect(r.timedOut).toBe(false);
    noCrash(r);
    const arr = JSON.parse(r.out) as { file: string; code: string }[];
    // the two configs (the in-tree link to a.damon.yaml is the same file), and a note for the link out
    expect(arr.map((d) => `${d.file} ${d.code}`).sort()).toEqual(['scan/out.damon.yaml symlink-outside']);
    expect(r.code).toBe(0);
    const text = await runCliAsync(['check', dir], { cwd: tmp, timeoutMs: 30_000 });
    expect(text.out).toMatch(/3 files checked/);
  });
});

describe('item 7: alias and merge-key expansion is limited', () => {
  for (const [name, doc] of [
    ['aliases', billionLaughs()],
    ['merge keys', mergeLaughs()],
  ] as const) {
    it(`${name}: one yaml-alias-limit diagnostic within seconds and 256 MB (was 21 s and 1.9 GB)`, () => {
      const f = join(tmp, `laughs-${name.replace(' ', '-')}.damon.yaml`);
      writeFileSync(f, doc);
      const r = runCli(['check', '--format', 'json', f], { timeoutMs: 30_000, maxOldSpaceMb: 256 });
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      const arr = JSON.parse(r.out) as { code: string; message: string }[];
      expect(arr.filter((d) => d.code === 'yaml-alias-limit')).toHaveLength(1);
      expect(arr.find((d) => d.code === 'yaml-alias-limit')!.message).toMatch(/aliases expand to more than 50,000 nodes/);
      expect(arr.length).toBeLessThan(5);
    });
  }

  it('the same through export-damo and simulate: a clear error, exit 1/2, no crash', () => {
    const f = join(tmp, 'laughs-aliases.damon.yaml');
    for (const args of [
      ['export-damo', f],
      ['simulate', f, '--scenario', 'seed-memcg-tiering'],
      ['plan', f],
    ]) {
      const r = runCli(args, { timeoutMs: 30_000, maxOldSpaceMb: 256 });
      expect(r.timedOut, args.join(' ')).toBe(false);
      expect([1, 2], args.join(' ')).toContain(r.code);
      noCrash(r);
    }
  });
});

describe('item 8: nesting is capped before parsing, diagnostics per file are capped', () => {
  it('{ x 10,000 at the root and { x 1,000,000 inside a document: one too-deep each', () => {
    const a = join(tmp, 'deep1.damon.yaml');
    writeFileSync(a, `${'{'.repeat(10_000)}\n`);
    const b = join(tmp, 'deep2.damon.yaml');
    writeFileSync(b, `kdamonds:\n  - contexts: ${'{'.repeat(1_000_000)}\n`);
    const c = join(tmp, 'deep3.damon.yaml');
    writeFileSync(c, `kdamonds:\n${'- '.repeat(10_000)}x\n`);
    const d = join(tmp, 'deep4.damon.json');
    writeFileSync(d, `{"kdamonds": ${'['.repeat(100_000)}`);
    const r = runCli(['check', '--format', 'json', a, b, c, d], { timeoutMs: 30_000, maxOldSpaceMb: 256 });
    expect(r.timedOut).toBe(false);
    noCrash(r);
    const arr = JSON.parse(r.out) as { file: string; code: string; message: string }[];
    for (const f of ['deep1.damon.yaml', 'deep2.damon.yaml', 'deep3.damon.yaml', 'deep4.damon.json']) {
      expect(
        arr.filter((x) => x.file.endsWith(f)).map((x) => x.code),
        f,
      ).toEqual(['too-deep']);
    }
    expect(arr[0].message).toContain('nesting deeper than 256 levels');
  });

  it('80,000 problems: the first 1,000 and one "and 79,000 more", exit 1', () => {
    const f = join(tmp, 'many.damon.yaml');
    writeFileSync(f, `kdamonds:\n${'  - contexts: []\n'.repeat(80_000)}`);
    const r = runCli(['check', '--format', 'json', f], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    const arr = JSON.parse(r.out) as { code: string; message: string; severity: string }[];
    expect(arr).toHaveLength(1001);
    expect(arr[1000]).toMatchObject({ code: 'too-many-problems', severity: 'error' });
    expect(arr[1000].message).toMatch(/^and 79,000 more \(79,000 errors\) not listed/);
  });
});

describe('item 10: simulate --scenario with an unresolved alias or an alias bomb', () => {
  it('a clear message at the alias, exit 2, never "internal error"', () => {
    const sc = join(tmp, 'bad-alias.scenario.yaml');
    writeFileSync(sc, 'name: x\nmachine: *m\n');
    const r = runCli(['simulate', 'examples/memcg-tiering.damon.yaml', '--scenario', sc], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad-alias.scenario.yaml:2:10: error: alias *m has no anchor &m before it');
    noCrash(r);
    const bomb = join(tmp, 'bomb.scenario.yaml');
    writeFileSync(bomb, billionLaughs().replace('kdamonds:', 'machine:'));
    const b = runCli(['simulate', 'examples/memcg-tiering.damon.yaml', '--scenario', bomb], { timeoutMs: 60_000, maxOldSpaceMb: 256 });
    expect(b.code).toBe(2);
    expect(b.err).toContain('aliases expand too much');
    noCrash(b);
  });
});

describe('item 11: export-damo --format json on several YAML documents', () => {
  it('refuses with exit 2 and nothing on stdout, or exports the one chosen with --document', () => {
    const f = join(tmp, 'two.damon.yaml');
    writeFileSync(f, 'kdamonds: []\n---\nkdamonds:\n  - contexts: []\n');
    const r = runCli(['export-damo', '--format', 'json', f], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('has 2 YAML documents, and damo reads one config per JSON file: choose one with --document N (1 to 2)');
    const one = runCli(['export-damo', '--format', 'json', '--document', '2', f], { timeoutMs: 30_000 });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out)).toEqual({ kdamonds: [{ contexts: [] }] });
    expect(runCli(['export-damo', '--format', 'json', '--document', '3', f], { timeoutMs: 30_000 }).code).toBe(2);
  });
});

describe('item 12: one-line messages; in CRLF files no diagnostic ends past its line', () => {
  it('CRLF YAML found by the fuzz target: every range ends inside its line (check --format json)', () => {
    const files = ['found-crlf-empty-line.damon.yaml', 'found-crlf-duplicate-key.damon.yaml'].map((f) => join(__dirname, '..', 'fuzz', 'seeds', f));
    const r = runCli(['check', '--format', 'json', ...files], { timeoutMs: 30_000 });
    const arr = JSON.parse(r.out) as { file: string; code: string; range: { end: { line: number; character: number } } }[];
    expect(arr.some((d) => d.code === 'yaml-syntax')).toBe(true);
    expect(arr.some((d) => d.code === 'yaml-duplicate-key')).toBe(true);
    for (const d of arr) {
      const lines = readFileSync(
        files.find((f) => f.endsWith(d.file.split('/').pop()!))!,
        'utf8',
      ).split(/\r\n|\r|\n/);
      expect({ code: d.code, end: d.range.end, past: d.range.end.character > lines[d.range.end.line].length }).toEqual({
        code: d.code,
        end: d.range.end,
        past: false,
      });
    }
  });

  it('a quoted word with a line break in a message is shown as \\n', () => {
    const r = runCli(['import-damo', '-'], { input: 'damo start --damos_action stat --damos_filter "foo\nbar" x\n', timeoutMs: 30_000 });
    noCrash(r);
    // every stderr line is a diagnostic (file:line:col:), a fix line, or the closing remark
    for (const line of r.err.trimEnd().split('\n')) expect(line).toMatch(/^(<stdin>:\d+:\d+: |damon-config import-damo: )/);
    expect(r.err).toContain('foo\\n');
  });
});
