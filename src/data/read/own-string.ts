// A cell is a slice of the decoded chunk it came from, and V8 keeps the whole
// chunk (a megabyte) alive for as long as any slice of 13 characters or more
// is referenced. Sketches and checks that keep values across chunks (top-k
// counters, unique sets, examples) store an own copy, so memory stays flat
// however long the file is.

/** Below this length V8 copies a slice instead of pointing into its parent. */
const SLICE_MIN_LENGTH = 13

/** `s` with characters of its own, not a view into a larger string. */
export function ownString(s: string): string {
  if (s.length < SLICE_MIN_LENGTH) return s
  // Concatenation makes a rope; reading it flattens the rope into a new flat
  // string, and the slice after the first character points into that copy.
  const rope = ` ${s}`
  rope.charCodeAt(0)
  return rope.slice(1)
}
