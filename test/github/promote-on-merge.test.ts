import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunContext } from '../../src/github/context.js'
import { GITHUB_ACTIONS_TAGGER } from '../../src/github/github-registry.js'
import { modelOrigin, renderModelCard } from '../../src/github/model-card.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/octokit.js'
import type { ReviewBundle } from '../../src/github/review-bundle.js'
import { decideBump } from '../../src/github/version-bump.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import { Manifest } from '../../src/registry/manifest.js'
import { buildManifest } from '../../src/registry/registration.js'
import { formatRegistrationMessage, tryParseManifestMessage } from '../../src/registry/tag-format.js'
import type { Spec } from '../../src/spec/schema.js'
import { buildGateVerdict, buildManifest as buildManifestFixture, buildRunRecord, buildSpec } from '../builders.js'
import { startFakeGitHub, type FakeGitHub, type PullRec } from '../fake-github/server.js'

// Merging a pull request promotes what was reviewed in it, against the fake GitHub. The review
// artifact is downloaded by @actions/artifact, whose @actions/github reads GITHUB_API_URL when it
// is first imported: one fake serves the whole file, it is started before the code under test is
// imported, and every test uses its own model so that the tests stay independent.

const fake: FakeGitHub = await startFakeGitHub()
const savedEnv = { ...process.env }
process.env.GITHUB_API_URL = fake.url
process.env.GITHUB_SERVER_URL = 'https://github.com' // @actions/artifact refuses GHES
const { promoteOnMerge, PromotionError, assetNames } = await import('../../src/github/promote-on-merge.js')
type Options = Parameters<typeof promoteOnMerge>[0]

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const MODEL_FILE = 'models/model.json'
let root: string
let models = 0

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mlops-promote-'))
})

afterEach(() => {
  expect(fake.violations).toEqual([])
  expect(fake.faults).toEqual([])
})

afterAll(async () => {
  process.env = savedEnv
  await fake.close()
  await rm(root, { recursive: true, force: true })
})

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

interface Scenario {
  model: string
  spec: Spec
  pull: PullRec
  run: RunRecord
  modelContent: string
  context: RunContext
  logs: string[]
  options: (overrides?: Partial<Options>) => Options
}

/** A merged pull request of a new model, approved, whose PR run uploaded a review bundle. */
function scenario(opts: { labels?: string[]; bundle?: 'ok' | 'tampered' | 'none'; modelContent?: string } = {}): Scenario {
  models += 1
  const model = `model-${models}`
  const modelContent = opts.modelContent ?? `{"weights":[${models}]}`
  const spec = buildSpec({ model: { name: model, artifacts: [MODEL_FILE] }, promote: { branch: 'main', bump: 'minor', stage: 'production' } })
  const pull = fake.state.addPullRequest({ head: { ref: `feature-${models}` }, merged: true, labels: opts.labels ?? [] })
  fake.state.addReview(pull.number, { state: 'CHANGES_REQUESTED', user: 'bob' })
  fake.state.addReview(pull.number, { state: 'APPROVED', user: 'bob' })
  fake.state.addReview(pull.number, { state: 'COMMENTED', user: 'bob' }) // a later comment keeps the approval
  fake.state.addReview(pull.number, { state: 'APPROVED', user: 'alice' })
  fake.state.addReview(pull.number, { state: 'CHANGES_REQUESTED', user: 'alice' })
  fake.state.addReview(pull.number, { state: 'APPROVED', user: 'erin' })
  const run = buildRunRecord({
    id: `pr-run-${models}`,
    model: { name: model, description: 'Predicts the species' },
    git: { commit: pull.head.sha, branch: pull.head.ref, dirty: false },
    artifacts: [{ path: MODEL_FILE, sha256: sha256(modelContent), size: modelContent.length }],
  })
  const workflowRun = fake.state.addWorkflowRun({ event: 'pull_request', head_sha: pull.head.sha, head_branch: pull.head.ref, pull_requests: [pull.number] })
  if (opts.bundle !== 'none') {
    const report = `## ${model}\n\nAll gates pass\n`
    const bundle: ReviewBundle = {
      schema: 1,
      model,
      pullRequest: pull.number,
      headSha: pull.head.sha,
      workflowRunId: workflowRun.id,
      workflowRunUrl: `https://github.com/${fake.owner}/${fake.repo}/actions/runs/${workflowRun.id}`,
      reportSha256: sha256(report),
      run,
    }
    fake.state.addArtifact(workflowRun.id, {
      name: `mlops-${model}`,
      files: {
        'bundle.json': JSON.stringify(bundle),
        'report.md': report,
        [`artifacts/${MODEL_FILE}`]: opts.bundle === 'tampered' ? `${modelContent} ` : modelContent,
      },
    })
  }
  const context: RunContext = {
    eventName: 'push',
    event: {},
    owner: fake.owner,
    repo: fake.repo,
    sha: pull.merge_commit_sha!,
    ref: 'refs/heads/main',
    runId: 9000 + models,
    runAttempt: 1,
    actor: 'carol',
    apiUrl: fake.url,
    serverUrl: 'https://github.com',
    workspace: root,
    runUrl: `https://github.com/${fake.owner}/${fake.repo}/actions/runs/${9000 + models}`,
  }
  const logs: string[] = []
  // A client per scenario: Octokit shares one request-options object per client, so retry counts
  // leak from one request to the next and every later retry waits (n+1)² s instead of 1 s.
  const github: GitHubClient = createGitHubClient({ token: fake.token, baseUrl: fake.url, log: quiet })
  const options = (overrides: Partial<Options> = {}): Options => ({
    github,
    token: fake.token,
    context,
    spec,
    root,
    settings: { retrainIfMissing: false, dispatchEvent: 'model-promoted' },
    retrain: () => Promise.reject(new Error('retrain must not be called')),
    log: { info: (m) => logs.push(`info: ${m}`), warning: (m) => logs.push(`warning: ${m}`) },
    ...overrides,
  })
  return { model, spec, pull, run, modelContent, context, logs, options }
}

const releasesOf = (tag: string) => [...fake.state.releases.values()].filter((r) => r.tag_name === tag)
const tagNames = (model: string) => [...fake.state.refs.keys()].filter((r) => r.startsWith(`refs/tags/${model}@`) || r.startsWith(`refs/tags/${model}#`)).sort()
const since = (seq: number) => fake.requests.slice(seq)

describe('promoteOnMerge', () => {
  it('promotes the reviewed files: annotated tags, stage, draft → assets → published release, dispatch; a re-run changes nothing', async () => {
    const s = scenario()
    const start = fake.requests.length
    const result = await promoteOnMerge(s.options())

    expect(result).toMatchObject({ kind: 'promoted', version: '0.1.0', tag: `${s.model}@v0.1.0`, origin: 'reviewed', pullRequest: s.pull.number, dispatched: true })
    if (result.kind !== 'promoted') throw new Error('unreachable')
    expect(result.assignment).toMatchObject({ stage: 'production', version: '0.1.0', tag: `${s.model}#production#1` })
    expect(result.releaseUrl).toBe(`https://github.com/${fake.owner}/${fake.repo}/releases/tag/${encodeURIComponent(result.tag)}`)

    // Tags: annotated objects on the PR head commit (the code that produced the reviewed model).
    expect(tagNames(s.model)).toEqual([`refs/tags/${s.model}#production#1`, `refs/tags/${s.model}@v0.1.0`])
    const tagObject = fake.state.tagObjects.get(fake.state.refs.get(`refs/tags/${result.tag}`)!)!
    expect(tagObject.object.sha).toBe(s.pull.head.sha)
    const manifest = tryParseManifestMessage(tagObject.message)!
    expect(manifest.source).toEqual({
      repository: `${fake.owner}/${fake.repo}`,
      pullRequest: s.pull.number,
      approvers: ['bob', 'erin'],
      workflowRunUrl: s.context.runUrl,
      reviewedRunUrl: expect.stringMatching(/^https:\/\/github\.com\/octo\/penguins\/actions\/runs\/\d+$/),
    })
    expect(fake.state.tagsCreatedByReleases).toEqual([])

    // Release: created as a draft, every asset uploaded, then published — in that order.
    const [release] = releasesOf(result.tag)
    expect(release).toMatchObject({ draft: false, immutable: true, name: `${s.model} v0.1.0` })
    expect(release?.assets.map((a) => a.name)).toEqual(['model.json', 'manifest.json', 'model-card.md'])
    expect(Buffer.from(release!.assets[0]!.content).toString()).toBe(s.modelContent)
    expect(Manifest.parse(JSON.parse(Buffer.from(release!.assets[1]!.content).toString()))).toEqual(manifest)
    const card = Buffer.from(release!.assets[2]!.content).toString()
    expect(card).toContain(`# ${s.model} v0.1.0\n\nPredicts the species`)
    expect(card).toContain('Approved by: bob, erin')
    expect(release?.body).toContain(`Merged from #${s.pull.number} · approved by bob, erin`)
    expect(release?.body).toContain(`<!-- mlops-report model=${s.model} -->\n## ${s.model} v0.1.0`) // the report is the release notes
    const order = since(start).filter((r) => r.operationId?.startsWith('repos/') && r.method !== 'GET').map((r) => r.operationId)
    expect(order).toEqual([
      'repos/create-release',
      'repos/upload-release-asset',
      'repos/upload-release-asset',
      'repos/upload-release-asset',
      'repos/update-release',
      'repos/create-dispatch-event',
    ])
    expect(fake.state.dispatches.at(-1)).toMatchObject({
      event_type: 'model-promoted',
      client_payload: { model: s.model, version: '0.1.0', stage: 'production', tag: result.tag, release_url: result.releaseUrl, commit: s.pull.head.sha },
    })

    // The calls one promotion makes, by endpoint.
    const calls = since(start).map((r) => `${r.method} ${r.operationId ?? r.server}`)
    expect(calls.length).toBe(EXPECTED_CALLS.length)
    expect(calls).toEqual(EXPECTED_CALLS)

    // Re-running the finished promotion writes nothing and dispatches nothing.
    const rerun = fake.requests.length
    const dispatches = fake.state.dispatches.length
    const again = await promoteOnMerge(s.options())
    expect(again).toMatchObject({ kind: 'already', version: '0.1.0', tag: result.tag, releaseUrl: result.releaseUrl, assignment: undefined, dispatched: false })
    expect(since(rerun).filter((r) => r.method !== 'GET')).toEqual([])
    // It still fetches and verifies the bundle (13 reads: the same six, the tags four times, the releases).
    expect(since(rerun)).toHaveLength(13)
    expect(fake.state.dispatches).toHaveLength(dispatches)
    expect(tagNames(s.model)).toHaveLength(2)
    expect(releasesOf(result.tag)).toHaveLength(1)
  })

  it('completes a half-done promotion (registered, never assigned, draft with a good and a partial asset) through a dropped connection', async () => {
    const s = scenario()
    // What an earlier run left: the registration tag, and a draft release holding the model file.
    const tag = `${s.model}@v0.1.0`
    const manifest = buildManifest(s.run, { version: '0.1.0', tag, commit: s.pull.head.sha, createdAt: '2025-06-01T12:00:00.000Z', createdBy: 'carol' })
    fake.state.addAnnotatedTag({ tag, commit: s.pull.head.sha, message: formatRegistrationMessage(manifest), tagger: { ...GITHUB_ACTIONS_TAGGER, date: manifest.createdAt } })
    const draft = fake.state.addRelease({ tag_name: tag, draft: true, name: `${s.model} v0.1.0` })
    const good = fake.state.addReleaseAsset(draft.id, 'model.json', s.modelContent)
    fake.state.addReleaseAsset(draft.id, 'model-card.md', '# model') // cut short

    fake.inject({ operationId: 'repos/update-release', drop: true, after: true }) // published, but the answer is lost
    const result = await promoteOnMerge(s.options())

    expect(result).toMatchObject({ kind: 'already', version: '0.1.0', tag, dispatched: true })
    expect(result.kind === 'already' && result.assignment).toMatchObject({ stage: 'production', tag: `${s.model}#production#1` })
    expect(tagNames(s.model)).toEqual([`refs/tags/${s.model}#production#1`, `refs/tags/${tag}`])
    const releases = releasesOf(tag)
    expect(releases).toHaveLength(1)
    expect(releases[0]).toMatchObject({ id: draft.id, draft: false })
    expect(releases[0]?.assets.map((a) => a.name)).toEqual(['model.json', 'manifest.json', 'model-card.md'])
    expect(releases[0]?.assets[0]?.id).toBe(good.id) // kept, not uploaded again
    expect(fake.countCalls({ operationId: 'repos/delete-release-asset' })).toBe(1) // the partial one
    expect(fake.countCalls({ operationId: 'repos/upload-release-asset', path: new RegExp(`/releases/${draft.id}/assets`) })).toBe(2)
    expect(fake.state.dispatches.filter((d) => d.client_payload?.model === s.model)).toHaveLength(1)
  })

  it('refuses to promote when the reviewed artifact is missing, and retrains only when allowed (through a 429 and a 500)', async () => {
    const s = scenario({ bundle: 'none' })
    fake.inject({ operationId: 'pulls/list-reviews', status: 429, secondaryRateLimit: true, retryAfter: 1 })
    fake.inject({ operationId: 'repos/create-release', status: 500 })
    const error = await promoteOnMerge(s.options()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PromotionError)
    expect((error as Error).message).toMatch(/no successful pull_request run of pull request #\d+ uploaded a review artifact named "mlops-model-\d+"; never promote something no one reviewed/)
    expect(tagNames(s.model)).toEqual([])

    const retrained = '{"weights":["retrained"]}'
    const retrain = async (): Promise<RunRecord> => {
      await mkdir(path.join(root, 'models'), { recursive: true })
      await writeFile(path.join(root, MODEL_FILE), retrained)
      return { ...s.run, id: 'merge-run', git: { commit: s.context.sha, branch: 'main', dirty: false }, artifacts: [{ path: MODEL_FILE, sha256: sha256(retrained), size: retrained.length }] }
    }
    const result = await promoteOnMerge(s.options({ settings: { retrainIfMissing: true, dispatchEvent: 'none' }, retrain }))
    expect(result).toMatchObject({ kind: 'promoted', version: '0.1.0', origin: 'retrained', dispatched: false })
    const manifest = tryParseManifestMessage(fake.state.tagObjects.get(fake.state.refs.get(`refs/tags/${s.model}@v0.1.0`)!)!.message)!
    expect(manifest.commit).toBe(s.context.sha)
    expect(manifest.source?.reviewedRunUrl).toBeUndefined()
    const [release] = releasesOf(`${s.model}@v0.1.0`)
    expect(release?.body).toContain('this version was retrained on the merge commit, so its files are not the ones reviewed')
    expect(Buffer.from(release!.assets.find((a) => a.name === 'model-card.md')!.content).toString()).toContain('retrained when the pull request was merged')
    expect(s.logs.some((l) => l.startsWith('warning: ') && l.includes('retraining on the merge commit'))).toBe(true)
    expect(fake.calls({ operationId: 'pulls/list-reviews', path: new RegExp(`/pulls/${s.pull.number}/`) }).map((r) => r.status)).toEqual([429, 200, 200])
    expect(fake.calls({ operationId: 'repos/create-release', path: /\/releases$/ }).slice(-2).map((r) => r.status)).toEqual([500, 201])
    expect(releasesOf(`${s.model}@v0.1.0`)).toHaveLength(1)
  })

  it('refuses a review artifact whose model file does not match its run record', async () => {
    const s = scenario({ bundle: 'tampered' })
    await expect(promoteOnMerge(s.options())).rejects.toThrow(
      'model file "models/model.json" in the review artifact does not match the hash in its run record; refusing to promote something no one reviewed',
    )
    expect(tagNames(s.model)).toEqual([])
  })

  it('skips release:skip and direct pushes, and refuses conflicting labels, without writing', async () => {
    const start = fake.requests.length
    const skip = scenario({ labels: ['documentation', 'release:skip'] })
    expect(await promoteOnMerge(skip.options())).toEqual({ kind: 'skipped', reason: `pull request #${skip.pull.number} has the release:skip label; ${skip.model} is not promoted` })

    const push = scenario()
    const direct = fake.state.addCommit({ message: 'direct push' })
    expect(await promoteOnMerge(push.options({ context: { ...push.context, sha: direct } }))).toEqual({
      kind: 'skipped',
      reason: `commit ${direct.slice(0, 7)} is not the merge of a pull request (a direct push?); only merged pull requests are promoted`,
    })

    const conflicting = scenario({ labels: ['release:major', 'release:patch'] })
    await expect(promoteOnMerge(conflicting.options())).rejects.toThrow(/conflicting release labels \(release:major, release:patch\)/)

    await expect(promoteOnMerge(push.options({ context: { ...push.context, ref: 'refs/heads/feature' } }))).rejects.toThrow(
      /stage "production" is only promoted from pushes to "main"/,
    )
    expect(since(start).filter((r) => r.method !== 'GET')).toEqual([])
  })
})

describe('assetNames', () => {
  it('uses base names, and whole paths where they collide with each other or with our files', () => {
    expect(Object.fromEntries(assetNames(['models/model.json', 'a/w.bin', 'b/w.bin', 'conf/manifest.json']))).toEqual({
      'models/model.json': 'model.json',
      'a/w.bin': 'a__w.bin',
      'b/w.bin': 'b__w.bin',
      'conf/manifest.json': 'conf__manifest.json',
    })
  })
})

describe('decideBump', () => {
  it('reads release:* labels, falls back to the spec, and refuses conflicts', () => {
    expect(decideBump(['bug'], 'minor')).toEqual({ kind: 'bump', bump: 'minor' })
    expect(decideBump(['Release:Major ', 'bug'], 'minor')).toEqual({ kind: 'bump', bump: 'major', label: 'release:major' })
    expect(decideBump(['release:patch', 'release:patch'], 'minor')).toEqual({ kind: 'bump', bump: 'patch', label: 'release:patch' })
    expect(decideBump(['release:skip'], 'minor')).toEqual({ kind: 'skip', label: 'release:skip' })
    expect(decideBump(['release:skip', 'release:minor'], 'patch')).toEqual({
      kind: 'error',
      message: 'the pull request has conflicting release labels (release:minor, release:skip); keep one of them and run the promotion again',
    })
  })
})

describe('renderModelCard', () => {
  it('states the lineage, metrics, gates and files of the manifest, escaped', () => {
    const manifest = buildManifestFixture({
      description: 'Finds <script>alert(1)</script> penguins',
      gates: buildGateVerdict({ results: [{ metric: 'accuracy', rule: 'min', threshold: 0.9, value: 0.96, status: 'pass', message: '' }], baseline: { version: '0.0.9', stage: 'production' } }),
      source: {
        repository: 'octo/penguins',
        pullRequest: 12,
        approvers: ['bob', '@org/team'],
        workflowRunUrl: 'https://github.com/octo/penguins/actions/runs/2',
        reviewedRunUrl: 'https://github.com/octo/penguins/actions/runs/1',
      },
    })
    const card = renderModelCard({ manifest })
    expect(modelOrigin(manifest)).toBe('reviewed')
    expect(card).toContain('# penguin-classifier v0.1.0\n\nFinds &lt;script&gt;alert(1)&lt;/script&gt; penguins')
    expect(card).toContain(`- Commit: [\`${'c'.repeat(12)}\`](https://github.com/octo/penguins/commit/${'c'.repeat(40)})`)
    expect(card).toContain('- Merged from: [pull request 12](https://github.com/octo/penguins/pull/12)')
    expect(card).toContain('- Approved by: bob, @\u200Dorg/team') // no mention that pings a team
    expect(card).toContain('- Reviewed run: [workflow run](https://github.com/octo/penguins/actions/runs/1)')
    expect(card).toContain('| accuracy | 0.96 | higher |')
    expect(card).toContain('| accuracy | min | 0.9 | 0.96 | — | pass |')
    expect(card).toContain('Relative gates compared with v0.0.9 (production).')
    expect(card).toContain(`| \`models/model.json\` | 2048 | \`${'a'.repeat(64)}\` |`)
    expect(card).not.toMatch(/TODO|TBD|intended use/i)

    const local = renderModelCard({ manifest: { ...manifest, source: undefined }, description: 'ignored: the manifest has one' })
    expect(local).toContain('- Model files: registered from a local run')
    expect(local).not.toContain('Approved by')
    expect(local).toContain(`- Commit: \`${'c'.repeat(12)}\``)
  })
})

/** One promotion of a model with one file, no earlier versions, every call answered at once. */
const EXPECTED_CALLS = [
  'GET repos/list-pull-requests-associated-with-commit',
  'GET pulls/list-reviews',
  'GET actions/list-workflow-runs-for-repo',
  'GET actions/list-workflow-run-artifacts',
  'GET actions/download-artifact', // 302 to signed storage
  'GET blob', // the artifact zip, from storage
  'GET git/list-matching-refs', // the stage's current version (the report's baseline)
  'GET git/list-matching-refs', // the tags again, right before registering
  'POST git/create-tag',
  'POST git/create-ref',
  'POST git/create-tag',
  'POST git/create-ref',
  'GET repos/list-releases',
  'GET git/get-ref', // the release's tag exists and is annotated
  'POST repos/create-release',
  'POST repos/upload-release-asset',
  'POST repos/upload-release-asset',
  'POST repos/upload-release-asset',
  'PATCH repos/update-release',
  'POST repos/create-dispatch-event',
]
