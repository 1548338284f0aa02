import type { GroupMetrics } from './evaluation-result.js'

// Regression metrics of one group of rows from running sums, as scikit-learn defines them.

export class RegressionTally {
  rows = 0
  #absError = 0
  #squaredError = 0
  #maxError = 0
  // Welford's mean and sum of squares of the labels, for R²'s total sum of squares.
  #mean = 0
  #m2 = 0

  /** The score arguments are for the classification tally's signature and are ignored. */
  add(y: number, predicted: number, _score?: number, _logs?: unknown): void {
    const error = y - predicted
    this.rows++
    this.#absError += Math.abs(error)
    this.#squaredError += error * error
    if (Math.abs(error) > this.#maxError) this.#maxError = Math.abs(error)
    const delta = y - this.#mean
    this.#mean += delta / this.rows
    this.#m2 += delta * (y - this.#mean)
  }

  metrics(): GroupMetrics {
    const n = this.rows
    if (n === 0) return { rmse: null, mae: null, r2: null, max_error: null }
    // sklearn's r2_score with force_finite: 1 for a perfect fit of constant labels, else 0.
    const r2 = this.#m2 > 0 ? 1 - this.#squaredError / this.#m2 : this.#squaredError === 0 ? 1 : 0
    return { rmse: Math.sqrt(this.#squaredError / n), mae: this.#absError / n, r2, max_error: this.#maxError }
  }
}
