import { driftFromStored } from '../data/drift/drift-settings.js'
import { tableProfileToJSON } from '../data/profile/table-profile.js'
import type { DataResult } from '../data/result.js'
import { type ValidateOptions, validateData } from '../data/validate-data.js'
import type { DataEntry } from '../spec/schema.js'
import { writeRunProfile } from './run-store.js'

// A data node of the pipeline: validate and profile the file, keep the profile in
// the run's folder (promotion stores it with the version), and compare it with
// the baseline version's profile when there is one.

export interface BaselineProfiles {
  version: string
  /** The stored profile JSON of a dataset, or undefined when the version has none. */
  read(data: string): Promise<unknown>
}

export async function checkDataset(
  root: string,
  runId: string,
  name: string,
  entry: DataEntry,
  baseline: BaselineProfiles | undefined,
  options: ValidateOptions = {},
): Promise<{ result: DataResult; warning?: string }> {
  const { result, profile } = await validateData(root, name, entry, options)
  if (!profile) return { result }
  result.profileFile = await writeRunProfile(root, runId, name, tableProfileToJSON(profile))
  if (!baseline) return { result }
  let stored: unknown
  try {
    stored = await baseline.read(name)
  } catch (error) {
    return { result, warning: `drift of "${name}" not computed: cannot read the profile of v${baseline.version}: ${(error as Error).message}` }
  }
  if (stored === undefined) return { result }
  try {
    result.drift = { version: baseline.version, report: driftFromStored(entry, stored, profile) }
  } catch (error) {
    return { result, warning: `drift of "${name}" not computed against v${baseline.version}: ${(error as Error).message}` }
  }
  return { result }
}
