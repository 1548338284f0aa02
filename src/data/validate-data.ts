import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { DataEntry } from '../spec/schema.js'
import { ColumnChecker, formatCount } from './column-checks.js'
import type { CheckResult, DataResult } from './result.js'
import { DataError } from './data-error.js'
import { detectFormat, openDataReader, type DataFormat } from './reader.js'

// Bad data never throws: every problem with the file becomes a failed check.
// Only programmer errors (anything that is neither a DataError nor a file
// system error) escape.

const LISTED_COLUMNS = 20

interface Scan {
  columns: string[]
  rows: number
  checkers: ColumnChecker[]
  /** Set when the file stopped being readable part way; the other results are then partial. */
  failure?: CheckResult
}

/** Validates one `data:` entry; `root` is the directory that holds mlops.yml. */
export async function validateData(root: string, name: string, entry: DataEntry): Promise<DataResult> {
  const result = { name, path: entry.path, format: entry.format ?? 'unknown', rows: 0, profile: {} }
  let sha256: string | undefined
  try {
    const format = detectFormat(entry.path, entry.format)
    result.format = format
    const absPath = resolveInside(root, entry.path)
    if (!(await stat(absPath)).isFile()) throw new DataError(`${entry.path} is not a file`)
    // Hashing reads the file a second time, concurrently; sha256 is far faster than parsing.
    const [hash, scan] = await Promise.all([hashFile(absPath), scanFile(absPath, format, entry)])
    sha256 = hash
    if (scan.failure) return { ...result, sha256, rows: scan.rows, passed: false, checks: [scan.failure] }
    const checks = collectChecks(scan, entry)
    const profile = Object.fromEntries(scan.columns.map((column, i) => [column, scan.checkers[i]!.profile()]))
    return { ...result, sha256, rows: scan.rows, passed: checks.every((c) => c.passed), checks, profile }
  } catch (error) {
    return { ...result, sha256, passed: false, checks: [readFailure(describeReadError(error, entry.path))] }
  }
}

async function scanFile(absPath: string, format: DataFormat, entry: DataEntry): Promise<Scan> {
  const scan: Scan = { columns: [], rows: 0, checkers: [] }
  try {
    const reader = openDataReader(absPath, format)
    const columns = (scan.columns = await reader.columns())
    const checkers = (scan.checkers = columns.map((column) => new ColumnChecker(column, declaredSpec(entry, column))))
    for await (const { line, values } of reader.rows()) {
      scan.rows++
      for (let i = 0; i < checkers.length; i++) checkers[i]!.add(values[i] ?? null, line)
    }
  } catch (error) {
    if (!(error instanceof DataError)) throw error
    const { message, line, example } = error
    scan.failure = readFailure(message, line !== undefined && example !== undefined ? [{ line, value: example }] : [])
  }
  return scan
}

function collectChecks(scan: Scan, entry: DataEntry): CheckResult[] {
  const checks: CheckResult[] = []
  if (entry.rows && (entry.rows.min !== undefined || entry.rows.max !== undefined)) checks.push(rowsCheck(scan.rows, entry.rows))
  if (entry.strict_columns) checks.push(strictColumnsCheck(scan.columns, entry))
  for (const column of Object.keys(entry.columns)) {
    const index = scan.columns.indexOf(column)
    checks.push(presenceCheck(column, index !== -1, scan.columns))
    if (index !== -1) checks.push(...scan.checkers[index]!.results())
  }
  return checks
}

function rowsCheck(rows: number, bounds: NonNullable<DataEntry['rows']>): CheckResult {
  const { min, max } = bounds
  const expected =
    min !== undefined && max !== undefined
      ? `between ${formatCount(min)} and ${formatCount(max)}`
      : min !== undefined
        ? `at least ${formatCount(min)}`
        : `at most ${formatCount(max ?? 0)}`
  const passed = rows >= (min ?? 0) && rows <= (max ?? Infinity)
  const message = `${formatCount(rows)} ${rows === 1 ? 'row' : 'rows'}${passed ? ', ' : '; '}expected ${expected}`
  return fileCheck('rows', passed, message)
}

function strictColumnsCheck(columns: string[], entry: DataEntry): CheckResult {
  const extra = columns.filter((column) => declaredSpec(entry, column) === undefined)
  const message =
    extra.length === 0
      ? `all ${formatCount(columns.length)} columns are declared`
      : `${formatCount(extra.length)} of ${formatCount(columns.length)} columns not declared under columns: ${listColumns(extra)}`
  return { check: 'strict_columns', passed: extra.length === 0, failed: extra.length, total: columns.length, message, examples: [] }
}

function presenceCheck(column: string, present: boolean, columns: string[]): CheckResult {
  const message = present ? `${column}: present` : `${column}: column is missing; the file has ${listColumns(columns)}`
  return fileCheck('presence', present, message, column)
}

/** File-level checks count the file as the one thing they judge. */
function fileCheck(check: CheckResult['check'], passed: boolean, message: string, column?: string): CheckResult {
  return { check, ...(column === undefined ? {} : { column }), passed, failed: passed ? 0 : 1, total: 1, message, examples: [] }
}

function readFailure(message: string, examples: CheckResult['examples'] = []): CheckResult {
  return { ...fileCheck('read', false, message), examples }
}

/** The spec of a declared column; own keys only, so a column named "constructor" is not mistaken for one. */
function declaredSpec(entry: DataEntry, column: string): DataEntry['columns'][string] | undefined {
  return Object.hasOwn(entry.columns, column) ? entry.columns[column] : undefined
}

function listColumns(columns: string[]): string {
  const shown = columns.slice(0, LISTED_COLUMNS).join(', ')
  return columns.length > LISTED_COLUMNS ? `${shown}, … ${columns.length - LISTED_COLUMNS} more` : shown || '(no columns)'
}

function resolveInside(root: string, path: string): string {
  const absPath = resolve(root, path)
  const inside = relative(resolve(root), absPath)
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) throw new DataError(`${path} is outside the repository`)
  return absPath
}

function hashFile(absPath: string): Promise<string> {
  return new Promise((done, failed) => {
    const hash = createHash('sha256')
    createReadStream(absPath)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', failed)
      .on('end', () => done(hash.digest('hex')))
  })
}

function describeReadError(error: unknown, path: string): string {
  if (error instanceof DataError) return error.message
  if (!isFileSystemError(error)) throw error
  switch (error.code) {
    case 'ENOENT':
      return `file not found: ${path}`
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${path}: permission denied`
    case 'EISDIR':
      return `${path} is not a file`
    default:
      return `cannot read ${path}: ${error.message}`
  }
}

function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string'
}
