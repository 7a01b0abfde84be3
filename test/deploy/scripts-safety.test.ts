/**
 * Issue #17 items 1-4, the parts that need no VM: what the host scripts may touch, the lock's
 * semantics run by a real sh against a stand-in state directory, and the ssh control directory.
 * (The VM side is test/deploy/vm72-faults.test.ts.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import type { KConfig } from '../../server/src/core/model/kernel';
import { renderProbeScript } from '../../server/src/core/sysfs/hostinfo';
import { planSysfs } from '../../server/src/core/sysfs/plan';
import { lockFn, renderDeployScript, renderOutcomeScript, renderRestoreScript, renderStandaloneScript, renderStopScript, STATE_DIR } from '../../server/src/core/sysfs/script';
import { isPrivateDir, makeControlDir } from '../../server/src/host/ssh';
import { readFileSync } from 'node:fs';

const tiering = readFileSync(join(__dirname, 'fixtures/tiering-vm.damon.yaml'), 'utf8');
const kconfig = checkText(tiering, { fileName: 't.yaml' }).documents[0].kconfig as KConfig;
const plan = planSysfs(kconfig);
const restore = { tree: plan.writes.filter((w) => !w.state), runningBefore: [true, false], nrBefore: 2, inPlace: false };
const session = 'ab'.repeat(12);
const scripts: [string, string][] = [
  ['probe', renderProbeScript()],
  ['probe (status)', renderProbeScript({ skeleton: false, numaStat: true, refreshStats: true })],
  ['deploy', renderDeployScript(plan, '0'.repeat(32), restore, { session, commitWaitS: 30, lockWaitS: 10 })],
  ['restore', renderRestoreScript(plan, restore, session)],
  ['outcome', renderOutcomeScript(session, 30)],
  ['stop', renderStopScript(10)],
  ['plan --script', renderStandaloneScript(plan)],
];
const scratch = mkdtempSync(join(tmpdir(), 'dc-safety-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('host scripts touch nothing but DAMON sysfs and their own files (#17 items 1, 4)', () => {
  for (const [name, s] of scripts) {
    it(`${name}: no fixed temp path, nothing removed but its own files`, () => {
      expect(s).not.toMatch(/EF=\/dev\/null/);
      // every rm names the script's mktemp dir, the lock, the restore script, an outcome file or its temp copy
      for (const m of s.matchAll(/\brm (-[a-z]+ )?(\S+)/g)) expect([name, m[2]]).toEqual([name, expect.stringMatching(/^"\$(W|L|O|D\/restore|f)"[;']?$|^\{\}$/)]);
      // the only /tmp is the mktemp template
      for (const m of s.matchAll(/\/tmp\S*/g)) expect(m[0]).toMatch(/^\/tmp\}\/damon-config\.XXXXXX"$/);
      // no redirection into anything but sysfs, the private temp dir, the state dir or the null device
      for (const m of s.matchAll(/(?<![0-9&<])>\s*("?[^\s;)]+)/g)) {
        expect([name, m[1]]).toEqual([name, expect.stringMatching(/^"?\$(A|K|C|EF|D|O)\b|^\$K\/|^\$C\/|^\$S\/|^\/dev\/null$|^\/sys\/|^&2$|^"\$f"$/)]);
      }
    });
  }
  it('plan --script and deploy capture errors in a mktemp directory', () => {
    for (const [name, s] of scripts.filter(([n]) => n === 'deploy' || n === 'plan --script' || n === 'restore')) {
      expect([name, s]).toEqual([name, expect.stringContaining('mktemp -d "${TMPDIR:-/tmp}/damon-config.XXXXXX"')]);
      expect(s).toContain('EF=$W/err');
    }
  });
});

/** run lockFn with the state directory moved into a scratch dir (this machine's /run is never touched) */
function runLock(dir: string, body: string, waitS = 1): { code: number | null; out: string; ms: number } {
  const s = `set -u\nsay() { printf '%s\\n' "$*"; }\n${lockFn(waitS).replace(`D=${STATE_DIR}`, `D=${dir}`)}\n${body}\n`;
  const t = Date.now();
  const r = spawnSync('sh', ['-c', s], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, ms: Date.now() - t };
}

describe('the host lock (#17 item 3)', () => {
  it('makes a 0700 state directory and a symlink lock naming the holder, released by unlock', () => {
    const d = join(scratch, 'state1');
    const r = runLock(d, 'lock; readlink "$L" > "$D/seen"; unlock; [ -h "$L" ] && echo still-locked; true');
    expect(r.out).toContain('@@LOCKED');
    expect(r.out).not.toContain('still-locked');
    expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(d, 'seen'), 'utf8').trim()).toMatch(/^\d+$/);
  });
  it('refuses a state directory with group/other access or a symlink in its place', () => {
    const open = join(scratch, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(runLock(open, 'lock').out).toMatch(/@@LOCKERR .* is not a directory owned by uid \d+ with mode 700/);
    const real = join(scratch, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(scratch, 'link');
    symlinkSync(real, link);
    expect(runLock(link, 'lock').out).toMatch(/@@LOCKERR/);
  });
  it('a FIFO or file where the lock goes is refused at once, never opened', () => {
    const d = join(scratch, 'fifo');
    mkdirSync(d, { mode: 0o700 });
    execFileSync('mkfifo', [join(d, 'lock')]);
    const r = runLock(d, 'lock', 20);
    expect(r.out).toMatch(/@@LOCKERR .*lock is not a lock made by damon-config/);
    expect(r.ms).toBeLessThan(10_000);
  });
  it('a lock held by a live process is waited for a bounded time, then named; a dead holder is taken over', () => {
    const d = join(scratch, 'held');
    mkdirSync(d, { mode: 0o700 });
    symlinkSync(String(process.pid), join(d, 'lock'));
    const r = runLock(d, 'lock', 2);
    expect(r.code).toBe(75);
    expect(r.out).toContain(`@@BUSYLOCK ${process.pid}`);
    expect(r.ms).toBeLessThan(15_000);
    rmSync(join(d, 'lock'));
    symlinkSync('999999999', join(d, 'lock'));
    expect(runLock(d, 'lock; unlock').out).toContain('@@LOCKED');
  });
  it('a killed session\'s restore script is run by the next lock holder', () => {
    const d = join(scratch, 'restore');
    mkdirSync(d, { mode: 0o700 });
    symlinkSync('999999999', join(d, 'lock'));
    writeFileSync(join(d, 'restore'), `echo restored > ${join(d, 'marker')}\n`);
    const r = runLock(d, 'lock; unlock');
    expect(r.out).toMatch(/@@RECOVERED ok\n@@LOCKED/);
    expect(readFileSync(join(d, 'marker'), 'utf8')).toBe('restored\n');
    expect(() => statSync(join(d, 'restore'))).toThrow();
  });
});

describe('the ssh control directory (#17 item 2)', () => {
  it('is a fresh private directory; an $XDG_RUNTIME_DIR owned by another user or open to others is not used', () => {
    const other = join(scratch, 'xdg-other');
    mkdirSync(other, { mode: 0o700 });
    if (process.getuid?.() === 0) chownSync(other, 65534, 65534); // another local user made it first
    else chmodSync(other, 0o777);
    expect(isPrivateDir(other)).toBe(false);
    const d = makeControlDir({ XDG_RUNTIME_DIR: other });
    try {
      expect(d.startsWith(other)).toBe(false);
      expect(isPrivateDir(d)).toBe(true);
      expect(statSync(d).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
    const mine = join(scratch, 'xdg-mine');
    mkdirSync(mine, { mode: 0o700 });
    const d2 = makeControlDir({ XDG_RUNTIME_DIR: mine });
    expect(d2.startsWith(`${mine}/dcssh-`)).toBe(true);
    const d3 = makeControlDir({ XDG_RUNTIME_DIR: mine });
    expect(d3).not.toBe(d2); // never reused
  });
  it('keeps the socket path short with a long $TMPDIR (falls back to /tmp)', () => {
    const long = join(scratch, 'x'.repeat(120));
    mkdirSync(long);
    const old = process.env.TMPDIR;
    process.env.TMPDIR = long;
    try {
      const d = makeControlDir({});
      expect(Buffer.byteLength(join(d, 's'))).toBeLessThanOrEqual(86);
      rmSync(d, { recursive: true, force: true });
    } finally {
      if (old === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = old;
    }
  });
});
