import { join } from 'node:path'
import type { ArtifactRecord, RunRecord } from '../pipeline/run-record.js'
import { MANIFEST_SCHEMA_VERSION, type Manifest, profileFileName } from './manifest.js'
import { AlreadyRegisteredError, RegistryError } from './registry.js'
import { activeVersions, type ModelState, type VersionState } from './registry-state.js'
import { assertValidName, TagFormatError } from './tag-format.js'

// What every registry decides the same way before writing a tag: which runs may be registered
// at all, when a run is registered already, and the manifest a registration carries. The local
// registry (git tags) and the GitHub one (REST API) differ only in how they read and write tags.

/** Model and stage names as GTO accepts them in tags; a RegistryError otherwise. */
export function validateNames(model: string, stage: string | undefined): void {
  try {
    assertValidName(model, 'model')
    if (stage !== undefined) assertValidName(stage, 'stage')
  } catch (error) {
    if (error instanceof TagFormatError) throw new RegistryError(error.message, { cause: error })
    throw error
  }
}

/**
 * The run's commit, when the run may be registered at all: it succeeded, passed its gates, has a
 * commit, was made on a clean tree and recorded artifacts. A RegistryError saying why otherwise.
 */
export function refuseUnregistrable(run: RunRecord): string {
  if (run.status === 'failed') {
    const failed = run.stages.filter((s) => s.status !== 'succeeded' && s.status !== 'cached').map((s) => `${s.name} (${s.status})`)
    throw new RegistryError(`run ${run.id} failed${failed.length ? `: ${failed.join(', ')}` : ''}; only a successful run can be registered`)
  }
  if (!run.gates.passed) {
    const failing = run.gates.results
      .filter((r) => r.status === 'fail')
      .map((r) => `${r.metric} ${r.rule} ${r.threshold} (${r.value === undefined ? 'not produced' : `got ${r.value}`})`)
    throw new RegistryError(`run ${run.id} did not pass its gates${failing.length ? `: ${failing.join('; ')}` : ''}`)
  }
  if (run.git.commit === null) {
    throw new RegistryError(`run ${run.id} has no git commit (not run in a git repository with a commit); a version is a tag on a commit`)
  }
  if (run.git.dirty) {
    throw new RegistryError(
      `run ${run.id} was made with uncommitted changes on top of ${run.git.commit.slice(0, 7)}${describeDirtyFiles(run.git)}, so that commit would not describe the model; ` +
        'commit (or gitignore) the changes and run the pipeline again',
    )
  }
  if (run.artifacts.length === 0) throw new RegistryError(`run ${run.id} recorded no artifacts to register`)
  return run.git.commit
}

const LISTED_DIRTY_FILES = 10

function describeDirtyFiles(git: RunRecord['git']): string {
  const files = git.dirtyFiles ?? []
  if (files.length === 0) return '' // a record from before the files were recorded
  const more = (git.dirtyCount ?? files.length) - Math.min(files.length, LISTED_DIRTY_FILES)
  return ` (${files.slice(0, LISTED_DIRTY_FILES).map((f) => JSON.stringify(f)).join(', ')}${more > 0 ? ` and ${more} more` : ''})`
}

/**
 * Refuses a second version on the run's commit: AlreadyRegisteredError when the active version
 * there has the same artifacts (front ends may treat that as done), a RegistryError otherwise —
 * GTO maps a stage tag to its version through the commit, so two versions on one commit break it.
 */
export async function refuseDuplicate(
  state: ModelState,
  run: RunRecord,
  commit: string,
  readManifest: (v: VersionState) => Promise<Manifest | undefined>,
): Promise<void> {
  const existing = activeVersions(state).find((v) => v.commit === commit)
  if (!existing) return
  const manifest = await readManifest(existing)
  if (manifest && sameArtifacts(manifest.artifacts, run.artifacts)) throw new AlreadyRegisteredError(run.model.name, existing.version, commit)
  throw new RegistryError(
    `commit ${commit.slice(0, 7)} already has ${run.model.name} ${existing.version}` +
      (manifest ? ' with different artifacts' : '') +
      '; GTO allows one version per commit, so commit the change that produced the new model and run again',
  )
}

/** Where the run's profiles are read from when registering: the stored file of each, with its source. */
export function profileSources(run: RunRecord, runDir: string): Array<{ file: string; source: string; sha256: string }> {
  return run.data.flatMap((d) => (d.profileFile ? [{ file: profileFileName(d.name), source: join(runDir, d.profileFile.path), sha256: d.profileFile.sha256 }] : []))
}

/** Same set of (path, sha256) pairs, in any order. */
export function sameArtifacts(a: readonly ArtifactRecord[], b: readonly ArtifactRecord[]): boolean {
  const key = (list: readonly ArtifactRecord[]) => JSON.stringify(list.map((x) => [x.path, x.sha256]).sort())
  return key(a) === key(b)
}

export type ManifestIds = Pick<Manifest, 'version' | 'tag' | 'commit' | 'createdAt' | 'createdBy'>

/** The manifest a registration of `run` carries; `source` is the lineage a front end knows. */
export function buildManifest(run: RunRecord, ids: ManifestIds, source?: Manifest['source']): Manifest {
  return {
    schema: MANIFEST_SCHEMA_VERSION,
    model: run.model.name,
    ...(run.model.description ? { description: run.model.description } : {}),
    ...ids,
    runId: run.id,
    artifacts: run.artifacts,
    metrics: run.metrics,
    params: run.params,
    data: run.data.map((d) => ({
      name: d.name,
      path: d.path,
      ...(d.sha256 ? { sha256: d.sha256 } : {}),
      rows: d.rows,
      ...(d.profileFile ? { profile: { file: profileFileName(d.name), sha256: d.profileFile.sha256 } } : {}),
    })),
    ...(run.evaluation ? { evaluation: run.evaluation } : {}),
    gates: run.gates,
    ...(source ? { source } : {}),
  }
}

/** Tagger dates have whole seconds; a manifest's createdAt should agree with its tag. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000)
}
