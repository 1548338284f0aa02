import { describe, expect, it } from 'vitest'
import { compareMetrics, formatDelta, formatNumber, tolerance } from '../../src/metrics/compare.js'
import { buildMetrics } from '../builders.js'

describe('compareMetrics', () => {
  it('classifies changes by direction over the union of names, sorted', () => {
    const current = buildMetrics({ accuracy: 0.98, log_loss: 0.05, rmse: 0.3, new_metric: 1, same: 0.5 }, { lower: ['log_loss', 'rmse'] })
    const baseline = buildMetrics({ accuracy: 0.96, log_loss: 0.07, rmse: 0.2, gone: 2, same: 0.5 }, { lower: ['log_loss', 'rmse'] })
    const rows = compareMetrics(current, baseline)
    expect(rows.map((r) => [r.name, r.change])).toEqual([
      ['accuracy', 'better'],
      ['gone', 'removed'],
      ['log_loss', 'better'],
      ['new_metric', 'new'],
      ['rmse', 'worse'],
      ['same', 'same'],
    ])
    expect(rows[0]).toEqual({ name: 'accuracy', value: 0.98, baseline: 0.96, delta: 0.98 - 0.96, change: 'better', direction: 'higher' })
    expect(rows[1]).toEqual({ name: 'gone', baseline: 2, change: 'removed', direction: 'higher' })
    expect(rows[3]).toEqual({ name: 'new_metric', value: 1, change: 'new', direction: 'higher' })
  })

  it('marks every metric no-baseline when there is no baseline', () => {
    const rows = compareMetrics(buildMetrics({ b: 1, a: 2 }), undefined)
    expect(rows).toEqual([
      { name: 'a', value: 2, change: 'no-baseline', direction: 'higher' },
      { name: 'b', value: 1, change: 'no-baseline', direction: 'higher' },
    ])
  })

  it('calls float noise "same"', () => {
    const rows = compareMetrics(buildMetrics({ a: 0.1 + 0.2 }), buildMetrics({ a: 0.3 }))
    expect(rows[0]?.change).toBe('same')
  })

  it('sorts by code unit, independent of locale', () => {
    const rows = compareMetrics(buildMetrics({ b: 1, B: 1, a: 1, 'a.b': 1 }), undefined)
    expect(rows.map((r) => r.name)).toEqual(['B', 'a', 'a.b', 'b'])
  })
})

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [0.9, '0.9'],
    [0.97123, '0.9712'],
    [0.031000000000000028, '0.031'],
    [0.0001234, '0.0001234'],
    [0.00001234, '0.0000123'],
    [1.234e-8, '1.23e-8'],
    [1, '1'],
    [42, '42'],
    [12.5, '12.5'],
    [1523.456789, '1523.4568'],
    [-0.5, '-0.5'],
    [Number.NaN, 'NaN'],
  ])('%d → %s', (n, text) => {
    expect(formatNumber(n)).toBe(text)
  })
})

describe('formatDelta and tolerance', () => {
  it('signs deltas with + and a true minus', () => {
    expect(formatDelta(0.0112)).toBe('+0.0112')
    expect(formatDelta(-0.02)).toBe('\u22120.02')
    expect(formatDelta(0)).toBe('0')
  })

  it('scales the tolerance with the magnitude', () => {
    expect(tolerance(0.5, 0.9)).toBe(1e-12)
    expect(tolerance(1e6, 2)).toBeCloseTo(1e-6, 15)
  })
})
