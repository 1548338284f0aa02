import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

// Content hashes for caching and lineage. A directory hashes its sorted relative paths and the
// hashes of their contents, so renames and edits both change it.

export async function hashFile(absPath: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(absPath)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** sha256 of a file or directory, or undefined when it does not exist. */
export async function tryHashPath(absPath: string): Promise<string | undefined> {
  // Symlinks are followed: what a stage reads is the target's content.
  const info = await stat(absPath).catch(() => undefined)
  if (!info) return undefined
  if (!info.isDirectory()) return hashFile(absPath)
  const hash = createHash('sha256')
  for (const rel of await listFiles(absPath)) {
    hash.update(`${rel}\0${await hashFile(path.join(absPath, rel))}\n`)
  }
  return `dir:${hash.digest('hex')}`
}

export async function hashPaths(root: string, paths: readonly string[]): Promise<Record<string, string | undefined>> {
  const entries = await Promise.all(paths.map(async (p) => [p, await tryHashPath(path.join(root, p))] as const))
  return Object.fromEntries(entries)
}

async function listFiles(dir: string, prefix = '', seen = new Set<string>()): Promise<string[]> {
  const here = await realpath(path.join(dir, prefix))
  if (seen.has(here)) return [] // a symlink loop
  seen.add(here)
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true })
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const files: string[] = []
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    const target = entry.isSymbolicLink() ? await stat(path.join(dir, rel)).catch(() => undefined) : entry
    if (target?.isDirectory()) files.push(...(await listFiles(dir, rel, seen)))
    else if (target?.isFile()) files.push(rel)
  }
  return files
}

export function hashText(...parts: string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part}\0`)
  return hash.digest('hex')
}
