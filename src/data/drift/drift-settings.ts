import type { DataEntry } from '../../spec/schema.js'
import { parseTableProfile, type TableProfile } from '../profile/table-profile.js'
import { compareProfiles, type DriftReport, type DriftSettings } from './compare-profiles.js'

/**
 * The comparison a `data:` entry asks for: its drift.columns (or every column
 * the two profiles share, less those with `drift: false`), per-column methods
 * and thresholds, the entry-wide method and the dataset share.
 */
export function driftSettings(entry: DataEntry, baseline: TableProfile): DriftSettings {
  const excluded = new Set(Object.entries(entry.columns).flatMap(([name, spec]) => (spec.drift === false ? [name] : [])))
  // Baseline columns, so one the current data lacks is compared (and counts as drifted).
  const columns = entry.drift?.columns ?? [...baseline.columns.keys()]
  const perColumn = new Map<string, { method?: NonNullable<DriftSettings['method']>; threshold?: number }>()
  for (const [name, spec] of Object.entries(entry.columns)) {
    if (spec.drift) perColumn.set(name, { ...(spec.drift.method ? { method: spec.drift.method } : {}), ...(spec.drift.threshold === undefined ? {} : { threshold: spec.drift.threshold }) })
  }
  return {
    columns: columns.filter((name) => !excluded.has(name)),
    perColumn,
    ...(entry.drift?.method ? { method: entry.drift.method } : {}),
    ...(entry.drift?.threshold === undefined ? {} : { threshold: entry.drift.threshold }),
    share: entry.drift?.share ?? 0.5,
  }
}

/** Drift of `current` from a stored baseline profile (JSON), as the entry asks for it; throws when the stored profile is unreadable. */
export function driftFromStored(entry: DataEntry, stored: unknown, current: TableProfile): DriftReport {
  const reference = parseTableProfile(stored)
  return compareProfiles(reference, current, driftSettings(entry, reference))
}
