import { z } from 'zod'
import { ownString } from '../read/own-string.js'
import { HASH, hashString } from './hyperloglog.js'

// Frequent values. Counts are exact until more than `capacity` distinct values
// have been seen; from then on the table is a Misra–Gries summary with at most
// `capacity` counters. Misra–Gries (rather than SpaceSaving) because its
// counters are lower bounds with one shared, exactly tracked error bound, and
// because two summaries merge simply (Agarwal et al. 2012, "Mergeable
// summaries"). The decrement-all step is O(capacity) but happens at most once
// per `capacity` additions, so add() is amortised O(1).
//
// Speed: counters live in an open-addressing table (linear probing, load ≤ ½)
// of parallel arrays keyed by the HyperLogLog string hash, so a column profile
// hashes each value once for both sketches, and nothing is allocated per value.
// Entries are only ever removed all at once (decrement-all rebuilds the
// table), so there are no tombstones; a high-cardinality column, where every
// value is new, costs one insert per value and one cheap rebuild per
// `capacity` values, instead of Map insert/delete churn.

// 1,000 counters hold every value more frequent than 0.1% of the rows, far past what a
// categorical column has; a table this size stays in cache (7% off a whole profile run
// against 10,000) and keeps stored profiles small.
export const DEFAULT_TOP_CAPACITY = 1_000

export const TopKJson = z.object({
  capacity: z.number().int().positive(),
  /** Values added (with multiplicity). */
  total: z.number().int().nonnegative(),
  /** Most any count below can fall short of the true count; 0 while exact. */
  maxError: z.number().int().nonnegative(),
  exact: z.boolean(),
  /** [value, count] pairs, count descending then value ascending. */
  items: z.array(z.tuple([z.string(), z.number().int().positive()])),
})
export type TopKJson = z.infer<typeof TopKJson>

export interface TopItem {
  value: string
  count: number
}

export class TopK {
  readonly capacity: number
  // Slot i is free when keys[i] is undefined.
  #keys: Array<string | undefined> = new Array<string | undefined>(16).fill(undefined)
  #hashes = new Int32Array(16)
  #counts = new Float64Array(16)
  #size = 0
  #total = 0
  #maxError = 0
  #exact = true

  constructor(capacity = DEFAULT_TOP_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`top-k capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
  }

  /** True while every count is exact (no more than `capacity` distinct values so far). */
  get exact(): boolean {
    return this.#exact
  }

  /** A count may be short of the true count by at most this; unlisted values occur at most this often. */
  get maxError(): number {
    return this.#maxError
  }

  get total(): number {
    return this.#total
  }

  /** Counters held (distinct values while exact). */
  get size(): number {
    return this.#size
  }

  add(value: string, count = 1): void {
    hashString(value)
    this.addHashed(value, HASH[0]!, count)
  }

  /** add() for a caller that has just run hashString(value): `hash` is HASH[0]. */
  addHashed(value: string, hash: number, count = 1): void {
    if (!(count >= 1 && Number.isInteger(count))) throw new RangeError(`top-k count must be a positive integer, got ${count}`)
    this.#total += count
    const slot = this.#find(value, hash | 0)
    if (this.#keys[slot] !== undefined) this.#counts[slot]! += count
    else if (this.#size < this.capacity) this.#insertAt(slot, value, hash | 0, count)
    else this.#admit(value, hash | 0, count)
  }

  /** Count recorded for `value` (a lower bound once inexact); 0 when not held. */
  count(value: string): number {
    hashString(value)
    const slot = this.#find(value, HASH[0]! | 0)
    return this.#keys[slot] === undefined ? 0 : this.#counts[slot]!
  }

  /** The k largest counts, count descending then value ascending (by UTF-16 code units). */
  top(k = 10): TopItem[] {
    return this.#sorted()
      .slice(0, Math.max(0, k))
      .map(([value, count]) => ({ value, count }))
  }

  /** Folds `other` into this (Agarwal et al.): add counters, then cut back to capacity. */
  merge(other: TopK): this {
    // Snapshot first: other may be this.
    const entries = other.#entries()
    for (const [value, count, hash] of entries) {
      const slot = this.#find(value, hash)
      if (this.#keys[slot] !== undefined) this.#counts[slot]! += count
      else this.#insertAt(slot, value, hash, count)
    }
    this.#total += other.#total
    this.#maxError += other.#maxError
    this.#exact &&= other.#exact
    if (this.#size > this.capacity) {
      // Subtracting the (capacity+1)-th largest count leaves at most `capacity` positive counters.
      const counts = this.#entries()
        .map(([, count]) => count)
        .sort((a, b) => b - a)
      this.#decrementAll(counts[this.capacity]!)
    }
    return this
  }

  clone(): TopK {
    return new TopK(this.capacity).merge(this)
  }

  toJSON(): TopKJson {
    return {
      capacity: this.capacity,
      total: this.#total,
      maxError: this.#maxError,
      exact: this.#exact,
      items: this.#sorted().map(([value, count]): [string, number] => [value, count]),
    }
  }

  static fromJSON(json: unknown): TopK {
    const parsed = TopKJson.parse(json)
    if (parsed.items.length > parsed.capacity) throw new Error(`top-k: ${parsed.items.length} items exceed capacity ${parsed.capacity}`)
    if (parsed.exact !== (parsed.maxError === 0)) throw new Error('top-k: maxError must be 0 exactly when counts are exact')
    const topK = new TopK(parsed.capacity)
    let sum = 0
    for (const [value, count] of parsed.items) {
      hashString(value)
      const hash = HASH[0]! | 0
      const slot = topK.#find(value, hash)
      if (topK.#keys[slot] !== undefined) throw new Error(`top-k: value ${JSON.stringify(value)} is listed twice`)
      topK.#insertAt(slot, value, hash, count)
      sum += count
    }
    if (parsed.exact ? sum !== parsed.total : sum > parsed.total) {
      throw new Error(`top-k: counts sum to ${sum} but total is ${parsed.total}`)
    }
    topK.#total = parsed.total
    topK.#maxError = parsed.maxError
    topK.#exact = parsed.exact
    return topK
  }

  /** The slot holding `value`, or the free slot where it would go. */
  #find(value: string, hash: number): number {
    const keys = this.#keys
    const mask = keys.length - 1
    let slot = hash & mask
    for (;;) {
      const key = keys[slot]
      if (key === undefined || (this.#hashes[slot] === hash && key === value)) return slot
      slot = (slot + 1) & mask
    }
  }

  #insertAt(slot: number, value: string, hash: number, count: number): void {
    this.#keys[slot] = ownString(value)
    this.#hashes[slot] = hash
    this.#counts[slot] = count
    if (++this.#size * 2 > this.#keys.length) this.#rebuild(this.#keys.length * 2, 0)
  }

  /** A new value with every counter taken: decrement all (and it) by the smallest amount that frees a slot. */
  #admit(value: string, hash: number, count: number): void {
    let smallest = count
    for (let slot = 0; slot < this.#keys.length; slot++) {
      if (this.#keys[slot] !== undefined && this.#counts[slot]! < smallest) smallest = this.#counts[slot]!
    }
    this.#decrementAll(smallest)
    if (count > smallest) this.#insertAt(this.#find(value, hash), value, hash, count - smallest)
  }

  #decrementAll(amount: number): void {
    if (amount <= 0) return
    this.#rebuild(this.#keys.length, amount)
    this.#maxError += amount
    this.#exact = false
  }

  /** Re-inserts every counter above `decrement`, less `decrement`, into a table of `length` slots. */
  #rebuild(length: number, decrement: number): void {
    const values: string[] = []
    const hashes: number[] = []
    const counts: number[] = []
    for (let slot = 0; slot < this.#keys.length; slot++) {
      const key = this.#keys[slot]
      if (key === undefined || this.#counts[slot]! <= decrement) continue
      values.push(key)
      hashes.push(this.#hashes[slot]!)
      counts.push(this.#counts[slot]! - decrement)
    }
    if (length === this.#keys.length) {
      this.#keys.fill(undefined) // free slots need only an undefined key
    } else {
      this.#keys = new Array<string | undefined>(length).fill(undefined)
      this.#hashes = new Int32Array(length)
      this.#counts = new Float64Array(length)
    }
    this.#size = values.length
    for (let i = 0; i < values.length; i++) {
      const slot = this.#find(values[i]!, hashes[i]!)
      this.#keys[slot] = values[i]
      this.#hashes[slot] = hashes[i]!
      this.#counts[slot] = counts[i]!
    }
  }

  /** [value, count, hash] for every counter, in table order. */
  #entries(): Array<[string, number, number]> {
    const entries: Array<[string, number, number]> = []
    for (let slot = 0; slot < this.#keys.length; slot++) {
      const key = this.#keys[slot]
      if (key !== undefined) entries.push([key, this.#counts[slot]!, this.#hashes[slot]!])
    }
    return entries
  }

  #sorted(): Array<[string, number, number]> {
    return this.#entries().sort(([va, ca], [vb, cb]) => cb - ca || (va < vb ? -1 : va > vb ? 1 : 0))
  }
}
