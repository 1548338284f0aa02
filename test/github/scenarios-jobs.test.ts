import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NODE24 } from '../helpers/node24.js'
import { type ActionRun, OWNER, REPO, type Scenario, startScenario } from './scenario.js'

// The reusable workflow's jobs through the bundled action, one process per job as a runner runs
// them, on one workflow run of a pull request: plan → a job per matrix entry (level by level,
// each on a checkout without the other jobs' files) → gather. Results travel through the fake
// artifact service with the real @actions/artifact client. The report must match `command: run`.
// On Node 24, the runtime action.yml declares, wherever it is installed (CI requires it).

let s: Scenario
beforeEach(async () => {
  if (process.env.CI) expect(NODE24, 'Node 24 is required on CI: set MLOPS_NODE24').toBeDefined()
  s = await startScenario({ node: NODE24 ?? process.execPath })
})
afterEach(async () => {
  expect(s.fake.violations).toEqual([])
  await s.close()
})

async function onPullRequest(number: number, runId: number, inputs: Record<string, string>): Promise<ActionRun> {
  const pr = s.fake.state.pulls.get(number)!
  if (!s.fake.state.workflowRuns.has(runId)) s.fake.state.addWorkflowRun({ id: runId, event: 'pull_request', head_sha: pr.head.sha, head_branch: pr.head.ref, status: 'in_progress', pull_requests: [number] })
  s.repo.git('checkout', '-q', '--detach', pr.head.sha)
  // A fresh runner: only what the commit holds.
  for (const p of ['models', 'reports', 'data/train.csv', 'data/test.csv', '.mlops']) rmSync(path.join(s.repo.dir, p), { recursive: true, force: true })
  const env = s.fake.actionsEnv({ runId, sha: pr.head.sha, eventName: 'pull_request', ref: `refs/pull/${number}/merge`, workspace: s.repo.dir })
  const event = { pull_request: { number, head: { sha: pr.head.sha, ref: pr.head.ref, repo: { full_name: `${OWNER}/${REPO}` } }, base: { ref: 'main', repo: { full_name: `${OWNER}/${REPO}` } }, labels: [] } }
  return s.runAction(env, event, inputs)
}

const normalize = (report: string) => report.replace(/\d{8}-\d{6}-[0-9a-f]{4}/g, 'RUN').replace(/\d+(\.\d+)?(ms|s)\b/g, 'T').replace(/(p50|p95|p99|latency\S*|throughput\S*)[^\n]*/g, '$1 …')

describe('the pipeline as workflow jobs', () => {
  it('plans, runs each job with artifacts between them, and gathers the same report as one job', async () => {
    // The example's own learning-rate sweep.
    s.openPullRequest(31, () => {})
    const plan = await onPullRequest(31, 6101, { command: 'plan' })
    expect(plan.status, plan.stdout + plan.stderr).toBe(0)
    expect(JSON.parse(plan.outputs.validate!)).toEqual([{ job: 'data.penguins' }])
    const levels = [1, 2, 3, 4].map((k) => JSON.parse(plan.outputs[`stages-${k}`]!) as Array<{ job: string; 'runs-on': string }>)
    expect(levels.map((l) => l.map((j) => j.job))).toEqual([['stage.prepare'], ['stage.train[c1]', 'stage.train[c2]'], ['stage.evaluate[c1]', 'stage.evaluate[c2]'], []])
    expect(levels[1]![0]!['runs-on']).toBe('ubuntu-latest')

    for (const entry of [...JSON.parse(plan.outputs.validate!), ...levels.flat()] as Array<{ job: string }>) {
      const job = await onPullRequest(31, 6101, { command: 'job', job: entry.job })
      expect(job.status, `${entry.job}\n${job.stdout}${job.stderr}`).toBe(0)
    }
    const names = [...s.fake.state.artifacts.values()].filter((a) => a.run_id === 6101).map((a) => a.name)
    expect(names.sort()).toEqual(['mlops-job-data.penguins', 'mlops-job-stage.evaluate[c1]', 'mlops-job-stage.evaluate[c2]', 'mlops-job-stage.prepare', 'mlops-job-stage.train[c1]', 'mlops-job-stage.train[c2]'])

    const gathered = await onPullRequest(31, 6101, { command: 'gather' })
    expect(gathered.status, gathered.stdout + gathered.stderr).toBe(0)
    expect(gathered.outputs.verdict).toBe('pass')
    expect(gathered.summary).toContain('### Sweep')
    expect(gathered.summary).toMatch(/\| 🏆 \| `0.1` \|/)

    const single = await onPullRequest(31, 6102, { command: 'run' })
    expect(single.status, single.stdout + single.stderr).toBe(0)
    expect(normalize(gathered.summary)).toBe(normalize(single.summary))
  }, 120_000)
})
