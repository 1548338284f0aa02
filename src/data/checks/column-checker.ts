import type { ColumnSpec } from '../../spec/schema.js'
import { classifyValue, numericValue } from '../profile/column-profile.js'
import type { Cell } from '../read/batch.js'
import { ownString } from '../read/own-string.js'
import type { CheckName, CheckResult, ExampleRow } from '../result.js'
import { allowedFailures, formatCount, formatShare, listValues } from './check-text.js'
import { addExample, mergeTallies, newTally, type Tally, tallyResult } from './tally.js'

// The row-by-row checks of one declared column. It keeps counters, five
// examples per check and, for `unique`, a bounded set of values, so memory
// does not grow with the file. Checkers of shards of one file merge into the
// checker of the whole (parallel scans).
//
// Semantics:
// - null (an empty cell) is judged only by `nullable`; every other check and
//   every share covers the non-null values
// - `values`, `min`, `max` and `length` skip values that failed `type`, so one
//   bad cell is reported once; without a numeric type, a value that is not a
//   number fails `min`/`max`
// - `mostly` applies to type, values, min, max, length and pattern; nullable
//   and unique must hold for every row

/** Values remembered by `unique`; later new values are not remembered, so their repeats go unnoticed. */
export const UNIQUE_CAP = 1_000_000

type ColumnType = NonNullable<ColumnSpec['type']>
type CellTest = (raw: Exclude<Cell, null>) => boolean

const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', '1', '0'])

/** Typed cells (JSON, Parquet) and text (CSV) are judged alike: 3 and "3" are both integers. */
const TYPES: Record<ColumnType, { test?: CellTest; noun: string }> = {
  string: { noun: 'strings' },
  category: { noun: 'strings' },
  integer: { test: (raw) => classifyValue(raw) === 'integer', noun: 'integers' },
  number: { test: (raw) => numericValue(raw) !== undefined, noun: 'numbers' },
  boolean: { test: (raw) => typeof raw === 'boolean' || BOOLEAN_WORDS.has(String(raw).toLowerCase()), noun: 'booleans (true/false/yes/no/1/0)' },
  date: { test: (raw) => classifyValue(raw) === 'date', noun: 'ISO 8601 dates (YYYY-MM-DD)' },
  // A date alone is a datetime at midnight.
  datetime: { test: (raw) => isDateOrDatetime(classifyValue(raw)), noun: 'ISO 8601 datetimes' },
}

function isDateOrDatetime(type: string | null): boolean {
  return type === 'datetime' || type === 'date'
}

export interface ColumnCheckerState {
  column: string
  count: number
  nulls: number
  notNumbers: number
  tallies: Map<CheckName, Tally>
  seen?: Set<string>
  uniqueCapped: boolean
}

export class ColumnChecker {
  readonly #spec: ColumnSpec
  readonly #state: ColumnCheckerState
  readonly #typeTest: CellTest | undefined
  readonly #isAllowed: ((raw: Exclude<Cell, null>, number: number | undefined) => boolean) | undefined
  readonly #pattern: RegExp | undefined
  readonly #patternError: string | undefined
  readonly #numeric: boolean

  constructor(column: string, spec: ColumnSpec, state?: ColumnCheckerState) {
    this.#spec = spec
    this.#numeric = spec.type === 'integer' || spec.type === 'number'
    this.#typeTest = spec.type && TYPES[spec.type].test
    this.#isAllowed = spec.values && allowedValues(spec.values, spec.type)
    let pattern: RegExp | undefined
    try {
      pattern = spec.pattern === undefined ? undefined : new RegExp(spec.pattern)
    } catch (error) {
      this.#patternError = error instanceof Error ? error.message : String(error)
    }
    this.#pattern = pattern
    this.#state = state ?? {
      column,
      count: 0,
      nulls: 0,
      notNumbers: 0,
      tallies: new Map(this.#checks().map((check) => [check, newTally()])),
      ...(spec.unique ? { seen: new Set<string>() } : {}),
      uniqueCapped: false,
    }
  }

  /** The plain state, to send from a worker (structured clone keeps Maps and Sets). */
  get state(): ColumnCheckerState {
    return this.#state
  }

  #checks(): CheckName[] {
    const spec = this.#spec
    const checks: CheckName[] = []
    if (!spec.nullable) checks.push('nullable')
    if (this.#typeTest) checks.push('type')
    if (spec.values) checks.push('values')
    if (spec.min !== undefined) checks.push('min')
    if (spec.max !== undefined) checks.push('max')
    if (spec.length) checks.push('length')
    if (this.#pattern) checks.push('pattern')
    if (spec.unique) checks.push('unique')
    return checks
  }

  /** Checks cells[0..length) of this column; lines[r] is row r's line. */
  addCells(cells: ArrayLike<Cell | undefined> | undefined, length: number, lines: ArrayLike<number>): void {
    for (let r = 0; r < length; r++) this.add(cells?.[r] ?? null, lines[r]!)
  }

  /** Checks one cell; `null` is an empty cell. */
  add(raw: Cell, line: number): void {
    const state = this.#state
    const tallies = state.tallies
    if (raw === null || raw === '') {
      state.nulls++
      fail(tallies.get('nullable'), line, '')
      return
    }
    state.count++
    const spec = this.#spec
    const bounded = spec.min !== undefined || spec.max !== undefined
    const text = typeof raw === 'string' ? raw : String(raw)
    if (this.#typeTest && !this.#typeTest(raw)) {
      fail(tallies.get('type'), line, text)
    } else {
      const number = bounded || this.#numeric ? numericValue(raw) : undefined
      if (this.#isAllowed && !this.#isAllowed(raw, number)) fail(tallies.get('values'), line, text)
      if (bounded && number === undefined) {
        state.notNumbers++
        fail(tallies.get('min'), line, text)
        fail(tallies.get('max'), line, text)
      } else if (number !== undefined) {
        if (spec.min !== undefined && number < spec.min) fail(tallies.get('min'), line, text)
        if (spec.max !== undefined && number > spec.max) fail(tallies.get('max'), line, text)
      }
      const length = spec.length
      if (length && (text.length < (length.min ?? 0) || text.length > (length.max ?? Infinity))) fail(tallies.get('length'), line, text)
    }
    if (this.#pattern && !this.#pattern.test(text)) fail(tallies.get('pattern'), line, text)
    if (state.seen) this.#checkUnique(state, state.seen, text, line)
  }

  #checkUnique(state: ColumnCheckerState, seen: Set<string>, value: string, line: number): void {
    if (seen.has(value)) fail(state.tallies.get('unique'), line, value)
    else if (seen.size < UNIQUE_CAP) seen.add(ownString(value))
    else state.uniqueCapped = true
  }

  /**
   * Adds the checks of the rows after this checker's (a later shard of the
   * same file). A value of `later` that an earlier shard already had repeats it.
   */
  merge(later: ColumnCheckerState): void {
    const state = this.#state
    const crossRepeats = state.seen && later.seen ? [...later.seen].filter((value) => state.seen!.has(value)).length : 0
    state.count += later.count
    state.nulls += later.nulls
    state.notNumbers += later.notNumbers
    state.uniqueCapped ||= later.uniqueCapped
    mergeTallies(state.tallies, later.tallies)
    const unique = state.tallies.get('unique')
    if (unique) unique.failed += crossRepeats
    if (state.seen && later.seen) {
      for (const value of later.seen) {
        if (state.seen.size >= UNIQUE_CAP) {
          state.uniqueCapped = true
          break
        }
        state.seen.add(value)
      }
    }
  }

  /** Results of the declared checks, once every row has been added. */
  results(): CheckResult[] {
    const spec = this.#spec
    const { column, tallies } = this.#state
    const results: CheckResult[] = []
    const push = (check: CheckName, build: (tally: Tally) => CheckResult): void => {
      const tally = tallies.get(check)
      if (tally) results.push(build(tally))
    }
    push('nullable', (tally) => this.#nullableResult(tally))
    const typeNoun = spec.type && TYPES[spec.type].noun
    push('type', (tally) => this.#valueResult('type', tally, `are ${typeNoun}`, `are not ${typeNoun}`))
    const list = listValues(spec.values ?? [])
    push('values', (tally) => this.#valueResult('values', tally, `are in ${list}`, `are not in ${list}`))
    const orNotNumbers = this.#state.notNumbers > 0 ? ` or not numbers` : ''
    push('min', (tally) => this.#valueResult('min', tally, `are at least ${spec.min}`, `are below ${spec.min}${orNotNumbers}`))
    push('max', (tally) => this.#valueResult('max', tally, `are at most ${spec.max}`, `are above ${spec.max}${orNotNumbers}`))
    const length = describeLength(spec.length)
    push('length', (tally) => this.#valueResult('length', tally, `are ${length} long`, `are not ${length} long`))
    const pattern = `/${spec.pattern}/`
    if (this.#patternError !== undefined) {
      const message = `${column}: invalid pattern ${pattern}: ${this.#patternError}`
      results.push({ check: 'pattern', column, passed: false, failed: 0, total: 0, fraction: 0, message, examples: [] })
    }
    push('pattern', (tally) => this.#valueResult('pattern', tally, `match ${pattern}`, `do not match ${pattern}`))
    push('unique', (tally) => this.#uniqueResult(tally))
    return results
  }

  #nullableResult(tally: Tally): CheckResult {
    const { column, count, nulls } = this.#state
    const rows = count + nulls
    const message =
      tally.failed === 0
        ? `${column}: no empty cells in ${formatCount(rows)} rows`
        : `${column}: ${formatCount(tally.failed)} of ${formatCount(rows)} rows (${formatShare(tally.failed, rows)}) are empty`
    return tallyResult('nullable', column, tally, tally.failed === 0, rows, message)
  }

  #valueResult(check: CheckName, tally: Tally, passing: string, failing: string): CheckResult {
    const { column, count: total } = this.#state
    const mostly = this.#spec.mostly
    const allowed = allowedFailures(total, mostly)
    const tolerance = mostly < 1 ? `; mostly ${mostly} allows ${formatCount(allowed)}` : ''
    const message =
      total === 0
        ? `${column}: no values to check`
        : tally.failed === 0
          ? `${column}: all ${formatCount(total)} values ${passing}`
          : `${column}: ${formatCount(tally.failed)} of ${formatCount(total)} values (${formatShare(tally.failed, total)}) ${failing}${tolerance}`
    return tallyResult(check, column, tally, tally.failed <= allowed, total, message)
  }

  #uniqueResult(tally: Tally): CheckResult {
    const { column, count, uniqueCapped } = this.#state
    const caveat = uniqueCapped ? ` (only the first ${formatCount(UNIQUE_CAP)} distinct values were remembered; later repeats may be missed)` : ''
    const message =
      tally.failed === 0
        ? `${column}: all ${formatCount(count)} values are unique${caveat}`
        : `${column}: ${formatCount(tally.failed)} of ${formatCount(count)} values (${formatShare(tally.failed, count)}) repeat an earlier value${caveat}`
    return tallyResult('unique', column, tally, tally.failed === 0, count, message)
  }
}

function describeLength(length: ColumnSpec['length']): string {
  if (!length) return ''
  const { min, max } = length
  if (min !== undefined && max !== undefined) return min === max ? `${min} characters` : `${min}–${max} characters`
  return min !== undefined ? `at least ${min} characters` : `at most ${max} characters`
}

/** Numbers compare numerically in numeric columns and booleans by meaning; everything else as text. */
function allowedValues(values: ReadonlyArray<string | number | boolean>, type: ColumnType | undefined) {
  if (type === 'integer' || type === 'number') {
    const allowed = new Set(values.map((v) => numericValue(v)))
    allowed.delete(undefined)
    return (_: unknown, number: number | undefined) => number !== undefined && allowed.has(number)
  }
  if (type === 'boolean') {
    const allowed = new Set(values.map(toBoolean))
    allowed.delete(undefined)
    return (raw: Exclude<Cell, null>) => allowed.has(toBoolean(raw))
  }
  const allowed = new Set(values.map(String))
  return (raw: Exclude<Cell, null>) => allowed.has(String(raw))
}

function toBoolean(value: string | number | boolean): boolean | undefined {
  if (typeof value === 'boolean') return value
  const word = String(value).toLowerCase()
  if (word === 'true' || word === 'yes' || word === '1') return true
  if (word === 'false' || word === 'no' || word === '0') return false
  return undefined
}

function fail(tally: Tally | undefined, line: number, value: string): void {
  if (!tally) return
  tally.failed++
  addExample(tally, { line, value } satisfies ExampleRow)
}
