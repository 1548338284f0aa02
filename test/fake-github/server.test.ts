import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { Octokit } from '@octokit/rest'
import { performance } from 'node:perf_hooks'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeGitHub, unzipFiles, type FakeGitHub } from './server.js'

// The fake GitHub driven by a real @octokit/rest client with the retry and throttling plugins.

const RetryingOctokit = Octokit.plugin(retry, throttling)

/** A Bottleneck group stand-in without spacing: the throttling plugin's 1 s/3 s write spacing would only slow these tests. */
const unspaced = { key: () => ({ schedule: (...args: unknown[]) => (args.find((a) => typeof a === 'function') as () => unknown)() }) } as never

interface LimitEvent {
  kind: 'primary' | 'secondary'
  retryAfter: number
  retryCount: number
}

function client(fake: FakeGitHub, opts: { token?: string } = {}) {
  const limits: LimitEvent[] = []
  const octokit = new RetryingOctokit({
    auth: opts.token ?? fake.token,
    baseUrl: fake.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    // Retry waits (retryCount+1)^2 * 30 ms instead of seconds; rate-limit waits stay real (retry-after).
    retry: { retryAfterBaseValue: 30 },
    throttle: {
      write: unspaced,
      notifications: unspaced,
      onRateLimit: (retryAfter, _options, _octokit, retryCount) => {
        limits.push({ kind: 'primary', retryAfter, retryCount })
        return retryCount < 2
      },
      onSecondaryRateLimit: (retryAfter, _options, _octokit, retryCount) => {
        limits.push({ kind: 'secondary', retryAfter, retryCount })
        return retryCount < 2
      },
    },
  })
  return Object.assign(octokit, { limits })
}

const statusOf = async (p: Promise<unknown>): Promise<{ status: number; data: { message?: string; errors?: unknown[]; documentation_url?: string } }> => {
  try {
    await p
    return { status: 200, data: {} }
  } catch (error) {
    const e = error as { status: number; response?: { data: unknown } }
    return { status: e.status, data: (e.response?.data ?? {}) as never }
  }
}

let fake: FakeGitHub
let gh: ReturnType<typeof client>
let owner: string
let repo: string

beforeAll(async () => {
  // Warm the OpenAPI cache so that every later start is measured without it.
  await (await startFakeGitHub()).close()
})

beforeEach(async () => {
  fake = await startFakeGitHub()
  gh = client(fake)
  ;({ owner, repo } = fake)
})

afterEach(async () => {
  // Nothing the fake answered may contradict GitHub's response schemas.
  expect(fake.responseViolations).toEqual([])
  await fake.close()
})

describe('server', () => {
  it('loads the OpenAPI description once and starts fast afterwards', async () => {
    expect(fake.openApiStats.operations).toBeGreaterThan(1000)
    const t = performance.now()
    const second = await startFakeGitHub()
    const ms = performance.now() - t
    await second.close()
    expect(ms).toBeLessThan(2000)
    expect(second.openApiStats).toBe(fake.openApiStats)
  })

  it('authenticates like GitHub: apps are not users, unknown tokens are bad credentials', async () => {
    expect(await statusOf(gh.rest.users.getAuthenticated())).toMatchObject({ status: 403, data: { message: 'Resource not accessible by integration' } })
    const user = client(fake, { token: 'ghp_fake_user_token' })
    expect((await user.rest.users.getAuthenticated()).data.login).toBe('octocat')
    expect(await statusOf(client(fake, { token: 'nope' }).rest.repos.get({ owner, repo }))).toMatchObject({ status: 401, data: { message: 'Bad credentials' } })
    const anonymous = new Octokit({ baseUrl: fake.url, log: { debug() {}, info() {}, warn() {}, error() {} } })
    expect((await statusOf(anonymous.rest.repos.get({ owner, repo }))).status).toBe(401)
    expect(fake.violations).toEqual([])
  })
})

describe('issue comments', () => {
  it('pages 250 comments with per_page and Link headers', async () => {
    const issue = fake.state.addIssue(7)
    for (let i = 0; i < 250; i++) fake.state.addComment(issue, `comment ${i}`)
    const first = await gh.rest.issues.listComments({ owner, repo, issue_number: issue, per_page: 100 })
    expect(first.data).toHaveLength(100)
    expect(first.headers.link).toContain('rel="next"')
    expect(first.headers.link).toContain('page=3>; rel="last"')
    const all = await gh.paginate(gh.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 })
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 250 }, (_, i) => `comment ${i}`))
    expect(fake.countCalls({ operationId: 'issues/list-comments' })).toBe(4)
    const defaults = await gh.rest.issues.listComments({ owner, repo, issue_number: issue })
    expect(defaults.data).toHaveLength(30)
    expect(fake.violations).toEqual([])
  })

  it('creates, edits and deletes comments as the token user; enforces the 65536 limit and read-only tokens', async () => {
    const issue = fake.state.addIssue()
    const created = await gh.rest.issues.createComment({ owner, repo, issue_number: issue, body: 'hello' })
    expect(created.status).toBe(201)
    expect(created.data.user?.login).toBe('github-actions[bot]')
    expect(created.data.user?.type).toBe('Bot')
    expect(created.data.html_url).toMatch(/^https:\/\/github\.com\/octo\/penguins\/issues\/\d+#issuecomment-\d+$/)
    const updated = await gh.rest.issues.updateComment({ owner, repo, comment_id: created.data.id, body: 'edited' })
    expect(updated.data.body).toBe('edited')
    expect(fake.state.comments.get(issue)?.map((c) => c.body)).toEqual(['edited'])

    const tooLong = await statusOf(gh.rest.issues.createComment({ owner, repo, issue_number: issue, body: 'x'.repeat(65537) }))
    expect(tooLong).toMatchObject({ status: 422, data: { message: 'Validation Failed', errors: [{ resource: 'IssueComment', field: 'body', code: 'custom' }] } })
    expect((await gh.rest.issues.createComment({ owner, repo, issue_number: issue, body: 'x'.repeat(65536) })).status).toBe(201)

    const fork = client(fake, { token: 'ghs_fake_fork_pr_token' })
    expect(await statusOf(fork.rest.issues.createComment({ owner, repo, issue_number: issue, body: 'no' }))).toMatchObject({ status: 403, data: { message: 'Resource not accessible by integration' } })
    expect((await fork.rest.issues.listComments({ owner, repo, issue_number: issue })).data).toHaveLength(2)

    await gh.rest.issues.deleteComment({ owner, repo, comment_id: created.data.id })
    expect((await statusOf(gh.rest.issues.getComment({ owner, repo, comment_id: created.data.id }))).status).toBe(404)
    expect((await statusOf(gh.rest.issues.createComment({ owner, repo, issue_number: 999, body: 'x' }))).status).toBe(404)
    expect(fake.violations).toEqual([])
  })
})

describe('git data', () => {
  it('creates refs, refuses an existing one with 422, and matches annotated tags as type tag', async () => {
    const sha = fake.state.addCommit()
    const created = await gh.rest.git.createRef({ owner, repo, ref: 'refs/tags/penguin-classifier@v1.0.0', sha })
    expect(created.status).toBe(201)
    expect(await statusOf(gh.rest.git.createRef({ owner, repo, ref: 'refs/tags/penguin-classifier@v1.0.0', sha }))).toMatchObject({
      status: 422,
      data: { message: 'Reference already exists' },
    })
    expect(await statusOf(gh.rest.git.createRef({ owner, repo, ref: 'refs/tags/x', sha: 'f'.repeat(40) }))).toMatchObject({ status: 422, data: { message: 'Object does not exist' } })

    const tag = await gh.rest.git.createTag({ owner, repo, tag: 'penguin-classifier#prod#1', message: 'promote', object: sha, type: 'commit', tagger: { name: 'bot', email: 'bot@example.com' } })
    await gh.rest.git.createRef({ owner, repo, ref: 'refs/tags/penguin-classifier#prod#1', sha: tag.data.sha })
    const matching = await gh.rest.git.listMatchingRefs({ owner, repo, ref: 'tags/penguin-classifier' })
    expect(matching.data.map((r) => [r.ref, r.object.type])).toEqual([
      ['refs/tags/penguin-classifier#prod#1', 'tag'],
      ['refs/tags/penguin-classifier@v1.0.0', 'commit'],
    ])
    expect((await gh.rest.git.getTag({ owner, repo, tag_sha: tag.data.sha })).data).toMatchObject({ tag: 'penguin-classifier#prod#1', object: { sha, type: 'commit' } })
    // Octokit encodes the slash (tags%2F...); the fake accepts both forms like GitHub.
    expect((await gh.rest.git.getRef({ owner, repo, ref: 'tags/penguin-classifier#prod#1' })).data.object.sha).toBe(tag.data.sha)
    expect(fake.requests.at(-1)?.path).toContain('tags%2Fpenguin-classifier%23prod%231')
    expect((await gh.request('GET /repos/{owner}/{repo}/git/ref/tags/penguin-classifier@v1.0.0', { owner, repo })).status).toBe(200)
    expect((await statusOf(gh.rest.git.getRef({ owner, repo, ref: 'tags/missing' }))).status).toBe(404)

    const next = fake.state.addCommit({ parents: [sha] })
    await gh.rest.git.createRef({ owner, repo, ref: 'refs/heads/feature', sha })
    expect((await gh.rest.git.updateRef({ owner, repo, ref: 'heads/feature', sha: next })).data.object.sha).toBe(next)
    expect(await statusOf(gh.rest.git.updateRef({ owner, repo, ref: 'heads/feature', sha }))).toMatchObject({ status: 422, data: { message: 'Update is not a fast forward' } })
    await gh.rest.git.deleteRef({ owner, repo, ref: 'heads/feature' })
    expect(fake.state.refs.has('refs/heads/feature')).toBe(false)
    expect(fake.violations).toEqual([])
  })
})

describe('pull requests', () => {
  it('finds the pull requests of a commit, a fork head, and paged reviews', async () => {
    const pr = fake.state.addPullRequest({ head: { ref: 'feature', repo: 'someone/penguins' }, labels: ['mlops:promote'] })
    for (let i = 0; i < 3; i++) fake.state.addReview(pr.number, { state: i === 2 ? 'APPROVED' : 'COMMENTED' })
    const merged = fake.state.addPullRequest({ head: { ref: 'other' }, merged: true })

    const forHead = await gh.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: pr.head.sha })
    expect(forHead.data.map((p) => p.number)).toEqual([pr.number])
    expect(forHead.data[0]?.head.repo?.full_name).toBe('someone/penguins')
    expect(forHead.data[0]?.head.repo?.fork).toBe(true)
    const forMerge = await gh.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: merged.merge_commit_sha! })
    expect(forMerge.data.map((p) => p.number)).toEqual([merged.number])

    const got = await gh.rest.pulls.get({ owner, repo, pull_number: merged.number })
    expect(got.data).toMatchObject({ merged: true, merge_commit_sha: merged.merge_commit_sha, state: 'closed', base: { ref: 'main' } })
    expect((await gh.rest.pulls.get({ owner, repo, pull_number: pr.number })).data.labels.map((l) => l.name)).toEqual(['mlops:promote'])
    const reviews = await gh.paginate(gh.rest.pulls.listReviews, { owner, repo, pull_number: pr.number, per_page: 2 })
    expect(reviews.map((r) => r.state)).toEqual(['COMMENTED', 'COMMENTED', 'APPROVED'])
    expect((await statusOf(gh.rest.pulls.get({ owner, repo, pull_number: 404 }))).status).toBe(404)
    expect((await statusOf(gh.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: 'a'.repeat(40) }))).status).toBe(422)
    expect(fake.violations).toEqual([])
  })
})

describe('releases', () => {
  it('creates a lightweight tag at target_commitish when the tag does not exist', async () => {
    const sha = fake.state.addCommit()
    fake.state.setRef('refs/heads/release', sha)
    const release = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'penguin-classifier@v1.0.0', target_commitish: 'release' })
    expect(release.status).toBe(201)
    expect(release.data.upload_url).toBe(`${fake.uploadsUrl}/repos/${owner}/${repo}/releases/${release.data.id}/assets{?name,label}`)
    expect(fake.state.tagsCreatedByReleases).toEqual([{ tag: 'penguin-classifier@v1.0.0', sha, release_id: release.data.id }])
    const ref = await gh.rest.git.getRef({ owner, repo, ref: 'tags/penguin-classifier@v1.0.0' })
    expect(ref.data.object).toMatchObject({ type: 'commit', sha })
    expect(await statusOf(gh.rest.repos.createRelease({ owner, repo, tag_name: 'penguin-classifier@v1.0.0' }))).toMatchObject({
      status: 422,
      data: { message: 'Validation Failed', errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] },
    })
    // A draft makes no tag until it is published.
    await gh.rest.repos.createRelease({ owner, repo, tag_name: 'draft-tag', draft: true })
    expect(fake.state.refs.has('refs/tags/draft-tag')).toBe(false)
    expect(fake.violations).toEqual([])
  })

  it('hides drafts from releases/tags and from read-only tokens', async () => {
    const draft = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'v2', draft: true })
    expect((await statusOf(gh.rest.repos.getReleaseByTag({ owner, repo, tag: 'v2' }))).status).toBe(404)
    expect((await gh.rest.repos.getRelease({ owner, repo, release_id: draft.data.id })).data.draft).toBe(true)
    expect((await gh.rest.repos.listReleases({ owner, repo })).data.map((r) => r.id)).toEqual([draft.data.id])
    const reader = client(fake, { token: 'ghs_fake_fork_pr_token' })
    expect((await reader.rest.repos.listReleases({ owner, repo })).data).toEqual([])
    expect((await statusOf(reader.rest.repos.getRelease({ owner, repo, release_id: draft.data.id }))).status).toBe(404)
    await gh.rest.repos.updateRelease({ owner, repo, release_id: draft.data.id, draft: false })
    expect((await gh.rest.repos.getReleaseByTag({ owner, repo, tag: 'v2' })).data.id).toBe(draft.data.id)
    expect(fake.violations).toEqual([])
  })

  it('uploads assets through upload_url and serves them back as JSON or bytes', async () => {
    const release = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'v1', draft: true })
    const bytes = Buffer.from('model weights \u0000\u0001\u0002')
    const viaUrl = await gh.rest.repos.uploadReleaseAsset({
      url: release.data.upload_url,
      owner,
      repo,
      release_id: release.data.id,
      name: 'model.bin',
      label: 'The model',
      data: bytes as unknown as string,
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(viaUrl.status).toBe(201)
    expect(viaUrl.data).toMatchObject({ name: 'model.bin', label: 'The model', size: bytes.length, state: 'uploaded' })
    expect(viaUrl.data.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const viaBaseUrl = await gh.rest.repos.uploadReleaseAsset({ baseUrl: fake.uploadsUrl, owner, repo, release_id: release.data.id, name: 'metrics.json', data: '{"acc":0.9}', headers: { 'content-type': 'application/json' } })
    expect(viaBaseUrl.data.size).toBe(11)
    expect(await statusOf(gh.rest.repos.uploadReleaseAsset({ url: release.data.upload_url, owner, repo, release_id: release.data.id, name: 'model.bin', data: 'again' }))).toMatchObject({
      status: 422,
      data: { errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] },
    })
    expect(fake.calls({ operationId: 'repos/upload-release-asset' }).map((c) => c.server)).toEqual(['uploads', 'uploads', 'uploads'])

    const asJson = await gh.rest.repos.getReleaseAsset({ owner, repo, asset_id: viaUrl.data.id })
    expect(asJson.data.browser_download_url).toContain('/releases/download/untagged-')
    const asBytes = await gh.rest.repos.getReleaseAsset({ owner, repo, asset_id: viaUrl.data.id, headers: { accept: 'application/octet-stream' } })
    expect(Buffer.from(asBytes.data as unknown as ArrayBuffer)).toEqual(bytes)
    // Followed a 302 to signed storage on another origin, without the Authorization header.
    expect(fake.calls({ server: 'blob' }).map((c) => c.status)).toEqual([200])

    const published = await gh.rest.repos.updateRelease({ owner, repo, release_id: release.data.id, draft: false })
    const download = await fetch(published.data.assets.find((a) => a.name === 'model.bin')!.browser_download_url)
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes)
    expect(fake.violations).toEqual([])
  })

  it('enforces immutable releases: frozen assets and tag, reserved tag name', async () => {
    const release = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'v1', draft: true })
    const asset = await gh.rest.repos.uploadReleaseAsset({ url: release.data.upload_url, owner, repo, release_id: release.data.id, name: 'a.txt', data: 'a' })
    const published = await gh.rest.repos.updateRelease({ owner, repo, release_id: release.data.id, draft: false })
    expect(published.data.immutable).toBe(true)

    expect(await statusOf(gh.rest.repos.uploadReleaseAsset({ url: release.data.upload_url, owner, repo, release_id: release.data.id, name: 'b.txt', data: 'b' }))).toMatchObject({
      status: 422,
      data: { message: 'Cannot upload assets to an immutable release.' },
    })
    expect((await statusOf(gh.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.data.id }))).status).toBe(422)
    expect((await statusOf(gh.rest.repos.updateRelease({ owner, repo, release_id: release.data.id, draft: true }))).status).toBe(422)
    expect((await statusOf(gh.rest.git.deleteRef({ owner, repo, ref: 'tags/v1' }))).status).toBe(422)
    expect((await gh.rest.repos.updateRelease({ owner, repo, release_id: release.data.id, body: 'notes can change' })).data.body).toBe('notes can change')

    await gh.rest.repos.deleteRelease({ owner, repo, release_id: release.data.id })
    await gh.rest.git.deleteRef({ owner, repo, ref: 'tags/v1' })
    expect(await statusOf(gh.rest.repos.createRelease({ owner, repo, tag_name: 'v1' }))).toMatchObject({
      status: 422,
      data: { errors: [{ resource: 'Release', code: 'custom', field: 'tag_name', message: 'tag_name was used by an immutable release' }] },
    })
    expect((await statusOf(gh.rest.git.createRef({ owner, repo, ref: 'refs/tags/v1', sha: fake.state.addCommit() }))).status).toBe(422)

    // With the setting off, a published release stays mutable.
    fake.immutableReleases = false
    const mutable = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'v2' })
    expect(mutable.data.immutable).toBe(false)
    expect((await gh.rest.repos.uploadReleaseAsset({ url: mutable.data.upload_url, owner, repo, release_id: mutable.data.id, name: 'late.txt', data: 'late' })).status).toBe(201)
    expect(fake.violations).toEqual([])
  })
})

describe('actions', () => {
  it('lists runs with filters, lists artifacts and serves their zip through a redirect', async () => {
    const sha = fake.state.addCommit()
    const pr = fake.state.addPullRequest({ head: { ref: 'f', sha } })
    const run = fake.state.addWorkflowRun({ head_sha: sha, event: 'pull_request', conclusion: 'success', pull_requests: [pr.number] })
    fake.state.addWorkflowRun({ head_sha: sha, event: 'pull_request', conclusion: 'failure' })
    fake.state.addWorkflowRun({ event: 'push' })
    const good = await gh.rest.actions.listWorkflowRunsForRepo({ owner, repo, head_sha: sha, event: 'pull_request', status: 'success' })
    expect(good.data.total_count).toBe(1)
    expect(good.data.workflow_runs[0]).toMatchObject({ id: run.id, conclusion: 'success', html_url: `https://github.com/${owner}/${repo}/actions/runs/${run.id}` })
    expect(good.data.workflow_runs[0]?.pull_requests?.[0]?.number).toBe(pr.number)
    expect((await gh.rest.actions.listWorkflowRunsForRepo({ owner, repo, status: 'completed' })).data.total_count).toBe(3)

    const artifact = fake.state.addArtifact(run.id, { name: 'model', files: { 'model.json': '{"w":[1,2]}', 'metrics.json': '{}' } })
    fake.state.addArtifact(run.id, { name: 'old', files: { a: 'a' }, expired: true })
    const listed = await gh.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: run.id, name: 'model' })
    expect(listed.data).toMatchObject({ total_count: 1, artifacts: [{ id: artifact.id, name: 'model', expired: false, size_in_bytes: artifact.archive.length }] })
    const zip = await gh.rest.actions.downloadArtifact({ owner, repo, artifact_id: artifact.id, archive_format: 'zip' })
    expect(new TextDecoder().decode(unzipFiles(new Uint8Array(zip.data as ArrayBuffer))['model.json'])).toBe('{"w":[1,2]}')
    const expired = [...fake.state.artifacts.values()].find((a) => a.expired)!
    expect(await statusOf(gh.rest.actions.downloadArtifact({ owner, repo, artifact_id: expired.id, archive_format: 'zip' }))).toMatchObject({ status: 410 })
    expect(fake.violations).toEqual([])
  })

  it('creates check runs (apps only) and records repository dispatches', async () => {
    const sha = fake.state.addCommit()
    const check = await gh.rest.checks.create({ owner, repo, name: 'mlops', head_sha: sha, status: 'in_progress', output: { title: 'Training', summary: '...' } })
    expect(check.status).toBe(201)
    const done = await gh.rest.checks.update({ owner, repo, check_run_id: check.data.id, conclusion: 'success', output: { title: 'Done', summary: 'ok' } })
    expect(done.data).toMatchObject({ status: 'completed', conclusion: 'success' })
    const user = client(fake, { token: 'ghp_fake_user_token' })
    expect((await statusOf(user.rest.checks.create({ owner, repo, name: 'x', head_sha: sha }))).status).toBe(403)

    expect((await gh.rest.repos.createDispatchEvent({ owner, repo, event_type: 'mlops-promote', client_payload: { model: 'penguins' } })).status).toBe(204)
    expect(fake.state.dispatches).toMatchObject([{ event_type: 'mlops-promote', client_payload: { model: 'penguins' }, sender: 'github-actions[bot]' }])
    expect(fake.violations).toEqual([])
  })
})

describe('other endpoints', () => {
  it('answer in the shapes of the response schemas', async () => {
    expect((await gh.rest.repos.get({ owner, repo })).data).toMatchObject({ full_name: 'octo/penguins', default_branch: 'main', fork: false })
    expect((await gh.rest.repos.checkImmutableReleases({ owner, repo })).data).toEqual({ enabled: true, enforced_by_owner: false })
    fake.immutableReleases = false
    expect((await statusOf(gh.rest.repos.checkImmutableReleases({ owner, repo }))).status).toBe(404)

    const older = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'v1' })
    const pre = await gh.rest.repos.createRelease({ owner, repo, tag_name: 'v2-rc', prerelease: true })
    expect((await gh.rest.repos.getLatestRelease({ owner, repo })).data.id).toBe(older.data.id)
    for (const name of ['a', 'b', 'c']) await gh.rest.repos.uploadReleaseAsset({ url: pre.data.upload_url, owner, repo, release_id: pre.data.id, name: `${name} file.txt`, data: name })
    const assets = await gh.paginate(gh.rest.repos.listReleaseAssets, { owner, repo, release_id: pre.data.id, per_page: 2 })
    expect(assets.map((a) => a.name)).toEqual(['a.file.txt', 'b.file.txt', 'c.file.txt'])
    expect((await gh.rest.repos.updateReleaseAsset({ owner, repo, asset_id: assets[0]!.id, label: 'A' })).data.label).toBe('A')
    expect((await gh.rest.repos.listReleases({ owner, repo })).data.map((r) => r.tag_name)).toEqual(['v2-rc', 'v1'])

    const run = fake.state.addWorkflowRun({ status: 'in_progress' })
    expect((await gh.rest.actions.getWorkflowRun({ owner, repo, run_id: run.id })).data).toMatchObject({ status: 'in_progress', conclusion: null })
    const artifact = fake.state.addArtifact(run.id, { name: 'm', files: { f: 'f' } })
    expect((await gh.rest.actions.getArtifact({ owner, repo, artifact_id: artifact.id })).data.workflow_run?.id).toBe(run.id)
    expect((await gh.rest.actions.listArtifactsForRepo({ owner, repo })).data.total_count).toBe(1)
    await gh.rest.actions.deleteArtifact({ owner, repo, artifact_id: artifact.id })
    expect(fake.state.artifacts.size).toBe(0)
    expect(fake.violations).toEqual([])
  })
})

describe('faults', () => {
  it('a 500 once is retried to success', async () => {
    fake.inject({ method: 'GET', path: /\/releases$/, status: 500 })
    expect((await gh.rest.repos.listReleases({ owner, repo })).status).toBe(200)
    expect(fake.calls({ operationId: 'repos/list-releases' }).map((c) => c.status)).toEqual([500, 200])
  })

  it('a 429 with retry-after 1 is waited out, then succeeds', async () => {
    fake.inject({ path: /\/issues\/\d+\/comments$/, status: 429, retryAfter: 1 })
    const issue = fake.state.addIssue()
    const t = performance.now()
    expect((await gh.rest.issues.listComments({ owner, repo, issue_number: issue })).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(1000)
    expect(gh.limits.map((l) => l.kind)).toEqual(['primary'])
    const statuses = fake.calls({ operationId: 'issues/list-comments' }).map((c) => c.status)
    expect(statuses.at(-1)).toBe(200)
    expect(statuses.slice(0, -1).every((s) => s === 429)).toBe(true)
  })

  it('a secondary rate limit (403 + retry-after) reaches onSecondaryRateLimit, then succeeds', async () => {
    fake.inject({ method: 'POST', secondaryRateLimit: true, retryAfter: 1 })
    const issue = fake.state.addIssue()
    const t = performance.now()
    expect((await gh.rest.issues.createComment({ owner, repo, issue_number: issue, body: 'hi' })).status).toBe(201)
    expect(performance.now() - t).toBeGreaterThanOrEqual(1000)
    expect(gh.limits).toEqual([{ kind: 'secondary', retryAfter: 1, retryCount: 0 }])
    expect(fake.state.comments.get(issue)).toHaveLength(1)
  })

  it('a dropped connection is retried; a slow answer arrives late', async () => {
    fake.inject({ path: /\/releases$/, drop: true })
    expect((await gh.rest.repos.listReleases({ owner, repo })).status).toBe(200)
    expect(fake.calls({ operationId: 'repos/list-releases' }).map((c) => [c.status, c.dropped ?? false])).toEqual([
      [0, true],
      [200, false],
    ])
    fake.inject({ path: /\/releases$/, delayMs: 400 })
    const t = performance.now()
    expect((await gh.rest.repos.listReleases({ owner, repo })).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(390)
    // A client that gives up sooner sees its own timeout.
    fake.inject({ path: /\/releases$/, delayMs: 1000 })
    const started = performance.now()
    const timedOut = await gh.rest.repos.listReleases({ owner, repo, request: { signal: AbortSignal.timeout(100), retries: 0 } }).catch((e: Error & { cause?: Error }) => e.cause ?? e)
    expect(timedOut).toMatchObject({ name: expect.stringMatching(/Abort|Timeout/) })
    expect(performance.now() - started).toBeLessThan(900)
  })

  it('a 502 after the write happened makes a retried POST write twice', async () => {
    const issue = fake.state.addIssue()
    fake.inject({ method: 'POST', status: 502, after: true })
    expect((await gh.rest.issues.createComment({ owner, repo, issue_number: issue, body: 'once?' })).status).toBe(201)
    expect(fake.state.comments.get(issue)?.map((c) => c.body)).toEqual(['once?', 'once?'])
  })
})

describe('violations', () => {
  it('records requests that do not fit the API description', async () => {
    const missingSha = await statusOf(gh.request('POST /repos/{owner}/{repo}/git/refs', { owner, repo, ref: 'refs/heads/x' } as never))
    expect(missingSha).toMatchObject({ status: 422, data: { message: 'Invalid request.\n\n"sha" wasn\'t supplied.' } })
    await statusOf(gh.request('GET /repos/{owner}/{repo}/releases', { owner, repo, perpage: 5 }))
    await statusOf(gh.request('GET /repos/{owner}/{repo}/no-such-thing', { owner, repo }))
    await statusOf(gh.request('POST /repos/{owner}/{repo}/releases/{release_id}/assets{?name}', { owner, repo, release_id: 1, name: 'x', data: 'x' }))
    await statusOf(gh.request('POST /repos/{owner}/{repo}/releases', { owner, repo, tag_name: 'v9', draft: 'yes' } as never))
    await statusOf(gh.rest.repos.get({ owner: 'someone', repo: 'else' }))
    await statusOf(gh.rest.issues.listMilestones({ owner, repo }))
    expect(fake.violations.map((v) => v.kind)).toEqual(['body', 'unknown-query-param', 'unknown-route', 'wrong-host', 'body', 'unknown-repository', 'unimplemented'])
    expect(fake.violations[0]).toMatchObject({ operationId: 'git/create-ref', message: '/sha: "sha" wasn\'t supplied' })
    expect(fake.violations[4]?.message).toContain('is not a boolean')
    expect(fake.state.refs.has('refs/heads/x')).toBe(false)
  })
})
