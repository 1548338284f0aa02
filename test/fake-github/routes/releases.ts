import { HttpError, iso, notFound, paginate, validationFailed } from '../http.js'
import { assetJson, releaseJson } from '../present.js'
import { sha256, type AssetRec, type ReleaseRec } from '../state.js'
import { bodyOf, intParam, type Handlers, type RouteContext } from './types.js'

// Releases and their assets, with GitHub's immutable-release rules when the repository has them on:
// a published immutable release's assets can't be added, changed or deleted, its tag can't be moved
// or deleted, it can't go back to draft, and its tag name can never be used by another release.

interface ReleaseBody {
  tag_name: string
  target_commitish: string
  name: string
  body: string
  draft: boolean
  prerelease: boolean
  make_latest: 'true' | 'false' | 'legacy'
}

/** Drafts are only visible to callers with push access. */
function findRelease(ctx: RouteContext, id: number): ReleaseRec {
  const release = ctx.fake.state.releases.get(id)
  if (!release || (release.draft && !ctx.caller.canWrite)) throw notFound()
  return release
}

function findAsset(ctx: RouteContext): { asset: AssetRec; release: ReleaseRec } {
  const id = intParam(ctx, 'asset_id')
  for (const release of ctx.fake.state.releases.values()) {
    const asset = release.assets.find((a) => a.id === id)
    if (asset && (!release.draft || ctx.caller.canWrite)) return { asset, release }
  }
  throw notFound()
}

const immutableError = (message: string) => validationFailed({ resource: 'Release', code: 'custom', message })

/** Publishes a release: the tag must be free; a missing tag ref is created (lightweight) at target_commitish. */
function publish(ctx: RouteContext, release: ReleaseRec): void {
  const { state } = ctx.fake
  for (const other of state.releases.values()) {
    if (other !== release && !other.draft && other.tag_name === release.tag_name) {
      throw validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' })
    }
  }
  if (state.reservedTags.has(release.tag_name)) {
    throw validationFailed({ resource: 'Release', code: 'custom', field: 'tag_name', message: 'tag_name was used by an immutable release' })
  }
  const ref = `refs/tags/${release.tag_name}`
  if (!state.refs.has(ref)) {
    const sha = state.resolveCommitish(release.target_commitish)
    if (!sha) throw validationFailed({ resource: 'Release', code: 'invalid', field: 'target_commitish' })
    state.refs.set(ref, sha)
    state.tagsCreatedByReleases.push({ tag: release.tag_name, sha, release_id: release.id })
  }
  release.draft = false
  release.published_at = iso()
  release.immutable = state.immutableReleases
  if (release.immutable) state.reservedTags.add(release.tag_name)
}

/** GitHub renames asset files with unusual characters; an approximation of its rule. */
export function sanitizeAssetName(name: string): string {
  return name.replace(/[^\w.+@-]/g, '.')
}

export const releaseHandlers: Handlers = {
  'repos/create-release': (ctx) => {
    const { state } = ctx.fake
    const b = bodyOf<ReleaseBody>(ctx)
    const tag = (b.tag_name ?? '').trim()
    if (tag === '') throw validationFailed({ resource: 'Release', code: 'missing_field', field: 'tag_name' })
    const draft = b.draft ?? false
    for (const other of state.releases.values()) {
      if (!other.draft && other.tag_name === tag) throw validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' })
    }
    const target = b.target_commitish ?? state.defaultBranch
    if (!state.refs.has(`refs/tags/${tag}`) && !state.resolveCommitish(target)) {
      throw validationFailed({ resource: 'Release', code: 'invalid', field: 'target_commitish' })
    }
    const now = iso()
    const release: ReleaseRec = {
      id: state.nextId(),
      tag_name: tag,
      target_commitish: target,
      name: b.name ?? null,
      body: b.body ?? null,
      draft: true,
      prerelease: b.prerelease ?? false,
      immutable: false,
      make_latest: b.make_latest ?? 'true',
      author: ctx.caller.user,
      assets: [],
      created_at: now,
      published_at: null,
      updated_at: now,
    }
    if (!draft) publish(ctx, release)
    state.releases.set(release.id, release)
    const json = releaseJson(ctx.fake, release)
    return { status: 201, body: json, headers: { location: json.url } }
  },

  'repos/list-releases': (ctx) => {
    const releases = [...ctx.fake.state.releases.values()]
      .filter((r) => !r.draft || ctx.caller.canWrite)
      .sort((a, b) => (a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1))
    return paginate(releases, ctx.query, ctx.selfUrl, (page) => page.map((r) => releaseJson(ctx.fake, r)))
  },

  'repos/get-release-by-tag': (ctx) => {
    // Drafts have no tag yet: this endpoint never returns them.
    const release = [...ctx.fake.state.releases.values()].find((r) => !r.draft && r.tag_name === ctx.params.tag)
    if (!release) throw notFound()
    return { status: 200, body: releaseJson(ctx.fake, release) }
  },

  'repos/get-latest-release': (ctx) => {
    const release = [...ctx.fake.state.releases.values()]
      .filter((r) => !r.draft && !r.prerelease && r.make_latest !== 'false')
      .sort((a, b) => (a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1))[0]
    if (!release) throw notFound()
    return { status: 200, body: releaseJson(ctx.fake, release) }
  },

  'repos/get-release': (ctx) => ({ status: 200, body: releaseJson(ctx.fake, findRelease(ctx, intParam(ctx, 'release_id'))) }),

  'repos/update-release': (ctx) => {
    const { state } = ctx.fake
    const release = findRelease(ctx, intParam(ctx, 'release_id'))
    const b = bodyOf<ReleaseBody>(ctx)
    if (release.immutable) {
      if (b.draft === true) throw immutableError('state cannot be changed when release is immutable')
      if (b.tag_name !== undefined && b.tag_name !== release.tag_name) throw immutableError('tag_name cannot be changed when release is immutable')
      if (b.target_commitish !== undefined && b.target_commitish !== release.target_commitish) throw immutableError('target_commitish cannot be changed when release is immutable')
    }
    const wasDraft = release.draft
    const previous = { tag_name: release.tag_name, target_commitish: release.target_commitish }
    if (b.tag_name !== undefined) release.tag_name = b.tag_name
    if (b.target_commitish !== undefined) release.target_commitish = b.target_commitish
    try {
      if (wasDraft && b.draft === false) publish(ctx, release)
      else if (!wasDraft && b.tag_name !== undefined && b.tag_name !== previous.tag_name) {
        // Retagging a published release: same checks as publishing it anew.
        release.draft = true
        publish(ctx, release)
      }
    } catch (error) {
      Object.assign(release, previous, { draft: wasDraft })
      throw error
    }
    if (!wasDraft && b.draft === true) {
      release.draft = true
      release.published_at = null
    }
    if (b.name !== undefined) release.name = b.name
    if (b.body !== undefined) release.body = b.body
    if (b.prerelease !== undefined) release.prerelease = b.prerelease
    if (b.make_latest !== undefined) release.make_latest = b.make_latest
    release.updated_at = iso()
    state.releases.set(release.id, release)
    return { status: 200, body: releaseJson(ctx.fake, release) }
  },

  'repos/delete-release': (ctx) => {
    const release = findRelease(ctx, intParam(ctx, 'release_id'))
    // The tag stays; an immutable release's tag name stays reserved (state.reservedTags).
    ctx.fake.state.releases.delete(release.id)
    return { status: 204 }
  },

  'repos/list-release-assets': (ctx) => {
    const release = findRelease(ctx, intParam(ctx, 'release_id'))
    return paginate(release.assets, ctx.query, ctx.selfUrl, (page) => page.map((a) => assetJson(ctx.fake, a, release)))
  },

  'repos/upload-release-asset': (ctx) => {
    const { state } = ctx.fake
    const release = findRelease(ctx, intParam(ctx, 'release_id'))
    const rawName = ctx.query.get('name')
    if (!rawName) throw validationFailed({ resource: 'ReleaseAsset', code: 'missing_field', field: 'name' })
    if (release.immutable) throw new HttpError(422, 'Cannot upload assets to an immutable release.')
    const name = sanitizeAssetName(rawName)
    if (release.assets.some((a) => a.name === name)) throw validationFailed({ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' })
    const contentType = ctx.headers['content-type'] ?? 'application/octet-stream'
    const bytes = new Uint8Array(ctx.rawBody)
    const now = iso()
    const asset: AssetRec = {
      id: state.nextId(),
      release_id: release.id,
      name,
      label: ctx.query.get('label') ?? null,
      content_type: contentType,
      size: bytes.length,
      content: bytes,
      state: 'uploaded',
      digest: `sha256:${sha256(bytes)}`,
      uploader: ctx.caller.user,
      download_count: 0,
      created_at: now,
      updated_at: now,
    }
    release.assets.push(asset)
    return { status: 201, body: assetJson(ctx.fake, asset, release) }
  },

  'repos/get-release-asset': (ctx) => {
    const { asset, release } = findAsset(ctx)
    if (/application\/octet-stream/i.test(String(ctx.headers.accept ?? ''))) {
      // GitHub redirects to short-lived signed storage (another origin: Authorization is not forwarded).
      const location = ctx.fake.signBlobUrl(`/blob/release-assets/${asset.id}/${encodeURIComponent(asset.name)}`)
      return { status: 302, headers: { location } }
    }
    return { status: 200, body: assetJson(ctx.fake, asset, release) }
  },

  'repos/update-release-asset': (ctx) => {
    const { asset, release } = findAsset(ctx)
    if (release.immutable) throw new HttpError(422, 'Cannot modify assets of an immutable release.')
    const b = bodyOf<{ name: string; label: string }>(ctx)
    if (b.name !== undefined) {
      const name = sanitizeAssetName(b.name)
      if (release.assets.some((a) => a !== asset && a.name === name)) throw validationFailed({ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' })
      asset.name = name
    }
    if (b.label !== undefined) asset.label = b.label
    asset.updated_at = iso()
    return { status: 200, body: assetJson(ctx.fake, asset, release) }
  },

  'repos/delete-release-asset': (ctx) => {
    const { asset, release } = findAsset(ctx)
    if (release.immutable) throw new HttpError(422, 'Cannot delete assets from an immutable release.')
    release.assets.splice(release.assets.indexOf(asset), 1)
    return { status: 204 }
  },
}
