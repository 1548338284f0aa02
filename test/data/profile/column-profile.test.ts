import { describe, expect, it } from 'vitest'
import { defaultEdges, histogramFromSketch } from '../../../src/data/profile/histogram.js'
import { xorshift } from './xorshift.js'
import {
  addDictionary,
  addValue,
  classifyValue,
  type ColumnProfile,
  ColumnProfileJson,
  columnProfileToJSON,
  createColumnProfile,
  mergeColumnProfiles,
  numericValue,
  parseColumnProfile,
  type RawValue,
} from '../../../src/data/profile/column-profile.js'
import { Histogram } from '../../../src/data/profile/histogram.js'

function profileOf(values: Iterable<RawValue>): ColumnProfile {
  const profile = createColumnProfile()
  for (const value of values) addValue(profile, value)
  return profile
}

/** A messy CSV-like column: numbers (as text and not), nulls, booleans, dates, categories. */
function mixedColumn(n: number, seed: number): RawValue[] {
  const random = xorshift(seed)
  return Array.from({ length: n }, (_, i): RawValue => {
    const r = random()
    if (r < 0.1) return r < 0.05 ? '' : null
    if (r < 0.4) return (random() * 1000 - 200).toFixed(2)
    if (r < 0.5) return Math.floor(random() * 50)
    if (r < 0.55) return random() < 0.5 ? 'TRUE' : false
    if (r < 0.6) return `2024-0${1 + (i % 9)}-1${i % 10}`
    if (r < 0.62) return `2024-03-01T12:${String(i % 60).padStart(2, '0')}:00Z`
    return ['red', 'green', 'blue', 'light goldenrod yellow'][Math.floor(random() * 4)]!
  })
}

describe('classifyValue', () => {
  it.each<[RawValue, string | null]>([
    ['', null],
    [null, null],
    ['12', 'integer'],
    ['-007', 'integer'],
    ['+3', 'integer'],
    ['12345678901234567890', 'integer'],
    ['1.5', 'number'],
    ['.5', 'number'],
    ['5.', 'number'],
    ['-1e3', 'number'],
    ['6.02E-23', 'number'],
    ['3.0', 'number'],
    [3, 'integer'],
    [3.5, 'number'],
    [-0, 'integer'],
    ['true', 'boolean'],
    ['FALSE', 'boolean'],
    ['True', 'boolean'],
    [false, 'boolean'],
    ['2024-02-29', 'date'],
    ['2024-01-01T10:20', 'datetime'],
    ['2024-01-01 10:20:30', 'datetime'],
    ['2024-01-01T10:20:30.123456Z', 'datetime'],
    ['2024-01-01T10:20:30+05:30', 'datetime'],
    ['2024-01-01T10:20-0800', 'datetime'],
    ['hello', 'string'],
    [' 1', 'string'],
    ['1 ', 'string'],
    ['0x1F', 'string'],
    ['1,5', 'string'],
    ['1_000', 'string'],
    ['e3', 'string'],
    ['1e', 'string'],
    ['.', 'string'],
    ['-', 'string'],
    ['NaN', 'string'],
    ['Infinity', 'string'],
    ['1e999', 'string'],
    [NaN, 'string'],
    [Infinity, 'string'],
    ['yes', 'string'],
    ['truely', 'string'],
    ['2023-02-29', 'string'],
    ['2024-13-01', 'string'],
    ['2024-1-01', 'string'],
    ['2024-01-01T24:00', 'string'],
    ['2024-01-01T10:60', 'string'],
    ['2024-01-01T10:20:30.', 'string'],
    ['2024-01-01T10:20Zx', 'string'],
    ['2024-01-01T10:20+5:30', 'string'],
    ['2024-01-01X10:20', 'string'],
  ])('%j → %s', (raw, type) => {
    expect(classifyValue(raw)).toBe(type)
  })
})

describe('numericValue', () => {
  it('parses decimal text to the same double as Number()', () => {
    const random = xorshift(7)
    const literals = ['0', '-0', '007', '0.1', '-.5', '5.', '123456789012345', '1234567890123456', '0.000000000000001', '9007199254740993', '1.7976931348623157e308']
    for (let i = 0; i < 20_000; i++) {
      const digits = 1 + Math.floor(random() * 17)
      const point = Math.floor(random() * (digits + 1))
      const text = (random() * 10 ** digits).toFixed(0).padStart(digits, '0')
      literals.push(`${random() < 0.3 ? '-' : ''}${text.slice(0, point)}.${text.slice(point)}`)
    }
    for (const literal of literals) expect(numericValue(literal), literal).toBe(Number(literal))
    expect(numericValue('1e999')).toBeUndefined()
    expect(numericValue(`${'9'.repeat(400)}.5`)).toBeUndefined()
    expect(numericValue('9'.repeat(400))).toBeUndefined()
    expect(numericValue('abc')).toBeUndefined()
    expect(numericValue(2.5)).toBe(2.5)
  })
})

describe('addValue', () => {
  it('fills counts, types, numeric and text statistics', () => {
    const profile = profileOf(['3', '', '4.5', null, 'abc', 'True', 2, '2024-05-06', 'abc', false, 'hello world'])
    expect(profile.count).toBe(11)
    expect(profile.nulls).toBe(2)
    expect(profile.types).toEqual({ integer: 2, number: 1, boolean: 2, date: 1, datetime: 0, string: 3 })
    expect(profile.numeric.count).toBe(3)
    expect(profile.numeric.mean).toBeCloseTo(9.5 / 3, 12)
    expect([profile.numeric.min, profile.numeric.max]).toEqual([2, 4.5])
    expect(profile.quantiles.quantile(0.5)).toBe(3)
    // Text: 'abc' ×2, 'true', '2024-05-06', 'false', 'hello world'.
    expect([profile.textLength.count, profile.textLength.min, profile.textLength.max]).toEqual([6, 3, 11])
    expect(profile.top.top(2)).toEqual([
      { value: 'abc', count: 2 },
      { value: '2024-05-06', count: 1 },
    ])
    expect(profile.top.count('true')).toBe(1)
    expect(Math.round(profile.distinct.estimate())).toBe(8)
  })

  it('counts a number once whatever its spelling', () => {
    const profile = profileOf(['1', '1.0', 1, '1e0', '+1', '2'])
    expect(Math.round(profile.distinct.estimate())).toBe(2)
  })

  it('takes a count: the same profile as that many single cells', () => {
    const values: RawValue[] = ['3', '', null, 'abc', true, 2.5, '2024-05-06', 'x']
    const counts = [4, 2, 3, 7, 1, 5, 2, 1]
    const weighted = createColumnProfile()
    values.forEach((value, i) => addValue(weighted, value, counts[i]))
    const single = profileOf(values.flatMap((value, i) => new Array<RawValue>(counts[i]!).fill(value)))
    expectSameProfile(weighted, single)
  })
})

describe('addDictionary', () => {
  it('profiles indexes into distinct values like the cells they stand for', () => {
    const values: RawValue[] = ['red', '7', 'green', '2024-01-02', 'unused']
    const indexes = Int32Array.from({ length: 1000 }, (_, i) => (i % 9 === 0 ? -1 : i % 4))
    const encoded = createColumnProfile()
    addDictionary(encoded, values, indexes)
    // Counts left behind from one dictionary must not leak into the next.
    addDictionary(encoded, ['blue'], Int32Array.of(0, 0, -1))
    const cells = profileOf([...Array.from(indexes, (index) => (index < 0 ? null : values[index]!)), 'blue', 'blue', null])
    expectSameProfile(encoded, cells)
  })
})

/** Equal but for rounding in the moments and where the KLL sketch keeps its items (weighted values sit on higher levels). */
function expectSameProfile(actual: ColumnProfile, expected: ColumnProfile): void {
  const [a, b] = [columnProfileToJSON(actual), columnProfileToJSON(expected)]
  const exact = (json: typeof a) => ({ ...json, numeric: { ...json.numeric, mean: 0, m2: 0 }, textLength: { ...json.textLength, mean: 0, m2: 0 }, quantiles: { ...json.quantiles, levels: [], rng: 0 } })
  expect(exact(a)).toEqual(exact(b))
  for (const key of ['numeric', 'textLength'] as const) {
    expect(a[key].mean).toBeCloseTo(b[key].mean, 12)
    expect(a[key].m2).toBeCloseTo(b[key].m2, 9)
  }
  // Exact while few values: every quantile agrees.
  for (let q = 0; q <= 1; q += 0.05) expect(actual.quantiles.quantile(q)).toBe(expected.quantiles.quantile(q))
}

describe('mergeColumnProfiles', () => {
  it('equals the profile of the concatenated data: exact fields exactly, sketches within error', () => {
    const values = mixedColumn(60_000, 1)
    const whole = profileOf(values)
    const shards = [values.slice(0, 7), values.slice(7, 30_000), values.slice(30_000)].map(profileOf)
    const merged = shards.reduce((acc, shard) => mergeColumnProfiles(acc, shard), createColumnProfile())
    const [m, w] = [columnProfileToJSON(merged), columnProfileToJSON(whole)]

    expect(m.count).toBe(w.count)
    expect(m.nulls).toBe(w.nulls)
    expect(m.types).toEqual(w.types)
    for (const part of ['numeric', 'textLength'] as const) {
      expect([m[part].count, m[part].min, m[part].max]).toEqual([w[part].count, w[part].min, w[part].max])
      expect(m[part].mean).toBeCloseTo(w[part].mean, 9)
      expect(m[part].m2 / w[part].m2).toBeCloseTo(1, 9)
    }
    expect(m.distinct).toEqual(w.distinct) // register-wise max is exact
    expect(m.top).toEqual(w.top) // few distinct text values: still exact
    expect(m.top.exact).toBe(true)
    expect(m.quantiles.n).toBe(w.quantiles.n)
    for (const q of [0.1, 0.25, 0.5, 0.75, 0.9]) {
      // Both within 1% rank of the truth, so within 2% of each other.
      expect(Math.abs(whole.quantiles.cdf(merged.quantiles.quantile(q)) - q)).toBeLessThan(0.02)
    }
  })

  it('leaves its inputs unchanged', () => {
    const a = profileOf(['1', 'x', ''])
    const b = profileOf(['2', 'y'])
    const before = [JSON.stringify(columnProfileToJSON(a)), JSON.stringify(columnProfileToJSON(b))]
    mergeColumnProfiles(a, b)
    expect([JSON.stringify(columnProfileToJSON(a)), JSON.stringify(columnProfileToJSON(b))]).toEqual(before)
  })

  it('refuses profiles with different HLL precision', () => {
    expect(() => mergeColumnProfiles(createColumnProfile(), createColumnProfile({ precision: 12 }))).toThrow(/precision/)
  })
})

describe('serialisation', () => {
  it('round-trips through JSON', () => {
    const profile = profileOf(mixedColumn(20_000, 2))
    const json = JSON.parse(JSON.stringify(columnProfileToJSON(profile)))
    expect(json.version).toBe(1)
    const restored = parseColumnProfile(json)
    expect(columnProfileToJSON(restored)).toEqual(columnProfileToJSON(profile))
    // And the restored profile keeps working like the original.
    for (const value of mixedColumn(1_000, 3)) {
      addValue(profile, value)
      addValue(restored, value)
    }
    expect(columnProfileToJSON(restored)).toEqual(columnProfileToJSON(profile))
  })

  it('rejects a wrong or missing version with a clear message', () => {
    const json = columnProfileToJSON(profileOf(['1']))
    expect(() => parseColumnProfile({ ...json, version: 2 })).toThrow('column profile version 2 is not supported; this build reads version 1')
    expect(() => parseColumnProfile({ ...json, version: '1' })).toThrow('column profile version "1" is not supported')
    const { version: _, ...unversioned } = json
    expect(() => parseColumnProfile(unversioned)).toThrow('column profile has no version field')
    expect(() => parseColumnProfile([json])).toThrow('expected a JSON object, got an array')
  })

  it('rejects inconsistent or malformed profiles', () => {
    const json = columnProfileToJSON(profileOf(['1', 'a', '']))
    expect(() => parseColumnProfile({ ...json, nulls: 5 })).toThrow(/invalid column profile[\s\S]*count/)
    expect(() => parseColumnProfile({ ...json, types: { ...json.types, integer: -1 } })).toThrow(/invalid column profile/)
    expect(() => parseColumnProfile({ ...json, distinct: { p: 14, registers: 'AAAA' } })).toThrow(/register bytes/)
    expect(ColumnProfileJson.safeParse({ ...json, quantiles: { ...json.quantiles, n: 7 } }).success).toBe(false)
  })
})

describe('drift histograms', () => {
  const random = xorshift(4)
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const baselineValues = Array.from({ length: 100_000 }, () => 100 + 15 * gaussian())
  const baseline = profileOf(baselineValues)

  it('puts a tenth of the baseline in each decile bin', () => {
    const edges = defaultEdges(baseline)
    expect(edges).toHaveLength(11)
    expect(edges[0]).toBe(baseline.numeric.min)
    expect(edges[10]).toBe(baseline.numeric.max)
    const { fractions, count } = histogramFromSketch(baseline, edges)
    expect(count).toBe(100_000)
    expect(fractions).toHaveLength(12)
    expect(fractions.reduce((sum, f) => sum + f, 0)).toBeCloseTo(1, 12)
    expect([fractions[0], fractions[11]]).toEqual([0, 0])
    for (const share of fractions.slice(1, 11)) expect(Math.abs(share - 0.1)).toBeLessThan(0.02)
  })

  it('agrees with an exact histogram on the same edges and shows a shifted column', () => {
    const edges = defaultEdges(baseline)
    const shiftedValues = baselineValues.map((x) => x + 10)
    const shifted = histogramFromSketch(profileOf(shiftedValues), edges)
    const exact = new Histogram(edges)
    for (const x of shiftedValues) exact.add(x)
    exact.fractions().forEach((share, i) => expect(Math.abs(shifted.fractions[i]! - share)).toBeLessThan(0.02))
    // Shifted by 2/3 sd: ~27% now lands above the baseline's 90th percentile, ~3% below its 10th.
    expect(shifted.fractions[10]! + shifted.fractions[11]!).toBeGreaterThan(0.2)
    expect(shifted.fractions[0]! + shifted.fractions[1]!).toBeLessThan(0.05)
  })

  it('collapses repeated quantiles of a column with few values', () => {
    const profile = profileOf(Array.from({ length: 1_000 }, (_, i) => String(1 + (i % 3))))
    const edges = defaultEdges(profile)
    expect(edges).toEqual([1, 2, 3])
    const { fractions } = histogramFromSketch(profile, edges)
    // 334 ones, 333 twos, 333 threes; 1,000 values no longer fit the sketch exactly.
    const expected = [0, 0.334, 0.666, 0]
    fractions.forEach((share, i) => expect(Math.abs(share - expected[i]!)).toBeLessThan(0.01))
    const constant = profileOf(['7', '7'])
    expect(defaultEdges(constant)).toEqual([7, 7])
    expect(histogramFromSketch(constant, [7, 7]).fractions).toEqual([0, 1, 0])
  })

  it('handles columns without numbers', () => {
    const text = profileOf(['a', 'b'])
    expect(() => defaultEdges(text)).toThrow(/no numeric values/)
    expect(histogramFromSketch(text, [0, 1]).fractions).toEqual([0, 0, 0])
  })
})
