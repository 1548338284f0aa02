import { HttpError, notFound } from '../http.js'
import { refJson, tagObjectJson } from '../present.js'
import type { FakeState } from '../state.js'
import { bodyOf, type Handlers } from './types.js'

const SHA = /^[0-9a-f]{40}$/

/** A tag ref a published immutable release stands on cannot be moved or deleted while the release exists. */
function assertTagMutable(state: FakeState, ref: string, action: 'update' | 'delete'): void {
  const m = /^refs\/tags\/(.+)$/.exec(ref)
  if (!m) return
  for (const release of state.releases.values()) {
    if (release.immutable && release.tag_name === m[1]) {
      throw new HttpError(422, `Cannot ${action} ${ref}: the tag belongs to an immutable release`)
    }
  }
}

function assertObject(state: FakeState, sha: string): void {
  if (!SHA.test(sha) || !state.hasObject(sha)) throw new HttpError(422, 'Object does not exist')
}

/** True when `descendant` has `ancestor` in its history (following recorded parents). */
function isAncestor(state: FakeState, ancestor: string, descendant: string): boolean {
  const seen = new Set<string>()
  const queue = [descendant]
  while (queue.length > 0) {
    const sha = queue.shift()!
    if (sha === ancestor) return true
    if (seen.has(sha)) continue
    seen.add(sha)
    queue.push(...(state.commits.get(sha)?.parents ?? []))
  }
  return false
}

export const gitHandlers: Handlers = {
  'git/list-matching-refs': (ctx) => {
    const prefix = `refs/${ctx.params.ref}`
    const refs = [...ctx.fake.state.refs.entries()].filter(([ref]) => ref.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return { status: 200, body: refs.map(([ref, sha]) => refJson(ctx.fake, ref, sha)) }
  },
  'git/get-ref': (ctx) => {
    const ref = `refs/${ctx.params.ref}`
    const sha = ctx.fake.state.refs.get(ref)
    if (!sha) throw notFound()
    return { status: 200, body: refJson(ctx.fake, ref, sha) }
  },
  'git/create-ref': (ctx) => {
    const { state } = ctx.fake
    const { ref = '', sha = '' } = bodyOf<{ ref: string; sha: string }>(ctx)
    if (!ref.startsWith('refs/') || ref.split('/').length < 3 || ref.endsWith('/')) throw new HttpError(422, `${ref} is not a valid ref name.`)
    assertObject(state, sha)
    if (state.refs.has(ref)) throw new HttpError(422, 'Reference already exists')
    const tag = /^refs\/tags\/(.+)$/.exec(ref)?.[1]
    if (tag && state.reservedTags.has(tag)) {
      throw new HttpError(422, 'Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n')
    }
    state.refs.set(ref, sha)
    const json = refJson(ctx.fake, ref, sha)
    return { status: 201, body: json, headers: { location: json.url } }
  },
  'git/update-ref': (ctx) => {
    const { state } = ctx.fake
    const ref = `refs/${ctx.params.ref}`
    const { sha = '', force = false } = bodyOf<{ sha: string; force: boolean }>(ctx)
    const current = state.refs.get(ref)
    if (!current) throw new HttpError(422, 'Reference does not exist')
    assertObject(state, sha)
    assertTagMutable(state, ref, 'update')
    if (!force && current !== sha) {
      const from = state.resolveCommitish(current)
      const to = state.resolveCommitish(sha)
      if (!from || !to || !isAncestor(state, from, to)) throw new HttpError(422, 'Update is not a fast forward')
    }
    state.refs.set(ref, sha)
    return { status: 200, body: refJson(ctx.fake, ref, sha) }
  },
  'git/delete-ref': (ctx) => {
    const { state } = ctx.fake
    const ref = `refs/${ctx.params.ref}`
    if (!state.refs.has(ref)) throw new HttpError(422, 'Reference does not exist')
    assertTagMutable(state, ref, 'delete')
    state.refs.delete(ref)
    return { status: 204 }
  },
  'git/create-tag': (ctx) => {
    const { state } = ctx.fake
    const b = bodyOf<{ tag: string; message: string; object: string; type: 'commit' | 'tree' | 'blob'; tagger: { name: string; email: string; date?: string } }>(ctx)
    assertObject(state, b.object ?? '')
    const rec = state.createTagObject(b.tag ?? '', b.message ?? '', { sha: b.object!, type: state.tagObjects.has(b.object!) ? 'tag' : (b.type ?? 'commit') }, b.tagger)
    const json = tagObjectJson(ctx.fake, rec)
    return { status: 201, body: json, headers: { location: json.url } }
  },
  'git/get-tag': (ctx) => {
    const rec = ctx.fake.state.tagObjects.get(ctx.params.tag_sha ?? '')
    if (!rec) throw notFound()
    return { status: 200, body: tagObjectJson(ctx.fake, rec) }
  },
}
