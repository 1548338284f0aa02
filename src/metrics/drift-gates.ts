import type { DataResult } from '../data/result.js'
import type { Spec } from '../spec/schema.js'
import type { GateResult } from './result.js'

// `drift: { gate: true }` on a data entry gates promotion like a metric: the
// run fails its gates when the dataset drifted from the baseline version's data.

const LISTED = 5

export function driftGates(data: Spec['data'], results: readonly DataResult[]): GateResult[] {
  return Object.entries(data).flatMap(([name, entry]): GateResult[] => {
    if (!entry.drift?.gate) return []
    const base = { metric: `drift.${name}`, rule: 'drift_share' as const, threshold: entry.drift.share }
    const drift = results.find((r) => r.name === name)?.drift
    if (!drift) return [{ ...base, status: 'skipped', message: 'no baseline profile to compare with (no baseline version, or one stored before profiles were)' }]
    const { report, version } = drift
    const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column)
    const listed = drifted.slice(0, LISTED).join(', ') + (drifted.length > LISTED ? `, … ${drifted.length - LISTED} more` : '')
    const share = `${report.driftedColumns} of ${report.totalColumns} columns drifted against v${version}`
    const message = report.drifted ? `${share}${listed ? ` (${listed})` : ''}; the dataset drifts at ${percent(entry.drift.share)}` : `${share}, under ${percent(entry.drift.share)}`
    return [{ ...base, value: report.share, status: report.drifted ? 'fail' : 'pass', message }]
  })
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(4))}%`
}
