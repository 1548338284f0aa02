import type { RunRecord } from '../pipeline/run-record.js'
import { escapeCode, escapeMarkdown } from './escape.js'
import { formatOptional, renderTable } from './markdown.js'

// The matrix sweep: every combination as a row (its params, the select metric, the gated
// metrics), the winner marked; the rest of the report is about the winner.

const MAX_ROWS = 50
const MAX_METRIC_COLUMNS = 4

export function renderSweepSection(run: RunRecord): string {
  const sweep = run.sweep
  if (!sweep) return ''
  const keys = [...new Set(sweep.combos.flatMap((c) => Object.keys(c.params)))]
  const gated = [...new Set(run.gates.results.filter((g) => g.slice === undefined && g.metric !== sweep.metric).map((g) => g.metric))]
  const metrics = [sweep.metric, ...gated.filter((m) => sweep.combos.some((c) => c.metrics[m] !== undefined))].slice(0, MAX_METRIC_COLUMNS)
  const header = ['', ...keys.map((k) => escapeCode(k, { maxLength: 60 })), ...metrics.map((m, i) => (i === 0 ? `**${escapeMarkdown(m, { maxLength: 60 })}** (${sweep.goal})` : escapeMarkdown(m, { maxLength: 60 }))), 'Status']
  const rows = sweep.combos.slice(0, MAX_ROWS).map((c) => [
    c.index === sweep.winner ? '🏆' : String(c.index),
    ...keys.map((k) => (Object.hasOwn(c.params, k) ? escapeCode(String(c.params[k]), { maxLength: 40 }) : '—')),
    ...metrics.map((m) => formatOptional(c.metrics[m])),
    c.status === 'succeeded' ? (c.index === sweep.winner ? 'winner' : 'ok') : `❌ ${escapeMarkdown(c.reason ?? 'failed', { maxLength: 120 })}`,
  ])
  const more = sweep.combos.length > MAX_ROWS ? `\n\n_…and ${sweep.combos.length - MAX_ROWS} more combinations (in the run record)._` : ''
  const winner = sweep.combos.find((c) => c.index === sweep.winner)
  const lead = winner
    ? `Stage ${escapeCode(sweep.stage, { maxLength: 60 })} swept ${sweep.combos.length} combinations; combination ${winner.index} has the ${sweep.goal === 'max' ? 'highest' : 'lowest'} ${escapeMarkdown(sweep.metric, { maxLength: 60 })}, and its model is the one gated and promoted.`
    : `Stage ${escapeCode(sweep.stage, { maxLength: 60 })} swept ${sweep.combos.length} combinations; **none succeeded with a value of ${escapeMarkdown(sweep.metric, { maxLength: 60 })}**.`
  return `### Sweep\n\n${lead}\n\n${renderTable(header, rows, metrics.map((_, i) => 1 + keys.length + i))}${more}`
}
