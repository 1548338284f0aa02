import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readRunContext, type RunContext } from '../../src/github/context.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/octokit.js'
import type * as PostReport from '../../src/github/post-report.js'
import type * as PrReport from '../../src/github/pr-report.js'
import type { ReportLog } from '../../src/github/pr-report.js'
import type { ReviewBundle } from '../../src/github/review-bundle.js'
import type { RunRecord } from '../../src/pipeline/run-record.js'
import { startFakeGitHub, type FakeGitHub, type PullRec, type RequestLogEntry } from '../fake-github/server.js'
import { buildCheckResult, buildDataResult, buildGateVerdict, buildMetrics, buildRunRecord, buildStageRecord } from '../builders.js'

// The trusted `workflow_run` half of the fork pattern, against the fake GitHub. Artifacts are
// either uploaded by a real fork run (reportOnPullRequest with the read-only token) or forged
// straight into the fake's state, the way a hostile fork could shape them.
//
// @actions/artifact downloads through @actions/github, which reads GITHUB_API_URL once, when it
// is imported. So this file runs one fake for all its tests, sets the variable before importing
// the code under test, and gives each test its own pull request, run ids and slice of the logs.

const MODEL_BYTES = '{"weights":[0.1,0.2,0.3]}\n'
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const FORK_TOKEN = 'ghs_fake_fork_pr_token'
const FORK = 'mallory/penguins'
const HOSTILE_NAMES = ['<img src=x onerror=alert(1)>', '@octocat', '| x |', '</details>']

let fake: FakeGitHub
let postReportFromRun: typeof PostReport.postReportFromRun
let PostReportError: typeof PostReport.PostReportError
let reportOnPullRequest: typeof PrReport.reportOnPullRequest
let dir: string
let savedEnv: NodeJS.ProcessEnv
let pull: PullRec
let github: GitHubClient
let logs: { info: string[]; warning: string[] }
let log: ReportLog
let requestMark = 0
let violationMark = 0
let runBase = 7000
/** The pull-request run of this test, and the trusted run that posts it. */
let prRunId = 0
let trustedRunId = 0

beforeAll(async () => {
  fake = await startFakeGitHub()
  process.env.GITHUB_API_URL = fake.url
  ;({ postReportFromRun, PostReportError } = await import('../../src/github/post-report.js'))
  ;({ reportOnPullRequest } = await import('../../src/github/pr-report.js'))
})

afterAll(async () => {
  await fake.close()
})

beforeEach(() => {
  savedEnv = { ...process.env }
  requestMark = fake.requests.length
  violationMark = fake.violations.length
  runBase += 100
  prRunId = runBase + 1
  trustedRunId = runBase + 50
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-post-report-'))
  pull = fake.state.addPullRequest({ head: { ref: 'patch-1', repo: FORK }, user: 'mallory' })
  github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
  logs = { info: [], warning: [] }
  log = { info: (m) => logs.info.push(m), warning: (m) => logs.warning.push(m) }
})

afterEach(() => {
  process.env = savedEnv
  expect(fake.violations.slice(violationMark)).toEqual([])
  rmSync(dir, { recursive: true, force: true })
})

/** This test's requests. */
const calls = (filter: (c: RequestLogEntry) => boolean = () => true) => fake.requests.slice(requestMark).filter(filter)
const writes = () => calls((c) => c.server === 'api' && c.method !== 'GET')
const checkRunsOn = (sha: string) => [...fake.state.checkRuns.values()].filter((c) => c.head_sha === sha)

function record(overrides: Parameters<typeof buildRunRecord>[0] = {}): RunRecord {
  return buildRunRecord({
    metrics: buildMetrics({ accuracy: 0.97 }),
    gates: buildGateVerdict({ results: [{ metric: 'accuracy', rule: 'min', threshold: 0.95, value: 0.97, status: 'pass', message: 'ok' }] }),
    artifacts: [{ path: 'models/model.json', sha256: sha256(MODEL_BYTES), size: MODEL_BYTES.length }],
    ...overrides,
  })
}

/** Sets process.env for a step of `runId` and returns its context. */
function step(runId: number, event: Record<string, unknown>, options: { token?: string; eventName: string; sha?: string }): RunContext {
  const eventPath = path.join(dir, `event-${runId}.json`)
  writeFileSync(eventPath, JSON.stringify(event))
  const workspace = path.join(dir, `ws-${runId}`)
  mkdirSync(workspace, { recursive: true })
  const env = { ...fake.actionsEnv({ runId, eventName: options.eventName, token: options.token, sha: options.sha, workspace }), GITHUB_EVENT_PATH: eventPath, RUNNER_TEMP: dir }
  Object.assign(process.env, env)
  return readRunContext(env)
}

/** The trusted run, triggered by the completion of pull-request run `prRunId`. */
function workflowRunStep(prRunId: number, headSha: string): RunContext {
  const workflowRun = { id: prRunId, head_sha: headSha, event: 'pull_request', conclusion: 'success', head_repository: { full_name: FORK }, pull_requests: [] }
  return step(trustedRunId, { workflow_run: workflowRun }, { eventName: 'workflow_run' })
}

/** A pull-request run with a bundle artifact shaped by hand (as a hostile fork could). */
function forgeRun(runId: number, headSha: string, bundle: Partial<ReviewBundle>, report = '# report\n'): void {
  fake.state.addWorkflowRun({ id: runId, head_sha: headSha, event: 'pull_request', head_branch: 'patch-1' })
  const full = {
    schema: 1,
    model: 'penguin-classifier',
    pullRequest: pull.number,
    headSha,
    workflowRunId: runId,
    workflowRunUrl: 'https://evil.example/phish',
    reportSha256: sha256(report),
    run: record(),
    ...bundle,
  }
  fake.state.addArtifact(runId, {
    name: 'mlops-penguin-classifier',
    files: { 'bundle.json': JSON.stringify(full), 'report.md': report, 'artifacts/models/model.json': MODEL_BYTES },
  })
}

describe('postReportFromRun', () => {
  it('posts a fork run\'s report: the fork run writes nothing, the trusted run comments and checks', async () => {
    // The fork's pull_request run: read-only token, uploads its bundle.
    const root = path.join(dir, 'fork-checkout')
    mkdirSync(path.join(root, 'models'), { recursive: true })
    writeFileSync(path.join(root, 'models', 'model.json'), MODEL_BYTES)
    const prEvent = {
      pull_request: { number: pull.number, head: { sha: pull.head.sha, ref: 'patch-1', repo: { full_name: FORK } }, base: { ref: 'main', repo: { full_name: 'octo/penguins' } }, labels: [] },
    }
    const forkContext = step(prRunId, prEvent, { token: FORK_TOKEN, eventName: 'pull_request', sha: pull.head.sha })
    const forkGithub = createGitHubClient({ token: FORK_TOKEN, baseUrl: fake.url })
    const forkResult = await reportOnPullRequest({ github: forkGithub, token: FORK_TOKEN, context: forkContext, record: record(), root, log })
    expect(forkResult.kind).toBe('fork')
    expect(calls((c) => c.server === 'api')).toEqual([])

    // The trusted workflow_run run.
    const result = await postReportFromRun({ github, token: fake.token, context: workflowRunStep(prRunId, pull.head.sha), log })
    expect(result).toMatchObject({ runId: prRunId, headSha: pull.head.sha, reports: [{ kind: 'commented', artifact: 'mlops-penguin-classifier', model: 'penguin-classifier', pullRequest: pull.number }] })
    const comments = fake.state.comments.get(pull.number)!
    expect(comments.map((c) => c.user.login)).toEqual(['github-actions[bot]'])
    expect(comments[0]!.body).toContain('✅ **The gate passes**')
    expect(comments[0]!.body).toContain(
      `[Workflow run](https://github.com/octo/penguins/actions/runs/${prRunId}) · [Review bundle](https://github.com/octo/penguins/actions/runs/${prRunId}/artifacts/${forkResult.artifactId})`,
    )
    expect(checkRunsOn(pull.head.sha)).toMatchObject([{ name: 'mlops: penguin-classifier', head_sha: pull.head.sha, conclusion: 'neutral' }]) // a fork's verdict is never a passing check
    expect(writes().map((c) => c.operationId)).toEqual(['issues/create-comment', 'checks/create'])
    expect(logs.warning).toEqual([])
  })

  it('refuses an artifact whose commit is not the pull request\'s head, and writes nothing', async () => {
    const victim = fake.state.addPullRequest({ head: { ref: 'feature/other' } })
    // (a) Built at the fork's head but pointed at someone else's pull request.
    forgeRun(prRunId, pull.head.sha, { pullRequest: victim.number })
    const a = await postReportFromRun({ github, token: fake.token, context: workflowRunStep(prRunId, pull.head.sha), log })
    expect(a.reports).toEqual([
      { kind: 'refused', artifact: 'mlops-penguin-classifier', reason: `pull request #${victim.number} is at commit ${victim.head.sha}, not "${pull.head.sha}"; a newer push will report for itself` },
    ])
    // (b) Claiming the victim's head commit, from a run that built another one.
    forgeRun(prRunId + 1, pull.head.sha, { pullRequest: victim.number, headSha: victim.head.sha, workflowRunId: prRunId + 1 })
    const b = await postReportFromRun({ github, token: fake.token, context: workflowRunStep(prRunId + 1, pull.head.sha), log })
    expect(b.reports).toMatchObject([{ kind: 'refused', reason: `it is for commit "${victim.head.sha}", but workflow run ${prRunId + 1} built ${pull.head.sha}` }])

    expect(fake.state.comments.get(victim.number) ?? []).toEqual([])
    expect(checkRunsOn(victim.head.sha)).toEqual([])
    expect(writes()).toEqual([])
    expect(logs.warning).toHaveLength(2)
  })

  it.each([
    ['a report that does not match its hash', { reportSha256: '0'.repeat(64) }, /report does not match its recorded hash/],
    ['another run\'s bundle', { workflowRunId: 6999 }, /made by workflow run 6999, but it belongs to run \d+/],
    ['another model\'s bundle', { model: 'penguin-regressor' }, /holds the report for model "penguin-regressor", not the one its name says/],
    ['a run record for another model', { run: record({ model: { name: 'penguin-regressor' } }) }, /run record is for model "penguin-regressor", not "penguin-classifier"/],
    ['a push run\'s bundle', { pullRequest: null }, /not for a pull request/],
  ])('refuses %s', async (_what, bundle, reason) => {
    forgeRun(prRunId, pull.head.sha, bundle)
    const result = await postReportFromRun({ github, token: fake.token, context: workflowRunStep(prRunId, pull.head.sha), log })
    expect(result.reports).toMatchObject([{ kind: 'refused', reason: expect.stringMatching(reason) }])
    expect(writes()).toEqual([])
  })

  it('refuses a closed pull request', async () => {
    forgeRun(prRunId, pull.head.sha, {})
    pull.state = 'closed'
    const result = await postReportFromRun({ github, token: fake.token, context: workflowRunStep(prRunId, pull.head.sha), log })
    expect(result.reports).toMatchObject([{ kind: 'refused', reason: `pull request #${pull.number} is closed` }])
    expect(writes()).toEqual([])
  })

  it('re-renders hostile names and values escaped and never posts the artifact\'s own Markdown', async () => {
    const [img, mention, pipe, close] = HOSTILE_NAMES as [string, string, string, string]
    const hostile = record({
      metrics: buildMetrics(Object.fromEntries(HOSTILE_NAMES.map((n, i) => [n, i / 10]))),
      gates: buildGateVerdict({ results: [{ metric: img, rule: 'min', threshold: 0.5, value: 0, status: 'fail', message: `${mention} ${close} ${pipe}` }] }),
      stages: [buildStageRecord({ status: 'failed', reason: `${close}<img src=x onerror=alert(2)> ${mention}`, exitCode: 1 })],
      data: [
        buildDataResult({
          name: close,
          checks: [buildCheckResult({ check: 'values', column: pipe, passed: false, failed: 1, message: mention, examples: [{ line: 2, value: `${close}<script>alert(3)</script>` }] })],
        }),
      ],
      status: 'failed',
    })
    const rawReport = '<img src=x onerror=alert(4)> RAW-ARTIFACT-MARKDOWN @octocat\n'
    forgeRun(prRunId, pull.head.sha, { run: hostile }, rawReport)
    // Given by run id (e.g. from workflow_dispatch): the head commit then comes from the API.
    const context = step(trustedRunId, {}, { eventName: 'workflow_dispatch' })
    const result = await postReportFromRun({ github, token: fake.token, context, runId: prRunId, log })
    expect(result.reports).toMatchObject([{ kind: 'commented', checkRun: { conclusion: 'neutral' } }])

    const body = (calls((c) => c.operationId === 'issues/create-comment')[0]!.body as { body: string }).body
    expect(body).not.toContain('RAW-ARTIFACT-MARKDOWN')
    // Code spans show their text literally (`</details>` in one is inert); outside them, no live HTML.
    const prose = body.replace(/(`+)[^`]*?\1/g, '')
    expect(body).toContain('`</details><script>alert(3)</script>`')
    expect(prose).not.toMatch(/<img|<script|<\/details>/i)
    expect(body).not.toMatch(/@octocat/) // every @ is followed by a zero-width joiner
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;')
    // No value adds a cell: every row of each table has its header's cell count.
    for (const table of body.split(/\n(?!\|)/).filter((block) => block.startsWith('|'))) {
      const widths = table.split('\n').map((row) => row.replace(/\\\|/g, '').split('|').length)
      expect(new Set(widths).size, table).toBe(1)
    }
    for (const line of body.split('\n').filter((l) => l.startsWith('|'))) expect(line).not.toContain('| x |')
    expect(body).not.toContain('evil.example')
    const [check] = checkRunsOn(pull.head.sha)
    expect(check!.output.summary!.replace(/(`+)[^`]*?\1/g, '')).not.toMatch(/<img|<script|<\/details>|RAW-ARTIFACT-MARKDOWN/)
    expect(check!.details_url).toBe(`https://github.com/octo/penguins/actions/runs/${prRunId}`)
  })

  it('needs a run to post from', async () => {
    const context = step(trustedRunId, {}, { eventName: 'workflow_dispatch' })
    await expect(postReportFromRun({ github, token: fake.token, context, log })).rejects.toThrow(PostReportError)
    await expect(postReportFromRun({ github, token: fake.token, context, runId: 424242, log })).rejects.toThrow(/workflow run 424242 does not exist/)
  })
})
