import type { DataResult } from '../data/result.js'
import type { GateResult } from '../metrics/result.js'
import { escapeCode, escapeMarkdown } from './escape.js'
import { fold, formatPercent, renderTable } from './markdown.js'

// The Drift section: per dataset compared with the baseline version's profile,
// one row per column, drifted and worst first, with the direction of the shift.

const SHOWN_COLUMNS = 15

const METHOD_NAMES: Record<string, string> = {
  ks: 'Kolmogorov–Smirnov',
  wasserstein: 'Wasserstein (normed)',
  psi: 'PSI',
  jensenshannon: 'Jensen–Shannon',
  chisquare: 'chi-square',
}

export function renderDriftSection(data: readonly DataResult[], gates: readonly GateResult[]): string {
  const compared = data.filter((d) => d.drift)
  if (compared.length === 0) return ''
  return ['### Drift', ...compared.map((d) => renderDatasetDrift(d.name, d.drift!, gateNote(gates.find((g) => g.metric === `drift.${d.name}`))))].join('\n\n')
}

function gateNote(gate: GateResult | undefined): string {
  return gate ? ` · gate ${gate.status === 'fail' ? '❌ fails' : gate.status === 'pass' ? '✅ passes' : '⏭️ skipped'}` : ' · not gated'
}

/** One dataset's drift against a version: the verdict line, then its columns worst first; `note` ends the verdict line. */
export function renderDatasetDrift(dataName: string, drift: NonNullable<DataResult['drift']>, note = ''): string {
  const { version, report } = drift
  const name = escapeMarkdown(dataName, { maxLength: 60 })
  const verdict = report.drifted ? '❌ **drifted**' : '✅ no dataset drift'
  const summary = `**${name}** against v${escapeMarkdown(version, { maxLength: 40 })}: ${verdict}, ${report.driftedColumns} of ${report.totalColumns} columns drifted (${formatPercent(report.share)}; the dataset drifts at ${formatPercent(report.driftShare)})${note}`
  const rows = report.columns.map((c) => [
    c.skipped ? '⏭️' : c.drifted ? '❌' : '✅',
    escapeMarkdown(c.column, { maxLength: 60 }),
    METHOD_NAMES[c.method] ?? c.method,
    c.skipped ? '—' : c.scoreKind === 'p_value' ? `p = ${formatScore(c.score)}` : formatScore(c.score),
    c.scoreKind === 'p_value' ? `p < ${formatScore(c.threshold)}` : `≥ ${formatScore(c.threshold)}`,
    escapeMarkdown(c.skipped ?? c.direction, { maxLength: 120 }),
  ])
  const header = ['', 'Column', 'Method', 'Statistic', 'Drift at', 'Shift']
  const shown = renderTable(header, rows.slice(0, SHOWN_COLUMNS), [3])
  const rest = rows.length > SHOWN_COLUMNS ? `\n\n${fold(`${rows.length - SHOWN_COLUMNS} more columns`, renderTable(header, rows.slice(SHOWN_COLUMNS), [3]))}` : ''
  const changes = [
    ...report.missingColumns.map((c) => `${escapeCode(c, { table: false, maxLength: 60 })} is gone`),
    ...report.newColumns.map((c) => `${escapeCode(c, { table: false, maxLength: 60 })} is new`),
  ]
  const columnNote = changes.length > 0 ? `\n\nColumns: ${changes.join(', ')}.` : ''
  return `${summary}\n\n${shown}${rest}${columnNote}`
}

function formatScore(x: number): string {
  if (x === 0) return '0'
  if (Math.abs(x) < 0.001) return x.toExponential(1)
  return String(Number(x.toPrecision(3)))
}
