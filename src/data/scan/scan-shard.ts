import { stat } from 'node:fs/promises'
import { deserialize, serialize } from 'node:v8'
import type { DataEntry } from '../../spec/schema.js'
import { DataError } from '../data-error.js'
import { planCsvRanges } from '../read/csv-ranges.js'
import { hashParts, isPartGlob, listPartFiles, type PartHash, partsOfShard } from '../read/part-files.js'
import { openCsvReader } from '../read/csv-reader.js'
import { csvOptions, detectFormat, openDataReader } from '../reader.js'
import { describeReadError, hashFile, resolveInside, type ScannedData } from '../validate-data.js'
import { scanReader } from './scan-file.js'
import { scanParts } from './scan-parts.js'
import { type ScanState, TableScanner } from './table-scanner.js'

// One shard of a dataset, scanned by its own workflow job: shard i of N reads the i-th of N byte
// ranges that start on record boundaries (the same split the worker threads use), and its scan
// state merges with the others' into the scan of the whole file. Shard 0 also hashes the file,
// for the run's lineage. A glob of part files is split by parts instead: shard i reads the i-th
// contiguous run of them and hashes each.

export const SHARD_SCAN_VERSION = 1

export interface ShardScan {
  version: typeof SHARD_SCAN_VERSION
  data: string
  shard: number
  shards: number
  /** sha256 of the whole file (shard 0 only). */
  sha256?: string
  /** The part files this shard read, when the dataset is a glob of them (empty when it got none). */
  parts?: PartHash[]
  /** Absent when the file has fewer record boundaries than shards (or cannot be split) and this range is empty. */
  state?: ScanState
  /** Why the file could not be read at all. */
  failed?: string
}

export async function scanShard(root: string, name: string, entry: DataEntry, shard: number, shards: number): Promise<ShardScan> {
  const base = { version: SHARD_SCAN_VERSION, data: name, shard, shards } as const
  if (isPartGlob(entry.path)) {
    try {
      const files = partsOfShard(await listPartFiles(root, entry.path), shard, shards)
      if (files.length === 0) return { ...base, parts: [] }
      const { scanner, parts } = await scanParts(root, files, detectFormat(entry.path, entry.format), entry)
      return { ...base, parts, state: scanner.state() }
    } catch (error) {
      return { ...base, failed: describeReadError(error, entry.path) }
    }
  }
  let absPath: string
  try {
    absPath = resolveInside(root, entry.path)
    if (!(await stat(absPath)).isFile()) throw new DataError(`${entry.path} is not a file`)
  } catch (error) {
    return { ...base, failed: describeReadError(error, entry.path) }
  }
  const format = detectFormat(entry.path, entry.format)
  const scan = async (): Promise<ScanState | undefined> => {
    if (format !== 'csv' && format !== 'tsv') return shard === 0 ? (await scanReader(openDataReader(absPath, format, entry), entry)).state() : undefined
    const read = csvOptions(format, entry)
    try {
      const plan = await planCsvRanges(absPath, read, shards)
      // A file that cannot be split is read whole by the first shard.
      if (!plan) return shard === 0 ? (await scanReader(openCsvReader(absPath, read), entry)).state() : undefined
      const range = plan.ranges[shard]
      return range && (await scanReader(openCsvReader(absPath, { ...read, columns: plan.columns, range }), entry)).state()
    } catch (error) {
      if (!(error instanceof DataError)) throw error
      if (shard !== 0) return undefined
      const scanner = new TableScanner(entry)
      scanner.fail(error)
      return scanner.state()
    }
  }
  const [sha256, state] = await Promise.all([shard === 0 ? hashFile(absPath) : undefined, scan()])
  return { ...base, ...(sha256 ? { sha256 } : {}), ...(state ? { state } : {}) }
}

/** The shards' scans as one, in shard order; a missing shard or an unreadable file is a failed read. */
export function mergeShardScans(entry: DataEntry, name: string, shards: number, scans: readonly (ShardScan | undefined)[]): ScannedData {
  const failed = scans.find((s) => s?.failed)
  if (failed) return { failed: failed.failed! }
  const missing = Array.from({ length: shards }, (_, i) => i).filter((i) => !scans[i])
  if (missing.length > 0) return { failed: `${entry.path}: shard ${missing.map((i) => i + 1).join(', ')} of ${shards} of "${name}" has no scan (its job failed or was cancelled)` }
  const scanner = new TableScanner(entry)
  for (const scan of scans) if (scan!.state) scanner.merge(scan!.state)
  if (scans[0]!.parts === undefined) return { scanner, sha256: scans[0]!.sha256! }
  const parts = scans.flatMap((scan) => scan!.parts ?? [])
  return { scanner, sha256: hashParts(parts), parts: parts.length }
}

/** Structured-clone bytes: the scan state holds Maps that JSON would lose. */
export function encodeShardScan(scan: ShardScan): Buffer {
  return serialize(scan)
}

export function decodeShardScan(bytes: Buffer): ShardScan {
  const value = deserialize(bytes) as ShardScan
  if (value?.version !== SHARD_SCAN_VERSION) throw new Error(`not a shard scan of this mlops version (version ${String(value?.version)})`)
  return value
}
