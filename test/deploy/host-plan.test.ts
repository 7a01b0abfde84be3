/**
 * The verdict of a deploy-script session read by the Ansible role (host-plan --apply-output): only
 * what the script printed counts. The role itself runs against real hosts in test/fleet/.
 */
import { describe, expect, it } from 'vitest';
import { renderApplyWrapper } from '../../server/src/fleet/ansible';
import { applyVerdict } from '../../server/src/host/host-plan';

describe('applyVerdict', () => {
  const plan = { writes: 42 };
  it("applied only on the script's @@DONE", () => {
    expect(applyVerdict('h', '@@LOCKED\n@@S 0\n@@APPLIED\n@@DONE\n', plan)).toEqual({ status: 'applied', message: 'h: applied (42 writes)' });
  });
  it("a refused write that was rolled back names the errno and the kernel's words", () => {
    const v = applyVerdict('h', '@@LOCKED\n@@S 0\n@@FAIL 7 sh: write error: Cannot allocate memory\n@@ROLLEDBACK\n', plan);
    expect(v.status).toBe('rolled-back');
    expect(v.message).toMatch(/^h: rolled back to its state before the deploy \(the kernel refused write 7: ENOMEM/);
  });
  it('a failed rollback says so and points at status', () => {
    const v = applyVerdict('h', '@@FAIL 3 Invalid argument\n@@ROLLBACKFAILED 2\n', plan);
    expect(v.status).toBe('rollback-failed');
    expect(v.message).toMatch(/ROLLBACK FAILED .*damon-config status --host h/);
  });
  it('without the last word the outcome is unknown, never "rolled back"', () => {
    for (const out of ['', '@@LOCKED\n@@S 0\n', '@@LOCKED\n@@APPLIED\n']) {
      const v = applyVerdict('h', out, plan);
      expect(v.status).toBe('unknown');
      expect(v.message).not.toMatch(/rolled back/);
    }
  });
  it('a host changed since the probe, or locked by another session, had nothing written', () => {
    expect(applyVerdict('h', '@@LOCKED\n@@CHANGED\n', plan).status).toBe('not-applied');
    expect(applyVerdict('h', '@@BUSYLOCK 1234\n', plan)).toMatchObject({ status: 'not-applied', message: expect.stringMatching(/pid 1234/) });
  });
});

describe('renderApplyWrapper', () => {
  it('the here-document delimiter never occurs in the script', () => {
    const w = renderApplyWrapper('h', 'echo a\nDAMON_CONFIG_DEPLOY_SCRIPT\necho b');
    expect(w).toContain("<<'DAMON_CONFIG_DEPLOY_SCRIPT_'");
    expect(w.split('\n').filter((l) => l === 'DAMON_CONFIG_DEPLOY_SCRIPT_')).toHaveLength(1);
  });
});
