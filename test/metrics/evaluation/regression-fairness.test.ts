import { describe, expect, it } from 'vitest'
import { difference, fairnessMetrics, ratio } from '../../../src/metrics/evaluation/fairness.js'
import { RegressionTally } from '../../../src/metrics/evaluation/regression.js'

describe('regression metrics', () => {
  it("matches scikit-learn's documented example", () => {
    const t = new RegressionTally()
    const y = [3, -0.5, 2, 7]
    const yhat = [2.5, 0.0, 2, 8]
    y.forEach((v, i) => t.add(v, yhat[i]!))
    const m = t.metrics()
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12)
    expect(m.mae).toBe(0.5)
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12)
    expect(m.max_error).toBe(1)
  })

  it('gives R² of constant labels as sklearn does with force_finite: 1 when exact, else 0', () => {
    const exact = new RegressionTally()
    for (let i = 0; i < 3; i++) exact.add(2, 2)
    expect(exact.metrics().r2).toBe(1)
    const off = new RegressionTally()
    ;[1, 2, 3].forEach((p) => off.add(2, p))
    expect(off.metrics().r2).toBe(0)
    expect(new RegressionTally().metrics().rmse).toBeNull()
  })
})

describe('fairness metrics (Fairlearn, method="between_groups")', () => {
  // Two groups: A selects 3 of 4 (TPR 1, FPR 1/2), B selects 1 of 4 (TPR 1/3, FPR 0).
  const groups = [
    { selection_rate: 0.75, true_positive_rate: 1, false_positive_rate: 0.5 },
    { selection_rate: 0.25, true_positive_rate: 1 / 3, false_positive_rate: 0 },
  ]

  it('takes the largest minus the smallest rate, and the worst of TPR and FPR for equalized odds', () => {
    const m = fairnessMetrics(groups, 'worst_case')
    expect(m.demographic_parity_difference).toBe(0.5)
    expect(m.demographic_parity_ratio).toBeCloseTo(1 / 3, 12)
    expect(m.equalized_odds_difference).toBeCloseTo(2 / 3, 12) // max(2/3, 1/2)
    expect(m.equalized_odds_ratio).toBe(0) // min(1/3, 0/0.5)
  })

  it('averages the TPR and FPR parts with agg "mean"', () => {
    const m = fairnessMetrics(groups, 'mean')
    expect(m.equalized_odds_difference).toBeCloseTo((2 / 3 + 1 / 2) / 2, 12)
    expect(m.equalized_odds_ratio).toBeCloseTo(1 / 6, 12)
  })

  it('leaves a group out of a rate it has no value for, and gives null when nothing is left', () => {
    const m = fairnessMetrics([{ selection_rate: 0.5, true_positive_rate: null, false_positive_rate: 0.2 }, { selection_rate: 0.4, true_positive_rate: 0.9, false_positive_rate: 0.1 }], 'worst_case')
    expect(m.equalized_odds_difference).toBeCloseTo(0.1, 12) // the TPR difference of one group is 0; FPR 0.1
    expect(fairnessMetrics([], 'worst_case').demographic_parity_difference).toBeNull()
    expect(difference([])).toBeNull()
    expect(ratio([0, 0])).toBeNull()
    expect(ratio([0, 0.5])).toBe(0)
  })
})
