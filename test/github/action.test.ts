import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ACTION, createExampleRepo, type ExampleRepo } from '../helpers/example-repo.js'
import { RUNTIMES, runtimeAvailable } from '../helpers/node24.js'

// The bundled action (dist/index.js) run the way a runner runs it: a child process with INPUT_*
// and GITHUB_* variables, on Node 20 (this machine) and on Node 24 (what action.yml declares).

let repo: ExampleRepo
let runnerDir: string
beforeEach(() => {
  repo = createExampleRepo()
  runnerDir = mkdtempSync(path.join(os.tmpdir(), 'mlops-runner-'))
})
afterEach(() => {
  repo.remove()
  rmSync(runnerDir, { recursive: true, force: true })
})

function runAction(node: string, inputs: Record<string, string>) {
  const outputFile = path.join(runnerDir, 'output')
  const summaryFile = path.join(runnerDir, 'summary.md')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: repo.dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: 'octo/penguins',
    RUNNER_TEMP: runnerDir,
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const result = spawnSync(node, [ACTION], { cwd: repo.dir, env, encoding: 'utf8', timeout: 60_000 })
  return { ...result, outputs: readFileSync(outputFile, 'utf8'), summary: readFileSync(summaryFile, 'utf8') }
}

describe.each(RUNTIMES)('the action bundle on %s', (_name, node) => {
  it.runIf(runtimeAvailable(node))('runs the pipeline, writes the job summary and sets outputs', () => {
    expect(node, 'Node 24 is required on CI: set MLOPS_NODE24').toBeDefined()
    const result = runAction(node!, { command: 'run', spec: 'mlops.yml', 'working-directory': '.', force: 'false' })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain('[train [train.learning_rate=0.1]] ')
    expect(result.summary).toContain('<!-- mlops-report model=penguin-classifier -->')
    expect(result.summary).toContain('All 7 gates pass')
    expect(result.outputs).toMatch(/verdict<<.*\npass\n/)
    expect(result.outputs).toMatch(/report-path<<.*\n\.mlops\/runs\/[\w-]+\/report\.md\n/)
  })

  it.runIf(runtimeAvailable(node))('annotates spec errors at their line and fails the step', () => {
    repo.write('mlops.yml', repo.read('mlops.yml').replace('bump: minor', 'bump: huge'))
    const result = runAction(node!, { command: 'validate' })
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(/::error title=mlops\.yml,file=mlops\.yml,line=70,col=9::"promote\.bump": expected one of/)
    expect(result.stdout).toContain('::error::mlops.yml has 1 error(s)')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it.runIf(runtimeAvailable(node))('refuses an unknown command input', () => {
    const result = runAction(node!, { command: 'deploy' })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain('::error::input "command" must be one of auto, validate, run, report, promote, rollback, post-report, monitor, plan, job, gather; received "deploy"')
  })
})
