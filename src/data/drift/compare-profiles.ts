import { z } from 'zod'
import type { TableProfile } from '../profile/table-profile.js'
import { ColumnDrift, compareColumn, type MethodChoice } from './column-drift.js'
import { datasetDrift, DEFAULT_DRIFT_SHARE, type DriftMethod } from './defaults.js'

// Drift between a baseline table profile and a current one, from the two
// profiles alone (per column: column-drift.ts). Results go into run records
// as JSON, so the schemas below are the types, and every number is finite.

export { ColumnDrift, ColumnSide, MAX_SEVERITY } from './column-drift.js'

export const DriftReport = z.object({
  /** Drifted first, then by severity (worst first), then by name. */
  columns: z.array(ColumnDrift),
  /** driftedColumns / totalColumns (0 without columns). */
  share: z.number(),
  driftedColumns: z.number().int().nonnegative(),
  totalColumns: z.number().int().nonnegative(),
  /** share ≥ driftShare (false without columns). */
  drifted: z.boolean(),
  driftShare: z.number(),
  /** In the baseline, not in the current table (whether compared or not). */
  missingColumns: z.array(z.string()),
  /** In the current table, not in the baseline. */
  newColumns: z.array(z.string()),
})
export type DriftReport = z.infer<typeof DriftReport>

export interface DriftSettings {
  /**
   * Columns to compare; default: every column present in both. A listed
   * column missing from the current table is compared and counts as drifted
   * (a vanishing column is drift); one missing from the baseline is skipped.
   */
  columns?: readonly string[]
  /** Per-column method/threshold overrides; absent → Evidently's defaults via chooseMethod. */
  perColumn?: ReadonlyMap<string, MethodChoice>
  /** Default method for all columns (per-column wins). */
  method?: DriftMethod
  /** Threshold for the default method; needs `method`, since it is a p-value for some methods and a distance for others. */
  threshold?: number
  /** The dataset drifts when the share of drifted columns is ≥ this (default 0.5). */
  share?: number
}

export function compareProfiles(baseline: TableProfile, current: TableProfile, settings: DriftSettings = {}): DriftReport {
  if (settings.threshold !== undefined && settings.method === undefined) {
    throw new Error('a default drift threshold needs a default method: it is a p-value for ks and chisquare, a distance for the others')
  }
  const driftShare = settings.share ?? DEFAULT_DRIFT_SHARE
  const missingColumns = [...baseline.columns.keys()].filter((name) => !current.columns.has(name))
  const newColumns = [...current.columns.keys()].filter((name) => !baseline.columns.has(name))
  const names = settings.columns ? [...new Set(settings.columns)] : [...baseline.columns.keys()].filter((name) => current.columns.has(name))
  const columns = names.map((name) => {
    if (!baseline.columns.has(name) && !current.columns.has(name)) throw new Error(`drift column ${JSON.stringify(name)} is in neither profile`)
    return compareColumn({
      name,
      baseline: baseline.columns.get(name),
      current: current.columns.get(name),
      baselineRows: baseline.rows,
      currentRows: current.rows,
      choice: methodFor(name, settings),
    })
  })
  columns.sort((a, b) => Number(b.drifted) - Number(a.drifted) || b.severity - a.severity || (a.column < b.column ? -1 : a.column > b.column ? 1 : 0))
  const verdict = datasetDrift(columns, driftShare)
  // Parsing guards the JSON contract (zod numbers reject NaN and ±Infinity).
  return DriftReport.parse({
    columns,
    share: verdict.share,
    driftedColumns: verdict.driftedColumns,
    totalColumns: verdict.columns,
    drifted: verdict.drifted,
    driftShare,
    missingColumns,
    newColumns,
  })
}

/**
 * Per-column settings win over the defaults. A threshold belongs to its
 * method: the default threshold applies only where the default method does,
 * so a column switched to another method gets that method's own default.
 */
function methodFor(name: string, settings: DriftSettings): MethodChoice {
  const own = settings.perColumn?.get(name) ?? {}
  const method = own.method ?? settings.method
  const threshold = own.threshold ?? (method === settings.method ? settings.threshold : undefined)
  return { ...(method === undefined ? {} : { method }), ...(threshold === undefined ? {} : { threshold }) }
}
