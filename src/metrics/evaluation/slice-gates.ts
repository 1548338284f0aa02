import type { EvaluationSpec, Spec } from '../../spec/schema.js'
import { formatNumber, tolerance } from '../compare.js'
import type { GateResult } from '../result.js'
import { type Evaluation, type EvaluationGroup, type EvaluationSlice, groupKey, groupLabel } from './evaluation-result.js'
import { isFairnessMetric, isRatio } from './fairness.js'

// Gates on the groups of each evaluation slice, one result per slice:
// - per_slice { min, max }: every group with at least min_group rows is within the bounds
// - max_gap: the best and worst such group differ by at most this (Fairlearn's difference)
// - a fairness metric's min/max (demographic_parity_difference: { max: 0.1 }) on each slice
// - a group the baseline version was gated on and this run does not have at all fails
//   group_present on every gated slice: the gate could not look at it.
// Smaller groups are listed in the report and never gated: a rate over a handful of rows
// swings by whole points on one row.

/** The gates evaluateGates applies to metrics: fairness metrics are slice gates when the engine evaluates. */
export function metricGates(spec: Pick<Spec, 'gates' | 'evaluation'>): Spec['gates'] {
  if (!spec.evaluation) return spec.gates
  return Object.fromEntries(Object.entries(spec.gates).filter(([metric]) => !isFairnessMetric(metric)))
}

/** Whether any gate looks at slices, so the evaluation has gates of its own. */
export function hasSliceGates(spec: Pick<Spec, 'gates' | 'evaluation'>): boolean {
  if (!spec.evaluation) return false
  return Object.entries(spec.gates).some(([metric, gate]) => gate.per_slice !== undefined || gate.max_gap !== undefined || isFairnessMetric(metric))
}

export function sliceGates(
  spec: Pick<Spec, 'gates' | 'evaluation'>,
  evaluation: Evaluation | undefined,
  baseline?: { version: string; evaluation?: Evaluation | undefined },
): GateResult[] {
  const settings = spec.evaluation
  if (!settings || !hasSliceGates(spec)) return []
  const results: GateResult[] = []
  for (const [metric, gate] of Object.entries(spec.gates)) {
    const fairness = isFairnessMetric(metric)
    const rules: Array<[GateResult['rule'], number]> = []
    if (fairness) {
      if (gate.min !== undefined) rules.push(['min', gate.min])
      if (gate.max !== undefined) rules.push(['max', gate.max])
    }
    if (gate.per_slice?.min !== undefined) rules.push(['per_slice_min', gate.per_slice.min])
    if (gate.per_slice?.max !== undefined) rules.push(['per_slice_max', gate.per_slice.max])
    if (gate.max_gap !== undefined) rules.push(['max_gap', gate.max_gap])
    for (const [rule, threshold] of rules) {
      if (!evaluation) {
        results.push({ metric, rule, threshold, status: 'fail', message: `${settings.predictions} was not evaluated` })
        continue
      }
      for (const slice of evaluation.slices) {
        if (gate.slices && !gate.slices.some((s) => sliceName(s) === slice.name)) continue
        const base = { metric, rule, threshold, slice: slice.name }
        results.push({ ...base, ...(fairness ? fairnessRule(rule as 'min' | 'max', threshold, metric, slice, evaluation) : groupRule(rule, threshold, metric, slice, evaluation.minGroup)) })
      }
    }
  }
  if (evaluation && baseline?.evaluation) results.push(...missingGroups(evaluation, baseline.evaluation, baseline.version))
  return results
}

type Outcome = Pick<GateResult, 'status' | 'message' | 'value'>

function gatedGroups(slice: EvaluationSlice, minGroup: number, metric: string): Array<EvaluationGroup & { value: number }> {
  return slice.groups.flatMap((g) => {
    const value = g.metrics[metric]
    return g.rows >= minGroup && typeof value === 'number' ? [{ ...g, value }] : []
  })
}

function groupRule(rule: GateResult['rule'], threshold: number, metric: string, slice: EvaluationSlice, minGroup: number): Outcome {
  const groups = gatedGroups(slice, minGroup, metric)
  if (groups.length === 0) return { status: 'skipped', message: `no group has ${minGroup} rows or more with a value of ${metric}` }
  const byValue = [...groups].sort((a, b) => a.value - b.value)
  const low = byValue[0]!
  const high = byValue.at(-1)!
  const name = (g: EvaluationGroup) => groupLabel(g.values)
  if (rule === 'max_gap') {
    const gap = high.value - low.value
    const ok = gap <= threshold + tolerance(high.value, low.value)
    return { value: gap, status: ok ? 'pass' : 'fail', message: `${name(high)} ${formatNumber(high.value)} − ${name(low)} ${formatNumber(low.value)} = ${formatNumber(gap)} ${ok ? '≤' : '>'} ${formatNumber(threshold)}` }
  }
  const min = rule === 'per_slice_min'
  const failing = groups.filter((g) => (min ? g.value < threshold - tolerance(g.value, threshold) : g.value > threshold + tolerance(g.value, threshold)))
  const worst = min ? low : high
  const of = `of ${groups.length} ${groups.length === 1 ? 'group' : 'groups'}`
  if (failing.length === 0) return { value: worst.value, status: 'pass', message: `worst ${name(worst)} ${formatNumber(worst.value)} ${min ? '≥' : '≤'} ${formatNumber(threshold)} (${groups.length} ${groups.length === 1 ? 'group' : 'groups'})` }
  return { value: worst.value, status: 'fail', message: `${failing.length} ${of} ${min ? 'under' : 'over'} ${formatNumber(threshold)}, worst ${name(worst)} ${formatNumber(worst.value)}` }
}

function fairnessRule(rule: 'min' | 'max', threshold: number, metric: string, slice: EvaluationSlice, evaluation: Evaluation): Outcome {
  if (evaluation.task === 'regression') return { status: 'fail', message: `${metric} is for classifiers; the evaluation is a regression` }
  if (evaluation.positive === undefined) {
    return { status: 'fail', message: `${metric} needs evaluation.positive, the favourable class (classes: ${(evaluation.classes ?? []).slice(0, 10).join(', ')})` }
  }
  const value = slice.fairness[metric]
  if (typeof value !== 'number') return { status: 'skipped', message: `${metric} is undefined: fewer than two groups of ${evaluation.minGroup} rows or more with the rates it compares` }
  const ok = rule === 'min' ? value >= threshold - tolerance(value, threshold) : value <= threshold + tolerance(value, threshold)
  const sign = rule === 'min' ? (ok ? '≥' : '<') : ok ? '≤' : '>'
  const parity = isRatio(metric) ? '1 is parity' : '0 is parity'
  return { value, status: ok ? 'pass' : 'fail', message: `${formatNumber(value)} ${sign} ${formatNumber(threshold)} (${parity})` }
}

function missingGroups(evaluation: Evaluation, baseline: Evaluation, version: string): GateResult[] {
  const results: GateResult[] = []
  for (const slice of evaluation.slices) {
    const before = baseline.slices.find((s) => s.name === slice.name)
    if (!before) continue
    const now = new Set(slice.groups.map((g) => groupKey(g.values)))
    const gone = before.groups.filter((g) => g.rows >= baseline.minGroup && !now.has(groupKey(g.values)))
    if (gone.length === 0) continue
    const listed = gone.slice(0, 5).map((g) => `${groupLabel(g.values)} (${g.rows} rows)`).join(', ') + (gone.length > 5 ? `, … ${gone.length - 5} more` : '')
    results.push({ metric: 'groups', rule: 'group_present', threshold: baseline.minGroup, value: gone.length, slice: slice.name, status: 'fail', message: `${gone.length} ${gone.length === 1 ? 'group' : 'groups'} of v${version} missing now: ${listed}` })
  }
  return results
}

/** A slice as the spec writes it ("sex", [island, sex]) by the name the evaluation gives it. */
export function sliceName(slice: string | readonly string[]): string {
  return typeof slice === 'string' ? slice : slice.join(' × ')
}

/** The per-group metrics a slice gate may name, by task. */
export function groupMetricNames(settings: Pick<EvaluationSpec, 'task' | 'score'>): string[] {
  if (settings.task === 'regression') return ['rmse', 'mae', 'r2', 'max_error']
  return ['accuracy', 'balanced_accuracy', 'f1_macro', 'precision_macro', 'recall_macro', 'selection_rate', 'true_positive_rate', 'false_positive_rate', ...(settings.score ? ['log_loss', 'brier_score'] : [])]
}
