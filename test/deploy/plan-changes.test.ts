/**
 * Issue 11 items 7 and 9 (no VM): commit mode commits only kdamonds that change; the dry-run diff
 * names the directories an nr_* rewrite recreates and the settings that reset; ownership of running
 * kdamonds from what the last deploy recorded under /run/damon-config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText } from '../../server/src/core/index';
import { diffTree, renderDiff } from '../../server/src/core/sysfs/diff';
import { foreignKdamonds, parseProbeOutput } from '../../server/src/core/sysfs/hostinfo';
import { planSysfs } from '../../server/src/core/sysfs/plan';
import { renderDeployScript } from '../../server/src/core/sysfs/script';
import { ROOT } from '../testhost/vm';

const tieringText = readFileSync(join(ROOT, 'test/deploy/fixtures/tiering-vm.damon.yaml'), 'utf8');
const kconfig = (text: string) => checkText(text, { fileName: 'x.damon.yaml' }).documents.find((d) => d.kconfig)!.kconfig!;
const tiering = kconfig(tieringText);
const running = { nrKdamonds: 2, running: [true, true] };
/** the tree a host has after the tiering config was started */
function deployedTree(): Map<string, string> {
  const t = new Map<string, string>();
  for (const w of planSysfs(tiering).writes) if (!w.state) t.set(w.path, w.value);
  t.set('kdamonds/0/state', 'on');
  t.set('kdamonds/1/state', 'on');
  t.set('kdamonds/0/pid', '101');
  t.set('kdamonds/1/pid', '102');
  return t;
}

describe('commit mode commits only the kdamonds that change (#11 item 9)', () => {
  it('the same config again: nothing written, nothing committed', () => {
    const plan = planSysfs(tiering, { host: running, tree: deployedTree() });
    expect(plan.mode).toBe('commit');
    expect(plan.writes).toEqual([]);
    expect(plan.unchanged).toEqual([0, 1]);
    expect(renderDiff(diffTree(deployedTree(), plan))).toBe('  (no change)\n');
  });

  it('one value of kdamond 1 differs: only kdamond 1 is written and committed', () => {
    const tree = deployedTree();
    const aggr = 'kdamonds/1/contexts/0/monitoring_attrs/intervals/aggr_us';
    tree.set(aggr, '12345');
    const plan = planSysfs(tiering, { host: running, tree });
    expect(plan.unchanged).toEqual([0]);
    expect(plan.writes.some((w) => w.path.startsWith('kdamonds/0/'))).toBe(false);
    expect(plan.writes.filter((w) => w.state)).toEqual([expect.objectContaining({ path: 'kdamonds/1/state', value: 'commit' })]);
    expect(plan.writes.find((w) => w.path === aggr)?.value).not.toBe('12345');
    // the failing step of the remote script still maps to the right write
    expect(renderDeployScript(plan, '0'.repeat(32), { tree: [], runningBefore: [true, true], nrBefore: 2, inPlace: true })).toContain(
      `w ${plan.writes.length - 1} `,
    );
  });

  it('without the probed tree (plan --script) every kdamond is written', () => {
    const plan = planSysfs(tiering, { host: running });
    expect(plan.writes.filter((w) => w.state).map((w) => w.path)).toEqual(['kdamonds/0/state', 'kdamonds/1/state']);
    expect(plan.unchanged).toBeUndefined();
  });
});

describe('the dry run names what an nr_* rewrite recreates and resets (#11 item 9)', () => {
  it('a goal path set by an earlier deploy but absent from the config is shown as reset', () => {
    const tree = deployedTree();
    const goals = 'kdamonds/0/contexts/0/schemes/0/quotas/goals';
    expect(tree.get(`${goals}/nr_goals`)).toBe('1');
    // the host carries a second scheme's setting the config no longer writes: a leftover value in a
    // file of goal 0 that the plan does not write (as a goal with another metric leaves "path")
    tree.set(`${goals}/0/leftover_setting`, '/old_cgroup');
    tree.set('kdamonds/1/contexts/0/monitoring_attrs/intervals/aggr_us', '12345');
    tree.set('kdamonds/0/contexts/0/monitoring_attrs/intervals/aggr_us', '12345');
    const plan = planSysfs(tiering, { host: running, tree });
    const d = diffTree(tree, plan);
    const text = renderDiff(d);
    expect(d).toContainEqual({ kind: 'reset', path: `${goals}/0/leftover_setting`, before: '/old_cgroup' });
    expect(text).toContain(
      `  ~ ${goals}/0/leftover_setting: /old_cgroup -> (reset: not in the config, the recreated directory starts from the kernel's default)`,
    );
    // the outermost recreated directories of kdamond 0: its targets and its schemes (goals are inside schemes)
    const recreated = d.filter((x) => x.kind === 'recreate').map((x) => x.path);
    expect(recreated).toContain('kdamonds/0/contexts/0/schemes/nr_schemes');
    expect(recreated).not.toContain(`${goals}/nr_goals`);
    expect(text).toMatch(
      /^ {2}\* kdamonds\/0\/contexts\/0\/schemes\/ is recreated \(nr_schemes rewritten: 2 -> 2\): everything below it starts from the kernel's defaults$/m,
    );
    // values the plan writes again are not "reset", and counters or pids never are
    expect(d.some((x) => x.kind === 'reset' && (x.path.endsWith('/memcg_path') || x.path.endsWith('/pid')))).toBe(false);
  });

  it('a fresh start recreates nothing that exists', () => {
    const d = diffTree(new Map([['kdamonds/nr_kdamonds', '0']]), planSysfs(tiering));
    expect(d.filter((x) => x.kind === 'recreate').map((x) => x.path)).toEqual(['kdamonds/nr_kdamonds']);
    expect(d.filter((x) => x.kind === 'reset')).toEqual([]);
  });
});

describe('kdamonds started outside damon-config (#11 item 7)', () => {
  const base = {
    fingerprint: 'a'.repeat(32),
    tree: new Map([
      ['kdamonds/0/pid', '101'],
      ['kdamonds/1/pid', '202'],
    ]),
    host: { nrKdamonds: 2, running: [true, true] },
  };
  it('no record: every running kdamond is foreign; the record of this very tree: none', () => {
    expect(foreignKdamonds({ ...base, owned: null })).toEqual([0, 1]);
    expect(foreignKdamonds({ ...base, owned: { fingerprint: 'a'.repeat(32), pids: ['101', '202'] } })).toEqual([]);
    expect(foreignKdamonds({ ...base, host: { nrKdamonds: 2, running: [false, false] }, owned: null })).toEqual([]);
  });
  it('a pid that is not the recorded one (started or restarted by hand) is foreign; a tuned tree makes all foreign', () => {
    expect(foreignKdamonds({ ...base, owned: { fingerprint: 'b'.repeat(32), pids: ['101', '-'] } })).toEqual([1]);
    expect(foreignKdamonds({ ...base, owned: { fingerprint: 'b'.repeat(32), pids: ['101', '999'] } })).toEqual([1]);
    expect(foreignKdamonds({ ...base, owned: { fingerprint: 'b'.repeat(32), pids: ['101', '202'] } })).toEqual([0, 1]);
  });
  it('the probe reads the record; a malformed one is no record', () => {
    const out = (owned: string) =>
      [
        '@@REL 7.2.0',
        '@@FILE /sys/devices/system/node/node0/meminfo',
        '|Node 0 MemTotal:       1000 kB',
        `@@FP ${'c'.repeat(32)}`,
        owned,
        '@@TREE',
        '@@END',
      ].join('\n');
    expect(parseProbeOutput(out(`@@OWNED ${'c'.repeat(32)} 101 -`)).owned).toEqual({ fingerprint: 'c'.repeat(32), pids: ['101', '-'] });
    expect(parseProbeOutput(out('@@OWNED garbage')).owned).toBeNull();
    expect(parseProbeOutput(out('')).owned).toBeNull();
  });
  it('the deploy script records the committed tree, the probe reads it back only from a regular file', () => {
    const s = renderDeployScript(planSysfs(tiering), 'd'.repeat(32), { tree: [], runningBefore: [], nrBefore: 0, inPlace: false });
    expect(s).toMatch(/COMMIT \]; then owned; rm -f "\$D\/restore"/);
    expect(s).toContain('mv -f "$D/owned.new" "$D/owned"');
  });
});
