/**
 * Deterministic random numbers for the simulator: pure-rand's xoroshiro128+ seeded by the run's
 * seed, so a (config, scenario, seed) triple always gives the same result.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

const TWO32 = 4294967296;
const WARMUP = 16;

/** murmur3's 32-bit finalizer: every input bit affects every output bit */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export class Rng {
  private readonly g: RandomGenerator;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    // xoroshiro128+ seeded with a small integer starts from a state with few bits set: its first
    // outputs are then near 1 or 0 (seed 1: 1.0000, 0.9961, 0.9971). The seed is spread over all 32
    // bits first (murmur3's finalizer) and the first outputs are discarded.
    this.g = xoroshiro128plus(mix32(this.seed));
    for (let i = 0; i < WARMUP; i++) this.g.next();
  }

  /** uniform in [0, 1) with 32 bits of resolution (enough for Bernoulli draws and address picks) */
  next32(): number {
    return (this.g.next() >>> 0) / TWO32;
  }

  /** uniform in [0, 1) with 53 bits */
  float(): number {
    const a = this.g.next() >>> 5;
    const b = this.g.next() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** uniform integer in [0, n) for n up to 2^53 */
  below(n: number): number {
    if (n <= 1) return 0;
    if (n <= TWO32) return Math.floor(this.next32() * n);
    return Math.floor(this.float() * n);
  }

  /** uniform integer in [lo, hi] inclusive */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** Binomial(n, p): inversion from one uniform (n is the samples of one batch, p small or symmetric) */
  binomial(n: number, p: number): number {
    if (p <= 0 || n <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    if (n * p > 40) {
      // normal approximation with continuity correction for long batches
      const u1 = Math.max(1e-12, this.float());
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.float());
      const k = Math.round(n * p + z * Math.sqrt(n * p * (1 - p)));
      return Math.min(n, Math.max(0, k));
    }
    const u = this.next32();
    const odds = p / (1 - p);
    let pk = Math.pow(1 - p, n);
    let cdf = pk;
    let k = 0;
    while (u > cdf && k < n) {
      pk *= ((n - k) / (k + 1)) * odds;
      cdf += pk;
      k++;
    }
    return k;
  }
}
