import { HttpError, iso, notFound, validationFailed } from '../http.js'
import { repoJson, userJson } from '../present.js'
import { bodyOf, type Handlers } from './types.js'

export const repoHandlers: Handlers = {
  'users/get-authenticated': (ctx) => {
    // Installation tokens (the workflow GITHUB_TOKEN) are not users.
    if (ctx.caller.spec.kind === 'app') throw new HttpError(403, 'Resource not accessible by integration')
    return { status: 200, body: { ...userJson(ctx.fake, ctx.caller.user), name: null, created_at: '2011-01-25T18:44:36Z', updated_at: iso() } }
  },
  'repos/get': (ctx) => ({ status: 200, body: repoJson(ctx.fake) }),
  'repos/check-immutable-releases': (ctx) => {
    if (!ctx.fake.state.immutableReleases) throw notFound()
    return { status: 200, body: { enabled: true, enforced_by_owner: false } }
  },
  'repos/create-dispatch-event': (ctx) => {
    const b = bodyOf<{ event_type: string; client_payload: Record<string, unknown> }>(ctx)
    const payloadSize = Buffer.byteLength(JSON.stringify(b.client_payload ?? {}))
    if (payloadSize >= 64 * 1024) throw validationFailed({ resource: 'Repository', code: 'custom', field: 'client_payload', message: 'client_payload is too large' })
    ctx.fake.state.dispatches.push({ event_type: b.event_type ?? '', client_payload: b.client_payload, sender: ctx.caller.user.login, at: iso() })
    return { status: 204 }
  },
}
