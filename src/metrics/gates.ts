import type { Spec } from '../spec/schema.js'
import { formatNumber, tolerance } from './compare.js'
import type { GateResult, GateVerdict, Metrics } from './result.js'

// Quality gates: absolute bounds (min, max) and bounds relative to the baseline version
// (max_drop, max_rise). Rules are applied literally; the metric's direction plays no part,
// because the rule's name already says which way is bad.

export interface GateBaseline {
  version: string
  stage: string
  metrics: Metrics
}

/** Metric rules; drift gates come from data entries (drift-gates.ts), slice gates from the evaluation (slice-gates.ts). */
type Rule = 'min' | 'max' | 'max_drop' | 'max_rise'
const RULES: readonly Rule[] = ['min', 'max', 'max_drop', 'max_rise']

interface Context {
  metric: string
  threshold: number
  value: number
  baseline: GateBaseline | undefined
  baselineStage: string
}

/**
 * One result per rule per gated metric, in the spec's order. `readFiles` are the metrics
 * files the run read, named when a gated metric is missing; `baselineStage` is only used to
 * explain a missing baseline.
 */
export function evaluateGates(
  gates: Spec['gates'],
  metrics: Metrics,
  baseline: GateBaseline | undefined,
  readFiles: string[],
  baselineStage = 'production',
): GateVerdict {
  const results: GateResult[] = []
  for (const [metric, gate] of Object.entries(gates)) {
    for (const rule of RULES) {
      const threshold = gate[rule]
      if (threshold === undefined) continue
      const value = Object.hasOwn(metrics, metric) ? metrics[metric]?.value : undefined
      if (value === undefined) {
        results.push({ metric, rule, threshold, status: 'fail', message: describeMissing(metric, readFiles) })
        continue
      }
      results.push(evaluateRule(rule, { metric, threshold, value, baseline, baselineStage }))
    }
  }
  return {
    passed: results.every((r) => r.status !== 'fail'),
    results,
    ...(baseline ? { baseline: { version: baseline.version, stage: baseline.stage } } : {}),
  }
}

/** The metric gates with the drift and slice gates after them. */
export function withGates(verdict: GateVerdict, gates: GateResult[]): GateVerdict {
  if (gates.length === 0) return verdict
  const results = [...verdict.results, ...gates]
  return { ...verdict, passed: results.every((r) => r.status !== 'fail'), results }
}

function evaluateRule(rule: Rule, ctx: Context): GateResult {
  switch (rule) {
    case 'min':
      return checkMin(ctx)
    case 'max':
      return checkMax(ctx)
    case 'max_drop':
    case 'max_rise':
      return checkRelative(rule, ctx)
  }
}

function checkMin({ metric, threshold, value }: Context): GateResult {
  const ok = value >= threshold - tolerance(value, threshold)
  const message = `${formatNumber(value)} ${ok ? '≥' : '<'} ${formatNumber(threshold)}`
  return { metric, rule: 'min', threshold, value, status: ok ? 'pass' : 'fail', message }
}

function checkMax({ metric, threshold, value }: Context): GateResult {
  const ok = value <= threshold + tolerance(value, threshold)
  const message = `${formatNumber(value)} ${ok ? '≤' : '>'} ${formatNumber(threshold)}`
  return { metric, rule: 'max', threshold, value, status: ok ? 'pass' : 'fail', message }
}

function checkRelative(rule: 'max_drop' | 'max_rise', ctx: Context): GateResult {
  const { metric, threshold, value, baseline, baselineStage } = ctx
  const base = baseline && Object.hasOwn(baseline.metrics, metric) ? baseline.metrics[metric]?.value : undefined
  if (base === undefined) {
    const message = baseline
      ? `baseline v${baseline.version} has no ${metric}`
      : `no baseline yet (no version in stage '${baselineStage}')`
    return { metric, rule, threshold, value, status: 'skipped', message }
  }
  // How far the value moved in the direction the rule forbids; negative means the other way.
  const moved = rule === 'max_drop' ? base - value : value - base
  const ok = moved <= threshold + tolerance(value, base)
  return {
    metric,
    rule,
    threshold,
    value,
    baseline: base,
    status: ok ? 'pass' : 'fail',
    message: describeMove(rule, moved, base, threshold, tolerance(value, base)),
  }
}

function describeMove(rule: 'max_drop' | 'max_rise', moved: number, base: number, threshold: number, eps: number): string {
  const from = formatNumber(base)
  if (Math.abs(moved) <= eps) return `unchanged from ${from}`
  const forbidden = rule === 'max_drop' ? 'dropped' : 'rose'
  const allowed = rule === 'max_drop' ? 'rose' : 'dropped'
  if (moved > 0) return `${forbidden} ${formatNumber(moved)} from ${from} (max ${formatNumber(threshold)})`
  return `${allowed} ${formatNumber(-moved)} from ${from}`
}

function describeMissing(metric: string, readFiles: string[]): string {
  const read = readFiles.length > 0 ? `read ${readFiles.join(', ')}` : 'no metrics files were read'
  return `metric "${metric}" was not produced; ${read}`
}
