import type { DataEntry } from '../../spec/schema.js'
import type { Cell } from '../read/batch.js'
import type { CheckName, CheckResult } from '../result.js'
import { formatCount, formatShare } from './check-text.js'
import { addExample, mergeTally, newTally, type Tally, tallyResult } from './tally.js'

// Checks on the table as a whole: its row count, which columns it has, and
// whether any row repeats another.

const LISTED_COLUMNS = 20
/** Rows remembered by the duplicate check (a 52-bit hash and a line each, ~40 bytes). */
export const DUPLICATE_CAP = 2_000_000

export function rowsCheck(rows: number, bounds: NonNullable<DataEntry['rows']>): CheckResult {
  const { min, max } = bounds
  const expected =
    min !== undefined && max !== undefined
      ? `between ${formatCount(min)} and ${formatCount(max)}`
      : min !== undefined
        ? `at least ${formatCount(min)}`
        : `at most ${formatCount(max ?? 0)}`
  const passed = rows >= (min ?? 0) && rows <= (max ?? Infinity)
  const message = `${formatCount(rows)} ${rows === 1 ? 'row' : 'rows'}${passed ? ', ' : '; '}expected ${expected}`
  return { ...fileCheck('rows', passed, message), observed: rows, expected: { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) } }
}

export function strictCheck(columns: readonly string[], declared: ReadonlySet<string>): CheckResult {
  const extra = columns.filter((column) => !declared.has(column))
  const message =
    extra.length === 0
      ? `all ${formatCount(columns.length)} columns are declared`
      : `${formatCount(extra.length)} of ${formatCount(columns.length)} columns are not declared under columns: ${listColumns(extra)}`
  const failed = extra.length
  return { check: 'strict', passed: failed === 0, failed, total: columns.length, fraction: columns.length ? failed / columns.length : 0, message, examples: [] }
}

export function presenceCheck(column: string, present: boolean, columns: readonly string[]): CheckResult {
  const message = present ? `${column}: present` : `${column}: column is missing; the file has ${listColumns(columns)}`
  return fileCheck('presence', present, message, column)
}

/** File-level checks count the file as the one thing they judge. */
export function fileCheck(check: CheckName, passed: boolean, message: string, column?: string): CheckResult {
  return { check, ...(column === undefined ? {} : { column }), passed, failed: passed ? 0 : 1, total: 1, fraction: passed ? 0 : 1, message, examples: [] }
}

function listColumns(columns: readonly string[]): string {
  const shown = columns.slice(0, LISTED_COLUMNS).join(', ')
  return columns.length > LISTED_COLUMNS ? `${shown}, … ${columns.length - LISTED_COLUMNS} more` : shown || '(no columns)'
}

export interface DuplicateState {
  rows: number
  /** Row hash → line of the first row with it. */
  firstLine: Map<number, number>
  /** The part file every line of this state is in, when the dataset is a glob of part files. */
  file?: string
  /** Row hash → the part file of its first row, once states of different parts have merged. */
  firstFile?: Map<number, string>
  capped: boolean
  tally: Tally
}

/**
 * Rows identical in every column, found by a 52-bit hash of the row (two
 * FNV-1a passes): with the 2M rows remembered, a false match has a chance
 * below 1 in 1,000.
 */
export class DuplicateRows {
  readonly state: DuplicateState

  constructor(state?: DuplicateState) {
    this.state = state ?? { rows: 0, firstLine: new Map(), capped: false, tally: newTally() }
  }

  addBatch(cells: ReadonlyArray<ArrayLike<Cell> | undefined>, width: number, length: number, lines: ArrayLike<number>): void {
    for (let r = 0; r < length; r++) {
      let h1 = 0x811c9dc5
      let h2 = 0x01000193
      for (let c = 0; c < width; c++) {
        const cell = cells[c]?.[r] ?? null
        // Type tag first, so null, "" and "null" differ.
        const text = cell === null ? '\u0000' : typeof cell === 'string' ? `s${cell}` : `${typeof cell}${String(cell)}`
        for (let i = 0; i < text.length; i++) {
          const code = text.charCodeAt(i)
          h1 = Math.imul(h1 ^ code, 0x01000193)
          h2 = Math.imul(h2 ^ code, 0x5bd1e995)
        }
        h1 = Math.imul(h1 ^ 0x1f, 0x01000193)
        h2 = Math.imul(h2 ^ 0x1f, 0x5bd1e995)
      }
      const hash = (h1 >>> 0) * 0x100000 + (h2 >>> 12)
      const line = lines[r]!
      this.#add(hash, line, () => rowText(cells, width, r))
    }
    this.state.rows += length
  }

  #add(hash: number, line: number, text: () => string): void {
    const { firstLine, tally } = this.state
    const first = firstLine.get(hash)
    if (first !== undefined) {
      tally.failed++
      addExample(tally, { line, value: text(), detail: `repeats line ${first}` })
    } else if (firstLine.size < DUPLICATE_CAP) {
      firstLine.set(hash, line)
    } else {
      this.state.capped = true
    }
  }

  /** Adds a later shard: its rows that repeat a row of an earlier shard count too. */
  merge(later: DuplicateState): void {
    const state = this.state
    const { tally } = state
    const partOf = (s: DuplicateState, hash: number) => s.firstFile?.get(hash) ?? s.file
    for (const [hash, line] of later.firstLine) {
      const first = state.firstLine.get(hash)
      if (first !== undefined) {
        tally.failed++
        const firstPart = partOf(state, hash)
        const file = partOf(later, hash)
        addExample(tally, { ...(file === undefined ? {} : { file }), line, value: '', detail: `repeats ${firstPart === undefined ? 'line ' : `${firstPart}:`}${first}` })
      } else if (state.firstLine.size < DUPLICATE_CAP) {
        state.firstLine.set(hash, line)
        const file = partOf(later, hash)
        if (file !== undefined) (state.firstFile ??= new Map()).set(hash, file)
      } else state.capped = true
    }
    mergeTally(tally, later.tally)
    state.rows += later.rows
    state.capped ||= later.capped
  }

  result(): CheckResult {
    const { rows, tally, capped } = this.state
    const caveat = capped ? ` (only the first ${formatCount(DUPLICATE_CAP)} distinct rows were remembered)` : ''
    const message =
      tally.failed === 0
        ? `no duplicate rows in ${formatCount(rows)}${caveat}`
        : `${formatCount(tally.failed)} of ${formatCount(rows)} rows (${formatShare(tally.failed, rows)}) repeat an earlier row${caveat}`
    return tallyResult('duplicates', undefined, tally, tally.failed === 0, rows, message)
  }
}

function rowText(cells: ReadonlyArray<ArrayLike<Cell> | undefined>, width: number, r: number): string {
  const parts: string[] = []
  for (let c = 0; c < width; c++) parts.push(String(cells[c]?.[r] ?? ''))
  const text = parts.join(',')
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
