import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { hashFile } from '../pipeline/hash-files.js'
import { RunRecord } from '../pipeline/run-record.js'
import { runsDir } from '../pipeline/run-store.js'
import { leavesWorkspace } from '../spec/rules.js'

// What a pull-request run hands on as a workflow artifact: the trained model files, the run
// record and the report that reviewers saw. A merge promotes exactly these files (checked by
// hash against the run record), and a fork's report is posted from it by a trusted workflow.

export const BUNDLE_FILE = 'bundle.json'
export const REPORT_FILE = 'report.md'
export const ARTIFACTS_DIR = 'artifacts'
/** The run's folder files (data profiles) by their run-record paths, e.g. run/profiles/penguins.json. */
export const RUN_DIR = 'run'

export const ReviewBundle = z.object({
  schema: z.literal(1),
  model: z.string(),
  /** Pull request and head commit the run was for; the poster checks both against the API. */
  pullRequest: z.number().int().nullable(),
  headSha: z.string(),
  workflowRunId: z.number().int(),
  workflowRunUrl: z.string(),
  reportSha256: z.string(),
  run: RunRecord,
})
export type ReviewBundle = z.infer<typeof ReviewBundle>

export class BundleError extends Error {
  override name = 'BundleError'
}

/** Artifact names allow no slashes; one bundle per model. */
export function bundleArtifactName(model: string): string {
  return `mlops-${model}`
}

/** Writes the bundle into `dir` and returns the files to upload (absolute paths). */
export async function writeReviewBundle(dir: string, root: string, bundle: Omit<ReviewBundle, 'schema' | 'reportSha256'>, report: string): Promise<string[]> {
  await mkdir(path.join(dir, ARTIFACTS_DIR), { recursive: true })
  const files = [path.join(dir, BUNDLE_FILE), path.join(dir, REPORT_FILE)]
  await writeFile(files[1]!, report)
  const full: ReviewBundle = { schema: 1, ...bundle, reportSha256: await hashFile(files[1]!) }
  await writeFile(files[0]!, `${JSON.stringify(full, null, 2)}\n`)
  for (const artifact of bundle.run.artifacts) {
    const target = path.join(dir, ARTIFACTS_DIR, artifact.path)
    await mkdir(path.dirname(target), { recursive: true })
    await copyFile(path.join(root, artifact.path), target)
    files.push(target)
  }
  for (const profile of bundle.run.data.flatMap((d) => (d.profileFile ? [d.profileFile] : []))) {
    const target = path.join(dir, RUN_DIR, profile.path)
    await mkdir(path.dirname(target), { recursive: true })
    await copyFile(path.join(runsDir(root), bundle.run.id, profile.path), target)
    files.push(target)
  }
  return files
}

/**
 * Reads a downloaded bundle and proves it is what the run recorded: every model file's sha256
 * must match the run record, and the report must match its recorded hash.
 */
export async function readReviewBundle(dir: string): Promise<{ bundle: ReviewBundle; report: string; artifactPath: (rel: string) => string; runPath: (rel: string) => string }> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path.join(dir, BUNDLE_FILE), 'utf8'))
  } catch (error) {
    throw new BundleError(`the review artifact has no readable ${BUNDLE_FILE}: ${(error as Error).message}`, { cause: error })
  }
  const parsed = ReviewBundle.safeParse(raw)
  if (!parsed.success) throw new BundleError(`the review artifact's ${BUNDLE_FILE} is not valid: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`)
  const bundle = parsed.data
  const reportPath = path.join(dir, REPORT_FILE)
  if ((await hashFile(reportPath).catch(() => '')) !== bundle.reportSha256) throw new BundleError('the review artifact\'s report does not match its recorded hash')
  for (const artifact of bundle.run.artifacts) {
    // The bundle is data from another run (maybe a fork's): never follow a path out of it.
    if (leavesWorkspace(artifact.path)) throw new BundleError(`the review artifact names a path outside itself: "${artifact.path}"`)
    const actual = await hashFile(path.join(dir, ARTIFACTS_DIR, artifact.path)).catch(() => undefined)
    if (actual !== artifact.sha256) {
      throw new BundleError(`model file "${artifact.path}" in the review artifact ${actual ? 'does not match the hash in its run record' : 'is missing'}; refusing to promote something no one reviewed`)
    }
  }
  for (const profile of bundle.run.data.flatMap((d) => (d.profileFile ? [d.profileFile] : []))) {
    if (leavesWorkspace(profile.path)) throw new BundleError(`the review artifact names a path outside itself: "${profile.path}"`)
    const actual = await hashFile(path.join(dir, RUN_DIR, profile.path)).catch(() => undefined)
    if (actual !== profile.sha256) throw new BundleError(`data profile "${profile.path}" in the review artifact ${actual ? 'does not match the hash in its run record' : 'is missing'}`)
  }
  return {
    bundle,
    report: await readFile(reportPath, 'utf8'),
    artifactPath: (rel) => path.join(dir, ARTIFACTS_DIR, rel),
    runPath: (rel) => path.join(dir, RUN_DIR, rel),
  }
}
