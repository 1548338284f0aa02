import type { ColumnSpec } from '../spec/schema.js'
import type { CheckResult, ColumnProfile } from './result.js'

// Every column gets a ColumnChecker that sees each cell once and keeps only
// counters, a few examples per check and two bounded sets, so memory does not
// grow with the file (beyond UNIQUE_CAP values for `unique: true`).
//
// Semantics, in short:
// - null (an empty cell) is only judged by `nullable`; every other check and
//   every percentage covers the non-null values
// - `values`, `min` and `max` skip values that already failed the `type` check,
//   so one bad cell is reported once; without a numeric type, a value that is
//   not a number fails `min`/`max`
// - `mostly` applies to type, values, min, max and pattern; nullable and
//   unique must hold for every row

/** Values remembered by `unique`; later new values are not remembered, so their repeats go unnoticed. */
export const UNIQUE_CAP = 1_000_000
/** Distinct values counted for the profile; past this `distinct` is left out (unknown). */
export const DISTINCT_CAP = 10_000
const MAX_EXAMPLES = 5
const LISTED_VALUES = 10

type ColumnType = NonNullable<ColumnSpec['type']>
type Example = CheckResult['examples'][number]

interface Tally {
  failed: number
  examples: Example[]
}

// `integer` means an integral literal: "3.0" and "1e3" are numbers, not integers.
const INTEGER = /^[+-]?\d+$/
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
// ISO 8601 / RFC 3339 calendar date, optionally with a time ('T' or ' ') and zone.
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/
const BOOLEANS = new Map([['true', true], ['yes', true], ['1', true], ['false', false], ['no', false], ['0', false]])

/** A finite decimal number ("1", "-2.5", ".5", "6.02e23"); no whitespace, hex, "NaN" or "Infinity". */
export function parseNumber(value: string): number | undefined {
  if (!NUMBER.test(value)) return undefined
  const number = Number(value)
  return Number.isFinite(number) ? number : undefined
}

export function parseBoolean(value: string): boolean | undefined {
  return BOOLEANS.get(value.toLowerCase())
}

export function isIsoDate(value: string): boolean {
  const match = DATE.exec(value)
  if (!match) return false
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, zoneHour = 0, zoneMinute = 0] = match
    .slice(1)
    .map((part) => Number(part ?? 0))
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay && hour <= 23 && minute <= 59 && second <= 59 && zoneHour <= 23 && zoneMinute <= 59
}

type CellTest = (value: string, number: number | undefined) => boolean

/** Strings and categories accept anything, so they get no type check. */
const TYPES: Record<ColumnType, { test?: CellTest; noun: string }> = {
  string: { noun: 'strings' },
  category: { noun: 'strings' },
  integer: { test: (value) => INTEGER.test(value), noun: 'integers' },
  number: { test: (_, number) => number !== undefined, noun: 'numbers' },
  boolean: { test: (value) => parseBoolean(value) !== undefined, noun: 'booleans (true/false/yes/no/1/0)' },
  date: { test: isIsoDate, noun: 'ISO 8601 dates' },
}

/** Failures `mostly` tolerates; toPrecision absorbs float noise such as 10 * (1 - 0.9) = 0.9999999999999998. */
export function allowedFailures(total: number, mostly: number): number {
  return Math.floor(Number((total * (1 - mostly)).toPrecision(12)))
}

export function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}

export function formatShare(part: number, total: number): string {
  const percent = total === 0 ? 0 : (100 * part) / total
  if (percent > 0 && percent < 0.1) return '<0.1%'
  if (percent < 100 && percent > 99.9) return '>99.9%'
  return `${percent.toFixed(1)}%`
}

/** Runs the declared checks of one column and profiles it, one cell at a time. */
export class ColumnChecker {
  readonly #column: string
  readonly #spec: ColumnSpec | undefined
  readonly #numeric: boolean
  readonly #typeTest: CellTest | undefined
  readonly #isAllowed: CellTest | undefined
  readonly #pattern: RegExp | undefined
  readonly #patternError: string | undefined
  readonly #seen: Set<string> | undefined
  #uniqueCapped = false
  readonly #tallies = new Map<CheckResult['check'], Tally>()
  #notNumbers = 0
  #count = 0
  #nulls = 0
  #numbers = 0
  #low = Infinity
  #high = -Infinity
  #mean = 0
  #allNumeric = true
  #distinct: Set<string> | undefined = new Set()

  /** Without a spec the column is only profiled. */
  constructor(column: string, spec?: ColumnSpec) {
    this.#column = column
    this.#spec = spec
    this.#numeric = spec?.type === 'integer' || spec?.type === 'number'
    if (!spec) return
    this.#typeTest = spec.type && TYPES[spec.type].test
    if (!spec.nullable) this.#tallies.set('nullable', newTally())
    if (this.#typeTest) this.#tallies.set('type', newTally())
    if (spec.values) {
      this.#isAllowed = allowedValues(spec.values, spec.type)
      this.#tallies.set('values', newTally())
    }
    if (spec.min !== undefined) this.#tallies.set('min', newTally())
    if (spec.max !== undefined) this.#tallies.set('max', newTally())
    if (spec.pattern !== undefined) {
      try {
        this.#pattern = new RegExp(spec.pattern)
        this.#tallies.set('pattern', newTally())
      } catch (error) {
        this.#patternError = error instanceof Error ? error.message : String(error)
      }
    }
    if (spec.unique) {
      this.#seen = new Set()
      this.#tallies.set('unique', newTally())
    }
  }

  /** Feeds one cell; `null` is an empty cell. */
  add(value: string | null, line: number): void {
    const tallies = this.#tallies
    if (value === null) {
      this.#nulls++
      fail(tallies.get('nullable'), line, '')
      return
    }
    this.#count++
    const spec = this.#spec
    const bounded = spec?.min !== undefined || spec?.max !== undefined
    const wantsNumber = this.#numeric || bounded || (spec?.type === undefined && this.#allNumeric)
    const number = wantsNumber ? parseNumber(value) : undefined
    const typeOk = this.#typeTest ? this.#typeTest(value, number) : true
    if (!typeOk) {
      fail(tallies.get('type'), line, value)
    } else {
      if (this.#isAllowed && !this.#isAllowed(value, number)) fail(tallies.get('values'), line, value)
      if (bounded && number === undefined) {
        this.#notNumbers++
        fail(tallies.get('min'), line, value)
        fail(tallies.get('max'), line, value)
      } else if (bounded && number !== undefined) {
        if (spec?.min !== undefined && number < spec.min) fail(tallies.get('min'), line, value)
        if (spec?.max !== undefined && number > spec.max) fail(tallies.get('max'), line, value)
      }
    }
    if (this.#pattern && !this.#pattern.test(value)) fail(tallies.get('pattern'), line, value)
    if (this.#seen) this.#checkUnique(this.#seen, value, line)
    this.#profile(value, number)
  }

  #checkUnique(seen: Set<string>, value: string, line: number): void {
    if (seen.has(value)) fail(this.#tallies.get('unique'), line, value)
    else if (seen.size < UNIQUE_CAP) seen.add(value)
    else this.#uniqueCapped = true
  }

  #profile(value: string, number: number | undefined): void {
    if (this.#distinct) {
      this.#distinct.add(value)
      if (this.#distinct.size > DISTINCT_CAP) this.#distinct = undefined
    }
    if (number !== undefined) {
      this.#numbers++
      if (number < this.#low) this.#low = number
      if (number > this.#high) this.#high = number
      this.#mean += (number - this.#mean) / this.#numbers
    } else if (this.#spec?.type === undefined) {
      this.#allNumeric = false
    }
  }

  /** Results of the declared checks, once every row has been added. */
  results(): CheckResult[] {
    const spec = this.#spec
    if (!spec) return []
    const results: CheckResult[] = []
    const push = (check: CheckResult['check'], build: (tally: Tally) => CheckResult): void => {
      const tally = this.#tallies.get(check)
      if (tally) results.push(build(tally))
    }
    push('nullable', (tally) => this.#nullableResult(tally))
    const typeNoun = spec.type && TYPES[spec.type].noun
    push('type', (tally) => this.#valueResult('type', tally, `are ${typeNoun}`, `are not ${typeNoun}`))
    const list = listValues(spec.values ?? [])
    push('values', (tally) => this.#valueResult('values', tally, `are in ${list}`, `are not in ${list}`))
    const orNotNumbers = this.#notNumbers > 0 ? ` or not numbers` : ''
    push('min', (tally) => this.#valueResult('min', tally, `are at least ${spec.min}`, `are below ${spec.min}${orNotNumbers}`))
    push('max', (tally) => this.#valueResult('max', tally, `are at most ${spec.max}`, `are above ${spec.max}${orNotNumbers}`))
    const pattern = `/${spec.pattern}/`
    if (this.#patternError !== undefined) {
      const message = `${this.#column}: invalid pattern ${pattern}: ${this.#patternError}`
      results.push({ check: 'pattern', column: this.#column, passed: false, failed: 0, total: 0, message, examples: [] })
    }
    push('pattern', (tally) => this.#valueResult('pattern', tally, `match ${pattern}`, `do not match ${pattern}`))
    push('unique', (tally) => this.#uniqueResult(tally))
    return results
  }

  profile(): ColumnProfile {
    const profile: ColumnProfile = { count: this.#count, nulls: this.#nulls }
    const numeric = this.#numeric || (this.#spec?.type === undefined && this.#allNumeric)
    if (numeric && this.#numbers > 0) {
      profile.min = this.#low
      profile.max = this.#high
      profile.mean = this.#mean
    }
    if (this.#distinct) profile.distinct = this.#distinct.size
    return profile
  }

  #nullableResult(tally: Tally): CheckResult {
    const rows = this.#count + this.#nulls
    const message =
      tally.failed === 0
        ? `${this.#column}: no empty cells in ${formatCount(rows)} rows`
        : `${this.#column}: ${formatCount(tally.failed)} of ${formatCount(rows)} rows (${formatShare(tally.failed, rows)}) are empty`
    return this.#result('nullable', tally, tally.failed === 0, rows, message)
  }

  #valueResult(check: CheckResult['check'], tally: Tally, passing: string, failing: string): CheckResult {
    const total = this.#count
    const mostly = this.#spec?.mostly ?? 1
    const allowed = allowedFailures(total, mostly)
    const tolerance = mostly < 1 ? `; mostly ${mostly} allows ${formatCount(allowed)}` : ''
    const message =
      total === 0
        ? `${this.#column}: no values to check`
        : tally.failed === 0
          ? `${this.#column}: all ${formatCount(total)} values ${passing}`
          : `${this.#column}: ${formatCount(tally.failed)} of ${formatCount(total)} values (${formatShare(tally.failed, total)}) ${failing}${tolerance}`
    return this.#result(check, tally, tally.failed <= allowed, total, message)
  }

  #uniqueResult(tally: Tally): CheckResult {
    const total = formatCount(this.#count)
    const caveat = this.#uniqueCapped
      ? ` (only the first ${formatCount(UNIQUE_CAP)} distinct values were remembered; later repeats may be missed)`
      : ''
    const message =
      tally.failed === 0
        ? `${this.#column}: all ${total} values are unique${caveat}`
        : `${this.#column}: ${formatCount(tally.failed)} of ${total} values (${formatShare(tally.failed, this.#count)}) repeat an earlier value${caveat}`
    return this.#result('unique', tally, tally.failed === 0, this.#count, message)
  }

  #result(check: CheckResult['check'], tally: Tally, passed: boolean, total: number, message: string): CheckResult {
    return { check, column: this.#column, passed, failed: tally.failed, total, message, examples: tally.examples }
  }
}

/** Numbers compare numerically in numeric columns and booleans by meaning; everything else as text. */
function allowedValues(values: ReadonlyArray<string | number | boolean>, type: ColumnType | undefined): CellTest {
  if (type === 'integer' || type === 'number') {
    const allowed = new Set(values.map((v) => (typeof v === 'number' ? v : parseNumber(String(v)))))
    allowed.delete(undefined)
    return (_, number) => allowed.has(number)
  }
  if (type === 'boolean') {
    const allowed = new Set(values.map((v) => (typeof v === 'boolean' ? v : parseBoolean(String(v)))))
    allowed.delete(undefined)
    return (value) => allowed.has(parseBoolean(value))
  }
  const allowed = new Set(values.map(String))
  return (value) => allowed.has(value)
}

function listValues(values: ReadonlyArray<string | number | boolean>): string {
  const shown = values.slice(0, LISTED_VALUES).map(String).join(', ')
  return values.length > LISTED_VALUES ? `[${shown}, … ${values.length - LISTED_VALUES} more]` : `[${shown}]`
}

function newTally(): Tally {
  return { failed: 0, examples: [] }
}

function fail(tally: Tally | undefined, line: number, value: string): void {
  if (!tally) return
  tally.failed++
  if (tally.examples.length < MAX_EXAMPLES) tally.examples.push({ line, value })
}
