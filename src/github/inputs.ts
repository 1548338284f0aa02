import path from 'node:path'
import * as core from '@actions/core'

// Action inputs, read once into a typed settings object; nothing else reads INPUT_*.

export const ACTION_COMMANDS = ['validate', 'run', 'report'] as const

export interface ActionSettings {
  command: (typeof ACTION_COMMANDS)[number]
  /** Absolute path of the spec file. */
  specPath: string
  force: boolean
}

export function readActionSettings(): ActionSettings {
  const command = core.getInput('command') || 'run'
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    throw new Error(`input "command" must be one of ${ACTION_COMMANDS.join(', ')}; received "${command}"`)
  }
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
  const dir = path.resolve(workspace, core.getInput('working-directory') || '.')
  const specPath = path.resolve(dir, core.getInput('spec') || 'mlops.yml')
  // The spec and everything it names must stay inside the checked-out repository.
  if (path.relative(workspace, specPath).startsWith('..')) throw new Error(`spec "${specPath}" is outside the workspace "${workspace}"`)
  return { command: command as ActionSettings['command'], specPath, force: core.getInput('force').toLowerCase() === 'true' }
}
