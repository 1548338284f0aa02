import type { DataEntry } from '../../spec/schema.js'
import { aggregateChecks } from '../checks/aggregate-checks.js'
import { ColumnChecker, type ColumnCheckerState } from '../checks/column-checker.js'
import { addDefects, type DefectTallies, defectResults } from '../checks/read-defects.js'
import { DuplicateRows, type DuplicateState, fileCheck, presenceCheck, rowsCheck, strictCheck } from '../checks/table-checks.js'
import { mergeTallies } from '../checks/tally.js'
import type { DataError } from '../data-error.js'
import { addBatch, createTableProfile, mergeTableProfiles, parseTableProfile, type TableProfile, tableProfileToJSON, type TableProfileJson } from '../profile/table-profile.js'
import type { RowBatch } from '../read/batch.js'
import type { CheckResult } from '../result.js'

// One pass over a table: every batch feeds the profile of every column, the
// declared column checks and the table checks. A scanner of each shard of a
// file (a worker's byte range) merges into the scanner of the whole file.

/** Everything a scan knows, as plain data a worker can post back (structured clone). */
export interface ScanState {
  columns: string[]
  rows: number
  profile: TableProfileJson
  checkers: Array<[string, ColumnCheckerState]>
  duplicates?: DuplicateState
  defects: DefectTallies
  fatal?: FatalError
}

export interface FatalError {
  message: string
  /** The part file, when the dataset is a glob of part files. */
  file?: string
  line?: number
  example?: string
  position?: number
  column?: string
}

export class TableScanner {
  readonly #entry: DataEntry
  #columns: string[] = []
  #rows = 0
  #profile: TableProfile = createTableProfile()
  /** By column index; undefined for undeclared columns. */
  #checkers: Array<ColumnChecker | undefined> = []
  readonly #duplicates: DuplicateRows | undefined
  readonly #defects: DefectTallies = new Map()
  #fatal: FatalError | undefined

  constructor(entry: DataEntry) {
    this.#entry = entry
    this.#duplicates = entry.duplicates ? undefined : new DuplicateRows()
  }

  get rows(): number {
    return this.#rows
  }

  get columns(): readonly string[] {
    return this.#columns
  }

  get profile(): TableProfile {
    return this.#profile
  }

  addBatch(batch: RowBatch): void {
    for (let c = this.#columns.length; c < batch.columns.length; c++) this.#addColumn(batch.columns[c]!)
    addBatch(this.#profile, batch)
    for (let c = 0; c < this.#checkers.length; c++) this.#checkers[c]?.addCells(batch.cells[c], batch.length, batch.lines)
    this.#duplicates?.addBatch(batch.cells, batch.columns.length, batch.length, batch.lines)
    addDefects(this.#defects, batch.defects)
    this.#rows += batch.length
  }

  /** Stops the scan at input that cannot be read further; what was read so far still counts. */
  fail(error: DataError): void {
    this.#fatal = {
      message: error.message,
      ...(error.line === undefined ? {} : { line: error.line }),
      ...(error.example === undefined ? {} : { example: error.example }),
      ...(error.position === undefined ? {} : { position: error.position }),
      ...(error.column === undefined ? {} : { column: error.column }),
    }
  }

  #addColumn(name: string): void {
    this.#columns.push(name)
    const spec = Object.hasOwn(this.#entry.columns, name) ? this.#entry.columns[name] : undefined
    this.#checkers.push(spec && new ColumnChecker(name, spec))
  }

  state(): ScanState {
    return { ...this.#checkState(), profile: tableProfileToJSON(this.#profile) }
  }

  #checkState(): Omit<ScanState, 'profile'> {
    return {
      columns: this.#columns,
      rows: this.#rows,
      checkers: this.#checkers.flatMap((checker, i) => (checker ? [[this.#columns[i]!, checker.state] as [string, ColumnCheckerState]] : [])),
      ...(this.#duplicates ? { duplicates: this.#duplicates.state } : {}),
      defects: this.#defects,
      ...(this.#fatal ? { fatal: this.#fatal } : {}),
    }
  }

  /** Adds the scan of the rows after this one's (the next byte range of the same file). */
  merge(later: ScanState): void {
    this.#merge(later, parseTableProfile(later.profile))
  }

  /**
   * Adds the scan of the next part file, made in this thread: its examples are marked with the
   * file, and its profile merges as it is (no JSON round trip, which dominated many small parts).
   */
  mergePart(part: TableScanner, file: string): void {
    this.#merge(labelPart(part.#checkState(), file), part.#profile)
  }

  #merge(later: Omit<ScanState, 'profile'>, profile: TableProfile): void {
    for (const name of later.columns) if (!this.#columns.includes(name)) this.#addColumn(name)
    this.#profile = mergeTableProfiles(this.#profile, profile)
    for (const [name, state] of later.checkers) this.#checkers[this.#columns.indexOf(name)]?.merge(state)
    if (later.duplicates) this.#duplicates?.merge(later.duplicates)
    mergeTallies(this.#defects, later.defects)
    this.#rows += later.rows
    // The earliest fatal error is the one that stopped the file.
    this.#fatal ??= later.fatal
  }

  /** Every check's result, in a stable order: read, table, then per declared column. */
  results(): CheckResult[] {
    const entry = this.#entry
    const checks: CheckResult[] = defectResults(this.#defects, this.#rows)
    if (this.#fatal) checks.push(fatalResult(this.#fatal))
    if (entry.rows && (entry.rows.min !== undefined || entry.rows.max !== undefined)) checks.push(rowsCheck(this.#rows, entry.rows))
    if (entry.strict) checks.push(strictCheck(this.#columns, new Set(Object.keys(entry.columns))))
    if (this.#duplicates) checks.push(this.#duplicates.result())
    for (const [column, spec] of Object.entries(entry.columns)) {
      const index = this.#columns.indexOf(column)
      checks.push(presenceCheck(column, index !== -1, this.#columns))
      if (index === -1) continue
      checks.push(...this.#checkers[index]!.results())
      checks.push(...aggregateChecks(column, spec, this.#profile.columns.get(column)!))
    }
    return checks
  }
}

function fatalResult(fatal: FatalError): CheckResult {
  const { message, file, line, example, position, column } = fatal
  const examples = line === undefined ? [] : [{ ...(file === undefined ? {} : { file }), line, value: example ?? '', ...(position === undefined ? {} : { position }), ...(column === undefined ? {} : { column }) }]
  return { ...fileCheck('read', false, message), examples }
}

/** Marks every example in a part file's scan with that file; the error that stopped the part names it. */
function labelPart<S extends Omit<ScanState, 'profile'>>(state: S, file: string): S {
  const tallies = [...state.checkers.flatMap(([, checker]) => [...checker.tallies.values()]), ...state.defects.values(), ...(state.duplicates ? [state.duplicates.tally] : [])]
  for (const tally of tallies) for (const example of tally.examples) example.file = file
  if (state.fatal) state.fatal = { ...state.fatal, file, message: `${file}: ${state.fatal.message}` }
  if (state.duplicates) state.duplicates.file = file
  return state
}
