import type { DefectKind, ReadDefect } from '../read/batch.js'
import type { CheckResult } from '../result.js'
import { formatCount } from './check-text.js'
import { addExample, newTally, type Tally, tallyResult } from './tally.js'

// Records a reader could not turn into rows, one failed `read` check per kind of
// defect, each with its count and first five located examples.

const DESCRIBE: Record<DefectKind, (count: string) => string> = {
  ragged: (n) => `${n} rows have the wrong number of fields`,
  quote: (n) => `${n} quoted fields are never closed`,
  encoding: (n) => `${n} rows are not valid text in the file's encoding`,
  'too-long': (n) => `${n} records are longer than the 8 MiB limit and were skipped`,
  syntax: (n) => `${n} records are not valid JSON`,
  'not-an-object': (n) => `${n} records are not JSON objects`,
  truncated: (n) => `the file ends early: ${n} unreadable parts`,
  corrupt: (n) => `${n} parts of the file cannot be decoded (corrupt or cut short) and were skipped`,
}

export type DefectTallies = Map<DefectKind, Tally>

export function addDefects(tallies: DefectTallies, defects: readonly ReadDefect[]): void {
  for (const defect of defects) {
    let tally = tallies.get(defect.kind)
    if (!tally) tallies.set(defect.kind, (tally = newTally()))
    tally.failed++
    addExample(tally, {
      line: defect.line,
      value: defect.example ?? '',
      ...(defect.column === undefined ? {} : { column: defect.column }),
      ...(defect.position === undefined ? {} : { position: defect.position }),
      detail: defect.message,
    })
  }
}

/** `rows` is the number of rows that were read, so the share is of all records. */
export function defectResults(tallies: DefectTallies, rows: number): CheckResult[] {
  return [...tallies].map(([kind, tally]) => {
    const total = rows + tally.failed
    return tallyResult('read', undefined, tally, false, total, DESCRIBE[kind](formatCount(tally.failed)))
  })
}
