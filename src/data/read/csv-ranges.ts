import { open } from 'node:fs/promises'
import { openCsvReader, resolveCsvOptions, type CsvOptions } from './csv-reader.js'

// Splits a CSV file into byte ranges that start on record boundaries, for
// workers that each read one range. A line break ends a record when the
// quotes before it are balanced, which holds exactly when every quote opens a
// field or closes one (RFC 4180). One pass counts quotes and line breaks up to
// the last split point; a file with a stray quote (`5'3"`, `"a"b`) or lone CR
// line ends is not split, so a split never lands inside a field.

export interface CsvRange {
  start: number
  /** Exclusive. */
  end: number
  /** 1-based line at `start`. */
  firstLine: number
}

export interface CsvPlan {
  /** The header's column names (or column_1… without a header), which every range shares. */
  columns: string[]
  /** In file order, covering every data byte after the header; at least two. */
  ranges: CsvRange[]
}

const CHUNK_BYTES = 8 * 1024 * 1024
const QUOTE = 34
const LF = 10
const CR = 13

/** Up to `parts` ranges of about equal size; undefined when the file cannot be split (then it is read whole, as usual). */
export async function planCsvRanges(absPath: string, read: Partial<CsvOptions>, parts: number, chunkBytes = CHUNK_BYTES): Promise<CsvPlan | undefined> {
  const options = resolveCsvOptions(read)
  const columns = await readColumns(absPath, options)
  const file = await open(absPath, 'r')
  try {
    const size = (await file.stat()).size
    const walker = new BoundaryWalker(options.delimiter.charCodeAt(0))
    // UTF-16 bytes are not ASCII-compatible: such a file is read whole.
    if (options.encoding === 'utf-16le' || parts < 2) return undefined
    const buf = Buffer.allocUnsafe(chunkBytes + 1)
    let dataStart = options.header ? -1 : 0
    let dataLine = 1
    const targets: number[] = []
    const aim = (from: number): void => {
      const step = (size - from) / parts
      for (let k = 1; k < parts; k++) targets.push(Math.floor(from + k * step))
    }
    if (dataStart === 0) aim(0)
    const starts: Array<{ start: number; line: number }> = []
    for (let offset = 0; offset < size; offset += chunkBytes) {
      const { bytesRead } = await file.read(buf, 0, Math.min(chunkBytes + 1, size - offset), offset)
      const n = Math.min(bytesRead, chunkBytes)
      const view = buf.subarray(0, bytesRead)
      let i = 0
      while (i < n) {
        if (dataStart === -1) {
          // The header ends at the first balanced line break after some text.
          const boundary = walker.nextBoundary(view, n, i, offset, offset === 0 && i === 0)
          if (boundary === -1) break
          i = boundary - offset
          if (walker.sawText) {
            dataStart = boundary
            dataLine = walker.lines + 1
            aim(dataStart)
          }
          continue
        }
        const target = targets[starts.length]
        if (target === undefined) break
        if (target >= offset + n) {
          walker.skip(view, n, i, offset)
          i = n
          break
        }
        if (target > offset + i) {
          walker.skip(view, target - offset, i, offset)
          i = target - offset
        }
        const boundary = walker.nextBoundary(view, n, i, offset, false)
        if (boundary === -1) break
        i = boundary - offset
        if (boundary < size) starts.push({ start: boundary, line: walker.lines + 1 })
        // Later targets this boundary passed are dropped: that range would be empty.
        while (targets.length > starts.length && (targets[starts.length] as number) < boundary) targets.splice(starts.length, 1)
      }
      walker.endChunk(view, n)
      if (walker.unsplittable) return undefined
      if (dataStart !== -1 && starts.length >= targets.length) break
    }
    if (dataStart === -1 || walker.unsplittable || starts.length === 0) return undefined
    const bounds = [{ start: dataStart, line: dataLine }, ...starts]
    return {
      columns,
      ranges: bounds.map((b, k) => ({ start: b.start, end: bounds[k + 1]?.start ?? size, firstLine: b.line })),
    }
  } finally {
    await file.close()
  }
}

/** The header's names, as the reader gives them (errors about the header come from there). */
async function readColumns(absPath: string, options: CsvOptions): Promise<string[]> {
  for await (const batch of openCsvReader(absPath, options, { maxBatchRows: 1, chunkBytes: 1024 * 1024 }).batches()) return [...batch.columns]
  return []
}

/** Follows quotes and line breaks through the file in order. */
class BoundaryWalker {
  inQuotes = false
  /** Line breaks passed so far. */
  lines = 0
  /** A byte other than a line break or BOM was seen before the last boundary found. */
  sawText = false
  /** A quote not at a field's edge, or a lone CR: record ends cannot be told from bytes alone. */
  unsplittable = false
  private text = false
  /** The byte before the current chunk, to judge a quote at its start. */
  private last: number | undefined

  endChunk(buf: Buffer, n: number): void {
    if (n > 0) this.last = buf[n - 1]
  }

  constructor(private readonly d: number) {}

  /** Walks [from, to) counting quotes and line breaks. */
  skip(buf: Buffer, to: number, from: number, offset: number): void {
    let i = from
    while (i < to) {
      const q = buf.indexOf(QUOTE, i)
      const stop = q === -1 || q >= to ? to : q
      this.countBreaks(buf, i, stop)
      if (stop === to) return
      this.quote(buf, q, offset)
      i = q + 1
    }
  }

  /** The file offset just past the next balanced LF at or after `from` in buf[0, n), or -1 when there is none in it. */
  nextBoundary(buf: Buffer, n: number, from: number, offset: number, atStart: boolean): number {
    let i = from
    if (atStart && n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3
    while (i < n) {
      const lf = buf.indexOf(LF, i)
      const end = lf === -1 || lf >= n ? n : lf
      // Quotes before this LF decide whether it ends a record.
      let j = i
      while (j < end) {
        const q = buf.indexOf(QUOTE, j)
        if (q === -1 || q >= end) break
        this.quote(buf, q, offset)
        j = q + 1
      }
      this.noteText(buf, i, end)
      if (this.hasLoneCR(buf, i, end, n)) this.unsplittable = true
      if (end === n) return -1
      this.lines++
      i = end + 1
      if (!this.inQuotes) {
        this.sawText = this.text
        return offset + i
      }
    }
    return -1
  }

  private noteText(buf: Buffer, from: number, to: number): void {
    if (this.text) return
    for (let k = from; k < to; k++) {
      if (buf[k] !== CR) {
        this.text = true
        return
      }
    }
  }

  private countBreaks(buf: Buffer, from: number, to: number): void {
    for (let k = buf.indexOf(LF, from); k !== -1 && k < to; k = buf.indexOf(LF, k + 1)) this.lines++
    if (this.hasLoneCR(buf, from, to, to)) this.unsplittable = true
  }

  private hasLoneCR(buf: Buffer, from: number, to: number, n: number): boolean {
    for (let k = this.nextCR(buf, from); k < to; k = this.nextCR(buf, k + 1)) {
      if (k + 1 < buf.length ? buf[k + 1] !== LF : k + 1 < n) return true
    }
    return false
  }

  // The next CR at or after `from` is kept until the walk passes it: a file without CRs
  // would otherwise be searched to the chunk's end once per line.
  private crBuf: Buffer | undefined
  private crFrom = 0
  private crAt = 0

  /** Offset of the next CR at or after `from` in buf, or buf.length when there is none. */
  private nextCR(buf: Buffer, from: number): number {
    if (buf !== this.crBuf || from < this.crFrom || from > this.crAt) {
      const k = buf.indexOf(CR, from)
      this.crBuf = buf
      this.crFrom = from
      this.crAt = k === -1 ? buf.length : k
    }
    return this.crAt
  }

  private quote(buf: Buffer, q: number, offset: number): void {
    const d = this.d
    if (!this.inQuotes) {
      const prev = q > 0 ? buf[q - 1] : offset === 0 ? undefined : this.last
      const ok = prev === undefined || prev === d || prev === LF || prev === CR || prev === QUOTE || (offset + q === 3 && prev === 0xbf)
      if (!ok) this.unsplittable = true
      this.inQuotes = true
    } else {
      // The chunk is read with one byte beyond it, so `next` is at hand unless the file ends.
      const next = q + 1 < buf.length ? buf[q + 1] : undefined
      const ok = next === undefined || next === d || next === LF || next === CR || next === QUOTE
      if (!ok) this.unsplittable = true
      this.inQuotes = false
    }
  }
}
