import { HttpError, notFound, paginate } from '../http.js'
import { pullJson, pullSimpleJson, reviewJson } from '../present.js'
import { intParam, type Handlers } from './types.js'

export const pullHandlers: Handlers = {
  'repos/list-pull-requests-associated-with-commit': (ctx) => {
    const { state } = ctx.fake
    const sha = ctx.params.commit_sha ?? ''
    const commit = state.commits.get(sha)
    if (!commit) throw new HttpError(422, `No commit found for SHA: ${sha}`)
    const numbers = new Set(commit.pulls)
    for (const pull of state.pulls.values()) if (pull.head.sha === sha || pull.merge_commit_sha === sha) numbers.add(pull.number)
    const pulls = [...numbers].sort((a, b) => b - a).map((n) => state.pulls.get(n)).filter((p) => p !== undefined)
    return paginate(pulls, ctx.query, ctx.selfUrl, (page) => page.map((p) => pullSimpleJson(ctx.fake, p)))
  },
  'pulls/get': (ctx) => {
    const pull = ctx.fake.state.pulls.get(intParam(ctx, 'pull_number'))
    if (!pull) throw notFound()
    return { status: 200, body: pullJson(ctx.fake, pull) }
  },
  'pulls/list-reviews': (ctx) => {
    const n = intParam(ctx, 'pull_number')
    if (!ctx.fake.state.pulls.has(n)) throw notFound()
    const reviews = ctx.fake.state.reviews.get(n) ?? []
    return paginate(reviews, ctx.query, ctx.selfUrl, (page) => page.map((r) => reviewJson(ctx.fake, r)))
  },
}
