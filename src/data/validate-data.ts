import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { DataEntry } from '../spec/schema.js'
import { fileCheck } from './checks/table-checks.js'
import { DataError } from './data-error.js'
import type { TableProfile } from './profile/table-profile.js'
import type { CheckResult, DataResult } from './result.js'
import { hashParts, isPartGlob, listPartFiles } from './read/part-files.js'
import { detectFormat } from './reader.js'
import { scanFile } from './scan/scan-file.js'
import { scanParts } from './scan/scan-parts.js'
import type { TableScanner } from './scan/table-scanner.js'
import { summarizeTable } from './scan/summarize.js'

// Bad data never throws: every problem with the file becomes a failed check.
// Only programmer errors (anything that is neither a DataError nor a file
// system error) escape.

export interface DataValidation {
  result: DataResult
  /** The profile of every row read; absent when the file could not be opened at all. */
  profile?: TableProfile
}

export interface ValidateOptions {
  /** Worker threads for large CSV files (default: one per core, up to 4). */
  threads?: number
  /** Called now and then during long scans. */
  onProgress?: (progress: { bytes: number; rows: number; totalBytes: number }) => void
  /** The file was scanned elsewhere (in shards, by workflow jobs): its merged scan, or why it could not be read. */
  scanned?: () => Promise<ScannedData>
  /** false skips the sha256 (the result has none): for callers that keep only the profile. */
  hash?: boolean
}

export type ScannedData = { scanner: TableScanner; sha256: string; parts?: number } | { failed: string }

/** Validates and profiles one `data:` entry; `root` is the directory that holds mlops.yml. */
export async function validateData(root: string, name: string, entry: DataEntry, options: ValidateOptions = {}): Promise<DataValidation> {
  const base = { name, path: entry.path, format: entry.format ?? 'unknown', rows: 0, profile: {} }
  let sha256: string | undefined
  try {
    const format = detectFormat(entry.path, entry.format)
    base.format = format
    if (options.scanned) {
      const scanned = await options.scanned()
      if ('failed' in scanned) return { result: { ...base, passed: false, checks: [readFailure(scanned.failed)] } }
      return { result: scannedResult(base, scanned.sha256, scanned.scanner, scanned.parts), profile: scanned.scanner.profile }
    }
    if (isPartGlob(entry.path)) {
      const files = await listPartFiles(root, entry.path)
      const { scanner, parts } = await scanParts(root, files, format, entry, options)
      return { result: scannedResult(base, hashParts(parts), scanner, parts.length), profile: scanner.profile }
    }
    const absPath = resolveInside(root, entry.path)
    const info = await stat(absPath)
    if (!info.isFile()) throw new DataError(`${entry.path} is not a file`)
    // Hashing reads the file a second time, concurrently; sha256 is far faster than parsing.
    const [hash, scanner] = await Promise.all([options.hash === false ? undefined : hashFile(absPath), scanFile(absPath, format, entry, { ...options, size: info.size })])
    sha256 = hash
    return { result: scannedResult(base, hash, scanner), profile: scanner.profile }
  } catch (error) {
    const result: DataResult = { ...base, ...(sha256 ? { sha256 } : {}), passed: false, checks: [readFailure(describeReadError(error, entry.path))] }
    return { result }
  }
}

function scannedResult(base: Omit<DataResult, 'passed' | 'checks' | 'rows' | 'profile'>, sha256: string | undefined, scanner: TableScanner, parts?: number): DataResult {
  const checks = scanner.results()
  return { ...base, ...(sha256 === undefined ? {} : { sha256 }), ...(parts === undefined ? {} : { parts }), rows: scanner.rows, passed: checks.every((c) => c.passed), checks, profile: summarizeTable(scanner.profile) }
}

function readFailure(message: string): CheckResult {
  return fileCheck('read', false, message)
}

export function resolveInside(root: string, path: string): string {
  const absPath = resolve(root, path)
  const inside = relative(resolve(root), absPath)
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) throw new DataError(`${path} is outside the repository`)
  return absPath
}

export function hashFile(absPath: string): Promise<string> {
  return new Promise((done, failed) => {
    const hash = createHash('sha256')
    createReadStream(absPath, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', failed)
      .on('end', () => done(hash.digest('hex')))
  })
}

export function describeReadError(error: unknown, path: string): string {
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
