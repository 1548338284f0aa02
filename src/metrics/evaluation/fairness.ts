import type { GroupMetrics } from './evaluation-result.js'

// Fairlearn's group fairness metrics, from each group's rates (method="between_groups"):
//   demographic_parity_difference = max_g selection_rate − min_g selection_rate
//   demographic_parity_ratio      = min_g selection_rate / max_g selection_rate
//   equalized_odds_difference     = agg(TPR difference, FPR difference)
//   equalized_odds_ratio          = agg'(TPR ratio, FPR ratio)
// where agg is max for "worst_case" (min for the ratios) and the mean for "mean". A group whose
// rate is undefined (no positives for TPR, no negatives for FPR) is left out of that rate, as
// pandas' min/max skip NaN in MetricFrame.

export const FAIRNESS_METRICS = ['demographic_parity_difference', 'demographic_parity_ratio', 'equalized_odds_difference', 'equalized_odds_ratio'] as const
export type FairnessMetric = (typeof FAIRNESS_METRICS)[number]

/** Differences are better low, ratios better high (1 is parity). */
export const isRatio = (metric: string): boolean => metric.endsWith('_ratio')

export function isFairnessMetric(name: string): name is FairnessMetric {
  return (FAIRNESS_METRICS as readonly string[]).includes(name)
}

export function fairnessMetrics(groups: readonly GroupMetrics[], agg: 'worst_case' | 'mean'): GroupMetrics {
  const rates = (name: string) => groups.map((g) => g[name]).filter((v): v is number => typeof v === 'number')
  const selection = rates('selection_rate')
  const tpr = rates('true_positive_rate')
  const fpr = rates('false_positive_rate')
  const combine = (a: number | null, b: number | null, worst: (x: number, y: number) => number) => {
    if (a === null || b === null) return a ?? b
    return agg === 'worst_case' ? worst(a, b) : (a + b) / 2
  }
  return {
    demographic_parity_difference: difference(selection),
    demographic_parity_ratio: ratio(selection),
    equalized_odds_difference: combine(difference(tpr), difference(fpr), Math.max),
    equalized_odds_ratio: combine(ratio(tpr), ratio(fpr), Math.min),
  }
}

/** Largest minus smallest; null with no values. */
export function difference(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values) - Math.min(...values)
}

/** Smallest over largest; null with no values or when every value is 0. */
export function ratio(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const max = Math.max(...values)
  return max === 0 ? null : Math.min(...values) / max
}
