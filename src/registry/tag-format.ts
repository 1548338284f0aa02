import semver from 'semver'
import { Manifest } from './manifest.js'

// Tag names and messages compatible with iterative/gto (gto/constants.py tag_re, gto/tag.py):
//   model@v1.2.3           register (GTO writes it without a counter)
//   model@v1.2.3!          deregister
//   model#stage#N          assign; N counts over ALL counted tags of the model, not per stage
//   model#stage!#N         unassign
//   model@deprecated#N     deprecate
// GTO's directory prefix (`dir:name`, `dir=name` in tags) is not supported.

export type TagAction = 'register' | 'deregister' | 'assign' | 'unassign' | 'deprecate'

export type ParsedTag =
  | { action: 'register' | 'deregister'; model: string; version: string; counter?: number }
  | { action: 'assign' | 'unassign'; model: string; stage: string; counter?: number }
  | { action: 'deprecate'; model: string; counter?: number }

export class TagFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TagFormatError'
  }
}

const NAME = '[a-zA-Z0-9](?:[a-zA-Z0-9/_-]*[a-zA-Z0-9])?'
const IDENT = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)'
const SEMVER =
  `(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)` +
  `(?:-${IDENT}(?:\\.${IDENT})*)?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?`
const NAME_RE = new RegExp(`^${NAME}$`)
const TAG_RE = new RegExp(
  `^(?<model>${NAME})` +
    `(?:(?:#(?<stage>${NAME})|@v(?<version>${SEMVER}))(?<cancel>!?)|@(?<deprecated>deprecated))` +
    `(?:#(?<counter>[0-9]+))?$`,
)

/**
 * GTO's rule (since 1.4, 2023) for artifact and stage names: letters, digits, "-", "_" and "/",
 * starting and ending with a letter or digit. Older GTO accepted lowercase only.
 */
export function isValidName(value: string): boolean {
  return NAME_RE.test(value)
}

export function assertValidName(value: string, what: 'model' | 'stage'): void {
  if (!isValidName(value)) {
    throw new TagFormatError(
      `invalid ${what} name "${value}": GTO tags allow letters, digits, "-", "_" and "/", starting and ending with a letter or digit`,
    )
  }
}

/**
 * A plain semver "1.2.3" or "1.2.3-rc.1", without the tag's "v". Build metadata ("+abc") is refused:
 * semver ignores it when comparing, so two tags would name the same version.
 */
export function isValidVersion(value: string): boolean {
  return semver.valid(value) === value
}

export function assertValidVersion(value: string): void {
  if (!isValidVersion(value)) {
    throw new TagFormatError(`invalid version "${value}": expected semver such as "1.2.3" (no leading "v", no "+build")`)
  }
}

/** "v1.2.3" or "1.2.3" → "1.2.3"; undefined when it is not a version GTO and we both accept. */
export function tryNormalizeVersion(value: string): string | undefined {
  const bare = value.startsWith('v') ? value.slice(1) : value
  return isValidVersion(bare) ? bare : undefined
}

export function formatRegistrationTag(model: string, version: string): string {
  assertValidName(model, 'model')
  assertValidVersion(version)
  return `${model}@v${version}`
}

export function formatDeregistrationTag(model: string, version: string): string {
  return `${formatRegistrationTag(model, version)}!`
}

export function formatAssignmentTag(model: string, stage: string, counter: number): string {
  return `${stageTagPrefix(model, stage)}#${checkCounter(counter)}`
}

export function formatUnassignmentTag(model: string, stage: string, counter: number): string {
  return `${stageTagPrefix(model, stage)}!#${checkCounter(counter)}`
}

export function formatDeprecationTag(model: string, counter: number): string {
  assertValidName(model, 'model')
  return `${model}@deprecated#${checkCounter(counter)}`
}

/** The GTO meaning of a tag name, or undefined for tags that are not GTO tags. */
export function tryParseTag(name: string): ParsedTag | undefined {
  const groups = TAG_RE.exec(name)?.groups
  if (!groups) return undefined
  const model = groups.model ?? ''
  const counter = groups.counter === undefined ? {} : { counter: Number(groups.counter) }
  const cancelled = groups.cancel === '!'
  if (groups.deprecated) return { action: 'deprecate', model, ...counter }
  if (groups.version !== undefined) {
    return { action: cancelled ? 'deregister' : 'register', model, version: groups.version, ...counter }
  }
  if (groups.stage !== undefined) return { action: cancelled ? 'unassign' : 'assign', model, stage: groups.stage, ...counter }
  return undefined
}

/**
 * The counter for the model's next counted tag: one more than the highest among all of its tags,
 * whatever the stage or action — that is how GTO numbers them.
 */
export function nextCounter(model: string, tagNames: Iterable<string>): number {
  let highest = 0
  for (const name of tagNames) {
    const parsed = tryParseTag(name)
    if (parsed?.model === model && parsed.counter !== undefined && parsed.counter > highest) highest = parsed.counter
  }
  return highest + 1
}

/** GTO shows the first line; the manifest below it lets a clone rebuild the registry. */
export function formatRegistrationMessage(manifest: Manifest): string {
  return `Registering artifact ${manifest.model} version v${manifest.version}\n\n${JSON.stringify(manifest, null, 2)}\n`
}

export function formatAssignmentMessage(model: string, version: string, stage: string, actor: string): string {
  return `Assigning stage ${stage} to artifact ${model} version v${version}\n\nActor: ${actor}\n`
}

/** The manifest carried in a registration tag's message, if there is a valid one. */
export function tryParseManifestMessage(message: string): Manifest | undefined {
  const start = message.search(/^\{/m)
  if (start < 0) return undefined
  const end = message.lastIndexOf('}')
  try {
    const parsed = Manifest.safeParse(JSON.parse(message.slice(start, end + 1)))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** The actor recorded by formatAssignmentMessage, if the tag was written by us. */
export function tryParseActor(message: string): string | undefined {
  return /^Actor: (.+)$/m.exec(message)?.[1]?.trim() || undefined
}

function stageTagPrefix(model: string, stage: string): string {
  assertValidName(model, 'model')
  assertValidName(stage, 'stage')
  return `${model}#${stage}`
}

function checkCounter(counter: number): number {
  if (!Number.isSafeInteger(counter) || counter < 1) throw new TagFormatError(`invalid tag counter ${counter}: expected a positive integer`)
  return counter
}
