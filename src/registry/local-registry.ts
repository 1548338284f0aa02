import { resolve } from 'node:path'
import type { ArtifactRecord, RunRecord } from '../pipeline/run-record.js'
import { createArtifactStore, type ArtifactStore } from './artifact-store.js'
import { createGit, TagExistsError, type Git } from './git.js'
import { Manifest, MANIFEST_SCHEMA_VERSION } from './manifest.js'
import { AlreadyRegisteredError, RegistryError, type Assignment, type Registry } from './registry.js'
import {
  activeVersions,
  checkStageOrder,
  computeModelState,
  describeVersions,
  nextAssignmentTag,
  nextVersion,
  requireActiveVersion,
  resolveManifest,
  versionInStage,
  type ModelState,
  type VersionState,
} from './registry-state.js'
import { assertValidName, formatAssignmentMessage, formatRegistrationMessage, formatRegistrationTag, TagFormatError } from './tag-format.js'

// The embedded registry: GTO-compatible annotated tags in the repository are the source of truth
// (read into registry-state), and the artifact store keeps a copy of each version's files.

export interface LocalRegistryOptions {
  /** Directory holding mlops.yml; artifact paths are relative to it. */
  repoDir: string
  /** Where artifacts are copied; relative to repoDir; should be gitignored. */
  storeDir?: string
  /** Clock for manifest dates and tagger dates (tests make it advance). */
  now?: () => Date
}

const DEFAULT_STORE_DIR = '.mlops/registry'

export function createLocalRegistry(options: LocalRegistryOptions): Registry {
  const repoDir = resolve(options.repoDir)
  const store = createArtifactStore({ sourceDir: repoDir, storeDir: resolve(repoDir, options.storeDir ?? DEFAULT_STORE_DIR) })
  const now = options.now ?? (() => new Date())
  const git = createGit(repoDir)

  const readState = async (model: string): Promise<ModelState> => computeModelState(model, await git.listTags([`${model}@*`, `${model}#*`]))
  const readManifest = async (model: string, v: VersionState): Promise<Manifest | undefined> =>
    resolveManifest(model, v, await store.readManifest(model, v.version))

  type Target = Pick<VersionState, 'version' | 'commit'>
  const assignStage = async (state: ModelState, v: Target, stage: string, actor: string): Promise<Assignment> => {
    const tag = nextAssignmentTag(state, stage)
    const at = wholeSeconds(now())
    await createTag(git, tag, v.commit, formatAssignmentMessage(state.model, v.version, stage, actor), at)
    const previous = state.holders.get(stage)
    return { model: state.model, version: v.version, stage, tag, commit: v.commit, at: at.toISOString(), ...(previous ? { previous } : {}) }
  }

  return {
    async listVersions(model) {
      const state = await readState(model)
      const manifests = await Promise.all(activeVersions(state).map(async (v) => [v.version, await readManifest(model, v)] as const))
      return describeVersions(state, new Map(manifests))
    },

    async findInStage(model, stage) {
      const state = await readState(model)
      const v = versionInStage(state, stage)
      return v ? readManifest(model, v) : undefined
    },

    async register(run, opts) {
      const model = run.model.name
      validateNames(model, opts.stage)
      const commit = refuseUnregistrable(run)
      if (!(await git.tryRevParse(`${commit}^{commit}`))) {
        throw new RegistryError(`commit ${commit} of run ${run.id} is not in the repository at ${repoDir}`)
      }
      const state = await readState(model)
      await refuseDuplicate(state, run, commit, (v) => readManifest(model, v))
      const version = nextVersion(state, opts)
      if (opts.stage) checkStageOrder(state, version, opts.stage, opts)

      const tag = formatRegistrationTag(model, version)
      const createdAt = wholeSeconds(now())
      const manifest = buildManifest(run, { version, tag, commit, createdAt: createdAt.toISOString(), createdBy: opts.actor })
      const path = await store.add(manifest)
      try {
        await createTag(git, tag, commit, formatRegistrationMessage(manifest), createdAt)
      } catch (error) {
        await store.remove(model, version)
        throw error
      }
      if (!opts.stage) return { manifest, tag, path }

      try {
        const assignment = await assignStage(state, { version, commit }, opts.stage, opts.actor)
        return { manifest, tag, path, assignment }
      } catch (error) {
        // All or nothing: an unassigned version would not be what the caller asked for.
        await git.deleteTag(tag).catch(() => {})
        await store.remove(model, version)
        throw error
      }
    },

    async assign(model, version, stage, opts) {
      validateNames(model, stage)
      const state = await readState(model)
      const v = requireActiveVersion(state, version)
      if (state.holders.get(stage) === v.version) throw new RegistryError(`${model} ${v.version} is already in stage "${stage}"`)
      checkStageOrder(state, v.version, stage, opts)
      return assignStage(state, v, stage, opts.actor)
    },

    async history(model) {
      return [...(await readState(model)).events]
    },
  }
}

function validateNames(model: string, stage: string | undefined): void {
  try {
    assertValidName(model, 'model')
    if (stage !== undefined) assertValidName(stage, 'stage')
  } catch (error) {
    if (error instanceof TagFormatError) throw new RegistryError(error.message, { cause: error })
    throw error
  }
}

/** The run's commit, when the run may be registered at all. */
function refuseUnregistrable(run: RunRecord): string {
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
      `run ${run.id} was made with uncommitted changes on top of ${run.git.commit.slice(0, 7)}, so that commit would not describe the model; ` +
        'commit (or gitignore) the changes and run the pipeline again',
    )
  }
  if (run.artifacts.length === 0) throw new RegistryError(`run ${run.id} recorded no artifacts to register`)
  return run.git.commit
}

async function refuseDuplicate(
  state: ModelState,
  run: RunRecord,
  commit: string,
  readManifest: (v: VersionState) => Promise<Manifest | undefined>,
): Promise<void> {
  const existing = activeVersions(state).find((v) => v.commit === commit)
  if (!existing) return
  const manifest = await readManifest(existing)
  if (manifest && sameArtifacts(manifest.artifacts, run.artifacts)) throw new AlreadyRegisteredError(run.model.name, existing.version, commit)
  // GTO maps a stage tag to its version through the commit, so two versions on one commit break it.
  throw new RegistryError(
    `commit ${commit.slice(0, 7)} already has ${run.model.name} ${existing.version}` +
      (manifest ? ' with different artifacts' : '') +
      '; GTO allows one version per commit, so commit the change that produced the new model and run again',
  )
}

function sameArtifacts(a: readonly ArtifactRecord[], b: readonly ArtifactRecord[]): boolean {
  const key = (list: readonly ArtifactRecord[]) => JSON.stringify(list.map((x) => [x.path, x.sha256]).sort())
  return key(a) === key(b)
}

function buildManifest(run: RunRecord, id: Pick<Manifest, 'version' | 'tag' | 'commit' | 'createdAt' | 'createdBy'>): Manifest {
  return {
    schema: MANIFEST_SCHEMA_VERSION,
    model: run.model.name,
    ...(run.model.description ? { description: run.model.description } : {}),
    ...id,
    runId: run.id,
    artifacts: run.artifacts,
    metrics: run.metrics,
    params: run.params,
    data: run.data.map((d) => ({ name: d.name, path: d.path, ...(d.sha256 ? { sha256: d.sha256 } : {}), rows: d.rows })),
    gates: run.gates,
  }
}

async function createTag(git: Git, tag: string, commit: string, message: string, date: Date): Promise<void> {
  try {
    await git.createAnnotatedTag(tag, commit, message, { date })
  } catch (error) {
    const hint = error instanceof TagExistsError ? ' (another registry operation ran at the same time? try again)' : ''
    throw new RegistryError(`could not create tag "${tag}" on ${commit.slice(0, 7)}${hint}: ${(error as Error).message}`, { cause: error })
  }
}

// Tagger dates have whole seconds; the manifest's createdAt should agree with the tag.
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000)
}
