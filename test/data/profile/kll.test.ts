import { describe, expect, it } from 'vitest'
import { countUpTo } from './rank.js'
import { xorshift } from './xorshift.js'
import { KllSketch } from '../../../src/data/profile/kll.js'

// Rank error bound asserted at k = 200 for 1e6 values; the measured maxima
// are 0.74% (uniform), 0.78% (normal) and 0.47% (four merged shards); see kll.ts.
const RANK_ERROR = 0.01
const N = 1_000_000

function uniform(n: number, seed: number): Float64Array {
  const random = xorshift(seed)
  return Float64Array.from({ length: n }, () => random())
}

/** Box–Muller, mean 50 and sd 10. */
function normal(n: number, seed: number): Float64Array {
  const random = xorshift(seed)
  return Float64Array.from({ length: n }, () => 50 + 10 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()))
}

function sketchOf(values: Float64Array, k?: number): KllSketch {
  const sketch = new KllSketch(k)
  for (const x of values) sketch.update(x)
  return sketch
}

/** Largest |true rank of quantile(q) - q| and |cdf(x) - true rank of x| over a grid of 999 points. */
function maxRankErrors(sketch: KllSketch, values: Float64Array): { quantile: number; cdf: number } {
  const sorted = values.slice().sort()
  const rankOf = (x: number): number => countUpTo(sorted, x) / sorted.length
  let quantile = 0
  let cdf = 0
  for (let i = 1; i < 1000; i++) {
    const q = i / 1000
    quantile = Math.max(quantile, Math.abs(rankOf(sketch.quantile(q)) - q))
    const x = sorted[Math.floor(q * sorted.length)]!
    cdf = Math.max(cdf, Math.abs(sketch.cdf(x) - rankOf(x)))
  }
  return { quantile, cdf }
}

describe('KllSketch', () => {
  it('is exact while everything fits', () => {
    const sketch = new KllSketch()
    for (let x = 100; x >= 1; x--) sketch.update(x)
    expect(sketch.n).toBe(100)
    expect(sketch.quantile(0.5)).toBe(50)
    expect(sketch.quantile(0.01)).toBe(1)
    expect(sketch.cdf(25)).toBe(0.25)
    expect(sketch.cdf(25, false)).toBe(0.24)
    expect(sketch.cdf(0.5)).toBe(0)
    expect(sketch.cdf(100)).toBe(1)
  })

  it('keeps the exact min and max and ignores NaN and infinities', () => {
    const sketch = sketchOf(normal(100_000, 3))
    sketch.update(NaN)
    sketch.update(Infinity)
    sketch.update(-Infinity)
    expect(sketch.n).toBe(100_000)
    expect(sketch.quantile(0)).toBe(sketch.min)
    expect(sketch.quantile(1)).toBe(sketch.max)
    expect(sketch.cdf(sketch.max)).toBe(1)
    expect(sketch.cdf(sketch.min, false)).toBe(0)
  })

  it('answers NaN while empty and rejects quantiles outside [0, 1]', () => {
    const sketch = new KllSketch()
    expect(sketch.quantile(0.5)).toBeNaN()
    expect(sketch.cdf(1)).toBeNaN()
    expect(() => sketch.quantile(1.5)).toThrow(RangeError)
    expect(() => new KllSketch(4)).toThrow(/k must be/)
  })

  it(`estimates 1e6 uniform values within rank error ${RANK_ERROR} in about 3k numbers`, () => {
    const values = uniform(N, 11)
    const sketch = sketchOf(values)
    const errors = maxRankErrors(sketch, values)
    expect(errors.quantile).toBeLessThanOrEqual(RANK_ERROR)
    expect(errors.cdf).toBeLessThanOrEqual(RANK_ERROR)
    expect(sketch.retained).toBeLessThan(4 * sketch.k)
  })

  it(`estimates 1e6 normal values within rank error ${RANK_ERROR}`, () => {
    const values = normal(N, 12)
    const errors = maxRankErrors(sketchOf(values), values)
    expect(errors.quantile).toBeLessThanOrEqual(RANK_ERROR)
    expect(errors.cdf).toBeLessThanOrEqual(RANK_ERROR)
    expect(Math.abs(sketchOf(values).quantile(0.5) - 50)).toBeLessThan(0.5)
  })

  it('merges four shards within the same rank error', () => {
    const values = normal(N, 13)
    const quarter = N / 4
    // Contiguous shards of shifted data, so each shard covers a different range.
    const shifted = values.map((x, i) => x + 5 * Math.floor(i / quarter))
    const shards = [0, 1, 2, 3].map((s) => sketchOf(shifted.subarray(s * quarter, (s + 1) * quarter)))
    const merged = shards.reduce((acc, shard) => acc.merge(shard), new KllSketch())
    expect(merged.n).toBe(N)
    expect(merged.min).toBe(Math.min(...shards.map((s) => s.min)))
    expect(merged.max).toBe(Math.max(...shards.map((s) => s.max)))
    const errors = maxRankErrors(merged, shifted)
    expect(errors.quantile).toBeLessThanOrEqual(RANK_ERROR)
    expect(errors.cdf).toBeLessThanOrEqual(RANK_ERROR)
    expect(shards[1]!.n).toBe(quarter) // merge leaves its argument alone
  })

  it('is deterministic: the same input gives the same sketch', () => {
    const values = uniform(50_000, 14)
    expect(JSON.stringify(sketchOf(values))).toBe(JSON.stringify(sketchOf(values)))
  })

  it('round-trips through JSON and continues exactly as the original would', () => {
    const values = normal(200_000, 15)
    const sketch = sketchOf(values.subarray(0, 100_000))
    const restored = KllSketch.fromJSON(JSON.parse(JSON.stringify(sketch)))
    expect(restored.toJSON()).toEqual(sketch.toJSON())
    for (const q of [0.1, 0.5, 0.99]) expect(restored.quantile(q)).toBe(sketch.quantile(q))
    for (const x of values.subarray(100_000)) {
      sketch.update(x)
      restored.update(x)
    }
    expect(restored.toJSON()).toEqual(sketch.toJSON())
  })

  it('rejects JSON whose levels do not add up to n', () => {
    const json = sketchOf(uniform(10_000, 16)).toJSON()
    expect(() => KllSketch.fromJSON({ ...json, n: json.n + 1 })).toThrow(/weight/)
    expect(() => KllSketch.fromJSON({ ...json, k: 2 })).toThrow()
  })

  it('clones independently and merges with itself', () => {
    const sketch = sketchOf(uniform(10_000, 17))
    const copy = sketch.clone()
    expect(copy.toJSON()).toEqual(sketch.toJSON())
    copy.update(5)
    expect(sketch.n).toBe(10_000)
    expect(copy.max).toBe(5)
    sketch.merge(sketch)
    expect(sketch.n).toBe(20_000)
    expect(Math.abs(sketch.quantile(0.5) - 0.5)).toBeLessThan(0.02)
  })

  it('takes weighted values (one item per set bit of the weight) within the same rank error', () => {
    // A skewed stream given as (value, count) pairs, as a dictionary-encoded column arrives.
    const random = xorshift(11)
    const weighted = new KllSketch()
    const expanded: number[] = []
    for (let v = 0; v < 3000; v++) {
      const x = 50 + 10 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
      const count = 1 + Math.floor(random() ** 4 * 2000)
      weighted.update(x, count)
      for (let i = 0; i < count; i++) expanded.push(x)
    }
    const values = Float64Array.from(expanded)
    expect(weighted.n).toBe(values.length)
    expect([weighted.min, weighted.max]).toEqual([values.reduce((a, b) => Math.min(a, b)), values.reduce((a, b) => Math.max(a, b))])
    expect(maxRankErrors(weighted, values).quantile).toBeLessThanOrEqual(RANK_ERROR)
    // Weighted and unit updates mix, and JSON carries the weights (levels must add up to n).
    weighted.update(1e6)
    expect(KllSketch.fromJSON(weighted.toJSON()).n).toBe(values.length + 1)
    expect(weighted.quantile(1)).toBe(1e6)
  })

  it('is exact for a few weighted values and rejects a weight that is not a positive integer', () => {
    const sketch = new KllSketch()
    sketch.update(3, 5)
    sketch.update(1, 2)
    sketch.update(2, 1)
    expect(sketch.n).toBe(8)
    expect([0.25, 0.375, 0.5, 1].map((q) => sketch.quantile(q))).toEqual([1, 2, 3, 3])
    expect(sketch.cdf(2)).toBe(3 / 8)
    expect(() => sketch.update(1, 0.5)).toThrow(/positive integer/)
    expect(() => sketch.update(1, 0)).toThrow(/positive integer/)
  })
})
