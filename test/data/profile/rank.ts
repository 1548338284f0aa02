/** How many of the sorted values are ≤ x (< x when `inclusive` is false): a binary search. */
export function countUpTo(sorted: Float64Array, x: number, inclusive = true): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (inclusive ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
