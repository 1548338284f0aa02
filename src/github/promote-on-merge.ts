import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { hashFile } from '../pipeline/hash-files.js'
import type { RunRecord } from '../pipeline/run-record.js'
import { runsDir } from '../pipeline/run-store.js'
import { Manifest } from '../registry/manifest.js'
import { metricGates } from '../metrics/evaluation/slice-gates.js'
import { evaluateGates } from '../metrics/gates.js'
import { AlreadyRegisteredError, type Assignment, type Registry } from '../registry/registry.js'
import { leavesWorkspace } from '../spec/rules.js'
import { PromoteSchema, type Spec } from '../spec/schema.js'
import { downloadRunArtifact, tryFindRunArtifact, type ArtifactRef } from './artifacts.js'
import type { RunContext } from './context.js'
import { createGitHubRegistry } from './github-registry.js'
import { describeHttpError, type GitHubClient } from './octokit.js'
import { publishRelease } from './release.js'
import { bundleArtifactName, readReviewBundle } from './review-bundle.js'
import { decideBump } from './version-bump.js'
import { releaseAssets, releaseBody } from './release-contents.js'

export { assetNames } from './release-contents.js'

// Merging a pull request promotes the model that was reviewed in it. On the push that the merge
// makes: find the pull request, read its release label, fetch the review artifact its PR run
// uploaded (the model files, checked by hash against the run record reviewers saw), register them
// as the next version in the GitHub registry (annotated tags), assign the stage, publish a release
// with the files, manifest and model card, and tell deploy workflows (repository_dispatch).
//
// Every step looks before it writes, so re-running a promotion that failed half-way completes it,
// and re-running a finished one changes nothing.

export interface PromoteSettings {
  /** When the reviewed artifact is missing or expired: retrain on the merge commit instead of failing. */
  retrainIfMissing: boolean
  /** repository_dispatch event type sent after publishing; "" or "none" sends nothing. */
  dispatchEvent: string
  /** Stage to assign; default promote.stage. */
  stage?: string | undefined
}

export interface PromotionLog {
  info: (message: string) => void
  warning: (message: string) => void
}

export interface PromoteOnMergeOptions {
  github: GitHubClient
  /** For downloading the review artifact (@actions/artifact). */
  token: string
  context: RunContext
  spec: Spec
  /** Directory holding mlops.yml; where retrain() leaves the model files. */
  root: string
  settings: PromoteSettings
  /** Runs the pipeline on this checkout; only called when retrainIfMissing and no reviewed artifact. */
  retrain: () => Promise<RunRecord>
  log: PromotionLog
  /** Default: createGitHubRegistry on the context's repository. */
  registry?: Registry
}

export type PromotionResult =
  | {
      kind: 'promoted'
      version: string
      tag: string
      releaseUrl: string
      /** Absent only when promote settings name no stage (never with the defaults). */
      assignment: Assignment | undefined
      /** 'retrained' when the reviewed files were gone and retrainIfMissing retrained them. */
      origin: 'reviewed' | 'retrained'
      pullRequest: number
      dispatched: boolean
    }
  | {
      /** The merge was promoted before (a re-run); whatever was missing (stage, release) was completed. */
      kind: 'already'
      version: string
      tag: string
      releaseUrl: string
      /** The stage assignment this run had to add to finish an earlier promotion, if any. */
      assignment: Assignment | undefined
      pullRequest: number
      dispatched: boolean
    }
  | { kind: 'skipped'; reason: string }

export class PromotionError extends Error {
  override name = 'PromotionError'
}

/** How many PR runs for the head commit are searched for the review artifact. */
const MAX_RUNS_SEARCHED = 10

interface MergedPull {
  number: number
  headSha: string
  labels: string[]
}

interface Candidate {
  run: RunRecord
  /** Absolute path of each artifact (by its run-record path). */
  file: (rel: string) => string
  /** Absolute path of a file in the run's folder (its data profiles), by run-record path. */
  runFile: (rel: string) => string
  origin: 'reviewed' | 'retrained'
  reviewedRunUrl?: string
}

export async function promoteOnMerge(options: PromoteOnMergeOptions): Promise<PromotionResult> {
  const { github, context, spec, settings, log } = options
  const { owner, repo } = context
  const model = spec.model.name
  const promote = spec.promote ?? PromoteSchema.parse({})
  const stage = settings.stage ?? promote.stage
  const short = context.sha.slice(0, 7)

  // (f) Governance: the protected stage only receives what was merged into the promote branch.
  if (stage === promote.stage && context.ref !== `refs/heads/${promote.branch}`) {
    throw new PromotionError(`stage "${stage}" is only promoted from pushes to "${promote.branch}" (promote.branch); this run is for "${context.ref}"`)
  }

  // (a) The pull request this push merged.
  const pull = await findMergedPull(github, owner, repo, context.sha)
  if (!pull) return { kind: 'skipped', reason: `commit ${short} is not the merge of a pull request (a direct push?); only merged pull requests are promoted` }

  // (b) Its release label.
  const decision = decideBump(pull.labels, promote.bump)
  if (decision.kind === 'error') throw new PromotionError(`pull request #${pull.number}: ${decision.message}`)
  if (decision.kind === 'skip') return { kind: 'skipped', reason: `pull request #${pull.number} has the ${decision.label} label; ${model} is not promoted` }
  log.info(`pull request #${pull.number}: ${decision.bump} bump${decision.label ? ` (label ${decision.label})` : ' (promote.bump)'}`)

  // (e) Who approved it.
  const approvers = await listApprovers(github, owner, repo, pull.number)
  const registry = options.registry ?? createGitHubRegistry({ github, owner, repo })

  const temp = await mkdtemp(path.join(os.tmpdir(), 'mlops-review-'))
  try {
    // (c, d) The reviewed model files, or a retrained model when allowed.
    const candidate = (await fetchReviewed(options, pull, temp)) ?? (await retrainInstead(options, pull))
    const run = candidate.run
    const baseline = await registry.findInStage(model, stage)
    refuseIfBehindCurrent(spec, run, baseline, stage)
    const source: NonNullable<Manifest['source']> = {
      repository: `${owner}/${repo}`,
      pullRequest: pull.number,
      approvers,
      workflowRunUrl: context.runUrl,
      ...(candidate.reviewedRunUrl ? { reviewedRunUrl: candidate.reviewedRunUrl } : {}),
    }

    // (g) Register (tag objects and refs) and assign the stage.
    let manifest: Manifest
    let assignment: Assignment | undefined
    let already = false
    try {
      const registration = await registry.register(run, {
        bump: decision.bump,
        stage,
        actor: context.actor,
        source,
        ...(promote.stages ? { stages: promote.stages, enforceOrder: true } : {}),
      })
      manifest = registration.manifest
      assignment = registration.assignment
      log.info(`registered ${model} ${manifest.version} (tag ${manifest.tag})${assignment ? `, assigned to "${stage}" (tag ${assignment.tag})` : ''}`)
    } catch (error) {
      if (!(error instanceof AlreadyRegisteredError)) throw error
      already = true
      log.info(`${model} ${error.version} already registers commit ${error.commit.slice(0, 7)} with these files; completing what is missing`)
      const found = (await registry.listVersions(model)).find((v) => v.version === error.version)
      if (!found?.manifest) throw new PromotionError(`${model} ${error.version} is registered but its tag carries no readable manifest`)
      manifest = found.manifest
      // A promotion that stopped between registering and assigning is finished here, but a
      // version that was in the stage before (and was rolled back since) is left alone.
      const history = await registry.history(model)
      if (!history.some((e) => e.kind === 'assignment' && e.version === manifest.version && e.stage === stage)) {
        assignment = await registry.assign(model, manifest.version, stage, { actor: context.actor, ...(promote.stages ? { stages: promote.stages, enforceOrder: true } : {}) })
        log.info(`assigned ${model} ${manifest.version} to "${stage}" (tag ${assignment.tag})`)
      }
    }

    // (h) The release: model files, manifest, model card; the report as its notes.
    const comparedWith = baseline && baseline.commit !== manifest.commit ? baseline : undefined
    const release = await publishRelease(github, {
      owner,
      repo,
      tag: manifest.tag,
      name: `${model} v${manifest.version}`,
      body: releaseBody(manifest, run, comparedWith, context),
      assets: releaseAssets(manifest, candidate, spec, context),
      log,
    })

    // (i) Deploy workflows hear about it once: when this run published the release.
    const dispatched = release.published ? await dispatch(options, { model, version: manifest.version, stage, tag: manifest.tag, release_url: release.url, commit: manifest.commit }) : false
    if (already) return { kind: 'already', version: manifest.version, tag: manifest.tag, releaseUrl: release.url, assignment, pullRequest: pull.number, dispatched }
    return { kind: 'promoted', version: manifest.version, tag: manifest.tag, releaseUrl: release.url, assignment, origin: candidate.origin, pullRequest: pull.number, dispatched }
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

/** The merged pull request whose merge (or squash/rebase) commit is `sha`; undefined for a direct push. */
async function findMergedPull(github: GitHubClient, owner: string, repo: string, sha: string): Promise<MergedPull | undefined> {
  const pulls = await call(`find the pull request of commit ${sha.slice(0, 7)}`, () =>
    github.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 }),
  )
  const pull = pulls.data.find((p) => p.merged_at && p.merge_commit_sha === sha)
  return pull && { number: pull.number, headSha: pull.head.sha, labels: pull.labels.map((l) => l.name) }
}

/** Logins whose latest approving-or-not review approves (comments neither give nor take approval). */
async function listApprovers(github: GitHubClient, owner: string, repo: string, pullNumber: number): Promise<string[]> {
  const reviews = await call(`list the reviews of pull request #${pullNumber}`, () =>
    github.paginate(github.rest.pulls.listReviews, { owner, repo, pull_number: pullNumber, per_page: 100 }),
  )
  const latest = new Map<string, string>()
  for (const review of reviews) {
    const login = review.user?.login
    if (login && ['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) latest.set(login, review.state)
  }
  return [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login).sort()
}

/**
 * The review bundle of the newest successful pull_request run for the PR's head commit,
 * downloaded into `dir` and verified; undefined (with the reason logged) when there is none.
 */
async function fetchReviewed(options: PromoteOnMergeOptions, pull: MergedPull, dir: string): Promise<Candidate | undefined> {
  const { github, context, spec, log } = options
  const { owner, repo } = context
  const name = bundleArtifactName(spec.model.name)
  const { data } = await call(`list the workflow runs of commit ${pull.headSha.slice(0, 7)}`, () =>
    github.rest.actions.listWorkflowRunsForRepo({ owner, repo, head_sha: pull.headSha, event: 'pull_request', status: 'success', per_page: MAX_RUNS_SEARCHED }),
  )
  const runs = data.workflow_runs.filter((r) => r.head_sha === pull.headSha).sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
  let artifact: ArtifactRef | undefined
  let reviewedRunUrl = ''
  let expired: ArtifactRef | undefined
  for (const run of runs.slice(0, MAX_RUNS_SEARCHED)) {
    const found = await call(`list the artifacts of run ${run.id}`, () => tryFindRunArtifact(github, owner, repo, run.id, name))
    if (found && !found.expired) {
      artifact = found
      reviewedRunUrl = run.html_url
      break
    }
    expired ??= found
  }
  if (!artifact) {
    const why = expired
      ? `the review artifact "${name}" of pull request #${pull.number} (run ${expired.workflowRunId}) has expired`
      : runs.length === 0
        ? `pull request #${pull.number} has no successful pull_request workflow run for its head commit ${pull.headSha.slice(0, 7)}`
        : `no successful pull_request run of pull request #${pull.number} uploaded a review artifact named "${name}"`
    if (!options.settings.retrainIfMissing) {
      throw new PromotionError(
        `${why}; never promote something no one reviewed: re-run the pull request's workflow and merge again, or set "retrain-if-missing" to retrain on merge (the version will say it was retrained, not reviewed)`,
      )
    }
    log.warning(`${why}; retraining on the merge commit because retrain-if-missing is set`)
    return undefined
  }

  log.info(`downloading review artifact "${name}" from ${reviewedRunUrl}`)
  let downloaded: string
  try {
    downloaded = await downloadRunArtifact(options.token, owner, repo, artifact, dir)
  } catch (error) {
    throw new PromotionError(`could not download the review artifact "${name}" of run ${artifact.workflowRunId}: ${describeHttpError(error)}`, { cause: error })
  }
  const { bundle, artifactPath, runPath } = await readReviewBundle(downloaded)
  const mismatch =
    bundle.model !== spec.model.name || bundle.run.model.name !== spec.model.name
      ? `is for model "${bundle.run.model.name}", not "${spec.model.name}"`
      : bundle.headSha !== pull.headSha || bundle.run.git.commit !== pull.headSha
        ? `was made from commit ${(bundle.run.git.commit ?? 'none').slice(0, 7)}, not the pull request's head ${pull.headSha.slice(0, 7)}`
        : bundle.pullRequest !== null && bundle.pullRequest !== pull.number
          ? `belongs to pull request #${bundle.pullRequest}, not #${pull.number}`
          : undefined
  if (mismatch) throw new PromotionError(`the review artifact of run ${artifact.workflowRunId} ${mismatch}; refusing to promote it`)
  return { run: bundle.run, file: artifactPath, runFile: runPath, origin: 'reviewed', reviewedRunUrl }
}

async function retrainInstead(options: PromoteOnMergeOptions, pull: MergedPull): Promise<Candidate> {
  const run = await options.retrain()
  if (run.git.commit !== options.context.sha) {
    throw new PromotionError(`the retrained run ${run.id} is of commit ${(run.git.commit ?? 'none').slice(0, 7)}, not the merge commit ${options.context.sha.slice(0, 7)}`)
  }
  const file = (rel: string) => path.join(options.root, rel)
  for (const artifact of run.artifacts) {
    if (leavesWorkspace(artifact.path)) throw new PromotionError(`the retrained run names a model file outside the project: "${artifact.path}"`)
    const actual = await hashFile(file(artifact.path)).catch(() => undefined)
    if (actual !== artifact.sha256) throw new PromotionError(`model file "${artifact.path}" ${actual ? 'changed after' : 'is missing after'} retraining run ${run.id}`)
  }
  options.log.info(`retrained ${run.model.name} for pull request #${pull.number} (run ${run.id})`)
  return { run, file, runFile: (rel) => path.join(runsDir(options.root), run.id, rel), origin: 'retrained' }
}

async function dispatch(options: PromoteOnMergeOptions, payload: Record<string, string>): Promise<boolean> {
  const event = options.settings.dispatchEvent.trim()
  if (event === '' || event === 'none') return false
  const { owner, repo } = options.context
  try {
    await options.github.rest.repos.createDispatchEvent({ owner, repo, event_type: event, client_payload: payload })
    options.log.info(`sent repository_dispatch "${event}" for ${payload.model} ${payload.version}`)
    return true
  } catch (error) {
    // The release is out; a deploy workflow can still be started by hand.
    options.log.warning(`could not send repository_dispatch "${event}": ${describeHttpError(error)} (does the token have "contents: write"?)`)
    return false
  }
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw new PromotionError(`could not ${what}: ${describeHttpError(error)}`, { cause: error })
  }
}

/**
 * The PR run compared itself with the version in the stage when it ran; another merge may have
 * replaced that version since. Relative gates (max_drop, max_rise) are checked again against
 * the current holder, so a model never replaces a better one it was never compared with.
 */
function refuseIfBehindCurrent(spec: Spec, run: RunRecord, current: Manifest | undefined, stage: string): void {
  if (!current || current.version === run.gates.baseline?.version) return
  const files = [...new Set(Object.values(run.metrics).map((m) => m.file))]
  const verdict = evaluateGates(metricGates(spec), run.metrics, { version: current.version, stage, metrics: current.metrics }, files, stage)
  const failed = verdict.results.filter((r) => r.status === 'fail' && (r.rule === 'max_drop' || r.rule === 'max_rise'))
  if (failed.length > 0) {
    throw new PromotionError(`${run.model.name} was reviewed against ${run.gates.baseline ? `v${run.gates.baseline.version}` : 'no baseline'}, but "${stage}" now holds v${current.version}, and against it: ${failed.map((r) => `${r.metric} ${r.message}`).join('; ')}; refusing to promote (rerun the pull request's checks)`)
  }
}
