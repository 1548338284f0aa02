import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGitHubClient, type GitHubClient } from '../../src/github/octokit.js'
import { findStickyComment, upsertStickyComment, type StickyTarget } from '../../src/github/sticky-comment.js'
import { appBotLogin, resolveTokenIdentity, WORKFLOW_TOKEN_LOGIN } from '../../src/github/token-identity.js'
import { renderReportMarker } from '../../src/report/render-report.js'
import { startFakeGitHub, type FakeGitHub } from '../fake-github/server.js'

// Note: Octokit's throttling spaces comment creation 3 s apart within a process, so this file
// keeps the number of created comments small.

const MARKER = renderReportMarker('penguin-classifier')
const USER_TOKEN = 'ghp_fake_user_token'

let fake: FakeGitHub
let github: GitHubClient
let pr: number
let target: StickyTarget

beforeEach(async () => {
  fake = await startFakeGitHub()
  github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
  pr = fake.state.addPullRequest({ head: { ref: 'feature/tune-lr' } }).number
  target = { owner: fake.owner, repo: fake.repo, issueNumber: pr, marker: MARKER, author: WORKFLOW_TOKEN_LOGIN }
})

afterEach(async () => {
  expect(fake.violations).toEqual([])
  await fake.close()
})

const comments = () => fake.state.comments.get(pr) ?? []
const creates = () => fake.countCalls({ operationId: 'issues/create-comment' })
const updates = () => fake.countCalls({ operationId: 'issues/update-comment' })

describe('upsertStickyComment', () => {
  it('creates the comment once, then updates it in place', async () => {
    const first = await upsertStickyComment(github, { ...target, body: `${MARKER}\nfirst` })
    expect(first).toMatchObject({ action: 'created', url: `https://github.com/octo/penguins/pull/${pr}#issuecomment-${first.id}` })
    const second = await upsertStickyComment(github, { ...target, body: `${MARKER}\nsecond` })
    expect(second).toEqual({ ...first, action: 'updated' })
    expect(comments().map((c) => [c.user.login, c.body])).toEqual([[WORKFLOW_TOKEN_LOGIN, `${MARKER}\nsecond`]])
    expect([creates(), updates()]).toEqual([1, 1])
  })

  it('leaves alone a comment by someone else that quotes the marker, and one of ours for another model', async () => {
    const quoted = fake.state.addComment(pr, `> ${MARKER}\n> this bot is wrong`, 'mallory')
    const otherModel = fake.state.addComment(pr, `${renderReportMarker('penguin-regressor')}\nreport`, WORKFLOW_TOKEN_LOGIN)
    const result = await upsertStickyComment(github, { ...target, body: `${MARKER}\nours` })
    expect(result.action).toBe('created')
    expect(comments().map((c) => c.body)).toEqual([quoted.body, otherModel.body, `${MARKER}\nours`])
    expect(updates()).toBe(0)
  })

  it('finds ours among 250 comments on the third page', async () => {
    for (let i = 0; i < 250; i++) {
      if (i === 230) fake.state.addComment(pr, `${MARKER}\nours`, WORKFLOW_TOKEN_LOGIN)
      else fake.state.addComment(pr, i % 50 === 0 ? `${MARKER}\nimpostor ${i}` : `comment ${i}`, i % 2 ? 'octocat' : 'mallory')
    }
    const found = await findStickyComment(github, target)
    expect(found?.body).toBe(`${MARKER}\nours`)
    const pages = fake.calls({ operationId: 'issues/list-comments' })
    expect(pages.map((p) => [p.query.per_page, p.query.page ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2'],
      ['100', '3'],
    ])
    const result = await upsertStickyComment(github, { ...target, body: `${MARKER}\nupdated`, existing: found })
    expect(result).toMatchObject({ id: found!.id, action: 'updated' })
    expect(creates()).toBe(0)
    expect(comments()).toHaveLength(250)
  })

  it('does not make a second comment when GitHub made the first but the answer was lost', async () => {
    fake.inject({ operationId: 'issues/create-comment', status: 502, after: true })
    const result = await upsertStickyComment(github, { ...target, body: `${MARKER}\nonce` })
    expect(result.action).toBe('created')
    expect(comments().map((c) => c.body)).toEqual([`${MARKER}\nonce`])
    expect(creates()).toBe(1)
  })

  it('tries again when the create failed before GitHub acted', async () => {
    fake.inject({ operationId: 'issues/create-comment', status: 503 })
    const result = await upsertStickyComment(github, { ...target, body: `${MARKER}\nretried` })
    expect(result.action).toBe('created')
    expect(comments().map((c) => c.body)).toEqual([`${MARKER}\nretried`])
    expect(creates()).toBe(2)
  })

  it('refuses a body over GitHub\'s limit or without the marker, before any request', async () => {
    await expect(upsertStickyComment(github, { ...target, body: `${MARKER}\n${'x'.repeat(65_536)}` })).rejects.toThrow(/GitHub allows 65536/)
    await expect(upsertStickyComment(github, { ...target, body: 'no marker' })).rejects.toThrow(/marker/)
    expect(fake.requests).toHaveLength(0)
  })
})

describe('resolveTokenIdentity', () => {
  it('is github-actions[bot] for the workflow token (403 on /user), asked once per client', async () => {
    expect(await resolveTokenIdentity(github)).toEqual({ kind: 'installation', login: 'github-actions[bot]' })
    expect(await resolveTokenIdentity(github)).toEqual({ kind: 'installation', login: 'github-actions[bot]' })
    const asked = fake.calls({ operationId: 'users/get-authenticated' })
    expect(asked.map((c) => c.status)).toEqual([403]) // and not retried
  })

  it('is the login of a personal access token, whose comments it then finds', async () => {
    const pat = createGitHubClient({ token: USER_TOKEN, baseUrl: fake.url })
    const identity = await resolveTokenIdentity(pat)
    expect(identity).toEqual({ kind: 'user', login: 'octocat' })
    const mine = fake.state.addComment(pr, `${MARKER}\nby octocat`, 'octocat')
    fake.state.addComment(pr, `${MARKER}\nby the bot`, WORKFLOW_TOKEN_LOGIN)
    expect((await findStickyComment(pat, { ...target, author: identity.login }))?.id).toBe(mine.id)
  })

  it('takes an override (a GitHub App token) without asking', async () => {
    expect(await resolveTokenIdentity(github, { override: appBotLogin('mlops-app') })).toEqual({ kind: 'override', login: 'mlops-app[bot]' })
    expect(fake.requests).toHaveLength(0)
  })
})
