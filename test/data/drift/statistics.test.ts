import { describe, expect, it } from 'vitest'
import {
  chiSquareSurvival,
  chiSquareTest,
  jensenShannonDistance,
  kolmogorovSurvival,
  ksTwoSample,
  logGamma,
  normalizedWasserstein,
  psi,
  regularizedGammaP,
  regularizedGammaQ,
  wassersteinDistance,
} from '../../../src/data/drift/statistics.js'

// Reference values were computed once with Debian's python3-scipy 1.10.1 /
// numpy (the call that produced each is named next to it) and are hard-coded
// so the tests need no Python.

const CLOSED = 1e-9
const GAMMA = 1e-6

function expectClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance)
}

/** Absolute tolerance, plus the same tolerance relative to tiny values so they keep their digits. */
function expectPValue(actual: number, expected: number): void {
  expectClose(actual, expected, GAMMA)
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(GAMMA * Math.abs(expected) + 1e-300)
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Both empirical CDFs evaluated on the pooled, sorted sample (F(x) = share of values ≤ x), as ks_2samp does. */
function ecdfs(a: readonly number[], b: readonly number[]): { cdfA: number[]; cdfB: number[]; nA: number; nB: number } {
  const points = [...new Set([...a, ...b])].sort((x, y) => x - y)
  const cdf = (sample: readonly number[]) => points.map((x) => sample.filter((v) => v <= x).length / sample.length)
  return { cdfA: cdf(a), cdfB: cdf(b), nA: a.length, nB: b.length }
}

describe('psi', () => {
  it('matches the hand-computed example', () => {
    // (0.25−0.5)·ln(0.25/0.5) + (0.75−0.5)·ln(0.75/0.5)
    const byHand = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.75 - 0.5) * Math.log(0.75 / 0.5)
    expectClose(psi([0.5, 0.5], [0.25, 0.75]), byHand, CLOSED)
    expectClose(psi([50, 50], [25, 75]), 0.2746530721670274, CLOSED)
  })

  it('normalises counts and matches numpy', () => {
    // numpy: e, a = counts / sum; np.sum((a - e) * np.log(a / e))
    expectClose(psi([100, 200, 300, 400], [150, 150, 350, 350]), 0.04904146265058633, CLOSED)
  })

  it('replaces empty bins by epsilon', () => {
    // numpy as above, after e[e == 0] = 1e-4; a[a == 0] = 1e-4
    expectClose(psi([10, 0, 10], [5, 5, 10]), 2.1285158932529735, CLOSED)
    const e = 1e-3
    const byHand = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.25 - e) * Math.log(0.25 / e) + 0
    expectClose(psi([10, 0, 10], [5, 5, 10], e), byHand, CLOSED)
  })

  it('is 0 for identical distributions and symmetric', () => {
    expect(psi([3, 1, 4, 1, 5], [6, 2, 8, 2, 10])).toBeCloseTo(0, 12)
    expectClose(psi([1, 2, 3], [3, 2, 1]), psi([3, 2, 1], [1, 2, 3]), CLOSED)
  })

  it('rejects malformed input', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(RangeError)
    expect(() => psi([0, 0], [1, 2])).toThrow(/all zeros/)
    expect(() => psi([-1, 2], [1, 2])).toThrow(RangeError)
    expect(() => psi([1, 2], [1, 2], 0)).toThrow(/epsilon/)
    expect(() => psi([], [])).toThrow(/empty/)
  })
})

describe('jensenShannonDistance', () => {
  it('matches scipy.spatial.distance.jensenshannon (natural log)', () => {
    // jensenshannon([1.0, 0.0], [0.5, 0.5]) — scipy's documented example
    expectClose(jensenShannonDistance([1, 0], [0.5, 0.5]), 0.46450140402245893, CLOSED)
    // jensenshannon([10, 20, 30, 40], [40, 30, 20, 10])
    expectClose(jensenShannonDistance([10, 20, 30, 40], [40, 30, 20, 10]), 0.32625164411267443, CLOSED)
    // jensenshannon([5, 0, 5, 10], [1, 3, 0, 16])
    expectClose(jensenShannonDistance([5, 0, 5, 10], [1, 3, 0, 16]), 0.4387277192752473, CLOSED)
  })

  it('gives sqrt(ln 2) for disjoint supports, 1 in base 2', () => {
    // jensenshannon([1, 0], [0, 1]) == sqrt(log(2))
    expectClose(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.LN2), CLOSED)
    expectClose(jensenShannonDistance([1, 0], [0, 1]), 0.8325546111576977, CLOSED)
    // jensenshannon([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], 2.0) == 1.0
    expectClose(jensenShannonDistance([1, 0, 0], [0, 1, 0], 2), 1, CLOSED)
    // jensenshannon([10, 20, 30, 40], [40, 30, 20, 10], 2)
    expectClose(jensenShannonDistance([10, 20, 30, 40], [40, 30, 20, 10], 2), 0.3918681606471551, CLOSED)
  })

  it('is symmetric and 0 for identical distributions', () => {
    const p = [1, 7, 2, 0, 9]
    const q = [4, 1, 1, 3, 2]
    expectClose(jensenShannonDistance(p, q), jensenShannonDistance(q, p), CLOSED)
    expect(jensenShannonDistance(p, p.map((v) => v * 3))).toBeCloseTo(0, 7)
    expect(jensenShannonDistance(p, p)).toBe(0)
  })

  it('rejects malformed input', () => {
    expect(() => jensenShannonDistance([1], [1, 2])).toThrow(RangeError)
    expect(() => jensenShannonDistance([1, 2], [1, 2], 1)).toThrow(/base/)
    expect(() => jensenShannonDistance([Number.NaN, 1], [1, 2])).toThrow(RangeError)
  })
})

describe('incomplete gamma', () => {
  // [a, x, scipy.special.gammaincc(a, x), scipy.special.gammainc(a, x)]
  const cases: [number, number, number, number][] = [
    [0.5, 1e-3, 0.9643294082703201, 0.035670591729679894],
    [0.5, 0.5, 0.31731050786291115, 0.6826894921370859],
    [1, 1, 0.36787944117144245, 0.6321205588285577],
    [1.5, 4, 0.04601170568923136, 0.9539882943107686],
    [2.5, 0.1, 0.9991138612111875, 0.0008861387888124438],
    [5, 5, 0.44049328506521257, 0.5595067149347879],
    [10, 3, 0.9988975118698845, 0.0011024881301154815],
    [10, 25, 0.0002214766382487835, 0.9997785233617512],
    [50, 40, 0.9296649333406051, 0.07033506665939494],
    [100, 120, 0.027863739890520652, 0.9721362601094793],
    [250, 200, 0.9996379295417103, 0.0003620704582896921],
    [0.5, 30, 9.485737571073857e-15, 0.9999999999999906],
    [3, 150, 8.180326919004622e-62, 1],
  ]

  it.each(cases)('Q(%d, %d) and P match scipy', (a, x, q, p) => {
    expectPValue(regularizedGammaQ(a, x), q)
    expectPValue(regularizedGammaP(a, x), p)
  })

  it('handles the edges', () => {
    expect(regularizedGammaQ(3, 0)).toBe(1)
    expect(regularizedGammaP(3, 0)).toBe(0)
    expect(regularizedGammaQ(3, Infinity)).toBe(0)
    expect(() => regularizedGammaQ(0, 1)).toThrow(RangeError)
    expect(() => regularizedGammaQ(1, -1)).toThrow(RangeError)
  })

  it('logGamma matches factorials and Γ(½) = √π', () => {
    expectClose(logGamma(1), 0, 1e-13)
    expectClose(logGamma(10), Math.log(362880), 1e-12)
    expectClose(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13)
    expectClose(logGamma(0.1), Math.log(9.513507698668732), 1e-12)
  })
})

describe('chiSquareTest', () => {
  // Each case: scipy.stats.chisquare(actual, expected * actual.sum() / expected.sum()),
  // which is what Evidently's chisquare stattest computes.
  it('matches scipy for a 3-category shift', () => {
    const result = chiSquareTest([30, 50, 20], [20, 60, 40])
    expectClose(result.statistic, 17.77777777777778, CLOSED)
    expect(result.df).toBe(2)
    expectPValue(result.pValue, 0.00013791280933656187)
  })

  it('matches scipy for a binary column', () => {
    const result = chiSquareTest([100, 100], [110, 90])
    expectClose(result.statistic, 2, CLOSED)
    expect(result.df).toBe(1)
    expectPValue(result.pValue, 0.15729920705028105)
  })

  it('matches scipy for a very small p-value', () => {
    const result = chiSquareTest([500, 300, 200], [300, 300, 400])
    expectClose(result.statistic, 280, CLOSED)
    expectPValue(result.pValue, 1.580420060273615e-61)
  })

  it('matches scipy with 30 bins', () => {
    const expected = range(30).map((i) => 10 + ((i * 7) % 13))
    const actual = range(30).map((i) => 12 + ((i * 5) % 11))
    const result = chiSquareTest(expected, actual)
    expectClose(result.statistic, 86.2484960257003, CLOSED)
    expect(result.df).toBe(29)
    expectPValue(result.pValue, 1.3603443641905166e-7)
  })

  it('gives p = 1 for the same distribution at another scale', () => {
    expect(chiSquareTest([25, 25, 25, 25], [50, 50, 50, 50])).toEqual({ statistic: 0, df: 3, pValue: 1 })
  })

  it('skips bins empty on both sides and flags new categories', () => {
    const skipped = chiSquareTest([30, 0, 50, 20], [20, 0, 60, 40])
    expect(skipped.df).toBe(2)
    expectPValue(skipped.pValue, 0.00013791280933656187)
    expect(chiSquareTest([10, 0], [9, 1])).toEqual({ statistic: Infinity, df: 1, pValue: 0 })
    expect(chiSquareTest([10, 0], [9, 0])).toEqual({ statistic: 0, df: 0, pValue: 1 })
  })

  it('chiSquareSurvival is the chi-square survival function', () => {
    // chi2.sf(x, df) == exp(-x/2) for df = 2
    expectClose(chiSquareSurvival(3, 2), Math.exp(-1.5), 1e-12)
  })
})

describe('kolmogorovSurvival', () => {
  // [λ, scipy.special.kolmogorov(λ)]
  const cases: [number, number][] = [
    [0.05, 1],
    [0.2, 0.999999999999495],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [1, 0.26999967167735456],
    [1.18, 0.1234538094297657],
    [1.36, 0.049485876755377876],
    [2, 0.0006709252557796953],
    [3, 3.045995948942526e-8],
  ]
  it.each(cases)('Q_KS(%d) matches scipy', (lambda, expected) => {
    expectClose(kolmogorovSurvival(lambda), expected, CLOSED)
    expect(Math.abs(kolmogorovSurvival(lambda) - expected)).toBeLessThanOrEqual(1e-9 * expected)
  })

  it('is 1 at 0 and 0 at infinity', () => {
    expect(kolmogorovSurvival(0)).toBe(1)
    expect(kolmogorovSurvival(Infinity)).toBe(0)
  })
})

describe('ksTwoSample', () => {
  // Samples are simple formulas so Python and TypeScript build bit-identical
  // data. For each: D, scipy.stats.ks_2samp(a, b, method='exact').pvalue (what
  // Evidently gets with the default 'auto' at these sizes), and
  // scipy.stats.kstwobign.sf((sqrt(ne) + 0.12 + 0.11/sqrt(ne)) * D), the
  // Stephens formula implemented here.
  //
  // Asymptotic vs exact tolerance: sweeping every attainable D for sample sizes
  // 20–1000 with scipy, |stephens − exact| stayed ≤ 0.03 everywhere (worst
  // for equal sizes, whose D lattice is coarse) and ≤ 0.01 where the exact p
  // is in [0.01, 0.1], the region that decides drift at 0.05.
  const ANYWHERE = 0.03
  const NEAR_THRESHOLD = 0.01
  const cases: { name: string; a: number[]; b: number[]; d: number; exact: number; stephens: number }[] = [
    {
      name: 'shifted and stretched, 60 vs 80',
      a: range(60),
      b: range(80).map((j) => 0.9 * j + 8),
      d: 0.2875,
      exact: 0.00560008435195302,
      stephens: 0.0052655171082400835,
    },
    {
      name: 'shift, 25 vs 30',
      a: range(25),
      b: range(30).map((j) => j + 6.5),
      d: 0.4,
      exact: 0.018238409803398022,
      stephens: 0.017744629848432992,
    },
    {
      name: 'equal sizes 100 vs 100 (coarse lattice)',
      a: range(100),
      b: range(100).map((j) => j + 18),
      d: 0.18,
      exact: 0.07822115797841851,
      stephens: 0.06909243488939824,
    },
    {
      name: 'equal sizes 100 vs 100, no drift',
      a: range(100),
      b: range(100).map((j) => j + 11),
      d: 0.11,
      exact: 0.5830090612540064,
      stephens: 0.556017166229757,
    },
    {
      name: 'heavy ties, 40 vs 50',
      a: range(40).map((i) => i % 10),
      b: range(50).map((j) => (j * 3) % 11),
      d: 0.08,
      exact: 0.9965882818670248,
      stephens: 0.9981744974794472,
    },
    {
      name: 'sqrt-shaped, 200 vs 300',
      a: range(200).map(Math.sqrt),
      b: range(300).map((j) => Math.sqrt(j) * 1.05 + 0.1),
      d: 0.4066666666666667,
      exact: 3.1577620558520138e-18,
      stephens: 4.486503563924223e-18,
    },
  ]

  it.each(cases)('$name', ({ a, b, d, exact, stephens }) => {
    const result = ksTwoSample(ecdfs(a, b))
    expectClose(result.statistic, d, CLOSED)
    expectClose(result.effectiveN, (a.length * b.length) / (a.length + b.length), CLOSED)
    // Same formula as scipy's kstwobign: agrees to rounding.
    expectClose(result.pValue, stephens, CLOSED)
    expect(Math.abs(result.pValue - exact)).toBeLessThanOrEqual(exact >= 0.01 && exact <= 0.1 ? NEAR_THRESHOLD : ANYWHERE)
    expect(result.pValue < 0.05).toBe(exact < 0.05)
  })

  it('gives D = 0 and p = 1 for identical CDFs', () => {
    const cdf = [0.1, 0.4, 0.4, 0.9, 1]
    expect(ksTwoSample({ cdfA: cdf, cdfB: cdf, nA: 500, nB: 800 })).toMatchObject({ statistic: 0, pValue: 1 })
  })

  it('is symmetric in the two samples', () => {
    const ab = ksTwoSample(ecdfs(range(60), range(80).map((j) => 0.9 * j + 8)))
    const ba = ksTwoSample(ecdfs(range(80).map((j) => 0.9 * j + 8), range(60)))
    expectClose(ab.pValue, ba.pValue, CLOSED)
  })

  it('rejects malformed input', () => {
    expect(() => ksTwoSample({ cdfA: [0.5, 1], cdfB: [1], nA: 1, nB: 1 })).toThrow(RangeError)
    expect(() => ksTwoSample({ cdfA: [0.5, 1], cdfB: [0.2, 1], nA: 0, nB: 1 })).toThrow(/nA/)
    expect(() => ksTwoSample({ cdfA: [0.5, 1.2], cdfB: [0.2, 1], nA: 1, nB: 1 })).toThrow(/\[0, 1\]/)
    expect(() => ksTwoSample({ cdfA: [0.5, 0.3], cdfB: [0.2, 1], nA: 1, nB: 1 })).toThrow(/sorted/)
  })
})

describe('wassersteinDistance', () => {
  const sorted = (values: number[]) => [...values].sort((x, y) => x - y)

  it("'midpoints' equals scipy on two samples of the same size", () => {
    const a = sorted(range(50).map(Math.sqrt))
    const b = sorted(range(50).map((j) => 1.1 * Math.sqrt(j) + 0.2 * Math.sin(j)))
    // scipy.stats.wasserstein_distance(a, b)
    expectClose(wassersteinDistance(a, b, { grid: 'midpoints' }), 0.46458247380009493, CLOSED)
    // ... / max(np.std(a), 0.001), as Evidently's wasserstein stattest; np.std(a) = 1.725382594197119
    expectClose(normalizedWasserstein(a, b, 1.725382594197119, { grid: 'midpoints' }), 0.2692634522700059, CLOSED)
  })

  it("'midpoints' equals scipy when the quantile functions cross", () => {
    const a = range(40)
    const b = sorted(range(40).map((j) => 40 - 0.5 * j))
    // scipy.stats.wasserstein_distance(a, b)
    expectClose(wassersteinDistance(a, b, { grid: 'midpoints' }), 10.75, CLOSED)
  })

  it("'endpoints' integrates the linear interpolants exactly", () => {
    const u = range(11).map((i) => i / 10)
    // U(0,1) vs U(0.5,1.5): constant gap 0.5.
    expectClose(wassersteinDistance(u, u.map((v) => v + 0.5)), 0.5, CLOSED)
    // U(0,1) vs U(0,2): ∫ u du = 0.5.
    expectClose(wassersteinDistance(u, u.map((v) => 2 * v)), 0.5, CLOSED)
    // F⁻¹(u) = u vs 2u − 0.5 cross at u = 0.5: ∫ |u − 0.5| du = 0.25, even on a
    // two-point grid (plain trapezoid would give 0.5).
    expectClose(wassersteinDistance([0, 1], [-0.5, 1.5]), 0.25, CLOSED)
  })

  it('is 0 for identical quantiles and symmetric', () => {
    const a = [1, 2, 2, 5, 9]
    const b = [0, 3, 4, 4, 10]
    expect(wassersteinDistance(a, a)).toBe(0)
    expectClose(wassersteinDistance(a, b), wassersteinDistance(b, a), CLOSED)
  })

  it('normalises by the baseline std, floored at 0.001 like Evidently', () => {
    expectClose(normalizedWasserstein([0, 1], [1, 2], 2), 0.5, CLOSED)
    expectClose(normalizedWasserstein([0, 0], [1, 1], 0), 1000, 1e-6)
    expect(() => normalizedWasserstein([0, 1], [1, 2], -1)).toThrow(/baselineStd/)
  })

  it('rejects malformed input', () => {
    expect(() => wassersteinDistance([0, 1], [0, 1, 2])).toThrow(RangeError)
    expect(() => wassersteinDistance([1], [2])).toThrow(/at least 2/)
    expect(() => wassersteinDistance([], [], { grid: 'midpoints' })).toThrow(/empty/)
    expect(() => wassersteinDistance([2, 1], [1, 2])).toThrow(/non-decreasing/)
  })
})
