import { formatNumber } from '../metrics/compare.js'

export const TRUNCATION_NOTE = "_Report truncated to fit GitHub's limit; the full report is in the job summary/artifact._"

// Small Markdown building blocks shared by the report sections.

/** A GitHub table; `right` lists the columns holding numbers, which read better right-aligned. */
export function renderTable(header: string[], rows: string[][], right: number[] = []): string {
  const rule = header.map((_, i) => (right.includes(i) ? '---:' : '---'))
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/** `summary` is HTML; callers escape what they put in it. */
export function fold(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

export function formatOptional(value: number | undefined): string {
  return value === undefined ? '—' : formatNumber(value)
}

export function formatPercent(fraction: number): string {
  const percent = fraction * 100
  return percent > 0 && percent < 0.1 ? '&lt;0.1%' : `${Number(percent.toFixed(1))}%`
}

/** "820ms", "12.4s", "1m 05s", "2h 03m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`
  const seconds = Math.round(ms / 1000)
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** Last resort when a text is still too long: whole lines, then the truncation note. */
export function cutToLength(markdown: string, maxLength: number): string {
  const note = `\n\n${TRUNCATION_NOTE}\n`
  let kept = ''
  for (const line of markdown.split('\n')) {
    if (kept.length + line.length + 1 + note.length > maxLength) break
    kept += `${line}\n`
  }
  return `${kept.trimEnd()}${note}`.slice(0, Math.max(0, maxLength))
}
