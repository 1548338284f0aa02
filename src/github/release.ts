import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describeHttpError, isAlreadyExists, isHttpError, type GitHubClient } from './octokit.js'

// A GitHub release for an existing annotated tag, made so that it is safe with immutable releases
// and safe to run again: create it as a draft, upload every asset, and only then publish. With
// immutable releases a published release takes no more assets and its tag name is spent forever,
// so publishing early would burn the version. Each step first looks at what exists, so a run that
// died half-way is completed by the next one without duplicating anything.

/**
 * GitHub refuses longer release bodies with 422 "body is too long (maximum is 125000 characters)".
 * The limit is not in GitHub's docs; it is the API's own error message (raised from 25,000 in 2021).
 */
export const RELEASE_BODY_LIMIT = 125_000
export const RELEASE_TRUNCATION_NOTE = "_Release notes truncated to fit GitHub's limit; the full report is in the workflow run's job summary._"

export type ReleaseAsset = { name: string; contentType: string } & ({ path: string } | { content: string | Uint8Array })

export interface PublishReleaseOptions {
  owner: string
  repo: string
  /** An existing annotated tag; the release is never allowed to create (lightweight) tags. */
  tag: string
  name: string
  /** Markdown; cut to RELEASE_BODY_LIMIT with a note when longer. */
  body: string
  assets: readonly ReleaseAsset[]
  log?: { info: (message: string) => void; warning: (message: string) => void }
}

export interface PublishedRelease {
  id: number
  tag: string
  /** The release page. */
  url: string
  /** True when this call published it; false when it was published already. */
  published: boolean
  /** True when this call created the (draft) release. */
  created: boolean
  /** Names of the assets this call uploaded. */
  uploaded: string[]
}

export class ReleaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ReleaseError'
  }
}

interface ReleaseData {
  id: number
  tag_name: string
  draft: boolean
  html_url: string
  upload_url: string
  immutable?: boolean
  assets: AssetData[]
}

interface AssetData {
  id: number
  name: string
  size: number
  state: string
  digest?: string | null
}

interface PreparedAsset {
  name: string
  contentType: string
  bytes: Buffer
  sha256: string
}

/** Creates, completes or confirms the release of `tag`; see the file comment for the rules. */
export async function publishRelease(github: GitHubClient, options: PublishReleaseOptions): Promise<PublishedRelease> {
  const { owner, repo, tag } = options
  const log = options.log
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw releaseError(what, error)
    }
  }

  const assets = await prepareAssets(options.assets)

  const find = async (): Promise<ReleaseData | undefined> => {
    // getReleaseByTag does not see drafts; the list does (for a token with push access).
    const hits = await call(`list the releases of ${owner}/${repo}`, () =>
      github.paginate(github.rest.repos.listReleases, { owner, repo, per_page: 100 }, (response, done) => {
        const found = response.data.filter((r) => r.tag_name === tag)
        if (found.some((r) => !r.draft)) done()
        return found
      }),
    )
    // A published release wins; among drafts the oldest, so parallel runs pick the same one.
    return (hits.find((r) => !r.draft) ?? hits.sort((a, b) => a.id - b.id)[0]) as ReleaseData | undefined
  }

  let created = false
  let release = await find()
  // A release publishes onto its tag; were the tag missing, GitHub would create a lightweight one.
  if (!release || release.draft) await requireAnnotatedTag(github, owner, repo, tag)
  if (!release) {
    try {
      const { data } = await github.rest.repos.createRelease({ owner, repo, tag_name: tag, name: options.name, body: fitReleaseBody(options.body), draft: true })
      release = data as ReleaseData
      created = true
      log?.info(`created draft release ${tag}`)
    } catch (error) {
      if (!isAlreadyExists(error)) throw releaseError(`create the release of ${tag}`, error)
      release = await find()
      if (!release) throw releaseError(`create the release of ${tag} (GitHub says it exists, but it is not listed)`, error)
    }
  }

  if (!release.draft) {
    // Published: what it has is final. Names decide completeness; content that differs (say, a
    // model card rendered by an older version of this action) is reported, not "fixed".
    const missing = assets.filter((a) => !release!.assets.some((x) => x.name === a.name && x.state === 'uploaded'))
    for (const asset of assets) {
      const existing = release.assets.find((x) => x.name === asset.name && x.state === 'uploaded')
      if (existing && !sameAsset(existing, asset)) log?.warning(`release ${tag} has an asset ${asset.name} with other content than this run's; published assets are left as they are`)
    }
    if (missing.length === 0) return { id: release.id, tag, url: release.html_url, published: false, created, uploaded: [] }
    const names = missing.map((a) => a.name).join(', ')
    if (release.immutable !== false) {
      throw new ReleaseError(
        `release ${tag} is published and immutable but lacks ${names}; assets cannot be added to it any more, and the tag name cannot be used for another release`,
      )
    }
    log?.warning(`release ${tag} is published without ${names}; it is not immutable, so they are added now`)
  }

  // Only a draft (or a mutable release) gets here: make its assets exactly the wanted ones.
  const uploaded: string[] = []
  if (release.draft) {
    for (const existing of release.assets) {
      const wanted = assets.find((a) => a.name === existing.name)
      if (wanted && sameAsset(existing, wanted)) continue
      log?.info(`deleting ${wanted ? 'incomplete or outdated' : 'unexpected'} asset ${existing.name} of draft release ${tag}`)
      await call(`delete asset ${existing.name} of ${tag}`, () => github.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: existing.id }))
    }
  }
  const present = new Set(release.assets.filter((x) => (release!.draft ? assets.some((a) => sameAsset(x, a)) : x.state === 'uploaded')).map((x) => x.name))
  for (const asset of assets) {
    if (present.has(asset.name)) continue
    await uploadAsset(github, owner, repo, release, asset)
    uploaded.push(asset.name)
    log?.info(`uploaded ${asset.name} (${asset.bytes.length} bytes) to release ${tag}`)
  }

  if (!release.draft) return { id: release.id, tag, url: release.html_url, published: false, created, uploaded }

  // Every asset is there (each upload either succeeded or proved present): now publish.
  const { data } = await call(`publish the release of ${tag}`, () => github.rest.repos.updateRelease({ owner, repo, release_id: release!.id, draft: false }))
  log?.info(`published release ${tag}`)
  return { id: data.id, tag, url: data.html_url, published: true, created, uploaded }
}

/** `body`, or its start and a note when it exceeds RELEASE_BODY_LIMIT (counted in UTF-16 units, never fewer than GitHub's characters). */
export function fitReleaseBody(body: string, limit = RELEASE_BODY_LIMIT): string {
  if (body.length <= limit) return body
  let cut = limit - RELEASE_TRUNCATION_NOTE.length - 2
  const code = body.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1 // never split a surrogate pair
  return `${body.slice(0, cut)}\n\n${RELEASE_TRUNCATION_NOTE}`
}

/**
 * A name GitHub keeps as given: it renames asset names with other characters (and leading or
 * trailing dots), which would make a re-run miss the asset it uploaded before.
 */
export function toAssetName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+|\.+$/g, '')
  return cleaned || 'asset'
}

async function prepareAssets(assets: readonly ReleaseAsset[]): Promise<PreparedAsset[]> {
  const seen = new Set<string>()
  const prepared: PreparedAsset[] = []
  for (const asset of assets) {
    const name = toAssetName(asset.name)
    if (seen.has(name)) throw new ReleaseError(`two release assets are named "${name}"`)
    seen.add(name)
    let bytes: Buffer
    if ('path' in asset) {
      bytes = await readFile(asset.path).catch((error: unknown) => {
        throw new ReleaseError(`cannot read release asset ${asset.path}: ${(error as Error).message}`, { cause: error })
      })
    } else {
      bytes = typeof asset.content === 'string' ? Buffer.from(asset.content, 'utf8') : Buffer.from(asset.content)
    }
    prepared.push({ name, contentType: asset.contentType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') })
  }
  return prepared
}

/** An uploaded asset with the wanted content: by digest when GitHub gives one, else by size. */
function sameAsset(existing: AssetData, wanted: PreparedAsset): boolean {
  if (existing.name !== wanted.name || existing.state !== 'uploaded' || existing.size !== wanted.bytes.length) return false
  return !existing.digest || existing.digest === `sha256:${wanted.sha256}`
}

async function requireAnnotatedTag(github: GitHubClient, owner: string, repo: string, tag: string): Promise<void> {
  let object: { type: string }
  try {
    object = (await github.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })).data.object
  } catch (error) {
    if (isHttpError(error, 404)) {
      throw new ReleaseError(`tag ${tag} does not exist; it must be created (annotated) before its release, or GitHub would make a lightweight tag`)
    }
    throw releaseError(`read tag ${tag}`, error)
  }
  if (object.type !== 'tag') throw new ReleaseError(`tag ${tag} is a lightweight tag; GTO ignores those, so it gets no release`)
}

async function uploadAsset(github: GitHubClient, owner: string, repo: string, release: ReleaseData, asset: PreparedAsset): Promise<void> {
  const upload = () =>
    github.rest.repos.uploadReleaseAsset({
      owner,
      repo,
      release_id: release.id,
      name: asset.name,
      // The upload host differs from the API host (uploads.github.com, /api/uploads on GHES).
      url: release.upload_url,
      // Octokit types `data` as string; it sends a Buffer as the raw body.
      data: asset.bytes as unknown as string,
      headers: { 'content-type': asset.contentType, 'content-length': asset.bytes.length },
    })
  try {
    await upload()
    return
  } catch (error) {
    // A retried upload whose first try went through: fine when what is there is this content.
    if (!isAlreadyExists(error)) throw releaseError(`upload ${asset.name} to the release of ${release.tag_name}`, error)
  }
  const { data } = await github.rest.repos.getRelease({ owner, repo, release_id: release.id }).catch((error: unknown) => {
    throw releaseError(`read the release of ${release.tag_name}`, error)
  })
  const existing = (data.assets as AssetData[]).find((x) => x.name === asset.name)
  if (existing && sameAsset(existing, asset)) return
  if (!existing || !release.draft) throw new ReleaseError(`release ${release.tag_name} already has a different asset named ${asset.name}`)
  await github.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: existing.id }).catch((error: unknown) => {
    throw releaseError(`delete asset ${asset.name} of ${release.tag_name}`, error)
  })
  await upload().catch((error: unknown) => {
    throw releaseError(`upload ${asset.name} to the release of ${release.tag_name}`, error)
  })
}

function releaseError(what: string, error: unknown): ReleaseError {
  if (error instanceof ReleaseError) return error
  return new ReleaseError(`could not ${what}: ${describeHttpError(error)}`, { cause: error })
}
