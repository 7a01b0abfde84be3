/**
 * Sum of per-chunk access probabilities over an address range, kept in a Fenwick tree so that a
 * region's chance of seeing an access in one sampling interval (the mean over its pages) costs
 * O(log chunks) however large the region is. Probabilities are fixed-point (2^-24) integers so the
 * sums stay exact under millions of updates.
 */
export const P_SCALE = 16777216;

export class AccessTree {
  private readonly tree: Float64Array;
  readonly vals: Int32Array;

  constructor(readonly n: number) {
    this.tree = new Float64Array(n + 1);
    this.vals = new Int32Array(n);
  }

  /** rebuild from values in O(n) */
  build(vals: Int32Array): void {
    this.vals.set(vals);
    const t = this.tree;
    t.fill(0);
    for (let i = 1; i <= this.n; i++) {
      t[i] += vals[i - 1];
      const j = i + (i & -i);
      if (j <= this.n) t[j] += t[i];
    }
  }

  set(i: number, v: number): void {
    const d = v - this.vals[i];
    if (d === 0) return;
    this.vals[i] = v;
    for (let j = i + 1; j <= this.n; j += j & -j) this.tree[j] += d;
  }

  /** sum of vals[0, i) */
  prefix(i: number): number {
    let s = 0;
    for (let j = Math.min(i, this.n); j > 0; j -= j & -j) s += this.tree[j];
    return s;
  }

  /** sum over the byte range [start, end) of chunks of `chunk` bytes starting at `base`, pro rata at the edges */
  rangeSum(start: number, end: number, chunk: number, base = 0): number {
    const a = Math.max(0, (start - base) / chunk);
    const b = Math.min(this.n, (end - base) / chunk);
    const ai = Math.max(0, Math.floor(a));
    const bi = Math.min(this.n, Math.floor(b));
    if (bi < ai) return 0;
    if (ai === bi) return ai < this.n ? this.vals[ai] * (b - a) : 0;
    let s = this.prefix(bi) - this.prefix(ai + 1);
    s += this.vals[ai] * (ai + 1 - a);
    if (bi < this.n) s += this.vals[bi] * (b - bi);
    return s;
  }
}
