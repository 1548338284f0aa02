import { z } from 'zod'
import { type ColumnProfile, VALUE_TYPES } from '../profile/column-profile.js'
import { defaultEdges, histogramFromSketch } from '../profile/histogram.js'
import { chooseMethod, type ColumnKind, DriftMethod, type DriftRule, driftRule, LOW_CARDINALITY_MAX_VALUES } from './defaults.js'
import { chiSquareTest, jensenShannonDistance, ksTwoSample, normalizedWasserstein, psi } from './statistics.js'

// Drift of one column, from its baseline and current profiles alone.
//
// Kind: numeric when most non-null baseline values are integer/number, else
// categorical. Booleans, dates and datetimes are categorical on their text
// (top-k): the profile keeps no numbers for dates, so a date column's drift is
// the drift of its value shares, which is crude for dates that keep moving on.
// Nulls are left out of every distribution (as Evidently drops NaN); a change
// in null share is the null_fraction check's business.
//
// How the kinds are compared:
// - ks, wasserstein: the numeric values' KLL sketches (text cells ignored).
// - psi, jensenshannon, chisquare use value counts ("buckets"):
//   text columns: the top-k values of both sides, plus one "other values"
//   bucket for text the (approximate, Misra–Gries) top-k no longer lists and
//   one "numbers" bucket for numeric cells;
//   numeric columns with ≤ 5 distinct baseline values (chooseMethod's rule):
//   point masses cdf(v) − cdf(v⁻) at every value the two sketches' quantile
//   grids hit, which with so few values is every value (a sketch keeps actual
//   input values, so masses are exact counts up to its rank error), plus an
//   "other values" bucket for what the grids missed;
//   other numeric columns: the baseline's deciles (defaultEdges), with the
//   outer bins open-ended, so current values past the baseline's min or max
//   shift the outer bins' shares instead of landing in a bin the baseline has
//   at zero, which would make chi-square infinite for any new extreme.
//   Sketch cdfs are integer weights over n, so bucket counts are integers.

export const ColumnSide = z.object({
  rows: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  /** Non-null cells. */
  values: z.number().int().nonnegative(),
  /** HyperLogLog estimate, rounded. */
  distinct: z.number().nonnegative(),
  /** Of the numeric values, when there are any; std is the sample std. */
  mean: z.number().optional(),
  std: z.number().optional(),
  median: z.number().optional(),
  /** The most frequent text value and its share of the non-null cells, when there is text. */
  top: z.object({ value: z.string(), share: z.number() }).optional(),
})
export type ColumnSide = z.infer<typeof ColumnSide>

export const ColumnDrift = z.object({
  column: z.string(),
  /** What the baseline values are (numeric = mostly integer/number); `method` says how they were compared. */
  kind: z.enum(['numeric', 'categorical']),
  method: DriftMethod,
  scoreKind: z.enum(['p_value', 'distance']),
  /**
   * The p-value or distance. When `skipped`, nothing was measured and this is
   * a placeholder that agrees with `drifted`: p 1 / distance 0 if not drifted,
   * p 0 / distance = threshold if drifted (a type change or a vanished column).
   */
  score: z.number(),
  threshold: z.number(),
  drifted: z.boolean(),
  /** 1 at the threshold, above it when drifted: distance / threshold, or ln p / ln threshold for p-values; ≤ MAX_SEVERITY. */
  severity: z.number().nonnegative(),
  /** The shift in words: the mean (in baseline σ) for numbers, the value whose share moved most for categories. */
  direction: z.string(),
  baseline: ColumnSide,
  current: ColumnSide,
  /** Why no statistic was computed; drifted says whether that counts as drift. */
  skipped: z.string().optional(),
})
export type ColumnDrift = z.infer<typeof ColumnDrift>

/** Severity cap: p = 0, a type change or a vanished column; keeps JSON finite. */
export const MAX_SEVERITY = 1000
/** Quantile grid size for wasserstein (midpoints) and for the points ks and point masses are read at. */
const GRID = 1000
const NUMERIC_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein'])

export interface MethodChoice {
  method?: DriftMethod
  threshold?: number
}

export interface ColumnInput {
  name: string
  /** undefined when the column is absent from that table; rows is then that table's row count. */
  baseline: ColumnProfile | undefined
  current: ColumnProfile | undefined
  baselineRows: number
  currentRows: number
  choice: MethodChoice
}

export function compareColumn({ name, baseline, current, baselineRows, currentRows, choice }: ColumnInput): ColumnDrift {
  const baseKind = baseline && columnKind(baseline)
  const currentKind = current && columnKind(current)
  const kind = baseKind ?? currentKind ?? 'categorical'
  // The kind is only known (and a misfit method an error) when the baseline has values.
  const rule = resolveRule(name, kind, baseKind !== undefined, baseline, choice)
  const sides = { baseline: side(baseline, baselineRows), current: side(current, currentRows) }
  const skip = (reason: string, drifted: boolean): ColumnDrift => ({
    column: name, kind, method: rule.method, scoreKind: rule.scoreKind, threshold: rule.threshold, drifted, ...sides,
    score: rule.scoreKind === 'p_value' ? (drifted ? 0 : 1) : drifted ? rule.threshold : 0,
    severity: drifted ? MAX_SEVERITY : 0, direction: reason, skipped: reason,
  })
  if (!baseline) return skip('not in the baseline', false)
  if (!current) return skip('missing from the current data', true)
  if (!baseKind) return skip('no values in the baseline', false)
  if (!currentKind) return skip('no values in the current data', false)
  if (baseKind !== currentKind) return skip(`type changed from ${dominantType(baseline)} to ${dominantType(current)}`, true)
  const { score, direction } = measure(baseline, current, kind, rule.method)
  return {
    column: name, kind, method: rule.method, scoreKind: rule.scoreKind, score, threshold: rule.threshold,
    drifted: rule.drifted(score), severity: severity(rule, score), direction, ...sides,
  }
}

/** Numeric when most non-null values are numbers; undefined without non-null values. */
export function columnKind(profile: ColumnProfile): ColumnKind | undefined {
  const numeric = profile.types.integer + profile.types.number
  const values = profile.count - profile.nulls
  if (values === 0) return undefined
  return numeric * 2 > values ? 'numeric' : 'categorical'
}

function dominantType(profile: ColumnProfile): string {
  return VALUE_TYPES.reduce((best, type) => (profile.types[type] > profile.types[best] ? type : best))
}

function resolveRule(name: string, kind: ColumnKind, kindKnown: boolean, baseline: ColumnProfile | undefined, choice: MethodChoice): DriftRule {
  try {
    if (choice.method === undefined) {
      const referenceRows = baseline ? baseline.count - baseline.nulls : 0
      const method = chooseMethod({ kind, referenceRows, distinctValues: baseline && baseline.distinct.estimate() }).method
      return driftRule(method, choice.threshold)
    }
    if (kindKnown && kind === 'categorical' && NUMERIC_METHODS.has(choice.method)) {
      throw new Error(`drift method ${choice.method} compares numbers, but the baseline values are mostly ${dominantType(baseline!)}: use jensenshannon, chisquare or psi`)
    }
    return driftRule(choice.method, choice.threshold)
  } catch (error) {
    throw new Error(`column ${JSON.stringify(name)}: ${(error as Error).message}`)
  }
}

/** distance / threshold; for p-values ln p / ln threshold (orders of magnitude past it, so tiny p-values still rank). */
export function severity(rule: DriftRule, score: number): number {
  if (rule.scoreKind === 'distance') return Math.min(MAX_SEVERITY, score / rule.threshold)
  if (score >= 1) return 0
  if (score <= 0) return MAX_SEVERITY
  return Math.min(MAX_SEVERITY, Math.log(score) / Math.log(Math.min(rule.threshold, 1 - 1e-9)))
}

function measure(baseline: ColumnProfile, current: ColumnProfile, kind: ColumnKind, method: DriftMethod): { score: number; direction: string } {
  const discrete = kind === 'numeric' && baseline.distinct.estimate() <= LOW_CARDINALITY_MAX_VALUES
  if (method === 'ks' || method === 'wasserstein') {
    const score = method === 'ks' ? ksPValue(baseline, current) : wasserstein(baseline, current)
    return { score, direction: discrete ? bucketDirection(pointMasses(baseline, current)) : meanDirection(baseline, current) }
  }
  const buckets = kind === 'categorical' ? textBuckets(baseline, current) : discrete ? pointMasses(baseline, current) : deciles(baseline, current)
  const score =
    method === 'psi' ? psi(buckets.baseline, buckets.current)
    : method === 'jensenshannon' ? jensenShannonDistance(buckets.baseline, buckets.current)
    : chiSquareTest(buckets.baseline, buckets.current).pValue
  return { score, direction: kind === 'numeric' && !discrete ? meanDirection(baseline, current) : bucketDirection(buckets) }
}

// --- numeric ---

/** Quantiles at u = (i + ½)/GRID: the 'midpoints' grid, a Riemann sum of the sketch's step quantile function. */
function midpointQuantiles(profile: ColumnProfile): number[] {
  return Array.from({ length: GRID }, (_, i) => profile.quantiles.quantile((i + 0.5) / GRID))
}

/** Both sketches' values at u = 0, 1/GRID, …, 1, sorted and deduplicated: where the CDFs are compared. */
function gridPoints(a: ColumnProfile, b: ColumnProfile): number[] {
  const points = new Set<number>()
  for (const profile of [a, b]) for (let i = 0; i <= GRID; i++) points.add(profile.quantiles.quantile(i / GRID))
  return [...points].sort((x, y) => x - y)
}

/** KS on both sketch CDFs at the union of their grids; D is then the sketches' D up to the grid's resolution. */
function ksPValue(baseline: ColumnProfile, current: ColumnProfile): number {
  const points = gridPoints(baseline, current)
  return ksTwoSample({
    cdfA: points.map((x) => baseline.quantiles.cdf(x)),
    cdfB: points.map((x) => current.quantiles.cdf(x)),
    nA: baseline.quantiles.n,
    nB: current.quantiles.n,
  }).pValue
}

/** Evidently's normed Wasserstein: W1 over the baseline's population std (ddof = 0). */
function wasserstein(baseline: ColumnProfile, current: ColumnProfile): number {
  const std = Math.sqrt(baseline.numeric.m2 / baseline.numeric.count)
  return normalizedWasserstein(midpointQuantiles(baseline), midpointQuantiles(current), std, { grid: 'midpoints' })
}

function meanDirection(baseline: ColumnProfile, current: ColumnProfile): string {
  const [b, c] = [baseline.numeric, current.numeric]
  const [stdB, stdC] = [b.stddev(), c.stddev()]
  const sigma = stdB ? ` (${signed((c.mean - b.mean) / stdB)} σ)` : ''
  // Spread only when it moved, so a pure location shift reads as one.
  const spread = stdB !== undefined && stdC !== undefined && Math.abs(stdC - stdB) >= 0.1 * stdB ? `, std ${num(stdB)} → ${num(stdC)}` : ''
  return `mean ${num(b.mean)} → ${num(c.mean)}${sigma}${spread}`
}

// --- buckets ---

interface Buckets {
  labels: string[]
  /** The value as written after "new value" (a label may add a prefix); undefined for a catch-all bucket. */
  values: Array<string | undefined>
  baseline: number[]
  current: number[]
}

type BucketRow = [label: string, value: string | undefined, baseline: number, current: number]

function bucketsOf(rows: BucketRow[]): Buckets {
  // Buckets empty on both sides say nothing (and would only pad psi).
  const kept = rows.filter(([, , b, c]) => b > 0 || c > 0)
  return { labels: kept.map((r) => r[0]), values: kept.map((r) => r[1]), baseline: kept.map((r) => r[2]), current: kept.map((r) => r[3]) }
}

function textBuckets(baseline: ColumnProfile, current: ColumnProfile): Buckets {
  const listed = (p: ColumnProfile) => new Map(p.top.top(p.top.size).map(({ value, count }) => [value, count]))
  const [b, c] = [listed(baseline), listed(current)]
  const values = [...new Set([...b.keys(), ...c.keys()])]
  const rest = (p: ColumnProfile, counts: Map<string, number>) => p.top.total - [...counts.values()].reduce((s, n) => s + n, 0)
  return bucketsOf([
    ...values.map((v): BucketRow => [JSON.stringify(v), JSON.stringify(v), b.get(v) ?? 0, c.get(v) ?? 0]),
    ['other values', undefined, rest(baseline, b), rest(current, c)],
    ['numbers', undefined, baseline.quantiles.n, current.quantiles.n],
  ])
}

/** Point masses at every value the two sketches' grids hit; what they miss goes to "other values". */
function pointMasses(baseline: ColumnProfile, current: ColumnProfile): Buckets {
  const values = gridPoints(baseline, current)
  const mass = (p: ColumnProfile, v: number) => Math.round((p.quantiles.cdf(v, true) - p.quantiles.cdf(v, false)) * p.quantiles.n)
  const rows = values.map((v): BucketRow => [`value ${num(v)}`, num(v), mass(baseline, v), mass(current, v)])
  const rest = (i: 2 | 3, p: ColumnProfile) => p.quantiles.n - rows.reduce((s, r) => s + r[i], 0)
  return bucketsOf([...rows, ['other values', undefined, rest(2, baseline), rest(3, current)]])
}

/** Baseline deciles, outer bins open-ended (see the top of the file). */
function deciles(baseline: ColumnProfile, current: ColumnProfile): Buckets {
  const edges = defaultEdges(baseline)
  const counts = (p: ColumnProfile): number[] => {
    const shares = histogramFromSketch(p, edges).fractions.map((f) => Math.round(f * p.quantiles.n))
    const bins = shares.slice(1, -1)
    bins[0]! += shares[0]!
    bins[bins.length - 1]! += shares[shares.length - 1]!
    return bins
  }
  const [b, c] = [counts(baseline), counts(current)]
  return bucketsOf(b.map((count, i) => [`decile bin ${i + 1}`, undefined, count, c[i]!]))
}

/** The bucket whose share moved most. */
function bucketDirection({ labels, values, baseline, current }: Buckets): string {
  const [totalB, totalC] = [sum(baseline), sum(current)]
  let best = 0
  let move = -1
  for (let i = 0; i < labels.length; i++) {
    const delta = Math.abs(current[i]! / totalC - baseline[i]! / totalB)
    if (delta > move) [best, move] = [i, delta]
  }
  const [b, c, label, value] = [baseline[best]! / totalB, current[best]! / totalC, labels[best]!, values[best]]
  if (value !== undefined && b === 0) return `new value ${value} ${pct(c)}`
  if (value !== undefined && c === 0) return `${label} gone (${pct(b)} → 0%)`
  return `${label} ${pct(b)} → ${pct(c)}`
}

// --- summaries and formatting ---

function side(profile: ColumnProfile | undefined, rows: number): ColumnSide {
  // An absent column reads as null in every row, as mergeTableProfiles treats one.
  if (!profile) return { rows, nulls: rows, values: 0, distinct: 0 }
  const values = profile.count - profile.nulls
  const out: ColumnSide = { rows: profile.count, nulls: profile.nulls, values, distinct: Math.round(profile.distinct.estimate()) }
  if (profile.numeric.count > 0) {
    out.mean = profile.numeric.mean
    const std = profile.numeric.stddev()
    if (std !== undefined) out.std = std
    out.median = profile.quantiles.quantile(0.5)
  }
  const [top] = profile.top.top(1)
  if (top) out.top = { value: top.value, share: top.count / values }
  return out
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0)
const NUMBER = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 })
const num = (x: number): string => NUMBER.format(x)
const pct = (share: number): string => `${(share * 100).toFixed(1)}%`
const signed = (x: number): string => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(2)}`
