import semver from 'semver'
import type { GitTag } from './git.js'
import type { Manifest } from './manifest.js'
import { RegistryError, type Bump, type HistoryEvent, type StageOrder, type VersionInfo } from './registry.js'
import {
  formatAssignmentTag,
  nextCounter,
  tryNormalizeVersion,
  tryParseActor,
  tryParseManifestMessage,
  tryParseTag,
  type ParsedTag,
} from './tag-format.js'

// A model's registry state as GTO derives it from the model's tags. Pure data in and out, so the
// local registry (tags from git) and a GitHub-backed one (tags from the REST API) share it.

export interface VersionState {
  version: string
  /** The registration tag. */
  tag: GitTag
  commit: string
  /** False once a deregistration tag follows the registration. */
  active: boolean
}

export interface ModelState {
  model: string
  /** Every tag name of the model, annotated or not: GTO counts over all of them. */
  tagNames: readonly string[]
  versions: ReadonlyMap<string, VersionState>
  /** Stage → version holding it; undefined when an unregistered commit holds it. */
  holders: ReadonlyMap<string, string | undefined>
  /** Oldest first. */
  events: readonly HistoryEvent[]
}

/** The state of `model` from a list of tags; tags of other models and non-GTO tags are ignored. */
export function computeModelState(model: string, tags: readonly GitTag[]): ModelState {
  const mine = tags
    .map((tag) => ({ tag, parsed: tryParseTag(tag.name) }))
    .filter((t): t is { tag: GitTag; parsed: ParsedTag } => t.parsed?.model === model)
  const versions = new Map<string, VersionState>()
  const events: HistoryEvent[] = []
  // (version or commit) + stage → whether the pair is active, and when it was last assigned
  const pairs = new Map<string, { version: string | undefined; stage: string; active: boolean; order: number }>()

  // GTO reads annotated tags only, in tagger-date order; ties (same second) are broken so a
  // registration precedes counted tags, which follow their counter.
  const ordered = mine.filter((t) => t.tag.annotated).sort((a, b) => compareTags(a.tag, a.parsed, b.tag, b.parsed))
  ordered.forEach(({ tag, parsed }, order) => {
    const base = { model, tag: tag.name, commit: tag.target, at: toIso(tag.taggedAt), message: tag.message }
    if (parsed.action === 'deprecate') {
      events.push({ ...base, kind: 'deprecation', actor: tryParseActor(tag.message) ?? tag.tagger })
      return
    }
    if ('version' in parsed) {
      const registering = parsed.action === 'register'
      if (registering && !versions.has(parsed.version)) {
        versions.set(parsed.version, { version: parsed.version, tag, commit: tag.target, active: true })
      }
      const v = versions.get(parsed.version)
      if (v && !registering) v.active = false
      const actor = (registering ? tryParseManifestMessage(tag.message)?.createdBy : tryParseActor(tag.message)) ?? tag.tagger
      events.push({ ...base, kind: registering ? 'registration' : 'deregistration', version: parsed.version, actor })
      return
    }
    // GTO resolves an assignment's version by the commit the tag points at.
    const version = findVersionAtCommit(versions, tag.target)
    const key = `${version ?? tag.target}\0${parsed.stage}`
    const assigning = parsed.action === 'assign'
    const pair = pairs.get(key) ?? { version, stage: parsed.stage, active: false, order }
    pairs.set(key, { ...pair, active: assigning, order: assigning ? order : pair.order })
    events.push({
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
    const live = pair.active && (pair.version === undefined || versions.get(pair.version)?.active)
    const current = best.get(pair.stage)
    if (live && (!current || pair.order > current.order)) best.set(pair.stage, pair)
  }
  const holders = new Map([...best].map(([stage, { version }]) => [stage, version] as const))
  return { model, tagNames: mine.map((t) => t.tag.name), versions, holders, events }
}

/** Registered versions that are not deregistered, in registration order. */
export function activeVersions(state: ModelState): VersionState[] {
  return [...state.versions.values()].filter((v) => v.active)
}

/** The active version `version` ("1.2.0" or "v1.2.0"); a RegistryError naming the registered ones otherwise. */
export function requireActiveVersion(state: ModelState, version: string): VersionState {
  const normalized = tryNormalizeVersion(version)
  const v = normalized === undefined ? undefined : state.versions.get(normalized)
  if (v?.active) return v
  const known = activeVersions(state).map((x) => x.version)
  throw new RegistryError(
    `${state.model} ${version} is not registered` + (known.length ? ` (registered: ${known.join(', ')})` : ' (no versions registered yet)'),
  )
}

/** The registered version holding `stage`; undefined too when an unregistered commit holds it. */
export function versionInStage(state: ModelState, stage: string): VersionState | undefined {
  const version = state.holders.get(stage)
  return version === undefined ? undefined : state.versions.get(version)
}

/**
 * The version's manifest: the stored copy when it describes this very version (the store is not
 * kept with the tags, so an entry may be left from a tag since deleted), else the one the
 * registration tag's message carries.
 */
export function resolveManifest(model: string, v: VersionState, stored: Manifest | undefined): Manifest | undefined {
  const matches = (m: Manifest | undefined) => m?.model === model && m.version === v.version && m.commit === v.commit
  if (matches(stored)) return stored
  const carried = tryParseManifestMessage(v.tag.message)
  return matches(carried) ? carried : undefined
}

/** Active versions with the stages they hold, highest first; `manifests` is keyed by version. */
export function describeVersions(state: ModelState, manifests: ReadonlyMap<string, Manifest | undefined>): VersionInfo[] {
  const held = new Map<string, string[]>()
  for (const [stage, version] of state.holders) if (version) held.set(version, [...(held.get(version) ?? []), stage])
  const infos = activeVersions(state).map((v): VersionInfo => {
    const manifest = manifests.get(v.version)
    return {
      model: state.model,
      version: v.version,
      tag: v.tag.name,
      commit: v.commit,
      createdAt: toIso(v.tag.taggedAt),
      createdBy: manifest?.createdBy ?? v.tag.tagger,
      stages: (held.get(v.version) ?? []).sort(),
      ...(manifest ? { manifest } : {}),
    }
  })
  return infos.sort((a, b) => semver.rcompare(a.version, b.version))
}

/** An explicit version, or the bump of the highest one; the first is the bump of 0.0.0. */
export function nextVersion(state: ModelState, request: { bump: Bump; version?: string }): string {
  // Every registration tag counts, deregistered or lightweight: its name cannot be reused.
  const taken = state.tagNames.flatMap((name) => {
    const parsed = tryParseTag(name)
    return parsed?.action === 'register' ? [parsed.version] : []
  })
  if (request.version !== undefined) {
    const version = tryNormalizeVersion(request.version)
    if (version === undefined) throw new RegistryError(`invalid version "${request.version}": expected semver such as 1.2.0`)
    if (taken.includes(version)) throw new RegistryError(`${state.model} ${version} is registered already (tag ${state.model}@v${version})`)
    return version
  }
  const highest = semver.rsort(taken)[0] ?? '0.0.0'
  const next = semver.inc(highest, request.bump)
  if (!next) throw new RegistryError(`cannot apply a ${request.bump} bump to ${state.model} ${highest}`)
  return next
}

/** The tag that assigns `stage` next: GTO numbers counted tags over all of the model's tags. */
export function nextAssignmentTag(state: ModelState, stage: string): string {
  return formatAssignmentTag(state.model, stage, nextCounter(state.model, state.tagNames))
}

/** With enforceOrder, a version may enter a stage only after having been in the one before it. */
export function checkStageOrder(state: ModelState, version: string, stage: string, order: StageOrder): void {
  if (!order.enforceOrder || !order.stages) return
  const index = order.stages.indexOf(stage)
  if (index < 0) throw new RegistryError(`stage "${stage}" is not one of the ordered stages [${order.stages.join(', ')}]`)
  const previous = order.stages[index - 1]
  if (previous === undefined) return
  const wasThere = state.events.some((e) => e.kind === 'assignment' && e.version === version && e.stage === previous)
  if (!wasThere) {
    throw new RegistryError(
      `${state.model} ${version} has never been in stage "${previous}", which comes before "${stage}"; assign it to "${previous}" first`,
    )
  }
}

function findVersionAtCommit(versions: ReadonlyMap<string, VersionState>, commit: string): string | undefined {
  const candidates = [...versions.values()].filter((v) => v.active && v.commit === commit).map((v) => v.version)
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

// Tags made without a tagger date sort first and show no date.
function toSeconds(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000)
}

function toIso(iso: string | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString()
}
