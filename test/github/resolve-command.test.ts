import { describe, expect, it } from 'vitest'
import type { RunContext } from '../../src/github/context.js'
import { neutralizeCommands, stageEnvironment } from '../../src/github/main.js'
import { resolveCommand } from '../../src/github/resolve-command.js'
import { buildRunContext, buildSpec } from '../builders.js'

const spec = buildSpec({ promote: { branch: 'main' } })
const context = (eventName: string, extra: Partial<RunContext> = {}): RunContext => buildRunContext({ eventName, event: {}, ref: 'refs/heads/main', ...extra })

describe('resolveCommand', () => {
  it('picks the work from the event under auto', () => {
    expect(resolveCommand('auto', context('pull_request'), spec).kind).toBe('pull-request')
    expect(resolveCommand('auto', context('push'), spec).kind).toBe('promote')
    expect(resolveCommand('auto', context('push', { ref: 'refs/heads/feature' }), spec).kind).toBe('run')
    expect(resolveCommand('auto', context('workflow_run'), spec).kind).toBe('post-report')
    expect(resolveCommand('auto', context('schedule'), spec).kind).toBe('monitor')
    expect(resolveCommand('auto', context('schedule'), { ...spec, promote: undefined }).kind).toBe('validate')
    expect(resolveCommand('auto', context('workflow_dispatch', { event: { inputs: { command: 'rollback' } } }), spec).kind).toBe('rollback')
    expect(resolveCommand('auto', context('workflow_dispatch', { event: { inputs: { command: 'rm -rf /' } } }), spec).kind).toBe('skip')
  })

  it('never runs or promotes on pull_request_target, even when asked by name', () => {
    for (const command of ['auto', 'run', 'promote', 'report', 'rollback'] as const) {
      expect(resolveCommand(command, context('pull_request_target'), spec).kind).toBe('skip')
    }
    expect(resolveCommand('post-report', context('pull_request_target'), spec).kind).toBe('post-report')
  })
})

describe('stage environment and logs', () => {
  it('keeps tokens away from stage commands', () => {
    const env = stageEnvironment({ PATH: '/bin', 'INPUT_GITHUB-TOKEN': 's', GITHUB_TOKEN: 's', ACTIONS_RUNTIME_TOKEN: 's', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 's', GITHUB_SHA: 'abc' })
    expect(env).toEqual({ PATH: '/bin', GITHUB_SHA: 'abc' })
  })

  it('stops data text from starting a workflow command', () => {
    expect(neutralizeCommands('✗ data\n  ::stop-commands::x\n::warning::y')).toBe('✗ data\n  : :stop-commands::x\n: :warning::y')
  })
})
