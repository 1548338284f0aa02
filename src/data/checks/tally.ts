import { ownString } from '../read/own-string.js'
import type { CheckName, CheckResult, ExampleRow } from '../result.js'

// A check's failures: every one counted, the first few kept as examples.

export const MAX_EXAMPLES = 5

export interface Tally {
  failed: number
  examples: ExampleRow[]
}

export function newTally(): Tally {
  return { failed: 0, examples: [] }
}

export function addExample(tally: Tally, example: ExampleRow): void {
  if (tally.examples.length < MAX_EXAMPLES) tally.examples.push({ ...example, value: ownString(example.value) })
}

export function mergeTallies<K>(into: Map<K, Tally>, later: ReadonlyMap<K, Tally>): void {
  for (const [check, tally] of later) {
    const target = into.get(check)
    if (target) mergeTally(target, tally)
    else into.set(check, { failed: tally.failed, examples: tally.examples.slice(0, MAX_EXAMPLES) })
  }
}

/** Adds a later shard's tally: counts add up, examples stay the first five in file order (parts in path order). */
export function mergeTally(into: Tally, later: Tally): void {
  into.failed += later.failed
  into.examples = [...into.examples, ...later.examples].sort(inFileOrder).slice(0, MAX_EXAMPLES)
}

function inFileOrder(a: ExampleRow, b: ExampleRow): number {
  const [x, y] = [a.file ?? '', b.file ?? '']
  return x < y ? -1 : x > y ? 1 : a.line - b.line
}

export function tallyResult(check: CheckName, column: string | undefined, tally: Tally, passed: boolean, total: number, message: string): CheckResult {
  return {
    check,
    ...(column === undefined ? {} : { column }),
    passed,
    failed: tally.failed,
    total,
    fraction: total === 0 ? 0 : tally.failed / total,
    message,
    examples: tally.examples,
  }
}
