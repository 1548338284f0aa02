import type { DecodedArray, PageHeader } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { convert } from 'hyparquet/src/convert.js'
import { decompressPage, readDataPage } from 'hyparquet/src/datapage.js'
import { deltaBinaryUnpack, deltaByteArray, deltaLengthByteArray } from 'hyparquet/src/delta.js'
import { byteStreamSplit } from 'hyparquet/src/encoding.js'
import { readPlain } from 'hyparquet/src/plain.js'
import type { Cell, DictionaryColumn } from './batch.js'
import { decodeHybrid } from './rle-hybrid.js'

// One column chunk of a flat (top-level, non-repeated) Parquet column, decoded
// page by page from hyparquet's page-level pieces. A dictionary-encoded chunk
// stays encoded: its dictionary is converted to cells once and each row keeps
// an index, so the profile can count each distinct value once with its count,
// and no per-row array of boxed values or BigInts is built. hyparquet's own
// column reader pushes every value through a plain array (assembleLists),
// which was most of a Parquet scan. Pages in other encodings decode through
// hyparquet's value decoders and turn the chunk into plain cells. Levels and
// indexes go through a bounded decoder (rle-hybrid.ts), so a garbled page
// throws at once. Anything unexpected throws.

export type ChunkColumn = DictionaryColumn | { cells: ArrayLike<Cell> }

/** What hyparquet's page readers take (its ColumnDecoder type is not exported). */
type ColumnDecoder = Parameters<typeof readDataPage>[2]

export interface ChunkDecoder extends ColumnDecoder {
  /** hyparquet's values to cells (our conversions on top of hyparquet's convert). */
  toCells(values: DecodedArray): ArrayLike<Cell>
  /** 0 for a REQUIRED column, 1 for an OPTIONAL one. */
  maxDefinitionLevel: number
}

export function readFlatChunk(bytes: Uint8Array, decoder: ChunkDecoder, rows: number): ChunkColumn {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
  const chunk = new ChunkBuilder(rows)
  let dictionary: ArrayLike<Cell> | undefined
  while (chunk.row < rows) {
    if (reader.offset >= bytes.length) throw new Error(`the column chunk ends after ${chunk.row} of ${rows} rows`)
    const header = parquetHeader(reader)
    const size = header.compressed_page_size
    if (!(size >= 0 && reader.offset + size <= bytes.length)) throw new Error(`a page of ${size} bytes overruns its column chunk`)
    const page = bytes.subarray(reader.offset, reader.offset + size)
    reader.offset += size
    if (header.type === 'DICTIONARY_PAGE') {
      const values = decompressPage(page, header.uncompressed_page_size, decoder.codec, decoder.compressors)
      const count = header.dictionary_page_header?.num_values ?? 0
      const plain = readPlain({ view: new DataView(values.buffer, values.byteOffset, values.byteLength), offset: 0 }, decoder.type, count, decoder.element.type_length)
      dictionary = decoder.toCells(convert(plain, decoder))
    } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
      readDataPageInto(chunk, page, header, decoder, dictionary)
    }
    // Index pages (and any future page type) carry no rows.
  }
  if (chunk.row !== rows) throw new Error(`the column chunk has ${chunk.row} values for ${rows} rows`)
  return chunk.result(dictionary)
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
      const cells = new Array<Cell>(this.rows).fill(null)
      for (let r = 0; r < this.row; r++) {
        const index = this.indexes[r]!
        cells[r] = index < 0 ? null : dictionary![index]!
      }
      this.cells = cells
    }
    return this.cells
  }

  result(dictionary: ArrayLike<Cell> | undefined): ChunkColumn {
    if (this.cells) return { cells: this.cells }
    return { values: dictionary ?? [], indexes: this.indexes }
  }
}

const DICTIONARY_ENCODINGS = new Set(['PLAIN_DICTIONARY', 'RLE_DICTIONARY'])

// Scratch buffers reused across pages: pages are decoded one at a time.
let levels = new Uint8Array(0)
let found = new Int32Array(0)

/** A data page taken apart: its row count, which rows are non-null, and where its values start. */
interface PageParts {
  count: number
  encoding: string | undefined
  /** Rows with a value; when less than count, levels[0, count) marks them with 1. */
  present: number
  body: Uint8Array
  at: number
}

function readDataPageInto(chunk: ChunkBuilder, page: Uint8Array, header: PageHeader, decoder: ChunkDecoder, dictionary: ArrayLike<Cell> | undefined): void {
  const parts = pageParts(page, header, decoder, chunk.rows - chunk.row)
  if (parts.encoding && DICTIONARY_ENCODINGS.has(parts.encoding)) {
    if (!dictionary) throw new Error('a dictionary-encoded page comes before any dictionary page')
    readIndexes(chunk, parts, dictionary)
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
 * Decompresses a data page (V1 or V2) and decodes its definition levels with
 * the bounded decoder: hyparquet's page readers decode levels with its own,
 * which a garbled run header sends into minutes of writes.
 */
function pageParts(page: Uint8Array, header: PageHeader, decoder: ChunkDecoder, rowsLeft: number): PageParts {
  const v2 = header.data_page_header_v2
  const v1 = header.data_page_header
  if (!v1 && !v2) throw new Error(`a ${header.type} page without its page header`)
  const count = v2 ? v2.num_values : v1!.num_values
  if (!(count >= 0 && count <= rowsLeft)) throw new Error(`a page of ${count} values runs past the row group's remaining ${rowsLeft} rows`)
  let body: Uint8Array
  let levelBytes = page
  let levelStart = 0
  let levelEnd = 0
  if (v2) {
    // V2: levels first and never compressed, then the (maybe compressed) values.
    const levelsLength = v2.repetition_levels_byte_length + v2.definition_levels_byte_length
    if (v2.repetition_levels_byte_length !== 0 || !(levelsLength >= 0 && levelsLength <= page.length)) throw new Error('unexpected page levels for a flat column')
    levelEnd = v2.definition_levels_byte_length
    const compressed = page.subarray(levelsLength)
    body = v2.is_compressed === false ? compressed : decompressPage(compressed, header.uncompressed_page_size - levelsLength, decoder.codec, decoder.compressors)
  } else {
    body = decompressPage(page, header.uncompressed_page_size, decoder.codec, decoder.compressors)
    if (decoder.maxDefinitionLevel > 0) {
      const length = littleEndian32(body, 0)
      levelBytes = body
      levelStart = 4
      levelEnd = 4 + length
      if (levelEnd > body.length) throw new Error('definition levels overrun their page')
    }
  }
  let present = count
  if (decoder.maxDefinitionLevel > 0) {
    if (levels.length < count) levels = new Uint8Array(Math.max(count, 2 * levels.length))
    decodeHybrid(levelBytes, levelStart, levelEnd, 1, levels, 0, count)
    present = 0
    for (let i = 0; i < count; i++) present += levels[i]!
  }
  return { count, encoding: v2 ? v2.encoding : v1!.encoding, present, body, at: v2 ? 0 : levelEnd }
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
function readIndexes(chunk: ChunkBuilder, { count, present, body, at }: PageParts, dictionary: ArrayLike<Cell>): void {
  const row = chunk.row
  const cells = chunk.cells
  if (present === 0) {
    if (cells) cells.fill(null, row, row + count)
    else chunk.indexes.fill(-1, row, row + count)
    return
  }
  if (at >= body.length) throw new Error('a page ends before its dictionary indexes')
  const width = body[at]!
  // Without nulls the indexes go straight into place.
  const direct = present === count && !cells
  if (!direct && found.length < present) found = new Int32Array(Math.max(present, 2 * found.length))
  const target = direct ? chunk.indexes : found
  const offset = direct ? row : 0
  // Width 0: every index is 0, and writers may leave the runs out.
  if (width === 0) target.fill(0, offset, offset + present)
  else decodeHybrid(body, at + 1, body.length, width, target, offset, present)
  const size = dictionary.length
  let largest = 0
  for (let i = offset; i < offset + present; i++) if (target[i]! > largest) largest = target[i]!
  if (largest >= size) throw new Error(`dictionary index ${largest} is past the dictionary's ${size} values`)
  if (direct) return
  let next = 0
  for (let i = 0; i < count; i++) {
    const index = present === count || levels[i] === 1 ? found[next++]! : -1
    if (cells) cells[row + i] = index < 0 ? null : dictionary[index]!
    else chunk.indexes[row + i] = index
  }
}
