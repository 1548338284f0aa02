import { describe, expect, it } from 'vitest'
import { allowedFailures, formatShare } from '../../../src/data/checks/check-text.js'
import { ColumnChecker } from '../../../src/data/checks/column-checker.js'
import type { Cell } from '../../../src/data/read/batch.js'
import type { CheckResult } from '../../../src/data/result.js'
import { ColumnSchema, type ColumnSpec } from '../../../src/spec/schema.js'

/** Feeds cells as if they were on lines 2, 3, … of a CSV; '' stands for an empty cell. */
function check(spec: Partial<ColumnSpec>, cells: Cell[], column = 'col'): ColumnChecker {
  const checker = new ColumnChecker(column, ColumnSchema.parse(spec))
  cells.forEach((cell, i) => checker.add(cell === '' ? null : cell, i + 2))
  return checker
}

function result(checker: ColumnChecker, name: CheckResult['check']): CheckResult {
  const found = checker.results().find((r) => r.check === name)
  if (!found) throw new Error(`no ${name} check`)
  return found
}

describe('value grammar', () => {
  const failures = (type: ColumnSpec['type'], cells: Cell[]) => result(check({ type }, cells), 'type').examples.map((e) => e.value)

  it('accepts finite decimal numbers only', () => {
    expect(failures('number', ['0', '-1', '+2.5', '.5', '5.', '1e3', '6.02E-23', 7, 2.5])).toEqual([])
    expect(failures('number', [' 1', '1 ', '0x1F', 'NaN', 'Infinity'])).toEqual([' 1', '1 ', '0x1F', 'NaN', 'Infinity'])
    expect(failures('number', ['1e999', '1,5', '1_000', '--1', 'e3'])).toEqual(['1e999', '1,5', '1_000', '--1', 'e3'])
  })

  it('reads booleans case-insensitively from true/false, yes/no and 1/0, and JSON booleans', () => {
    expect(failures('boolean', ['TRUE', 'yes', '1', 'False', 'NO', '0', true, false, 1, 0])).toEqual([])
    expect(failures('boolean', ['t', 'y', '2', 'constructor', 2])).toEqual(['t', 'y', '2', 'constructor', '2'])
  })

  it('tells ISO dates from datetimes, with real calendar days', () => {
    expect(failures('date', ['2024-02-29', '2024-01-31'])).toEqual([])
    expect(failures('date', ['2024-01-31T08:00', '2023-02-29', '2024-13-01', '2024-04-31', '2024-1-5'])).toEqual(['2024-01-31T08:00', '2023-02-29', '2024-13-01', '2024-04-31', '2024-1-5'])
    expect(failures('datetime', ['2024-01-31T23:59:59', '2024-01-31 08:00', '2024-01-31T08:00:00.123Z', '2024-01-31T08:00:00+05:30', '2024-01-31'])).toEqual([])
    expect(failures('datetime', ['31/01/2024', '2024-01-31T24:00', '20240131', '2024-01-31T'])).toEqual(['31/01/2024', '2024-01-31T24:00', '20240131', '2024-01-31T'])
  })

  it('judges JSON numbers like their text: 3 is an integer, 3.5 is not', () => {
    expect(failures('integer', [3, -2, 3.5, '4'])).toEqual(['3.5'])
  })
})

describe('ColumnChecker', () => {
  it('checks integers as integral literals: "3.0" is not an integer', () => {
    const r = result(check({ type: 'integer' }, ['1', '-2', '3.0', '+4', '1e3', 'x']), 'type')
    expect(r).toMatchObject({ passed: false, failed: 3, total: 6, message: 'col: 3 of 6 values (50.0%) are not integers' })
    expect(r.examples).toEqual([
      { line: 4, value: '3.0' },
      { line: 6, value: '1e3' },
      { line: 7, value: 'x' },
    ])
  })

  it('checks numbers, booleans and dates', () => {
    expect(result(check({ type: 'number' }, ['1.5', 'NaN', '2']), 'type')).toMatchObject({ failed: 1, examples: [{ line: 3, value: 'NaN' }] })
    expect(result(check({ type: 'boolean' }, ['yes', 'No', 'maybe']), 'type')).toMatchObject({ failed: 1, total: 3 })
    expect(result(check({ type: 'date' }, ['2024-01-01', '01/02/2024']), 'type')).toMatchObject({ failed: 1 })
  })

  it('has no type check for string and category columns', () => {
    expect(check({ type: 'category' }, ['a', '1']).results()).toEqual([])
    expect(check({ type: 'string' }, ['a']).results()).toEqual([])
  })

  it('checks the length of values as text, under mostly', () => {
    const r = result(check({ length: { min: 2, max: 3 } }, ['ab', 'abc', 'a', 'abcd', 12]), 'length')
    expect(r).toMatchObject({ passed: false, failed: 2, total: 5, fraction: 0.4, message: 'col: 2 of 5 values (40.0%) are not 2–3 characters long' })
    expect(r.examples).toEqual([
      { line: 4, value: 'a' },
      { line: 5, value: 'abcd' },
    ])
    expect(result(check({ length: { max: 3 }, mostly: 0.5 }, ['abcd', 'a']), 'length').passed).toBe(true)
  })

  it('merges the checkers of two shards into the checker of the whole, repeats across shards included', () => {
    const whole = check({ unique: true, type: 'integer' }, ['1', '2', 'x', '3', '2', 'y', '1'])
    const first = check({ unique: true, type: 'integer' }, ['1', '2', 'x'])
    const second = new ColumnChecker('col', ColumnSchema.parse({ unique: true, type: 'integer' }))
    ;['3', '2', 'y', '1'].forEach((cell, i) => second.add(cell, i + 5))
    first.merge(second.state)
    expect(first.results()).toEqual(whole.results().map((r) => (r.check === 'unique' ? { ...r, examples: [] } : r)))
  })

  it('keeps at most five examples but counts every failure', () => {
    const r = result(check({ type: 'integer' }, Array.from({ length: 9 }, () => 'x')), 'type')
    expect(r.failed).toBe(9)
    expect(r.examples.map((e) => e.line)).toEqual([2, 3, 4, 5, 6])
  })

  it('judges empty cells only by nullable, against all rows', () => {
    const checker = check({ type: 'integer', nullable: false }, ['1', '', '2', ''])
    expect(result(checker, 'nullable')).toMatchObject({
      passed: false,
      failed: 2,
      total: 4,
      message: 'col: 2 of 4 rows (50.0%) are empty',
      examples: [
        { line: 3, value: '' },
        { line: 5, value: '' },
      ],
    })
    expect(result(checker, 'type')).toMatchObject({ passed: true, failed: 0, total: 2, message: 'col: all 2 values are integers' })
  })

  it('adds no nullable check when nulls are allowed (the default)', () => {
    expect(check({}, ['', '']).results()).toEqual([])
  })

  it('compares values as text', () => {
    const r = result(check({ values: ['Adelie', 'Gentoo', 1] }, ['Adelie', 'adelie', '1', '1.0']), 'values')
    expect(r).toMatchObject({ passed: false, failed: 2, total: 4, message: 'col: 2 of 4 values (50.0%) are not in [Adelie, Gentoo, 1]' })
    expect(r.examples).toEqual([
      { line: 3, value: 'adelie' },
      { line: 5, value: '1.0' },
    ])
  })

  it('compares values numerically in numeric columns and by meaning in boolean ones', () => {
    expect(result(check({ type: 'number', values: [1, '2.5'] }, ['1.0', '2.50', '3']), 'values')).toMatchObject({ failed: 1, examples: [{ line: 4, value: '3' }] })
    expect(result(check({ type: 'boolean', values: [true] }, ['yes', 'TRUE', '1', 'no']), 'values')).toMatchObject({ failed: 1, examples: [{ line: 5, value: 'no' }] })
  })

  it('shortens long lists of allowed values in messages', () => {
    const values = Array.from({ length: 12 }, (_, i) => `v${i}`)
    expect(result(check({ values }, ['x']), 'values').message).toBe('col: 1 of 1 values (100.0%) are not in [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, … 2 more]')
  })

  it('checks min and max inclusively, as separate checks', () => {
    const checker = check({ type: 'number', min: 0, max: 10 }, ['0', '10', '-0.5', '11', '12', '5'])
    expect(result(checker, 'min')).toMatchObject({ passed: false, failed: 1, total: 6, message: 'col: 1 of 6 values (16.7%) are below 0', examples: [{ line: 4, value: '-0.5' }] })
    expect(result(checker, 'max')).toMatchObject({ passed: false, failed: 2, total: 6, message: 'col: 2 of 6 values (33.3%) are above 10' })
  })

  it('does not report a value that failed the type check again under values, min or max', () => {
    const checker = check({ type: 'integer', values: [1, 2], min: 0, max: 5 }, ['1', 'x', '2.5', '9'])
    expect(result(checker, 'type').failed).toBe(2)
    expect(result(checker, 'values')).toMatchObject({ failed: 1, examples: [{ line: 5, value: '9' }] })
    expect(result(checker, 'min').failed).toBe(0)
    expect(result(checker, 'max')).toMatchObject({ failed: 1, examples: [{ line: 5, value: '9' }] })
  })

  it('fails non-numbers under min and max when the column has no numeric type', () => {
    const checker = check({ min: 0 }, ['1', 'abc', '-1'])
    expect(result(checker, 'min')).toMatchObject({ failed: 2, message: 'col: 2 of 3 values (66.7%) are below 0 or not numbers' })
  })

  it('matches patterns anywhere in the value unless anchored', () => {
    expect(result(check({ pattern: '[0-9]' }, ['a1', 'b', 'c']), 'pattern')).toMatchObject({ failed: 2, message: 'col: 2 of 3 values (66.7%) do not match /[0-9]/' })
    expect(result(check({ pattern: '^[A-Z]{3}$' }, ['ABC', 'ABCD']), 'pattern')).toMatchObject({ failed: 1, examples: [{ line: 3, value: 'ABCD' }] })
  })

  it('reports an invalid pattern as a failed check instead of throwing', () => {
    const r = result(check({ pattern: '[a-' }, ['x']), 'pattern')
    expect(r.passed).toBe(false)
    expect(r.message).toMatch(/^col: invalid pattern \/\[a-\/: /)
  })

  it('counts repeats of earlier values for unique, ignoring nulls', () => {
    const r = result(check({ unique: true }, ['a', 'b', '', '', 'a', 'a', 'c']), 'unique')
    expect(r).toMatchObject({ passed: false, failed: 2, total: 5, message: 'col: 2 of 5 values (40.0%) repeat an earlier value' })
    expect(r.examples).toEqual([
      { line: 6, value: 'a' },
      { line: 7, value: 'a' },
    ])
    expect(result(check({ unique: true }, ['a', 'b', '']), 'unique')).toMatchObject({ passed: true, message: 'col: all 2 values are unique' })
  })

  it('says so when there is nothing to check', () => {
    expect(result(check({ type: 'integer' }, ['', '']), 'type')).toMatchObject({ passed: true, total: 0, message: 'col: no values to check' })
  })
})

describe('mostly', () => {
  const values = (bad: number, total: number): string[] => Array.from({ length: total }, (_, i) => (i < bad ? 'x' : '1'))

  it('passes when failed / non-null values ≤ 1 - mostly, and fails one value past it', () => {
    expect(result(check({ type: 'integer', mostly: 0.97 }, values(3, 100)), 'type')).toMatchObject({
      passed: true,
      failed: 3,
      message: 'col: 3 of 100 values (3.0%) are not integers; mostly 0.97 allows 3',
    })
    expect(result(check({ type: 'integer', mostly: 0.97 }, values(4, 100)), 'type')).toMatchObject({ passed: false, failed: 4 })
  })

  it('is not fooled by floating point at the boundary', () => {
    expect(allowedFailures(10, 0.9)).toBe(1)
    expect(allowedFailures(100, 0.71)).toBe(29)
    expect(allowedFailures(342, 0.99)).toBe(3)
    expect(allowedFailures(99, 0.99)).toBe(0)
    expect(allowedFailures(5, 1)).toBe(0)
    expect(result(check({ type: 'integer', mostly: 0.9 }, values(1, 10)), 'type').passed).toBe(true)
    expect(result(check({ type: 'integer', mostly: 0.9 }, values(2, 10)), 'type').passed).toBe(false)
  })

  it('counts only non-null values in the denominator', () => {
    const cells = [...values(1, 10), '', '', '']
    expect(result(check({ type: 'integer', mostly: 0.9 }, cells), 'type')).toMatchObject({ passed: true, total: 10 })
  })

  it('applies to values, min, max and pattern but not to nullable or unique', () => {
    const spec = { nullable: false, unique: true, values: ['1'], min: 1, max: 1, pattern: '^1$', mostly: 0.5 }
    const checker = check(spec, ['1', '1', '2', ''])
    const passed = Object.fromEntries(checker.results().map((r) => [r.check, r.passed]))
    expect(passed).toEqual({ nullable: false, values: true, min: true, max: true, pattern: true, unique: false })
  })

  it('produces the message the report shows', () => {
    const cells = [...Array.from({ length: 339 }, () => '4000'), '1500', '100', '8000']
    const checker = check({ type: 'integer', min: 2000, max: 7000, mostly: 0.99 }, cells, 'body_mass_g')
    expect(result(checker, 'min').message).toBe('body_mass_g: 2 of 342 values (0.6%) are below 2000; mostly 0.99 allows 3')
  })
})

describe('formatShare', () => {
  it('rounds to one decimal without claiming 0% or 100% for partial counts', () => {
    expect(formatShare(3, 342)).toBe('0.9%')
    expect(formatShare(1, 1_000_000)).toBe('<0.1%')
    expect(formatShare(999_999, 1_000_000)).toBe('>99.9%')
    expect(formatShare(0, 0)).toBe('0.0%')
  })
})
