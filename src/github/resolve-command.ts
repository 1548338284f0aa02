import type { Spec } from '../spec/schema.js'
import type { RunContext } from './context.js'
import type { ActionCommand } from './inputs.js'

// `command: auto` picks the work from the event, so one workflow file serves pull requests,
// merges and manual runs.

export type ResolvedCommand =
  | { kind: 'validate' | 'run' | 'report' | 'rollback' | 'post-report' | 'monitor' | 'plan' | 'job' }
  | { kind: 'gather'; onPullRequest: boolean }
  | { kind: 'pull-request' }
  | { kind: 'promote' }
  | { kind: 'skip'; reason: string }

export function resolveCommand(command: ActionCommand, context: RunContext, spec: Spec): ResolvedCommand {
  // pull_request_target runs with a write token on the base: running the PR's code there would
  // hand it that token, whatever command was asked for.
  if (context.eventName === 'pull_request_target' && command !== 'validate' && command !== 'post-report') {
    return { kind: 'skip', reason: 'pull_request_target runs with a write token; use pull_request plus a workflow_run workflow with command: post-report (see the README)' }
  }
  if (command !== 'auto') {
    if (command === 'run' && context.event.pull_request) return { kind: 'pull-request' }
    if (command === 'gather') return { kind: 'gather', onPullRequest: Boolean(context.event.pull_request) }
    return { kind: command }
  }
  const promoteBranch = `refs/heads/${spec.promote?.branch ?? 'main'}`
  switch (context.eventName) {
    case 'pull_request':
      return { kind: 'pull-request' }
    case 'push':
      if (spec.promote && context.ref === promoteBranch) return { kind: 'promote' }
      return { kind: 'run' }
    case 'workflow_run':
      return { kind: 'post-report' }
    case 'workflow_dispatch': {
      const requested = String(context.event.inputs?.command ?? 'run')
      if (!['validate', 'run', 'report', 'promote', 'rollback', 'monitor'].includes(requested)) return { kind: 'skip', reason: `workflow_dispatch input "command" must be validate, run, report, promote, rollback or monitor; received "${requested}"` }
      return { kind: requested as 'run' }
    }
    case 'schedule':
      // A scheduled run watches the production model; with nothing to promote there is none.
      return { kind: spec.promote ? 'monitor' : 'validate' }
    default:
      return { kind: 'run' }
  }
}
