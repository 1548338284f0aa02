import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Manifest } from '../registry/manifest.js'
import { shorten, toOneLine } from '../report/escape.js'
import { downloadRunArtifact, type ArtifactRef } from './artifacts.js'
import type { RunContext } from './context.js'
import { describeHttpError, isHttpError, type GitHubClient } from './octokit.js'
import { publishPullRequestReport, type Published, type ReportLog } from './pr-report.js'
import { BundleError, bundleArtifactName, readReviewBundle, type ReviewBundle } from './review-bundle.js'

// The trusted half of the two-workflow pattern. A fork's pull-request run cannot write to the
// pull request, so it uploads its report as an artifact; a workflow triggered by `workflow_run`
// (base-repository code, a token that may write) posts it here. Everything in that artifact
// was made by code from the fork and is treated as hostile:
//  - the bundle must pass readReviewBundle (schema and hashes) and name the model it is for;
//  - it must belong to the triggering run, and its pull request must exist, be open and have
//    its head at exactly the commit that run built (a forged artifact cannot steer the report
//    onto another pull request or commit);
//  - the comment is re-rendered from the zod-validated run record, whose strings the renderer
//    escapes; the artifact's own report.md is never posted;
//  - links are built from the API's values, never from URLs in the bundle.
// No code from the fork is checked out or run.

export interface PostReportOptions {
  github: GitHubClient
  token: string
  /** The workflow_run run's context. */
  context: RunContext
  /** The pull-request run to post from; default the run that triggered this one. */
  runId?: number
  log: ReportLog
  /** The login the token comments as, when it is a GitHub App's (`my-app[bot]`). */
  commentAuthor?: string
  /**
   * The baseline manifest to compare with (from the trusted registry, e.g. by
   * bundle.run.gates.baseline). Without it the comment shows this run's metrics alone.
   */
  resolveBaseline?: (bundle: ReviewBundle) => Promise<Manifest | undefined>
}

export type PostedModelReport =
  | ({ kind: 'commented'; artifact: string; model: string; pullRequest: number } & Published)
  /** Not posted: the reason says what did not check out. Nothing was written for this artifact. */
  | { kind: 'refused'; artifact: string; reason: string }

export interface PostReportResult {
  runId: number
  headSha: string
  /** One per `mlops-*` artifact of the run; empty when it has none. */
  reports: PostedModelReport[]
}

export class PostReportError extends Error {
  override name = 'PostReportError'
}

/** Bundles are named bundleArtifactName(model). */
const BUNDLE_PREFIX = bundleArtifactName('')

class Refusal extends Error {}

export async function postReportFromRun(options: PostReportOptions): Promise<PostReportResult> {
  const { github, context, log } = options
  const { owner, repo } = context
  const run = await triggeringRun(options)
  const listed = await github.paginate(github.rest.actions.listWorkflowRunArtifacts, { owner, repo, run_id: run.id, per_page: 100 })
  // The newest artifact of each name (a re-run attempt may upload again).
  const byName = new Map<string, (typeof listed)[number]>()
  for (const a of listed) if (a.name.startsWith(BUNDLE_PREFIX) && (byName.get(a.name)?.id ?? -1) < a.id) byName.set(a.name, a)
  if (byName.size === 0) log.warning(`Workflow run ${run.id} has no "${BUNDLE_PREFIX}*" artifacts: nothing to post (did its mlops step run?).`)

  const reports: PostedModelReport[] = []
  for (const artifact of [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const ref: ArtifactRef = { id: artifact.id, name: artifact.name, expired: artifact.expired, workflowRunId: run.id }
    const dir = await mkdtemp(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'mlops-post-'))
    try {
      const verified = await verifyArtifact(options, run, ref, dir)
      const published = await publishPullRequestReport({
        github,
        owner,
        repo,
        serverUrl: context.serverUrl,
        pullRequest: verified.pullRequest,
        headSha: run.headSha,
        runId: run.id,
        runUrl: run.htmlUrl,
        record: verified.bundle.run,
        baseline: await options.resolveBaseline?.(verified.bundle),
        artifact: { name: ref.name, id: ref.id },
        commentAuthor: options.commentAuthor,
        untrusted: true,
        log,
      })
      reports.push({ kind: 'commented', artifact: ref.name, model: verified.bundle.model, pullRequest: verified.pullRequest, ...published })
    } catch (error) {
      if (!(error instanceof Refusal)) throw error
      const reason = error.message
      log.warning(`Refusing to post artifact "${ref.name}" of workflow run ${run.id}: ${reason}`)
      reports.push({ kind: 'refused', artifact: ref.name, reason })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return { runId: run.id, headSha: run.headSha, reports }
}

interface TriggeringRun {
  id: number
  headSha: string
  htmlUrl: string
}

/** The run to post from, as GitHub (not the artifact) describes it. */
async function triggeringRun(options: PostReportOptions): Promise<TriggeringRun> {
  const { github, context } = options
  const payload = context.event.workflow_run
  const id = options.runId ?? payload?.id
  if (id === undefined) {
    throw new PostReportError('post-report needs a pull-request workflow run: run it on a `workflow_run` event, or give the run id (input report-run-id)')
  }
  const runsUrl = `${context.serverUrl.replace(/\/+$/, '')}/${context.owner}/${context.repo}/actions/runs/${id}`
  if (payload && payload.id === id) return { id, headSha: payload.head_sha, htmlUrl: runsUrl }
  try {
    const { data } = await github.rest.actions.getWorkflowRun({ owner: context.owner, repo: context.repo, run_id: id })
    return { id, headSha: data.head_sha, htmlUrl: runsUrl }
  } catch (error) {
    if (isHttpError(error, 404)) throw new PostReportError(`workflow run ${id} does not exist in ${context.owner}/${context.repo}`)
    throw error
  }
}

async function verifyArtifact(options: PostReportOptions, run: TriggeringRun, ref: ArtifactRef, dir: string): Promise<{ bundle: ReviewBundle; pullRequest: number }> {
  const { github, context } = options
  if (ref.expired) throw new Refusal('the artifact has expired')
  try {
    await downloadRunArtifact(options.token, context.owner, context.repo, ref, dir)
  } catch (error) {
    throw new Refusal(`it could not be downloaded: ${describeHttpError(error)}`)
  }
  let bundle: ReviewBundle
  try {
    bundle = (await readReviewBundle(dir)).bundle
  } catch (error) {
    if (error instanceof BundleError) throw new Refusal(error.message)
    throw error
  }
  const quote = (s: string) => JSON.stringify(shorten(toOneLine(s), 80))
  if (bundleArtifactName(bundle.model) !== ref.name) throw new Refusal(`it holds the report for model ${quote(bundle.model)}, not the one its name says`)
  if (bundle.run.model.name !== bundle.model) throw new Refusal(`its run record is for model ${quote(bundle.run.model.name)}, not ${quote(bundle.model)}`)
  if (bundle.workflowRunId !== run.id) throw new Refusal(`it says it was made by workflow run ${bundle.workflowRunId}, but it belongs to run ${run.id}`)
  if (bundle.pullRequest === null || bundle.pullRequest <= 0) throw new Refusal('it is not for a pull request')
  const number = bundle.pullRequest
  if (bundle.headSha !== run.headSha) throw new Refusal(`it is for commit ${quote(bundle.headSha)}, but workflow run ${run.id} built ${run.headSha}`)
  let pull: Awaited<ReturnType<GitHubClient['rest']['pulls']['get']>>['data']
  try {
    pull = (await github.rest.pulls.get({ owner: context.owner, repo: context.repo, pull_number: number })).data
  } catch (error) {
    if (isHttpError(error, 404)) throw new Refusal(`pull request #${number} does not exist in ${context.owner}/${context.repo}`)
    throw error
  }
  if (pull.state !== 'open') throw new Refusal(`pull request #${number} is ${pull.state}`)
  if (pull.head.sha !== bundle.headSha) {
    throw new Refusal(`pull request #${number} is at commit ${pull.head.sha}, not ${quote(bundle.headSha)}; a newer push will report for itself`)
  }
  return { bundle, pullRequest: number }
}
