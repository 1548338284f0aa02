import { open, type FileHandle } from 'node:fs/promises'
import {
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type AsyncBuffer,
  type ColumnMetaData,
  type Compressors,
  type DecodedArray,
  type FileMetaData,
  type RowGroup,
  type SchemaTree,
} from 'hyparquet'
import { assembleNested } from 'hyparquet/src/assemble.js'
import { compressors } from 'hyparquet-compressors'
import { DataError } from '../data-error.js'
import type { Cell, DataReader, DictionaryColumn, ReadDefect, RowBatch } from './batch.js'
import { type ChunkColumn, chunkDecoder, dictionaryCells, PARSERS_WITH_DEFAULTS, readFlatChunk, readNestedChunk } from './parquet-chunk.js'
import { type Conversion, conversionFor, PARSERS, toCells } from './parquet-values.js'

// Parquet through hyparquet (pure JS, so the bundle runs on every runner), one
// row group at a time as column arrays: row objects are never built, which is
// what made hyparquet's row path slow and memory-hungry. Columns decode page
// by page (parquet-chunk.ts); flat dictionary-encoded ones stay encoded, and
// nested ones are assembled by hyparquet's assembleLists and assembleNested.
// A row group that cannot be decoded is a defect and reading goes on with the
// next; a file without a readable footer throws DataError.

const MAX_BATCH_ROWS = 65_536

export interface ParquetReaderOptions {
  /**
   * 'pages' (the default): every column through the page decoder.
   * 'hyparquet': every column through hyparquet's reader, which tests compare
   * the page decoder with.
   */
  decode?: 'pages' | 'hyparquet'
}

export function openParquetReader(absPath: string, options: ParquetReaderOptions = {}): DataReader {
  return { unit: 'row', batches: () => readBatches(absPath, options.decode ?? 'pages') }
}

interface FileColumns {
  file: AsyncBuffer
  metadata: FileMetaData
  tree: SchemaTree
  names: string[]
  indexOf: ReadonlyMap<string, number>
  conversions: Conversion[]
}

async function* readBatches(absPath: string, decode: NonNullable<ParquetReaderOptions['decode']>): AsyncGenerator<RowBatch> {
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
    const source: FileColumns = { file, metadata, tree, names: columns, indexOf: new Map(columns.map((name, i) => [name, i])), conversions: tree.children.map(conversionFor) }

    let rowStart = 0
    let bytesBefore = 4
    let yielded = false
    for (const [index, group] of metadata.row_groups.entries()) {
      const rows = Number(group.num_rows)
      const rowEnd = rowStart + rows
      const { start, end } = byteRange(group, bytesBefore)
      if (rows > 0) {
        let chunks: ChunkColumn[] | undefined
        let defect: ReadDefect | undefined
        try {
          chunks = await readRowGroup(source, group, rowStart, rowEnd, decode)
        } catch (error) {
          if (error instanceof DataError) throw error
          defect = {
            kind: 'corrupt',
            line: rowStart + 1,
            message: `rows ${rowStart + 1}–${rowEnd} (row group ${index + 1}) cannot be read: ${reason(error)}`,
          }
        }
        if (chunks) {
          for (let from = 0; from < rows; from += MAX_BATCH_ROWS) {
            const to = Math.min(rows, from + MAX_BATCH_ROWS)
            yielded = true
            yield {
              ...batchColumns(chunks, rows, from, to),
              columns,
              length: to - from,
              lines: rowNumbers(rowStart + from + 1, to - from),
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

/**
 * Rows [from, to) of a row group's columns (of `rows` rows). A dictionary column's cells are
 * built on first use: a scan that only profiles reads the dictionary and never
 * needs them, checks and duplicate rows do.
 */
function batchColumns(chunks: readonly ChunkColumn[], rows: number, from: number, to: number): Pick<RowBatch, 'cells' | 'dictionaries'> {
  const whole = from === 0 && to === rows
  const cells = new Array<ArrayLike<Cell>>(chunks.length)
  const dictionaries = new Array<DictionaryColumn | undefined>(chunks.length)
  chunks.forEach((chunk, c) => {
    if (!('indexes' in chunk)) {
      cells[c] = whole ? chunk.cells : slice(chunk.cells, from, to)
      return
    }
    const dictionary = { values: chunk.values, indexes: whole ? chunk.indexes : chunk.indexes.subarray(from, to) }
    dictionaries[c] = dictionary
    Object.defineProperty(cells, c, {
      configurable: true,
      enumerable: true,
      get() {
        const value = dictionaryCells(dictionary)
        Object.defineProperty(cells, c, { value, enumerable: true })
        return value
      },
    })
  })
  return { cells, dictionaries }
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

/** Decodes one row group, every column page by page (or, for tests, all through hyparquet). */
async function readRowGroup(source: FileColumns, group: RowGroup, rowStart: number, rowEnd: number, decode: NonNullable<ParquetReaderOptions['decode']>): Promise<ChunkColumn[]> {
  const guarded = guardedCompressors(group)
  if (decode === 'hyparquet') return (await readWithHyparquet(source, rowStart, rowEnd, source.names, guarded)).map((cells) => ({ cells }))
  const rows = rowEnd - rowStart
  const { start, end } = byteRange(group, 0)
  const bytes = new Uint8Array(await source.file.slice(start, end))
  if (bytes.length !== end - start) throw new Error('the row group is cut short')
  // Leaves by top-level column: one for a flat column, one per field or element for a nested one.
  const leaves = source.names.map((): Array<{ meta: ColumnMetaData; bytes: Uint8Array }> => [])
  for (const { meta_data: meta } of group.columns) {
    const c = meta ? source.indexOf.get(meta.path_in_schema[0]!) : undefined
    if (!meta || c === undefined) continue
    const from = Number(meta.dictionary_page_offset || meta.data_page_offset) - start
    leaves[c]!.push({ meta, bytes: bytes.subarray(from, from + Number(meta.total_compressed_size)) })
  }
  return source.names.map((name, c): ChunkColumn => {
    const node = source.tree.children[c]!
    const conversion = source.conversions[c]!
    const decoderOf = (meta: ColumnMetaData) => chunkDecoder(source.tree, meta, guarded, (values) => toCells(values, conversion))
    const parts = leaves[c]!
    if (parts.length === 0) throw new Error(`column "${name}" has no column chunk`)
    if (node.children.length === 0 && node.element.repetition_type !== 'REPEATED') return readFlatChunk(parts[0]!.bytes, decoderOf(parts[0]!.meta), rows)
    const subcolumns = new Map<string, DecodedArray>()
    for (const { meta, bytes: leaf } of parts) subcolumns.set(meta.path_in_schema.join('.'), readNestedChunk(leaf, decoderOf(meta), Number(meta.num_values)))
    if (node.children.length > 0) assembleNested(subcolumns, node, PARSERS_WITH_DEFAULTS)
    const data = subcolumns.get(name)
    if (!data || data.length !== rows) throw new Error(`column "${name}" has ${data?.length ?? 0} values for ${rows} rows`)
    return { cells: toCells(data, conversion) }
  })
}

/** The named top-level columns of rows [rowStart, rowEnd) through hyparquet's reader. */
async function readWithHyparquet(source: FileColumns, rowStart: number, rowEnd: number, names: string[], guarded: Compressors): Promise<Array<ArrayLike<Cell>>> {
  const parts = new Map<string, DecodedArray[]>(names.map((name) => [name, []]))
  await parquetRead({
    file: source.file,
    metadata: source.metadata,
    rowStart,
    rowEnd,
    columns: names,
    compressors: guarded,
    parsers: PARSERS,
    onChunk: ({ columnName, columnData }) => parts.get(columnName)?.push(columnData),
  })
  const rows = rowEnd - rowStart
  return names.map((name) => {
    const data = join(parts.get(name)!)
    // A short or long column means pages are missing or garbled: the group is not trusted.
    if (data.length !== rows) throw new Error(`column "${name}" has ${data.length} values for ${rows} rows`)
    return toCells(data, source.conversions[source.indexOf.get(name)!]!)
  })
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
