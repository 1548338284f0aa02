import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import semver from 'semver'
import type { ArtifactRecord, RunRecord } from '../pipeline/run-record.js'
import { createGit, TagExistsError, type Git, type GitTag } from './git.js'
import { Manifest, MANIFEST_SCHEMA_VERSION } from './manifest.js'
import {
  AlreadyRegisteredError,
  RegistryError,
  type Assignment,
  type AssignOptions,
  type HistoryEvent,
  type RegisterOptions,
  type Registry,
  type StageOrder,
  type VersionInfo,
} from './registry.js'
import {
  assertValidName,
  formatAssignmentMessage,
  formatAssignmentTag,
  formatRegistrationMessage,
  formatRegistrationTag,
  nextCounter,
  tryNormalizeVersion,
  tryParseActor,
  tryParseManifestMessage,
  tryParseTag,
  TagFormatError,
  type ParsedTag,
} from './tag-format.js'

// The embedded registry: GTO-compatible annotated tags are the source of truth; the store
// (storeDir/<model>/<version>/) keeps a copy of the artifacts and manifest.json. One writer at a
// time is assumed: a store directory without a registration tag is an orphan and gets replaced.

export interface LocalRegistryOptions {
  /** Directory holding mlops.yml; artifact paths are relative to it. */
  repoDir: string
  /** Where artifacts are copied; relative to repoDir; should be gitignored. */
  storeDir?: string
  /** Clock for manifest dates and tagger dates (tests make it advance). */
  now?: () => Date
}

interface VersionState {
  version: string
  tag: GitTag
  commit: string
  active: boolean
}

interface ModelState {
  /** Every tag name of the model, annotated or not: GTO counts over all of them. */
  tagNames: string[]
  versions: Map<string, VersionState>
  /** Stage → version holding it; undefined when an unregistered commit holds it. */
  holders: Map<string, string | undefined>
  events: HistoryEvent[]
}

const DEFAULT_STORE_DIR = '.mlops/registry'
const MANIFEST_FILE = 'manifest.json'

export function createLocalRegistry(options: LocalRegistryOptions): Registry {
  const repoDir = resolve(options.repoDir)
  const storeDir = resolve(repoDir, options.storeDir ?? DEFAULT_STORE_DIR)
  const now = options.now ?? (() => new Date())
  const git = createGit(repoDir)

  const readManifest = async (model: string, v: VersionState): Promise<Manifest | undefined> => {
    const matches = (m: Manifest | undefined) => m?.model === model && m.version === v.version && m.commit === v.commit
    const stored = await tryReadJson(join(storeDir, model, v.version, MANIFEST_FILE))
    const parsed = Manifest.safeParse(stored)
    if (parsed.success && matches(parsed.data)) return parsed.data
    const carried = tryParseManifestMessage(v.tag.message)
    return matches(carried) ? carried : undefined
  }

  type Target = Pick<VersionState, 'version' | 'commit'>
  const assignStage = async (state: ModelState, model: string, v: Target, stage: string, actor: string): Promise<Assignment> => {
    const tag = formatAssignmentTag(model, stage, nextCounter(model, state.tagNames))
    const at = wholeSeconds(now())
    await createTag(git, tag, v.commit, formatAssignmentMessage(model, v.version, stage, actor), at)
    const previous = state.holders.get(stage)
    return { model, version: v.version, stage, tag, commit: v.commit, at: at.toISOString(), ...(previous ? { previous } : {}) }
  }

  return {
    async listVersions(model) {
      const state = await readState(git, model)
      const held = new Map<string, string[]>()
      for (const [stage, version] of state.holders) if (version) held.set(version, [...(held.get(version) ?? []), stage])
      const active = [...state.versions.values()].filter((v) => v.active)
      const infos = await Promise.all(
        active.map(async (v): Promise<VersionInfo> => {
          const manifest = await readManifest(model, v)
          return {
            model,
            version: v.version,
            tag: v.tag.name,
            commit: v.commit,
            createdAt: toIso(v.tag.taggedAt),
            createdBy: manifest?.createdBy ?? v.tag.tagger,
            stages: (held.get(v.version) ?? []).sort(),
            ...(manifest ? { manifest } : {}),
          }
        }),
      )
      return infos.sort((a, b) => semver.rcompare(a.version, b.version))
    },

    async findInStage(model, stage) {
      const state = await readState(git, model)
      const version = state.holders.get(stage)
      const v = version === undefined ? undefined : state.versions.get(version)
      return v ? readManifest(model, v) : undefined
    },

    async register(run, opts) {
      const model = run.model.name
      validateNames(model, opts.stage)
      const commit = refuseUnregistrable(run)
      if (!(await git.tryRevParse(`${commit}^{commit}`))) {
        throw new RegistryError(`commit ${commit} of run ${run.id} is not in the repository at ${repoDir}`)
      }
      const state = await readState(git, model)
      await refuseDuplicate(state, run, commit, (v) => readManifest(model, v))
      const version = chooseVersion(state, model, opts)
      if (opts.stage) checkStageOrder(state, model, version, opts.stage, opts)

      const tag = formatRegistrationTag(model, version)
      const createdAt = wholeSeconds(now())
      const manifest = buildManifest(run, { version, tag, commit, createdAt: createdAt.toISOString(), createdBy: opts.actor })
      const path = await writeStoreEntry(repoDir, join(storeDir, model), run, manifest)
      try {
        await createTag(git, tag, commit, formatRegistrationMessage(manifest), createdAt)
      } catch (error) {
        await rm(path, { recursive: true, force: true })
        throw error
      }
      if (!opts.stage) return { manifest, tag, path }

      try {
        const assignment = await assignStage(state, model, { version, commit }, opts.stage, opts.actor)
        return { manifest, tag, path, assignment }
      } catch (error) {
        // All or nothing: an unassigned version would not be what the caller asked for.
        await git.deleteTag(tag).catch(() => {})
        await rm(path, { recursive: true, force: true })
        throw error
      }
    },

    async assign(model, version, stage, opts) {
      validateNames(model, stage)
      const normalized = tryNormalizeVersion(version)
      const state = await readState(git, model)
      const v = normalized === undefined ? undefined : state.versions.get(normalized)
      if (!v?.active) {
        const known = [...state.versions.values()].filter((x) => x.active).map((x) => x.version)
        throw new RegistryError(
          `${model} ${version} is not registered` + (known.length ? ` (registered: ${known.join(', ')})` : ' (no versions registered yet)'),
        )
      }
      if (state.holders.get(stage) === v.version) throw new RegistryError(`${model} ${v.version} is already in stage "${stage}"`)
      checkStageOrder(state, model, v.version, stage, opts)
      return assignStage(state, model, v, stage, opts.actor)
    },

    async history(model) {
      return (await readState(git, model)).events
    },
  }
}

async function readState(git: Git, model: string): Promise<ModelState> {
  const tags = (await git.listTags([`${model}@*`, `${model}#*`]))
    .map((tag) => ({ tag, parsed: tryParseTag(tag.name) }))
    .filter((t): t is { tag: GitTag; parsed: ParsedTag } => t.parsed?.model === model)
  const state: ModelState = { tagNames: tags.map((t) => t.tag.name), versions: new Map(), holders: new Map(), events: [] }
  // (version or commit) + stage → whether the pair is active, and when it was last assigned
  const pairs = new Map<string, { version: string | undefined; stage: string; active: boolean; order: number }>()

  // GTO reads annotated tags only, in tagger-date order; ties (same second) are broken so a
  // registration precedes counted tags, which follow their counter.
  const ordered = tags.filter((t) => t.tag.annotated).sort((a, b) => compareTags(a.tag, a.parsed, b.tag, b.parsed))
  ordered.forEach(({ tag, parsed }, order) => {
    const base = { model, tag: tag.name, commit: tag.target, at: toIso(tag.taggedAt), message: tag.message }
    if (parsed.action === 'deprecate') {
      state.events.push({ ...base, kind: 'deprecation', actor: tryParseActor(tag.message) ?? tag.tagger })
      return
    }
    if ('version' in parsed) {
      const registering = parsed.action === 'register'
      if (registering && !state.versions.has(parsed.version)) {
        state.versions.set(parsed.version, { version: parsed.version, tag, commit: tag.target, active: true })
      }
      const v = state.versions.get(parsed.version)
      if (v && !registering) v.active = false
      const actor = (registering ? tryParseManifestMessage(tag.message)?.createdBy : tryParseActor(tag.message)) ?? tag.tagger
      state.events.push({ ...base, kind: registering ? 'registration' : 'deregistration', version: parsed.version, actor })
      return
    }
    // GTO resolves an assignment's version by the commit the tag points at.
    const version = findVersionAtCommit(state, tag.target)
    const key = `${version ?? tag.target}\0${parsed.stage}`
    const assigning = parsed.action === 'assign'
    const pair = pairs.get(key) ?? { version, stage: parsed.stage, active: false, order }
    pairs.set(key, { ...pair, active: assigning, order: assigning ? order : pair.order })
    state.events.push({
      ...base,
      kind: assigning ? 'assignment' : 'unassignment',
      stage: parsed.stage,
      ...(version ? { version } : {}),
      actor: tryParseActor(tag.message) ?? tag.tagger,
    })
  })

  // Per stage, the active pair assigned most recently holds it (GTO's default timestamp sort).
  const best = new Map<string, { version: string | undefined; order: number }>()
  for (const pair of pairs.values()) {
    const live = pair.active && (pair.version === undefined || state.versions.get(pair.version)?.active)
    const current = best.get(pair.stage)
    if (live && (!current || pair.order > current.order)) best.set(pair.stage, pair)
  }
  for (const [stage, { version }] of best) state.holders.set(stage, version)
  return state
}

function findVersionAtCommit(state: ModelState, commit: string): string | undefined {
  const candidates = [...state.versions.values()].filter((v) => v.active && v.commit === commit).map((v) => v.version)
  return semver.rsort(candidates)[0]
}

function compareTags(a: GitTag, pa: ParsedTag, b: GitTag, pb: ParsedTag): number {
  const rank = (p: ParsedTag) => (p.action === 'register' ? 0 : 1)
  return (
    toSeconds(a.taggedAt) - toSeconds(b.taggedAt) ||
    rank(pa) - rank(pb) ||
    (pa.counter ?? 0) - (pb.counter ?? 0) ||
    a.name.localeCompare(b.name)
  )
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
  const existing = [...state.versions.values()].find((v) => v.active && v.commit === commit)
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

/** An explicit version, or the bump of the highest one; the first is the bump of 0.0.0. */
function chooseVersion(state: ModelState, model: string, opts: RegisterOptions): string {
  // Every registration tag counts, deregistered or lightweight: its name cannot be reused.
  const taken = state.tagNames.flatMap((name) => {
    const parsed = tryParseTag(name)
    return parsed?.action === 'register' ? [parsed.version] : []
  })
  if (opts.version !== undefined) {
    const version = tryNormalizeVersion(opts.version)
    if (version === undefined) throw new RegistryError(`invalid version "${opts.version}": expected semver such as 1.2.0`)
    if (taken.includes(version)) throw new RegistryError(`${model} ${version} is registered already (tag ${model}@v${version})`)
    return version
  }
  const highest = semver.rsort(taken)[0] ?? '0.0.0'
  const next = semver.inc(highest, opts.bump)
  if (!next) throw new RegistryError(`cannot apply a ${opts.bump} bump to ${model} ${highest}`)
  return next
}

function checkStageOrder(state: ModelState, model: string, version: string, stage: string, order: StageOrder): void {
  if (!order.enforceOrder || !order.stages) return
  const index = order.stages.indexOf(stage)
  if (index < 0) throw new RegistryError(`stage "${stage}" is not one of the ordered stages [${order.stages.join(', ')}]`)
  const previous = order.stages[index - 1]
  if (previous === undefined) return
  const wasThere = state.events.some((e) => e.kind === 'assignment' && e.version === version && e.stage === previous)
  if (!wasThere) {
    throw new RegistryError(
      `${model} ${version} has never been in stage "${previous}", which comes before "${stage}"; assign it to "${previous}" first`,
    )
  }
}

function buildManifest(
  run: RunRecord,
  id: Pick<Manifest, 'version' | 'tag' | 'commit' | 'createdAt' | 'createdBy'>,
): Manifest {
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

/**
 * Copies the artifacts into a temp directory beside the final one, checks each copy against the
 * hash the run recorded, then renames it into place: a crash never leaves a half-written version.
 */
async function writeStoreEntry(repoDir: string, modelDir: string, run: RunRecord, manifest: Manifest): Promise<string> {
  await mkdir(modelDir, { recursive: true })
  const temp = await mkdtemp(join(modelDir, `.tmp-${manifest.version}-`))
  try {
    for (const artifact of run.artifacts) {
      const rel = insideRelative(repoDir, artifact.path)
      if (rel === MANIFEST_FILE) throw new RegistryError(`artifact "${artifact.path}" would overwrite the version's ${MANIFEST_FILE}; rename it`)
      const source = join(repoDir, rel)
      const info = await stat(source).catch((error: unknown) => {
        throw new RegistryError(`artifact "${artifact.path}" of run ${run.id} is missing at ${source}`, { cause: error })
      })
      if (!info.isFile()) throw new RegistryError(`artifact "${artifact.path}" is not a regular file; list the files it holds instead`)
      const target = join(temp, rel)
      await mkdir(dirname(target), { recursive: true })
      await copyFile(source, target).catch((error: unknown) => {
        throw new RegistryError(`could not copy artifact "${artifact.path}" into the store: ${(error as Error).message}`, { cause: error })
      })
      const actual = await sha256File(target)
      if (actual !== artifact.sha256) {
        throw new RegistryError(
          `artifact "${artifact.path}" changed since run ${run.id}: its sha256 is ${actual}, the run recorded ${artifact.sha256}; run the pipeline again`,
        )
      }
    }
    await writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    const final = join(modelDir, manifest.version)
    await rm(final, { recursive: true, force: true })
    await rename(temp, final)
    return final
  } catch (error) {
    await rm(temp, { recursive: true, force: true })
    throw error
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

function insideRelative(root: string, path: string): string {
  const rel = relative(root, resolve(root, path))
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new RegistryError(`artifact path "${path}" leaves the project directory ${root}`)
  }
  return rel
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function tryReadJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch {
    return undefined
  }
}

// Tagger dates have whole seconds; the manifest's createdAt should agree with the tag.
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000)
}

// Tags made without a tagger date sort first and show no date.
function toSeconds(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000)
}

function toIso(iso: string | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString()
}
