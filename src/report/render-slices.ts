import { formatDelta, formatNumber } from '../metrics/compare.js'
import { inferDirection } from '../metrics/direction.js'
import { type Evaluation, type EvaluationGroup, type EvaluationSlice, groupKey, groupLabel } from '../metrics/evaluation/evaluation-result.js'
import { FAIRNESS_METRICS } from '../metrics/evaluation/fairness.js'
import type { GateResult } from '../metrics/result.js'
import { escapeMarkdown } from './escape.js'
import { fold, formatOptional, plural, renderTable } from './markdown.js'

// The Slices section: per slice a table of its groups, worst first by the first gated
// metric, with the change against the same group of the baseline version, the slice's
// fairness metrics and its gates; then the confusion matrix. Groups under min_group are
// marked as not gated, groups the baseline had and this run lacks are listed.

const MAX_COLUMNS = 5
const MAX_CLASSES_SHOWN = 12

export interface SlicesInput {
  evaluation: Evaluation | undefined
  baseline?: { version: string; evaluation?: Evaluation | undefined } | undefined
  gates: readonly GateResult[]
  /** Groups shown per slice before the rest are folded away. */
  maxGroups: number
  confusion: boolean
}

export function renderSlicesSection({ evaluation, baseline, gates, maxGroups, confusion }: SlicesInput): string {
  if (!evaluation || (evaluation.slices.length === 0 && !evaluation.confusion)) return ''
  const out = ['### Evaluation']
  const positive = evaluation.positive === undefined ? '' : ` · positive class ${escapeMarkdown(evaluation.positive, { maxLength: 60 })}`
  out.push(`<sub>${escapeMarkdown(evaluation.file, { maxLength: 120 })} · ${plural(evaluation.rows, 'row')}${positive} · groups under ${evaluation.minGroup} rows are shown, not gated</sub>`)
  const columns = metricColumns(evaluation, gates)
  const before = baseline?.evaluation
  for (const slice of evaluation.slices) {
    out.push(renderSlice(slice, evaluation, columns, gates.filter((g) => g.slice === slice.name), before?.slices.find((s) => s.name === slice.name), baseline?.version, maxGroups))
  }
  if (confusion && evaluation.confusion && evaluation.classes && evaluation.classes.length <= MAX_CLASSES_SHOWN) {
    out.push(fold('Confusion matrix (rows: label, columns: prediction)', renderConfusion(evaluation.classes, evaluation.confusion)))
  }
  return out.join('\n\n')
}

/** The metrics slice gates look at, then the task's usual ones. */
function metricColumns(evaluation: Evaluation, gates: readonly GateResult[]): string[] {
  const gated = gates.filter((g) => g.slice !== undefined && (g.rule === 'per_slice_min' || g.rule === 'per_slice_max' || g.rule === 'max_gap')).map((g) => g.metric)
  const usual = evaluation.task === 'regression' ? ['rmse', 'mae', 'r2'] : ['accuracy', 'f1_macro', ...(evaluation.positive === undefined ? [] : ['selection_rate', 'true_positive_rate', 'false_positive_rate'])]
  return [...new Set([...gated, ...usual])].slice(0, MAX_COLUMNS)
}

function renderSlice(slice: EvaluationSlice, evaluation: Evaluation, columns: string[], gates: GateResult[], before: EvaluationSlice | undefined, version: string | undefined, maxGroups: number): string {
  const primary = columns[0]!
  const lowerIsBetter = inferDirection(primary) === 'lower'
  const value = (g: EvaluationGroup) => g.metrics[primary]
  // Worst first; groups too small to gate and groups without a value go last.
  const ranked = [...slice.groups].sort((a, b) => {
    const small = Number(a.rows < evaluation.minGroup) - Number(b.rows < evaluation.minGroup)
    if (small !== 0) return small
    const x = value(a)
    const y = value(b)
    if (x == null || y == null) return Number(x == null) - Number(y == null)
    return lowerIsBetter ? y - x : x - y
  })
  const previous = new Map((before?.groups ?? []).map((g) => [groupKey(g.values), g]))
  const header = ['Group', 'Rows', ...columns.map((c) => escapeMarkdown(c, { maxLength: 40 }))]
  if (before) header.push(`Δ ${escapeMarkdown(primary, { maxLength: 40 })} vs v${escapeMarkdown(version ?? '', { maxLength: 40 })}`)
  const rows = ranked.map((g) => {
    const small = g.rows < evaluation.minGroup ? ' _(not gated)_' : ''
    const cells = [escapeMarkdown(groupLabel(g.values), { maxLength: 80 }) || '(empty)', `${g.rows}${small}`, ...columns.map((c) => formatOptional(g.metrics[c] ?? undefined))]
    if (before) cells.push(describeChange(value(g), previous.get(groupKey(g.values))?.metrics[primary], lowerIsBetter))
    return cells
  })
  const present = new Set(slice.groups.map((g) => groupKey(g.values)))
  const gone = (before?.groups ?? []).filter((g) => !present.has(groupKey(g.values)))
  for (const g of gone) rows.push([escapeMarkdown(groupLabel(g.values), { maxLength: 80 }), `⚠️ missing now (${g.rows} in v${escapeMarkdown(version ?? '', { maxLength: 40 })})`, ...columns.map(() => '—'), ...(before ? ['—'] : [])])
  const right = [1, ...columns.map((_, i) => i + 2)]
  const table = renderTable(header, rows.slice(0, maxGroups), right)
  const rest = rows.length > maxGroups ? `\n\n${fold(`${rows.length - maxGroups} more groups`, renderTable(header, rows.slice(maxGroups), right))}` : ''
  const fairness = FAIRNESS_METRICS.flatMap((m) => (typeof slice.fairness[m] === 'number' ? [`${m.replaceAll('_', ' ')} ${formatNumber(slice.fairness[m])}`] : []))
  const lines = [`**${escapeMarkdown(slice.name, { maxLength: 80 })}** (${plural(slice.groups.length, 'group')})${fairness.length > 0 ? ` · ${fairness.join(' · ')}` : ''}`, `${table}${rest}`]
  if (gates.length > 0) lines.push(gates.map((g) => renderGateLine(g)).join('\n'))
  return lines.join('\n\n')
}

function describeChange(now: number | null | undefined, then: number | null | undefined, lowerIsBetter: boolean): string {
  if (now == null || then == null) return '—'
  const delta = now - then
  if (formatDelta(delta) === '0') return '0'
  const worse = lowerIsBetter ? delta > 0 : delta < 0
  return `${formatDelta(delta)} ${delta > 0 ? '▲' : '▼'}${worse ? ' **worse**' : ''}`
}

/** A gate result as a list item; `withSlice` names its slice (where no slice table heads the list). */
export function renderGateLine(r: GateResult, options: { withSlice?: boolean } = {}): string {
  const icon = r.status === 'pass' ? '✅' : r.status === 'fail' ? '❌' : '⏭️'
  const label = r.rule === 'group_present' ? 'groups of the baseline' : `${escapeMarkdown(r.metric, { maxLength: 60 })} ${gateRuleLabel(r)}`
  const slice = options.withSlice && r.slice ? ` in ${escapeMarkdown(r.slice, { maxLength: 60 })}` : ''
  return `- ${icon} ${label}${slice}: ${escapeMarkdown(r.message, { maxLength: 300 })}`
}

/** A gate's rule and threshold: "min 0.9", "max drop 0.02", "per slice min 0.85", "max gap 0.05". */
export function gateRuleLabel(r: GateResult): string {
  return `${r.rule.replaceAll('_', ' ')} ${formatNumber(r.threshold)}`
}

function renderConfusion(classes: readonly string[], matrix: readonly (readonly number[])[]): string {
  const names = classes.map((c) => escapeMarkdown(c, { maxLength: 40 }) || '(empty)')
  return renderTable(['', ...names], matrix.map((row, t) => [`**${names[t]}**`, ...row.map(String)]), names.map((_, i) => i + 1))
}
