/**
 * Kernel versions: the one parser and the version predicates. Which release has which file, keyword
 * or behaviour is in one table, the format spec (`schema/spec.ts`: `x-since` of keys, ACTIONS,
 * GOAL_METRICS, FILTER_TYPES, KERNEL_SINCE); everything here only compares versions against it.
 */
import { KERNEL_SINCE, type KernelFact } from './schema/spec';

/** Kernel versions as [major, minor]; "mm" / "next" features are newer than any release. */
export type KernelVersion = [number, number];

export const NEWEST_KNOWN_KERNEL = '7.2';

/** "7.2", "v6.19-rc3", "7.2.13+deb14-cloud-amd64" (a `uname -r`) → [major, minor]; undefined if unparsable */
export function parseKernelVersion(s: string): KernelVersion | undefined {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(s);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** the version of a kernel text, or the newest known kernel when it cannot be parsed */
export function kernelVersionOr(s: string, fallback = NEWEST_KNOWN_KERNEL): KernelVersion {
  return parseKernelVersion(s) ?? (parseKernelVersion(fallback) as KernelVersion);
}

/** the `since` versions of the format spec, parsed once (rules ask for every key of every item they check) */
const SINCE = new Map<string, KernelVersion | undefined>();

/** true when `kernel` has a feature that first appeared in `since` ("X.Y", "mm" or "next"). */
export function kernelHas(kernel: KernelVersion, since: string): boolean {
  let v = SINCE.get(since);
  if (v === undefined && !SINCE.has(since)) SINCE.set(since, (v = parseKernelVersion(since)));
  if (!v) return false; // mm tree / damon-next only
  return kernel[0] > v[0] || (kernel[0] === v[0] && kernel[1] >= v[1]);
}

export type KernelFacts = { readonly [F in KernelFact]: boolean };

/** Every KERNEL_SINCE fact as a predicate of one kernel: `kernelFacts([7, 2]).damos_quota_is_set`. */
export function kernelFacts(kernel: KernelVersion): KernelFacts {
  const out = {} as Record<KernelFact, boolean>;
  for (const f of Object.keys(KERNEL_SINCE) as KernelFact[]) out[f] = kernelHas(kernel, KERNEL_SINCE[f]);
  return out;
}

export function formatSince(since: string): string {
  if (since === 'mm') return 'only the mm tree (no released kernel)';
  if (since === 'next') return 'only damon/next (not merged)';
  return `Linux ${since}`;
}
