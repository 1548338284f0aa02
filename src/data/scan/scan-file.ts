import { existsSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { DataEntry, DataFormat } from '../../spec/schema.js'
import { DataError } from '../data-error.js'
import type { DataReader } from '../read/batch.js'
import { planCsvRanges } from '../read/csv-ranges.js'
import { csvOptions, openDataReader } from '../reader.js'
import { type ScanState, TableScanner } from './table-scanner.js'
import type { WorkerTask } from './scan-worker.js'

// Scans a file in one pass on this thread, or, for a large CSV, in byte ranges
// on worker threads whose scans merge (profiles and checks are mergeable).

/** Below this a CSV is scanned on this thread: starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024
const MAX_THREADS = 4

export interface ScanOptions {
  threads?: number
  size: number
  onProgress?: (progress: { bytes: number; rows: number; totalBytes: number }) => void
}

export async function scanFile(absPath: string, format: DataFormat, entry: DataEntry, options: ScanOptions): Promise<TableScanner> {
  const threads = Math.max(1, Math.min(options.threads ?? os.availableParallelism(), MAX_THREADS))
  const workerFile = fileURLToPath(new URL('./scan-worker.js', import.meta.url))
  // The worker is its own bundle entry (dist/scan-worker.js); running from sources there is none.
  if ((format === 'csv' || format === 'tsv') && threads > 1 && options.size >= PARALLEL_MIN_BYTES && existsSync(workerFile)) {
    return scanInWorkers(workerFile, absPath, format, entry, threads, options)
  }
  return scanReader(openDataReader(absPath, format, entry), entry, options)
}

/** Feeds every batch of `reader` to a new scanner; a DataError ends the scan as a failed read check. */
export async function scanReader(reader: DataReader, entry: DataEntry, options?: Pick<ScanOptions, 'onProgress' | 'size'>): Promise<TableScanner> {
  const scanner = new TableScanner(entry)
  try {
    for await (const batch of reader.batches()) {
      scanner.addBatch(batch)
      if (options?.onProgress && batch.bytesRead !== undefined) options.onProgress({ bytes: batch.bytesRead, rows: scanner.rows, totalBytes: options.size })
    }
  } catch (error) {
    if (!(error instanceof DataError)) throw error
    scanner.fail(error)
  }
  return scanner
}

async function scanInWorkers(workerFile: string, absPath: string, format: 'csv' | 'tsv', entry: DataEntry, threads: number, options: ScanOptions): Promise<TableScanner> {
  const read = csvOptions(format, entry)
  let plan: Awaited<ReturnType<typeof planCsvRanges>>
  try {
    plan = await planCsvRanges(absPath, read, threads)
  } catch (error) {
    if (!(error instanceof DataError)) throw error
    const scanner = new TableScanner(entry)
    scanner.fail(error)
    return scanner
  }
  if (!plan) return scanReader(openDataReader(absPath, format, entry), entry, options)
  const { columns } = plan
  const done = new Array<number>(plan.ranges.length).fill(0)
  const rows = new Array<number>(plan.ranges.length).fill(0)
  const states = await Promise.all(
    plan.ranges.map((range, i) =>
      runWorker(workerFile, { absPath, entry, read: { ...read, columns, range } }, (progress) => {
        done[i] = progress.bytes - range.start
        rows[i] = progress.rows
        options.onProgress?.({ bytes: sum(done), rows: sum(rows), totalBytes: options.size })
      }),
    ),
  )
  const scanner = new TableScanner(entry)
  // The header names every column up front, so shard columns line up.
  for (const state of states) scanner.merge(state)
  return scanner
}

function runWorker(file: string, task: WorkerTask, onProgress: (progress: { bytes: number; rows: number }) => void): Promise<ScanState> {
  return new Promise((done, failed) => {
    const worker = new Worker(file, { workerData: task })
    worker.on('message', (message: { progress?: { bytes: number; rows: number }; state?: ScanState; error?: string }) => {
      if (message.progress) onProgress(message.progress)
      if (message.state) done(message.state)
      if (message.error) failed(new Error(message.error))
    })
    worker.on('error', failed)
    worker.on('exit', (code) => {
      if (code !== 0) failed(new Error(`data scan worker exited with code ${code}`))
    })
  })
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
