import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MONITOR_LABEL } from '../../src/github/monitor-issue.js'
import { type Scenario, startScenario } from './scenario.js'

// The scheduled monitoring run, end to end: a promoted version's release carries its data
// profile; the bundled action, on a schedule event, profiles new data against it and keeps
// one issue per model: opened on drift, updated on the next drifted run, closed by a clean one.

let s: Scenario
beforeEach(async () => {
  s = await startScenario()
})
afterEach(async () => {
  expect(s.fake.violations).toEqual([])
  await s.close()
})

/** Every measurement of the penguins shifted: most columns drift. */
function writeShifted(repo: Scenario['repo'], file: string): void {
  const [header, ...lines] = repo.read('data/penguins.csv').trimEnd().split('\n')
  const names = header!.split(',')
  const shift: Record<string, number> = { bill_length_mm: 6, bill_depth_mm: 3, flipper_length_mm: 25, body_mass_g: 900 }
  const rows = lines.map((line) => line.split(',').map((v, j) => (shift[names[j]!] !== undefined && v !== '' && v !== 'NA' ? String(Number(v) + shift[names[j]!]!) : v)).join(','))
  repo.write(file, `${[header, ...rows].join('\n')}\n`)
}

async function scheduled(inputs: Record<string, string>) {
  const sha = s.repo.git('rev-parse', 'HEAD').trim()
  const env = s.fake.actionsEnv({ runId: 9000 + Math.floor(Math.random() * 1000), sha, eventName: 'schedule', ref: 'refs/heads/main', workspace: s.repo.dir })
  return s.runAction(env, { schedule: '0 6 * * *' }, { command: 'monitor', ...inputs })
}

describe('a scheduled monitoring run', () => {
  it('opens one issue on drift, updates it on the next run, closes it when the data is clean, and can start retraining', async () => {
    s.openPullRequest(21, () => {})
    s.fake.state.addReview(21, { state: 'APPROVED', user: 'reviewer-1' })
    expect((await s.runOnPullRequest(21)).status).toBe(0)
    const promoted = await s.runOnPush(s.merge(21))
    expect(promoted.status, promoted.stdout + promoted.stderr).toBe(0)
    writeShifted(s.repo, 'new-week.csv')

    const first = await scheduled({ 'data-name': 'penguins', 'data-path': 'new-week.csv', 'retrain-workflow': 'train.yml' })
    expect(first.status, first.stdout + first.stderr).toBe(0)
    expect(first.outputs.verdict).toBe('drift')
    const issues = () => [...s.fake.state.issueRecs.values()]
    expect(issues()).toHaveLength(1)
    expect(issues()[0]).toMatchObject({ title: 'penguin-classifier v0.1.0: data drift', labels: [MONITOR_LABEL], state: 'open', user: { login: 'github-actions[bot]' } })
    expect(issues()[0]!.body).toContain('**penguins** against v0.1.0: ❌ **drifted**')
    expect(first.outputs['issue-url']).toBe(`https://github.com/octo/penguins/issues/${issues()[0]!.number}`)
    expect(s.fake.state.workflowDispatches).toMatchObject([{ workflow_id: 'train.yml', ref: 'main', inputs: { model: 'penguin-classifier', reason: expect.stringContaining('drift in penguins') } }])

    const second = await scheduled({ 'data-name': 'penguins', 'data-path': 'new-week.csv' })
    expect(second.outputs.verdict).toBe('drift')
    expect(issues()).toHaveLength(1)
    expect(issues()[0]!.body).toContain('xychart-beta')

    const clean = await scheduled({})
    expect(clean.status, clean.stdout + clean.stderr).toBe(0)
    expect(clean.outputs.verdict).toBe('pass')
    expect(issues()[0]).toMatchObject({ state: 'closed', state_reason: 'completed' })
    expect(s.fake.state.workflowDispatches).toHaveLength(1)
  })

  it('refuses a data path outside the workspace', async () => {
    const run = await scheduled({ 'data-name': 'penguins', 'data-path': '../../etc/passwd' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('input "data-path" ("../../etc/passwd") is outside the workspace')
  })
})
