import { formatNumber, formatShare } from './checks/check-text.js'
import type { TableProfile } from './profile/table-profile.js'
import { summarizeColumn } from './scan/summarize.js'

// Plain-text table of a profile for the terminal: one line per column.

const TOP_SHOWN = 3
const NAME_WIDTH = 28
const CELL_CHARS = 24

export function formatProfile(table: TableProfile): string {
  const header = ['column', 'type', 'nulls', 'distinct', 'min', 'mean', 'max', 'most common']
  const rows = [...table.columns].map(([name, profile]) => {
    const summary = summarizeColumn(profile)
    const nulls = summary.nulls === 0 ? '0' : `${formatNumber(summary.nulls)} (${formatShare(summary.nulls, summary.count + summary.nulls)})`
    const numeric = summary.type === 'integer' || summary.type === 'number'
    const top = numeric ? '' : profile.top.top(TOP_SHOWN).map((item) => `${cut(JSON.stringify(item.value))} ${formatShare(item.count, summary.count)}`).join(', ')
    return [
      cut(name, NAME_WIDTH),
      summary.type ?? '—',
      nulls,
      summary.distinct === undefined ? '—' : `${profile.top.exact ? '' : '≈'}${formatNumber(summary.distinct)}`,
      summary.min === undefined ? '' : formatNumber(summary.min),
      summary.mean === undefined ? '' : formatNumber(summary.mean),
      summary.max === undefined ? '' : formatNumber(summary.max),
      top,
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

function cut(text: string, width = CELL_CHARS): string {
  // Control characters would garble the terminal; JSON quoting shows them instead.
  const visible = /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text
  return visible.length > width ? `${visible.slice(0, width - 1)}…` : visible
}
