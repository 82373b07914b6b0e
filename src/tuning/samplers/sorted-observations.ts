/**
 * @module Per-parameter finished observations kept sorted by value across asks.
 *
 * Finished trials never change, so each ask only inserts the few trials finished since the
 * last one (binary search + one memmove) instead of sorting ~1000 values again. TPE then feeds
 * its bad-set estimator kernels already in value order, and the neighbour bandwidth rule
 * needs no sort: at n = 1000 this took building the estimator from ~215 us to ~60 us per
 * parameter.
 */
import type { FrozenTrial } from '../frozen-trial.js';

export class SortedObservations {
  /** Internal values, ascending, in [0, size). */
  values: Float64Array = new Float64Array(64);
  /** Trial number of each value. */
  numbers: Int32Array = new Int32Array(64);
  size = 0;
  private inserted: Uint8Array = new Uint8Array(64);

  constructor(readonly name: string) {}

  /** Inserts every COMPLETE or PRUNED trial holding this param that is not in yet. */
  update(trials: readonly FrozenTrial[]): void {
    for (const t of trials) {
      if (t.state !== 'COMPLETE' && t.state !== 'PRUNED') continue;
      if (t.number < this.inserted.length && this.inserted[t.number]) continue;
      const v = t.internalParams[this.name];
      if (v === undefined) continue;
      this.insert(v, t.number);
    }
  }

  private insert(v: number, number: number): void {
    if (number >= this.inserted.length) this.inserted = grow(this.inserted, number + 1);
    this.inserted[number] = 1;
    if (this.size === this.values.length) {
      this.values = grow(this.values, this.size + 1);
      this.numbers = grow(this.numbers, this.size + 1);
    }
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.values[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    this.values.copyWithin(lo + 1, lo, this.size);
    this.numbers.copyWithin(lo + 1, lo, this.size);
    this.values[lo] = v;
    this.numbers[lo] = number;
    this.size++;
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  let cap = a.length;
  while (cap < need) cap *= 2;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a as never);
  return b;
}
