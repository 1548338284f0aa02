import { DataError } from '../data-error.js'
import { exampleText, type Cell, type DataReader, type ReadDefect, type RowBatch } from './batch.js'
import { readTextChunks } from './decode-text.js'

// JSON Lines and JSON arrays of objects, streamed in chunks. Each record is
// cut out of the text first (a line, or one top-level array element found by
// following strings and nesting) and only then parsed, so a bad record is one
// defect and reading goes on after it. Nested objects flatten to dotted names;
// arrays are kept as their JSON text.

export interface JsonTuning {
  chunkBytes?: number
  maxBatchRows?: number
}

const CHUNK_BYTES = 4 * 1024 * 1024
const MAX_BATCH_ROWS = 65_536
const MAX_RECORD_CHARS = 8 * 1024 * 1024

export function openJsonLinesReader(absPath: string, tuning: JsonTuning = {}): DataReader {
  return { unit: 'line', batches: () => readRecords(absPath, new LineSplitter(), tuning) }
}

export function openJsonArrayReader(absPath: string, tuning: JsonTuning = {}): DataReader {
  return { unit: 'line', batches: () => readRecords(absPath, new ArraySplitter(), tuning) }
}

interface Piece {
  text: string
  line: number
  /** A U+FFFD from invalid UTF-8 is in it, at this offset. */
  badAt?: number
}

/** Cuts records out of decoded text; whatever it cannot finish waits for the next chunk. */
interface Splitter {
  /** Records in `s` from `pos`; returns where the unfinished rest starts. */
  split(s: string, final: boolean, bad: readonly number[], out: Piece[]): number
  /** Called when the carried text passed MAX_RECORD_CHARS: the record is skipped from here on. */
  skipLong(s: string, defects: ReadDefect[]): void
  /** The text ended; a defect if it ended mid-structure. */
  end(defects: ReadDefect[]): void
}

async function* readRecords(absPath: string, splitter: Splitter, tuning: JsonTuning): AsyncGenerator<RowBatch> {
  const table = new ColumnTable(tuning.maxBatchRows ?? MAX_BATCH_ROWS)
  let carry = ''
  let carryBad: number[] = []
  let sawText = false
  const pieces: Piece[] = []
  for await (const chunk of readTextChunks(absPath, { encoding: 'utf-8', start: 0, end: Infinity, chunkBytes: tuning.chunkBytes ?? CHUNK_BYTES })) {
    const s = carry + chunk.text
    const bad = carryBad.length === 0 && chunk.bad.length === 0 ? chunk.bad : [...carryBad, ...chunk.bad.map((at) => at + carry.length)]
    if (!sawText && /\S/.test(s)) sawText = true
    pieces.length = 0
    const rest = splitter.split(s, chunk.final, bad, pieces)
    for (const piece of pieces) {
      // A record can arrive whole in one chunk and still be over the limit the carry enforces.
      if (piece.text.length > MAX_RECORD_CHARS) {
        table.defects.push(tooLong(piece.line, piece.text))
        continue
      }
      table.add(piece)
      if (table.full()) yield table.flush(chunk.bytesRead)
    }
    carry = rest < s.length ? s.slice(rest) : ''
    carryBad = bad.filter((at) => at >= rest).map((at) => at - rest)
    if (carry.length > MAX_RECORD_CHARS) {
      splitter.skipLong(carry, table.defects)
      carry = ''
      carryBad = []
    }
    if (chunk.final) break
    if (table.length > 0 || table.defects.length > 0) yield table.flush(chunk.bytesRead)
  }
  if (!sawText) throw new DataError('file is empty')
  splitter.end(table.defects)
  yield table.flush(undefined)
}

class LineSplitter implements Splitter {
  private line = 1
  /** Lines still to pass of a record skipped as too long. */
  private skipping = false

  split(s: string, final: boolean, bad: readonly number[], out: Piece[]): number {
    let pos = 0
    let b = 0
    for (;;) {
      const nl = s.indexOf('\n', pos)
      if (nl === -1 && !final) return pos
      const end = nl === -1 ? s.length : nl
      const text = s.charCodeAt(end - 1) === 13 ? s.slice(pos, end - 1) : s.slice(pos, end)
      while (b < bad.length && (bad[b] as number) < pos) b++
      if (this.skipping) this.skipping = false
      else if (text.trim().length > 0) out.push({ text, line: this.line, ...(b < bad.length && (bad[b] as number) < end ? { badAt: (bad[b] as number) - pos } : {}) })
      this.line++
      if (nl === -1) return s.length
      pos = nl + 1
    }
  }

  skipLong(s: string, defects: ReadDefect[]): void {
    if (this.skipping) return
    defects.push(tooLong(this.line, s))
    this.skipping = true
  }

  end(): void {}
}

class ArraySplitter implements Splitter {
  private line = 1
  private started = false
  private closed = false

  split(s: string, _final: boolean, bad: readonly number[], out: Piece[]): number {
    let pos = 0
    const len = s.length
    if (!this.started) {
      while (pos < len && isSpace(s.charCodeAt(pos))) pos = this.advance(s, pos)
      if (pos === len) return pos
      if (s.charCodeAt(pos) !== 91) throw new DataError('expected a JSON array of objects; for one object per line use format: jsonl', this.line, exampleText(s.slice(pos, pos + 201)))
      this.started = true
      pos++
    }
    let b = 0
    for (;;) {
      if (this.closed) return len
      // Between elements: spaces and one comma.
      while (pos < len && (isSpace(s.charCodeAt(pos)) || s.charCodeAt(pos) === 44)) pos = this.advance(s, pos)
      if (pos >= len) return pos
      if (s.charCodeAt(pos) === 93) {
        this.closed = true
        return len
      }
      const start = pos
      const startLine = this.line
      let end = this.elementEnd(s, pos)
      // Unfinished: it waits for the next chunk (or, at the end, is reported by end()).
      if (end === -1) return start
      // A stray `}` where an element should start is an element of its own (a syntax error), so the scan moves on.
      if (end === start) end = start + 1
      const text = s.slice(start, end)
      while (b < bad.length && (bad[b] as number) < start) b++
      out.push({ text, line: startLine, ...(b < bad.length && (bad[b] as number) < end ? { badAt: (bad[b] as number) - start } : {}) })
      for (let i = s.indexOf('\n', start); i !== -1 && i < end; i = s.indexOf('\n', i + 1)) this.line++
      pos = end
    }
  }

  /** End (exclusive) of the element at `pos`, or -1 when it goes past `s`. Scalars end at `,` `]` or space. */
  private elementEnd(s: string, pos: number): number {
    const len = s.length
    let depth = 0
    let i = pos
    while (i < len) {
      const ch = s.charCodeAt(i)
      if (ch === 34) {
        i++
        for (;;) {
          const q = s.indexOf('"', i)
          if (q === -1) return -1
          let slashes = 0
          for (let k = q - 1; k >= i && s.charCodeAt(k) === 92; k--) slashes++
          i = q + 1
          if (slashes % 2 === 0) break
        }
        if (depth === 0) return i
        continue
      }
      if (ch === 123 || ch === 91) depth++
      else if (ch === 125 || ch === 93) {
        if (depth === 0) return i
        depth--
        if (depth === 0) return i + 1
      } else if (depth === 0 && (ch === 44 || isSpace(ch))) return i
      i++
    }
    return -1
  }

  private advance(s: string, pos: number): number {
    if (s.charCodeAt(pos) === 10) this.line++
    return pos + 1
  }

  skipLong(s: string, defects: ReadDefect[]): void {
    // Too long to hold: report it and stop reading the array; what came before still counts.
    defects.push({ kind: 'too-long', line: this.line, message: `line ${this.line}: an array element longer than 8 MiB starts here`, example: exampleText(s.slice(0, 201)) })
    this.closed = true
  }

  end(defects: ReadDefect[]): void {
    if (this.started && !this.closed) {
      defects.push({ kind: 'truncated', line: this.line, message: `line ${this.line}: the file ends inside the JSON array (no closing "]")` })
    }
  }
}

function tooLong(line: number, text: string): ReadDefect {
  return { kind: 'too-long', line, message: `line ${line}: a record longer than 8 MiB starts here`, example: exampleText(text.slice(0, 201)) }
}

function isSpace(ch: number): boolean {
  return ch === 32 || ch === 10 || ch === 13 || ch === 9
}

/** Rows as columns; column names are append-only over the whole read. */
class ColumnTable {
  readonly names: string[] = []
  private readonly index = new Map<string, number>()
  cells: Cell[][] = []
  lines: number[] = []
  length = 0
  defects: ReadDefect[] = []

  constructor(private readonly maxRows: number) {}

  full(): boolean {
    return this.length >= this.maxRows
  }

  add(piece: Piece): void {
    const { text, line } = piece
    if (piece.badAt !== undefined) {
      const position = positionInLine(text, piece.badAt)
      this.defects.push({ kind: 'encoding', line: position.line + line, position: position.column, message: `line ${position.line + line}: invalid UTF-8 at position ${position.column}`, example: exampleText(text) })
      return
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      const at = /position (\d+)/.exec((error as Error).message)
      const where = at ? positionInLine(text, Number(at[1])) : undefined
      const defectLine = line + (where?.line ?? 0)
      this.defects.push({
        kind: 'syntax',
        line: defectLine,
        ...(where ? { position: where.column } : {}),
        message: `line ${defectLine}: not valid JSON: ${(error as Error).message}`,
        example: exampleText(text),
      })
      return
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
      this.defects.push({ kind: 'not-an-object', line, message: `line ${line}: expected a JSON object, found ${found}`, example: exampleText(text) })
      return
    }
    const row = this.length
    this.flatten(value as Record<string, unknown>, '', row)
    this.lines[row] = line
    this.length++
  }

  private flatten(object: Record<string, unknown>, prefix: string, row: number): void {
    for (const key of Object.keys(object)) {
      const value = object[key]
      const name = prefix === '' ? key : `${prefix}.${key}`
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        this.flatten(value as Record<string, unknown>, name, row)
        continue
      }
      let c = this.index.get(name)
      if (c === undefined) {
        c = this.names.length
        this.names.push(name)
        this.index.set(name, c)
        this.cells.push([])
      }
      const column = this.cells[c]!
      // Rows before this one that lacked the key are null.
      while (column.length < row) column.push(null)
      column[row] = value === undefined ? null : Array.isArray(value) ? JSON.stringify(value) : (value as Cell)
    }
  }

  flush(bytesRead: number | undefined): RowBatch {
    for (const column of this.cells) while (column.length < this.length) column.push(null)
    const batch: RowBatch = { columns: [...this.names], length: this.length, lines: this.lines, cells: this.cells, defects: this.defects, ...(bytesRead === undefined ? {} : { bytesRead }) }
    this.cells = this.names.map(() => [])
    this.lines = []
    this.length = 0
    this.defects = []
    return batch
  }
}

/** Line breaks before `offset` in `text`, and the 1-based position in its line. */
function positionInLine(text: string, offset: number): { line: number; column: number } {
  let line = 0
  let start = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    start = i + 1
  }
  return { line, column: offset - start + 1 }
}
