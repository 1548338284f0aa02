import { describe, expect, it } from 'vitest'
import { xorshift } from './xorshift.js'
import { Moments } from '../../../src/data/profile/moments.js'

function twoPass(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, x) => sum + x, 0) / values.length
  const variance = values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (values.length - 1)
  return { mean, variance }
}

function momentsOf(values: number[]): Moments {
  const moments = new Moments()
  for (const x of values) moments.update(x)
  return moments
}

describe('Moments', () => {
  it('matches a two-pass mean and sample variance', () => {
    const random = xorshift(1)
    const values = Array.from({ length: 10_000 }, () => random() * 100 - 30)
    const moments = momentsOf(values)
    const exact = twoPass(values)
    expect(moments.count).toBe(values.length)
    expect(moments.mean).toBeCloseTo(exact.mean, 10)
    expect(moments.variance()).toBeCloseTo(exact.variance, 8)
    expect(moments.stddev()).toBeCloseTo(Math.sqrt(exact.variance), 8)
    expect(moments.min).toBe(Math.min(...values))
    expect(moments.max).toBe(Math.max(...values))
  })

  it('stays accurate for large values with a small spread, where Σx² would cancel', () => {
    const values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
    expect(momentsOf(values).variance()).toBeCloseTo(30, 9)
  })

  it('leaves variance undefined below two values', () => {
    expect(new Moments().variance()).toBeUndefined()
    expect(momentsOf([5]).stddev()).toBeUndefined()
    expect(momentsOf([5, 7]).variance()).toBe(2)
  })

  it('merges shards into the moments of the whole (Chan et al.)', () => {
    const random = xorshift(2)
    const values = Array.from({ length: 9_999 }, () => (random() - 0.5) * 1e4)
    const whole = momentsOf(values)
    const shards = [values.slice(0, 10), values.slice(10, 5_000), values.slice(5_000)].map(momentsOf)
    const merged = shards.reduce((acc, shard) => acc.merge(shard), new Moments())
    expect(merged.count).toBe(whole.count)
    expect(merged.min).toBe(whole.min)
    expect(merged.max).toBe(whole.max)
    expect(merged.mean).toBeCloseTo(whole.mean, 9)
    expect(merged.variance()! / whole.variance()!).toBeCloseTo(1, 12)
  })

  it('merges with empty moments exactly and leaves the argument unchanged', () => {
    const moments = momentsOf([1, 2, 4])
    const before = moments.toJSON()
    expect(new Moments().merge(moments).toJSON()).toEqual(before)
    expect(moments.clone().merge(new Moments()).toJSON()).toEqual(before)
    expect(moments.toJSON()).toEqual(before)
  })

  it('round-trips through JSON, with null min/max while empty', () => {
    expect(new Moments().toJSON()).toEqual({ count: 0, mean: 0, m2: 0, min: null, max: null })
    const moments = momentsOf([3.25, -1, 8])
    const restored = Moments.fromJSON(JSON.parse(JSON.stringify(moments)))
    expect(restored.toJSON()).toEqual(moments.toJSON())
    restored.update(2)
    moments.update(2)
    expect(restored.toJSON()).toEqual(moments.toJSON())
    expect(() => Moments.fromJSON({ count: 2, mean: 0, m2: 0, min: null, max: null })).toThrow(/min and max/)
  })

  it('takes a weight: the same moments as that many single updates', () => {
    const random = xorshift(5)
    const weighted = new Moments()
    const values: number[] = []
    for (let i = 0; i < 500; i++) {
      const x = 1e6 + random() * 10
      const count = 1 + Math.floor(random() * 40)
      weighted.update(x, count)
      for (let j = 0; j < count; j++) values.push(x)
    }
    const { mean, variance } = twoPass(values)
    expect(weighted.count).toBe(values.length)
    expect(Math.abs(weighted.mean - mean) / mean).toBeLessThan(1e-12)
    expect(weighted.variance()! / variance).toBeCloseTo(1, 10)
    expect([weighted.min, weighted.max]).toEqual([values.reduce((a, b) => Math.min(a, b)), values.reduce((a, b) => Math.max(a, b))])
    // One value at any weight is exact.
    const one = new Moments()
    one.update(0.1, 3)
    expect([one.mean, one.m2, one.count]).toEqual([0.1, 0, 3])
  })
})
