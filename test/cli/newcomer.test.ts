/**
 * The CLI as a newcomer meets it (issue 18): one verdict for an empty file in check, plan, simulate
 * and the editor; usage errors for unknown options; `rules --help`; a one-line hint from
 * bin/damon-config before `npm ci`; `simulate --duration` and the RFC line; a commented-out damo
 * command in a script. Everything runs through bin/damon-config as a user types it (the LSP case
 * through the in-process server).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileUri, inProcess } from '../lsp/harness';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'damon-config');
let tmp: string;

function run(args: string[], opts: { bin?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [opts.bin ?? bin, ...args], { cwd: root, input: opts.input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// dist/cli.js is built once for the whole unit tier (test/setup/build-dist.ts)
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'damon-newcomer-'));
});

const EMPTY = /\[empty-file\] the file is empty .*"kdamonds"/;

describe('an empty config file: one verdict everywhere', () => {
  const files = () => {
    const empty = join(tmp, 'empty.damon.yaml');
    const comments = join(tmp, 'comments.damon.yaml');
    const json = join(tmp, 'empty.damon.json');
    writeFileSync(empty, '');
    writeFileSync(comments, '# nothing here yet\n---\n');
    writeFileSync(json, '  \n');
    return [empty, comments, json];
  };

  it('check: one error, exit 1', () => {
    for (const f of files()) {
      const r = run(['check', f]);
      expect(r.code, f).toBe(1);
      expect(r.out).toMatch(EMPTY);
      expect(r.out).toContain('1 file checked: 1 error, 0 warnings');
    }
  });

  it('plan: the same error, exit 1, and no word of deploying', () => {
    const [f] = files();
    const r = run(['plan', f]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(EMPTY);
    expect(r.err).not.toMatch(/deployed|found 0/);
  });

  it('simulate: the same error, never "no errors"', () => {
    const [f] = files();
    const r = run(['simulate', f, '--scenario', 'seed-memcg-tiering']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(EMPTY);
    expect(r.err).not.toContain('no errors');
  });

  it('the editor (LSP): the same one error', async () => {
    const c = await inProcess({ rootDir: tmp });
    try {
      const uri = fileUri(join(tmp, 'new.damon.yaml'));
      await c.open(uri, '', 'damon-yaml');
      const ds = await c.diagnostics(uri, undefined, 30_000);
      expect(ds.map((d) => [d.code, d.severity])).toEqual([['empty-file', 1]]);
      // and the server reports package.json's version, like `damon-config --version`
      expect(c.init?.serverInfo?.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    } finally {
      await c.close();
    }
  });
});

describe('plan never deploys', () => {
  it('a config with errors: "fix them to get a plan"', () => {
    const r = run(['plan', 'examples/seed-rfc-example.damon.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^examples\/seed-rfc-example\.damon\.yaml: 3 errors; fix them to get a plan$/m);
    expect(r.err).not.toContain('deployed');
  });
});

describe('arguments (node:util parseArgs)', () => {
  it('an unknown option is a usage error (exit 2) in every subcommand, not a file name', () => {
    for (const cmd of ['check', 'plan', 'simulate', 'import-damo', 'export-damo', 'rules', 'deploy', 'status', 'stop', 'probe']) {
      const r = run([cmd, '-x', 'f']);
      expect(r.code, cmd).toBe(2);
      expect(r.err, cmd).toContain(`damon-config ${cmd}: unknown option -x`);
      expect(r.err, cmd).toContain(`usage: damon-config ${cmd}`);
    }
  });

  it('a missing value and a value on a switch are usage errors', () => {
    expect(run(['check', '--format'])).toMatchObject({ code: 2, err: expect.stringContaining('--format needs a value') });
    expect(run(['check', '--fix=yes', 'f'])).toMatchObject({ code: 2, err: expect.stringContaining('--fix takes no value') });
  });

  it('a file named like an option goes after --', () => {
    const f = join(tmp, '-x.damon.yaml');
    copyFileSync(join(root, 'examples', 'seed-test-script.damon.yaml'), f);
    const r = spawnSync(process.execPath, [bin, 'check', '--', '-x.damon.yaml'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 file checked: 0 errors');
  });

  it('rules --help and -h print its usage; rules RULE-ID explains; two ids are a usage error', () => {
    for (const h of ['--help', '-h']) {
      const r = run(['rules', h]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: damon-config rules \[RULE-ID\]/);
    }
    expect(run(['rules', 'memcg-path-form']).out).toMatch(/^memcg-path-form \(error\): /);
    expect(run(['rules', 'a', 'b']).code).toBe(2);
  });

  it("--version is package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(run(['--version']).out).toBe(`damon-config ${version}\n`);
  });

  it('no command: the usage on stderr, exit 2', () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: damon-config COMMAND');
  });
});

describe('bin/damon-config in a fresh clone before `npm ci`', () => {
  it('prints a one-line hint, no Node stack trace', () => {
    // the clone's layout without node_modules and dist/
    const clone = join(tmp, 'clone');
    mkdirSync(join(clone, 'bin'), { recursive: true });
    mkdirSync(join(clone, 'scripts'), { recursive: true });
    copyFileSync(bin, join(clone, 'bin', 'damon-config'));
    copyFileSync(join(root, 'scripts', 'build.mjs'), join(clone, 'scripts', 'build.mjs'));
    const r = run(['check', 'x.damon.yaml'], { bin: join(clone, 'bin', 'damon-config') });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`damon-config: dist/cli.js is not built yet: run \`npm ci\` in ${clone} first\n`);
  });
});

describe('simulate', () => {
  it('--duration: the message names the accepted forms; a bare number is seconds', () => {
    const r = run(['simulate', 'examples/seed-test-script.damon.yaml', '--scenario', 'seed-memcg-tiering', '--duration', 'abc']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--duration: "abc" is not a duration: write seconds (900) or a time with a unit (900s, 15m, 1h)');
    const ok = run(['simulate', 'examples/seed-test-script.damon.yaml', '--scenario', 'seed-memcg-tiering', '--duration', '30']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/window: .* to 30 s/);
  });

  it('"the RFC measured" only for the config the RFC measured', () => {
    const rfc = run(['simulate', 'examples/seed-test-script.damon.yaml', '--scenario', 'seed-memcg-tiering', '--duration', '30']);
    expect(rfc.out).toContain('the RFC measured (real kernel, same config): /workload_a 2.79GiB');
    const other = run(['simulate', 'examples/memcg-tiering.damon.yaml', '--scenario', 'seed-memcg-tiering', '--duration', '30']);
    expect(other.code).toBe(0);
    expect(other.out).not.toContain('RFC measured');
    // one goal target changed: no longer the RFC's config
    const changed = join(tmp, 'changed.damon.yaml');
    writeFileSync(changed, readFileSync(join(root, 'examples', 'seed-test-script.damon.yaml'), 'utf8').replace('target_value: 9.7%', 'target_value: 9.8%'));
    const c = run(['simulate', changed, '--scenario', 'seed-memcg-tiering', '--duration', '30']);
    expect(c.code).toBe(0);
    expect(c.out).not.toContain('RFC measured');
  });
});

describe('a damo command behind a prompt in a script', () => {
  // the RFC's first command pasted verbatim: "    # ./damo start \"
  const script = () => {
    const f = join(tmp, 'rfc.sh');
    writeFileSync(f, readFileSync(join(root, 'test', 'damo', 'fixtures', 'seed-example.txt'), 'utf8'));
    return f;
  };

  it('check: a note at the "#", and the command\'s problems as notes (it does not run)', () => {
    const f = script();
    const r = run(['check', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rfc\.sh:1:5: information \[damo-commented-out\] a damo start command is commented out/);
    expect(r.out).toMatch(/rfc\.sh:18:59: information \[memcg-path-form\] \(commented out\) cgroup path "workloads\/b" is relative/);
    expect(r.out).toMatch(/rfc\.sh:28:57: information \[damo-missing-argument\] \(commented out\) nid and memcg_path required/);
  });

  it('import-damo reads the same command the same way (prompt stripped), as errors: it is what gets imported', () => {
    const f = script();
    const r = run(['import-damo', f]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/rfc\.sh:18:59: error \[memcg-path-form\] cgroup path "workloads\/b" is relative/);
    expect(r.err).toMatch(/rfc\.sh:28:57: error \[damo-missing-argument\]/);
  });

  it('a "$ " prompt is a warning (the shell would run "$"); a comment mentioning damo in prose is nothing', () => {
    const f = join(tmp, 'prompt.sh');
    writeFileSync(f, '#!/bin/sh\n# damo start needs root\n$ damo start --ops paddr --regions 4G-8G\n');
    const r = run(['check', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/prompt\.sh:3:1: warning \[damo-commented-out\] a "\$ " prompt before a damo start command/);
    expect(r.out).not.toMatch(/prompt\.sh:2:/);
  });
});
