import path from 'node:path'
import * as core from '@actions/core'
import type { RunContext } from './context.js'

// Action inputs, read once into a typed settings object; nothing else reads INPUT_*.

export const ACTION_COMMANDS = ['auto', 'validate', 'run', 'report', 'promote', 'rollback', 'post-report', 'monitor', 'plan', 'job', 'gather'] as const
export type ActionCommand = (typeof ACTION_COMMANDS)[number]

export interface ActionSettings {
  command: ActionCommand
  /** Absolute path of the spec file; its directory is the project root. */
  specPath: string
  token: string
  force: boolean
  /** On merge, retrain when the reviewed artifact is missing or expired, instead of failing. */
  retrainIfMissing: boolean
  /** repository_dispatch event type sent after a promotion; empty for none. */
  dispatchEvent: string
  /** rollback: the version to move the stage to (default: the previous holder). */
  rollbackTo: string | undefined
  /** promote/rollback: the stage (default promote.stage). */
  stage: string | undefined
  /** post-report: the workflow run whose report artifact to post (default: the triggering run). */
  reportRunId: number | undefined
  /** Login the token comments as, for GitHub App tokens (which cannot ask who they are). */
  commentAuthor: string | undefined
  /** monitor: a data entry and the file to check for it instead of its spec path (workspace-relative). */
  monitorData: { name: string; path: string } | undefined
  /** monitor: labelled production predictions to gate (workspace-relative). */
  predictions: string | undefined
  /** monitor: or a metrics file a scoring job wrote from production data (workspace-relative). */
  metricsFile: string | undefined
  /** job: the id of the planned job to run (from the plan command's matrix outputs). */
  job: string | undefined
  /** monitor: the workflow file to start with workflow_dispatch on drift or degradation; undefined for none. */
  retrainWorkflow: string | undefined
}

export class InputError extends Error {
  override name = 'InputError'
}

export function readActionSettings(context: RunContext): ActionSettings {
  const command = input('command') ?? 'auto'
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    throw new InputError(`input "command" must be one of ${ACTION_COMMANDS.join(', ')}; received "${command}"`)
  }
  const dir = path.resolve(context.workspace, input('working-directory') ?? '.')
  const specPath = path.resolve(dir, input('spec') ?? 'mlops.yml')
  // The spec and everything it names must stay inside the checked-out repository.
  const rel = path.relative(context.workspace, specPath)
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new InputError(`spec "${specPath}" is outside the workspace "${context.workspace}"`)
  const token = input('github-token') ?? process.env.GITHUB_TOKEN ?? ''
  if (token) core.setSecret(token)
  const reportRunId = input('report-run-id')
  if (reportRunId !== undefined && !/^\d+$/.test(reportRunId)) throw new InputError(`input "report-run-id" must be a workflow run id; received "${reportRunId}"`)
  const dataPath = insideWorkspace(context.workspace, 'data-path')
  const dataName = input('data-name')
  if (dataPath !== undefined && dataName === undefined) throw new InputError('input "data-path" needs "data-name", the data entry it is a new file for')
  const retrainWorkflow = input('retrain-workflow')
  if (retrainWorkflow !== undefined && !/^[\w.-]+\.ya?ml$/.test(retrainWorkflow)) throw new InputError(`input "retrain-workflow" must be a workflow file name such as train.yml; received "${retrainWorkflow}"`)
  return {
    command: command as ActionCommand,
    specPath,
    token,
    force: flag('force'),
    retrainIfMissing: flag('retrain-if-missing'),
    dispatchEvent: input('dispatch-event') ?? 'mlops-promoted',
    rollbackTo: input('rollback-to')?.replace(/^v/, ''),
    stage: input('stage'),
    reportRunId: reportRunId === undefined ? undefined : Number(reportRunId),
    commentAuthor: input('comment-author'),
    monitorData: dataPath !== undefined && dataName !== undefined ? { name: dataName, path: dataPath } : undefined,
    predictions: insideWorkspace(context.workspace, 'predictions'),
    metricsFile: insideWorkspace(context.workspace, 'metrics-file'),
    retrainWorkflow,
    job: input('job'),
  }
}

/** A path input as an absolute path, refused when it leaves the checked-out repository. */
function insideWorkspace(workspace: string, name: string): string | undefined {
  const value = input(name)
  if (value === undefined) return undefined
  const abs = path.resolve(workspace, value)
  const rel = path.relative(workspace, abs)
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new InputError(`input "${name}" ("${value}") is outside the workspace "${workspace}"`)
  return abs
}

/** An empty input means absent. */
function input(name: string): string | undefined {
  return core.getInput(name).trim() || undefined
}

function flag(name: string): boolean {
  const value = input(name)?.toLowerCase()
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  throw new InputError(`input "${name}" must be true or false; received "${value}"`)
}
