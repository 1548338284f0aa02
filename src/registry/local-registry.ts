import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { runsDir } from '../pipeline/run-store.js'
import { createArtifactStore } from './artifact-store.js'
import { createGit, TagExistsError, type Git } from './git.js'
import type { Manifest } from './manifest.js'
import { buildManifest, profileSources, refuseDuplicate, refuseUnregistrable, validateNames, wholeSeconds } from './registration.js'
import { RegistryError, type Assignment, type Registry } from './registry.js'
import {
  checkStageOrder,
  computeModelState,
  nextAssignmentTag,
  nextVersion,
  resolveManifest,
  type ModelState,
  type VersionState,
} from './registry-state.js'
import { createRegistryReads, requireAssignable } from './registry-reads.js'
import { formatAssignmentMessage, formatRegistrationMessage, formatRegistrationTag } from './tag-format.js'

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
    ...createRegistryReads({ readState, readManifest }),

    async readProfile(manifest, data) {
      const entry = manifest.data.find((d) => d.name === data)
      if (!entry?.profile) return undefined
      const text = await readFile(join(store.versionDir(manifest.model, manifest.version), entry.profile.file), 'utf8')
      return JSON.parse(text) as unknown
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
      const manifest = buildManifest(run, { version, tag, commit, createdAt: createdAt.toISOString(), createdBy: opts.actor }, opts.source)
      const path = await store.add(manifest, profileSources(run, opts.runDir ?? join(runsDir(repoDir), run.id)))
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
      const v = requireAssignable(state, version, stage, opts)
      return assignStage(state, v, stage, opts.actor)
    },
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
