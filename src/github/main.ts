import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import { formatDataResult } from '../data/format-data-result.js'
import { progressReporter } from '../data/scan/progress.js'
import { validateDeclaredData } from '../data/validate-declared.js'
import { gitRunOptions } from '../pipeline/dirty-files.js'
import { MAX_STAGE_LEVELS, planJobs } from '../pipeline/job-plan.js'
import { jobResultsExecutor } from '../pipeline/job-results.js'
import { runStageJob, runValidateJob } from '../pipeline/run-job.js'
import { type PipelineExecutor, runPipeline } from '../pipeline/run-pipeline.js'
import type { DataResult } from '../data/result.js'
import { downloadFolderArtifacts, uploadFolderArtifact } from './artifacts.js'
import type { RunRecord } from '../pipeline/run-record.js'
import { ignoreStateDir, readRunRecord, runsDir } from '../pipeline/run-store.js'
import type { Manifest } from '../registry/manifest.js'
import type { Registry } from '../registry/registry.js'
import { RegistryError } from '../registry/registry.js'
import { findRollbackTarget } from '../registry/rollback-target.js'
import { renderReport, renderVerdictLine } from '../report/render-report.js'
import { loadSpecFile } from '../spec/load-spec.js'
import type { Spec } from '../spec/schema.js'
import { annotateData, annotateDiagnostics } from './annotations.js'
import { dispatchRetraining, reportMonitorIssue } from './monitor-issue.js'
import { formatMonitor, monitorVerdict } from '../monitor/format-monitor.js'
import { runMonitor } from '../monitor/run-monitor.js'
import { resolveTokenIdentity } from './token-identity.js'
import { createGateCheckRun } from './check-run.js'
import { readRunContext, type RunContext } from './context.js'
import { createGitHubRegistry } from './github-registry.js'
import { type ActionSettings, readActionSettings } from './inputs.js'
import { createGitHubClient, describeHttpError, type GitHubClient } from './octokit.js'
import { postReportFromRun } from './post-report.js'
import { reportOnPullRequest } from './pr-report.js'
import { promoteOnMerge } from './promote-on-merge.js'
import { resolveCommand } from './resolve-command.js'

// The Action front end: the same engine as the CLI, with GitHub's outputs, annotations, job
// summary, PR comments and releases. The step fails from this one catch; nothing below calls
// setFailed.

/** GitHub keeps 1 MiB of job summary per step. */
const SUMMARY_LIMIT = 1024 * 1024 - 4096

interface Project {
  root: string
  spec: Spec
  specFile: string
  specSha256: string
}

interface Step {
  context: RunContext
  settings: ActionSettings
  project: Project
  github: GitHubClient | undefined
  registry: Registry | undefined
}

export async function runAction(): Promise<void> {
  try {
    const context = readRunContext()
    const settings = readActionSettings(context)
    const project = await loadProject(settings, context)
    const github = settings.token ? createGitHubClient({ token: settings.token, baseUrl: context.apiUrl, log: { debug: core.debug, info: core.info, warn: core.warning, error: core.error } }) : undefined
    const registry = github && createGitHubRegistry({ github, owner: context.owner, repo: context.repo })
    const step: Step = { context, settings, project, github, registry }
    const command = resolveCommand(settings.command, context, project.spec)
    switch (command.kind) {
      case 'skip':
        // Asked for by name, a refusal fails the step; under auto it only explains itself.
        if (settings.command !== 'auto') throw new Error(command.reason)
        core.warning(command.reason)
        core.setOutput('verdict', 'skip')
        return
      case 'validate':
        return await validate(step)
      case 'run':
        return await run(step, false)
      case 'pull-request':
        return await run(step, true)
      case 'report':
        return await report(step)
      case 'promote':
        return await promote(step)
      case 'rollback':
        return await rollback(step)
      case 'post-report':
        return await postReport(step)
      case 'monitor':
        return await monitor(step)
      case 'plan':
        return plan(step)
      case 'job':
        return await job(step)
      case 'gather':
        return await run(step, command.onPullRequest, await gatherJobs(step))
    }
  } catch (error) {
    core.setFailed(describeHttpError(error))
  }
}

async function loadProject(settings: ActionSettings, context: RunContext): Promise<Project> {
  const display = path.relative(context.workspace, settings.specPath).replaceAll('\\', '/')
  const loaded = await loadSpecFile(settings.specPath, display)
  annotateDiagnostics(loaded.diagnostics)
  if (!loaded.ok) throw new Error(`${display} has ${loaded.diagnostics.filter((d) => d.severity === 'error').length} error(s); see the annotations`)
  return { root: path.dirname(settings.specPath), spec: loaded.spec, specFile: path.basename(settings.specPath), specSha256: loaded.sha256 }
}

const workspacePath = (step: Step) => (p: string) => path.relative(step.context.workspace, path.join(step.project.root, p)).replaceAll('\\', '/')

async function validate(step: Step): Promise<void> {
  const checks = await validateDeclaredData(step.project.root, step.project.spec)
  const results = checks.flatMap((c) => ('result' in c ? [c.result] : []))
  for (const result of results) core.info(neutralizeCommands(formatDataResult(result)))
  annotateData(results, workspacePath(step))
  const failed = results.filter((r) => !r.passed)
  core.setOutput('verdict', failed.length ? 'fail' : 'pass')
  if (failed.length) throw new Error(`data checks failed: ${failed.map((r) => r.name).join(', ')}`)
}

async function findBaseline(step: Step): Promise<Manifest | undefined> {
  const { spec } = step.project
  if (!spec.promote || !step.registry) return undefined
  try {
    return await step.registry.findInStage(spec.model.name, spec.promote.stage)
  } catch (error) {
    // Comparing with nothing would let max_drop/max_rise pass unchecked.
    throw new Error(`could not read the "${spec.promote.stage}" model from the registry, so relative gates cannot be checked: ${describeHttpError(error)}`, { cause: error })
  }
}

async function runOnRunner(step: Step, baseline: Manifest | undefined, executor?: PipelineExecutor): Promise<RunRecord> {
  const { project, settings } = step
  await ignoreStateDir(project.root)
  const { record } = await runPipeline({
    root: project.root,
    spec: project.spec,
    specFile: project.specFile,
    specSha256: project.specSha256,
    ...(await gitRunOptions(project.root, project.spec, project.specFile)),
    baseline,
    ...(baseline && step.registry ? { baselineProfiles: { version: baseline.version, read: (data: string) => step.registry!.readProfile(baseline, data) } } : {}),
    // CI logs get a line every few seconds on long scans.
    onDataProgress: (data) => progressReporter(`checking ${data}`, { write: (text) => core.info(text.trimEnd()), tty: false }).update,
    force: settings.force,
    ...(executor ? { executor } : {}),
    env: stageEnvironment(process.env),
    logger: {
      stageLine: (stage, _stream, line) => core.info(`[${stage}] ${line}`),
      info: (message) => core.info(message),
      data: (result) => core.info(neutralizeCommands(formatDataResult(result))),
    },
  })
  annotateData(record.data, workspacePath(step))
  return record
}

async function writeReport(step: Step, record: RunRecord, baseline: Manifest | undefined): Promise<void> {
  const reportPath = path.join(runsDir(step.project.root), record.id, 'report.md')
  await mkdir(path.dirname(reportPath), { recursive: true })
  await writeFile(reportPath, renderReport({ run: record, baseline }))
  await core.summary.addRaw(renderReport({ run: record, baseline, maxLength: SUMMARY_LIMIT })).write()
  core.setOutput('verdict', record.status === 'succeeded' && record.gates.passed ? 'pass' : 'fail')
  core.setOutput('report-path', path.relative(step.context.workspace, reportPath).replaceAll('\\', '/'))
  core.setOutput('run-id', record.id)
}

async function run(step: Step, onPullRequest: boolean, executor?: PipelineExecutor): Promise<void> {
  const baseline = await findBaseline(step)
  const record = await runOnRunner(step, baseline, executor)
  await writeReport(step, record, baseline)
  if (!onPullRequest && step.github) {
    // PR runs get their check run from the PR report; other runs get one on their commit.
    await createGateCheckRun(step.github, { owner: step.context.owner, repo: step.context.repo, headSha: step.context.sha, model: record.model.name, record, baseline, detailsUrl: step.context.runUrl, log: core })
  }
  if (onPullRequest) {
    const result = await reportOnPullRequest({ github: step.github, token: step.settings.token, context: step.context, record, baseline, root: step.project.root, log: core, commentAuthor: step.settings.commentAuthor })
    if (result.kind === 'commented') core.setOutput('comment-url', result.commentUrl)
  }
  if (record.status !== 'succeeded' || !record.gates.passed) throw new Error(renderVerdictLine(record, { format: 'text' }))
}

async function report(step: Step): Promise<void> {
  const { record } = await readRunRecord(step.project.root, 'latest')
  await writeReport(step, record, await findBaseline(step))
}

function requireRegistry(step: Step): { github: GitHubClient; registry: Registry } {
  if (!step.github || !step.registry) throw new Error('this command needs a token: set the "github-token" input (the default is the workflow token)')
  return { github: step.github, registry: step.registry }
}

async function promote(step: Step): Promise<void> {
  const { github } = requireRegistry(step)
  const { spec } = step.project
  const branch = spec.promote?.branch ?? 'main'
  // Governance: a protected stage only ever receives what was merged into the promote branch.
  if (step.context.ref !== `refs/heads/${branch}`) throw new RegistryError(`promotion runs only on pushes to "${branch}" (promote.branch); this run is for "${step.context.ref}"`)
  const result = await promoteOnMerge({
    github,
    token: step.settings.token,
    context: step.context,
    spec,
    root: step.project.root,
    settings: { retrainIfMissing: step.settings.retrainIfMissing, dispatchEvent: step.settings.dispatchEvent, stage: step.settings.stage },
    retrain: async () => runOnRunner(step, await findBaseline(step)),
    log: core,
  })
  switch (result.kind) {
    case 'skipped':
      core.notice(result.reason)
      core.setOutput('verdict', 'skip')
      return
    case 'already':
    case 'promoted':
      core.setOutput('version', result.version)
      core.setOutput('tag', result.tag)
      core.setOutput('release-url', result.releaseUrl)
      core.setOutput('verdict', 'pass')
      await core.summary.addRaw(`### ${spec.model.name} v${result.version}\n\n${result.kind === 'already' ? 'Already promoted' : 'Promoted'}: [release](${result.releaseUrl}) · tag \`${result.tag}\`\n`).write()
  }
}

async function rollback(step: Step): Promise<void> {
  const { registry } = requireRegistry(step)
  const { spec } = step.project
  const stage = step.settings.stage ?? spec.promote?.stage ?? 'production'
  const target = step.settings.rollbackTo ?? (await findRollbackTarget(registry, spec.model.name, stage))
  const assignment = await registry.assign(spec.model.name, target, stage, { actor: step.context.actor })
  core.setOutput('version', assignment.version)
  core.setOutput('tag', assignment.tag)
  core.info(`${stage}: ${spec.model.name} v${assignment.version}${assignment.previous ? ` (was v${assignment.previous})` : ''}`)
}

async function postReport(step: Step): Promise<void> {
  const { github } = requireRegistry(step)
  const { reports } = await postReportFromRun({
    github,
    token: step.settings.token,
    context: step.context,
    runId: step.settings.reportRunId,
    log: core,
    commentAuthor: step.settings.commentAuthor,
    // The baseline comes from the trusted registry, never from the (possibly forged) artifact.
    resolveBaseline: () => findBaseline(step),
  })
  const refused = reports.filter((r) => r.kind === 'refused')
  if (refused.length > 0) throw new Error(`refused to post ${refused.length} report(s): ${refused.map((r) => r.reason).join('; ')}`)
}

// The reusable workflow's jobs (.github/workflows/pipeline.yml): plan → job (per data shard,
// then per stage, level by level) → gather (the report job). Each job's results travel as one
// artifact, mlops-job-<id>; a job downloads exactly the artifacts of the jobs it reads from.

const jobArtifact = (id: string) => `mlops-job-${id}`
const jobsDir = (step: Step) => path.join(step.project.root, '.mlops', 'jobs')

/** Matrix JSON for the workflow: validate, and stages-1 … stages-4 (an empty list skips the level). */
function plan(step: Step): void {
  const { plan: jobs } = planJobs(step.project.spec)
  core.setOutput('validate', JSON.stringify(jobs.validate.map((j) => ({ job: j.job }))))
  for (let level = 1; level <= MAX_STAGE_LEVELS; level++) {
    core.setOutput(`stages-${level}`, JSON.stringify((jobs.levels[level - 1] ?? []).map((j) => ({ job: j.job, 'runs-on': j['runs-on'], 'timeout-minutes': j['timeout-minutes'] }))))
  }
  const count = jobs.validate.length + jobs.levels.reduce((n, l) => n + l.length, 0)
  core.info(`${count} jobs: ${jobs.validate.length} data, ${jobs.levels.map((l, i) => `level ${i + 1}: ${l.length}`).join(', ')}${jobs.sweep ? `; sweep of ${jobs.sweep.stage}: ${jobs.sweep.combos.length} combinations` : ''}`)
}

async function job(step: Step): Promise<void> {
  const id = step.settings.job
  if (!id) throw new Error('command "job" needs the "job" input: the job id from the plan command\'s matrix')
  const { spec, root } = step.project
  const { plan: jobs } = planJobs(spec)
  const out = path.join(jobsDir(step), 'out', id)
  await ignoreStateDir(root)
  const logger = { stageLine: (stage: string, _stream: string, line: string) => core.info(`[${stage}] ${line}`), info: (message: string) => core.info(message), data: (result: DataResult) => core.info(neutralizeCommands(formatDataResult(result))) }
  const validateJob = jobs.validate.find((j) => j.job === id)
  if (validateJob) {
    await runValidateJob(root, spec, validateJob, out, logger)
    await uploadFolderArtifact(jobArtifact(id), out)
    return
  }
  const stageJob = jobs.levels.flat().find((j) => j.job === id)
  if (!stageJob) throw new Error(`no job "${id}" in the plan of ${step.project.specFile}`)
  const store = path.join(jobsDir(step), 'in')
  const reads = [...jobs.validate.filter((j) => stageJob.data.includes(j.data)).map((j) => j.job), ...stageJob.needs]
  await downloadFolderArtifacts(reads.map(jobArtifact), (name) => path.join(store, name.slice(jobArtifact('').length)))
  const record = await runStageJob({ root, spec, plan: jobs, job: stageJob, store, out, env: stageEnvironment(process.env), runId: `${step.context.runId}-${id}`, logger })
  await uploadFolderArtifact(jobArtifact(id), out)
  if (record.status !== 'succeeded') throw new Error(`${id}: ${record.status}${record.reason ? `: ${record.reason}` : ''}`)
}

/** Downloads every job's results for the report job. */
async function gatherJobs(step: Step): Promise<PipelineExecutor> {
  const { plan: jobs } = planJobs(step.project.spec)
  const store = path.join(jobsDir(step), 'in')
  const ids = [...jobs.validate, ...jobs.levels.flat()].map((j) => j.job)
  const missing = await downloadFolderArtifacts(ids.map(jobArtifact), (name) => path.join(store, name.slice(jobArtifact('').length)))
  if (missing.length > 0) core.warning(`no results from ${missing.length} job(s): ${missing.join(', ')}; the report shows them as failed`)
  return jobResultsExecutor(store, step.project.spec)
}

/**
 * Training code and its dependencies need no credentials of ours: the API token, the artifact
 * service's runtime token and the OIDC request token stay with the action.
 */
export function stageEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const secret = /^(INPUT_.*|GITHUB_TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL|ACTIONS_ID_TOKEN_REQUEST_.*|ACTIONS_CACHE_URL)$/i
  return Object.fromEntries(Object.entries(env).filter(([name]) => !secret.test(name)))
}

/** Data-derived text (column names, values) must not start a runner command such as `::stop-commands::`. */
export function neutralizeCommands(text: string): string {
  return text.replace(/^(\s*)::/gm, '$1: :')
}

/**
 * The scheduled check: the spec's data (or data-path) against the production version's stored
 * profile, and labelled predictions against its gates; the findings go into one issue per
 * model, and optionally start the training workflow. Needs issues: write (actions: write to
 * dispatch); the verdict output is drift, degraded or pass.
 */
async function monitor(step: Step): Promise<void> {
  const { github, registry } = requireRegistry(step)
  const { project, settings, context } = step
  const { spec, root } = project
  const production = await findBaseline(step)
  if (!production) throw new Error(`no version of ${spec.model.name} is in "${spec.promote?.stage ?? 'production'}" yet: there is nothing to monitor (is there a promote section?)`)
  const rel = (abs: string) => path.relative(root, abs)
  if (settings.monitorData && !Object.hasOwn(spec.data, settings.monitorData.name)) throw new Error(`input "data-name": "${settings.monitorData.name}" is not a data entry of ${project.specFile}`)
  if (settings.predictions && !spec.evaluation) throw new Error(`input "predictions" needs an evaluation: section in ${project.specFile}`)
  const result = await runMonitor({
    root,
    spec,
    production,
    readProfile: (data) => registry.readProfile(production, data),
    ...(settings.monitorData ? { paths: { [settings.monitorData.name]: rel(settings.monitorData.path) } } : {}),
    ...(settings.predictions ? { predictions: rel(settings.predictions) } : settings.metricsFile ? { metricsFile: rel(settings.metricsFile) } : {}),
    onProgress: (data) => progressReporter(`checking ${data}`, { write: (text) => core.info(text.trimEnd()), tty: false }).update,
  })
  core.info(neutralizeCommands(formatMonitor(result)))
  const identity = await resolveTokenIdentity(github, { override: settings.commentAuthor })
  const issue = await reportMonitorIssue(github, { owner: context.owner, repo: context.repo, model: spec.model.name, author: identity.login }, result, { runUrl: context.runUrl })
  if (issue.url) core.setOutput('issue-url', issue.url)
  const found = result.drifted || result.degraded || result.problems.length > 0
  core.setOutput('verdict', result.drifted ? 'drift' : result.degraded ? 'degraded' : found ? 'fail' : 'pass')
  if (found && settings.retrainWorkflow) {
    const reason = monitorVerdict(result)
    await dispatchRetraining(github, { owner: context.owner, repo: context.repo, workflow: settings.retrainWorkflow, ref: spec.promote?.branch ?? 'main' }, spec.model.name, reason)
    core.info(`started ${settings.retrainWorkflow} for ${spec.model.name}: ${reason}`)
  }
  // Drift is a finding, not a broken step: the issue carries it; unreadable input fails the step.
  if (result.problems.length > 0) throw new Error(`monitoring could not read its input: ${result.problems[0]}`)
}
