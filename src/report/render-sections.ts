import { MAX_EXAMPLES } from '../data/checks/tally.js'
import type { DataResult } from '../data/result.js'
import type { PlotSeries, RunRecord, StageRecord } from '../pipeline/run-record.js'
import type { Manifest } from '../registry/manifest.js'
import { renderPlot } from './chart.js'
import { escapeCode, escapeMarkdown } from './escape.js'
import { fold, formatDuration, formatPercent, plural, renderTable } from './markdown.js'
import type { Detail } from './render-report.js'

// The evidence sections below the verdict and metrics: data checks, params, plots, stages.

const MAX_INLINE_PARAMS = 15
const MAX_FAILED_CHECKS = 20

export function renderDataSection(data: DataResult[], detail: Detail): string {
  if (data.length === 0) return ''
  const summary = renderTable(
    ['', 'Data', 'File', 'Rows', 'Checks'],
    data.map((d) => {
      const failed = d.checks.filter((c) => !c.passed).length
      const checks = failed > 0 ? `${failed} of ${d.checks.length} failed` : `all ${d.checks.length} passed`
      return [d.passed ? '✅' : '❌', escapeMarkdown(d.name, { maxLength: 60 }), `${escapeCode(d.path, { maxLength: 120 })}${d.parts ? ` (${plural(d.parts, 'part')})` : ''}`, String(d.rows), checks]
    }),
    [3],
  )
  return ['### Data', summary, ...data.map((d) => renderFailedChecks(d, detail))].filter((p) => p !== '').join('\n\n')
}

function renderFailedChecks(d: DataResult, detail: Detail): string {
  const failed = d.checks.filter((c) => !c.passed)
  if (failed.length === 0) return ''
  const header = ['Check', 'Column', 'Failed rows', 'Details', ...(detail.dataExamples ? ['Examples'] : [])]
  const rows = failed.slice(0, MAX_FAILED_CHECKS).map((c) => {
    const cells = [c.check, c.column !== undefined ? escapeMarkdown(c.column, { maxLength: 60 }) : '—']
    cells.push(c.total > 0 ? `${c.failed} of ${c.total} (${formatPercent(c.failed / c.total)})` : '—')
    cells.push(escapeMarkdown(c.message, { maxLength: 200 }))
    if (!detail.dataExamples) return cells
    const examples = c.examples.slice(0, MAX_EXAMPLES).map((e) => `${escapeCode(`${e.file ?? d.path}:${e.line}${e.position === undefined ? '' : `:${e.position}`}`, { maxLength: 80 })}${e.column === undefined ? '' : ` ${escapeMarkdown(e.column, { maxLength: 40 })}`} ${escapeCode(e.value, { maxLength: 40 })}`)
    return [...cells, examples.join(' · ') || '—']
  })
  const more = failed.length > MAX_FAILED_CHECKS ? `\n\n_…and ${failed.length - MAX_FAILED_CHECKS} more failed checks._` : ''
  return `**❌ ${escapeMarkdown(d.name, { maxLength: 60 })}: failed checks**\n\n${renderTable(header, rows, [2])}${more}`
}

export function renderParamsSection(run: RunRecord, baseline: Manifest | undefined): string {
  if (!baseline) return ''
  const version = `v${escapeMarkdown(baseline.version, { maxLength: 40 })}`
  const names = [...new Set([...Object.keys(baseline.params), ...Object.keys(run.params)])].sort()
  const changed = names.filter((name) => describeParam(baseline.params, name) !== describeParam(run.params, name))
  const heading = '### Params that differ from the baseline'
  if (changed.length === 0) return `${heading}\n\n_None: every param matches ${version}._`
  const cells = (name: string) => [escapeCode(name, { maxLength: 100 }), renderParam(baseline.params, name), renderParam(run.params, name)]
  const table = renderTable(['Param', `Baseline (${version})`, 'This run'], changed.map(cells))
  return `${heading}\n\n${changed.length > MAX_INLINE_PARAMS ? fold(`${changed.length} params differ`, table) : table}`
}

/** Compared as JSON so that 1 and "1" differ. */
function describeParam(params: RunRecord['params'], name: string): string | undefined {
  return Object.hasOwn(params, name) ? JSON.stringify(params[name]) : undefined
}

function renderParam(params: RunRecord['params'], name: string): string {
  if (!Object.hasOwn(params, name)) return '—'
  const value = params[name]
  return escapeCode(typeof value === 'string' ? value : JSON.stringify(value), { maxLength: 80 })
}

export function renderPlotsSection(plots: PlotSeries[], detail: Detail): string {
  if (plots.length === 0) return ''
  return ['### Plots', ...plots.map((p) => renderPlot(p, { chart: detail.charts }))].join('\n\n')
}

const STAGE_STATUS: Record<StageRecord['status'], string> = {
  succeeded: '✅ succeeded',
  cached: '♻️ cached',
  failed: '❌ failed',
  'timed-out': '⏱️ timed out',
  blocked: '⛔ blocked',
}

export function renderStagesSection(stages: StageRecord[]): string {
  if (stages.length === 0) return ''
  const troubled = stages.some((s) => s.status !== 'succeeded' && s.status !== 'cached')
  const rows = stages.map((s) => {
    const ran = s.status !== 'cached' && s.durationMs !== undefined
    const cells = [escapeMarkdown(s.name, { maxLength: 60 }), STAGE_STATUS[s.status], ran ? formatDuration(s.durationMs ?? 0) : '—']
    cells.push(s.status === 'cached' ? 'yes' : 'no')
    const reason = s.status === 'failed' ? describeStageFailure(s) : (s.reason ?? '')
    return troubled ? [...cells, escapeMarkdown(reason, { maxLength: 300 })] : cells
  })
  const table = renderTable(['Stage', 'Status', 'Duration', 'Cached', ...(troubled ? ['Reason'] : [])], rows, [2])
  if (troubled) return `### Stages\n\n${table}`
  const cached = stages.filter((s) => s.status === 'cached').length
  const total = stages.reduce((sum, s) => sum + (s.status === 'cached' ? 0 : (s.durationMs ?? 0)), 0)
  const all = stages.length === 1 ? 'the only stage' : `all ${stages.length}`
  return fold(`Stages: ${all} succeeded${cached > 0 ? ` (${cached} cached)` : ''} in ${formatDuration(total)}`, table)
}

export function describeStageFailure(stage: StageRecord): string {
  if (stage.reason) return stage.reason
  if (stage.signal) return `killed by ${stage.signal}`
  return stage.exitCode !== undefined && stage.exitCode !== null ? `exit code ${stage.exitCode}` : 'failed'
}
