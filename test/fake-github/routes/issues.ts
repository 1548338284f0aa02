import { iso, notFound, paginate, validationFailed } from '../http.js'
import { commentJson, issueJson } from '../present.js'
import type { CommentRec, FakeState, IssueRec } from '../state.js'
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

function findIssue(ctx: RouteContext): IssueRec {
  const issue = ctx.fake.state.issueRecs.get(intParam(ctx, 'issue_number'))
  if (!issue) throw notFound()
  return issue
}

function checkIssueBody(body: unknown): string | null {
  if (body === undefined || body === null) return null
  if ([...String(body)].length > MAX_BODY) throw validationFailed({ resource: 'Issue', code: 'custom', field: 'body', message: `body is too long (maximum is ${MAX_BODY} characters)` })
  return String(body)
}

const labelNames = (labels: unknown): string[] => (Array.isArray(labels) ? labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: string }).name))) : [])

export const issueHandlers: Handlers = {
  'issues/create': (ctx) => {
    const input = bodyOf<{ title: string; body: string; labels: unknown[] }>(ctx)
    if (typeof input.title !== 'string' || input.title.trim() === '') throw validationFailed({ resource: 'Issue', code: 'missing_field', field: 'title' })
    const state = ctx.fake.state
    const now = iso()
    const rec: IssueRec = { number: state.addIssue(), title: input.title, body: checkIssueBody(input.body), state: 'open', state_reason: null, labels: labelNames(input.labels), user: state.user(ctx.caller.user.login), created_at: now, updated_at: now, closed_at: null }
    state.issueRecs.set(rec.number, rec)
    const json = issueJson(ctx.fake, rec)
    return { status: 201, body: json, headers: { location: json.url } }
  },
  'issues/get': (ctx) => ({ status: 200, body: issueJson(ctx.fake, findIssue(ctx)) }),
  'issues/update': (ctx) => {
    const rec = findIssue(ctx)
    const input = bodyOf<{ title: string; body: string | null; state: 'open' | 'closed'; state_reason: IssueRec['state_reason']; labels: unknown[] }>(ctx)
    if (input.title !== undefined) rec.title = input.title
    if (input.body !== undefined) rec.body = checkIssueBody(input.body)
    if (input.labels !== undefined) rec.labels = labelNames(input.labels)
    if (input.state !== undefined && input.state !== rec.state) {
      rec.state = input.state
      rec.closed_at = input.state === 'closed' ? iso() : null
      rec.state_reason = input.state === 'closed' ? (input.state_reason ?? 'completed') : 'reopened'
    }
    rec.updated_at = iso()
    return { status: 200, body: issueJson(ctx.fake, rec) }
  },
  'issues/list-for-repo': (ctx) => {
    const q = ctx.query
    const state = q.get('state') ?? 'open'
    const labels = (q.get('labels') ?? '').split(',').filter((l) => l !== '')
    const creator = q.get('creator')
    const asc = q.get('direction') === 'asc'
    const list = [...ctx.fake.state.issueRecs.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .filter((i) => creator === null || i.user.login === creator)
      .sort((a, b) => (asc ? a.number - b.number : b.number - a.number))
    return paginate(list, q, ctx.selfUrl, (page) => page.map((i) => issueJson(ctx.fake, i)))
  },

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
