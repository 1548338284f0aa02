import { z } from 'zod'
import type { KllSketch } from './kll.js'

// Fixed-edge histogram for drift checks (PSI and the like). Two histograms
// are only comparable bin by bin when their edges are identical, so edges are
// fixed up front (from a reference profile) and merge() refuses anything else.
//
// Bin layout for edges e0 < e1 < … < eB (B bins), counts has B + 2 slots:
//   counts[0]      underflow   x < e0
//   counts[i + 1]  bin i       e_i ≤ x < e_(i+1); the last bin also takes x = eB
//   counts[B + 1]  overflow    x > eB
// A single edge repeated ([v, v]) is allowed: one bin holding exactly v.
//
// Numeric drift needs edges fixed before the data is seen, which a streaming
// profile cannot do; so profiles keep a KLL sketch instead, and
// histogramFromSketch bins any profile on any edges afterwards, e.g. on
// defaultEdges of a baseline.

export const HistogramJson = z.object({
  edges: z.array(z.number()).min(2),
  counts: z.array(z.number().nonnegative()),
})
export type HistogramJson = z.infer<typeof HistogramJson>

/** Throws unless edges are finite, at least two, and strictly increasing (or exactly [v, v]). */
export function checkEdges(edges: readonly number[]): void {
  if (edges.length < 2) throw new Error(`histogram needs at least 2 edges, got ${edges.length}`)
  for (const edge of edges) if (!Number.isFinite(edge)) throw new Error(`histogram edges must be finite, got ${edge}`)
  if (edges.length === 2 && edges[0] === edges[1]) return
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i]! > edges[i - 1]!)) throw new Error(`histogram edges must increase strictly: ${edges[i - 1]} then ${edges[i]}`)
  }
}

/** `bins` equal-width bins spanning [min, max]; a single [v, v] bin when min equals max. */
export function equalWidthEdges(min: number, max: number, bins = 10): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`)
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new RangeError(`need finite min ≤ max, got ${min} and ${max}`)
  if (min === max) return [min, max]
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + ((max - min) * i) / bins)
  edges[bins] = max // exact, whatever the rounding above
  return dedupeEdges(edges)
}

/** Sorted edges without repeats, e.g. from quantiles of a column with few values; [v, v] when only one remains. */
export function dedupeEdges(edges: readonly number[]): number[] {
  const unique = [...new Set(edges)].sort((a, b) => a - b)
  return unique.length === 1 ? [unique[0]!, unique[0]!] : unique
}

export function sameEdges(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((edge, i) => edge === b[i])
}

/** Slot in `counts` for x (see the layout above); -1 for NaN. */
export function binIndex(edges: readonly number[], x: number): number {
  const last = edges.length - 1
  if (x < edges[0]!) return 0
  if (x > edges[last]!) return last + 1
  if (x === edges[last]) return last
  if (Number.isNaN(x)) return -1
  // Largest i with edges[i] ≤ x.
  let lo = 0
  let hi = last - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (edges[mid]! <= x) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}

export class Histogram {
  readonly edges: readonly number[]
  /** Underflow, the bins, overflow: edges.length + 1 slots. */
  readonly counts: number[]
  #total = 0

  constructor(edges: readonly number[]) {
    checkEdges(edges)
    this.edges = Object.freeze([...edges])
    this.counts = new Array<number>(edges.length + 1).fill(0)
  }

  static equalWidth(min: number, max: number, bins = 10): Histogram {
    return new Histogram(equalWidthEdges(min, max, bins))
  }

  /** Values counted (NaN is ignored). */
  get total(): number {
    return this.#total
  }

  add(x: number, count = 1): void {
    const slot = binIndex(this.edges, x)
    if (slot < 0) return
    this.counts[slot]! += count
    this.#total += count
  }

  /** Adds other's counts; throws unless both use identical edges. */
  merge(other: Histogram): this {
    if (!sameEdges(this.edges, other.edges)) {
      throw new Error(`cannot merge histograms with different bin edges: [${this.edges.join(', ')}] vs [${other.edges.join(', ')}]`)
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!
    this.#total += other.#total
    return this
  }

  /** Share of values per slot (same layout as counts); all 0 while empty. */
  fractions(): number[] {
    const total = this.#total
    return this.counts.map((count) => (total === 0 ? 0 : count / total))
  }

  clone(): Histogram {
    return new Histogram(this.edges).merge(this)
  }

  toJSON(): HistogramJson {
    return { edges: [...this.edges], counts: [...this.counts] }
  }

  static fromJSON(json: unknown): Histogram {
    const parsed = HistogramJson.parse(json)
    const histogram = new Histogram(parsed.edges)
    if (parsed.counts.length !== histogram.counts.length) {
      throw new Error(`histogram: ${parsed.edges.length} edges need ${histogram.counts.length} counts, got ${parsed.counts.length}`)
    }
    parsed.counts.forEach((count, i) => (histogram.counts[i] = count))
    histogram.#total = parsed.counts.reduce((sum, count) => sum + count, 0)
    return histogram
  }
}

/** What the drift helpers need of a column profile (ColumnProfile has it). */
export interface SketchedColumn {
  readonly quantiles: KllSketch
}

export interface BinFractions {
  edges: number[]
  /** Underflow, one share per bin, overflow (the Histogram layout); sums to 1, or all 0 without numbers. */
  fractions: number[]
  /** Numeric values the shares are of. */
  count: number
}

/**
 * Bin shares of the column's numbers for fixed edges, read off the KLL cdf
 * (each within the sketch's rank error), so any two profiles can be compared
 * on the same edges after the fact. Bins are [e_i, e_(i+1)), the last closed.
 */
export function histogramFromSketch(profile: SketchedColumn, edges: readonly number[]): BinFractions {
  checkEdges(edges)
  const sketch = profile.quantiles
  const last = edges.length - 1
  const fractions = new Array<number>(edges.length + 1).fill(0)
  if (sketch.n > 0) {
    let below = sketch.cdf(edges[0]!, false)
    fractions[0] = below
    for (let i = 1; i <= last; i++) {
      const upTo = i === last ? sketch.cdf(edges[i]!, true) : sketch.cdf(edges[i]!, false)
      fractions[i] = upTo - below
      below = upTo
    }
    fractions[last + 1] = 1 - below
  }
  return { edges: [...edges], fractions, count: sketch.n }
}

/**
 * Edges at the baseline's quantiles 0, 1/bins, …, 1 (deciles by default), so
 * each bin holds about the same share of the baseline. Repeated quantiles
 * (few distinct values) collapse, leaving fewer bins.
 */
export function defaultEdges(baseline: SketchedColumn, bins = 10): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`)
  const sketch = baseline.quantiles
  if (sketch.n === 0) throw new Error('cannot choose histogram edges: the baseline column has no numeric values')
  return dedupeEdges(Array.from({ length: bins + 1 }, (_, i) => sketch.quantile(i / bins)))
}
