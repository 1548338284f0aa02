import type { RunRecord } from '../pipeline/run-record.js'
import type { Manifest } from '../registry/manifest.js'
import { shorten, toOneLine } from '../report/escape.js'
import { renderReport, renderVerdictLine } from '../report/render-report.js'
import { describeHttpError, isHttpError, type GitHubClient } from './octokit.js'

// A check run per model on the pull request's head commit, so the gate verdict shows in the
// checks list and can be a required status check. It is a convenience next to the comment:
// a token that may not create check runs (a fork's, a job without `checks: write`, a personal
// access token) gets a warning, never a failed job.

/** GitHub's limit on a check run's output.summary. */
export const CHECK_RUN_SUMMARY_LIMIT = 65_535
/** Keeps the title readable in the checks list. */
const TITLE_LIMIT = 250

export interface GateCheckRunOptions {
  owner: string
  repo: string
  headSha: string
  model: string
  record: RunRecord
  baseline?: Manifest
  /** Where "Details" leads: the workflow run (a trusted URL). */
  detailsUrl?: string
  log?: { warning: (message: string) => void }
  /**
   * The verdict comes from a fork's run (post-report): report it as neutral, so a required
   * check can never be satisfied by data the fork produced.
   */
  untrusted?: boolean
}

export type CheckRunResult =
  | { created: true; id: number; url: string; conclusion: 'success' | 'failure' | 'neutral' }
  | { created: false; reason: string }

export function checkRunName(model: string): string {
  return `mlops: ${toOneLine(model, 100)}`
}

/** success only when the run succeeded and every gate passed. */
export function gateConclusion(record: RunRecord): 'success' | 'failure' {
  return record.status === 'succeeded' && record.gates.passed ? 'success' : 'failure'
}

export async function createGateCheckRun(github: GitHubClient, options: GateCheckRunOptions): Promise<CheckRunResult> {
  const { record } = options
  const name = checkRunName(options.model)
  const conclusion = options.untrusted ? 'neutral' : gateConclusion(record)
  try {
    const { data } = await github.rest.checks.create({
      owner: options.owner,
      repo: options.repo,
      name,
      head_sha: options.headSha,
      status: 'completed',
      conclusion,
      ...(options.detailsUrl ? { details_url: options.detailsUrl } : {}),
      external_id: shorten(record.id, 100),
      ...timestamps(record),
      output: {
        title: shorten(renderVerdictLine(record, { format: 'text' }), TITLE_LIMIT),
        summary: renderReport({ run: record, baseline: options.baseline, maxLength: CHECK_RUN_SUMMARY_LIMIT }),
      },
    })
    return { created: true, id: data.id, url: data.html_url ?? data.url, conclusion }
  } catch (error) {
    const reason = describeHttpError(error)
    const hint =
      isHttpError(error, 403) || isHttpError(error, 404)
        ? ' The token may not create check runs (a fork pull request, a job without `permissions: checks: write`, or a personal access token); the pull request comment still carries the verdict.'
        : ''
    options.log?.warning(`Could not create the check run "${name}": ${reason}.${hint}`)
    return { created: false, reason }
  }
}

/** The run's start and end, when they are real timestamps (the record may come from a fork's artifact). */
function timestamps(record: RunRecord): { started_at?: string; completed_at?: string } {
  const started = Date.parse(record.startedAt)
  const finished = Date.parse(record.finishedAt)
  if (!Number.isFinite(started) || !Number.isFinite(finished) || finished < started) return {}
  return { started_at: new Date(started).toISOString(), completed_at: new Date(finished).toISOString() }
}
