import { formatNumber } from '../metrics/compare.js'
import { downsampleEvenly } from '../metrics/read-plot.js'
import type { PlotSeries } from '../pipeline/run-record.js'
import { escapeCode, escapeHtml, escapeMarkdown, toOneLine } from './escape.js'

// Plots for the report: a Mermaid xychart (GitHub renders it), a Unicode sparkline and a small
// table for readers without Mermaid (e-mail notifications, terminals, other forges).

/** More points than this make the comment heavy without making the chart clearer. */
export const CHART_MAX_POINTS = 50
/** Up to this many points the x values label the axis; beyond, a numeric range does. */
const MAX_AXIS_LABELS = 20
const SPARK_BLOCKS = '▁▂▃▄▅▆▇█'
/** Wide enough to show a curve's shape, narrow enough to sit in a table cell or a summary line. */
export const SPARKLINE_WIDTH = 24

export interface SeriesColumn {
  name: string
  values: number[]
}

export function columnValues(series: PlotSeries): SeriesColumn[] {
  return series.y.map((name, i) => ({
    name,
    values: series.points.map((p) => p[i + 1]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  }))
}

/**
 * A fenced `xychart-beta` block with one line per y column, or '' when nothing is plottable.
 * Mermaid accepts no gaps in a line, so empty cells repeat the previous value (the first
 * value, at the start); points without an x are dropped.
 */
export function renderMermaidLineChart(series: PlotSeries): string {
  const rows = downsampleEvenly(
    series.points.filter((p) => typeof p[0] === 'number'),
    CHART_MAX_POINTS,
  )
  const xs = rows.map((p) => p[0] as number)
  const lines = series.y
    .map((name, i) => ({ name, values: fillGaps(rows.map((p) => p[i + 1] ?? null)) }))
    .filter((line): line is { name: string; values: number[] } => line.values !== undefined)
  if (lines.length === 0) return ''
  const all = lines.flatMap((l) => l.values)
  const [lo, hi] = niceRange(Math.min(...all), Math.max(...all))
  const title = series.title ?? `${series.y.join(', ')} by ${series.x}`
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${mermaidString(title)}`,
    `  x-axis ${mermaidString(series.x)} ${renderXAxis(xs)}`,
    `  y-axis ${mermaidString(lines.map((l) => l.name).join(', '))} ${plainNumber(lo)} --> ${plainNumber(hi)}`,
    ...lines.map((l) => `  line ${mermaidString(l.name)} [${l.values.map(plainNumber).join(', ')}]`),
    '```',
  ].join('\n')
}

/** Caption, chart (the report passes `chart: false` to save space) and the folded fallback table. */
export function renderPlot(series: PlotSeries, options: { chart?: boolean } = {}): string {
  const title = escapeMarkdown(series.title ?? `${series.y.join(', ')} by ${series.x}`, { maxLength: 100 })
  const [stage, file] = [series.stage, series.file].map((s) => escapeCode(s, { table: false, maxLength: 120 }))
  const caption = `**${title}** · stage ${stage} · ${file}`
  const columns = columnValues(series)
  if (columns.every((c) => c.values.length === 0)) return `${caption}\n\n_No numeric points to plot._`
  const chart = (options.chart ?? true) ? renderMermaidLineChart(series) : ''
  const sparklines = columns.map((c) => `${escapeHtml(c.name, { maxLength: 40 })} ${renderSparkline(c.values)}`).join(' · ')
  const table = `<details><summary>${sparklines}</summary>\n\n${renderPlotTable(series)}\n\n</details>`
  return [caption, chart, table].filter((p) => p !== '').join('\n\n')
}

export function renderSparkline(values: number[], width = SPARKLINE_WIDTH): string {
  const finite = downsampleEvenly(
    values.filter((v) => Number.isFinite(v)),
    width,
  )
  if (finite.length === 0) return ''
  const min = Math.min(...finite)
  const span = Math.max(...finite) - min
  const top = SPARK_BLOCKS.length - 1
  return finite.map((v) => SPARK_BLOCKS[span === 0 ? 0 : Math.round(((v - min) / span) * top)]).join('')
}

export function renderPlotTable(series: PlotSeries): string {
  const rows = columnValues(series).map(({ name, values }) => {
    if (values.length === 0) return `| ${escapeMarkdown(name, { maxLength: 80 })} | — | — | — | — | no values |`
    // A loop, not Math.min(...values): a hand-edited run record may hold more points than a call takes.
    const min = values.reduce((a, b) => Math.min(a, b))
    const max = values.reduce((a, b) => Math.max(a, b))
    const cells = [values[0], min, max, values.at(-1)].map((v) => formatNumber(v ?? NaN))
    return `| ${escapeMarkdown(name, { maxLength: 80 })} | ${cells.join(' | ')} | ${renderSparkline(values)} |`
  })
  return ['| Series | First | Min | Max | Last | Trend |', '| --- | ---: | ---: | ---: | ---: | --- |', ...rows].join('\n')
}

function fillGaps(values: (number | null)[]): number[] | undefined {
  const first = values.find((v): v is number => v !== null)
  if (first === undefined) return undefined
  let last = first
  return values.map((v) => (last = v ?? last))
}

/** Labels each point when few and unevenly spaced data would mislead a numeric axis. */
function renderXAxis(xs: number[]): string {
  const first = xs[0] ?? 0
  const last = xs.at(-1) ?? 0
  if (xs.length > MAX_AXIS_LABELS && isEvenlySpaced(xs)) return `${plainNumber(first)} --> ${plainNumber(last)}`
  return `[${xs.map((x) => mermaidString(plainNumber(x))).join(', ')}]`
}

/** Mermaid spreads a line's points evenly over a numeric axis, so only use one when that is true. */
function isEvenlySpaced(xs: number[]): boolean {
  const first = xs[0] ?? 0
  const span = (xs.at(-1) ?? 0) - first
  if (span <= 0) return false
  const step = span / (xs.length - 1)
  return xs.every((x, k) => Math.abs(x - (first + k * step)) <= span * 0.02)
}

/** A padded y range rounded outward to two significant digits of its span. */
function niceRange(min: number, max: number): [number, number] {
  const pad = min === max ? Math.abs(min) * 0.1 || 1 : (max - min) * 0.05
  let lo = min - pad
  let hi = max + pad
  if (min >= 0 && lo < 0) lo = 0
  const step = 10 ** (Math.floor(Math.log10(hi - lo)) - 1)
  lo = Math.floor(lo / step) * step
  hi = Math.ceil(hi / step) * step
  return [lo, hi]
}

/** Mermaid's number token has no exponent form: plain decimals with six significant digits. */
function plainNumber(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return '0'
  const decimals = Math.min(12, Math.max(0, 5 - Math.floor(Math.log10(Math.abs(n)))))
  let text = n.toFixed(decimals)
  if (text.includes('e')) text = BigInt(Math.round(n)).toString()
  if (text.includes('.')) text = text.replace(/\.?0+$/, '')
  return text === '-0' ? '0' : text
}

/**
 * Mermaid strings cannot contain `"`, a leading backtick starts a Markdown string, `%%` could
 * smuggle in an `%%{init}%%` directive, and labels may be rendered as HTML.
 */
function mermaidString(text: string): string {
  const clean = toOneLine(text, 80).replace(/["`]/g, "'").replace(/%{2,}/g, '%').replace(/</g, '‹').replace(/>/g, '›')
  return `"${clean.trim()}"`
}
