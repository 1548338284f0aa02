import { iso, notFound, paginate, validationFailed } from '../http.js'
import { commentJson } from '../present.js'
import type { CommentRec, FakeState } from '../state.js'
import { bodyOf, intParam, type Handlers, type RouteContext } from './types.js'

const MAX_BODY = 65536

function checkBody(body: unknown): string {
  if (typeof body !== 'string' || body.trim() === '') throw validationFailed({ resource: 'IssueComment', code: 'missing_field', field: 'body' })
  if ([...body].length > MAX_BODY) {
    throw validationFailed({ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_BODY} characters)` })
  }
  return body
}

function findComment(state: FakeState, id: number): CommentRec {
  for (const list of state.comments.values()) {
    const found = list.find((c) => c.id === id)
    if (found) return found
  }
  throw notFound()
}

function issueNumber(ctx: RouteContext): number {
  const n = intParam(ctx, 'issue_number')
  if (!ctx.fake.state.issues.has(n)) throw notFound()
  return n
}

export const issueHandlers: Handlers = {
  'issues/list-comments': (ctx) => {
    const n = issueNumber(ctx)
    const since = ctx.query.get('since')
    let list = ctx.fake.state.comments.get(n) ?? []
    if (since) list = list.filter((c) => c.updated_at >= iso(Date.parse(since)))
    return paginate(list, ctx.query, ctx.selfUrl, (page) => page.map((c) => commentJson(ctx.fake, c)))
  },
  'issues/create-comment': (ctx) => {
    const n = issueNumber(ctx)
    const body = checkBody(bodyOf<{ body: string }>(ctx).body)
    const rec = ctx.fake.state.addComment(n, body, ctx.caller.user.login)
    const json = commentJson(ctx.fake, rec)
    return { status: 201, body: json, headers: { location: json.url } }
  },
  'issues/get-comment': (ctx) => ({ status: 200, body: commentJson(ctx.fake, findComment(ctx.fake.state, intParam(ctx, 'comment_id'))) }),
  'issues/update-comment': (ctx) => {
    const rec = findComment(ctx.fake.state, intParam(ctx, 'comment_id'))
    rec.body = checkBody(bodyOf<{ body: string }>(ctx).body)
    rec.updated_at = iso()
    return { status: 200, body: commentJson(ctx.fake, rec) }
  },
  'issues/delete-comment': (ctx) => {
    const rec = findComment(ctx.fake.state, intParam(ctx, 'comment_id'))
    const list = ctx.fake.state.comments.get(rec.issue_number) ?? []
    list.splice(list.indexOf(rec), 1)
    return { status: 204 }
  },
}
