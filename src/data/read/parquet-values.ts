import type { DecodedArray, ParquetParsers, SchemaTree } from 'hyparquet'
import type { Cell } from './batch.js'

// How hyparquet's decoded values become cells: dates and timestamps as ISO
// text, INT64 as numbers when safe (text beyond 2^53), DECIMAL rounded to its
// scale, bytes as base64, nested values as JSON. Chosen once per column from
// the schema, so most columns pass through untouched.

/** How a top-level column's decoded values become cells. */
export type Conversion =
  | { kind: 'none' }
  | { kind: 'int64'; unsigned: boolean }
  | { kind: 'decimal'; scale: number }
  | { kind: 'days' }
  | { kind: 'any' }

// Dates and timestamps straight to text, skipping Date objects; JSON stays its text.
export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (value: bigint) => isoTimestamp(value, 1),
  timestampFromMicroseconds: (value: bigint) => isoTimestamp(value, 1000),
  timestampFromNanoseconds: (value: bigint) => isoTimestamp(value, 1_000_000),
  dateFromDays: (days: number) => isoDate(days),
  jsonFromBytes: (bytes: Uint8Array | undefined) => (bytes ? TEXT.decode(bytes) : null),
}

const TEXT = new TextDecoder()
const DAY_MS = 86_400_000

function isoDate(days: number): string {
  const date = new Date(days * DAY_MS)
  if (Number.isNaN(date.getTime())) return String(days)
  const iso = date.toISOString()
  return iso.slice(0, iso.indexOf('T'))
}

/** Full ISO text; sub-millisecond digits are kept (only when non-zero) so distinct instants stay distinct. */
function isoTimestamp(value: bigint, perMs: number): string {
  let ms: number
  let rest: number
  if (value >= MIN_SAFE && value <= MAX_SAFE) {
    // Number arithmetic while exact (microseconds reach ±285,000 years): BigInt division was a tenth of a Parquet scan.
    const v = Number(value)
    ms = Math.floor(v / perMs)
    rest = v - ms * perMs
    // The rounded quotient can land one off near 2^53.
    if (rest < 0) {
      ms -= 1
      rest += perMs
    } else if (rest >= perMs) {
      ms += 1
      rest -= perMs
    }
  } else {
    const per = BigInt(perMs)
    let whole = value / per
    let part = value % per
    if (part < 0n) {
      whole -= 1n
      part += per
    }
    ms = Number(whole)
    rest = Number(part)
  }
  const date = new Date(ms)
  if (Number.isNaN(date.getTime())) return value.toString()
  const iso = date.toISOString()
  if (rest === 0) return iso
  return `${iso.slice(0, -1)}${String(rest).padStart(perMs === 1000 ? 3 : 6, '0')}Z`
}

/** Which pass a column needs, from its schema: most need none. */
export function conversionFor(node: SchemaTree): Conversion {
  const { type, converted_type: ct, logical_type: lt, repetition_type: repetition, scale } = node.element
  if (node.children.length > 0 || repetition === 'REPEATED') return { kind: 'any' }
  // hyparquet turns DECIMAL into approximate floats (57 * 0.01 = 0.5700000000000001); round to the scale again.
  if (ct === 'DECIMAL') return scale ? { kind: 'decimal', scale } : { kind: 'none' }
  switch (type) {
    case 'BOOLEAN':
    case 'FLOAT':
    case 'DOUBLE':
      return { kind: 'none' }
    case 'INT32':
      // hyparquet reads DATE only from converted_type.
      return lt?.type === 'DATE' && ct !== 'DATE' ? { kind: 'days' } : { kind: 'none' }
    case 'INT64':
      if (ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || lt?.type === 'TIMESTAMP') return { kind: 'none' }
      return { kind: 'int64', unsigned: ct === 'UINT_64' || (lt?.type === 'INTEGER' && !lt.isSigned) }
    case 'INT96':
      return ct ? { kind: 'any' } : { kind: 'none' }
    case 'BYTE_ARRAY':
      return lt?.type === 'GEOMETRY' || lt?.type === 'GEOGRAPHY' ? { kind: 'any' } : { kind: 'none' }
    case 'FIXED_LEN_BYTE_ARRAY':
      return ct === 'UTF8' || lt?.type === 'STRING' || lt?.type === 'UUID' || lt?.type === 'FLOAT16' ? { kind: 'none' } : { kind: 'any' }
    default:
      return { kind: 'any' }
  }
}

export function toCells(data: DecodedArray, conversion: Conversion): ArrayLike<Cell> {
  switch (conversion.kind) {
    case 'none':
      return data as ArrayLike<Cell>
    case 'int64':
      return data instanceof BigInt64Array || data instanceof BigUint64Array ? int64Cells(data, conversion.unsigned) : mapCells(data, toCell)
    case 'decimal': {
      const p = 10 ** Math.min(conversion.scale, 22)
      return mapCells(data, (v) => (typeof v === 'number' && Math.abs(v * p) < Number.MAX_SAFE_INTEGER ? Math.round(v * p) / p : toCell(v)))
    }
    case 'days':
      return mapCells(data, (v) => (typeof v === 'number' ? isoDate(v) : toCell(v)))
    case 'any':
      return mapCells(data, toCell)
  }
}

/** A converted copy for typed arrays; in place for plain arrays, which hyparquet made for this read alone. */
function mapCells(data: DecodedArray, f: (value: unknown) => Cell): Cell[] {
  const out: unknown[] = Array.isArray(data) ? data : new Array<Cell>(data.length)
  for (let i = 0; i < data.length; i++) out[i] = f(data[i])
  return out as Cell[]
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const SAFE_HIGH = 2 ** 21 // |value| < 2^53 when the high 32 bits are within ±2^21

/** INT64 without allocating a BigInt per value: from the two 32-bit halves, when every value is a safe integer. */
function int64Cells(data: BigInt64Array | BigUint64Array, unsigned: boolean): ArrayLike<Cell> {
  const n = data.length
  if (LITTLE_ENDIAN) {
    const lo = new Uint32Array(data.buffer, data.byteOffset, n * 2)
    const hi = unsigned ? lo : new Int32Array(data.buffer, data.byteOffset, n * 2)
    const out = new Float64Array(n)
    let i = 0
    for (; i < n; i++) {
      const h = hi[2 * i + 1]!
      if (h >= SAFE_HIGH || h < -SAFE_HIGH) break
      out[i] = h * 4294967296 + lo[2 * i]!
    }
    if (i === n) return out
  }
  return mapCells(data, toCell)
}

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value
    case 'bigint':
      return bigintCell(value)
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (value instanceof Uint8Array) return base64(value)
  try {
    return JSON.stringify(value, jsonValue) ?? null
  } catch {
    return String(value)
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

function bigintCell(value: bigint): number | string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString()
}

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return bigintCell(value)
  if (value instanceof Uint8Array) return base64(value)
  return value
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
