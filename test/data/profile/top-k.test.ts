import { describe, expect, it } from 'vitest'
import { xorshift } from './xorshift.js'
import { HASH, hashString } from '../../../src/data/profile/hyperloglog.js'
import { TopK } from '../../../src/data/profile/top-k.js'

function topOf(values: Iterable<string>, capacity?: number): TopK {
  const topK = new TopK(capacity)
  for (const value of values) topK.add(value)
  return topK
}

function exactCounts(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return counts
}

/** 60% of the stream from 5 heavy hitters, the rest from a long tail of 100,000 values. */
function heavyHitterStream(n: number, seed: number): string[] {
  const random = xorshift(seed)
  return Array.from({ length: n }, () => {
    const r = random()
    return r < 0.6 ? `hot-${Math.floor((r / 0.6) * 5)}` : `tail-${Math.floor(random() * 100_000)}`
  })
}

describe('TopK', () => {
  it('counts exactly on small data, sorted by count then value', () => {
    const topK = topOf(['b', 'a', 'c', 'b', 'a', 'b', 'd', 'c'])
    expect(topK.exact).toBe(true)
    expect(topK.maxError).toBe(0)
    expect(topK.total).toBe(8)
    expect(topK.top(3)).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
      { value: 'c', count: 2 },
    ])
    expect(topK.top()).toHaveLength(4)
    expect(topK.count('zzz')).toBe(0)
  })

  it('stays exact up to capacity distinct values and turns approximate past it', () => {
    const topK = topOf(Array.from({ length: 100 }, (_, i) => `v${i}`), 100)
    expect(topK.exact).toBe(true)
    topK.add('one too many')
    expect(topK.exact).toBe(false)
    expect(topK.maxError).toBe(1)
    expect(topK.size).toBeLessThanOrEqual(100)
  })

  it('finds the heavy hitters of a long-tailed stream, within the stated error', () => {
    const stream = heavyHitterStream(200_000, 1)
    const topK = topOf(stream, 1_000)
    const truth = exactCounts(stream)
    expect(topK.exact).toBe(false)
    expect(topK.size).toBeLessThanOrEqual(1_000)
    const top = topK.top(5)
    expect(top.map((item) => item.value).sort()).toEqual(['hot-0', 'hot-1', 'hot-2', 'hot-3', 'hot-4'])
    // Misra–Gries: true - maxError ≤ count ≤ true, and maxError ≤ n / (capacity + 1).
    expect(topK.maxError).toBeLessThanOrEqual(200_000 / 1_001)
    for (const { value, count } of top) {
      expect(count).toBeLessThanOrEqual(truth.get(value)!)
      expect(count).toBeGreaterThanOrEqual(truth.get(value)! - topK.maxError)
    }
  })

  it('merges exact summaries exactly', () => {
    const left = ['x', 'y', 'x', 'z']
    const right = ['y', 'y', 'w', 'x']
    const merged = topOf(left).merge(topOf(right))
    expect(merged.toJSON()).toEqual(topOf([...left, ...right]).toJSON())
  })

  it('merges bounded summaries within the combined error bound', () => {
    const stream = heavyHitterStream(200_000, 2)
    const truth = exactCounts(stream)
    const shards = [0, 1, 2, 3].map((s) => topOf(stream.slice(s * 50_000, (s + 1) * 50_000), 500))
    const merged = shards.reduce((acc, shard) => acc.merge(shard), new TopK(500))
    expect(merged.size).toBeLessThanOrEqual(500)
    expect(merged.total).toBe(200_000)
    expect(merged.maxError).toBeLessThanOrEqual(200_000 / 501)
    for (const { value, count } of merged.top(5)) {
      expect(value).toMatch(/^hot-/)
      expect(count).toBeLessThanOrEqual(truth.get(value)!)
      expect(count).toBeGreaterThanOrEqual(truth.get(value)! - merged.maxError)
    }
  })

  it('turns approximate when merged exact summaries exceed capacity', () => {
    const merged = topOf(['a', 'b', 'a'], 2).merge(topOf(['c', 'a'], 2))
    expect(merged.exact).toBe(false)
    expect(merged.top()).toEqual([{ value: 'a', count: 2 }])
    expect(merged.maxError).toBe(1)
  })

  it('merges with itself and clones independently', () => {
    const topK = topOf(['a', 'b', 'a'])
    const copy = topK.clone()
    topK.merge(topK)
    expect(topK.top()).toEqual([
      { value: 'a', count: 4 },
      { value: 'b', count: 2 },
    ])
    expect(copy.total).toBe(3)
  })

  it('counts the same through addHashed, as column profiles call it', () => {
    const hashed = new TopK(50)
    const stream = heavyHitterStream(5_000, 4)
    for (const value of stream) {
      hashString(value)
      hashed.addHashed(value, HASH[0]!)
    }
    expect(hashed.toJSON()).toEqual(topOf(stream, 50).toJSON())
  })

  it('supports weighted adds', () => {
    const topK = new TopK(2)
    topK.add('a', 5)
    topK.add('b', 3)
    topK.add('c', 4) // evicts b (3), keeps c with 4 - 3
    expect(topK.top()).toEqual([
      { value: 'a', count: 2 },
      { value: 'c', count: 1 },
    ])
    expect(topK.maxError).toBe(3)
    expect(() => topK.add('d', 0)).toThrow(RangeError)
  })

  it('round-trips through JSON and rejects inconsistent JSON', () => {
    const topK = topOf(heavyHitterStream(20_000, 3), 300)
    const json = JSON.parse(JSON.stringify(topK))
    expect(TopK.fromJSON(json).toJSON()).toEqual(topK.toJSON())
    const exact = topOf(['a', 'b', 'a']).toJSON()
    expect(TopK.fromJSON(exact).top()).toEqual(topOf(['a', 'b', 'a']).top())
    expect(() => TopK.fromJSON({ ...exact, total: 4 })).toThrow(/sum to 3/)
    expect(() => TopK.fromJSON({ ...exact, maxError: 2 })).toThrow(/maxError/)
    expect(() => TopK.fromJSON({ ...exact, items: [['a', 1], ['a', 2]] })).toThrow(/twice/)
  })
})
