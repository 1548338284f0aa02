import { readFileSync } from 'node:fs'
import { z } from 'zod'

// The workflow run as the runner describes it (GITHUB_* variables and the event payload), read
// once. Event text (titles, branch names) is data: it never reaches a shell or unescaped Markdown.

const Repo = z.object({ full_name: z.string() }).nullable().optional()

export const PullRequestPayload = z.object({
  number: z.number().int(),
  head: z.object({ sha: z.string(), ref: z.string(), repo: Repo }),
  base: z.object({ ref: z.string(), repo: Repo }),
  labels: z.array(z.object({ name: z.string() })).default([]),
})

export const WorkflowRunPayload = z.object({
  id: z.number().int(),
  head_sha: z.string(),
  event: z.string(),
  conclusion: z.string().nullable().optional(),
  head_repository: Repo,
  pull_requests: z.array(z.object({ number: z.number().int() })).default([]),
})

const EventPayload = z
  .object({
    pull_request: PullRequestPayload.optional(),
    workflow_run: WorkflowRunPayload.optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough()

export type PullRequestPayload = z.infer<typeof PullRequestPayload>
export type WorkflowRunPayload = z.infer<typeof WorkflowRunPayload>

export interface RunContext {
  eventName: string
  event: z.infer<typeof EventPayload>
  owner: string
  repo: string
  sha: string
  /** refs/heads/main, refs/pull/1/merge, … */
  ref: string
  runId: number
  runAttempt: number
  actor: string
  apiUrl: string
  serverUrl: string
  workspace: string
  /** Link to this workflow run, for reports and manifests. */
  runUrl: string
}

export class ContextError extends Error {
  override name = 'ContextError'
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) throw new ContextError('GITHUB_REPOSITORY is not set; the action must run inside a GitHub Actions workflow')
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const runId = Number(env.GITHUB_RUN_ID || 0)
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    event: readEvent(env.GITHUB_EVENT_PATH),
    owner,
    repo,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runId,
    runAttempt: Number(env.GITHUB_RUN_ATTEMPT || 1),
    actor: env.GITHUB_ACTOR || 'unknown',
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}`,
  }
}

function readEvent(file: string | undefined): z.infer<typeof EventPayload> {
  if (!file) return {}
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ContextError(`cannot read the event payload "${file}": ${(error as Error).message}`, { cause: error })
  }
  const parsed = EventPayload.safeParse(raw)
  if (!parsed.success) throw new ContextError(`unexpected event payload in "${file}": ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`)
  return parsed.data
}

/** A pull request from another repository: its token is read-only and its code untrusted. */
export function isForkPullRequest(context: RunContext): boolean {
  const pr = context.event.pull_request
  const head = pr?.head.repo?.full_name
  return pr !== undefined && (head === undefined || head.toLowerCase() !== `${context.owner}/${context.repo}`.toLowerCase())
}
