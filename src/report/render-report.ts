import type { DataResult } from '../data/result.js'
import { compareMetrics, formatDelta, formatNumber, type MetricComparison } from '../metrics/compare.js'
import type { GateResult } from '../metrics/result.js'
import type { PlotSeries, RunRecord, StageRecord } from '../pipeline/run-record.js'
import type { Manifest } from '../registry/manifest.js'
import { renderPlot } from './chart.js'
import { escapeCode, escapeMarkdown, toOneLine } from './escape.js'

// The pull-request comment and job summary for one run. A reviewer reads the first line to
// decide whether to merge, so the verdict leads and everything after it is evidence.

export interface ReportInput {
  run: RunRecord
  /** The registered version the run is compared with (usually the one in production). */
  baseline?: Manifest
  /** Heading; defaults to the model name. */
  title?: string
  /** Longest Markdown to return, in UTF-16 units (never fewer than GitHub counts). */
  maxLength?: number
}

export const GITHUB_COMMENT_LIMIT = 65_536
export const TRUNCATION_NOTE = "_Report truncated to fit GitHub's limit; the full report is in the job summary/artifact._"

const MAX_INLINE_METRICS = 10 // more non-gated metrics than this go into a folded table
const MAX_INLINE_PARAMS = 15
const MAX_FAILED_CHECKS = 20
const MAX_EXAMPLES = 3

/** What to render; each step down drops the part a reviewer misses least. */
interface Detail {
  charts: boolean
  dataExamples: boolean
  otherMetrics: boolean
  sections: boolean
}
const MINIMAL: Detail = { charts: false, dataExamples: false, otherMetrics: false, sections: false }
const DETAIL_STEPS: readonly Detail[] = [
  { charts: true, dataExamples: true, otherMetrics: true, sections: true },
  { charts: false, dataExamples: true, otherMetrics: true, sections: true },
  { charts: false, dataExamples: false, otherMetrics: true, sections: true },
  { charts: false, dataExamples: false, otherMetrics: false, sections: true },
  MINIMAL,
]

interface Context {
  run: RunRecord
  baseline: Manifest | undefined
  title: string
  gated: MetricComparison[]
  others: MetricComparison[]
  gateResults: Map<string, GateResult[]>
}

export function renderReport(input: ReportInput): string {
  const maxLength = input.maxLength ?? GITHUB_COMMENT_LIMIT
  const ctx = buildContext(input)
  for (const [step, detail] of DETAIL_STEPS.entries()) {
    const markdown = composeReport(ctx, detail, step > 0)
    if (markdown.length <= maxLength) return markdown
  }
  return cutToLength(composeReport(ctx, MINIMAL, false), maxLength)
}

/** The report's first line, by which a bot finds its earlier comment for this model to update. */
export function renderReportMarker(model: string): string {
  return `<!-- mlops-report model=${model.replace(/[^A-Za-z0-9._-]/g, '_')} -->`
}

/** One line: ✅ all gates pass, or ❌ what failed (gates first, then stages and data). */
export function renderVerdictLine(run: RunRecord, options: { format?: 'markdown' | 'text' } = {}): string {
  const markdown = (options.format ?? 'markdown') === 'markdown'
  const text = (s: string) => (markdown ? escapeMarkdown(s, { maxLength: 200 }) : toOneLine(s, 200))
  const code = (s: string) => (markdown ? escapeCode(s, { table: false, maxLength: 80 }) : `"${toOneLine(s, 80)}"`)
  const bold = (s: string) => (markdown ? `**${s}**` : s)
  const results = run.gates.results
  const failed = results.filter((r) => r.status === 'fail')
  const problems: string[] = []
  if (failed.length > 0) {
    const verb = failed.length === 1 ? 'fails' : 'fail'
    problems.push(`${bold(`${failed.length} of ${plural(results.length, 'gate')} ${verb}:`)} ${listFailedGates(failed, text)}`)
  }
  for (const stage of run.stages) {
    if (stage.status === 'failed') problems.push(`Stage ${code(stage.name)} failed: ${text(describeStageFailure(stage))}`)
    if (stage.status === 'timed-out') problems.push(`Stage ${code(stage.name)} timed out${stage.reason ? `: ${text(stage.reason)}` : ''}`)
  }
  const badData = run.data.filter((d) => !d.passed)
  if (badData.length > 0) problems.push(`Data checks failed: ${badData.map((d) => code(d.name)).join(', ')}`)
  if (problems.length === 0 && run.status === 'failed') problems.push(bold('Run failed'))
  const skipped = results.filter((r) => r.status === 'skipped').length
  const why = run.gates.baseline ? `not in baseline v${text(run.gates.baseline.version)}` : 'no baseline yet'
  const passing = results.length === 1 ? 'the gate passes' : `all ${results.length} gates pass`
  const note = skipped > 0 ? ` (${skipped} skipped: ${why})` : ''
  if (problems.length > 0) return `❌ ${problems.join(' · ')}${failed.length === 0 && results.length > 0 ? ` · ${passing}${note}` : ''}`
  if (results.length === 0) return `✅ ${bold('Run succeeded')} (no gates configured)`
  return `✅ ${bold(passing.charAt(0).toUpperCase() + passing.slice(1))}${note}`
}

function listFailedGates(failed: GateResult[], text: (s: string) => string): string {
  const byMetric = new Map<string, Set<string>>()
  for (const r of failed) {
    byMetric.set(r.metric, (byMetric.get(r.metric) ?? new Set()).add(r.value === undefined ? 'not produced' : ruleLabel(r)))
  }
  const items = [...byMetric].map(([metric, rules]) => `${text(metric)} (${[...rules].join(', ')})`)
  return items.length > 5 ? `${items.slice(0, 5).join(', ')} and ${items.length - 5} more` : items.join(', ')
}

function buildContext({ run, baseline, title }: ReportInput): Context {
  const gateResults = new Map<string, GateResult[]>()
  for (const r of run.gates.results) gateResults.set(r.metric, [...(gateResults.get(r.metric) ?? []), r])
  const rows = new Map(compareMetrics(run.metrics, baseline?.metrics).map((row) => [row.name, row]))
  const missing = (name: string): MetricComparison => ({ name, change: baseline ? 'removed' : 'no-baseline', direction: 'higher' })
  const gated = [...gateResults.keys()].map((name) => rows.get(name) ?? missing(name))
  const others = [...rows.values()].filter((row) => !gateResults.has(row.name))
  return { run, baseline, title: title ?? run.model.name, gated, others, gateResults }
}

function composeReport(ctx: Context, detail: Detail, truncated: boolean): string {
  const { run } = ctx
  const heading = `${renderReportMarker(run.model.name)}\n## ${escapeMarkdown(ctx.title, { maxLength: 120 })}`
  const parts = [heading, renderVerdictLine(run)]
  if (detail.sections) parts.push(renderRunContext(run))
  parts.push(renderMetricsSection(ctx, detail))
  if (detail.sections) {
    parts.push(renderDataSection(run.data, detail), renderParamsSection(ctx))
    parts.push(renderPlotsSection(run.plots, detail), renderStagesSection(run.stages))
  }
  if (truncated) parts.push(TRUNCATION_NOTE)
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`
}

/** Last resort when even the verdict and gated metrics are too long: whole lines, then the note. */
function cutToLength(markdown: string, maxLength: number): string {
  const note = `\n\n${TRUNCATION_NOTE}\n`
  let kept = ''
  for (const line of markdown.split('\n')) {
    if (kept.length + line.length + 1 + note.length > maxLength) break
    kept += `${line}\n`
  }
  return `${kept.trimEnd()}${note}`.slice(0, Math.max(0, maxLength))
}

function renderRunContext(run: RunRecord): string {
  const inline = (s: string, maxLength = 60) => escapeCode(s, { table: false, maxLength })
  const parts = [`run ${inline(run.id)}`]
  const { commit, branch, dirty } = run.git
  if (commit) {
    const where = `${branch ? ` on ${inline(branch)}` : ''}${dirty ? ' (with uncommitted changes)' : ''}`
    parts.push(`commit ${inline(commit.slice(0, 7))}${where}`)
  }
  const took = Date.parse(run.finishedAt) - Date.parse(run.startedAt)
  if (Number.isFinite(took) && took >= 0) parts.push(`took ${formatDuration(took)}`)
  return `<sub>${parts.join(' · ')}</sub>`
}

function renderMetricsSection(ctx: Context, detail: Detail): string {
  const { gated, others, baseline, run } = ctx
  const inline = detail.otherMetrics && others.length <= MAX_INLINE_METRICS ? others : []
  const folded = others.slice(inline.length)
  const out = ['### Metrics']
  if (gated.length + others.length === 0) out.push('_No metrics were produced._')
  if (gated.length + inline.length > 0) out.push(renderMetricTable(ctx, [...gated, ...inline]))
  if (folded.length > 0) {
    const label = `${folded.length} ${gated.length + inline.length > 0 ? 'more ' : ''}metrics`
    const summary = `${label}${baseline ? `: ${countChanges(folded)}` : ''}`
    out.push(detail.otherMetrics ? fold(summary, renderMetricTable(ctx, folded)) : `_${summary} (not shown)._`)
  }
  if (!detail.sections) return out.join('\n\n')
  if (!baseline) {
    const skipped = run.gates.results.some((r) => r.status === 'skipped')
    const tail = skipped ? '; the max drop / max rise gates were skipped' : ''
    out.push(`_No baseline yet: no model version has been promoted, so there is nothing to compare against${tail}._`)
  }
  const missing = run.gates.results.filter((r) => r.value === undefined && r.status === 'fail').map((r) => r.message)
  const problems = [...new Set([...missing, ...run.metricErrors.map((e) => e.message)])]
  if (problems.length > 0) out.push(problems.map((m) => `- ⚠️ ${escapeMarkdown(m, { maxLength: 300 })}`).join('\n'))
  return out.join('\n\n')
}

/** "1 better, 2 worse, 9 same", so a folded table still says whether it is worth opening. */
function countChanges(rows: MetricComparison[]): string {
  const counts = new Map<string, number>()
  for (const row of rows) counts.set(row.change, (counts.get(row.change) ?? 0) + 1)
  return ['better', 'worse', 'new', 'removed', 'same'].flatMap((c) => (counts.has(c) ? [`${counts.get(c)} ${c}`] : [])).join(', ')
}

function renderMetricTable(ctx: Context, rows: MetricComparison[]): string {
  const withGate = rows.some((row) => ctx.gateResults.has(row.name))
  const header = ['Metric', 'This run']
  if (ctx.baseline) header.push(`Baseline (${describeBaseline(ctx)})`, 'Δ')
  if (withGate) header.push('Gate')
  const body = rows.map((row) => {
    const produced = row.value !== undefined || !ctx.gateResults.has(row.name)
    const cells = [escapeMarkdown(row.name, { maxLength: 100 }), produced ? formatOptional(row.value) : 'not produced']
    if (ctx.baseline) cells.push(formatOptional(row.baseline), describeChange(row))
    if (withGate) cells.push((ctx.gateResults.get(row.name) ?? []).map(renderGateBadge).join(' · '))
    return cells
  })
  return renderTable(header, body, ctx.baseline ? [1, 2] : [1])
}

function describeBaseline({ baseline, run }: Context): string {
  const version = `v${escapeMarkdown(baseline?.version ?? '', { maxLength: 40 })}`
  const stage = run.gates.baseline?.version === baseline?.version ? run.gates.baseline?.stage : undefined
  return stage ? `${version}, ${escapeMarkdown(stage, { maxLength: 40 })}` : version
}

function describeChange(row: MetricComparison): string {
  if (row.change === 'better' || row.change === 'worse') {
    const arrow = (row.delta ?? 0) > 0 ? '▲' : '▼'
    return `${formatDelta(row.delta ?? 0)} ${arrow} ${row.change === 'worse' ? '**worse**' : 'better'}`
  }
  return row.change === 'no-baseline' ? '—' : row.change
}

function renderGateBadge(r: GateResult): string {
  if (r.status === 'pass') return `✅ ${ruleLabel(r)}`
  // A missing metric is explained once, below the table.
  if (r.value === undefined) return `❌ ${ruleLabel(r)}`
  return `${r.status === 'fail' ? '❌' : '⏭️'} ${ruleLabel(r)}: ${escapeMarkdown(r.message, { maxLength: 120 })}`
}

function ruleLabel(r: GateResult): string {
  return `${r.rule.replace('_', ' ')} ${formatNumber(r.threshold)}`
}

function renderDataSection(data: DataResult[], detail: Detail): string {
  if (data.length === 0) return ''
  const summary = renderTable(
    ['', 'Data', 'File', 'Rows', 'Checks'],
    data.map((d) => {
      const failed = d.checks.filter((c) => !c.passed).length
      const checks = failed > 0 ? `${failed} of ${d.checks.length} failed` : `all ${d.checks.length} passed`
      return [d.passed ? '✅' : '❌', escapeMarkdown(d.name, { maxLength: 60 }), escapeCode(d.path, { maxLength: 120 }), String(d.rows), checks]
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
    const examples = c.examples.slice(0, MAX_EXAMPLES).map((e) => `line ${e.line}: ${escapeCode(e.value, { maxLength: 40 })}`)
    return [...cells, examples.join(' · ') || '—']
  })
  const more = failed.length > MAX_FAILED_CHECKS ? `\n\n_…and ${failed.length - MAX_FAILED_CHECKS} more failed checks._` : ''
  return `**❌ ${escapeMarkdown(d.name, { maxLength: 60 })}: failed checks**\n\n${renderTable(header, rows, [2])}${more}`
}

function renderParamsSection({ run, baseline }: Context): string {
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

function renderPlotsSection(plots: PlotSeries[], detail: Detail): string {
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

function renderStagesSection(stages: StageRecord[]): string {
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

function describeStageFailure(stage: StageRecord): string {
  if (stage.reason) return stage.reason
  if (stage.signal) return `killed by ${stage.signal}`
  return stage.exitCode !== undefined && stage.exitCode !== null ? `exit code ${stage.exitCode}` : 'failed'
}

/** A GitHub table; `right` lists the columns holding numbers, which read better right-aligned. */
function renderTable(header: string[], rows: string[][], right: number[] = []): string {
  const rule = header.map((_, i) => (right.includes(i) ? '---:' : '---'))
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/** `summary` is HTML; callers escape what they put in it. */
function fold(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

function formatOptional(value: number | undefined): string {
  return value === undefined ? '—' : formatNumber(value)
}

function formatPercent(fraction: number): string {
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

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
