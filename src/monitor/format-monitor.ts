import { formatDrift } from '../data/format-drift.js'
import { gateRuleLabel } from '../report/render-slices.js'
import type { MonitorResult } from './run-monitor.js'

// The monitoring check as plain text for the terminal and CI logs: the verdict, then per
// dataset its drift table, then the performance gates.

export function formatMonitor(result: MonitorResult): string {
  const lines = [`${monitorVerdict(result)} (${result.model} v${result.version} in production)`]
  for (const d of result.datasets) {
    lines.push('', `${d.name} (${d.path}, ${d.rows.toLocaleString('en-US')} rows):`)
    lines.push(d.drift ? formatDrift(d.drift) : `  drift not computed: ${d.skipped ?? 'the data could not be read'}`)
  }
  const performance = result.performance
  if (performance) {
    lines.push('', `performance on ${performance.file}${performance.evaluation ? ` (${performance.evaluation.rows.toLocaleString('en-US')} rows)` : ''}:`)
    if (performance.gates.length === 0) lines.push('  no gate applies to the metrics the evaluation computes')
    for (const g of performance.gates) lines.push(`  ${g.status === 'pass' ? '✓' : g.status === 'fail' ? '✗' : '-'} ${g.metric} ${gateRuleLabel(g)}${g.slice ? ` in ${g.slice}` : ''}: ${g.message}`)
  }
  if (result.problems.length > 0) lines.push('', ...result.problems.map((p) => `⚠ ${p}`))
  return lines.join('\n')
}

/** One line: what a scheduled run found. */
export function monitorVerdict(result: MonitorResult): string {
  const drifted = result.datasets.filter((d) => d.drift?.drifted).map((d) => d.name)
  const failed = result.performance?.gates.filter((g) => g.status === 'fail').map((g) => `${g.metric}${g.slice ? ` in ${g.slice}` : ''}`) ?? []
  const found = [
    ...(drifted.length > 0 ? [`drift in ${drifted.join(', ')}`] : []),
    ...(failed.length > 0 ? [`${failed.length === 1 ? 'a gate fails' : `${failed.length} gates fail`}: ${[...new Set(failed)].join(', ')}`] : []),
    ...(result.problems.length > 0 ? [`${result.problems.length === 1 ? 'an input' : `${result.problems.length} inputs`} could not be read`] : []),
  ]
  return found.length > 0 ? `✗ ${found.join('; ')}` : '✓ no drift, no degradation'
}
