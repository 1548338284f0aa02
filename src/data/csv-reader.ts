import { createReadStream } from 'node:fs'
import type { TransformCallback } from 'node:stream'
import { CsvError, Parser } from 'csv-parse'
import { DataError } from './data-error.js'
import type { DataReader, DataRow } from './reader.js'

// Dialect, chosen to be predictable rather than clever:
// - the first non-blank line is the header; blank lines are skipped everywhere
// - a field is quoted only when it starts with `"`; stray quotes elsewhere are literal
// - the only null is an empty cell (`,,` or `,"",`); "NA", "null" etc. are plain strings
// - cells are not trimmed; record delimiters \n, \r\n and \r are auto-detected
// - a UTF-8 byte order mark is dropped

/** Bounds memory when a quote is left open in a huge file. */
const MAX_RECORD_BYTES = 8 * 1024 * 1024
const EXAMPLE_CHARS = 200

interface ParsedRecord {
  line: number
  fields: string[]
}

/**
 * Numbers each record with the physical line it starts on, and hands records
 * on in one batch per file chunk so the consumer awaits once per chunk rather
 * than once per row. csv-parse's own `info.lines` counts \r\n inside quoted
 * fields twice, and its per-record info snapshots (`info`, `on_record`) double
 * the parse time, so lines are counted here as csv-parse pushes records:
 * synchronously and in order, which keeps the count exact even when an error
 * discards batches still buffered in the stream.
 */
class BatchingParser extends Parser {
  /** Newlines inside and after every record pushed so far. */
  #newlinesBefore = 0
  #batch: ParsedRecord[] = []

  constructor(delimiter: string) {
    super({
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_quotes: true,
      // Ragged rows are reported by the reader, which knows the header.
      relax_column_count: true,
      max_record_size: MAX_RECORD_BYTES,
    })
  }

  /** Line where the next record starts (or the unfinished one an error stopped in). */
  nextLine(): number {
    return 1 + this.#newlinesBefore + this.info.empty_lines
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (!Array.isArray(chunk)) {
      this.#flushBatch()
      return super.push(chunk, encoding)
    }
    const fields = chunk as string[]
    this.#batch.push({ line: this.nextLine(), fields })
    this.#newlinesBefore += 1 + countNewlines(fields)
    return true
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (error) => {
      this.#flushBatch()
      callback(error)
    })
  }

  #flushBatch(): void {
    if (this.#batch.length === 0) return
    super.push(this.#batch)
    this.#batch = []
  }
}

/** Streams a CSV (delimiter ',') or TSV (delimiter '\t') file in constant memory. */
export function openCsvReader(absPath: string, delimiter: ',' | '\t'): DataReader {
  const parser = new BatchingParser(delimiter)
  const file = createReadStream(absPath)
  file.on('error', (error) => parser.destroy(error))
  file.pipe(parser)
  const batches: AsyncIterator<ParsedRecord[]> = parser[Symbol.asyncIterator]()
  /** Records read past the header, handed to rows() first. */
  let pending: ParsedRecord[] = []

  const nextBatch = async (): Promise<ParsedRecord[] | undefined> => {
    if (pending.length > 0) {
      const batch = pending
      pending = []
      return batch
    }
    try {
      const result = await batches.next()
      return result.done ? undefined : result.value
    } catch (error) {
      throw error instanceof CsvError ? toDataError(error, parser.nextLine()) : error
    }
  }
  const close = (): void => {
    file.destroy()
    parser.destroy()
  }

  let header: Promise<string[]> | undefined
  const columns = (): Promise<string[]> => {
    header ??= (async () => {
      const batch = await nextBatch()
      if (!batch) throw new DataError('file is empty: expected a header row')
      pending = batch.slice(1)
      return readHeader(batch[0] as ParsedRecord)
    })().catch((error: unknown) => {
      close()
      throw error
    })
    return header
  }

  async function* rows(): AsyncGenerator<DataRow> {
    const names = await columns()
    try {
      for (let batch = await nextBatch(); batch; batch = await nextBatch()) {
        for (const { line, fields } of batch) {
          if (fields.length !== names.length) {
            throw new DataError(
              `line ${line}: expected ${names.length} fields, found ${fields.length}`,
              line,
              truncate(fields.join(delimiter)),
            )
          }
          // The parser's array is reused as the row to spare an allocation per row.
          const values: Array<string | null> = fields
          for (let i = 0; i < values.length; i++) if (values[i] === '') values[i] = null
          yield { line, values }
        }
      }
    } finally {
      close()
    }
  }

  return { columns, rows }
}

function readHeader(record: ParsedRecord): string[] {
  const seen = new Set<string>()
  for (const name of record.fields) {
    if (seen.has(name)) throw new DataError(`line ${record.line}: duplicate column name "${name}" in the header`, record.line)
    seen.add(name)
  }
  return record.fields
}

function countNewlines(fields: string[]): number {
  let count = 0
  for (const field of fields) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) count++
  }
  return count
}

function toDataError(error: CsvError, line: number): DataError {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(`line ${line}: a quoted field is never closed`, line)
    case 'CSV_MAX_RECORD_SIZE':
      return new DataError(
        `line ${line}: a row longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB starts here; is a quote left open?`,
        line,
      )
    default:
      return new DataError(`line ${line}: ${error.message}`, line)
  }
}

function truncate(text: string): string {
  return text.length <= EXAMPLE_CHARS ? text : `${text.slice(0, EXAMPLE_CHARS)}…`
}
