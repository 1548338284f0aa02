import type { ColumnMetaData, Compressors, DecodedArray, PageHeader, SchemaTree } from 'hyparquet'
import { assembleLists } from 'hyparquet/src/assemble.js'
import { parquetHeader } from 'hyparquet/src/column.js'
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import { decompressPage, readDataPage } from 'hyparquet/src/datapage.js'
import { deltaBinaryUnpack, deltaByteArray, deltaLengthByteArray } from 'hyparquet/src/delta.js'
import { byteStreamSplit } from 'hyparquet/src/encoding.js'
import { readPlain } from 'hyparquet/src/plain.js'
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from 'hyparquet/src/schema.js'
import type { Cell, DictionaryColumn } from './batch.js'
import { PARSERS } from './parquet-values.js'
import { decodeHybrid } from './rle-hybrid.js'

// One column chunk of a Parquet column, decoded page by page from hyparquet's
// page-level pieces. For a flat (top-level, non-repeated) column, a dictionary-encoded chunk
// stays encoded: its dictionary is converted to cells once and each row keeps
// an index, so the profile can count each distinct value once with its count,
// and no per-row array of boxed values or BigInts is built. hyparquet's own
// column reader pushes every value through a plain array (assembleLists),
// which was most of a Parquet scan. Pages in other encodings decode through
// hyparquet's value decoders and turn the chunk into plain cells. A leaf of a
// nested column is assembled by hyparquet's assembleLists, as its reader does.
// Levels and indexes go through a bounded decoder (rle-hybrid.ts), so a
// garbled page throws at once. Anything unexpected throws.

export type ChunkColumn = DictionaryColumn | { cells: ArrayLike<Cell> }

/** What hyparquet's page readers take (its ColumnDecoder type is not exported). */
type ColumnDecoder = Parameters<typeof readDataPage>[2]

export interface ChunkDecoder extends ColumnDecoder {
  /** hyparquet's values to cells (our conversions on top of hyparquet's convert); flat columns only. */
  toCells(values: DecodedArray): ArrayLike<Cell>
  /** From the schema path: 0 for a REQUIRED flat column, 1 for an OPTIONAL one, more when nested. */
  maxDefinitionLevel: number
  maxRepetitionLevel: number
}

/** The decoder of one column chunk: its leaf's schema path gives the levels; values become cells through `toCells`. */
export function chunkDecoder(tree: SchemaTree, meta: ColumnMetaData, compressors: Compressors, toCells: ChunkDecoder['toCells']): ChunkDecoder {
  const schemaPath = getTreePath(tree, meta.path_in_schema)
  return {
    pathInSchema: meta.path_in_schema,
    type: meta.type,
    element: schemaPath.at(-1)!.element,
    schemaPath,
    codec: meta.codec,
    compressors,
    parsers: PARSERS_WITH_DEFAULTS,
    maxDefinitionLevel: getMaxDefinitionLevel(schemaPath),
    maxRepetitionLevel: getMaxRepetitionLevel(schemaPath),
    toCells,
  }
}

/** Our parsers (timestamps and dates as text) over hyparquet's defaults, which assembleNested needs in full. */
export const PARSERS_WITH_DEFAULTS = { ...DEFAULT_PARSERS, ...PARSERS }

export function readFlatChunk(bytes: Uint8Array, decoder: ChunkDecoder, rows: number): ChunkColumn {
  const chunk = new ChunkBuilder(rows)
  let dictionary: ArrayLike<Cell> | undefined
  // Stops at the last row: bytes after it (padding some writers leave) are never parsed.
  for (const page of readPages(bytes, decoder)) {
    if ('dictionary' in page) dictionary = decoder.toCells(page.dictionary)
    else readDataPageInto(chunk, page.data, dictionary, decoder, rows - chunk.row)
    if (chunk.row === rows) break
  }
  if (chunk.row !== rows) throw new Error(`the column chunk ends after ${chunk.row} of ${rows} rows`)
  return chunk.result(dictionary)
}

/**
 * One leaf of a nested column (a list's elements, a struct's field), as
 * hyparquet's column reader gives it for assembleNested: one value per row,
 * lists assembled from the levels by hyparquet's assembleLists. `values` is
 * the chunk's count of levels, from its metadata.
 */
export function readNestedChunk(bytes: Uint8Array, decoder: ChunkDecoder, values: number): unknown[] {
  const output: unknown[] = []
  let dictionary: DecodedArray | undefined
  let seen = 0
  for (const page of readPages(bytes, decoder)) {
    if ('dictionary' in page) {
      dictionary = page.dictionary
      continue
    }
    const parts = pageParts(page.data, decoder, values - seen)
    let leaves: DecodedArray
    if (parts.encoding && DICTIONARY_ENCODINGS.has(parts.encoding)) {
      if (!dictionary) throw new Error('a dictionary-encoded page comes before any dictionary page')
      const indexes = readIndexes(parts, dictionary.length)
      leaves = Array.from(indexes.subarray(0, parts.present), (index) => dictionary![index])
    } else leaves = convert(readValues(parts, decoder), decoder)
    if (leaves.length !== parts.present) throw new Error(`a page has ${leaves.length} values for ${parts.present} defined levels`)
    const definitions = decoder.maxDefinitionLevel > 0 ? levels.subarray(0, parts.count) : []
    const repetitions = decoder.maxRepetitionLevel > 0 ? repeats.subarray(0, parts.count) : []
    const assembled = assembleLists(output, definitions as number[], repetitions as number[], leaves, decoder.schemaPath)
    // Without levels assembleLists hands the values back rather than appending them.
    if (assembled !== output) for (let i = 0; i < assembled.length; i++) output.push(assembled[i])
    seen += parts.count
    if (seen === values) break
  }
  return output
}

type Page = { dictionary: DecodedArray } | { data: { bytes: Uint8Array; header: PageHeader } }

/** The chunk's pages in order: dictionaries decoded (hyparquet's values), data pages as they are; index pages skipped. */
function* readPages(bytes: Uint8Array, decoder: ChunkDecoder): Generator<Page> {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
  while (reader.offset < bytes.length) {
    const header = parquetHeader(reader)
    const size = header.compressed_page_size
    if (!(size >= 0 && reader.offset + size <= bytes.length)) throw new Error(`a page of ${size} bytes overruns its column chunk`)
    const page = bytes.subarray(reader.offset, reader.offset + size)
    reader.offset += size
    if (header.type === 'DICTIONARY_PAGE') {
      const values = decompressPage(page, header.uncompressed_page_size, decoder.codec, decoder.compressors)
      const count = header.dictionary_page_header?.num_values ?? 0
      const plain = readPlain({ view: new DataView(values.buffer, values.byteOffset, values.byteLength), offset: 0 }, decoder.type, count, decoder.element.type_length)
      yield { dictionary: convert(plain, decoder) }
    } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') yield { data: { bytes: page, header } }
  }
}

/** Rows of one chunk: dictionary indexes (-1 null) until a page in another encoding turns them into cells. */
class ChunkBuilder {
  row = 0
  readonly indexes: Int32Array
  cells: Cell[] | undefined

  constructor(readonly rows: number) {
    this.indexes = new Int32Array(rows)
  }

  toCells(dictionary: ArrayLike<Cell> | undefined): Cell[] {
    if (!this.cells) {
      const cells = dictionaryCells({ values: dictionary ?? [], indexes: this.indexes.subarray(0, this.row) })
      cells.length = this.rows
      this.cells = cells.fill(null, this.row)
    }
    return this.cells
  }

  result(dictionary: ArrayLike<Cell> | undefined): ChunkColumn {
    if (this.cells) return { cells: this.cells }
    return { values: dictionary ?? [], indexes: this.indexes }
  }
}

/** The cells a dictionary column stands for. */
export function dictionaryCells({ values, indexes }: DictionaryColumn): Cell[] {
  const cells = new Array<Cell>(indexes.length)
  for (let r = 0; r < indexes.length; r++) {
    const index = indexes[r]!
    cells[r] = index < 0 ? null : values[index]!
  }
  return cells
}

const DICTIONARY_ENCODINGS = new Set(['PLAIN_DICTIONARY', 'RLE_DICTIONARY'])

// Scratch buffers reused across pages: pages are decoded one at a time.
let levels = new Uint8Array(0)
let repeats = new Uint8Array(0)
let found = new Int32Array(0)

/** A data page taken apart: its row count, which rows are non-null, and where its values start. */
interface PageParts {
  count: number
  encoding: string | undefined
  /** Levels with a value; when less than count, levels[i] is the maximum definition level for those. */
  present: number
  body: Uint8Array
  at: number
}

function readDataPageInto(chunk: ChunkBuilder, page: { bytes: Uint8Array; header: PageHeader }, dictionary: ArrayLike<Cell> | undefined, decoder: ChunkDecoder, rowsLeft: number): void {
  const parts = pageParts(page, decoder, rowsLeft)
  if (parts.encoding && DICTIONARY_ENCODINGS.has(parts.encoding)) {
    if (!dictionary) throw new Error('a dictionary-encoded page comes before any dictionary page')
    placeIndexes(chunk, parts, dictionary)
  } else {
    const { count, present } = parts
    const values = decoder.toCells(convert(readValues(parts, decoder), decoder))
    if (values.length !== present) throw new Error(`a page has ${values.length} values for ${present} non-null rows`)
    const cells = chunk.toCells(dictionary)
    let next = 0
    for (let i = 0; i < count; i++) cells[chunk.row + i] = present === count || levels[i] === 1 ? (values[next++] ?? null) : null
  }
  chunk.row += parts.count
}

/**
 * Decompresses a data page (V1 or V2) and decodes its repetition and
 * definition levels (into `repeats` and `levels`) with the bounded decoder:
 * hyparquet's page readers decode levels with its own, which a garbled run
 * header sends into minutes of writes.
 */
function pageParts({ bytes: page, header }: { bytes: Uint8Array; header: PageHeader }, decoder: ChunkDecoder, levelsLeft: number): PageParts {
  const v2 = header.data_page_header_v2
  const v1 = header.data_page_header
  if (!v1 && !v2) throw new Error(`a ${header.type} page without its page header`)
  const count = v2 ? v2.num_values : v1!.num_values
  if (!(count >= 0 && count <= levelsLeft)) throw new Error(`a page of ${count} values runs past the ${levelsLeft} left in its column chunk`)
  const { maxRepetitionLevel: maxRep, maxDefinitionLevel: maxDef } = decoder
  if (repeats.length < count) repeats = new Uint8Array(Math.max(count, 2 * repeats.length))
  if (levels.length < count) levels = new Uint8Array(Math.max(count, 2 * levels.length))
  let body: Uint8Array
  let at: number
  if (v2) {
    // V2: levels first, never compressed and without length prefixes, then the (maybe compressed) values.
    const repLength = v2.repetition_levels_byte_length
    const defLength = v2.definition_levels_byte_length
    if (!(repLength >= 0 && defLength >= 0 && repLength + defLength <= page.length)) throw new Error('page levels overrun their page')
    if (maxRep > 0) decodeHybrid(page, 0, repLength, bitWidth(maxRep), repeats, 0, count)
    if (maxDef > 0) decodeHybrid(page, repLength, repLength + defLength, bitWidth(maxDef), levels, 0, count)
    const compressed = page.subarray(repLength + defLength)
    body = v2.is_compressed === false ? compressed : decompressPage(compressed, header.uncompressed_page_size - repLength - defLength, decoder.codec, decoder.compressors)
    at = 0
  } else {
    // V1: each level run is prefixed by its byte length; all of it compressed.
    body = decompressPage(page, header.uncompressed_page_size, decoder.codec, decoder.compressors)
    at = 0
    for (const [max, into] of [[maxRep, repeats], [maxDef, levels]] as const) {
      if (max === 0) continue
      const length = littleEndian32(body, at)
      if (at + 4 + length > body.length) throw new Error('page levels overrun their page')
      decodeHybrid(body, at + 4, at + 4 + length, bitWidth(max), into, 0, count)
      at += 4 + length
    }
  }
  let present = count
  if (maxDef > 0) {
    present = 0
    for (let i = 0; i < count; i++) if (levels[i] === maxDef) present++
  }
  return { count, encoding: v2 ? v2.encoding : v1!.encoding, present, body, at }
}

function bitWidth(max: number): number {
  return 32 - Math.clz32(max)
}

function littleEndian32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new Error('a page ends before the length of its levels')
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
}

/** The non-null values of a page not dictionary-encoded, through hyparquet's value decoders (each bounded by the count). */
function readValues({ encoding, present: n, body, at }: PageParts, decoder: ChunkDecoder): DecodedArray {
  const reader = { view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: at }
  switch (encoding) {
    case 'PLAIN':
      return readPlain(reader, decoder.type, n, decoder.element.type_length)
    case 'RLE': {
      // Booleans: a 4-byte length, then 1-bit runs.
      if (decoder.type !== 'BOOLEAN') throw new Error(`RLE encoding for a ${decoder.type} column`)
      const bits = new Uint8Array(n)
      decodeHybrid(body, at + 4, at + 4 + littleEndian32(body, at), 1, bits, 0, n)
      return Array.from(bits, (bit) => bit === 1)
    }
    case 'BYTE_STREAM_SPLIT':
      return byteStreamSplit(reader, n, decoder.type, decoder.element.type_length)
    case 'DELTA_BINARY_PACKED': {
      const out = decoder.type === 'INT32' ? new Int32Array(n) : new BigInt64Array(n)
      if (n > 0) deltaBinaryUnpack(reader, n, out)
      return out
    }
    case 'DELTA_LENGTH_BYTE_ARRAY':
    case 'DELTA_BYTE_ARRAY': {
      const out = new Array<Uint8Array>(n)
      if (n > 0) (encoding === 'DELTA_BYTE_ARRAY' ? deltaByteArray : deltaLengthByteArray)(reader, n, out)
      return out
    }
    default:
      throw new Error(`unsupported page encoding ${encoding ?? '(none)'}`)
  }
}

/** A dictionary-encoded page's indexes, into chunk.indexes (or its cells). */
function placeIndexes(chunk: ChunkBuilder, parts: PageParts, dictionary: ArrayLike<Cell>): void {
  const { count, present } = parts
  const row = chunk.row
  const cells = chunk.cells
  if (present === 0) {
    if (cells) cells.fill(null, row, row + count)
    else chunk.indexes.fill(-1, row, row + count)
    return
  }
  // Without nulls the indexes go straight into place.
  if (present === count && !cells) {
    readIndexes(parts, dictionary.length, chunk.indexes, row)
    return
  }
  const indexes = readIndexes(parts, dictionary.length)
  let next = 0
  for (let i = 0; i < count; i++) {
    const index = present === count || levels[i] === 1 ? indexes[next++]! : -1
    if (cells) cells[row + i] = index < 0 ? null : dictionary[index]!
    else chunk.indexes[row + i] = index
  }
}

/** The page's `present` dictionary indexes, checked against the dictionary's size, into target[offset..] (by default a scratch buffer). */
function readIndexes({ present, body, at }: PageParts, size: number, target?: Int32Array, offset = 0): Int32Array {
  if (!target) {
    if (found.length < present) found = new Int32Array(Math.max(present, 2 * found.length))
    target = found
  }
  if (present === 0) return target
  if (at >= body.length) throw new Error('a page ends before its dictionary indexes')
  const width = body[at]!
  // Width 0: every index is 0, and writers may leave the runs out.
  if (width === 0) target.fill(0, offset, offset + present)
  else decodeHybrid(body, at + 1, body.length, width, target, offset, present)
  let largest = 0
  for (let i = offset; i < offset + present; i++) if (target[i]! > largest) largest = target[i]!
  if (largest >= size) throw new Error(`dictionary index ${largest} is past the dictionary's ${size} values`)
  return target
}
