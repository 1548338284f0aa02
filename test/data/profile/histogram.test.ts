import { describe, expect, it } from 'vitest'
import { binIndex, dedupeEdges, equalWidthEdges, Histogram } from '../../../src/data/profile/histogram.js'

function histogramOf(edges: number[], values: number[]): Histogram {
  const histogram = new Histogram(edges)
  for (const x of values) histogram.add(x)
  return histogram
}

describe('Histogram', () => {
  it('bins [e_i, e_(i+1)) with the last bin closed, plus underflow and overflow', () => {
    const edges = [0, 1, 2, 3]
    expect([-0.1, 0, 0.99, 1, 2.5, 3, 3.01].map((x) => binIndex(edges, x))).toEqual([0, 1, 1, 2, 3, 3, 4])
    expect(binIndex(edges, NaN)).toBe(-1)
    const histogram = histogramOf(edges, [-5, 0, 0.5, 1, 3, 9, NaN])
    expect(histogram.counts).toEqual([1, 2, 1, 1, 1])
    expect(histogram.total).toBe(6)
    expect(histogram.fractions()).toEqual([1 / 6, 2 / 6, 1 / 6, 1 / 6, 1 / 6])
  })

  it('chooses equal-width edges between a reference min and max', () => {
    expect(equalWidthEdges(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10])
    const edges = equalWidthEdges(0.1, 0.7, 20)
    expect(edges).toHaveLength(21)
    expect(edges[20]).toBe(0.7)
    expect(Histogram.equalWidth(3, 3).edges).toEqual([3, 3])
    expect(histogramOf([3, 3], [2, 3, 3, 4]).counts).toEqual([1, 2, 1])
    expect(() => equalWidthEdges(1, 0)).toThrow(RangeError)
  })

  it('dedupes edges from repeated quantiles', () => {
    expect(dedupeEdges([1, 1, 2, 2, 5])).toEqual([1, 2, 5])
    expect(dedupeEdges([4, 4, 4])).toEqual([4, 4])
  })

  it('rejects unusable edges', () => {
    expect(() => new Histogram([1])).toThrow(/at least 2 edges/)
    expect(() => new Histogram([0, 2, 1])).toThrow(/increase strictly/)
    expect(() => new Histogram([0, 1, 1])).toThrow(/increase strictly/)
    expect(() => new Histogram([0, Infinity])).toThrow(/finite/)
  })

  it('merges into the histogram of the combined data', () => {
    const edges = equalWidthEdges(0, 100, 10)
    const a = [-1, 5, 15, 15, 99, 100]
    const b = [50, 101, 0, 42]
    const merged = histogramOf(edges, a).merge(histogramOf(edges, b))
    expect(merged.toJSON()).toEqual(histogramOf(edges, [...a, ...b]).toJSON())
    expect(merged.total).toBe(10)
  })

  it('refuses to merge histograms with different edges, saying why', () => {
    const a = new Histogram([0, 1, 2])
    expect(() => a.merge(new Histogram([0, 1, 3]))).toThrow('cannot merge histograms with different bin edges: [0, 1, 2] vs [0, 1, 3]')
    expect(() => a.merge(new Histogram([0, 1]))).toThrow(/different bin edges/)
  })

  it('round-trips through JSON and clones independently', () => {
    const histogram = histogramOf([0, 10, 20], [1, 5, 15, 25])
    const restored = Histogram.fromJSON(JSON.parse(JSON.stringify(histogram)))
    expect(restored.toJSON()).toEqual(histogram.toJSON())
    expect(restored.total).toBe(4)
    const copy = histogram.clone()
    copy.add(1)
    expect(histogram.total).toBe(4)
    expect(() => Histogram.fromJSON({ edges: [0, 1], counts: [1] })).toThrow(/need 3 counts/)
  })
})
