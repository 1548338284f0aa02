import type { GroupMetrics } from './evaluation-result.js'

// Classification metrics from counts, as scikit-learn computes them on the rows given (which is
// what Fairlearn's MetricFrame does per group): macro averages run over the classes present in
// the group's labels or predictions, a ratio with nothing to divide by is 0 for precision and
// recall (zero_division=0) and undefined (null) for the rates that fairness compares.

/** More classes than this is a regression target or an ID column, not a classifier's output. */
export const MAX_CLASSES = 1000

/** Keeps p away from 0 and 1 so one confident mistake gives a large, finite log loss. */
const EPSILON = 1e-15

export interface ScoreLogs {
  logP: number
  log1mP: number
}

/** ln p and ln(1 − p) of a score clipped to [ε, 1 − ε]. */
export function scoreLogs(score: number, into: ScoreLogs = { logP: 0, log1mP: 0 }): ScoreLogs {
  const clipped = Math.min(Math.max(score, EPSILON), 1 - EPSILON)
  into.logP = Math.log(clipped)
  into.log1mP = Math.log(1 - clipped)
  return into
}

/** Counts of one group of rows: the confusion matrix and, by true class, the score column's sums (enough for log loss and Brier score once the positive class is known). */
export class ClassificationTally {
  rows = 0
  /** counts[t][p]: rows of true class t predicted as p; rows grow as classes are met. */
  readonly counts: number[][] = []
  readonly scored: number[] = []
  readonly logP: number[] = []
  readonly log1mP: number[] = []
  readonly sumP: number[] = []
  readonly sumP2: number[] = []

  /**
   * One row: true class t, predicted class p, and the score (NaN when there is none) with
   * its logs from scoreLogs, which a row's several tallies share.
   */
  add(t: number, p: number, score = Number.NaN, logs: ScoreLogs = scoreLogs(score)): void {
    this.rows++
    const row = (this.counts[t] ??= [])
    row[p] = (row[p] ?? 0) + 1
    if (Number.isNaN(score)) return
    this.scored[t] = (this.scored[t] ?? 0) + 1
    this.logP[t] = (this.logP[t] ?? 0) + logs.logP
    this.log1mP[t] = (this.log1mP[t] ?? 0) + logs.log1mP
    this.sumP[t] = (this.sumP[t] ?? 0) + score
    this.sumP2[t] = (this.sumP2[t] ?? 0) + score * score
  }

  /** matrix[t][p] over `classes` classes. */
  matrix(classes: number): number[][] {
    return Array.from({ length: classes }, (_, t) => Array.from({ length: classes }, (_, p) => this.counts[t]?.[p] ?? 0))
  }
}

export interface ClassificationOptions {
  classes: readonly string[]
  /** Index of the favourable class, when known: adds the rates fairness compares. */
  positive?: number
  /** Whether a score column was read: adds log loss and Brier score (needs `positive`). */
  scored: boolean
  /** Adds per_class.<class>.precision|recall|f1 (overall only; groups keep the summary). */
  perClass: boolean
}

export function classificationMetrics(tally: ClassificationTally, options: ClassificationOptions): GroupMetrics {
  const k = options.classes.length
  const tp = new Array<number>(k).fill(0)
  const predicted = new Array<number>(k).fill(0)
  const support = new Array<number>(k).fill(0)
  tally.counts.forEach((row, t) => {
    row.forEach((n, p) => {
      support[t]! += n
      predicted[p]! += n
      if (t === p) tp[t]! += n
    })
  })
  const n = tally.rows
  const present: number[] = []
  for (let c = 0; c < k; c++) if (support[c]! > 0 || predicted[c]! > 0) present.push(c)
  const precision = (c: number) => (predicted[c]! > 0 ? tp[c]! / predicted[c]! : 0)
  const recall = (c: number) => (support[c]! > 0 ? tp[c]! / support[c]! : 0)
  // 2·tp / (2·tp + fp + fn), the denominator being predicted + support: equal to 2PR/(P+R),
  // and defined whenever the class is present.
  const f1 = (c: number) => (2 * tp[c]!) / (predicted[c]! + support[c]!)
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length)
  const correct = tp.reduce((a, b) => a + b, 0)
  const metrics: GroupMetrics = {
    accuracy: n > 0 ? correct / n : null,
    balanced_accuracy: mean(present.filter((c) => support[c]! > 0).map(recall)),
    f1_macro: mean(present.map(f1)),
    precision_macro: mean(present.map(precision)),
    recall_macro: mean(present.map(recall)),
  }
  const pos = options.positive
  if (pos !== undefined) {
    const negatives = n - support[pos]!
    metrics.selection_rate = n > 0 ? predicted[pos]! / n : null
    metrics.true_positive_rate = support[pos]! > 0 ? tp[pos]! / support[pos]! : null
    metrics.false_positive_rate = negatives > 0 ? (predicted[pos]! - tp[pos]!) / negatives : null
    if (options.scored) Object.assign(metrics, scoreMetrics(tally, pos))
  }
  if (options.perClass) {
    for (const c of present) {
      const name = options.classes[c]!
      metrics[`per_class.${name}.precision`] = precision(c)
      metrics[`per_class.${name}.recall`] = recall(c)
      metrics[`per_class.${name}.f1`] = f1(c)
    }
  }
  return metrics
}

/** Binary log loss and Brier score of the positive class's probability. */
function scoreMetrics(tally: ClassificationTally, positive: number): GroupMetrics {
  let n = 0
  let logLoss = 0
  let brier = 0
  tally.scored.forEach((count, t) => {
    n += count
    if (t === positive) {
      logLoss -= tally.logP[t]!
      brier += count - 2 * tally.sumP[t]! + tally.sumP2[t]! // Σ (1 − p)²
    } else {
      logLoss -= tally.log1mP[t]!
      brier += tally.sumP2[t]! // Σ p²
    }
  })
  return n === 0 ? { log_loss: null, brier_score: null } : { log_loss: logLoss / n, brier_score: brier / n }
}

/** 1 for 0/1 labels, the true one for true/false labels (any case); otherwise there is no default. */
export function defaultPositive(classes: readonly string[]): string | undefined {
  if (classes.length === 0 || classes.length > 2) return undefined
  if (classes.every((c) => c === '0' || c === '1')) return classes.includes('1') ? '1' : undefined
  const lower = classes.map((c) => c.toLowerCase())
  if (lower.every((c) => c === 'true' || c === 'false')) return classes.find((c) => c.toLowerCase() === 'true')
  return undefined
}
