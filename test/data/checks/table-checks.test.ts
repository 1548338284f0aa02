import { describe, expect, it } from 'vitest'
import { aggregateChecks } from '../../../src/data/checks/aggregate-checks.js'
import { addDefects, defectResults, type DefectTallies } from '../../../src/data/checks/read-defects.js'
import { DuplicateRows, rowsCheck, strictCheck } from '../../../src/data/checks/table-checks.js'
import { addValue, createColumnProfile } from '../../../src/data/profile/column-profile.js'
import type { Cell } from '../../../src/data/read/batch.js'
import { ColumnSchema, type ColumnSpec } from '../../../src/spec/schema.js'

function profileOf(cells: Cell[]) {
  const profile = createColumnProfile()
  for (const cell of cells) addValue(profile, cell)
  return profile
}

function aggregate(spec: Partial<ColumnSpec>, cells: Cell[]) {
  return aggregateChecks('x', ColumnSchema.parse(spec), profileOf(cells))
}

describe('aggregate expectations', () => {
  it('bounds the mean and the sample standard deviation, reporting the observed value', () => {
    // mean 2.5, sample std sqrt(5/3) = 1.2909…
    const [mean, stddev] = aggregate({ mean: { min: 2, max: 3 }, stddev: { max: 1 } }, [1, 2, 3, 4])
    expect(mean).toMatchObject({ check: 'mean', passed: true, observed: 2.5, expected: { min: 2, max: 3 }, message: 'x: mean is 2.5, expected between 2 and 3' })
    expect(stddev).toMatchObject({ check: 'stddev', passed: false, failed: 1, total: 1, fraction: 1, message: 'x: standard deviation is 1.29099; expected at most 1' })
    expect(stddev!.observed).toBeCloseTo(Math.sqrt(5 / 3), 12)
  })

  it('bounds quantiles read from the sketch, one result per quantile', () => {
    const cells = Array.from({ length: 1001 }, (_, i) => i)
    const results = aggregate({ quantiles: { '0.5': { min: 490, max: 510 }, '0.9': { max: 850 } } }, cells)
    expect(results.map((r) => [r.check, r.passed])).toEqual([['quantile', true], ['quantile', false]])
    expect(results[1]!.message).toMatch(/^x: quantile 0\.9 is 9\d\d; expected at most 850$/)
  })

  it('bounds the share of empty cells', () => {
    const [nulls] = aggregate({ null_fraction: { max: 0.2 } }, [1, null, '', 4])
    expect(nulls).toMatchObject({ check: 'null_fraction', passed: false, observed: 0.5, message: 'x: 50.0% of rows are empty; expected at most 20%' })
  })

  it('fails a numeric expectation on a column without numbers instead of passing it vacuously', () => {
    const [mean] = aggregate({ mean: { min: 0 } }, ['a', null])
    expect(mean).toMatchObject({ passed: false, message: 'x: no numbers to compute the mean of' })
  })
})

describe('table checks', () => {
  it('bounds the row count', () => {
    expect(rowsCheck(5, { min: 10 })).toMatchObject({ passed: false, observed: 5, message: '5 rows; expected at least 10' })
    expect(rowsCheck(1, { min: 1, max: 3 })).toMatchObject({ passed: true, message: '1 row, expected between 1 and 3' })
  })

  it('lists undeclared columns when strict, safe for any column name', () => {
    expect(strictCheck(['a', '__proto__', 'constructor'], new Set(['a']))).toMatchObject({
      passed: false,
      failed: 2,
      total: 3,
      message: '2 of 3 columns are not declared under columns: __proto__, constructor',
    })
  })

  it('finds rows identical in every column, naming the row each repeats, across shards too', () => {
    const whole = new DuplicateRows()
    const cells: Cell[][] = [
      ['a', 'b', 'a', 'a', 'a'],
      [1, 2, 1, '1', null],
    ]
    whole.addBatch(cells, 2, 5, [2, 3, 4, 5, 6])
    // 'a',1 repeats line 2; 'a','1' (text) and 'a',null differ from it.
    expect(whole.result()).toMatchObject({ check: 'duplicates', passed: false, failed: 1, total: 5, examples: [{ line: 4, value: 'a,1', detail: 'repeats line 2' }] })

    const first = new DuplicateRows()
    first.addBatch([['a', 'b'], [1, 2]], 2, 2, [2, 3])
    const second = new DuplicateRows()
    second.addBatch([['a', 'a', 'a'], [1, '1', null]], 2, 3, [4, 5, 6])
    first.merge(second.state)
    expect(first.result()).toMatchObject({ failed: 1, total: 5, examples: [{ line: 4, detail: 'repeats line 2' }] })
  })
})

describe('read defects', () => {
  it('makes one failed read check per kind, with counts over all records and located examples', () => {
    const tallies: DefectTallies = new Map()
    addDefects(tallies, [
      { kind: 'ragged', line: 7, message: 'line 7: expected 3 fields, found 4', example: '1,2,3,4' },
      { kind: 'encoding', line: 9, position: 4, column: 'name', message: 'line 9: invalid UTF-8 at position 4 (column name)', example: 'ab\uFFFD' },
      { kind: 'ragged', line: 12, message: 'line 12: expected 3 fields, found 2', example: '1,2' },
    ])
    const results = defectResults(tallies, 97)
    expect(results).toEqual([
      {
        check: 'read',
        passed: false,
        failed: 2,
        total: 99,
        fraction: 2 / 99,
        message: '2 rows have the wrong number of fields',
        examples: [
          { line: 7, value: '1,2,3,4', detail: 'line 7: expected 3 fields, found 4' },
          { line: 12, value: '1,2', detail: 'line 12: expected 3 fields, found 2' },
        ],
      },
      expect.objectContaining({ failed: 1, total: 98, examples: [{ line: 9, value: 'ab\uFFFD', column: 'name', position: 4, detail: 'line 9: invalid UTF-8 at position 4 (column name)' }] }),
    ])
  })
})
