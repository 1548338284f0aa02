import { z } from 'zod'

// Evidently's default drift method choice and thresholds (its stattests
// registry and data-drift docs), so a report reads like an Evidently one:
//
//   reference rows ≤ 1000: numeric → ks (p-value), categorical → chisquare (p-value), threshold 0.05
//   reference rows > 1000: numeric → wasserstein (normed), categorical → jensenshannon, threshold 0.1
//   psi (on request): threshold 0.1
//   dataset drift: share of drifted columns ≥ drift_share (0.5)
//
// Deliberate differences:
// - Evidently uses a two-proportion z-test for binary categoricals (≤ 2 values,
//   ≤ 1000 rows); we use chisquare for them too. With two bins it is a 1-df
//   goodness-of-fit test against the reference proportion, which needs only
//   counts; unlike the z-test it treats the reference as exact, so it is a
//   little quicker to flag drift on small references.
// - Evidently's ks flags drift at p ≤ threshold, its chisquare at p < threshold;
//   we use p < threshold for both (they differ only at exact equality).

export const DriftMethod = z.enum(['psi', 'ks', 'wasserstein', 'jensenshannon', 'chisquare'])
export type DriftMethod = z.infer<typeof DriftMethod>

export type ColumnKind = 'numeric' | 'categorical'

/** Evidently switches from statistical tests to distances above this many reference rows. */
export const SMALL_REFERENCE_MAX_ROWS = 1000
/** Evidently treats a numeric column with at most this many distinct values like a categorical one. */
export const LOW_CARDINALITY_MAX_VALUES = 5

/** Evidently's default thresholds: a significance level for p-values, a distance otherwise. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
}

const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare'])

/** True when the method's score is a p-value (small = drift) rather than a distance (large = drift). */
export function isPValueMethod(method: DriftMethod): boolean {
  return P_VALUE_METHODS.has(method)
}

export interface DriftRule {
  method: DriftMethod
  threshold: number
  scoreKind: 'p_value' | 'distance'
  /** p-value methods: score < threshold; distances: score ≥ threshold. NaN is never drift. */
  drifted(score: number): boolean
}

/** The drift rule for `method`, with Evidently's default threshold unless one is given. */
export function driftRule(method: DriftMethod, threshold?: number): DriftRule {
  // Parse so a method name read from config fails with a clear message.
  const name = DriftMethod.parse(method)
  const limit = threshold ?? DEFAULT_THRESHOLDS[name]
  const pValue = isPValueMethod(name)
  if (!Number.isFinite(limit) || limit <= 0 || (pValue && limit > 1)) {
    throw new RangeError(`threshold for ${name} must be ${pValue ? 'in (0, 1]' : 'a positive number'} (got ${limit})`)
  }
  return pValue
    ? { method: name, threshold: limit, scoreKind: 'p_value', drifted: (score) => score < limit }
    : { method: name, threshold: limit, scoreKind: 'distance', drifted: (score) => score >= limit }
}

export interface ColumnForMethod {
  kind: ColumnKind
  /** Rows in the reference (baseline) data. */
  referenceRows: number
  /**
   * Distinct values, if known. As in Evidently, a numeric column with at most
   * 5 is judged like a categorical one (chisquare / jensenshannon on its values).
   */
  distinctValues?: number
}

/** Evidently's default method and threshold for a column. */
export function chooseMethod({ kind, referenceRows, distinctValues }: ColumnForMethod): DriftRule {
  if (!(referenceRows >= 0) || !Number.isFinite(referenceRows)) {
    throw new RangeError(`referenceRows must be a non-negative number (got ${referenceRows})`)
  }
  const categorical =
    kind === 'categorical' || (distinctValues !== undefined && distinctValues <= LOW_CARDINALITY_MAX_VALUES)
  const small = referenceRows <= SMALL_REFERENCE_MAX_ROWS
  if (categorical) return driftRule(small ? 'chisquare' : 'jensenshannon')
  return driftRule(small ? 'ks' : 'wasserstein')
}

/** Evidently's drift_share: the dataset drifts when at least this share of columns drift. */
export const DEFAULT_DRIFT_SHARE = 0.5

export interface DatasetDrift {
  columns: number
  driftedColumns: number
  /** driftedColumns / columns (0 when there are no columns). */
  share: number
  /** share ≥ driftShare; false when there are no columns. */
  drifted: boolean
}

/**
 * Dataset-level drift from per-column results: drifted when the share of
 * drifted columns is ≥ `driftShare`, as Evidently's get_dataset_drift
 * (`share_drifted_columns >= drift_share`).
 */
export function datasetDrift(columns: readonly { drifted: boolean }[], driftShare = DEFAULT_DRIFT_SHARE): DatasetDrift {
  if (!(driftShare >= 0 && driftShare <= 1)) throw new RangeError(`driftShare must be in [0, 1] (got ${driftShare})`)
  const driftedColumns = columns.filter((column) => column.drifted).length
  // Evidently divides by zero here; no columns means nothing drifted.
  if (columns.length === 0) return { columns: 0, driftedColumns: 0, share: 0, drifted: false }
  const share = driftedColumns / columns.length
  return { columns: columns.length, driftedColumns, share, drifted: share >= driftShare }
}
