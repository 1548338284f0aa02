import { z } from 'zod'

// Running count/mean/M2 plus min/max for one numeric stream. Welford's update
// keeps the sum of squared deviations (M2) instead of a sum of squares, which
// would cancel catastrophically for large values with a small spread. Chan et
// al.'s pairwise formula merges two shards without revisiting the data.

/** Serialised form; min/max are null while empty because JSON has no Infinity. */
export const MomentsJson = z.object({
  count: z.number().int().nonnegative(),
  mean: z.number(),
  m2: z.number().nonnegative(),
  min: z.number().nullable(),
  max: z.number().nullable(),
})
export type MomentsJson = z.infer<typeof MomentsJson>

export class Moments {
  count = 0
  mean = 0
  /** Sum of squared deviations from the mean. */
  m2 = 0
  /** Infinity / -Infinity while empty, so update() needs no emptiness branch. */
  min = Infinity
  max = -Infinity

  /** Callers pass finite numbers; one NaN or Infinity poisons mean and M2. `weight` copies of x at once (West's weighted update). */
  update(x: number, weight = 1): void {
    const count = (this.count += weight)
    const delta = x - this.mean
    // weight / count is exactly 1 for the first value, so one value's mean is exact at any weight.
    this.mean += weight === 1 ? delta / count : delta * (weight / count)
    this.m2 += weight === 1 ? delta * (x - this.mean) : weight * delta * (x - this.mean)
    if (x < this.min) this.min = x
    if (x > this.max) this.max = x
  }

  /** Folds `other` into this (Chan et al.); other is left unchanged. */
  merge(other: Moments): this {
    if (other.count === 0) return this
    if (this.count === 0) {
      // Copy rather than apply the formula, so merging into an empty shard is exact.
      this.count = other.count
      this.mean = other.mean
      this.m2 = other.m2
    } else {
      const count = this.count + other.count
      const delta = other.mean - this.mean
      this.mean += (delta * other.count) / count
      this.m2 += other.m2 + (delta * delta * this.count * other.count) / count
      this.count = count
    }
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    return this
  }

  /** Sample variance (n - 1 denominator); undefined below two values. */
  variance(): number | undefined {
    return this.count < 2 ? undefined : this.m2 / (this.count - 1)
  }

  /** Sample standard deviation; undefined below two values. */
  stddev(): number | undefined {
    const variance = this.variance()
    return variance === undefined ? undefined : Math.sqrt(variance)
  }

  clone(): Moments {
    return new Moments().merge(this)
  }

  toJSON(): MomentsJson {
    const empty = this.count === 0
    return { count: this.count, mean: this.mean, m2: this.m2, min: empty ? null : this.min, max: empty ? null : this.max }
  }

  static fromJSON(json: unknown): Moments {
    const parsed = MomentsJson.parse(json)
    if ((parsed.count === 0) !== (parsed.min === null) || (parsed.count === 0) !== (parsed.max === null)) {
      throw new Error('moments: min and max must be null exactly when count is 0')
    }
    const moments = new Moments()
    moments.count = parsed.count
    moments.mean = parsed.mean
    moments.m2 = parsed.m2
    moments.min = parsed.min ?? Infinity
    moments.max = parsed.max ?? -Infinity
    return moments
  }
}
