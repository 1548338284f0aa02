import path from 'node:path'
import { MAX_PLOT_POINTS, type PlotSeries } from '../pipeline/run-record.js'
import type { Plot } from '../spec/schema.js'
import { MetricsFileError, parseDelimited, parseJson, parseNumeric, readTextFile } from './read-metrics.js'

// Reads one declared plot (a learning curve, a sweep) into the compact series the run record
// stores. Unlike metrics, a broken plot file throws: the caller decides whether that fails the run.

type Row = Record<string, unknown>

/** Reads `plot.file` (CSV, TSV, JSON or JSONL, relative to `root`) into at most MAX_PLOT_POINTS points. */
export async function readPlot(root: string, stage: string, plot: Plot): Promise<PlotSeries> {
  const { file, x } = plot
  const y = typeof plot.y === 'string' ? [plot.y] : [...plot.y]
  const { rows, columns } = parseRows(file, await readTextFile(root, file), [x, ...y])
  for (const column of [x, ...y]) {
    // An empty JSON list says nothing about its columns; an empty table still has a header.
    if ((rows.length > 0 || columns.size > 0) && !columns.has(column)) {
      throw new MetricsFileError(
        `${file}: plot of stage "${stage}" needs column "${column}", but the file has ${describeColumns(columns)}`,
      )
    }
  }
  const points = rows.map((row) => [x, ...y].map((column) => parseNumeric(row[column])))
  return {
    stage,
    file,
    ...(plot.title !== undefined ? { title: plot.title } : {}),
    x,
    y,
    points: downsampleEvenly(points, MAX_PLOT_POINTS),
  }
}

/**
 * At most `max` items spread evenly over `items`, always keeping the first and the last,
 * so the shape of a curve (and where it ends) survives.
 */
export function downsampleEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items]
  if (max <= 0) return []
  if (max === 1) return items.slice(-1)
  const step = (items.length - 1) / (max - 1)
  return Array.from({ length: max }, (_, k) => items[Math.round(k * step)] as T)
}

function parseRows(file: string, text: string, wanted: string[]): { rows: Row[]; columns: Set<string> } {
  const ext = path.extname(file).toLowerCase()
  switch (ext) {
    case '.csv':
    case '.tsv': {
      const [header = [], ...data] = parseDelimited(file, text, ext === '.tsv' ? '\t' : ',')
      const rows = data.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])))
      return { rows, columns: new Set(header) }
    }
    case '.json':
      return withColumns(rowsFromJson(file, parseJson(file, text), wanted))
    case '.jsonl':
    case '.ndjson':
      return withColumns(rowsFromJsonLines(file, text))
    default:
      throw new MetricsFileError(`${file}: unsupported plot file type "${ext}"; use .csv, .tsv, .json or .jsonl`)
  }
}

/** DVC accepts a list of objects, or an object holding such lists (`{"train": [...]}`). */
function rowsFromJson(file: string, data: unknown, wanted: string[]): Row[] {
  if (Array.isArray(data)) return asRows(file, data)
  if (data !== null && typeof data === 'object') {
    const lists = Object.values(data).filter((v): v is unknown[] => Array.isArray(v) && v.some(isRow))
    const best = lists.find((list) => list.some((r) => isRow(r) && wanted.every((c) => Object.hasOwn(r, c))))
    const chosen = best ?? lists[0]
    if (chosen) return asRows(file, chosen)
  }
  throw new MetricsFileError(`${file}: expected a JSON array of objects, or an object holding one`)
}

function rowsFromJsonLines(file: string, text: string): Row[] {
  const rows: Row[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return
    const value = parseJson(`${file}:${i + 1}`, line)
    if (!isRow(value)) throw new MetricsFileError(`${file}:${i + 1}: expected a JSON object per line`)
    rows.push(value)
  })
  return rows
}

function asRows(file: string, list: unknown[]): Row[] {
  const bad = list.findIndex((item) => !isRow(item))
  if (bad >= 0) throw new MetricsFileError(`${file}: item ${bad} of the list is not an object`)
  return list as Row[]
}

function isRow(value: unknown): value is Row {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function withColumns(rows: Row[]): { rows: Row[]; columns: Set<string> } {
  const columns = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key)
  return { rows, columns }
}

function describeColumns(columns: Set<string>): string {
  if (columns.size === 0) return 'no columns'
  const names = [...columns].slice(0, 20).map((c) => `"${c}"`)
  return `columns ${names.join(', ')}${columns.size > 20 ? `, … (${columns.size} in all)` : ''}`
}
