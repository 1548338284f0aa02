import { DataError } from '../data-error.js'
import { exampleText, type DataReader, type RowBatch } from './batch.js'
import { CsvTokenizer, headerTooLong, MAX_RECORD_CHARS, RecordSkipper, Stop, tooLong } from './csv-tokenize.js'
import { readTextChunks, type TextEncoding } from './decode-text.js'

// Dialect, chosen to be predictable rather than clever:
// - the first non-blank line is the header; blank lines are skipped everywhere
// - a field is quoted only when it starts with `"`; `""` inside quotes is a quote;
//   stray quotes elsewhere are literal, and so is a quoted field with text after
//   its closing quote (`"a"b` reads as `"a"b`, as csv-parse's relax_quotes does)
// - the only null is an empty cell (`,,` or `,"",`); "NA", "null" etc. are plain strings
// - cells are not trimmed; records end at \n, \r\n or a lone \r
// - a UTF-8 byte order mark is dropped (a UTF-16 one too)
// Malformed records are reported as defects beside the batches; only a file
// with no usable header throws.

export interface CsvOptions {
  /** One ASCII character: ',' (default), '\t', ';', '|', … */
  delimiter: string
  /** True (default): the first record names the columns. False: they are column_1, column_2, … and the first record is data. */
  header: boolean
  /** 'latin1' is windows-1252, as TextDecoder reads it. */
  encoding: TextEncoding
  /** Byte range to read (for parallel workers): start must be a record boundary; the header is not re-read when `columns` is given. */
  range?: { start: number; end: number; firstLine: number }
  /** Column names known already: no header is read, every record in the range is data. */
  columns?: readonly string[]
}

/** Knobs for tests and benchmarks. */
export interface CsvTuning {
  chunkBytes?: number
  maxBatchRows?: number
  /** Characters of a chunk that may finish the record cut at the end of the one before. */
  headChars?: number
}

// Chunks and batches this size stay in the CPU caches; larger ones measured slower. A batch's
// cells are alive until it is profiled: past ~100k of them, V8's young generation (16 MiB
// semi-spaces) copies and promotes them, and collection took a quarter of the scan (12
// columns: 8k-row batches 4.4 s, 12k 5.6 s, 16k 5.6 s on a 257 MiB file). So batches are
// sized by cells, not rows.
const CHUNK_BYTES = 1024 * 1024
/** How much of the next chunk finishes a record cut at a chunk's end (longer records join the whole chunk). */
const HEAD_CHARS = 64 * 1024
const BATCH_CELLS = 98_304
const MIN_BATCH_ROWS = 512
const MAX_BATCH_ROWS = 32_768

function batchRows(columns: number, tuning: CsvTuning): number {
  return tuning.maxBatchRows ?? Math.min(MAX_BATCH_ROWS, Math.max(MIN_BATCH_ROWS, Math.floor(BATCH_CELLS / Math.max(1, columns))))
}

export function openCsvReader(absPath: string, options: Partial<CsvOptions> = {}, tuning: CsvTuning = {}): DataReader {
  const resolved = resolveCsvOptions(options)
  return { unit: 'line', batches: () => readBatches(absPath, resolved, tuning) }
}

export function resolveCsvOptions(options: Partial<CsvOptions>): CsvOptions {
  const delimiter = options.delimiter ?? ','
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || '"\r\n'.includes(delimiter)) {
    throw new Error(`CSV delimiter must be one ASCII character other than a quote or line break, not ${JSON.stringify(delimiter)}`)
  }
  return { header: true, encoding: 'utf-8', ...options, delimiter }
}

async function* readBatches(absPath: string, options: CsvOptions, tuning: CsvTuning): AsyncGenerator<RowBatch> {
  const { range, delimiter } = options
  let names: string[] | undefined = options.columns ? [...options.columns] : undefined
  const tok = new CsvTokenizer(delimiter, names ?? [], range?.firstLine ?? 1, batchRows(names?.length ?? 0, tuning))
  if (!names) {
    tok.header = []
    tok.headerIsNames = options.header
  }
  let carry = ''
  let carryBad: number[] = []
  let skipper: RecordSkipper | undefined
  let skipLine = 0
  let yielded = false
  let bytesRead = range?.start ?? 0

  const emit = (): RowBatch => {
    const length = tok.rows
    for (const column of tok.cells) if (column.length > length) column.length = length
    const batch: RowBatch = { columns: names ?? [], length, lines: tok.lines, cells: tok.cells, defects: tok.defects, bytesRead }
    tok.reset()
    yielded = true
    return batch
  }

  const chunks = readTextChunks(absPath, {
    encoding: options.encoding,
    start: range?.start ?? 0,
    end: range?.end ?? Infinity,
    chunkBytes: tuning.chunkBytes ?? CHUNK_BYTES,
  })
  /** Parses `s` from `pos` until it is used up, emitting full batches; returns where it stopped. */
  function* parseAll(s: string, pos: number, final: boolean): Generator<RowBatch, number> {
    for (;;) {
      pos = tok.parse(s, pos, final)
      if (tok.stop === Stop.Full) yield emit()
      else if (tok.stop === Stop.Header) {
        const fields = tok.header ?? []
        tok.header = undefined
        names = options.header ? headerNames(fields, tok.headerLine, delimiter) : fields.map((_, i) => `column_${i + 1}`)
        tok.names = names
        tok.cells = names.map(() => [])
        tok.maxRows = batchRows(names.length, tuning)
        if (!options.header) {
          // Read the first record again, as data.
          pos = tok.headerStart
          tok.line = tok.headerLine
        }
      } else return pos
    }
  }

  for await (const chunk of chunks) {
    bytesRead = chunk.bytesRead
    let s = chunk.text
    let pos = 0
    tok.badAt = 0
    if (carry.length > 0) {
      // The record cut at the end of the last chunk is finished from the head of this one, and the
      // rest of the chunk is parsed as it is: carry + chunk would be a rope, and flattening it (a
      // copy of the whole chunk) was a twentieth of a scan.
      const head = Math.min(s.length, tuning.headChars ?? HEAD_CHARS)
      const joined = carry + s.slice(0, head)
      tok.bad = joinBad(carryBad, chunk.bad, carry.length, head)
      const whole = head === s.length
      const end = yield* parseAll(joined, 0, chunk.final && whole)
      if (whole) {
        s = joined
        pos = end
      } else if (end >= carry.length) {
        tok.bad = chunk.bad
        tok.badAt = 0
        pos = yield* parseAll(s, end - carry.length, chunk.final)
      } else {
        // A record longer than the head: join the whole chunk after all.
        s = carry + s
        tok.bad = joinBad(carryBad, chunk.bad, carry.length, chunk.text.length)
        tok.badAt = 0
        pos = yield* parseAll(s, end, chunk.final)
      }
    } else {
      tok.bad = chunk.bad
      if (skipper) {
        pos = skipper.scan(s, chunk.final)
        if (pos === -1) {
          carry = ''
          carryBad = []
          continue
        }
        tok.line = skipLine + 1 + skipper.lines
        skipper = undefined
      }
      pos = yield* parseAll(s, pos, chunk.final)
    }
    if (tok.stop === Stop.End) break
    carry = pos < s.length ? s.slice(pos) : ''
    carryBad = tok.bad.length === 0 ? [] : tok.bad.filter((at) => at >= pos).map((at) => at - pos)
    if (carry.length > MAX_RECORD_CHARS) {
      // Skip the record from here on without holding it: only its quoting state and line count are kept.
      if (tok.header) throw headerTooLong(tok.line)
      tok.defects.push(tooLong(carry, 0, tok.line))
      skipper = new RecordSkipper(delimiter.charCodeAt(0))
      skipLine = tok.line
      if (skipper.scan(carry, false) !== -1) throw new Error('CSV reader: a record too long to hold ended inside it')
      carry = ''
      carryBad = []
    }
    if (names && (tok.rows > 0 || tok.defects.length > 0 || !yielded)) yield emit()
  }
  if (!names) throw new DataError('file is empty: expected a header row')
  // Even a header-only file gives one (empty) batch, so its columns are known.
  if (!yielded || tok.rows > 0 || tok.defects.length > 0) yield emit()
}

function headerNames(fields: ReadonlyArray<string | null>, line: number, delimiter: string): string[] {
  const names = fields.map((field) => field ?? '')
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) {
      throw new DataError(`line ${line}: duplicate column name "${name}" in the header`, line, exampleText(names.join(delimiter)), { column: name })
    }
    seen.add(name)
  }
  return names
}

/** The replacement-character offsets of carry + the first `length` characters of a chunk. */
function joinBad(carryBad: readonly number[], chunkBad: readonly number[], carryLength: number, length: number): number[] {
  if (carryBad.length === 0 && chunkBad.length === 0) return []
  return [...carryBad, ...chunkBad.filter((at) => at < length).map((at) => at + carryLength)]
}
