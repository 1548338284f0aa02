import { unzipSync, zipSync } from 'fflate'

// Artifact archives: a map of file name -> bytes, zipped with fflate.

export function zipFiles(files: Record<string, Uint8Array | string>): Uint8Array {
  const entries: Record<string, Uint8Array> = {}
  for (const [name, content] of Object.entries(files)) entries[name] = typeof content === 'string' ? new TextEncoder().encode(content) : content
  return zipSync(entries, { level: 6 })
}

export function unzipFiles(archive: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(archive)
}
