import type { RunRecord } from '../pipeline/run-record.js'
import type { GitTag } from '../registry/git.js'
import type { Manifest } from '../registry/manifest.js'
import { buildManifest, refuseDuplicate, refuseUnregistrable, sameArtifacts, validateNames, wholeSeconds } from '../registry/registration.js'
import { AlreadyRegisteredError, RegistryError, type Assignment, type RegisterOptions, type Registration, type Registry } from '../registry/registry.js'
import {
  checkStageOrder,
  computeModelState,
  nextAssignmentTag,
  nextVersion,
  resolveManifest,
  type ModelState,
  type VersionState,
} from '../registry/registry-state.js'
import { createRegistryReads, requireAssignable } from '../registry/registry-reads.js'
import { formatAssignmentMessage, formatRegistrationMessage, formatRegistrationTag, tryParseManifestMessage, tryParseTag } from '../registry/tag-format.js'
import { describeHttpError, isAlreadyExists, isHttpError, type GitHubClient } from './octokit.js'

// The registry of the GitHub Action: the same GTO tags as the local registry, read and written
// through the REST API, so a runner needs no clone with tags and no push rights in git. A tag is
// always an annotated tag object (POST git/tags) plus its ref (POST git/refs): GTO ignores the
// lightweight tags that GitHub makes when a release names a missing tag. The manifest lives in
// the registration tag's message; there is no artifact store (releases carry the files).
//
// Concurrency: two promotions may compute the same next version. The ref is the lock: whoever
// creates `refs/tags/model@vX` first owns vX; the loser re-reads the tags and takes the next
// version (a bounded number of times). A ref that already holds this very registration (a retried
// request, or the same promotion running twice) is not a conflict.

export interface Tagger {
  name: string
  email: string
}

/**
 * Who tag objects name as tagger. The workflow token writes as github-actions[bot], so the tag says
 * so; the person who promoted is recorded in the tag message (manifest createdBy, "Actor:"), which
 * is what history() and listVersions() report.
 */
export const GITHUB_ACTIONS_TAGGER: Tagger = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' }

export interface GitHubRegistryOptions {
  github: GitHubClient
  owner: string
  repo: string
  /** Clock for manifest and tagger dates. */
  now?: () => Date
  /** Tagger of the tag objects; defaults to GITHUB_ACTIONS_TAGGER. */
  tagger?: Tagger
  /** Attempts at a free version (or stage counter) when other promotions take them first. */
  maxAttempts?: number
}

const DEFAULT_MAX_ATTEMPTS = 5
/** Parallel git/tags reads; the throttling plugin limits further. */
const READ_CONCURRENCY = 8

interface TagObject {
  message: string
  tagger: { name: string; email: string; date: string }
  target: string
  targetType: string
}

type TagWrite = { created: true } | { created: false; existing: GitTag }

export function createGitHubRegistry(options: GitHubRegistryOptions): Registry {
  const { github, owner, repo } = options
  const now = options.now ?? (() => new Date())
  const tagger = options.tagger ?? GITHUB_ACTIONS_TAGGER
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)
  // Tag objects are immutable (content-addressed), so each is read at most once per registry.
  const tagObjects = new Map<string, Promise<TagObject>>()

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw apiError(what, error)
    }
  }

  const readTagObject = (sha: string): Promise<TagObject> => {
    let pending = tagObjects.get(sha)
    if (!pending) {
      pending = peelTagObject(sha)
      tagObjects.set(sha, pending)
      pending.catch(() => tagObjects.delete(sha))
    }
    return pending
  }

  const peelTagObject = async (sha: string): Promise<TagObject> => {
    const { data } = await call(`read tag object ${sha.slice(0, 7)}`, () => github.rest.git.getTag({ owner, repo, tag_sha: sha }))
    let target = data.object.sha
    let targetType = data.object.type
    // A tag of a tag: git peels to the object at the end of the chain.
    for (let depth = 0; targetType === 'tag' && depth < 10; depth++) {
      const inner = await readTagObject(target)
      target = inner.target
      targetType = inner.targetType
    }
    return { message: data.message, tagger: data.tagger, target, targetType }
  }

  const toGitTag = async (name: string, object: { sha: string; type: string }): Promise<GitTag> => {
    if (object.type !== 'tag') {
      return { name, annotated: false, target: object.sha, targetType: object.type, message: '', tagger: '', taggerEmail: '', taggedAt: undefined }
    }
    const tag = await readTagObject(object.sha)
    return {
      name,
      annotated: true,
      target: tag.target,
      targetType: tag.targetType,
      message: tag.message.trim(),
      tagger: tag.tagger.name,
      taggerEmail: tag.tagger.email,
      taggedAt: tag.tagger.date,
    }
  }

  const readState = async (model: string): Promise<ModelState> => {
    // matching-refs matches by prefix: "tags/penguin" also lists penguin-v2@v1.0.0 and penguins#prod#3.
    const refs = await call(`list the tags of ${model}`, () => github.paginate(github.rest.git.listMatchingRefs, { owner, repo, ref: `tags/${model}` }))
    const mine = refs
      .map((ref) => ({ name: ref.ref.replace(/^refs\/tags\//, ''), object: ref.object }))
      .filter((ref) => tryParseTag(ref.name)?.model === model)
    return computeModelState(model, await mapLimit(mine, READ_CONCURRENCY, (ref) => toGitTag(ref.name, ref.object)))
  }

  const readRef = async (name: string): Promise<{ sha: string; type: string } | undefined> => {
    try {
      return (await github.rest.git.getRef({ owner, repo, ref: `tags/${name}` })).data.object
    } catch (error) {
      if (isHttpError(error, 404)) return undefined
      throw apiError(`read tag "${name}"`, error)
    }
  }

  /** Tag object, then its ref. A ref that exists already is reported, not thrown. */
  const writeTag = async (name: string, commit: string, message: string, date: Date): Promise<TagWrite> => {
    const { data: object } = await call(`create tag object "${name}" on ${commit.slice(0, 7)}`, () =>
      github.rest.git.createTag({ owner, repo, tag: name, message, object: commit, type: 'commit', tagger: { ...tagger, date: isoSeconds(date) } }),
    )
    try {
      await github.rest.git.createRef({ owner, repo, ref: `refs/tags/${name}`, sha: object.sha })
      return { created: true }
    } catch (error) {
      if (!isAlreadyExists(error)) throw apiError(`create tag "${name}"`, error)
    }
    const existing = await readRef(name)
    if (!existing) throw new RegistryError(`tag "${name}" was reported as existing but cannot be read; try again`)
    // Our own tag object: the first createRef went through and its answer was lost; the retry saw it.
    if (existing.sha === object.sha) return { created: true }
    return { created: false, existing: await toGitTag(name, existing) }
  }

  type Target = Pick<VersionState, 'version' | 'commit'>
  /** A new assignment tag; when another writer takes the counter first, the next one. */
  const assignStage = async (initial: ModelState, v: Target, stage: string, actor: string): Promise<Assignment> => {
    let state = initial
    for (let attempt = 1; ; attempt++) {
      const tag = nextAssignmentTag(state, stage)
      const at = wholeSeconds(now())
      const previous = state.holders.get(stage)
      const written = await writeTag(tag, v.commit, formatAssignmentMessage(state.model, v.version, stage, actor), at)
      if (written.created) {
        return { model: state.model, version: v.version, stage, tag, commit: v.commit, at: at.toISOString(), ...(previous ? { previous } : {}) }
      }
      const existing = written.existing
      if (existing.annotated && existing.target === v.commit && tryParseTag(existing.name)?.action === 'assign') {
        // The same assignment by a concurrent run of the same promotion: it is done.
        const theirs = existing.taggedAt ? new Date(existing.taggedAt).toISOString() : at.toISOString()
        return { model: state.model, version: v.version, stage, tag, commit: v.commit, at: theirs, ...(previous ? { previous } : {}) }
      }
      if (attempt >= maxAttempts) {
        throw new RegistryError(`could not assign ${state.model} ${v.version} to "${stage}": tag "${tag}" was taken by another run ${attempt} times; try again`)
      }
      state = await readState(state.model)
    }
  }

  const manifestOf = (model: string, v: VersionState): Manifest | undefined => resolveManifest(model, v, undefined)

  return {
    ...createRegistryReads({ readState, readManifest: async (model, v) => manifestOf(model, v) }),

    /** Profiles are assets of the version's release (see release-contents.ts). */
    async readProfile(manifest, data) {
      const file = manifest.data.find((d) => d.name === data)?.profile?.file
      if (!file) return undefined
      let release
      try {
        release = (await github.rest.repos.getReleaseByTag({ owner, repo, tag: manifest.tag })).data
      } catch (error) {
        if (isHttpError(error, 404)) return undefined
        throw apiError(`read the release of ${manifest.tag}`, error)
      }
      const asset = release.assets.find((a) => a.name === file)
      if (!asset) return undefined
      try {
        const response = await github.rest.repos.getReleaseAsset({ owner, repo, asset_id: asset.id, headers: { accept: 'application/octet-stream' } })
        const body = response.data as unknown
        const text = typeof body === 'string' ? body : Buffer.from(body as ArrayBuffer).toString('utf8')
        return JSON.parse(text) as unknown
      } catch (error) {
        throw apiError(`download ${file} of ${manifest.tag}`, error)
      }
    },

    async register(run: RunRecord, opts: RegisterOptions): Promise<Registration> {
      const model = run.model.name
      validateNames(model, opts.stage)
      const commit = refuseUnregistrable(run)
      for (let attempt = 1; ; attempt++) {
        const state = await readState(model)
        await refuseDuplicate(state, run, commit, async (v) => manifestOf(model, v))
        const version = nextVersion(state, opts)
        if (opts.stage) checkStageOrder(state, version, opts.stage, opts)

        const tag = formatRegistrationTag(model, version)
        const createdAt = wholeSeconds(now())
        const manifest = buildManifest(run, { version, tag, commit, createdAt: createdAt.toISOString(), createdBy: opts.actor }, opts.source)
        const written = await writeTag(tag, commit, formatRegistrationMessage(manifest), createdAt)
        if (!written.created) {
          const existing = written.existing
          const carried = existing.annotated ? tryParseManifestMessage(existing.message) : undefined
          if (existing.target === commit && carried && sameArtifacts(carried.artifacts, run.artifacts)) {
            // The same registration by a concurrent run of the same promotion.
            throw new AlreadyRegisteredError(model, version, commit)
          }
          if (opts.version !== undefined) throw new RegistryError(`${model} ${version} was registered by another run just now (tag ${tag})`)
          if (attempt >= maxAttempts) {
            throw new RegistryError(`could not register ${model}: ${attempt} other registrations took the next version first; try again`)
          }
          continue // a race with another promotion: re-read the tags and take the next version
        }
        if (!opts.stage) return { manifest, tag }
        try {
          const assignment = await assignStage(state, { version, commit }, opts.stage, opts.actor)
          return { manifest, tag, assignment }
        } catch (error) {
          // A published tag is not taken back (others may have fetched it, a release may follow);
          // the version stays registered and unassigned, which a re-run of the promotion completes.
          const reason = error instanceof Error ? error.message : String(error)
          throw new RegistryError(`${model} ${version} was registered (tag ${tag}) but not assigned to "${opts.stage}": ${reason}`, { cause: error })
        }
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

/** "create tag "m@v1.0.0": HTTP 403 on POST /repos/o/r/git/refs: Resource not accessible by integration". */
function apiError(what: string, error: unknown): RegistryError {
  if (error instanceof RegistryError) return error
  const hint = isHttpError(error, 403) || isHttpError(error, 404) ? ' (does the token have "contents: write" permission?)' : ''
  return new RegistryError(`could not ${what}: ${describeHttpError(error)}${hint}`, { cause: error })
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
