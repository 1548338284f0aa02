import { z } from 'zod'
import { HASH, hashString, HyperLogLog, HyperLogLogJson } from './hyperloglog.js'
import { KllSketch, KllSketchJson } from './kll.js'
import { Moments, MomentsJson } from './moments.js'
import { DEFAULT_TOP_CAPACITY, TopK, TopKJson } from './top-k.js'

// The mergeable profile of one column, built one cell at a time.
//
// What each part covers:
// - count: every cell; nulls: empty cells and null
// - types: each non-null cell is classified once (classifyValue)
// - numeric, quantiles: integer and number cells, as numbers
// - textLength, top: the other non-null cells (boolean, date, datetime,
//   string), as text; booleans as canonical "true"/"false"
// - distinct: every non-null cell; numbers by value ("1" and "1.0" are one
//   value), everything else by text
//
// mergeColumnProfiles is exactly the profile of the concatenated data for
// count, nulls, types, min/max, the HLL registers and top-k while exact; mean
// and M2 agree up to float rounding; the KLL sketch within its rank error.

export const VALUE_TYPES = ['integer', 'number', 'boolean', 'date', 'datetime', 'string'] as const
export const ValueType = z.enum(VALUE_TYPES)
export type ValueType = z.infer<typeof ValueType>

const tally = z.number().int().nonnegative()

export const TypeCounts = z.object({ integer: tally, number: tally, boolean: tally, date: tally, datetime: tally, string: tally })
export type TypeCounts = z.infer<typeof TypeCounts>

export const COLUMN_PROFILE_VERSION = 1

export const ColumnProfileJson = z
  .object({
    version: z.literal(COLUMN_PROFILE_VERSION),
    count: tally,
    nulls: tally,
    types: TypeCounts,
    numeric: MomentsJson,
    quantiles: KllSketchJson,
    textLength: MomentsJson,
    distinct: HyperLogLogJson,
    top: TopKJson,
  })
  .superRefine((profile, ctx) => {
    const { types } = profile
    const numeric = types.integer + types.number
    const text = types.boolean + types.date + types.datetime + types.string
    const expect = (actual: number, expected: number, path: string, what: string): void => {
      if (actual !== expected) ctx.addIssue({ code: 'custom', path: path.split('.'), message: `${what} is ${actual}, expected ${expected}` })
    }
    expect(profile.count, profile.nulls + numeric + text, 'count', 'count (nulls plus typed values)')
    expect(profile.numeric.count, numeric, 'numeric.count', 'numeric count (integer plus number values)')
    expect(profile.quantiles.n, numeric, 'quantiles.n', 'quantile sketch size')
    expect(profile.textLength.count, text, 'textLength.count', 'text length count (boolean, date, datetime and string values)')
    expect(profile.top.total, text, 'top.total', 'top-k total')
  })
export type ColumnProfileJson = z.infer<typeof ColumnProfileJson>

/** The live, mutable profile; its JSON form is ColumnProfileJson. */
export interface ColumnProfile {
  count: number
  nulls: number
  readonly types: TypeCounts
  readonly numeric: Moments
  readonly quantiles: KllSketch
  readonly textLength: Moments
  readonly distinct: HyperLogLog
  readonly top: TopK
}

export interface ColumnProfileOptions {
  /** KLL accuracy parameter (default 200). */
  k?: number
  /** HyperLogLog precision (default 14); profiles to be merged must agree. */
  precision?: number
  /** Distinct text values counted exactly before top-k turns approximate (default 10,000). */
  topCapacity?: number
}

export type RawValue = string | number | boolean | null

export function createColumnProfile(options: ColumnProfileOptions = {}): ColumnProfile {
  return {
    count: 0,
    nulls: 0,
    types: { integer: 0, number: 0, boolean: 0, date: 0, datetime: 0, string: 0 },
    numeric: new Moments(),
    quantiles: new KllSketch(options.k),
    textLength: new Moments(),
    distinct: new HyperLogLog(options.precision),
    top: new TopK(options.topCapacity ?? DEFAULT_TOP_CAPACITY),
  }
}

/**
 * Profiles one cell, or `count` cells of the same value. Strings are classified as: '' → null; integer literal
 * ("-12", "007"); other finite decimal ("1.5", ".5", "1e3"); true/false in any
 * case; ISO date YYYY-MM-DD; ISO datetime (date, 'T' or ' ', HH:MM[:SS[.f]],
 * optional Z or ±HH[:]MM); else string. Nothing is trimmed. Numbers are integer
 * when Number.isInteger; NaN and ±Infinity are taken as their text ("NaN" is a
 * string, as it would be in a CSV).
 */
export function addValue(profile: ColumnProfile, raw: RawValue, count = 1): void {
  profile.count += count
  const numericType = parseNumeric(raw)
  if (numericType !== NOT_NUMERIC) {
    const x = PARSED[0]!
    if (numericType === INTEGER) profile.types.integer += count
    else profile.types.number += count
    profile.numeric.update(x, count)
    profile.quantiles.update(x, count)
    profile.distinct.addNumber(x)
    return
  }
  const type = classifyText(raw)
  if (type === NULL) {
    profile.nulls += count
    return
  }
  // Named increments: a computed key here was a tenth of the profile's time.
  const types = profile.types
  if (type === STRING) types.string += count
  else if (type === DATE) types.date += count
  else if (type === DATETIME) types.datetime += count
  else types.boolean += count
  profile.textLength.update(classifiedText.length, count)
  // One hash pass serves both sketches.
  hashString(classifiedText)
  profile.distinct.addHash(HASH[0]!, HASH[1]!)
  profile.top.addHashed(classifiedText, HASH[0]!, count)
}

// Reused across calls: the counts of one dictionary at a time.
let dictionaryCounts = new Int32Array(0)

/** Profiles a dictionary-encoded column (indexes into `values`, -1 null): each distinct value once, with its count. */
export function addDictionary(profile: ColumnProfile, values: ArrayLike<RawValue>, indexes: ArrayLike<number>): void {
  const size = values.length
  if (dictionaryCounts.length < size) dictionaryCounts = new Int32Array(Math.max(size, 2 * dictionaryCounts.length))
  const counts = dictionaryCounts
  let nulls = 0
  for (let r = 0; r < indexes.length; r++) {
    const index = indexes[r]!
    if (index < 0) nulls++
    else counts[index]!++
  }
  if (nulls > 0) addValue(profile, null, nulls)
  for (let k = 0; k < size; k++) {
    const count = counts[k]!
    if (count === 0) continue
    counts[k] = 0
    addValue(profile, values[k] ?? null, count)
  }
}

/** The type addValue counts `raw` as; null for a null cell. */
export function classifyValue(raw: RawValue): ValueType | null {
  const numericType = parseNumeric(raw)
  if (numericType !== NOT_NUMERIC) return VALUE_TYPES[numericType]!
  const type = classifyText(raw)
  return type === NULL ? null : VALUE_TYPES[type]!
}

/** The number addValue counts `raw` as (integer or number type), else undefined. */
export function numericValue(raw: RawValue): number | undefined {
  return parseNumeric(raw) === NOT_NUMERIC ? undefined : PARSED[0]!
}

/** A new profile of the two inputs' data; neither input is changed. */
export function mergeColumnProfiles(a: ColumnProfile, b: ColumnProfile): ColumnProfile {
  const merged = cloneColumnProfile(a)
  merged.count += b.count
  merged.nulls += b.nulls
  for (const type of VALUE_TYPES) merged.types[type] += b.types[type]
  merged.numeric.merge(b.numeric)
  merged.quantiles.merge(b.quantiles)
  merged.textLength.merge(b.textLength)
  merged.distinct.merge(b.distinct)
  merged.top.merge(b.top)
  return merged
}

export function cloneColumnProfile(profile: ColumnProfile): ColumnProfile {
  return {
    count: profile.count,
    nulls: profile.nulls,
    types: { ...profile.types },
    numeric: profile.numeric.clone(),
    quantiles: profile.quantiles.clone(),
    textLength: profile.textLength.clone(),
    distinct: profile.distinct.clone(),
    top: profile.top.clone(),
  }
}

export function columnProfileToJSON(profile: ColumnProfile): ColumnProfileJson {
  return {
    version: COLUMN_PROFILE_VERSION,
    count: profile.count,
    nulls: profile.nulls,
    types: { ...profile.types },
    numeric: profile.numeric.toJSON(),
    quantiles: profile.quantiles.toJSON(),
    textLength: profile.textLength.toJSON(),
    distinct: profile.distinct.toJSON(),
    top: profile.top.toJSON(),
  }
}

/** Reads a profile from parsed JSON; throws a clear Error on a wrong version or an invalid shape. */
export function parseColumnProfile(json: unknown): ColumnProfile {
  checkVersion(json, 'column profile', COLUMN_PROFILE_VERSION)
  const result = ColumnProfileJson.safeParse(json)
  if (!result.success) throw new Error(`invalid column profile:\n${z.prettifyError(result.error)}`)
  const parsed = result.data
  return {
    count: parsed.count,
    nulls: parsed.nulls,
    types: { ...parsed.types },
    numeric: Moments.fromJSON(parsed.numeric),
    quantiles: KllSketch.fromJSON(parsed.quantiles),
    textLength: Moments.fromJSON(parsed.textLength),
    distinct: HyperLogLog.fromJSON(parsed.distinct),
    top: TopK.fromJSON(parsed.top),
  }
}

/** Checked before the schema so a future format gets "unsupported version", not a list of field errors. */
export function checkVersion(json: unknown, what: string, expected: number): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${what}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`)
  }
  const version: unknown = (json as { version?: unknown }).version
  if (version === undefined) throw new Error(`${what} has no version field; this build reads version ${expected}`)
  if (version !== expected) {
    throw new Error(`${what} version ${JSON.stringify(version)} is not supported; this build reads version ${expected}`)
  }
}

// --- classification, by char codes: no regex, no substrings ---

// Results come back as small-integer type codes, with the parsed number in
// PARSED and the counted text in classifiedText: a double returned from (or
// stored in a module variable by) a function that is not inlined is boxed as
// a heap number, one allocation per cell, while a Float64Array slot is not.
const NULL = -1
const NOT_NUMERIC = -1
const NOT_DATE = -1
// Indexes into VALUE_TYPES.
const INTEGER = 0, NUMBER = 1, BOOLEAN = 2, DATE = 3, DATETIME = 4, STRING = 5
const PARSED = new Float64Array(1)
/** The text classifyText counted: the raw string, or "true"/"false" for booleans. */
let classifiedText = ''

/** INTEGER or NUMBER with the value in PARSED[0] when `raw` is a finite number or decimal text, else NOT_NUMERIC. */
function parseNumeric(raw: RawValue): number {
  if (typeof raw === 'number') {
    if (raw - raw !== 0) return NOT_NUMERIC
    PARSED[0] = raw
    return Number.isInteger(raw) ? INTEGER : NUMBER
  }
  return typeof raw === 'string' ? parseDecimal(raw) : NOT_NUMERIC
}

/** The type of a value parseNumeric rejected; NaN and ±Infinity numbers are taken as their text ("NaN" is a string in a CSV too). */
function classifyText(raw: RawValue): number {
  if (raw === null || raw === '') return NULL
  if (typeof raw === 'boolean') {
    classifiedText = raw ? 'true' : 'false'
    return BOOLEAN
  }
  const text = typeof raw === 'number' ? String(raw) : raw
  const dateType = scanDate(text)
  if (dateType !== NOT_DATE) {
    classifiedText = text
    return dateType
  }
  if (isBooleanText(text)) {
    classifiedText = text.length === 4 ? 'true' : 'false'
    return BOOLEAN
  }
  classifiedText = text
  return STRING
}

const PLUS = 43, MINUS = 45, DOT = 46, ZERO = 48, NINE = 57, COLON = 58 // char codes
/** Powers of ten that doubles hold exactly. */
const POW10 = Float64Array.from({ length: 16 }, (_, i) => 10 ** i)

/**
 * Parses a decimal literal [+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? (no hex, "NaN" or
 * spaces) into PARSED[0] and returns INTEGER (no point or exponent) or NUMBER;
 * NOT_NUMERIC for anything else, including literals that overflow ("1e999").
 * Literals of at most 15 digits without exponent take Clinger's fast path: the
 * digits form an integer below 2^53 and 10^f is exact, so one division is
 * correctly rounded, the same double as Number(s) and several times faster.
 */
function parseDecimal(s: string): number {
  // Every read is bounds-checked (-1 past the end): charCodeAt out of range
  // returns NaN through a slow path that more than doubles the cost of a scan.
  const length = s.length
  let i = 0
  let c = length > 0 ? s.charCodeAt(0) : -1
  const negative = c === MINUS
  if (negative || c === PLUS) c = ++i < length ? s.charCodeAt(i) : -1
  let digitValue = 0
  const start = i
  while (c >= ZERO && c <= NINE) {
    digitValue = digitValue * 10 + (c - ZERO)
    c = ++i < length ? s.charCodeAt(i) : -1
  }
  const integerDigits = i - start
  if (i === length) {
    if (integerDigits === 0) return NOT_NUMERIC
    PARSED[0] = integerDigits > 15 ? Number(s) : negative ? -digitValue : digitValue
    return finite(INTEGER)
  }
  let fractionDigits = 0
  if (c === DOT) {
    c = ++i < length ? s.charCodeAt(i) : -1
    while (c >= ZERO && c <= NINE) {
      digitValue = digitValue * 10 + (c - ZERO)
      fractionDigits++
      c = ++i < length ? s.charCodeAt(i) : -1
    }
  }
  if (integerDigits + fractionDigits === 0) return NOT_NUMERIC
  if (i === length) {
    PARSED[0] = integerDigits + fractionDigits > 15 ? Number(s) : (negative ? -digitValue : digitValue) / POW10[fractionDigits]!
    return finite(NUMBER)
  }
  if (c !== 101 && c !== 69) return NOT_NUMERIC // e, E
  c = ++i < length ? s.charCodeAt(i) : -1
  if (c === PLUS || c === MINUS) c = ++i < length ? s.charCodeAt(i) : -1
  const exponentStart = i
  while (c >= ZERO && c <= NINE) c = ++i < length ? s.charCodeAt(i) : -1
  if (i !== length || i === exponentStart) return NOT_NUMERIC
  PARSED[0] = Number(s)
  return finite(NUMBER)
}

/** `type` if PARSED[0] is finite, else NOT_NUMERIC: overflowing literals stay text, like "Infinity". */
function finite(type: number): number {
  const x = PARSED[0]!
  return x - x === 0 ? type : NOT_NUMERIC
}

function digits(s: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i)
    if (c < ZERO || c > NINE) return -1
    value = value * 10 + (c - ZERO)
  }
  return value
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** DATE for YYYY-MM-DD, DATETIME for that plus a valid time (and zone), else NOT_DATE. */
function scanDate(s: string): number {
  if (s.length < 10 || s.charCodeAt(4) !== MINUS || s.charCodeAt(7) !== MINUS) return NOT_DATE
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 2)
  const day = digits(s, 8, 2)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NOT_DATE
  if (s.length === 10) return DATE
  const separator = s.charCodeAt(10)
  if (separator !== 84 && separator !== 32) return NOT_DATE // 'T' or ' '
  if (s.length < 16 || s.charCodeAt(13) !== COLON) return NOT_DATE
  const hour = digits(s, 11, 2)
  const minute = digits(s, 14, 2)
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NOT_DATE
  // From here every read is bounds-checked, as in parseDecimal.
  const length = s.length
  let i = 16
  if (i < length && s.charCodeAt(i) === COLON) {
    const second = i + 3 <= length ? digits(s, i + 1, 2) : -1
    if (second < 0 || second > 59) return NOT_DATE
    i += 3
    if (i < length && s.charCodeAt(i) === DOT) {
      const fractionStart = ++i
      while (i < length && s.charCodeAt(i) >= ZERO && s.charCodeAt(i) <= NINE) i++
      if (i === fractionStart) return NOT_DATE
    }
  }
  if (i === length) return DATETIME
  const zone = s.charCodeAt(i)
  if (zone === 90) return i + 1 === length ? DATETIME : NOT_DATE // 'Z'
  if (zone !== PLUS && zone !== MINUS) return NOT_DATE
  // ±HH:MM or ±HHMM
  const colon = i + 3 < length && s.charCodeAt(i + 3) === COLON ? 1 : 0
  if (length !== i + 5 + colon) return NOT_DATE
  const zoneHour = digits(s, i + 1, 2)
  const zoneMinute = digits(s, i + 3 + colon, 2)
  return zoneHour >= 0 && zoneHour <= 23 && zoneMinute >= 0 && zoneMinute <= 59 ? DATETIME : NOT_DATE
}

/** "true" or "false" in any case. */
function isBooleanText(s: string): boolean {
  return equalsIgnoringCase(s, 'true') || equalsIgnoringCase(s, 'false')
}

/** s equals the lower-case ASCII word, ignoring case; `| 0x20` maps only A–Z onto a–z here. */
function equalsIgnoringCase(s: string, word: string): boolean {
  if (s.length !== word.length) return false
  for (let i = 0; i < word.length; i++) if ((s.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false
  return true
}
