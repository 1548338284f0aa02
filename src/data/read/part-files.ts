import { createHash } from 'node:crypto'
import { glob, isDynamicPattern } from 'tinyglobby'
import { DataError } from '../data-error.js'

// A dataset's path may be a glob of part files (`data/events/part-*.csv`, a Spark or daily
// export): one table, read part after part in path order, its checks and profile those of
// the whole. As workflow jobs, each shard takes a contiguous run of the parts.

export const isPartGlob = (path: string): boolean => isDynamicPattern(path)

/** The directory before the glob's first wildcard: what a stage must write to produce the parts. */
export function partGlobBase(pattern: string): string {
  const segments = pattern.split('/')
  const first = segments.findIndex((segment) => isDynamicPattern(segment))
  return first <= 0 ? '.' : segments.slice(0, first).join('/')
}

/** The files the glob matches under `root`, sorted by path (code-unit order, the same on every OS). */
export async function listPartFiles(root: string, pattern: string): Promise<string[]> {
  if (pattern.split(/[\\/]/).includes('..')) throw new DataError(`${pattern} is outside the repository`)
  // Symbolic links are not followed: a part must be a file inside the repository.
  const files = await glob(pattern, { cwd: root, onlyFiles: true, expandDirectories: false, followSymbolicLinks: false })
  if (files.length === 0) throw new DataError(`no file matches ${pattern}`)
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The contiguous run of parts shard `shard` of `shards` reads (none when there are fewer parts than shards). */
export function partsOfShard<T>(parts: readonly T[], shard: number, shards: number): T[] {
  return parts.slice(Math.floor((shard * parts.length) / shards), Math.floor(((shard + 1) * parts.length) / shards))
}

export interface PartHash {
  file: string
  sha256: string
}

/** One digest for the set of parts, over `sha256sum`-style lines: a renamed, added or changed part changes it. */
export function hashParts(parts: readonly PartHash[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part.sha256}  ${part.file}\n`)
  return hash.digest('hex')
}
