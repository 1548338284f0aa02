import { type ColumnProfile, VALUE_TYPES } from '../profile/column-profile.js'
import type { TableProfile } from '../profile/table-profile.js'
import type { ColumnSummary } from '../result.js'

/** The few numbers a report shows per column, read off its profile. */
export function summarizeColumn(profile: ColumnProfile): ColumnSummary {
  const summary: ColumnSummary = { count: profile.count - profile.nulls, nulls: profile.nulls }
  let best = 0
  for (const type of VALUE_TYPES) {
    if (profile.types[type] > best) {
      best = profile.types[type]
      summary.type = type
    }
  }
  const numeric = profile.numeric
  // Numbers in a mostly-text column (titles like 1776 among names) would read as its range.
  if (numeric.count > 0 && numeric.count * 2 >= summary.count) {
    summary.min = numeric.min
    summary.max = numeric.max
    summary.mean = numeric.mean
    const std = numeric.stddev()
    if (std !== undefined) summary.std = std
  }
  if (profile.count > profile.nulls) summary.distinct = Math.round(profile.distinct.estimate())
  return summary
}

export function summarizeTable(table: TableProfile): Record<string, ColumnSummary> {
  // A null-prototype record: column names come from the file ("__proto__" included).
  const summaries: Record<string, ColumnSummary> = Object.create(null) as Record<string, ColumnSummary>
  for (const [name, profile] of table.columns) summaries[name] = summarizeColumn(profile)
  return summaries
}
