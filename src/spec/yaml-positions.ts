import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'

// Maps a path into the parsed value (as zod reports it) back to a line and column of the
// YAML source, so every error can point at the text the user wrote.

export type PathSegment = string | number | symbol

export interface Position {
  line: number
  col: number
}

/**
 * Position of the node at `path`; with `key`, of the last segment's key instead of its value.
 * Walks up to the deepest node that exists, so an error about a missing key points at the
 * mapping that lacks it.
 */
export function locate(doc: Document, lines: LineCounter, path: readonly PathSegment[], key = false): Position {
  let node: unknown = doc.contents
  let offset = rangeStart(node) ?? 0
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
      if (!pair) break
      const last = i === path.length - 1
      const target = key && last ? pair.key : (pair.value ?? pair.key)
      offset = rangeStart(target) ?? rangeStart(pair.key) ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment]
      if (item === undefined) break
      offset = rangeStart(item) ?? offset
      node = item
    } else {
      break
    }
  }
  const { line, col } = lines.linePos(offset)
  return { line, col }
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0]
}
