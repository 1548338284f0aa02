import path from 'node:path'
import { DataError } from '../../data/data-error.js'
import { csvOptions, detectFormat, openDataReader } from '../../data/reader.js'
import type { Cell } from '../../data/read/batch.js'
import type { EvaluationSpec } from '../../spec/schema.js'
import { didYouMean } from '../../spec/suggest.js'
import { ClassificationTally, classificationMetrics, defaultPositive, MAX_CLASSES, type ScoreLogs, scoreLogs } from './classification.js'
import { type Evaluation, type EvaluationSlice, type GroupMetrics } from './evaluation-result.js'
import { fairnessMetrics } from './fairness.js'
import { RegressionTally } from './regression.js'
import { sliceName } from './slice-gates.js'

// The engine's own evaluation: one streaming pass over the predictions file tallies the
// confusion matrix (or the regression sums) of every row and of every group of every slice;
// the metrics come from the tallies at the end. Memory grows with classes × groups, never
// with rows. Bad rows are located (file:line, column), left out and fail the run, because a
// metric over part of the rows must not gate a model as if it were over all of them.

/** A slice with more groups than this is keyed by an ID-like column. */
export const MAX_GROUPS = 1000
const EXAMPLES = 5

export interface EvaluationOutcome {
  evaluation?: Evaluation
  /** Located problems, each a line for the run record's metric errors; any one fails the run. */
  errors: string[]
}

type Tally = ClassificationTally | RegressionTally

interface SliceState {
  name: string
  columns: string[]
  /** Positions of its columns among the sliced columns. */
  parts: number[]
  /** By the ids of the group's values, id₀ + id₁·1024 + id₂·1024². */
  groups: Map<number, { values: Array<string | null>; tally: Tally }>
}

/** A column some slice uses: its values met so far get small ids, so a row's groups are found by number. */
interface SlicedColumn {
  name: string
  index: number
  ids: Map<string | null, number>
  values: Array<string | null>
}

// A slice has at least as many groups as any of its columns has values, so ids stay below this.
const ID_BASE = 1024

/** Rows left out for one reason, with the first few lines. */
interface Skipped {
  count: number
  lines: number[]
}

export async function evaluatePredictions(root: string, spec: EvaluationSpec): Promise<EvaluationOutcome> {
  const file = spec.predictions
  const regression = spec.task === 'regression'
  const newTally = (): Tally => (regression ? new RegressionTally() : new ClassificationTally())
  const classes = new Map<string, number>()
  const overall = newTally()
  const sliced: SlicedColumn[] = []
  const slices: SliceState[] = spec.slices.map((slice) => {
    const columns = typeof slice === 'string' ? [slice] : slice
    const parts = columns.map((name) => {
      let at = sliced.findIndex((c) => c.name === name)
      if (at === -1) at = sliced.push({ name, index: -1, ids: new Map(), values: [] }) - 1
      return at
    })
    return { name: sliceName(columns), columns, parts, groups: new Map() }
  })
  const tooManyGroups = (slice: string) => new TooMany(`slice "${slice}" has more than ${MAX_GROUPS.toLocaleString('en-US')} groups; slice by a column with fewer distinct values`)
  const skipped = new Map<string, Skipped>()
  const skip = (why: string, line: number) => {
    const entry = skipped.get(why) ?? { count: 0, lines: [] }
    entry.count++
    if (entry.lines.length < EXAMPLES) entry.lines.push(line)
    skipped.set(why, entry)
  }
  const fatal = (message: string): EvaluationOutcome => ({ errors: [`${file}: ${message}`] })

  let reader
  let json = false
  try {
    const format = detectFormat(file, spec.format)
    json = format === 'json' || format === 'jsonl'
    reader = openDataReader(path.join(root, file), format, format === 'csv' || format === 'tsv' ? csvOptions(format, {}) : {})
  } catch (error) {
    return fatal((error as Error).message)
  }

  const wanted = [spec.label, spec.prediction, ...(spec.score ? [spec.score] : []), ...slices.flatMap((s) => s.columns)]
  let columns: readonly string[] = []
  let label = -1
  let prediction = -1
  let score = -1
  let rows = 0
  const classOf = (text: string): number => {
    let index = classes.get(text)
    if (index === undefined) {
      if (classes.size >= MAX_CLASSES) throw new TooMany(`more than ${MAX_CLASSES.toLocaleString('en-US')} distinct labels and predictions; for a numeric target set evaluation.task: regression`)
      classes.set(text, (index = classes.size))
    }
    return index
  }

  try {
    for await (const batch of reader.batches()) {
      for (const defect of batch.defects) skip(`${defect.kind === 'ragged' ? 'the row has the wrong number of fields' : `the row cannot be read (${defect.kind})`}`, defect.line)
      if (batch.columns.length !== columns.length) {
        columns = batch.columns
        label = columns.indexOf(spec.label)
        prediction = columns.indexOf(spec.prediction)
        score = spec.score ? columns.indexOf(spec.score) : -1
        for (const column of sliced) column.index = columns.indexOf(column.name)
      }
      // JSON may name a key late (rows without it have it empty); the other formats name every column up front.
      if (!json && missingColumns(wanted, columns)) return fatal(describeMissing(wanted, columns))
      const truths = batch.cells[label]
      const guesses = batch.cells[prediction]
      const scores = score === -1 ? undefined : batch.cells[score]
      const logs: ScoreLogs = { logP: 0, log1mP: 0 }
      const slicedCells = sliced.map((column) => (column.index === -1 ? undefined : batch.cells[column.index]))
      const ids = new Array<number>(sliced.length).fill(0)
      for (let r = 0; r < batch.length; r++) {
        const truth = cellOf(truths, r)
        const guess = cellOf(guesses, r)
        if (truth === null || guess === null) {
          skip(`column "${truth === null ? spec.label : spec.prediction}" is empty`, batch.lines[r]!)
          continue
        }
        // (a, b, s): label and prediction as class indices or numbers, and the score (NaN: none).
        let a: number
        let b: number
        let s = Number.NaN
        if (regression) {
          a = toNumber(truth)
          b = toNumber(guess)
          if (Number.isNaN(a) || Number.isNaN(b)) {
            skip(`column "${Number.isNaN(a) ? spec.label : spec.prediction}" is not a number`, batch.lines[r]!)
            continue
          }
        } else {
          a = classOf(cellText(truth))
          b = classOf(cellText(guess))
          if (scores !== undefined) {
            const cell = cellOf(scores, r)
            s = cell === null ? Number.NaN : toNumber(cell)
            if (!(s >= 0 && s <= 1)) {
              skip(`column "${spec.score}" is not a probability between 0 and 1`, batch.lines[r]!)
              continue
            }
          }
        }
        if (!Number.isNaN(s)) scoreLogs(s, logs)
        rows++
        overall.add(a, b, s, logs)
        // Each sliced column's value is looked up once per row, however many slices use it.
        for (let k = 0; k < sliced.length; k++) {
          const column = sliced[k]!
          const value = textOrNull(cellOf(slicedCells[k], r))
          let id = column.ids.get(value)
          if (id === undefined) {
            if (column.values.length >= MAX_GROUPS) throw tooManyGroups(slices.find((slice) => slice.columns.includes(column.name))!.name)
            column.ids.set(value, (id = column.values.push(value) - 1))
          }
          ids[k] = id
        }
        for (const slice of slices) {
          const parts = slice.parts
          let key = 0
          for (let j = parts.length - 1; j >= 0; j--) key = key * ID_BASE + ids[parts[j]!]!
          let group = slice.groups.get(key)
          if (!group) {
            if (slice.groups.size >= MAX_GROUPS) throw tooManyGroups(slice.name)
            slice.groups.set(key, (group = { values: parts.map((k) => sliced[k]!.values[ids[k]!] ?? null), tally: newTally() }))
          }
          group.tally.add(a, b, s, logs)
        }
      }
    }
  } catch (error) {
    if (error instanceof TooMany) return fatal(error.message)
    if (error instanceof DataError) return fatal(`${error.line === undefined ? '' : `line ${error.line}: `}${error.message.replace(/^line \d+: /, '')}`)
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fatal('does not exist')
    return fatal((error as Error).message)
  }

  if (missingColumns(wanted, columns)) return fatal(describeMissing(wanted, columns))
  const errors = [...skipped].map(([why, { count, lines }]) => {
    const more = count > lines.length ? ` and ${(count - lines.length).toLocaleString('en-US')} more` : ''
    return `${file}:${lines[0]}: ${why}; ${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'} left out of the evaluation (lines ${lines.join(', ')}${more})`
  })
  if (rows === 0) return { errors: [...errors, `${file}: no rows to evaluate`] }

  const sorted = [...classes.keys()].sort()
  let positive: string | undefined
  if (!regression) {
    positive = spec.positive ?? defaultPositive(sorted)
    if (spec.positive !== undefined && !classes.has(spec.positive)) errors.push(`${file}: evaluation.positive "${spec.positive}" is neither a label nor a prediction (classes: ${sorted.slice(0, 10).join(', ')})`)
    if (spec.score && positive === undefined) errors.push(`${file}: evaluation.score needs evaluation.positive, the class whose probability the score is (classes: ${sorted.slice(0, 10).join(', ')})`)
  }
  // Tallies index classes in the order met; the record lists them sorted.
  const order = [...classes.keys()]
  const options = { classes: order, ...(positive !== undefined && classes.has(positive) ? { positive: classes.get(positive)! } : {}), scored: spec.score !== undefined }
  const metricsOf = (tally: Tally, perClass: boolean): GroupMetrics =>
    tally instanceof RegressionTally ? tally.metrics() : classificationMetrics(tally, { ...options, perClass })

  const evaluationSlices: EvaluationSlice[] = slices.map((slice) => {
    const groups = [...slice.groups.values()]
      .map(({ values, tally }) => ({ values, rows: tally.rows, metrics: metricsOf(tally, false) }))
      .sort((a, b) => b.rows - a.rows)
    const gated = groups.filter((g) => g.rows >= spec.min_group).map((g) => g.metrics)
    return { name: slice.name, columns: slice.columns, groups, fairness: regression || options.positive === undefined ? {} : fairnessMetrics(gated, spec.agg) }
  })
  const evaluation: Evaluation = {
    file,
    task: spec.task,
    rows,
    minGroup: spec.min_group,
    overall: metricsOf(overall, true),
    slices: evaluationSlices,
  }
  if (overall instanceof ClassificationTally) {
    const full = overall.matrix(order.length)
    const index = sorted.map((c) => classes.get(c)!)
    evaluation.classes = sorted
    evaluation.confusion = index.map((t) => index.map((p) => full[t]![p]!))
    if (positive !== undefined) evaluation.positive = positive
  }
  return { evaluation, errors }
}

class TooMany extends Error {}

function missingColumns(wanted: readonly string[], columns: readonly string[]): boolean {
  return wanted.some((c) => !columns.includes(c))
}

function describeMissing(wanted: readonly string[], columns: readonly string[]): string {
  const missing = [...new Set(wanted.filter((c) => !columns.includes(c)))]
  const listed = `${columns.slice(0, 20).join(', ')}${columns.length > 20 ? ', …' : ''}`
  return `no column ${missing.map((c) => `"${c}"`).join(', ')}${didYouMean(missing[0]!, [...columns])} (columns: ${listed || 'none'})`
}

/** A column array may be missing or shorter than the batch (a JSON key not seen yet): null there. */
function cellOf(cells: ArrayLike<Cell> | undefined, row: number): Cell {
  return cells !== undefined && row < cells.length ? (cells[row] ?? null) : null
}

/** Labels compare as text, so a JSON 1, a CSV "1" and a Parquet 1 are one class. */
function cellText(cell: string | number | boolean): string {
  return typeof cell === 'string' ? cell : String(cell)
}

function textOrNull(cell: Cell): string | null {
  return cell === null ? null : cellText(cell)
}

const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/

/** NaN when the cell is not a finite decimal number. */
function toNumber(cell: string | number | boolean): number {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : Number.NaN
  return typeof cell === 'string' && NUMERIC.test(cell) ? Number(cell) : Number.NaN
}
