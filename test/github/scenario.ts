import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type FakeGitHub, startFakeGitHub } from '../fake-github/server.js'
import { ACTION, createExampleRepo, type ExampleRepo } from '../helpers/example-repo.js'

// A repository on the fake GitHub, and the bundled action run against it the way a runner runs
// it: a child process with the runner's environment, an event payload file, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY. The child must be asynchronous: the fake server lives in this process.

export const OWNER = 'octo'
export const REPO = 'penguins'

export interface ActionRun {
  status: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

export interface Scenario {
  fake: FakeGitHub
  repo: ExampleRepo
  /** Commit on main every pull request starts from. */
  base: string
  openPullRequest(number: number, change: (repo: ExampleRepo) => void, options?: { fork?: boolean; labels?: string[] }): string
  runOnPullRequest(number: number, options?: { runId?: number; token?: string; inputs?: Record<string, string> }): Promise<ActionRun>
  merge(number: number): string
  runOnPush(sha: string, options?: { runId?: number; inputs?: Record<string, string> }): Promise<ActionRun>
  runAction(env: Record<string, string>, event: unknown, inputs?: Record<string, string>): Promise<ActionRun>
  close(): Promise<void>
}

/** `node`: the runtime for the action (default this process's). */
export async function startScenario(options: { node?: string } = {}): Promise<Scenario> {
  const fake = await startFakeGitHub({ owner: OWNER, repo: REPO })
  const repo = createExampleRepo()
  const runner = mkdtempSync(path.join(os.tmpdir(), 'mlops-runner-'))
  const base = repo.git('rev-parse', 'HEAD').trim()
  fake.state.addCommit({ sha: base })
  fake.state.setRef('refs/heads/main', base)
  let runs = 0
  let nextRunId = 5000

  const runAction = async (env: Record<string, string>, event: unknown, inputs: Record<string, string> = {}): Promise<ActionRun> => {
    runs += 1
    const eventPath = path.join(runner, `event-${runs}.json`)
    const outputPath = path.join(runner, `output-${runs}`)
    const summaryPath = path.join(runner, `summary-${runs}.md`)
    writeFileSync(eventPath, JSON.stringify(event))
    writeFileSync(outputPath, '')
    writeFileSync(summaryPath, '')
    const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
    const childEnv = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      RUNNER_TEMP: runner,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_ACTOR: 'octocat',
      'INPUT_GITHUB-TOKEN': env.GITHUB_TOKEN ?? fake.token,
      ...env,
      ...inputEnv,
    }
    const { status, stdout, stderr } = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(options.node ?? process.execPath, [ACTION], { cwd: repo.dir, env: childEnv, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
        resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err })
      })
    })
    return { status, stdout, stderr, outputs: parseOutputs(readFileSync(outputPath, 'utf8')), summary: readFileSync(summaryPath, 'utf8') }
  }

  const scenario: Scenario = {
    fake,
    repo,
    base,
    openPullRequest(number, change, options = {}) {
      repo.git('checkout', '-q', '-B', `pr-${number}`, base)
      change(repo)
      const head = repo.commit(`change for #${number}`)
      repo.git('checkout', '-q', 'main')
      fake.state.addCommit({ sha: head, parents: [base], pulls: [number] })
      fake.state.addPullRequest({
        number,
        head: { sha: head, ref: `pr-${number}`, repo: options.fork ? `someone/${REPO}` : `${OWNER}/${REPO}` },
        base: { sha: base, ref: 'main' },
        labels: options.labels,
      })
      return head
    },
    async runOnPullRequest(number, options = {}) {
      const pr = fake.state.pulls.get(number)!
      const runId = options.runId ?? nextRunId++
      if (!fake.state.workflowRuns.has(runId)) {
        fake.state.addWorkflowRun({ id: runId, event: 'pull_request', head_sha: pr.head.sha, head_branch: pr.head.ref, status: 'in_progress', pull_requests: pr.head.repo === `${OWNER}/${REPO}` ? [number] : [] })
      }
      repo.git('checkout', '-q', '--detach', pr.head.sha)
      const env = fake.actionsEnv({ runId, sha: pr.head.sha, eventName: 'pull_request', ref: `refs/pull/${number}/merge`, workspace: repo.dir, token: options.token })
      const event = {
        pull_request: {
          number,
          head: { sha: pr.head.sha, ref: pr.head.ref, repo: { full_name: pr.head.repo } },
          base: { ref: 'main', repo: { full_name: `${OWNER}/${REPO}` } },
          labels: pr.labels.map((name) => ({ name })),
        },
      }
      const result = await runAction(env, event, options.inputs)
      const run = fake.state.workflowRuns.get(runId)!
      run.status = 'completed'
      run.conclusion = result.status === 0 ? 'success' : 'failure'
      repo.git('checkout', '-q', 'main')
      return result
    },
    merge(number) {
      const pr = fake.state.pulls.get(number)!
      repo.git('checkout', '-q', 'main')
      repo.git('-c', 'user.name=Test', '-c', 'user.email=test@localhost', 'merge', '-q', '--no-ff', '-m', `Merge pull request #${number}`, pr.head.sha)
      const sha = repo.git('rev-parse', 'HEAD').trim()
      fake.state.addCommit({ sha, parents: [pr.base.sha, pr.head.sha], pulls: [number] })
      fake.state.setRef('refs/heads/main', sha)
      Object.assign(pr, { state: 'closed', merged: true, merge_commit_sha: sha, merged_at: new Date().toISOString(), closed_at: new Date().toISOString() })
      return sha
    },
    async runOnPush(sha, options = {}) {
      const runId = options.runId ?? nextRunId++
      fake.state.addWorkflowRun({ id: runId, event: 'push', head_sha: sha, head_branch: 'main', status: 'in_progress' })
      repo.git('checkout', '-q', '--detach', sha)
      const env = fake.actionsEnv({ runId, sha, eventName: 'push', ref: 'refs/heads/main', workspace: repo.dir })
      const result = await runAction(env, { ref: 'refs/heads/main', after: sha }, options.inputs)
      repo.git('checkout', '-q', 'main')
      return result
    },
    runAction,
    async close() {
      await fake.close()
      repo.remove()
      rmSync(runner, { recursive: true, force: true })
    },
  }
  return scenario
}

/** GITHUB_OUTPUT uses `name<<DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!m) continue
    const end = lines.indexOf(m[2]!, i + 1)
    outputs[m[1]!] = lines.slice(i + 1, end).join('\n')
    i = end
  }
  return outputs
}

/** Requests that change state on the API (not the artifact service). */
export function apiWrites(fake: FakeGitHub): number {
  return fake.countCalls((e) => e.server !== 'results' && e.server !== 'blob' && e.method !== 'GET' && e.method !== 'HEAD')
}
