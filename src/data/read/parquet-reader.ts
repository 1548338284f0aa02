import { open, type FileHandle } from 'node:fs/promises'
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { DataError } from '../data-error.js'
import type { Cell, DataReader, RowBatch } from './batch.js'

// Parquet through hyparquet (pure JS, so the bundle runs on every runner),
// one row group at a time, column chunks as hyparquet decodes them: no row
// objects are built. A row group that cannot be decoded is a defect and the
// next one is read; a file without a valid footer cannot be read at all.

export function openParquetReader(absPath: string): DataReader {
  return { unit: 'row', batches: () => readRowGroups(absPath) }
}

async function* readRowGroups(absPath: string): AsyncGenerator<RowBatch> {
  const handle = await open(absPath, 'r')
  try {
    const file = await fileBuffer(handle)
    const metadata = await readMetadata(handle, file)
    const columns = parquetSchema(metadata).children.map((child) => child.element.name)
    const dateColumns = new Set(
      parquetSchema(metadata)
        .children.filter((child) => child.element.logical_type?.type === 'DATE' || child.element.converted_type === 'DATE')
        .map((child) => child.element.name),
    )
    let rowStart = 0
    for (const [index, group] of metadata.row_groups.entries()) {
      const rows = Number(group.num_rows)
      const rowEnd = rowStart + rows
      const end = Math.max(0, ...group.columns.map((chunk) => Number(chunk.meta_data?.data_page_offset ?? 0) + Number(chunk.meta_data?.total_compressed_size ?? 0)))
      const chunks = new Map<string, Array<ArrayLike<unknown>>>()
      const lines = rowNumbers(rowStart + 1, rows)
      try {
        await parquetRead({
          file,
          metadata,
          rowStart,
          rowEnd,
          compressors,
          onChunk: ({ columnName, columnData }) => {
            const list = chunks.get(columnName)
            if (list) list.push(columnData)
            else chunks.set(columnName, [columnData])
          },
        })
        const cells = columns.map((name) => columnCells(chunks.get(name) ?? [], rows, dateColumns.has(name)))
        yield { columns, length: rows, lines, cells, defects: [], bytesRead: end }
      } catch (error) {
        if (error instanceof DataError) throw error
        const reason = error instanceof Error ? error.message : String(error)
        yield {
          columns,
          length: 0,
          lines: [],
          cells: [],
          defects: [{ kind: 'truncated', line: rowStart + 1, message: `rows ${rowStart + 1}–${rowEnd} (row group ${index + 1}) cannot be read: ${reason}` }],
          bytesRead: end,
        }
      }
      rowStart = rowEnd
    }
    if (metadata.row_groups.length === 0) yield { columns, length: 0, lines: [], cells: [], defects: [] }
  } finally {
    await handle.close()
  }
}

async function fileBuffer(handle: FileHandle): Promise<AsyncBuffer> {
  const { size } = await handle.stat()
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size)
      const buf = Buffer.allocUnsafeSlow(Math.max(0, stop - start))
      let done = 0
      while (done < buf.length) {
        const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + done) as ArrayBuffer
    },
  }
}

async function readMetadata(handle: FileHandle, file: AsyncBuffer): Promise<FileMetaData> {
  const size = file.byteLength
  const head = Buffer.alloc(4)
  const tail = Buffer.alloc(4)
  if (size >= 4) {
    await handle.read(head, 0, 4, 0)
    await handle.read(tail, 0, 4, size - 4)
  }
  if (size < 12 || head.toString('latin1') !== 'PAR1') throw new DataError('not a Parquet file: it does not start with the "PAR1" magic bytes')
  if (tail.toString('latin1') !== 'PAR1') throw new DataError('the Parquet file is truncated: its footer (metadata) is missing')
  try {
    return await parquetMetadataAsync(file)
  } catch (error) {
    throw new DataError(`the Parquet file's footer cannot be read (truncated or corrupt): ${error instanceof Error ? error.message : String(error)}`)
  }
}

function rowNumbers(first: number, count: number): Float64Array {
  const lines = new Float64Array(count)
  for (let r = 0; r < count; r++) lines[r] = first + r
  return lines
}

/** One column of a row group as cells; typed arrays of numbers pass through as they are. */
function columnCells(chunks: Array<ArrayLike<unknown>>, rows: number, isDate: boolean): ArrayLike<Cell> {
  if (chunks.length === 1 && isPlainCells(chunks[0]!)) return chunks[0] as ArrayLike<Cell>
  const out = new Array<Cell>(rows)
  let r = 0
  for (const chunk of chunks) {
    if (isPlainCells(chunk)) {
      for (let i = 0; i < chunk.length; i++) out[r++] = chunk[i] as Cell
    } else {
      for (let i = 0; i < chunk.length; i++) out[r++] = toCell(chunk[i], isDate)
    }
  }
  for (; r < rows; r++) out[r] = null
  return out
}

/** Typed arrays (not BigInt64Array), or arrays whose values already are cells. */
function isPlainCells(chunk: ArrayLike<unknown>): boolean {
  if (ArrayBuffer.isView(chunk)) return !(chunk instanceof BigInt64Array || chunk instanceof BigUint64Array)
  for (let i = 0; i < chunk.length; i++) {
    const v = chunk[i]
    if (v === null) continue
    const t = typeof v
    if (t !== 'number' && t !== 'string' && t !== 'boolean') return false
  }
  return true
}

function toCell(value: unknown, isDate: boolean): Cell {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
      return value
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  }
  if (value instanceof Date) return isDate ? value.toISOString().slice(0, 10) : value.toISOString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))
}
