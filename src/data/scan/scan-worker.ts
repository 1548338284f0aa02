import { parentPort, workerData } from 'node:worker_threads'
import type { DataEntry } from '../../spec/schema.js'
import { type CsvOptions, openCsvReader } from '../read/csv-reader.js'
import { scanReader } from './scan-file.js'

// Entry point of a scan worker thread (bundled as dist/scan-worker.js): scans
// one byte range of a CSV and posts the scan's state back for merging.

export interface WorkerTask {
  absPath: string
  entry: DataEntry
  read: Partial<CsvOptions> & Required<Pick<CsvOptions, 'range' | 'columns'>>
}

const PROGRESS_EVERY_MS = 500

if (parentPort && workerData) {
  const port = parentPort
  const task = workerData as WorkerTask
  let last = 0
  const onProgress = ({ bytes, rows }: { bytes: number; rows: number }) => {
    const now = Date.now()
    if (now - last < PROGRESS_EVERY_MS) return
    last = now
    port.postMessage({ progress: { bytes, rows } })
  }
  scanReader(openCsvReader(task.absPath, task.read), task.entry, { onProgress, size: task.read.range.end }).then(
    (scanner) => port.postMessage({ state: scanner.state() }),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  )
}
