/**
 * The differential test's unit half: the kernel's and damo 3.4.1's recorded verdicts on the corpus
 * (test/kernel/corpus/recorded.json, recorded in the QEMU test host by test/kernel/corpus.test.ts)
 * against `check --kernel 7.2` with the VM's probed profile:
 *  - a config the kernel or damo refuses must get at least one error;
 *  - an error on a config both accept needs a written justification in the corpus (cases.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText, loadProfile } from '../../server/src/core/index';
import { CASES } from '../kernel/corpus/cases';
import type { Recorded } from '../kernel/corpus.test';

const rec = JSON.parse(readFileSync(join(__dirname, '..', 'kernel', 'corpus', 'recorded.json'), 'utf8')) as Recorded;
const profile = loadProfile(rec.profile, 'vm.profile.yaml').profile!;

describe(`corpus: check agrees with the kernel and damo (${rec.source})`, () => {
  it('the corpus has at least 50 recorded configs, one per case', () => {
    expect(rec.cases.length).toBeGreaterThanOrEqual(50);
    expect(rec.cases.map((c) => c.id).sort()).toEqual(CASES.map((c) => c.id).sort());
    expect(profile.cgroupsWithoutMemory).toContain('/wa/sub');
  });

  for (const c of CASES) {
    const r = rec.cases.find((x) => x.id === c.id);
    it(`${c.id}: ${c.basis}`, () => {
      expect(r, 'recorded').toBeDefined();
      const d = checkText(JSON.stringify(c.config, null, 1), { fileName: `${c.id}.json`, kernel: '7.2', profile }).diagnostics;
      const errors = d.filter((x) => x.severity === 'error').map((x) => `${x.code}: ${x.message}`);
      const refusedBy = [
        !r!.damo.started && `damo (${r!.damo.message})`,
        !r!.kernel.started && `the kernel at ${r!.kernel.stage} (${r!.kernel.message})`,
      ].filter(Boolean);
      if (refusedBy.length && c.outOfReach && errors.length === 0) {
        // documented in the case: the refusal depends on host state no check can see
        expect(c.outOfReach.length).toBeGreaterThan(20);
      } else if (refusedBy.length) {
        expect(errors, `refused by ${refusedBy.join(' and ')} but check reports no error`).not.toEqual([]);
      } else if (errors.length) {
        expect(c.justification, `damo and the kernel accept ${c.id}, check reports ${errors.join(' | ')}: write a justification in cases.ts`).toBeTruthy();
      }
    });
  }
});
