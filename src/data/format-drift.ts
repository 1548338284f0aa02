import type { DriftReport } from './drift/compare-profiles.js'

// Plain-text drift table for the terminal, drifted columns first (the report's order).

export function formatDrift(report: DriftReport): string {
  const verdict = report.drifted ? '✗ the dataset drifted' : '✓ no dataset drift'
  const head = `${verdict}: ${report.driftedColumns} of ${report.totalColumns} columns drifted (${percent(report.share)}; drifts at ${percent(report.driftShare)})`
  const rows = report.columns.map((c) => [
    c.skipped ? '-' : c.drifted ? '✗' : '✓',
    c.column,
    c.method,
    c.skipped ? '—' : c.scoreKind === 'p_value' ? `p=${score(c.score)}` : score(c.score),
    c.scoreKind === 'p_value' ? `p<${score(c.threshold)}` : `≥${score(c.threshold)}`,
    c.skipped ?? c.direction,
  ])
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((row) => row[i]!.length), 0))
  const lines = rows.map((row) => row.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd())
  const notes = [...report.missingColumns.map((c) => `  column ${JSON.stringify(c)} is missing from the data`), ...report.newColumns.map((c) => `  column ${JSON.stringify(c)} is new`)]
  return [head, ...lines.map((line) => `  ${line}`), ...notes].join('\n')
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`
}

function score(x: number): string {
  return x !== 0 && Math.abs(x) < 0.001 ? x.toExponential(1) : String(Number(x.toPrecision(3)))
}
