import { compareMetrics, formatDelta, type MetricComparison } from '../metrics/compare.js'
import type { GateResult } from '../metrics/result.js'
import type { RunRecord } from '../pipeline/run-record.js'
import type { Manifest } from '../registry/manifest.js'
import { escapeCode, escapeMarkdown, toOneLine } from './escape.js'
import { cutToLength, fold, TRUNCATION_NOTE, formatDuration, formatOptional, plural, renderTable } from './markdown.js'
import { renderDriftSection } from './render-drift.js'
import { renderSweepSection } from './render-sweep.js'
import { renderSlicesSection, gateRuleLabel } from './render-slices.js'
import { describeStageFailure, renderDataSection, renderParamsSection, renderPlotsSection, renderStagesSection } from './render-sections.js'

export { formatDuration }

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
export { TRUNCATION_NOTE }

const MAX_INLINE_METRICS = 10 // more non-gated metrics than this go into a folded table

/** What to render; each step down drops the part a reviewer misses least. */
export interface Detail {
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
  // A failed stage already explains the metrics it did not write.
  const stageFailed = run.stages.some((s) => s.status === 'failed' || s.status === 'timed-out')
  const metricErrors = stageFailed ? 0 : run.metricErrors.length
  if (metricErrors > 0) problems.push(`${metricErrors === 1 ? 'Metrics problem' : `${metricErrors} metrics problems`}: ${text(run.metricErrors[0]!.message)}`)
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
    byMetric.set(r.metric, (byMetric.get(r.metric) ?? new Set()).add(r.value === undefined && r.slice === undefined ? 'not produced' : text(ruleLabel(r))))
  }
  const items = [...byMetric].map(([metric, rules]) => `${text(metric)} (${[...rules].join(', ')})`)
  return items.length > 5 ? `${items.slice(0, 5).join(', ')} and ${items.length - 5} more` : items.join(', ')
}

function buildContext({ run, baseline, title }: ReportInput): Context {
  const gateResults = new Map<string, GateResult[]>()
  // Drift and slice gates are shown with the drift and slice tables, not as metrics.
  for (const r of run.gates.results) if (r.rule !== 'drift_share' && r.slice === undefined) gateResults.set(r.metric, [...(gateResults.get(r.metric) ?? []), r])
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
    const slices = renderSlicesSection({ evaluation: run.evaluation, baseline: ctx.baseline, gates: run.gates.results, maxGroups: detail.dataExamples ? 15 : 5, confusion: detail.dataExamples })
    parts.push(renderSweepSection(run), renderDataSection(run.data, detail), slices, renderDriftSection(run.data, run.gates.results), renderParamsSection(ctx.run, ctx.baseline))
    parts.push(renderPlotsSection(run.plots, detail), renderStagesSection(run.stages))
  }
  if (truncated) parts.push(TRUNCATION_NOTE)
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`
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
  if (r.rule === 'group_present') return `groups of the baseline missing in ${r.slice}`
  return r.slice === undefined ? gateRuleLabel(r) : `${gateRuleLabel(r)} in ${r.slice}`
}
