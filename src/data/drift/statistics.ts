// Drift statistics computed from summaries (binned counts, CDFs evaluated on
// common points, quantile arrays) rather than raw rows, so a baseline can be
// stored small and compared later. Pure and dependency-free.
//
// The definitions follow Evidently's stattests (which call scipy), so scores
// are comparable with an Evidently report on the same bins:
// - psi: Evidently's psi.py; zero fractions replaced by a small epsilon
// - jensenShannonDistance: scipy.spatial.distance.jensenshannon, natural log
//   by default (scipy's default base; current Evidently passes base=None)
// - chiSquareTest: Evidently's chisquare_stattest.py, i.e. scipy.stats.chisquare
//   of the current counts against the reference counts rescaled to the
//   current total
// - ksTwoSample: asymptotic Kolmogorov distribution with Stephens' correction
//   (scipy's ks_2samp is exact for n ≤ 10000, so small-n p-values differ a bit)
// - wassersteinDistance: 1-Wasserstein from quantile functions

/** Throws unless `values` is a non-empty array of finite, non-negative numbers with a positive sum; returns the sum. */
function checkCounts(values: readonly number[], name: string): number {
  if (values.length === 0) throw new RangeError(`${name} must not be empty`)
  let total = 0
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must hold finite, non-negative numbers (got ${v})`)
    total += v
  }
  if (!(total > 0)) throw new RangeError(`${name} must not be all zeros`)
  return total
}

function checkAligned(a: readonly number[], b: readonly number[], names: string): void {
  if (a.length !== b.length) throw new RangeError(`${names} must have the same number of bins (${a.length} vs ${b.length})`)
}

// ---------------------------------------------------------------------------
// Population Stability Index

/**
 * Population Stability Index of `actual` against `expected`, two aligned arrays
 * of bin counts (or fractions; both are normalised): Σ (a−e)·ln(a/e).
 *
 * A bin that is empty on one side would make the log infinite, so its fraction
 * is replaced by `epsilon` (Evidently's 0.0001). Evidently goes further when
 * the smallest non-zero fraction is itself ≤ 0.0001 (it then uses that / 10⁶);
 * that only matters for very fine bins, and a fixed epsilon keeps the score
 * independent of the other bins.
 */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = 1e-4): number {
  checkAligned(expected, actual, 'expected and actual')
  const totalE = checkCounts(expected, 'expected')
  const totalA = checkCounts(actual, 'actual')
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon must be a positive number (got ${epsilon})`)
  let sum = 0
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]! / totalE || epsilon
    const a = actual[i]! / totalA || epsilon
    sum += (a - e) * Math.log(a / e)
  }
  return sum
}

// ---------------------------------------------------------------------------
// Jensen–Shannon distance

/**
 * Jensen–Shannon distance between two aligned distributions (counts or
 * fractions; both are normalised): sqrt((KL(p‖m) + KL(q‖m)) / 2), m = (p+q)/2.
 *
 * Natural log by default, as scipy.spatial.distance.jensenshannon (its base
 * defaults to scipy.stats.entropy's, e) and current Evidently (base=None), so
 * the distance lies in [0, sqrt(ln 2) ≈ 0.833]. Pass `base = 2` for [0, 1]
 * (some Evidently releases passed base=2; the 0.1 threshold was kept for both).
 * Empty bins are fine: 0·ln(0/x) counts as 0.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base: number = Math.E): number {
  checkAligned(p, q, 'p and q')
  const totalP = checkCounts(p, 'p')
  const totalQ = checkCounts(q, 'q')
  if (!(base > 0) || base === 1 || !Number.isFinite(base)) throw new RangeError(`base must be a positive number other than 1 (got ${base})`)
  let sum = 0
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / totalP
    const qi = q[i]! / totalQ
    const m = (pi + qi) / 2
    if (pi > 0) sum += pi * Math.log(pi / m)
    if (qi > 0) sum += qi * Math.log(qi / m)
  }
  // Rounding can leave identical distributions a hair below zero.
  return Math.sqrt(Math.max(0, sum / (2 * Math.log(base))))
}

// ---------------------------------------------------------------------------
// Gamma function and chi-square

// Lanczos approximation, g = 7, 9 terms: about 15 significant digits for
// x ≥ 0.5, far more than the 1e-6 the p-values need.
const LANCZOS_G = 7
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0 (got ${x})`)
  // Reflection keeps the series in its accurate range.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let s = LANCZOS[0]!
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (z + i)
  const t = z + LANCZOS_G + 0.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s)
}

const GAMMA_EPS = 1e-15
// Both expansions need O(sqrt(a)) terms; this covers a up to ~10^7.
const GAMMA_MAX_ITER = 100_000
const TINY = 1e-300

/** Series for P(a, x), best when x < a + 1 (Numerical Recipes' gser). */
function gammaPSeries(a: number, x: number): number {
  let ap = a
  let term = 1 / a
  let sum = term
  for (let n = 0; n < GAMMA_MAX_ITER; n++) {
    ap += 1
    term *= x / ap
    sum += term
    if (Math.abs(term) < Math.abs(sum) * GAMMA_EPS) return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
  }
  throw new RangeError(`incomplete gamma series did not converge (a=${a}, x=${x})`)
}

/** Continued fraction for Q(a, x), best when x ≥ a + 1 (Numerical Recipes' gcf, modified Lentz). */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a
  let c = 1 / TINY
  let d = 1 / b
  let h = d
  for (let i = 1; i <= GAMMA_MAX_ITER; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < TINY) d = TINY
    c = b + an / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < GAMMA_EPS) return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
  }
  throw new RangeError(`incomplete gamma continued fraction did not converge (a=${a}, x=${x})`)
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`incomplete gamma needs a > 0 (got ${a})`)
  if (!(x >= 0)) throw new RangeError(`incomplete gamma needs x ≥ 0 (got ${x})`)
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), as scipy.special.gammainc. */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x)
  if (x === 0) return 0
  if (x === Infinity) return 1
  return x < a + 1 ? gammaPSeries(a, x) : 1 - gammaQContinuedFraction(a, x)
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) = 1 − P(a, x), as scipy.special.gammaincc. */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x)
  if (x === 0) return 1
  if (x === Infinity) return 0
  // Each branch computes its small side directly, so tiny p-values keep their digits.
  return x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQContinuedFraction(a, x)
}

/** Survival function of the chi-square distribution, P(X ≥ statistic) for `df` degrees of freedom. */
export function chiSquareSurvival(statistic: number, df: number): number {
  return regularizedGammaQ(df / 2, statistic / 2)
}

export interface ChiSquareResult {
  statistic: number
  /** Degrees of freedom: bins used − 1. */
  df: number
  pValue: number
}

/**
 * Pearson chi-square goodness-of-fit of `actualCounts` against the
 * distribution of `expectedCounts` (aligned bins), the way Evidently does it:
 * expected is rescaled to actual's total, then scipy.stats.chisquare(f_obs,
 * f_exp). Treats the reference as the true distribution, so it ignores the
 * reference's own sampling noise.
 *
 * Bins empty on both sides carry no information and are skipped (scipy would
 * return NaN for them), so df = bins used − 1. A bin empty in expected but not
 * in actual gives an infinite statistic and p = 0, as scipy does: a new
 * category is drift. With a single bin used there is nothing to test: the
 * statistic is 0 and p = 1 (scipy gives NaN).
 */
export function chiSquareTest(expectedCounts: readonly number[], actualCounts: readonly number[]): ChiSquareResult {
  checkAligned(expectedCounts, actualCounts, 'expectedCounts and actualCounts')
  const totalE = checkCounts(expectedCounts, 'expectedCounts')
  const totalA = checkCounts(actualCounts, 'actualCounts')
  const scale = totalA / totalE
  let statistic = 0
  let used = 0
  for (let i = 0; i < expectedCounts.length; i++) {
    const observed = actualCounts[i]!
    const expected = expectedCounts[i]! * scale
    if (expected === 0 && observed === 0) continue
    used++
    statistic += expected === 0 ? Infinity : (observed - expected) ** 2 / expected
  }
  const df = used - 1
  if (df === 0) return { statistic: 0, df, pValue: 1 }
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) }
}

// ---------------------------------------------------------------------------
// Kolmogorov–Smirnov

/**
 * Survival function of the Kolmogorov distribution,
 * Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²), as scipy.special.kolmogorov.
 * For small λ that alternating series converges slowly, so the equivalent
 * theta-function form 1 − (√(2π)/λ) Σ exp(−(2j−1)² π² / (8λ²)) is used instead.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (Number.isNaN(lambda)) throw new RangeError('lambda must be a number')
  if (lambda <= 0) return 1
  if (lambda === Infinity) return 0
  if (lambda < 1.18) {
    const k = (Math.PI * Math.PI) / (8 * lambda * lambda)
    let sum = 0
    for (let j = 1; j < 100; j++) {
      const term = Math.exp(-((2 * j - 1) ** 2) * k)
      sum += term
      if (term <= sum * 1e-17) break
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum))
  }
  let sum = 0
  for (let j = 1; j < 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda)
    sum += j % 2 === 1 ? term : -term
    if (term <= Math.abs(sum) * 1e-17) break
  }
  return Math.min(1, Math.max(0, 2 * sum))
}

export interface KsInput {
  /** F_A at each point of a common, sorted set of points (e.g. from quantile sketches). */
  cdfA: readonly number[]
  /** F_B at the same points. */
  cdfB: readonly number[]
  /** Sample sizes behind the two CDFs. */
  nA: number
  nB: number
}

export interface KsResult {
  /** D = max |F_A − F_B| over the points. */
  statistic: number
  pValue: number
  /** nA·nB / (nA + nB). */
  effectiveN: number
}

/**
 * Two-sample Kolmogorov–Smirnov test from two CDFs evaluated on a common sorted
 * set of points. D is exact when the points include every value of both
 * samples (the pooled sample); on a coarser set it is a lower bound, so the
 * p-value errs towards "no drift".
 *
 * p = Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D) with nₑ = nA·nB/(nA+nB): the asymptotic
 * Kolmogorov distribution with Stephens' small-sample correction (Numerical
 * Recipes; scipy ≤ 1.4's 'asymp' mode). scipy's ks_2samp default ('auto') is
 * exact for samples up to 10000, which Evidently uses; the two agree within
 * about 0.01 near the usual 0.05 threshold and within about 0.03 anywhere once
 * nₑ ≥ 10, the gap coming from the lattice of attainable D values (largest for
 * equal sample sizes).
 */
export function ksTwoSample({ cdfA, cdfB, nA, nB }: KsInput): KsResult {
  checkAligned(cdfA, cdfB, 'cdfA and cdfB')
  if (cdfA.length === 0) throw new RangeError('cdfA and cdfB must not be empty')
  for (const [name, n] of [['nA', nA], ['nB', nB]] as const) {
    if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`${name} must be a positive number (got ${n})`)
  }
  let statistic = 0
  for (let i = 0; i < cdfA.length; i++) {
    const a = cdfA[i]!
    const b = cdfB[i]!
    for (const [name, v, prev] of [['cdfA', a, cdfA[i - 1]], ['cdfB', b, cdfB[i - 1]]] as const) {
      if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} values must lie in [0, 1] (got ${v})`)
      // A decreasing CDF means the points were not sorted (tiny slack for sketch rounding).
      if (prev !== undefined && v < prev - 1e-12) throw new RangeError(`${name} must be non-decreasing: evaluate both CDFs on sorted points`)
    }
    statistic = Math.max(statistic, Math.abs(a - b))
  }
  const effectiveN = (nA * nB) / (nA + nB)
  const root = Math.sqrt(effectiveN)
  const pValue = kolmogorovSurvival((root + 0.12 + 0.11 / root) * statistic)
  return { statistic, pValue, effectiveN }
}

// ---------------------------------------------------------------------------
// Wasserstein

/**
 * Where the quantiles sit on u ∈ [0, 1]:
 * - 'endpoints': m ≥ 2 values at u = i/(m−1), first = minimum, last = maximum
 *   (typical sketch output); the quantile function is linear between them.
 * - 'midpoints': m values at u = (i + ½)/m, each standing for a 1/m slice;
 *   the sorted values of a sample of size m are exactly this, so
 *   W1 then equals scipy.stats.wasserstein_distance on two samples of size m.
 */
export type QuantileGrid = 'endpoints' | 'midpoints'

export interface WassersteinOptions {
  /** Default 'endpoints'. */
  grid?: QuantileGrid
}

function checkQuantiles(values: readonly number[], name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) throw new RangeError(`${name} must hold finite numbers (got ${v})`)
    if (i > 0 && v < values[i - 1]!) throw new RangeError(`${name} must be non-decreasing (quantiles in order of u)`)
  }
}

/**
 * 1-Wasserstein distance W1 = ∫₀¹ |F_A⁻¹(u) − F_B⁻¹(u)| du between two
 * distributions given as quantile arrays on the same equally spaced grid.
 * For 'endpoints' the integral of the piecewise-linear interpolants is exact,
 * including intervals where the two quantile functions cross (plain trapezoid
 * would overestimate those).
 */
export function wassersteinDistance(
  quantilesA: readonly number[],
  quantilesB: readonly number[],
  { grid = 'endpoints' }: WassersteinOptions = {},
): number {
  checkAligned(quantilesA, quantilesB, 'quantilesA and quantilesB')
  checkQuantiles(quantilesA, 'quantilesA')
  checkQuantiles(quantilesB, 'quantilesB')
  const m = quantilesA.length
  if (grid === 'midpoints') {
    if (m === 0) throw new RangeError('quantile arrays must not be empty')
    let sum = 0
    for (let i = 0; i < m; i++) sum += Math.abs(quantilesA[i]! - quantilesB[i]!)
    return sum / m
  }
  if (m < 2) throw new RangeError(`'endpoints' quantile arrays need at least 2 values (got ${m})`)
  let sum = 0
  let d0 = quantilesA[0]! - quantilesB[0]!
  for (let i = 1; i < m; i++) {
    const d1 = quantilesA[i]! - quantilesB[i]!
    const a0 = Math.abs(d0)
    const a1 = Math.abs(d1)
    // Same sign: trapezoid. Opposite signs: two triangles either side of the crossing.
    if (d0 * d1 >= 0) sum += (a0 + a1) / 2
    else sum += (d0 * d0 + d1 * d1) / (2 * (a0 + a1))
    d0 = d1
  }
  return sum / (m - 1)
}

/** Evidently's floor on the reference std, so a constant reference column does not divide by zero. */
export const MIN_WASSERSTEIN_NORM = 0.001

/**
 * W1 divided by the reference (baseline) standard deviation: Evidently's
 * "wasserstein" score (wasserstein_distance_norm.py), which uses the population
 * std (numpy's default, ddof = 0) floored at 0.001.
 */
export function normalizedWasserstein(
  quantilesA: readonly number[],
  quantilesB: readonly number[],
  baselineStd: number,
  options: WassersteinOptions = {},
): number {
  if (!(baselineStd >= 0) || !Number.isFinite(baselineStd)) throw new RangeError(`baselineStd must be a finite, non-negative number (got ${baselineStd})`)
  return wassersteinDistance(quantilesA, quantilesB, options) / Math.max(baselineStd, MIN_WASSERSTEIN_NORM)
}
