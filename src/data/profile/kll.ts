import { z } from 'zod'

// KLL quantile sketch (Karnin, Lang & Liberty 2016) in the lazy form of
// Liberty's reference code: a stack of compactors where an item at level h
// stands for 2^h inputs. Capacities shrink by 2/3 per level below the top
// level's k (never below MIN_WIDTH, as in DataSketches), so memory stays near
// 3k numbers. Only when the whole sketch is full is the lowest full level
// compacted: sorted, and every other item promoted from a random offset. The
// coin is a seeded xorshift32 kept (and serialised) in the sketch, so equal
// inputs give bit-identical sketches.
//
// Speed: level 0 is an unsorted append buffer, levels above are kept sorted: a
// compaction sorts level 0 only (a handful of items) and does one linear merge.
//
// Accuracy: rank error O(1/k); DataSketches quotes ~1.65% at k = 200 (99%
// confidence). Measured at k = 200 on 1e6 values, max over 999 ranks (see
// kll.test.ts): 0.64–0.83% for one sketch (uniform/normal, several seeds),
// 0.47% for four merged shards; the test asserts ≤ 1%. ~610 numbers retained.

const SHRINK = 2 / 3
/** Smallest level capacity; tiny levels would compact after every few updates. */
const MIN_WIDTH = 8
/** Any non-zero uint32 works; fixed so sketches are reproducible. */
const SEED = 0x9e3779b9
const MIN_K = 8
const MAX_K = 65_536

export const KllSketchJson = z.object({
  k: z.number().int().min(MIN_K).max(MAX_K),
  /** Number of values summarised (the total weight). */
  n: z.number().int().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** State of the compaction coin, so a restored sketch continues the same sequence. */
  rng: z.number().int().min(1).max(0xffff_ffff),
  /** levels[h] holds the items of weight 2^h (any order; levels above 0 are written sorted). */
  levels: z.array(z.array(z.number())).min(1),
})
export type KllSketchJson = z.infer<typeof KllSketchJson>

type SortedView = { values: Float64Array; cumulative: Float64Array } // cumulative[i]: weight of values[0..i]

export class KllSketch {
  readonly k: number
  // Level h is levels[h][0 .. sizes[h]); buffers double as needed (lazy levels overrun capacity).
  #levels: Float64Array[] = []
  #sizes: number[] = []
  #capacities: number[] = []
  #retained = 0
  #maxRetained = 0
  #n = 0
  #min = Infinity
  #max = -Infinity
  #rng = SEED
  #sorted: SortedView | undefined

  constructor(k = 200) {
    if (!Number.isInteger(k) || k < MIN_K || k > MAX_K) throw new RangeError(`KLL k must be an integer in [${MIN_K}, ${MAX_K}], got ${k}`)
    this.k = k
    this.#grow()
  }

  /** Values summarised. */
  get n(): number {
    return this.#n
  }

  /** Exact smallest value; NaN while empty. */
  get min(): number {
    return this.#n === 0 ? NaN : this.#min
  }

  /** Exact largest value; NaN while empty. */
  get max(): number {
    return this.#n === 0 ? NaN : this.#max
  }

  /** Items held in memory (about 3k once the stream is long). */
  get retained(): number {
    return this.#retained
  }

  /**
   * Ignores NaN and ±Infinity: they have no rank worth keeping and JSON cannot carry them.
   * `weight` copies of x go in as one item on each level whose bit is set in the weight.
   */
  update(x: number, weight = 1): void {
    if (x - x !== 0) return
    if (weight !== 1) return this.#updateWeighted(x, weight)
    if (x < this.#min) this.#min = x
    if (x > this.#max) this.#max = x
    this.#n++
    this.#sorted = undefined
    const size = this.#sizes[0]!
    this.#reserve(0, size + 1)[size] = x
    this.#sizes[0] = size + 1
    if (++this.#retained >= this.#maxRetained) this.#compress()
  }

  /** As merging a sketch of `weight` copies of x (DataSketches' weighted update does the same). */
  #updateWeighted(x: number, weight: number): void {
    if (!(Number.isInteger(weight) && weight >= 1)) throw new RangeError(`KLL weight must be a positive integer, got ${weight}`)
    if (x < this.#min) this.#min = x
    if (x > this.#max) this.#max = x
    this.#n += weight
    this.#sorted = undefined
    for (let h = 0, rest = weight; rest > 0; h++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 0) continue
      while (this.#levels.length <= h) this.#grow()
      const size = this.#sizes[h]!
      const level = this.#reserve(h, size + 1)
      if (h === 0) level[size] = x
      else {
        // Levels above 0 stay sorted.
        let i = size
        for (; i > 0 && level[i - 1]! > x; i--) level[i] = level[i - 1]!
        level[i] = x
      }
      this.#sizes[h] = size + 1
      this.#retained++
    }
    while (this.#retained >= this.#maxRetained) this.#compress()
  }

  /** Folds `other` into this; other is left unchanged. Error is bounded by the smaller k. */
  merge(other: KllSketch): this {
    if (other.#n === 0) return this
    const source = other === this ? this.clone() : other
    while (this.#levels.length < source.#levels.length) this.#grow()
    for (let h = 0; h < source.#levels.length; h++) {
      const count = source.#sizes[h]!
      if (count === 0) continue
      const size = this.#sizes[h]!
      const level = this.#reserve(h, size + count)
      if (h === 0) level.set(source.#levels[0]!.subarray(0, count), size)
      else mergeInto(level, size, source.#levels[h]!, 0, 1, count)
      this.#sizes[h] = size + count
      this.#retained += count
    }
    this.#n += source.#n
    if (source.#min < this.#min) this.#min = source.#min
    if (source.#max > this.#max) this.#max = source.#max
    this.#sorted = undefined
    // Each pass compacts at least one level: retained ≥ Σ capacities means some level is full.
    while (this.#retained >= this.#maxRetained) this.#compress()
    return this
  }

  /**
   * The smallest retained value whose estimated rank fraction reaches q;
   * q = 0 and q = 1 give the exact min and max. NaN while empty.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`)
    if (this.#n === 0) return NaN
    if (q === 0) return this.#min
    if (q === 1) return this.#max
    const { values, cumulative } = this.#view()
    const target = q * this.#n
    return values[firstIndex(values.length - 1, (i) => cumulative[i]! >= target)]!
  }

  /** Estimated fraction of values ≤ x (< x when inclusive is false); NaN while empty. */
  cdf(x: number, inclusive = true): number {
    if (this.#n === 0 || Number.isNaN(x)) return NaN
    if (x < this.#min || (!inclusive && x === this.#min)) return 0
    if (x > this.#max || (inclusive && x === this.#max)) return 1
    const { values, cumulative } = this.#view()
    // How many retained values are ≤ x (or < x).
    const count = firstIndex(values.length, (i) => (inclusive ? values[i]! > x : values[i]! >= x))
    return count === 0 ? 0 : cumulative[count - 1]! / this.#n
  }

  clone(): KllSketch {
    const copy = new KllSketch(this.k).merge(this)
    copy.#rng = this.#rng // so the copy goes on exactly as the original would
    return copy
  }

  toJSON(): KllSketchJson {
    const empty = this.#n === 0
    return {
      k: this.k,
      n: this.#n,
      min: empty ? null : this.#min,
      max: empty ? null : this.#max,
      rng: this.#rng,
      levels: this.#levels.map((level, h) => Array.from(level.subarray(0, this.#sizes[h]!))),
    }
  }

  static fromJSON(json: unknown): KllSketch {
    const parsed = KllSketchJson.parse(json)
    const sketch = new KllSketch(parsed.k)
    while (sketch.#levels.length < parsed.levels.length) sketch.#grow()
    let weight = 0
    parsed.levels.forEach((items, h) => {
      const level = sketch.#reserve(h, items.length)
      level.set(items)
      if (h > 0) sortPrefix(level, items.length)
      sketch.#sizes[h] = items.length
      sketch.#retained += items.length
      weight += items.length * 2 ** h
    })
    if (weight !== parsed.n) throw new Error(`KLL sketch: levels carry weight ${weight} but n is ${parsed.n}`)
    const empty = parsed.n === 0
    if (empty !== (parsed.min === null) || empty !== (parsed.max === null)) throw new Error('KLL sketch: min and max must be null exactly when n is 0')
    sketch.#n = parsed.n
    sketch.#min = parsed.min ?? Infinity
    sketch.#max = parsed.max ?? -Infinity
    sketch.#rng = parsed.rng
    while (sketch.#retained >= sketch.#maxRetained) sketch.#compress()
    return sketch
  }

  /** Adds a level on top; every level's capacity is recomputed from its depth below the top. */
  #grow(): void {
    this.#levels.push(new Float64Array(8))
    this.#sizes.push(0)
    const height = this.#levels.length
    this.#maxRetained = 0
    for (let h = 0; h < height; h++) {
      const capacity = Math.max(MIN_WIDTH, Math.ceil(this.k * SHRINK ** (height - 1 - h)))
      this.#capacities[h] = capacity
      this.#maxRetained += capacity
    }
  }

  /** Compacts the lowest full level(s) until the sketch is back under its budget. */
  #compress(): void {
    for (let h = 0; h < this.#levels.length; h++) {
      if (this.#sizes[h]! < this.#capacities[h]!) continue
      if (h + 1 === this.#levels.length) this.#grow()
      this.#compact(h)
      if (this.#retained < this.#maxRetained) return
    }
  }

  /** Promotes one item of each adjacent sorted pair of level h to h + 1; an odd one out stays. */
  #compact(h: number): void {
    const size = this.#sizes[h]!
    const level = this.#levels[h]!
    if (h === 0) sortPrefix(level, size)
    const pairs = size >> 1
    const above = this.#sizes[h + 1]!
    mergeInto(this.#reserve(h + 1, above + pairs), above, level, this.#coin(), 2, pairs)
    this.#sizes[h + 1] = above + pairs
    if (size & 1) level[0] = level[size - 1]!
    this.#sizes[h] = size & 1
    this.#retained -= pairs
  }

  /** xorshift32; the top bit is the coin. */
  #coin(): number {
    let x = this.#rng
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (this.#rng = x >>> 0) >>> 31
  }

  /** The buffer of level h with room for `needed` items. */
  #reserve(h: number, needed: number): Float64Array {
    const level = this.#levels[h]!
    if (needed <= level.length) return level
    let length = level.length
    while (length < needed) length *= 2
    const grown = new Float64Array(length)
    grown.set(level.subarray(0, this.#sizes[h]!))
    this.#levels[h] = grown
    return grown
  }

  /** All retained items sorted by value with cumulative weights; cached until the next change. */
  #view(): SortedView {
    if (this.#sorted) return this.#sorted
    const items: Array<[value: number, weight: number]> = []
    this.#levels.forEach((level, h) => {
      for (let i = 0; i < this.#sizes[h]!; i++) items.push([level[i]!, 2 ** h])
    })
    items.sort((a, b) => a[0] - b[0])
    const cumulative = new Float64Array(items.length)
    let total = 0
    items.forEach(([, weight], i) => (cumulative[i] = total += weight))
    this.#sorted = { values: Float64Array.from(items, ([value]) => value), cumulative }
    return this.#sorted
  }
}

/** The first i in [0, end) where the monotone test holds, else end (binary search). */
function firstIndex(end: number, test: (i: number) => boolean): number {
  let lo = 0
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (test(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** Merges sorted source[start], source[start + step], … (count items) into sorted target[0 .. size), from the back. */
function mergeInto(target: Float64Array, size: number, source: Float64Array, start: number, step: number, count: number): void {
  let i = size - 1
  let j = count - 1
  let out = size + count - 1
  while (j >= 0) {
    const incoming = source[start + j * step]!
    if (i >= 0 && target[i]! > incoming) target[out--] = target[i--]!
    else {
      target[out--] = incoming
      j--
    }
  }
}

/** Sorts a[0 .. size): insertion sort for the few items level 0 usually holds, else the native sort. */
function sortPrefix(a: Float64Array, size: number): void {
  if (size > 32) a.subarray(0, size).sort()
  else {
    for (let i = 1; i < size; i++) {
      const v = a[i]!
      let j = i - 1
      for (; j >= 0 && a[j]! > v; j--) a[j + 1] = a[j]!
      a[j + 1] = v
    }
  }
}
