import { describe, expect, it } from 'vitest';
import { kernelFacts, kernelHas, kernelVersionOr, parseKernelVersion } from '../../server/src/core/kernel-version';
import { KERNEL_SINCE, type KernelFact } from '../../server/src/core/schema/spec';
import { capabilitiesForVersion, featureSince, FEATURE_FILES, type HostFeature } from '../../server/src/core/sysfs/features';
import { simKernel } from '../../server/src/core/sim/engine';

const before = (since: string): string => {
  const [a, b] = since.split('.').map(Number);
  return b > 0 ? `${a}.${b - 1}` : `${a - 1}.99`;
};

describe('kernel versions: one parser, one table, named predicates', () => {
  it('parses releases, uname strings and tags; unparsable text falls back to the newest known kernel', () => {
    expect(parseKernelVersion('7.2.13+deb14-cloud-amd64')).toEqual([7, 2]);
    expect(parseKernelVersion('v6.19-rc3')).toEqual([6, 19]);
    expect(parseKernelVersion('mm')).toBeUndefined();
    expect(kernelVersionOr('latest')).toEqual([7, 2]);
    expect(kernelHas([6, 19], 'mm')).toBe(false);
  });

  it('every host feature appears exactly at its spec release (the sysfs plan reads the spec)', () => {
    for (const f of Object.keys(FEATURE_FILES) as HostFeature[]) {
      const since = featureSince(f);
      expect(capabilitiesForVersion(since).features.has(f), `${f} at ${since}`).toBe(true);
      expect(capabilitiesForVersion(before(since)).features.has(f), `${f} before ${since}`).toBe(false);
    }
    // keys keep their x-since, files without a key come from KERNEL_SINCE
    expect(featureSince('goal_tuner')).toBe('7.1');
    expect(featureSince('core_filters')).toBe(KERNEL_SINCE.core_filters_dir);
  });

  it('kernelFacts names each behaviour and switches it at its release', () => {
    for (const f of Object.keys(KERNEL_SINCE) as KernelFact[]) {
      const since = parseKernelVersion(KERNEL_SINCE[f])!;
      expect(kernelFacts(since)[f], f).toBe(true);
      expect(kernelFacts(parseKernelVersion(before(KERNEL_SINCE[f]))!)[f], f).toBe(false);
    }
  });

  it('the simulator takes its behaviours and files from the same table', () => {
    const old = simKernel('6.19');
    const cur = simKernel('7.2.13+deb14-cloud-amd64');
    expect(old.facts.damos_quota_is_set).toBe(false);
    expect(old.features.has('goal_tuner')).toBe(false);
    expect(cur.facts.damos_quota_is_set).toBe(true);
    expect(cur.features.has('fail_charge')).toBe(true);
    expect(simKernel('7.1').features.has('fail_charge')).toBe(false);
  });
});
