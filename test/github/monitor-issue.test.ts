import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DriftReport } from '../../src/data/drift/compare-profiles.js'
import { dispatchRetraining, MONITOR_LABEL, monitorMarker, readHistory, reportMonitorIssue } from '../../src/github/monitor-issue.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/octokit.js'
import { WORKFLOW_TOKEN_LOGIN } from '../../src/github/token-identity.js'
import type { MonitorResult } from '../../src/monitor/run-monitor.js'
import { startFakeGitHub, type FakeGitHub } from '../fake-github/server.js'

// The monitoring issue through real HTTP to the fake GitHub: one issue per model, updated in
// place, closed by a clean run, with the trend kept in its own body.

let fake: FakeGitHub
let github: GitHubClient
beforeEach(async () => {
  fake = await startFakeGitHub()
  github = createGitHubClient({ token: fake.token, baseUrl: fake.url })
})
afterEach(async () => {
  expect(fake.violations).toEqual([])
  await fake.close()
})

const target = () => ({ owner: fake.owner, repo: fake.repo, model: 'penguin-classifier', author: WORKFLOW_TOKEN_LOGIN })

function drift(share: number): DriftReport {
  const drifted = share >= 0.5
  return {
    drifted,
    share,
    driftShare: 0.5,
    driftedColumns: Math.round(share * 4),
    totalColumns: 4,
    columns: [{ column: 'body_mass_g', method: 'ks', scoreKind: 'p_value', score: drifted ? 1e-9 : 0.4, threshold: 0.05, drifted, direction: 'mean 4,200 → 5,100 (+1.12 σ)' }],
    missingColumns: [],
    newColumns: [],
  } as unknown as DriftReport
}

function result(share: number, accuracy?: number): MonitorResult {
  const degraded = accuracy !== undefined && accuracy < 0.9
  return {
    model: 'penguin-classifier',
    version: '0.2.0',
    datasets: [{ name: 'penguins', path: 'data/new.csv', rows: 344, drift: drift(share) }],
    ...(accuracy === undefined ? {} : { performance: { file: 'scored.csv', metrics: {}, gates: [{ metric: 'accuracy', rule: 'min', threshold: 0.9, value: accuracy, status: degraded ? 'fail' : 'pass', message: `${accuracy} ${degraded ? '<' : '≥'} 0.9` }] } }),
    problems: [],
    drifted: share >= 0.5,
    degraded,
  }
}

const issues = () => [...fake.state.issueRecs.values()]

describe('the monitoring issue', () => {
  it('opens one issue on drift, updates it in place, and a clean run comments and closes it', async () => {
    const first = await reportMonitorIssue(github, target(), result(0.75, 0.95), { runUrl: 'https://github.com/octo/penguins/actions/runs/1', now: new Date('2026-12-01T06:00:00Z') })
    expect(first.action).toBe('created')
    expect(issues()).toHaveLength(1)
    const issue = issues()[0]!
    expect(issue).toMatchObject({ title: 'penguin-classifier v0.2.0: data drift', labels: [MONITOR_LABEL], state: 'open' })
    expect(issue.body).toContain(monitorMarker('penguin-classifier'))
    expect(issue.body).toContain('**penguins** against v0.2.0: ❌ **drifted**')
    expect(issue.body).not.toContain('xychart-beta') // one run is no trend yet

    const second = await reportMonitorIssue(github, target(), result(1, 0.82), { now: new Date('2026-12-02T06:00:00Z') })
    expect(second).toMatchObject({ action: 'updated', number: first.number })
    expect(issues()).toHaveLength(1)
    const body = issues()[0]!.body!
    expect(body).toContain('title "drift share and metrics by run"')
    expect(body).toContain('- ❌ accuracy min 0.9: 0.82 &lt; 0.9')
    expect(readHistory(body).map((h) => [h.at, h.driftShare, h.metrics.accuracy])).toEqual([
      ['2026-12-01T06:00:00.000Z', 0.75, 0.95],
      ['2026-12-02T06:00:00.000Z', 1, 0.82],
    ])

    const clean = await reportMonitorIssue(github, target(), result(0.25, 0.96), { runUrl: 'https://github.com/octo/penguins/actions/runs/3' })
    expect(clean).toMatchObject({ action: 'closed', number: first.number })
    expect(issues()[0]).toMatchObject({ state: 'closed', state_reason: 'completed' })
    expect(readHistory(issues()[0]!.body!)).toHaveLength(3)
    expect(fake.state.comments.get(first.number!)!.map((c) => c.body)).toEqual(['✅ No drift and no degradation against v0.2.0 in [this run](https://github.com/octo/penguins/actions/runs/3); closing.'])

    // Nothing open, nothing found: no call that writes.
    expect(await reportMonitorIssue(github, target(), result(0))).toEqual({ action: 'none' })
    // Drift again later: a new issue, the closed one stays closed.
    expect((await reportMonitorIssue(github, target(), result(0.5))).action).toBe('created')
    expect(issues().map((i) => i.state)).toEqual(['closed', 'open'])
  })

  it('never edits an issue someone else wrote, even with our marker in it', async () => {
    const forged = await createGitHubClient({ token: 'ghp_fake_user_token', baseUrl: fake.url }).rest.issues.create({ owner: fake.owner, repo: fake.repo, title: 'x', body: `${monitorMarker('penguin-classifier')}\nmine`, labels: [MONITOR_LABEL] })
    const ours = await reportMonitorIssue(github, target(), result(0.75))
    expect(ours.action).toBe('created')
    expect(ours.number).not.toBe(forged.data.number)
    expect(fake.state.issueRecs.get(forged.data.number)!.body).toBe(`${monitorMarker('penguin-classifier')}\nmine`)
  })

  it('starts the training workflow with the model and the reason', async () => {
    await dispatchRetraining(github, { owner: fake.owner, repo: fake.repo, workflow: 'train.yml', ref: 'main' }, 'penguin-classifier', 'data drift in penguins')
    expect(fake.state.workflowDispatches).toMatchObject([{ workflow_id: 'train.yml', ref: 'main', inputs: { model: 'penguin-classifier', reason: 'data drift in penguins' } }])
  })
})
