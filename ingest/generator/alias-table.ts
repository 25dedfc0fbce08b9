/**
 * Walker/Vose alias method: O(n) setup, O(1) sampling from any discrete
 * distribution, one random number per draw (its high part picks the column,
 * its fraction the coin). Used for item popularity, session length and
 * hour-of-day, which are sampled millions of times.
 */
import type { Rng } from './prng.ts';

export class AliasTable {
  readonly size: number;
  private readonly probability: Float64Array;
  private readonly alias: Uint32Array;

  /** @param weights non-negative, at least one positive; need not sum to 1 */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is not a finite non-negative number: ${w}`);
      total += w;
    }
    if (n === 0 || total <= 0) throw new RangeError('an alias table needs at least one positive weight');
    this.size = n;
    this.probability = new Float64Array(n);
    this.alias = new Uint32Array(n);
    const scaled = new Float64Array(n);
    const small = new Uint32Array(n);
    const large = new Uint32Array(n);
    let smallCount = 0;
    let largeCount = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      if (scaled[i]! < 1) small[smallCount++] = i;
      else large[largeCount++] = i;
    }
    while (smallCount > 0 && largeCount > 0) {
      const less = small[--smallCount]!;
      const more = large[--largeCount]!;
      this.probability[less] = scaled[less]!;
      this.alias[less] = more;
      scaled[more] = scaled[more]! + scaled[less]! - 1;
      if (scaled[more]! < 1) small[smallCount++] = more;
      else large[largeCount++] = more;
    }
    while (largeCount > 0) this.probability[large[--largeCount]!] = 1;
    while (smallCount > 0) this.probability[small[--smallCount]!] = 1; // rounding leftovers
  }

  /** An index in [0, size), drawn with probability proportional to its weight. */
  sample(rng: Rng): number {
    const x = rng.next() * this.size;
    const column = Math.floor(x);
    return x - column < this.probability[column]! ? column : this.alias[column]!;
  }
}
