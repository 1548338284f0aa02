import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiWrites, type Scenario, startScenario } from './scenario.js'

// Pull requests end to end: the bundled action (dist/index.js) in a child process, a real git
// repository with the penguins example, and the fake GitHub keeping state.

let s: Scenario
beforeEach(async () => {
  s = await startScenario()
})
afterEach(async () => {
  expect(s.fake.violations).toEqual([])
  await s.close()
})

const comments = (n: number) => s.fake.state.comments.get(n) ?? []
const epochs = (n: number) => (repo: Scenario['repo']) => repo.write('params.yaml', repo.read('params.yaml').replace('epochs: 200', `epochs: ${n}`))

describe('a pull request', () => {
  it('gets one comment, updated in place on the next push, and a passing check run', async () => {
    s.openPullRequest(7, epochs(150))
    const first = await s.runOnPullRequest(7)
    expect(first.status, first.stdout + first.stderr).toBe(0)
    expect(first.outputs.verdict).toBe('pass')
    expect(comments(7)).toHaveLength(1)
    const body = comments(7)[0]!.body
    expect(body.split('\n').find((l) => l.includes('gates')) ?? '').toContain('✅')
    expect(body).toContain('xychart-beta')
    expect(first.summary).toContain('<!-- mlops-report model=penguin-classifier -->')
    expect(first.outputs['comment-url']).toMatch(/#issuecomment-\d+$/)
    expect([...s.fake.state.checkRuns.values()].map((c) => c.conclusion)).toEqual(['success'])
    expect(s.fake.state.artifacts.size).toBe(1)

    // A second push to the same PR.
    const pr = s.fake.state.pulls.get(7)!
    s.repo.git('checkout', '-q', pr.head.ref)
    epochs(140)(s.repo)
    const head = s.repo.commit('second push')
    s.repo.git('checkout', '-q', 'main')
    s.fake.state.addCommit({ sha: head, parents: [pr.head.sha], pulls: [7] })
    pr.head.sha = head
    const before = s.fake.countCalls((e) => e.server === 'api')
    const second = await s.runOnPullRequest(7)
    expect(second.status, second.stderr).toBe(0)
    expect(comments(7)).toHaveLength(1)
    expect(comments(7)[0]!.body).toMatch(/Metric history \(2 pushes\)/)
    console.log(`REST calls for the PR report of a second push: ${s.fake.countCalls((e) => e.server === 'api') - before}`)
  })

  it('fails the job when a gate fails, and the comment names the gate', async () => {
    s.openPullRequest(8, (repo) => repo.write('mlops.yml', repo.read('mlops.yml').replace('accuracy: { min: 0.90,', 'accuracy: { min: 0.995,')))
    const run = await s.runOnPullRequest(8)
    expect(run.status).toBe(1)
    expect(run.outputs.verdict).toBe('fail')
    expect(run.stdout).toMatch(/::error::.*accuracy/)
    const body = comments(8)[0]!.body
    expect(body.split('\n').find((l) => l.includes('gate')) ?? '').toMatch(/❌.*accuracy/)
    expect([...s.fake.state.checkRuns.values()].map((c) => c.conclusion)).toEqual(['failure'])
  })

  it('from a fork: validates, trains and writes the summary, but makes no write to the API', async () => {
    s.openPullRequest(9, epochs(150), { fork: true })
    const run = await s.runOnPullRequest(9, { token: 'ghs_fake_fork_pr_token' })
    expect(run.status, run.stderr).toBe(0)
    expect(run.summary).toContain('All 7 gates pass')
    expect(apiWrites(s.fake)).toBe(0)
    expect(comments(9)).toHaveLength(0)
    expect(s.fake.state.artifacts.size).toBe(1)
  })

  it('from a fork: a workflow_run workflow posts the report from the artifact after checking it against the API', async () => {
    const head = s.openPullRequest(17, epochs(150), { fork: true })
    const prRun = await s.runOnPullRequest(17, { token: 'ghs_fake_fork_pr_token', runId: 7700 })
    expect(prRun.status, prRun.stderr).toBe(0)
    const workflowRun = { id: 7700, head_sha: head, event: 'pull_request', conclusion: 'success', head_repository: { full_name: 'someone/penguins' }, pull_requests: [] }
    s.fake.state.addWorkflowRun({ id: 7701, event: 'workflow_run', head_sha: s.base })
    const env = s.fake.actionsEnv({ runId: 7701, sha: s.base, eventName: 'workflow_run', ref: 'refs/heads/main', workspace: s.repo.dir })
    const post = await s.runAction(env, { workflow_run: workflowRun })
    expect(post.status, post.stdout + post.stderr).toBe(0)
    expect(comments(17)).toHaveLength(1)
    expect(comments(17)[0]!.body).toContain('<!-- mlops-report model=penguin-classifier -->')

    // The PR moved on since that run: the artifact no longer describes its head, so nothing is posted.
    s.fake.state.pulls.get(17)!.head.sha = s.fake.state.addCommit({ parents: [head], pulls: [17] })
    const stale = await s.runAction(env, { workflow_run: workflowRun })
    expect(stale.status).toBe(1)
    expect(stale.stdout).toMatch(/::error::refused to post/)
    expect(comments(17)).toHaveLength(1)
  })

  it('survives 502s, a secondary rate limit and a dropped connection with exactly one comment', async () => {
    s.openPullRequest(10, epochs(150))
    s.fake.inject({ method: 'GET', path: /\/issues\/10\/comments/, status: 502 })
    s.fake.inject({ method: 'POST', path: /\/issues\/10\/comments/, secondaryRateLimit: true, retryAfter: 1 })
    s.fake.inject({ method: 'POST', path: /\/check-runs/, drop: true })
    const run = await s.runOnPullRequest(10)
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(comments(10)).toHaveLength(1)
    expect(s.fake.state.checkRuns.size).toBe(1)
  })
})
