import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { compareProfiles } from '../../data/drift/compare-profiles.js'
import { formatDrift } from '../../data/format-drift.js'
import { formatDataResult } from '../../data/format-data-result.js'
import { formatProfile } from '../../data/format-profile.js'
import { mergeTableProfiles, parseTableProfile, type TableProfile, tableProfileToJSON } from '../../data/profile/table-profile.js'
import { progressReporter } from '../../data/scan/progress.js'
import { validateData } from '../../data/validate-data.js'
import { writeJsonAtomic } from '../../pipeline/stage-state.js'
import { DataEntrySchema } from '../../spec/schema.js'
import { type CliSettings, UsageError } from '../args.js'

// `mlops profile FILE…`: the files are parts of one table (shards, daily files);
// their profiles merge into one. With --merge the files are profiles already.

export async function profileCommand(settings: CliSettings): Promise<number> {
  const files = settings.files.map((file) => path.resolve(settings.cwd, file))
  const { profile, failed } = settings.merge ? { profile: await mergeProfileFiles(files), failed: false } : await profileFiles(files, settings)
  const output = path.resolve(settings.cwd, settings.output ?? 'profile.json')
  await writeJsonAtomic(output, tableProfileToJSON(profile))
  process.stdout.write(`${profile.rows.toLocaleString('en-US')} rows, ${profile.columns.size} columns\n${formatProfile(profile)}\nprofile written to ${path.relative(settings.cwd, output) || output}\n`)
  if (settings.baseline === undefined) return failed ? 1 : 0
  const baseline = (await readProfiles([path.resolve(settings.cwd, settings.baseline)]))[0]!
  const drift = compareProfiles(baseline, profile)
  process.stdout.write(`\ndrift against ${settings.baseline}:\n${formatDrift(drift)}\n`)
  return failed || drift.drifted ? 1 : 0
}

/** Profiles each file; a file with read errors still contributes the rows that could be read. */
export async function profileFiles(files: string[], settings: Pick<CliSettings, 'format' | 'threads'>): Promise<{ profile: TableProfile; failed: boolean }> {
  let merged: TableProfile | undefined
  let failed = false
  for (const file of files) {
    const entry = DataEntrySchema.parse({ path: path.basename(file), ...(settings.format ? { format: settings.format } : {}) })
    const progress = progressReporter(`profiling ${path.basename(file)}`, { write: (text) => process.stderr.write(text), tty: process.stderr.isTTY === true })
    // A profile carries no file hash, so none is computed.
    const { result, profile } = await validateData(path.dirname(file), path.basename(file), entry, { threads: settings.threads, onProgress: progress.update, hash: false })
    progress.done()
    if (!result.passed) {
      failed = true
      process.stderr.write(`${formatDataResult({ ...result, path: file })}\n`)
    }
    if (profile) merged = merged ? mergeTableProfiles(merged, profile) : profile
  }
  if (!merged) throw new UsageError('no file could be profiled')
  return { profile: merged, failed }
}

async function mergeProfileFiles(files: string[]): Promise<TableProfile> {
  const profiles = await readProfiles(files)
  return profiles.slice(1).reduce(mergeTableProfiles, profiles[0]!)
}

async function readProfiles(files: string[]): Promise<TableProfile[]> {
  return Promise.all(
    files.map(async (file) => {
      let json: unknown
      try {
        json = JSON.parse(await readFile(file, 'utf8'))
      } catch (error) {
        throw new UsageError(`cannot read profile ${file}: ${(error as Error).message}`)
      }
      try {
        return parseTableProfile(json)
      } catch (error) {
        throw new UsageError(`${file}: ${(error as Error).message}`)
      }
    }),
  )
}
