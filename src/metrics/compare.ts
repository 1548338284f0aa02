import type { MetricDirection } from '../spec/schema.js'
import type { Metrics } from './result.js'

// This run's metrics side by side with the baseline's, and the number formatting that gate
// messages and reports share so the same value never prints two ways.

export type MetricChange = 'better' | 'worse' | 'same' | 'new' | 'removed' | 'no-baseline'

export interface MetricComparison {
  name: string
  value?: number
  baseline?: number
  delta?: number
  change: MetricChange
  direction: MetricDirection
}

/**
 * Differences below this are float noise (0.92 − 0.9 is 0.020000000000000018); scaled so
 * large values such as latencies in microseconds get the same relative slack.
 */
export function tolerance(a: number, b: number): number {
  return 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))
}

export function compareMetrics(current: Metrics, baseline: Metrics | undefined): MetricComparison[] {
  const names = new Set([...Object.keys(current), ...Object.keys(baseline ?? {})])
  return [...names].sort(compareNames).map((name) => compareOne(name, current, baseline))
}

function compareOne(name: string, current: Metrics, baseline: Metrics | undefined): MetricComparison {
  const now = Object.hasOwn(current, name) ? current[name] : undefined
  const before = baseline !== undefined && Object.hasOwn(baseline, name) ? baseline[name] : undefined
  if (now === undefined) {
    // Names come from the union of both sets, so the baseline has this one.
    return { name, baseline: before?.value, change: 'removed', direction: before?.direction ?? 'higher' }
  }
  if (baseline === undefined) return { name, value: now.value, change: 'no-baseline', direction: now.direction }
  if (before === undefined) return { name, value: now.value, change: 'new', direction: now.direction }
  const delta = now.value - before.value
  return {
    name,
    value: now.value,
    baseline: before.value,
    delta,
    change: classifyDelta(delta, now.value, before.value, now.direction),
    direction: now.direction,
  }
}

function classifyDelta(delta: number, value: number, baseline: number, direction: MetricDirection): MetricChange {
  if (Math.abs(delta) <= tolerance(value, baseline)) return 'same'
  return (delta > 0) === (direction === 'higher') ? 'better' : 'worse'
}

/** Code-unit order, so the result does not depend on the machine's locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Four decimals from 1 up (1523.4568), four significant digits below (0.9712, 0.0001234). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (n === 0) return '0'
  const abs = Math.abs(n)
  const text = abs >= 1 ? n.toFixed(4) : abs >= 1e-4 ? n.toPrecision(4) : n.toPrecision(3)
  if (text.includes('e')) return text.replace(/\.?0+e/, 'e')
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** A signed difference: "+0.0112", "−0.02" (a true minus sign, which lines up with "+"). */
export function formatDelta(delta: number): string {
  const text = formatNumber(Math.abs(delta))
  if (text === '0') return '0'
  return `${delta < 0 ? '\u2212' : '+'}${text}`
}
