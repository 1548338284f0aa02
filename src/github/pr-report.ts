import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { RunRecord } from '../pipeline/run-record.js'
import type { Manifest } from '../registry/manifest.js'
import { toOneLine } from '../report/escape.js'
import { renderReport, renderReportMarker } from '../report/render-report.js'
import { uploadRunArtifact } from './artifacts.js'
import { createGateCheckRun, type CheckRunResult } from './check-run.js'
import { isForkPullRequest, type RunContext } from './context.js'
import { appendHistory, decodeHistory, historyEntryFromRun, keyMetricNames } from './metric-history.js'
import type { GitHubClient } from './octokit.js'
import { artifactUrl, composePrComment } from './pr-comment.js'
import { bundleArtifactName, writeReviewBundle } from './review-bundle.js'
import { findStickyComment, upsertStickyComment, type StickyCommentResult } from './sticky-comment.js'
import { resolveTokenIdentity } from './token-identity.js'

// A pull-request run's report: the review bundle goes up as a workflow artifact (what a merge
// promotes, and what the trusted workflow posts for a fork), then, when the token may write,
// the sticky comment and the check run. A fork's token is read-only and its run must not try:
// the report reaches the pull request through the two-workflow pattern instead (post-report.ts).
// The job summary is the caller's.

/** What the report needs of a logger; @actions/core fits (`log: core`). */
export interface ReportLog {
  info: (message: string) => void
  warning: (message: string) => void
}

export interface PrReportOptions {
  /** Undefined when there is no token: the bundle is uploaded and nothing is written to the API. */
  github: GitHubClient | undefined
  token: string
  context: RunContext
  record: RunRecord
  /** The version the run was compared with. */
  baseline?: Manifest
  /** Project root: the run record's artifact paths are relative to it. */
  root: string
  log: ReportLog
  /** The login the token comments as, when it is a GitHub App's (`my-app[bot]`). */
  commentAuthor?: string
  /** The workflow says its token is read-only (e.g. `permissions: read-all`). */
  readOnly?: boolean
  /** Artifact retention; the repository's default when absent. */
  retentionDays?: number
}

export type PrReportResult =
  /** Comment upserted and check run attempted (see checkRun.created). */
  | ({ kind: 'commented'; artifactId: number | undefined; pullRequest: number } & Published)
  /** Nothing written to the API: the token cannot (fork, Dependabot, read-only); the artifact carries the report. */
  | { kind: 'fork'; artifactId: number | undefined; pullRequest: number; reason: string }
  /** Not a pull_request event: the bundle was uploaded, there is nothing to comment on. */
  | { kind: 'no-pull-request'; artifactId: number | undefined }

export async function reportOnPullRequest(options: PrReportOptions): Promise<PrReportResult> {
  const { context, record, log } = options
  const pr = context.event.pull_request
  const model = record.model.name
  const name = bundleArtifactName(model)
  const headSha = pr?.head.sha ?? context.sha

  // 1. The review bundle, always: promotion on merge and the fork pattern both need it.
  const dir = await mkdtemp(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'mlops-bundle-'))
  let artifactId: number | undefined
  try {
    const files = await writeReviewBundle(
      dir,
      options.root,
      { model, pullRequest: pr?.number ?? null, headSha, workflowRunId: context.runId, workflowRunUrl: context.runUrl, run: record },
      renderReport({ run: record, baseline: options.baseline }),
    )
    artifactId = await uploadRunArtifact(name, files, dir, options.retentionDays)
    log.info(`Uploaded the review bundle as artifact "${name}"${artifactId !== undefined ? ` (id ${artifactId})` : ''}.`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  if (!pr) return { kind: 'no-pull-request', artifactId }

  // 2. A token that cannot write gets no write attempts at all (no 403 noise, no partial state).
  const readOnly = readOnlyReason(context, options.github ? options.token : '', options.readOnly)
  if (readOnly || !options.github) {
    log.info(
      `Not commenting on #${pr.number}: ${readOnly}. The report is in artifact "${name}"; to post it, add a second workflow ` +
        '`on: workflow_run` (types: [completed], naming this workflow) with `permissions: pull-requests: write, checks: write, actions: read` ' +
        'that runs this action with `command: post-report`. It verifies the artifact against the pull request and never runs code from the fork.',
    )
    return { kind: 'fork', artifactId, pullRequest: pr.number, reason: readOnly ?? 'no GitHub token was given' }
  }

  // 3. Sticky comment and check run.
  const published = await publishPullRequestReport({
    github: options.github,
    owner: context.owner,
    repo: context.repo,
    serverUrl: context.serverUrl,
    pullRequest: pr.number,
    headSha,
    runId: context.runId,
    runUrl: context.runUrl,
    record,
    baseline: options.baseline,
    artifact: { name, id: artifactId },
    commentAuthor: options.commentAuthor,
    log,
  })
  return { kind: 'commented', artifactId, pullRequest: pr.number, ...published }
}

/** Why this run's token cannot write to the pull request, or undefined when it can. */
export function readOnlyReason(context: RunContext, token: string, declaredReadOnly = false): string | undefined {
  if (isForkPullRequest(context)) {
    const head = context.event.pull_request?.head.repo?.full_name
    return `the pull request comes from a fork${head ? ` (${toOneLine(head, 100)})` : ''}, so this run's token is read-only`
  }
  // GitHub gives pull_request runs triggered by Dependabot a read-only token, as it does forks.
  if (context.event.pull_request && context.actor === 'dependabot[bot]') return 'Dependabot pull requests get a read-only token'
  if (!token) return 'no GitHub token was given'
  if (declaredReadOnly) return 'the token is read-only'
  return undefined
}

export interface PublishOptions {
  github: GitHubClient
  owner: string
  repo: string
  serverUrl: string
  pullRequest: number
  /** Verified head commit: the check run goes on it and the history records it. */
  headSha: string
  /** Workflow run that produced the report (trusted: from the runner or the API). */
  runId: number
  runUrl: string
  record: RunRecord
  baseline?: Manifest
  artifact?: { name: string; id?: number }
  commentAuthor?: string
  log: ReportLog
  /** The record came from a fork's artifact: the check run is neutral, not a verdict. */
  untrusted?: boolean
}

export interface Published {
  /** The comment's web URL (comment.url). */
  commentUrl: string
  comment: StickyCommentResult
  checkRun: CheckRunResult
  /** Pushes in the comment's stored history, this one included. */
  historyEntries: number
}

/**
 * Upserts the sticky comment (carrying over the history of earlier pushes from the comment it
 * replaces) and creates the check run. Shared by the pull-request run and post-report.
 */
export async function publishPullRequestReport(options: PublishOptions): Promise<Published> {
  const { github, owner, repo, record, log } = options
  const identity = await resolveTokenIdentity(github, { override: options.commentAuthor })
  const target = { owner, repo, issueNumber: options.pullRequest, marker: renderReportMarker(record.model.name), author: identity.login }
  const existing = await findStickyComment(github, target)
  const decoded = decodeHistory(existing?.body)
  if (decoded.problem) log.warning(`Pull request #${options.pullRequest}: ${decoded.problem}.`)
  const entry = historyEntryFromRun(record, { sha: options.headSha, runId: options.runId })
  const history = appendHistory(decoded.history, entry, keyMetricNames(record))
  const serverUrl = options.serverUrl.replace(/\/+$/, '')
  const comment = composePrComment({
    run: record,
    baseline: options.baseline,
    history,
    repoUrl: `${serverUrl}/${owner}/${repo}`,
    links: {
      runUrl: options.runUrl,
      headSha: options.headSha,
      artifact: options.artifact && {
        name: options.artifact.name,
        url: options.artifact.id !== undefined ? artifactUrl(serverUrl, owner, repo, options.runId, options.artifact.id) : undefined,
      },
    },
  })
  if (comment.reportTruncated) log.warning(`The report for "${toOneLine(record.model.name, 100)}" was shortened to fit GitHub's comment limit.`)
  const result = await upsertStickyComment(github, { ...target, body: comment.body, existing: existing ?? null })
  log.info(`${result.action === 'created' ? 'Created' : 'Updated'} the report comment on #${options.pullRequest}: ${result.url}`)
  const checkRun = await createGateCheckRun(github, {
    untrusted: options.untrusted,
    owner,
    repo,
    headSha: options.headSha,
    model: record.model.name,
    record,
    baseline: options.baseline,
    detailsUrl: options.runUrl,
    log,
  })
  return { commentUrl: result.url, comment: result, checkRun, historyEntries: comment.historyStored }
}
