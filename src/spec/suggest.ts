// "Did you mean" for near-miss keys and names.

/** Words from other tools that mean one of ours (column types, mostly). */
const SYNONYMS: Record<string, string> = {
  float: 'number',
  double: 'number',
  decimal: 'number',
  int: 'integer',
  str: 'string',
  text: 'string',
  bool: 'boolean',
  categorical: 'category',
  datetime: 'date',
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("trian" -> "train"). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = best
    }
  }
  return rows[a.length]![b.length]!
}

/** The closest candidate within a distance that scales with the word, or undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates]
  const lower = word.toLowerCase()
  const synonym = SYNONYMS[lower]
  if (synonym && names.includes(synonym)) return synonym
  const limit = Math.max(1, Math.floor(word.length / 3))
  let best: { name: string; distance: number } | undefined
  for (const name of names) {
    const distance = editDistance(lower, name.toLowerCase())
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance }
  }
  // A spelled-out form of a short key: "minimum" -> "min", "maximum" -> "max".
  return best?.name ?? names.find((name) => name.length >= 3 && lower.startsWith(name.toLowerCase()) && /^[a-z]+$/.test(lower.slice(name.length)))
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = suggest(word, candidates)
  return hit ? `; did you mean "${hit}"?` : ''
}
