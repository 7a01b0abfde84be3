import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'damon-config');
let tmp: string;

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// dist/cli.js is built once for the whole unit tier (test/setup/build-dist.ts)
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'damon-cli-'));
});

describe('damon-config check', () => {
  it('text: file:line:col: severity [rule-id] message, 1-based, exit 1 on errors', () => {
    const r = run(['check', 'examples/seed-rfc-example.damon.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^examples\/seed-rfc-example\.damon\.yaml:59:89: error \[memcg-path-form\] cgroup path "workloads\/b" is relative/m);
    expect(r.out).toMatch(/1 file checked: 3 errors, 3 warnings, 2 notes/);
  });

  it('exit 0 with warnings only, and for clean files', () => {
    expect(run(['check', 'examples/seed-test-script.damon.yaml']).code).toBe(0);
    expect(run(['check', '--profile', 'examples/seed-vm.profile.yaml', 'examples/memcg-tiering.damon.yaml']).out).toContain('0 errors, 0 warnings');
  });

  it('json: 0-based LSP positions, severity strings, rule ids', () => {
    const r = run(['check', '--format', 'json', 'examples/seed-rfc-example.damon.yaml']);
    const arr = JSON.parse(r.out);
    const d = arr.find((x: { code: string }) => x.code === 'memcg-path-form');
    expect(d).toEqual({
      file: 'examples/seed-rfc-example.damon.yaml',
      range: { start: { line: 58, character: 88 }, end: { line: 58, character: 99 } },
      severity: 'error',
      code: 'memcg-path-form',
      message: expect.stringContaining('relative'),
    });
    expect(new Set(arr.map((x: { severity: string }) => x.severity))).toEqual(new Set(['error', 'warning', 'information']));
  });

  it('sarif: SARIF 2.1.0 with rule metadata and regions', () => {
    const r = run(['check', '--format', 'sarif', 'examples/seed-rfc-example.damon.yaml']);
    const s = JSON.parse(r.out);
    expect(s.version).toBe('2.1.0');
    const run0 = s.runs[0];
    expect(run0.tool.driver.name).toBe('damon-config');
    const ids = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ids).toContain('goal-memcg-path-required');
    const res = run0.results.find((x: { ruleId: string }) => x.ruleId === 'memcg-path-form');
    expect(res.level).toBe('error');
    expect(res.locations[0].physicalLocation.region).toMatchObject({ startLine: 59, startColumn: 89 });
    expect(run0.results.find((x: { ruleId: string }) => x.ruleId === 'tiering-unpaired').level).toBe('note');
  });

  it('directories: finds configs, skips profiles and unrelated YAML', () => {
    const r = run(['check', '--format', 'json', 'examples']);
    const files = new Set((JSON.parse(r.out) as { file: string }[]).map((d) => d.file));
    expect(files).toContain('examples/seed-test-script.damon.yaml');
    expect(run(['check', 'examples']).out).toMatch(/\d+ files checked/);
    expect(r.out).not.toContain('seed-vm.profile');
  });

  it('--kernel: features the target kernel lacks', () => {
    const r = run(['check', '--kernel', '6.12', 'examples/memcg-tiering.damon.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('[kernel-feature] "memcg_path" needs Linux 6.19');
    expect(r.out).toContain('"intervals_goal" needs Linux 6.15; on 6.12 damo skips it without a word');
  });

  it('stdin with -', () => {
    const r = run(
      ['check', '-'],
      'kdamonds: [{contexts: [{ops: paddr, targets: [{pid: null, regions: [{start: 4 GiB, end: 8 GiB}]}], nr_regions: {min: 2, max: 10}}]}]\n',
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('<stdin>:1:');
    expect(r.out).toContain('[nr-regions-range]');
  });

  it('usage and I/O problems exit 2 with one clear message, no stack trace', () => {
    for (const args of [
      ['check'],
      ['check', '--format', 'xml', 'x'],
      ['check', '--kernel', 'new', 'x'],
      ['check', '--bogus'],
      ['nope'],
      ['check', 'missing.yaml'],
      ['check', '--profile', 'missing.yaml', 'examples'],
    ]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out + r.err).not.toMatch(/\n\s+at /);
    }
    expect(run(['check', 'missing.yaml']).out).toContain('missing.yaml:1:1: error [io-error] cannot read: no such file or directory');
  });

  it('binary, non-UTF-8, huge, deeply nested and dangling files: one diagnostic each, no crash', () => {
    const bin1 = join(tmp, 'a.damon.yaml');
    writeFileSync(bin1, Buffer.from([0x6b, 0x3a, 0x00, 0x01, 0x02]));
    const latin = join(tmp, 'b.damon.yaml');
    writeFileSync(latin, Buffer.from('kdamonds: [] # caf\xe9\n', 'latin1'));
    const huge = join(tmp, 'c.damon.yaml');
    writeFileSync(huge, '');
    truncateSync(huge, 60 * 1024 * 1024);
    const deep = join(tmp, 'd.damon.json');
    writeFileSync(deep, `{"kdamonds": ${'['.repeat(200000)}${']'.repeat(200000)}}`);
    const dangling = join(tmp, 'e.damon.yaml');
    symlinkSync(join(tmp, 'nowhere'), dangling);
    const noperm = join(tmp, 'f.damon.yaml');
    writeFileSync(noperm, 'kdamonds: []\n');
    chmodSync(noperm, 0);
    const r = run(['check', '--format', 'json', bin1, latin, huge, deep, dangling]);
    expect(r.code).toBe(2);
    const arr = JSON.parse(r.out) as { file: string; code: string; message: string }[];
    const by = (f: string) => arr.filter((d) => d.file.endsWith(f)).map((d) => d.code);
    expect(by('a.damon.yaml')).toEqual(['binary-file']);
    expect(by('b.damon.yaml')).toEqual(['not-utf8']);
    expect(by('c.damon.yaml')).toEqual(['file-too-large']);
    expect(by('d.damon.json')).toEqual(['too-deep']);
    expect(by('e.damon.yaml')).toEqual(['io-error']);
  });
});

describe('damon-config check on shell scripts', () => {
  it('checks the damo command lines of a script, at the exact command text', () => {
    const r = run(['check', '--profile', 'examples/seed-vm.profile.yaml', 'examples/scripts/seed-experiment.sh']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^examples\/scripts\/seed-experiment\.sh:\d+:\d+: warning \[filter-admits-outside-goal-cgroup\] the filters admit "memcg \/workload_a OR young"/m,
    );
    expect(r.out).not.toContain('damo-numa-node-needs-profile');
  });

  it('a directory includes scripts with damo commands; JSON output has the same shape', () => {
    const arr = JSON.parse(run(['check', '--format', 'json', 'examples/scripts']).out) as { file: string; code: string }[];
    expect(new Set(arr.map((d) => d.file))).toContain('examples/scripts/seed-experiment.sh');
  });
});

describe('damon-config check --fix', () => {
  it('applies the preferred fixes in place, one round, keeping comments, and reports what is left', async () => {
    const { copyFileSync, readFileSync } = await import('node:fs');
    const f = join(tmp, 'seed-fix.damon.yaml');
    copyFileSync(join(root, 'examples', 'seed-rfc-example.damon.yaml'), f);
    const before = readFileSync(f, 'utf8');
    const r = run(['check', '--fix', f]);
    expect(r.err).toContain('fixed 3 problem(s)');
    expect(r.err).toContain('[memcg-path-form] Add the leading "/"');
    const after = readFileSync(f, 'utf8');
    expect(after).toContain('memcg_path: /workloads/b, current_value: 0}');
    const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('#'));
    expect(comments(after)).toEqual(comments(before));
    expect(r.code).toBe(1); // the demotion goals' missing paths need a human
    expect(r.out).toContain('[goal-memcg-path-required]');
    expect(r.out).not.toContain('[memcg-path-form]');
    expect(run(['check', '--fix', '-']).code).toBe(2);
  });
});

describe('a closed output pipe', () => {
  it('`check big.damon.yaml | head` (text, JSON, SARIF) ends quietly with status 141, no stack trace', () => {
    const seed = readFileSync(join(root, 'examples', 'seed-rfc-example.damon.yaml'), 'utf8');
    const body = seed.slice(seed.indexOf('kdamonds:') + 'kdamonds:'.length);
    const big = join(tmp, 'big.damon.yaml');
    writeFileSync(big, `kdamonds:${body.repeat(150)}`); // about 200 KB of diagnostics: more than a pipe buffer
    const cases = [
      ['check', big],
      ['check', '--format', 'json', big],
      ['check', '--format', 'sarif', big],
    ];
    // (outputs that fit the pipe's buffer are written before `head` exits: no EPIPE to test there)
    for (const args of cases) {
      const cmd = `set -o pipefail; "${process.execPath}" "${bin}" ${args.map((a) => `'${a}'`).join(' ')} 2>"${tmp}/err" | head -c 100 >/dev/null; echo "status=$?"; cat "${tmp}/err"`;
      const r = spawnSync('bash', ['-c', cmd], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.stdout.trim(), args.join(' ')).toBe('status=141');
    }
  }, 180_000);
});
