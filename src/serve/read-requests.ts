import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'

// The staging check's request bodies: a JSON Lines file, one JSON value per line, sent as is.

const MAX_BYTES = 64 * 1024 * 1024

export class RequestsFileError extends Error {
  override name = 'RequestsFileError'
}

/** The bodies as JSON text, in file order; blank lines are skipped. */
export async function readRequests(root: string, file: string): Promise<string[]> {
  const abs = path.join(root, file)
  let text: string
  try {
    const info = await stat(abs)
    if (info.size > MAX_BYTES) throw new RequestsFileError(`${file}: ${info.size} bytes; a requests file may be at most 64 MiB`)
    text = await readFile(abs, 'utf8')
  } catch (error) {
    if (error instanceof RequestsFileError) throw error
    throw new RequestsFileError((error as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: file not found` : `${file}: cannot read: ${(error as Error).message}`)
  }
  const bodies: string[] = []
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue
    try {
      JSON.parse(line)
    } catch (error) {
      throw new RequestsFileError(`${file}:${i + 1}: not JSON: ${(error as Error).message}`)
    }
    bodies.push(line)
  }
  if (bodies.length === 0) throw new RequestsFileError(`${file}: no requests (one JSON body per line)`)
  return bodies
}
