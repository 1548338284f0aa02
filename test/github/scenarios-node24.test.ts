import { afterEach, describe, expect, it } from 'vitest'
import { NODE24, runtimeAvailable } from '../helpers/node24.js'
import { type Scenario, startScenario } from './scenario.js'

// The runtime action.yml declares: one pull request from report to release on Node 24.

let s: Scenario | undefined
afterEach(async () => {
  if (!s) return
  expect(s.fake.violations).toEqual([])
  await s.close()
  s = undefined
})

describe('the action bundle on Node 24', () => {
  it.runIf(runtimeAvailable(NODE24))('reports on a pull request and promotes it on merge', async () => {
    expect(NODE24, 'Node 24 is required on CI: set MLOPS_NODE24').toBeDefined()
    s = await startScenario({ node: NODE24 })
    const scenario = s
    scenario.openPullRequest(21, (repo) => repo.write('params.yaml', repo.read('params.yaml').replace('epochs: 200', 'epochs: 150')))
    const pr = await scenario.runOnPullRequest(21)
    expect(pr.status, pr.stdout + pr.stderr).toBe(0)
    expect(pr.stdout).not.toContain('EBADENGINE')
    expect(scenario.fake.state.comments.get(21)).toHaveLength(1)

    const promote = await scenario.runOnPush(scenario.merge(21))
    expect(promote.status, promote.stdout + promote.stderr).toBe(0)
    expect(promote.outputs).toMatchObject({ version: '0.1.0', tag: 'penguin-classifier@v0.1.0' })
    expect([...scenario.fake.state.releases.values()].map((r) => r.draft)).toEqual([false])
  })
})
