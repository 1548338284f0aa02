import { stat } from 'node:fs/promises'
import type { DataEntry, DataFormat } from '../../spec/schema.js'
import type { PartHash } from '../read/part-files.js'
import { hashFile, resolveInside } from '../validate-data.js'
import { type ScanOptions, scanFile } from './scan-file.js'
import { TableScanner } from './table-scanner.js'

// Part files of one table, scanned one after another (each large CSV part on worker threads)
// into one scan, each part hashed while it is read. Malformed content stops only its own part
// (the read check names the first such part); the other parts still count.

export interface PartsScan {
  scanner: TableScanner
  parts: PartHash[]
}

export async function scanParts(root: string, files: readonly string[], format: DataFormat, entry: DataEntry, options: Omit<ScanOptions, 'size'> = {}): Promise<PartsScan> {
  const paths = files.map((file) => resolveInside(root, file))
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size))
  const totalBytes = sizes.reduce((a, b) => a + b, 0)
  const scanner = new TableScanner(entry)
  const parts: PartHash[] = []
  let before = 0
  for (const [i, file] of files.entries()) {
    const rowsBefore = scanner.rows
    const onProgress = options.onProgress && ((p: { bytes: number; rows: number }) => options.onProgress!({ bytes: before + p.bytes, rows: rowsBefore + p.rows, totalBytes }))
    const [sha256, part] = await Promise.all([hashFile(paths[i]!), scanFile(paths[i]!, format, entry, { ...options, size: sizes[i]!, ...(onProgress ? { onProgress } : {}) })])
    scanner.mergePart(part, file)
    parts.push({ file, sha256 })
    before += sizes[i]!
  }
  return { scanner, parts }
}
