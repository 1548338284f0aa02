import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import { parse as parseYaml } from 'yaml'
import type { RunRecord } from '../pipeline/run-record.js'
import type { Spec } from '../spec/schema.js'
import { directionOf } from './direction.js'
import type { Metrics } from './result.js'

// Reads the metrics files stages declare, in the formats DVC accepts (JSON, YAML, CSV, TSV).
// A bad file must not hide the good ones: problems are collected, the gates then fail on
// whatever metric went missing and name the files that were read.

export type MetricsReadError = RunRecord['metricErrors'][number]

/** A metrics or plot file that is missing or malformed; the message starts with the path. */
export class MetricsFileError extends Error {
  override name = 'MetricsFileError'
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
// Nesting beyond this is not a metrics file; the bound also stops YAML alias cycles.
const MAX_DEPTH = 32
const KEY_HEADERS = new Set(['name', 'metric', 'metrics', 'key', 'metric_name'])
const VALUE_HEADERS = new Set(['value', 'val', 'score', 'metric_value'])

/**
 * Reads `files` (relative to `root`) in order. The first file to define a metric wins; a
 * second definition is reported in `errors` naming both files.
 */
export async function readMetrics(
  root: string,
  files: string[],
  overrides: Spec['metrics'] = {},
): Promise<{ metrics: Metrics; errors: MetricsReadError[] }> {
  // Two stages may declare the same file; reading it twice would report every metric as a duplicate.
  const unique = [...new Set(files)]
  const parsed = await Promise.all(unique.map((file) => readMetricsFile(root, file)))
  const found = new Map<string, Metrics[string]>()
  const errors: MetricsReadError[] = []
  parsed.forEach((result, i) => {
    const file = unique[i] ?? ''
    if (result instanceof MetricsFileError) {
      errors.push({ file, message: result.message })
      return
    }
    if (result.length === 0) errors.push({ file, message: `${file}: no numeric values found` })
    for (const [name, value] of result) {
      const first = found.get(name)
      if (first !== undefined) {
        errors.push({ file, message: describeDuplicate(name, first.file, file) })
        continue
      }
      found.set(name, { value, file, direction: directionOf(name, overrides) })
    }
  })
  return { metrics: Object.fromEntries(found), errors }
}

async function readMetricsFile(root: string, file: string): Promise<[string, number][] | MetricsFileError> {
  try {
    const text = await readTextFile(root, file)
    if (text.trim() === '') throw new MetricsFileError(`${file}: the file is empty`)
    const ext = path.extname(file).toLowerCase()
    if (ext === '.csv' || ext === '.tsv') return readTable(file, parseDelimited(file, text, ext === '.tsv' ? '\t' : ','))
    const data = ext === '.json' ? parseJson(file, text) : parseYamlFile(file, text)
    if (data === null || typeof data !== 'object') {
      throw new MetricsFileError(`${file}: expected an object of metrics at the top level, found ${describeType(data)}`)
    }
    const out: [string, number][] = []
    flatten(data, '', 0, out)
    return out
  } catch (error) {
    if (error instanceof MetricsFileError) return error
    throw error
  }
}

/** Reads a file under `root` as UTF-8, turning file-system failures into one-line messages. */
export async function readTextFile(root: string, file: string): Promise<string> {
  try {
    return await readFile(path.resolve(root, file), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new MetricsFileError(`${file}: file not found (did the stage write it?)`)
    if (code === 'EISDIR') throw new MetricsFileError(`${file}: is a directory, expected a file`)
    throw new MetricsFileError(`${file}: cannot be read (${code ?? (error as Error).message})`)
  }
}

/** A finite number, or a string that is exactly one ("0.95", " 1e-3 "); anything else is null. */
export function parseNumeric(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value !== 'string') return null
  const text = value.trim()
  if (!NUMERIC.test(text)) return null
  const n = Number(text)
  return Number.isFinite(n) ? n : null
}

export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new MetricsFileError(`${file}: invalid JSON${describeJsonError(text, (error as Error).message)}`)
  }
}

/** V8 reports "... in JSON at position 42" (Node 20) or "(line 3 column 5)" (Node 22). */
function describeJsonError(text: string, message: string): string {
  const reason = message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '')
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message)
  if (lineCol) return ` at line ${lineCol[1]}, column ${lineCol[2]}: ${reason}`
  const position = /at position (\d+)/.exec(message)
  if (!position) return `: ${reason}`
  const before = text.slice(0, Number(position[1]))
  const line = before.split('\n').length
  const column = before.length - before.lastIndexOf('\n')
  return ` at line ${line}, column ${column}: ${reason}`
}

function parseYamlFile(file: string, text: string): unknown {
  try {
    return parseYaml(text)
  } catch (error) {
    // The yaml package appends a code frame after the first line; the first line has line/column.
    const first = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '')
    throw new MetricsFileError(`${file}: invalid YAML: ${first}`)
  }
}

export function parseDelimited(file: string, text: string, delimiter: string): string[][] {
  try {
    return parseCsv(text, {
      delimiter,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
    })
  } catch (error) {
    throw new MetricsFileError(`${file}: invalid ${delimiter === '\t' ? 'TSV' : 'CSV'}: ${(error as Error).message}`)
  }
}

/**
 * Two layouts: a key/value table (`name,value` header, or no header with text keys and
 * numeric values), or a header with one row per step, of which the last row counts.
 */
function readTable(file: string, rows: string[][]): [string, number][] {
  const pairs = keyValuePairs(rows)
  if (pairs) return pairs
  const [header, ...data] = rows
  const last = data.at(-1)
  if (!header || !last) throw new MetricsFileError(`${file}: has a header row but no data rows`)
  const out: [string, number][] = []
  header.forEach((name, i) => {
    const value = parseNumeric(last[i])
    if (name !== '' && value !== null) out.push([name, value])
  })
  return out
}

function keyValuePairs(rows: string[][]): [string, number][] | undefined {
  const [first] = rows
  const hasHeader =
    first !== undefined && KEY_HEADERS.has((first[0] ?? '').toLowerCase()) && VALUE_HEADERS.has((first[1] ?? '').toLowerCase())
  const body = hasHeader ? rows.slice(1) : rows
  const headerless = !hasHeader && rows.every((r) => r.length === 2 && parseNumeric(r[0]) === null && parseNumeric(r[1]) !== null)
  if (!hasHeader && !headerless) return undefined
  const out: [string, number][] = []
  for (const [name, raw] of body) {
    const value = parseNumeric(raw)
    if (name && value !== null) out.push([name, value])
  }
  return out
}

function flatten(value: unknown, prefix: string, depth: number, out: [string, number][]): void {
  if (depth > MAX_DEPTH) return
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
    for (const [key, child] of entries) flatten(child, prefix === '' ? key : `${prefix}.${key}`, depth + 1, out)
    return
  }
  const n = parseNumeric(value)
  if (n !== null && prefix !== '') out.push([prefix, n])
}

function describeDuplicate(name: string, firstFile: string, file: string): string {
  if (firstFile === file) return `metric "${name}" is defined twice in ${file}; keeping the first value`
  return `metric "${name}" is defined in both ${firstFile} and ${file}; keeping the value from ${firstFile}`
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`
}
