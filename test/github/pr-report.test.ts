import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readRunContext, type RunContext } from '../../src/github/context.js'
import { decodeHistory } from '../../src/github/metric-history.js'
import { createGitHubClient } from '../../src/github/octokit.js'
import { readOnlyReason, reportOnPullRequest, type ReportLog } from '../../src/github/pr-report.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import { GITHUB_COMMENT_LIMIT, renderReportMarker, TRUNCATION_NOTE } from '../../src/report/render-report.js'
import { startFakeGitHub, unzipFiles, type FakeGitHub, type PullRec } from '../fake-github/server.js'
import { buildGateVerdict, buildManifest, buildMetrics, buildPlotSeries, buildRunContext, buildRunRecord } from '../builders.js'

// reportOnPullRequest against the fake GitHub: the bundle goes up through @actions/artifact (which
// reads its settings from process.env, set per test from fake.actionsEnv and restored after), the
// comment and check run through the REST API. Octokit's throttling spaces comment creation 3 s
// apart, so each test makes as few as it can.

const MODEL_BYTES = '{"weights":[0.1,0.2,0.3]}\n'
const MODEL_SHA = createHash('sha256').update(MODEL_BYTES).digest('hex')
const FORK_TOKEN = 'ghs_fake_fork_pr_token'
const USER_TOKEN = 'ghp_fake_user_token'

let fake: FakeGitHub
let dir: string
let root: string
let savedEnv: NodeJS.ProcessEnv
let pull: PullRec
let logs: { info: string[]; warning: string[] }
let log: ReportLog

beforeEach(async () => {
  savedEnv = { ...process.env }
  fake = await startFakeGitHub()
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-pr-report-'))
  root = path.join(dir, 'repo')
  mkdirSync(path.join(root, 'models'), { recursive: true })
  writeFileSync(path.join(root, 'models', 'model.json'), MODEL_BYTES)
  pull = fake.state.addPullRequest({ head: { ref: 'feature/tune-lr', sha: '3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e' } })
  logs = { info: [], warning: [] }
  log = { info: (m) => logs.info.push(m), warning: (m) => logs.warning.push(m) }
})

afterEach(async () => {
  process.env = savedEnv
  expect(fake.violations).toEqual([])
  await fake.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The step environment of a pull_request run for the PR's current head, applied to process.env. */
function pullRequestRun(runId: number, options: { fork?: boolean; token?: string; actor?: string } = {}): RunContext {
  const headRepo = options.fork ? 'mallory/penguins' : fake.state.fullName
  pull.head.repo = headRepo
  const eventPath = path.join(dir, `event-${runId}.json`)
  const event = {
    pull_request: {
      number: pull.number,
      head: { sha: pull.head.sha, ref: pull.head.ref, repo: { full_name: headRepo } },
      base: { ref: 'main', repo: { full_name: fake.state.fullName } },
      labels: [],
    },
  }
  writeFileSync(eventPath, JSON.stringify(event))
  const env = {
    ...fake.actionsEnv({ runId, sha: pull.head.sha, eventName: 'pull_request', ref: `refs/pull/${pull.number}/merge`, workspace: root, token: options.token }),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_ACTOR: options.actor ?? 'octocat',
    RUNNER_TEMP: dir,
  }
  Object.assign(process.env, env)
  return readRunContext(env)
}

function record(accuracy: number, overrides: Parameters<typeof buildRunRecord>[0] = {}): RunRecord {
  const pass = accuracy >= 0.95
  return buildRunRecord({
    metrics: buildMetrics({ accuracy, f1_macro: accuracy - 0.02 }),
    gates: buildGateVerdict({
      results: [{ metric: 'accuracy', rule: 'min', threshold: 0.95, value: accuracy, status: pass ? 'pass' : 'fail', message: pass ? 'ok' : `${accuracy} is below the minimum 0.95` }],
    }),
    artifacts: [{ path: 'models/model.json', sha256: MODEL_SHA, size: MODEL_BYTES.length }],
    ...overrides,
  })
}

const apiCalls = () => fake.calls({ server: 'api' }).map((c) => `${c.method} ${c.operationId} ${c.status}`)
const postedBodies = () => fake.calls((c) => c.operationId === 'issues/create-comment' || c.operationId === 'issues/update-comment').map((c) => (c.body as { body: string }).body)

describe('reportOnPullRequest', () => {
  it('first push: uploads the bundle, creates one comment and a passing check run', async () => {
    const context = pullRequestRun(7001)
    const github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
    const baseline = buildManifest({ metrics: buildMetrics({ accuracy: 0.96, f1_macro: 0.95 }) })
    const result = await reportOnPullRequest({ github, token: fake.token, context, record: record(0.9712), baseline, root, log })

    const artifact = [...fake.state.artifacts.values()].find((a) => a.run_id === 7001)
    expect(artifact?.name).toBe('mlops-penguin-classifier')
    expect(Object.keys(unzipFiles(artifact!.archive)).sort()).toEqual(['artifacts/models/model.json', 'bundle.json', 'report.md'])
    expect(result).toMatchObject({ kind: 'commented', artifactId: artifact!.id, pullRequest: pull.number, historyEntries: 1, comment: { action: 'created' } })
    expect(result.kind === 'commented' && result.commentUrl).toMatch(/#issuecomment-\d+$/)

    // One PR report = 4 REST calls, plus the artifact upload through the results service.
    expect(apiCalls()).toEqual(['GET users/get-authenticated 403', 'GET issues/list-comments 200', 'POST issues/create-comment 201', 'POST checks/create 201'])
    expect(fake.calls({ server: 'results' }).map((c) => c.operationId)).toEqual(['CreateArtifact', 'FinalizeArtifact'])

    const [check] = fake.state.checkRuns.values()
    expect(check).toMatchObject({ name: 'mlops: penguin-classifier', head_sha: pull.head.sha, status: 'completed', conclusion: 'success', details_url: context.runUrl })
    expect(check!.output.title).toBe('✅ The gate passes')
    expect(check!.output.summary).toContain('| accuracy | 0.9712 | 0.96 | +0.0112 ▲ better | ✅ min 0.95 |')

    const comments = fake.state.comments.get(pull.number)!
    expect(comments).toHaveLength(1)
    expect(comments[0]!.user.login).toBe('github-actions[bot]')
    const [body] = postedBodies()
    expect(body).toContain(`[Review bundle](https://github.com/octo/penguins/actions/runs/7001/artifacts/${artifact!.id}) \`mlops-penguin-classifier\``)
    await expect(body!.replace(`/artifacts/${artifact!.id})`, '/artifacts/ARTIFACT_ID)')).toMatchFileSnapshot('../golden/pr-comment-first-report.md')
  })

  it('second push: updates the same comment, which then holds two pushes of history', async () => {
    const github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
    const first = await reportOnPullRequest({ github, token: fake.token, context: pullRequestRun(7001), record: record(0.93), root, log })
    pull.head.sha = fake.state.addCommit({ message: 'tune the learning rate' })
    const second = await reportOnPullRequest({ github, token: fake.token, context: pullRequestRun(7002), record: record(0.97), root, log })

    expect(first).toMatchObject({ kind: 'commented', historyEntries: 1, comment: { action: 'created' } })
    expect(second).toMatchObject({ kind: 'commented', historyEntries: 2, comment: { action: 'updated' } })
    expect(second.kind === 'commented' && first.kind === 'commented' && second.comment.id === first.comment.id).toBe(true)
    const comments = fake.state.comments.get(pull.number)!
    expect(comments).toHaveLength(1)
    const body = comments[0]!.body
    expect(body).toContain('Metric history (2 pushes) · accuracy ▁█ · f1_macro ▁█')
    expect(body).toContain(`| **2 (this)** | [\`${pull.head.sha.slice(0, 7)}\`]`)
    expect(decodeHistory(body).history.entries.map((e) => [e.runId, e.passed, e.metrics.accuracy])).toEqual([
      [7001, false, 0.93],
      [7002, true, 0.97],
    ])
    expect(fake.countCalls({ operationId: 'issues/create-comment' })).toBe(1)
    expect([...fake.state.checkRuns.values()].map((c) => c.conclusion)).toEqual(['failure', 'success'])
  })

  it('a failed gate: check run failure, and the comment\'s verdict names the gate', async () => {
    const github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
    const result = await reportOnPullRequest({ github, token: fake.token, context: pullRequestRun(7001), record: record(0.91), root, log })
    expect(result).toMatchObject({ kind: 'commented', checkRun: { created: true, conclusion: 'failure' } })
    const [check] = fake.state.checkRuns.values()
    expect(check).toMatchObject({ conclusion: 'failure' })
    expect(check!.output.title).toBe('❌ 1 of 1 gate fails: accuracy (min 0.95)')
    const body = fake.state.comments.get(pull.number)![0]!.body
    expect(body.split('\n').slice(0, 4)).toEqual([renderReportMarker('penguin-classifier'), '## penguin-classifier', '', '❌ **1 of 1 gate fails:** accuracy (min 0.95)'])
  })

  it('a fork pull request: uploads the bundle and sends nothing at all to the API', async () => {
    const context = pullRequestRun(7001, { fork: true, token: FORK_TOKEN })
    const github = createGitHubClient({ token: FORK_TOKEN, baseUrl: fake.url })
    const result = await reportOnPullRequest({ github, token: FORK_TOKEN, context, record: record(0.97), root, log })

    expect(result).toMatchObject({ kind: 'fork', pullRequest: pull.number, reason: 'the pull request comes from a fork (mallory/penguins), so this run\'s token is read-only' })
    expect(fake.calls({ server: 'api' })).toEqual([])
    expect(fake.calls((c) => c.server === 'api' && c.method !== 'GET')).toHaveLength(0)
    const artifact = [...fake.state.artifacts.values()].find((a) => a.run_id === 7001)
    expect(artifact?.name).toBe('mlops-penguin-classifier')
    expect(result.artifactId).toBe(artifact!.id)
    expect(logs.info.join('\n')).toMatch(/to post it, add a second workflow `on: workflow_run`.*`command: post-report`/)
  })

  it('a token that may not create check runs: a warning, and the comment is still posted', async () => {
    const context = pullRequestRun(7001, { token: USER_TOKEN })
    const github = createGitHubClient({ token: USER_TOKEN, baseUrl: fake.url })
    const result = await reportOnPullRequest({ github, token: USER_TOKEN, context, record: record(0.97), root, log })
    expect(result).toMatchObject({ kind: 'commented', comment: { action: 'created' }, checkRun: { created: false } })
    expect(fake.state.comments.get(pull.number)![0]!.user.login).toBe('octocat')
    expect(logs.warning).toEqual([expect.stringMatching(/^Could not create the check run "mlops: penguin-classifier": HTTP 403 .*checks: write/)])
    expect(fake.calls({ operationId: 'checks/create' }).map((c) => c.status)).toEqual([403]) // not retried
  })

  it('keeps a huge report under 65,536 characters', async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `metric_${i}_${'m'.repeat(60)}`)
    const huge = record(0.97, {
      metrics: buildMetrics({ accuracy: 0.97, ...Object.fromEntries(names.map((n, i) => [n, i])) }),
      plots: Array.from({ length: 30 }, (_, i) => buildPlotSeries({ title: `plot ${i}`, points: Array.from({ length: 200 }, (_, k) => [k, k / 7, k / 9]) })),
    })
    const github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
    const result = await reportOnPullRequest({ github, token: fake.token, context: pullRequestRun(7001), record: huge, root, log })
    expect(result.kind).toBe('commented')
    const [body] = postedBodies()
    expect(body!.length).toBeLessThan(GITHUB_COMMENT_LIMIT)
    expect(body).toContain(TRUNCATION_NOTE)
    expect(body).toContain('✅ **The gate passes**')
    expect(decodeHistory(body).history.entries).toHaveLength(1)
    expect(fake.state.checkRuns.size).toBe(1)
  })
})

describe('readOnlyReason', () => {
  const base = buildRunContext

  it('is undefined for a same-repository pull request with a token', () => {
    expect(readOnlyReason(base({}), 'ghs_x')).toBeUndefined()
  })

  it('names forks, Dependabot, a missing token and a declared read-only token', () => {
    expect(readOnlyReason(base({ actor: 'dependabot[bot]' }), 'ghs_x')).toMatch(/Dependabot/)
    expect(readOnlyReason(base({}), '')).toMatch(/no GitHub token/)
    expect(readOnlyReason(base({}), 'ghs_x', true)).toMatch(/read-only/)
    const fork = base({})
    fork.event.pull_request!.head.repo = null
    expect(readOnlyReason(fork, 'ghs_x')).toMatch(/fork/)
  })
})
