import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TableProfileJson } from '../../src/data/profile/table-profile.js'
import { Manifest } from '../../src/registry/manifest.js'
import { tryParseManifestMessage } from '../../src/registry/tag-format.js'
import { apiWrites, type Scenario, startScenario } from './scenario.js'

// Merge to promote, end to end: a reviewed PR run uploads its model, the push to main runs the
// bundled action, and the fake GitHub ends up with annotated tags and a published release.

let s: Scenario
beforeEach(async () => {
  s = await startScenario()
})
afterEach(async () => {
  expect(s.fake.violations).toEqual([])
  expect(s.fake.state.tagsCreatedByReleases).toEqual([])
  await s.close()
})

const epochs = (n: number) => (repo: Scenario['repo']) => repo.write('params.yaml', repo.read('params.yaml').replace('epochs: 200', `epochs: ${n}`))
const tagRefs = () => [...s.fake.state.refs.keys()].filter((r) => r.startsWith('refs/tags/')).sort()
const releases = () => [...s.fake.state.releases.values()]

async function reviewAndMerge(number: number, change: (repo: Scenario['repo']) => void, labels: string[] = []): Promise<string> {
  s.openPullRequest(number, change, { labels })
  s.fake.state.addReview(number, { state: 'APPROVED', user: 'reviewer-1' })
  const pr = await s.runOnPullRequest(number)
  expect(pr.status, pr.stdout + pr.stderr).toBe(0)
  return s.merge(number)
}

describe('merging a reviewed pull request', () => {
  it('tags, releases and announces the reviewed model; a re-run duplicates nothing', async () => {
    const merge = await reviewAndMerge(11, epochs(150))
    const before = s.fake.requests.length
    const beforeWrites = apiWrites(s.fake)
    const run = await s.runOnPush(merge)
    expect(run.status, run.stdout + run.stderr).toBe(0)
    console.log(`API calls for a promotion: ${s.fake.requests.length - before} requests, ${apiWrites(s.fake) - beforeWrites} writes`)
    expect(run.outputs).toMatchObject({ version: '0.1.0', tag: 'penguin-classifier@v0.1.0', verdict: 'pass' })

    expect(tagRefs()).toEqual(['refs/tags/penguin-classifier#production#1', 'refs/tags/penguin-classifier@v0.1.0'])
    const tagSha = s.fake.state.refs.get('refs/tags/penguin-classifier@v0.1.0')!
    const tagObject = s.fake.state.tagObjects.get(tagSha)!
    const pr = s.fake.state.pulls.get(11)!
    expect(tagObject.object).toEqual({ sha: pr.head.sha, type: 'commit' })
    const manifest = Manifest.parse(tryParseManifestMessage(tagObject.message))
    expect(manifest.source).toMatchObject({ pullRequest: 11, approvers: ['reviewer-1'], repository: 'octo/penguins' })
    // Per-slice metrics ride with the version, for the next pull request's group-by-group comparison.
    expect(manifest.evaluation!.slices.map((slice) => slice.name)).toEqual(['island', 'sex'])
    const released = Manifest.parse(JSON.parse(Buffer.from(releases()[0]!.assets.find((a) => a.name === 'manifest.json')!.content).toString('utf8')))
    expect(released.evaluation).toEqual(manifest.evaluation)

    const [release] = releases()
    expect(release).toMatchObject({ tag_name: 'penguin-classifier@v0.1.0', draft: false })
    expect(release!.assets.map((a) => a.name).sort()).toEqual(['manifest.json', 'model-card.md', 'model.json', 'profile-penguins.json'])
    // The training data's profile rides with the version, so later drift needs no re-read of the data.
    const profile = TableProfileJson.parse(JSON.parse(Buffer.from(release!.assets.find((a) => a.name === 'profile-penguins.json')!.content).toString('utf8')))
    expect(profile.rows).toBeGreaterThan(300)
    expect(profile.columns.map((c) => c.name)).toContain('species')
    expect(release!.body).toContain('penguin-classifier')
    expect(run.outputs['release-url']).toMatch(/\/octo\/penguins\/releases\/tag\/penguin-classifier%40v0\.1\.0$/)
    expect(s.fake.state.dispatches.map((d) => [d.event_type, d.client_payload?.version])).toEqual([['mlops-promoted', '0.1.0']])

    // The same workflow run again: nothing new.
    const writes = apiWrites(s.fake)
    const again = await s.runOnPush(merge)
    expect(again.status, again.stderr).toBe(0)
    expect(again.outputs.version).toBe('0.1.0')
    expect(apiWrites(s.fake)).toBe(writes)
    expect(tagRefs()).toHaveLength(2)
    expect(releases()).toHaveLength(1)
    expect(s.fake.state.dispatches).toHaveLength(1)
  })

  it('gives two merges promoting at the same time two different versions, and rolls back', async () => {
    const first = await reviewAndMerge(12, epochs(150))
    s.repo.git('checkout', '-q', '-B', 'main', s.base)
    const second = await reviewAndMerge(13, epochs(120), ['release:patch'])
    const [a, b] = await Promise.all([s.runOnPush(first), s.runOnPush(second)])
    expect(a.status, a.stderr + a.stdout).toBe(0)
    expect(b.status, b.stderr + b.stdout).toBe(0)
    expect(new Set([a.outputs.version, b.outputs.version]).size).toBe(2)
    expect(releases().filter((r) => !r.draft)).toHaveLength(2)

    // Whichever was assigned last holds production; a rollback hands it to the other one.
    const versions = [a.outputs.version!, b.outputs.version!]
    const rollback = await s.runOnPush(first, { inputs: { command: 'rollback' } })
    expect(rollback.status, rollback.stderr + rollback.stdout).toBe(0)
    expect(versions).toContain(rollback.outputs.version)
    expect(tagRefs().filter((t) => t.includes('#production#'))).toHaveLength(3)
    const back = await s.runOnPush(first, { inputs: { command: 'rollback' } })
    expect(back.status, back.stderr).toBe(0)
    expect(back.outputs.version).toBe(versions.find((v) => v !== rollback.outputs.version))
  })

  it('rechecks max_drop against the version promoted since the pull request was reviewed', async () => {
    // Both PRs are reviewed while production is empty; the first merge then sets the bar.
    s.openPullRequest(18, epochs(200))
    s.openPullRequest(19, (repo) => {
      epochs(5)(repo)
      repo.write('mlops.yml', repo.read('mlops.yml').replace('max_drop: 0.02', 'max_drop: 0.01'))
    })
    expect((await s.runOnPullRequest(18)).status).toBe(0)
    expect((await s.runOnPullRequest(19)).status).toBe(0)
    expect((await s.runOnPush(s.merge(18))).outputs.version).toBe('0.1.0')
    const late = await s.runOnPush(s.merge(19))
    expect(late.status).toBe(1)
    expect(late.stdout).toMatch(/::error::.*now holds v0\.1\.0.*f1_macro/)
    expect(tagRefs().filter((t) => t.includes('@v'))).toEqual(['refs/tags/penguin-classifier@v0.1.0'])
  })

  it('refuses to promote when the reviewed artifact is gone, and promotes nothing', async () => {
    const merge = await reviewAndMerge(14, epochs(150))
    for (const artifact of s.fake.state.artifacts.values()) artifact.expired = true
    const run = await s.runOnPush(merge)
    expect(run.status).toBe(1)
    expect(run.stdout).toMatch(/::error::.*(expired|missing|no one reviewed)/i)
    expect(tagRefs()).toEqual([])
    expect(releases()).toEqual([])
  })

  it('survives 502s, a rate limit and a dropped connection during promotion with nothing half made', async () => {
    const merge = await reviewAndMerge(15, epochs(150))
    s.fake.inject({ method: 'POST', path: /\/releases$/, status: 502 })
    s.fake.inject({ method: 'POST', path: /\/git\/refs$/, drop: true })
    s.fake.inject({ method: 'GET', path: /\/git\/matching-refs\//, status: 429, retryAfter: 1 })
    s.fake.inject({ method: 'PATCH', path: /\/releases\/\d+$/, status: 500 })
    const run = await s.runOnPush(merge)
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(tagRefs()).toEqual(['refs/tags/penguin-classifier#production#1', 'refs/tags/penguin-classifier@v0.1.0'])
    expect(releases()).toHaveLength(1)
    expect(releases()[0]!.draft).toBe(false)
    expect(releases()[0]!.assets).toHaveLength(4)
  })

  it('a push that is not the promote branch only runs, and the release:skip label skips', async () => {
    const merge = await reviewAndMerge(16, epochs(150), ['release:skip'])
    const run = await s.runOnPush(merge)
    expect(run.status, run.stderr).toBe(0)
    expect(run.outputs.verdict).toBe('skip')
    expect(tagRefs()).toEqual([])
  })
})
