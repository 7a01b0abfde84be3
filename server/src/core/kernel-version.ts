/** Kernel versions as [major, minor]; "mm" / "next" features are newer than any release. */
export type KernelVersion = [number, number];

export const NEWEST_KNOWN_KERNEL = '7.2';

export function parseKernelVersion(s: string): KernelVersion | undefined {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(s);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** true when `kernel` has a feature that first appeared in `since` ("X.Y", "mm" or "next"). */
export function kernelHas(kernel: KernelVersion, since: string): boolean {
  const v = parseKernelVersion(since);
  if (!v) return false; // mm tree / damon-next only
  return kernel[0] > v[0] || (kernel[0] === v[0] && kernel[1] >= v[1]);
}

export function formatSince(since: string): string {
  if (since === 'mm') return 'only the mm tree (no released kernel)';
  if (since === 'next') return 'only damon/next (not merged)';
  return `Linux ${since}`;
}
