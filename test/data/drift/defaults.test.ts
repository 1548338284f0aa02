import { describe, expect, it } from 'vitest'
import {
  chooseMethod,
  DEFAULT_DRIFT_SHARE,
  DEFAULT_THRESHOLDS,
  datasetDrift,
  DriftMethod,
  driftRule,
  isPValueMethod,
} from '../../../src/data/drift/defaults.js'

describe('DriftMethod', () => {
  it('accepts the five method names only', () => {
    expect(DriftMethod.options).toEqual(['psi', 'ks', 'wasserstein', 'jensenshannon', 'chisquare'])
    expect(DriftMethod.parse('ks')).toBe('ks')
    expect(DriftMethod.safeParse('z').success).toBe(false)
  })
})

describe('chooseMethod', () => {
  it('uses tests on small references (≤ 1000 rows)', () => {
    expect(chooseMethod({ kind: 'numeric', referenceRows: 1000 })).toMatchObject({ method: 'ks', threshold: 0.05, scoreKind: 'p_value' })
    expect(chooseMethod({ kind: 'categorical', referenceRows: 10 })).toMatchObject({ method: 'chisquare', threshold: 0.05 })
  })

  it('uses distances on larger references', () => {
    expect(chooseMethod({ kind: 'numeric', referenceRows: 1001 })).toMatchObject({ method: 'wasserstein', threshold: 0.1, scoreKind: 'distance' })
    expect(chooseMethod({ kind: 'categorical', referenceRows: 50_000 })).toMatchObject({ method: 'jensenshannon', threshold: 0.1 })
  })

  it('judges low-cardinality numeric columns like categorical ones', () => {
    expect(chooseMethod({ kind: 'numeric', referenceRows: 500, distinctValues: 5 }).method).toBe('chisquare')
    expect(chooseMethod({ kind: 'numeric', referenceRows: 5000, distinctValues: 2 }).method).toBe('jensenshannon')
    expect(chooseMethod({ kind: 'numeric', referenceRows: 500, distinctValues: 6 }).method).toBe('ks')
  })

  it('rejects a bad row count', () => {
    expect(() => chooseMethod({ kind: 'numeric', referenceRows: -1 })).toThrow(RangeError)
    expect(() => chooseMethod({ kind: 'numeric', referenceRows: Number.NaN })).toThrow(RangeError)
  })
})

describe('driftRule', () => {
  it('flags p-values strictly below the threshold', () => {
    const rule = chooseMethod({ kind: 'numeric', referenceRows: 100 })
    expect(rule.drifted(0.049)).toBe(true)
    expect(rule.drifted(0.05)).toBe(false)
    expect(rule.drifted(0.5)).toBe(false)
  })

  it('flags distances at or above the threshold', () => {
    const rule = chooseMethod({ kind: 'categorical', referenceRows: 5000 })
    expect(rule.drifted(0.1)).toBe(true)
    expect(rule.drifted(0.0999)).toBe(false)
  })

  it('offers psi with threshold 0.1 and accepts custom thresholds', () => {
    expect(DEFAULT_THRESHOLDS.psi).toBe(0.1)
    const psi = driftRule('psi')
    expect(psi).toMatchObject({ method: 'psi', threshold: 0.1, scoreKind: 'distance' })
    expect(psi.drifted(0.2747)).toBe(true)
    expect(driftRule('psi', 0.25).drifted(0.2)).toBe(false)
    expect(driftRule('ks', 0.01).drifted(0.02)).toBe(false)
  })

  it('never flags NaN', () => {
    expect(driftRule('ks').drifted(Number.NaN)).toBe(false)
    expect(driftRule('wasserstein').drifted(Number.NaN)).toBe(false)
  })

  it('rejects bad thresholds and unknown methods', () => {
    expect(() => driftRule('ks', 1.5)).toThrow(/\(0, 1\]/)
    expect(() => driftRule('psi', 0)).toThrow(RangeError)
    expect(() => driftRule('z' as DriftMethod)).toThrow()
  })

  it('classifies methods', () => {
    expect(DriftMethod.options.filter(isPValueMethod)).toEqual(['ks', 'chisquare'])
  })
})

describe('datasetDrift', () => {
  const columns = (drifted: number, total: number) => Array.from({ length: total }, (_, i) => ({ drifted: i < drifted }))

  it('drifts when at least half the columns drift (Evidently: share ≥ drift_share)', () => {
    expect(DEFAULT_DRIFT_SHARE).toBe(0.5)
    expect(datasetDrift(columns(2, 4))).toEqual({ columns: 4, driftedColumns: 2, share: 0.5, drifted: true })
    expect(datasetDrift(columns(1, 3))).toMatchObject({ driftedColumns: 1, drifted: false })
    expect(datasetDrift(columns(3, 3))).toMatchObject({ share: 1, drifted: true })
  })

  it('honours a custom share', () => {
    expect(datasetDrift(columns(2, 4), 0.7).drifted).toBe(false)
    expect(datasetDrift(columns(1, 4), 0.25).drifted).toBe(true)
  })

  it('reports no drift without columns', () => {
    expect(datasetDrift([])).toEqual({ columns: 0, driftedColumns: 0, share: 0, drifted: false })
  })

  it('rejects a share outside [0, 1]', () => {
    expect(() => datasetDrift(columns(1, 2), 1.5)).toThrow(RangeError)
  })
})
