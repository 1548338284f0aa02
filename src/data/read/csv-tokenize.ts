import { DataError } from '../data-error.js'
import { exampleText, type ReadDefect } from './batch.js'

// The CSV tokenizer: turns a decoded string into column-major cells. It finds
// delimiters, line ends and quotes with indexOf, whose results it keeps until
// the scan passes them, so each character is searched for about once per kind.
// A record cut by the end of the string is left for the caller to prepend to
// the next chunk; records are never built piece by piece.

const QUOTE = 34
const LF = 10
const CR = 13

/** Longer records are reported and skipped, which bounds the memory a runaway quote can take. */
export const MAX_RECORD_CHARS = 8 * 1024 * 1024
export const MAX_RECORD_TEXT = '8 MiB'

export const enum Stop {
  /** The string is used up; on a non-final string the record at `pos` continues in the next chunk. */
  More,
  /** The batch is full; call again from `pos`. */
  Full,
  /** The header record was read (header mode). */
  Header,
  /** A quote is never closed: no more data. */
  End,
}

export class CsvTokenizer {
  /** Line at the next record. */
  line: number
  cells: Array<Array<string | null>> = []
  lines: number[] = []
  rows = 0
  defects: ReadDefect[] = []
  /** Offsets of replacement characters in the current string, with the next unreported one at `badAt`. */
  bad: number[] = []
  badAt = 0
  /** Header mode: the next record's fields go to `header` instead of the batch. */
  header: Array<string | null> | undefined
  headerLine = 0
  headerStart = 0
  /** False when the first record is data (header: false): its defects are reported when it is read again as a row. */
  headerIsNames = true

  constructor(
    readonly delimiter: string,
    public names: readonly string[],
    firstLine: number,
    public maxRows: number,
  ) {
    this.line = firstLine
    this.reset()
  }

  reset(): void {
    this.cells = this.names.map(() => [])
    this.lines = []
    this.rows = 0
    this.defects = []
  }

  /** Reads records of `s` from `pos`; returns where it stopped and why via `stop`. */
  stop: Stop = Stop.More

  parse(s: string, pos: number, final: boolean): number {
    const len = s.length
    const dch = this.delimiter
    const d = dch.charCodeAt(0)
    const cells = this.cells
    const lines = this.lines
    const ncols = cells.length
    const header = this.header
    let rows = this.rows
    let line = this.line
    // Next delimiter, LF and CR at or after the scan position; `len` when there is none.
    let nextD = -1
    let nextLF = -1
    let nextCR = -1
    let stop = Stop.More
    let recStart = pos
    records: for (;;) {
      recStart = pos
      if (pos >= len) break
      const first = s.charCodeAt(pos)
      if (first === LF) {
        line++
        pos++
        continue
      }
      if (first === CR) {
        if (pos + 1 >= len && !final) break
        line++
        pos += s.charCodeAt(pos + 1) === LF ? 2 : 1
        continue
      }
      if (header) header.length = 0
      const recLine = line
      let extra = 0
      let c = 0
      let end: number
      for (;;) {
        let value: string | null
        if (pos < len && s.charCodeAt(pos) === QUOTE) {
          let q = pos + 1
          let escaped = false
          let j: number
          for (;;) {
            j = s.indexOf('"', q)
            if (j === -1 || (j + 1 >= len && !final)) {
              if (!final) {
                pos = recStart
                break records
              }
              if (j === -1) {
                this.unclosed(s, recStart, pos, recLine, c)
                stop = Stop.End
                pos = len
                break records
              }
            }
            if (s.charCodeAt(j + 1) === QUOTE) {
              escaped = true
              q = j + 2
              continue
            }
            break
          }
          if (nextLF < pos) nextLF = at(s.indexOf('\n', pos), len)
          while (nextLF < j) {
            extra++
            nextLF = at(s.indexOf('\n', nextLF + 1), len)
          }
          if (nextCR < pos) nextCR = at(s.indexOf('\r', pos), len)
          while (nextCR < j) {
            if (s.charCodeAt(nextCR + 1) !== LF) extra++
            nextCR = at(s.indexOf('\r', nextCR + 1), len)
          }
          const after = j + 1
          const next = after < len ? s.charCodeAt(after) : LF
          if (next === d || next === LF || next === CR) {
            value = j === pos + 1 ? null : escaped ? s.slice(pos + 1, j).replaceAll('""', '"') : s.slice(pos + 1, j)
            pos = after
          } else {
            // Text after the closing quote: the field is not a quoted one and is kept verbatim (as csv-parse's relax_quotes does).
            if (nextD < after) nextD = at(s.indexOf(dch, after), len)
            if (nextLF < after) nextLF = at(s.indexOf('\n', after), len)
            if (nextCR < after) nextCR = at(s.indexOf('\r', after), len)
            const stopAt = Math.min(nextD, nextLF, nextCR)
            if (stopAt === len && !final) {
              pos = recStart
              break records
            }
            value = s.slice(pos, stopAt)
            pos = stopAt
          }
          if (c < ncols) (cells[c] as Array<string | null>)[rows] = value
          else if (header) header.push(value)
          c++
          if (pos < len && s.charCodeAt(pos) === d) {
            pos++
            continue
          }
          end = pos
          break
        }
        if (nextD < pos) nextD = at(s.indexOf(dch, pos), len)
        if (nextLF < pos) nextLF = at(s.indexOf('\n', pos), len)
        if (nextCR < pos) nextCR = at(s.indexOf('\r', pos), len)
        const eol = nextLF < nextCR ? nextLF : nextCR
        if (nextD < eol) {
          value = nextD === pos ? null : s.slice(pos, nextD)
          pos = nextD + 1
          if (c < ncols) (cells[c] as Array<string | null>)[rows] = value
          else if (header) header.push(value)
          c++
          continue
        }
        if (eol === len && !final) {
          pos = recStart
          break records
        }
        value = eol === pos ? null : s.slice(pos, eol)
        if (c < ncols) (cells[c] as Array<string | null>)[rows] = value
        else if (header) header.push(value)
        c++
        end = eol
        break
      }
      if (end < len && s.charCodeAt(end) === CR) {
        if (end + 1 >= len && !final) {
          pos = recStart
          break
        }
        pos = s.charCodeAt(end + 1) === LF ? end + 2 : end + 1
      } else pos = end < len ? end + 1 : len
      line = recLine + 1 + extra
      if (end - recStart > MAX_RECORD_CHARS) {
        if (header) throw headerTooLong(recLine)
        this.defects.push(tooLong(s, recStart, recLine))
        continue
      }
      if (this.badAt < this.bad.length && (this.bad[this.badAt] as number) < end && (!header || this.headerIsNames)) {
        this.badBytes(s, recStart, end, recLine)
      }
      if (header) {
        this.headerLine = recLine
        this.headerStart = recStart
        stop = Stop.Header
        break
      }
      if (c !== ncols) {
        this.defects.push({
          kind: 'ragged',
          line: recLine,
          message: `line ${recLine}: expected ${ncols} fields, found ${c}`,
          example: exampleText(s.slice(recStart, Math.min(end, recStart + 201))),
        })
        continue
      }
      lines[rows] = recLine
      rows++
      if (rows >= this.maxRows) {
        stop = Stop.Full
        break
      }
    }
    this.rows = rows
    this.line = line
    this.stop = stop
    return pos
  }

  /** Reports the replacement characters in record [start, end), one defect per record. */
  private badBytes(s: string, start: number, end: number, recLine: number): void {
    while (this.badAt < this.bad.length && (this.bad[this.badAt] as number) < start) this.badAt++
    const offset = this.bad[this.badAt]
    if (offset === undefined || offset >= end) return
    const where = locate(s, start, offset, this.delimiter.charCodeAt(0))
    const line = recLine + where.lines
    const column = this.header ? (this.header[where.field] ?? undefined) : this.names[where.field]
    this.defects.push({
      kind: 'encoding',
      line,
      position: where.position,
      ...(column == null ? {} : { column }),
      message: `line ${line}: invalid UTF-8 at position ${where.position}${column == null ? '' : ` (column "${column}")`}, read as U+FFFD`,
      example: exampleText(s.slice(start, Math.min(end, start + 201))),
    })
    while (this.badAt < this.bad.length && (this.bad[this.badAt] as number) < end) this.badAt++
  }

  private unclosed(s: string, start: number, quoteAt: number, recLine: number, field: number): void {
    if (this.header) {
      const where = locate(s, start, quoteAt, this.delimiter.charCodeAt(0))
      throw new DataError(`line ${recLine + where.lines}: a quoted field in the header is never closed`, recLine + where.lines, exampleText(s.slice(quoteAt, quoteAt + 201)), { position: where.position })
    }
    if (s.length - start > MAX_RECORD_CHARS) {
      // Whether a runaway quote is reported as too long must not depend on where chunks end.
      this.defects.push(tooLong(s, start, recLine))
      return
    }
    const where = locate(s, start, quoteAt, this.delimiter.charCodeAt(0))
    const line = recLine + where.lines
    const column = this.names[field]
    this.defects.push({
      kind: 'quote',
      line,
      position: where.position,
      ...(column === undefined ? {} : { column }),
      message: `line ${line}: a quoted field is never closed`,
      example: exampleText(s.slice(quoteAt, quoteAt + 201)),
    })
  }
}

function at(index: number, none: number): number {
  return index === -1 ? none : index
}

export function headerTooLong(line: number): DataError {
  return new DataError(`line ${line}: the header row is longer than ${MAX_RECORD_TEXT}; is a quote left open?`, line)
}

export function tooLong(s: string, start: number, line: number): ReadDefect {
  return {
    kind: 'too-long',
    line,
    message: `line ${line}: a row longer than ${MAX_RECORD_TEXT} starts here; is a quote left open?`,
    example: exampleText(s.slice(start, start + 201)),
  }
}

/** Line breaks before `target` in the record starting at `start`, the 1-based position in its line, and its field. */
export function locate(s: string, start: number, target: number, d: number): { lines: number; position: number; field: number } {
  let lines = 0
  let lineStart = start
  let field = 0
  let quoted = false
  let fieldStart = true
  for (let i = start; i < target; i++) {
    const ch = s.charCodeAt(i)
    if (quoted) {
      if (ch === QUOTE) {
        if (s.charCodeAt(i + 1) === QUOTE && i + 1 < target) i++
        else quoted = false
      } else if (ch === LF || (ch === CR && s.charCodeAt(i + 1) !== LF)) {
        lines++
        lineStart = i + 1
      }
    } else if (ch === d) {
      field++
      fieldStart = true
      continue
    } else if (ch === QUOTE && fieldStart) quoted = true
    fieldStart = false
  }
  return { lines, position: target - lineStart + 1, field }
}

/**
 * Follows a record that is being skipped (too long) across chunks, with the
 * tokenizer's quoting rules, to where it ends; counts its line breaks.
 */
export class RecordSkipper {
  /** Line breaks inside quoted fields so far. */
  lines = 0
  private quoted = false
  private fieldStart = true
  /** The last string ended on a quote inside a quoted field: escaped or closing depends on the next character. */
  private quoteAtEnd = false
  /** The last string ended on a CR ending the record; an LF may follow it. */
  private crAtEnd = false
  /** The last string ended on a CR inside quotes, not yet counted. */
  private lastCR = false

  constructor(private readonly d: number) {}

  /** Position just past the record's end in `s`, or -1 when it goes on past `s`. */
  scan(s: string, final: boolean): number {
    const len = s.length
    if (len === 0) return final ? 0 : -1
    let i = 0
    if (this.crAtEnd) return s.charCodeAt(0) === LF ? 1 : 0
    if (this.lastCR) {
      this.lastCR = false
      if (s.charCodeAt(0) !== LF) this.lines++
    }
    if (this.quoteAtEnd) {
      this.quoteAtEnd = false
      if (s.charCodeAt(0) === QUOTE) i = 1
      else {
        this.quoted = false
        this.fieldStart = false
      }
    }
    while (i < len) {
      if (this.quoted) {
        const j = s.indexOf('"', i)
        const stop = j === -1 ? len : j
        for (let k = s.indexOf('\n', i); k !== -1 && k < stop; k = s.indexOf('\n', k + 1)) this.lines++
        for (let k = s.indexOf('\r', i); k !== -1 && k < stop; k = s.indexOf('\r', k + 1)) {
          if (k + 1 === len) this.lastCR = true
          else if (s.charCodeAt(k + 1) !== LF) this.lines++
        }
        if (j === -1) return final ? len : -1
        if (j + 1 === len) {
          if (final) return len
          this.quoteAtEnd = true
          return -1
        }
        if (s.charCodeAt(j + 1) === QUOTE) i = j + 2
        else {
          this.quoted = false
          this.fieldStart = false
          i = j + 1
        }
        continue
      }
      if (this.fieldStart && s.charCodeAt(i) === QUOTE) {
        this.quoted = true
        this.fieldStart = false
        i++
        continue
      }
      const q = s.indexOf('"', i)
      const lf = s.indexOf('\n', i)
      const cr = s.indexOf('\r', i)
      const eol = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr)
      if (eol !== -1 && (q === -1 || eol < q)) {
        if (eol !== cr) return eol + 1
        if (eol + 1 < len) return s.charCodeAt(eol + 1) === LF ? eol + 2 : eol + 1
        if (final) return len
        this.crAtEnd = true
        return -1
      }
      if (q === -1) {
        this.fieldStart = s.charCodeAt(len - 1) === this.d
        return final ? len : -1
      }
      // A quote opens a quoted field only at the start of a field.
      this.quoted = q > i ? s.charCodeAt(q - 1) === this.d : this.fieldStart
      this.fieldStart = false
      i = q + 1
    }
    return final ? len : -1
  }
}
