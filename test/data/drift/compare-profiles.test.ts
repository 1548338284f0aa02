import { describe, expect, it } from 'vitest'
import { type ColumnDrift, compareProfiles, DriftReport, type DriftSettings, MAX_SEVERITY } from '../../../src/data/drift/compare-profiles.js'
import type { RawValue } from '../../../src/data/profile/column-profile.js'
import { addRow, createTableProfile, parseTableProfile, type TableProfile, tableProfileToJSON } from '../../../src/data/profile/table-profile.js'
import { xorshift } from '../profile/xorshift.js'

// Reference values come from python3 with scipy 1.17.1 / numpy, computed once
// on the same data and hard-coded. The samples are reproducible in Python:
// xorshift32 and the sum of 12 uniforms use only exact integer ops and
// additions in the same order, so both languages get the same doubles:
//
//   def xorshift(seed):
//       s = seed or 1
//       def f():
//           nonlocal s
//           s ^= (s << 13) & 0xFFFFFFFF; s ^= s >> 17; s ^= (s << 5) & 0xFFFFFFFF
//           return s / 2**32
//       return f
//   def sample(seed, n, shift=0.0):
//       r = xorshift(seed)
//       def normal():
//           t = 0.0
//           for _ in range(12): t += r()
//           return t - 6
//       return [normal() + shift for _ in range(n)]

/** Approximately standard normal (Irwin–Hall, 12 uniforms), shifted. */
function sample(seed: number, n: number, shift = 0): number[] {
  const rng = xorshift(seed)
  return Array.from({ length: n }, () => {
    let t = 0
    for (let i = 0; i < 12; i++) t += rng()
    return t - 6 + shift
  })
}

/** A table profile from columns of equal length. */
function table(columns: Record<string, readonly RawValue[]>): TableProfile {
  const names = Object.keys(columns)
  const profile = createTableProfile(names)
  const rows = names.length === 0 ? 0 : columns[names[0]!]!.length
  for (let i = 0; i < rows; i++) addRow(profile, names.map((name) => columns[name]![i]!))
  return profile
}

/** `count` copies of each value, in order. */
function repeat(counts: Record<string, number>): string[] {
  return Object.entries(counts).flatMap(([value, count]) => Array<string>(count).fill(value))
}

function one(report: DriftReport, column: string): ColumnDrift {
  const found = report.columns.find((c) => c.column === column)
  if (!found) throw new Error(`no column ${column} in the report`)
  return found
}

function compareOne(baseline: readonly RawValue[], current: readonly RawValue[], settings?: DriftSettings): ColumnDrift {
  return one(compareProfiles(table({ x: baseline }), table({ x: current }), settings), 'x')
}

const close = (actual: number, expected: number, tolerance: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance)

describe('compareProfiles: numeric columns', () => {
  it('finds no drift between two samples of one distribution (5,000 rows: wasserstein)', () => {
    const drift = compareOne(sample(3, 5_000), sample(5, 5_000))
    expect(drift).toMatchObject({ kind: 'numeric', method: 'wasserstein', scoreKind: 'distance', threshold: 0.1, drifted: false })
    // stats.wasserstein_distance(sample(3, 5000), sample(5, 5000)) / np.std(sample(3, 5000)) = 0.02273147455799026
    close(drift.score, 0.02273147455799026, 0.005)
    expect(drift.severity).toBeLessThan(0.5)
    expect(drift.direction).toMatch(/^mean -0\.00908 → -?0\.0\d+ \([+-]0\.0\d σ\)$/)
  })

  it('flags a mean shift of 0.5 σ and says so in the direction', () => {
    const drift = compareOne(sample(3, 5_000), sample(4, 5_000, 0.5))
    expect(drift).toMatchObject({ method: 'wasserstein', drifted: true })
    // stats.wasserstein_distance(b, c) / np.std(b) = 0.5065958499675371
    close(drift.score, 0.5065958499675371, 0.01)
    close(drift.severity, drift.score / 0.1, 1e-12)
    // (np.mean(c) - np.mean(b)) / np.std(b, ddof=1) = 0.5065451878493078
    expect(drift.direction).toBe('mean -0.00908 → 0.49 (+0.51 σ)')
    close(drift.baseline.mean!, -0.009076159083843231, 1e-12)
    close(drift.baseline.std!, 0.9858671360020435, 1e-12)
    expect(drift.baseline).toMatchObject({ rows: 5_000, nulls: 0, values: 5_000 })
  })

  it('uses ks below 1,001 reference values, close to scipy ks_2samp on the same data', () => {
    const baseline = sample(1, 500)
    // stats.ks_2samp(sample(1, 500), sample(2, 400, 0.1)): statistic 0.0955, pvalue 0.0325655210101371
    const shifted = compareOne(baseline, sample(2, 400, 0.1))
    expect(shifted).toMatchObject({ method: 'ks', scoreKind: 'p_value', threshold: 0.05, drifted: true })
    // The sketches summarise 500 values with rank error well under 1%, hence the slack.
    close(shifted.score, 0.0325655210101371, 0.01)
    expect(shifted.severity).toBeGreaterThan(1)
    // stats.ks_2samp(sample(1, 500), sample(2, 400)).pvalue = 0.5551802722951961
    const same = compareOne(baseline, sample(2, 400))
    expect(same.drifted).toBe(false)
    close(same.score, 0.5551802722951961, 0.05)
    expect(same.severity).toBeLessThan(1)
  })

  it('compares a numeric column with ≤ 5 distinct values by its value counts (chisquare)', () => {
    const values = (counts: number[]) => counts.flatMap((count, value) => Array<number>(count).fill(value))
    const drift = compareOne(values([50, 60, 40]), values([30, 40, 80]))
    expect(drift).toMatchObject({ kind: 'numeric', method: 'chisquare', drifted: true, direction: 'value 2 26.7% → 53.3%' })
    // stats.chisquare([30, 40, 80], [50, 60, 40]).pvalue
    close(drift.score / 1.3467412461759465e-12, 1, 1e-6)
    close(drift.severity, Math.log(drift.score) / Math.log(0.05), 1e-9)
    const added = compareOne(values([50, 60, 40]), values([50, 60, 30, 10]))
    expect(added).toMatchObject({ drifted: true, score: 0, severity: MAX_SEVERITY, direction: 'new value 3 6.7%' })
  })

  it('compares continuous numbers with a categorical method on the baseline deciles', () => {
    const same = compareOne(sample(1, 3_000), sample(2, 3_000), { method: 'jensenshannon' })
    expect(same).toMatchObject({ kind: 'numeric', method: 'jensenshannon', drifted: false })
    expect(same.score).toBeLessThan(0.05)
    // Values past the baseline's extremes land in the open outer bins, so chi-square stays finite.
    const wider = compareOne(sample(1, 3_000), sample(2, 3_000).map((x) => x * 1.05), { method: 'chisquare' })
    expect(wider.score).toBeGreaterThan(0)
    const shifted = compareOne(sample(1, 3_000), sample(2, 3_000, 1), { method: 'jensenshannon' })
    expect(shifted).toMatchObject({ drifted: true })
    expect(shifted.direction).toMatch(/\(\+(0\.9[5-9]|1\.0[0-5]) σ\)$/)
  })

  it('computes psi on the baseline deciles, outer bins open-ended (hand computation)', () => {
    // Below 200 values the sketch is exact. Baseline 0..99: edges 0, 9, 19, …, 89, 99, so
    // bins hold 9, 10 × 8, 11 (the last is closed). Current 5..104: 4 in the first bin,
    // 10 in each middle bin, 11 + the 5 values above 99 in the last.
    const drift = compareOne(Array.from({ length: 100 }, (_, i) => i), Array.from({ length: 100 }, (_, i) => i + 5), { method: 'psi' })
    const expected = (0.04 - 0.09) * Math.log(0.04 / 0.09) + (0.16 - 0.11) * Math.log(0.16 / 0.11)
    expect(drift).toMatchObject({ method: 'psi', scoreKind: 'distance', threshold: 0.1, drifted: false })
    close(drift.score, expected, 1e-12)
    expect(drift.direction).toBe('mean 49.5 → 54.5 (+0.17 σ)')
  })
})

describe('compareProfiles: categorical columns', () => {
  const baselineSpecies = repeat({ Adelie: 152, Gentoo: 124, Chinstrap: 68 })

  it('uses chisquare below 1,001 reference values, as scipy.stats.chisquare, nulls left out', () => {
    const current = [...repeat({ Adelie: 120, Gentoo: 150, Chinstrap: 70 }), null, null, '']
    const drift = compareOne(baselineSpecies, current)
    expect(drift).toMatchObject({ kind: 'categorical', method: 'chisquare', drifted: true, direction: '"Adelie" 44.2% → 35.3%' })
    // stats.chisquare([120, 150, 70], np.array([152, 124, 68]) * 340 / 344).pvalue
    close(drift.score, 0.002086739097007935, 1e-12)
    expect(drift.current).toMatchObject({ rows: 343, nulls: 3, values: 340, distinct: 3, top: { value: 'Gentoo', share: 150 / 340 } })
    expect(drift.baseline.mean).toBeUndefined()
  })

  it('uses jensenshannon above 1,000 reference values, as scipy.spatial.distance.jensenshannon', () => {
    const baseline = repeat({ Adelie: 1520, Gentoo: 1240, Chinstrap: 680 })
    // jensenshannon([1520, 1240, 680], [1500, 1250, 690]) = 0.00422483485592532
    const same = compareOne(baseline, repeat({ Adelie: 1500, Gentoo: 1250, Chinstrap: 690 }))
    expect(same).toMatchObject({ method: 'jensenshannon', drifted: false })
    close(same.score, 0.00422483485592532, 1e-12)
    // jensenshannon([1520, 1240, 680], [900, 1700, 700]) = 0.1307613950785926
    const shifted = compareOne(baseline, repeat({ Adelie: 900, Gentoo: 1700, Chinstrap: 700 }))
    expect(shifted).toMatchObject({ drifted: true, direction: '"Adelie" 44.2% → 27.3%' })
    close(shifted.score, 0.1307613950785926, 1e-12)
    // jensenshannon([1520, 1240, 680, 0], [1450, 1240, 650, 200]) = 0.14160536506328528
    const added = compareOne(baseline, repeat({ Adelie: 1450, Gentoo: 1240, Chinstrap: 650, Ross: 200 }))
    expect(added).toMatchObject({ drifted: true, direction: 'new value "Ross" 5.6%' })
    close(added.score, 0.14160536506328528, 1e-12)
  })

  it('computes psi on category shares (hand computation), and names a vanished value', () => {
    const drift = compareOne(repeat({ a: 50, b: 30, c: 20 }), repeat({ a: 50, b: 50 }), { method: 'psi' })
    const expected = (0.5 - 0.3) * Math.log(0.5 / 0.3) + (1e-4 - 0.2) * Math.log(1e-4 / 0.2)
    close(drift.score, expected, 1e-12)
    expect(drift).toMatchObject({ drifted: true, direction: '"b" 30.0% → 50.0%' })
    expect(compareOne(repeat({ a: 50, b: 30, c: 20 }), repeat({ a: 50, b: 35 })).direction).toBe('"c" gone (20.0% → 0%)')
  })

  it('treats booleans and dates as categories and counts stray numbers in one bucket', () => {
    const drift = compareOne(repeat({ true: 50, false: 50 }), [...repeat({ TRUE: 40, false: 40 }), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    expect(drift).toMatchObject({ kind: 'categorical', method: 'chisquare', drifted: true, score: 0, direction: 'numbers 0.0% → 20.0%' })
    expect(compareOne(['2024-01-01', '2024-01-02'], ['2024-01-01', '2024-01-02']).kind).toBe('categorical')
  })
})

describe('compareProfiles: columns, settings and the verdict', () => {
  it('lists missing and new columns; a compared column that vanished counts as drifted', () => {
    const baseline = table({ a: sample(1, 50), gone: sample(2, 50), c: repeat({ x: 25, y: 25 }) })
    const current = table({ a: sample(3, 60), c: repeat({ x: 30, y: 30 }), added: sample(4, 60) })
    const byDefault = compareProfiles(baseline, current)
    expect(byDefault).toMatchObject({ missingColumns: ['gone'], newColumns: ['added'], totalColumns: 2, driftedColumns: 0, drifted: false })
    const listed = compareProfiles(baseline, current, { columns: ['a', 'gone', 'c', 'added'] })
    expect(listed).toMatchObject({ totalColumns: 4, driftedColumns: 1, share: 0.25, drifted: false })
    expect(listed.columns[0]).toMatchObject({ column: 'gone', kind: 'numeric', method: 'ks', drifted: true, skipped: 'missing from the current data', score: 0, severity: MAX_SEVERITY })
    expect(listed.columns[0]!.current).toEqual({ rows: 60, nulls: 60, values: 0, distinct: 0 })
    expect(one(listed, 'added')).toMatchObject({ drifted: false, skipped: 'not in the baseline' })
    expect(() => compareProfiles(baseline, current, { columns: ['nowhere'] })).toThrow('drift column "nowhere" is in neither profile')
  })

  it('reports a type change as drift and a column without values as skipped', () => {
    const baseline = table({ id: ['1', '2', '3', '4'], empty: [null, null, null, null], late: ['a', 'b', null, null] })
    const current = table({ id: ['a1', 'b2', 'c3', '4'], empty: ['x', 'y', 'x', 'y'], late: [null, null, null, null] })
    const report = compareProfiles(baseline, current)
    expect(report.columns[0]).toMatchObject({ column: 'id', drifted: true, skipped: 'type changed from integer to string', scoreKind: 'p_value', score: 0 })
    expect(one(report, 'empty')).toMatchObject({ drifted: false, skipped: 'no values in the baseline', score: 1, severity: 0 })
    expect(one(report, 'late')).toMatchObject({ drifted: false, skipped: 'no values in the current data' })
    expect(report).toMatchObject({ driftedColumns: 1, totalColumns: 3 })
  })

  it('applies per-column methods and thresholds over the defaults; a threshold stays with its method', () => {
    const baseline = table({ n: sample(1, 300), m: sample(2, 300), s: repeat({ x: 150, y: 150 }) })
    const current = table({ n: sample(3, 300, 0.3), m: sample(4, 300, 0.3), s: repeat({ x: 130, y: 170 }) })
    const settings: DriftSettings = {
      method: 'psi',
      threshold: 0.2,
      perColumn: new Map([
        ['n', { method: 'wasserstein' }],
        ['m', { threshold: 0.01 }],
      ]),
    }
    const report = compareProfiles(baseline, current, settings)
    expect(one(report, 'n')).toMatchObject({ method: 'wasserstein', threshold: 0.1, drifted: true })
    expect(one(report, 'm')).toMatchObject({ method: 'psi', threshold: 0.01, drifted: true })
    expect(one(report, 's')).toMatchObject({ method: 'psi', threshold: 0.2, drifted: false })
    const thresholdOnly = compareProfiles(baseline, current, { perColumn: new Map([['s', { threshold: 0.001 }]]) })
    expect(one(thresholdOnly, 's')).toMatchObject({ method: 'chisquare', threshold: 0.001, drifted: false })
    expect(one(compareProfiles(baseline, current), 's')).toMatchObject({ method: 'chisquare', threshold: 0.05, drifted: true })
  })

  it('rejects a numeric method on a categorical column, a bad threshold, and a default threshold without a method', () => {
    const baseline = table({ species: repeat({ a: 5, b: 5 }) })
    const perColumn = (method: 'ks' | 'chisquare', threshold?: number) => ({ perColumn: new Map([['species', { method, ...(threshold === undefined ? {} : { threshold }) }]]) })
    expect(() => compareProfiles(baseline, baseline, perColumn('ks'))).toThrow('column "species": drift method ks compares numbers, but the baseline values are mostly string: use jensenshannon, chisquare or psi')
    expect(() => compareProfiles(baseline, baseline, perColumn('chisquare', 5))).toThrow(/column "species": threshold for chisquare must be in \(0, 1\]/)
    expect(() => compareProfiles(baseline, baseline, { threshold: 0.2 })).toThrow(/needs a default method/)
  })

  it('orders drifted columns first, worst first, then by name, and applies the share threshold', () => {
    const sizes = { a: 0, b: 0.3, c: 1, d: 0 }
    const baseline = table(Object.fromEntries(Object.keys(sizes).map((name, i) => [name, sample(10 + i, 2_000)])))
    const current = table(Object.fromEntries(Object.entries(sizes).map(([name, shift], i) => [name, sample(20 + i, 2_000, shift)])))
    const report = compareProfiles(baseline, current)
    expect(report.columns.map((c) => c.column)).toEqual(['c', 'b', ...report.columns.slice(2).sort((x, y) => y.severity - x.severity).map((c) => c.column)])
    expect(report).toMatchObject({ driftedColumns: 2, totalColumns: 4, share: 0.5, drifted: true, driftShare: 0.5 })
    expect(compareProfiles(baseline, current, { share: 0.6 }).drifted).toBe(false)
    expect(() => compareProfiles(baseline, current, { share: 2 })).toThrow(RangeError)
  })

  it('gives the same report from stored (JSON) profiles, and the report survives a JSON round trip', () => {
    const baseline = table({ n: sample(1, 3_000), s: repeat({ x: 1_000, y: 2_000 }), k: sample(2, 3_000).map((x) => Math.round(x)) })
    const current = table({ n: sample(3, 2_000, 0.2), s: repeat({ x: 900, y: 1_000, z: 100 }), k: sample(4, 2_000).map((x) => Math.round(x)) })
    const report = compareProfiles(baseline, current)
    const stored = (profile: TableProfile) => parseTableProfile(JSON.parse(JSON.stringify(tableProfileToJSON(profile))))
    expect(compareProfiles(stored(baseline), stored(current))).toEqual(report)
    expect(DriftReport.parse(JSON.parse(JSON.stringify(report)))).toEqual(report)
    expect(compareProfiles(table({}), table({}))).toEqual({ columns: [], share: 0, driftedColumns: 0, totalColumns: 0, drifted: false, driftShare: 0.5, missingColumns: [], newColumns: [] })
  })
})
