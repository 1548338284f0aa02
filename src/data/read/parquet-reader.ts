import { open, type FileHandle } from 'node:fs/promises'
import {
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type AsyncBuffer,
  type Compressors,
  type DecodedArray,
  type FileMetaData,
  type ParquetParsers,
  type RowGroup,
  type SchemaTree,
} from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { DataError } from '../data-error.js'
import type { Cell, DataReader, ReadDefect, RowBatch } from './batch.js'

// Parquet through hyparquet (pure JS, so the bundle runs on every runner), one
// row group at a time as column arrays: row objects are never built, which is
// what made hyparquet's row path slow and memory-hungry. Values hyparquet
// already gives as cells pass through untouched; only columns whose type needs
// it (INT64, DECIMAL, bytes, nested) get a conversion pass, chosen once from
// the schema. A row group that cannot be decoded is a defect and reading goes
// on with the next; a file without a readable footer throws DataError.

const MAX_BATCH_ROWS = 65_536

export function openParquetReader(absPath: string): DataReader {
  return { unit: 'row', batches: () => readBatches(absPath) }
}

/** How a top-level column's decoded values become cells. */
type Conversion =
  | { kind: 'none' }
  | { kind: 'int64'; unsigned: boolean }
  | { kind: 'decimal'; scale: number }
  | { kind: 'days' }
  | { kind: 'any' }

async function* readBatches(absPath: string): AsyncGenerator<RowBatch> {
  const handle = await open(absPath, 'r')
  try {
    const size = (await handle.stat()).size
    const file = fileBuffer(handle, size)
    const metadata = await readMetadata(handle, file)
    let tree: SchemaTree
    try {
      tree = parquetSchema(metadata)
    } catch (error) {
      throw new DataError(`the Parquet schema cannot be read: ${reason(error)}`)
    }
    const columns = tree.children.map((child) => child.element.name)
    const conversions = tree.children.map(conversionFor)
    const indexOf = new Map(columns.map((name, i) => [name, i]))

    let rowStart = 0
    let bytesBefore = 4
    let yielded = false
    for (const [index, group] of metadata.row_groups.entries()) {
      const rows = Number(group.num_rows)
      const rowEnd = rowStart + rows
      const { start, end } = byteRange(group, bytesBefore)
      if (rows > 0) {
        let cells: Array<ArrayLike<Cell>> | undefined
        let defect: ReadDefect | undefined
        try {
          cells = await readRowGroup(file, metadata, group, rowStart, rowEnd, columns, indexOf, conversions)
        } catch (error) {
          if (error instanceof DataError) throw error
          defect = {
            kind: 'corrupt',
            line: rowStart + 1,
            message: `rows ${rowStart + 1}–${rowEnd} (row group ${index + 1}) cannot be read: ${reason(error)}`,
          }
        }
        if (cells) {
          for (let from = 0; from < rows; from += MAX_BATCH_ROWS) {
            const to = Math.min(rows, from + MAX_BATCH_ROWS)
            yielded = true
            yield {
              columns,
              length: to - from,
              lines: rowNumbers(rowStart + from + 1, to - from),
              cells: from === 0 && to === rows ? cells : cells.map((column) => slice(column, from, to)),
              defects: [],
              // Interpolated inside a row group: its bytes are all read before its first batch.
              bytesRead: Math.round(start + ((end - start) * to) / rows),
            }
          }
        } else if (defect) {
          yielded = true
          yield { columns, length: 0, lines: [], cells: [], defects: [defect], bytesRead: end }
        }
      }
      rowStart = rowEnd
      bytesBefore = Math.max(bytesBefore, end)
    }
    // A file with no rows still names its columns.
    if (!yielded) yield { columns, length: 0, lines: [], cells: [], defects: [], bytesRead: size }
  } finally {
    await handle.close()
  }
}

/** An AsyncBuffer over byte-range reads of an open file; a range past the end comes back short. */
function fileBuffer(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const from = Math.max(0, start)
      const length = Math.max(0, Math.min(end ?? size, size) - from)
      const bytes = new Uint8Array(length)
      let done = 0
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, from + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
      return done === length ? bytes.buffer : bytes.buffer.slice(0, done)
    },
  }
}

async function readMetadata(handle: FileHandle, file: AsyncBuffer): Promise<FileMetaData> {
  const size = file.byteLength
  // PAR1, at least a 4-byte footer length, PAR1
  if (size < 12) throw new DataError(`not a Parquet file: it is only ${size} bytes long`)
  const head = Buffer.alloc(4)
  const tail = Buffer.alloc(4)
  await handle.read(head, 0, 4, 0)
  await handle.read(tail, 0, 4, size - 4)
  if (head.toString('latin1') !== 'PAR1') throw new DataError('not a Parquet file: it does not start with the "PAR1" magic bytes')
  if (tail.toString('latin1') === 'PARE') throw new DataError('encrypted Parquet files are not supported')
  if (tail.toString('latin1') !== 'PAR1') throw new DataError('the Parquet file is truncated: it does not end with the "PAR1" magic bytes, so its footer (metadata) is missing')
  try {
    return await parquetMetadataAsync(file, { parsers: PARSERS })
  } catch (error) {
    throw new DataError(`the Parquet footer (metadata) cannot be read; the file is truncated or corrupt: ${reason(error)}`)
  }
}

/** Decodes one row group into a cell array per top-level column. */
async function readRowGroup(
  file: AsyncBuffer,
  metadata: FileMetaData,
  group: RowGroup,
  rowStart: number,
  rowEnd: number,
  columns: readonly string[],
  indexOf: ReadonlyMap<string, number>,
  conversions: readonly Conversion[],
): Promise<Array<ArrayLike<Cell>>> {
  const chunks: DecodedArray[][] = columns.map(() => [])
  await parquetRead({
    file,
    metadata,
    rowStart,
    rowEnd,
    compressors: guardedCompressors(group),
    parsers: PARSERS,
    onChunk: ({ columnName, columnData }) => {
      const i = indexOf.get(columnName)
      if (i !== undefined) chunks[i]!.push(columnData)
    },
  })
  const rows = rowEnd - rowStart
  return chunks.map((parts, c) => {
    const data = join(parts)
    // A short or long column means pages are missing or garbled: the group is not trusted.
    if (data.length !== rows) throw new Error(`column "${columns[c]}" has ${data.length} values for ${rows} rows`)
    return convert(data, conversions[c]!)
  })
}

// Dates and timestamps straight to text, skipping Date objects; JSON stays its text.
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (value: bigint) => isoTimestamp(value, 1n),
  timestampFromMicroseconds: (value: bigint) => isoTimestamp(value, 1000n),
  timestampFromNanoseconds: (value: bigint) => isoTimestamp(value, 1_000_000n),
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
function isoTimestamp(value: bigint, perMs: bigint): string {
  let ms = value
  let rest = 0n
  if (perMs !== 1n) {
    ms = value / perMs
    rest = value % perMs
    if (rest < 0n) {
      ms -= 1n
      rest += perMs
    }
  }
  const date = new Date(Number(ms))
  if (Number.isNaN(date.getTime())) return value.toString()
  const iso = date.toISOString()
  if (rest === 0n) return iso
  return `${iso.slice(0, -1)}${rest.toString().padStart(perMs === 1000n ? 3 : 6, '0')}Z`
}

/** Which pass a column needs, from its schema: most need none. */
function conversionFor(node: SchemaTree): Conversion {
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

function convert(data: DecodedArray, conversion: Conversion): ArrayLike<Cell> {
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

/** One array from a column's chunks (hyparquet gives a typed array per page for required columns). */
function join(parts: DecodedArray[]): DecodedArray {
  if (parts.length === 1) return parts[0]!
  let total = 0
  for (const part of parts) total += part.length
  const first = parts[0]
  if (first && ArrayBuffer.isView(first) && parts.every((part) => part.constructor === first.constructor)) {
    const out = new (first.constructor as new (length: number) => TypedArray)(total)
    let at = 0
    for (const part of parts) {
      out.set(part as TypedArray, at)
      at += part.length
    }
    return out as DecodedArray
  }
  const out = new Array<unknown>(total)
  let at = 0
  for (const part of parts) for (let i = 0; i < part.length; i++) out[at++] = part[i]
  return out
}

interface TypedArray extends ArrayLike<number | bigint> {
  set(source: ArrayLike<number | bigint>, offset: number): void
}

function slice(column: ArrayLike<Cell>, from: number, to: number): ArrayLike<Cell> {
  if (Array.isArray(column)) return column.slice(from, to)
  return (column as unknown as Float64Array).subarray(from, to) as unknown as ArrayLike<Cell>
}

function rowNumbers(first: number, count: number): Float64Array {
  const lines = new Float64Array(count)
  for (let r = 0; r < count; r++) lines[r] = first + r
  return lines
}

/** Bytes of the row group's column chunks, for progress. */
function byteRange(group: RowGroup, fallback: number): { start: number; end: number } {
  let start = Infinity
  let end = 0
  for (const chunk of group.columns) {
    const meta = chunk.meta_data
    if (!meta) continue
    const first = Number(meta.dictionary_page_offset || meta.data_page_offset)
    start = Math.min(start, first)
    end = Math.max(end, first + Number(meta.total_compressed_size))
  }
  return end > 0 ? { start: Math.min(start, end), end } : { start: fallback, end: fallback }
}

/**
 * The decompressors, refusing a page that claims to be far larger than its
 * column chunk: a garbled page header must not allocate gigabytes.
 */
function guardedCompressors(group: RowGroup): Compressors {
  let largest = 0
  for (const chunk of group.columns) largest = Math.max(largest, Number(chunk.meta_data?.total_uncompressed_size ?? 0))
  const limit = Math.max(256 * 1024 * 1024, 4 * largest)
  const guarded: Compressors = {}
  for (const [codec, decompress] of Object.entries(compressors) as Array<[keyof Compressors, NonNullable<Compressors[keyof Compressors]>]>) {
    guarded[codec] = (input, outputLength) => {
      if (!(outputLength >= 0 && outputLength <= limit)) throw new Error(`a page header claims ${outputLength} uncompressed bytes; the page is corrupt`)
      return decompress(input, outputLength)
    }
  }
  return guarded
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
