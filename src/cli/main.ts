import { type CliSettings, HELP, parseCliArgs, UsageError } from './args.js'
import { inferCommand } from './commands/infer.js'
import { monitorCommand } from './commands/monitor.js'
import { initCommand } from './commands/init.js'
import { profileCommand } from './commands/profile.js'
import { planCommand } from './commands/plan.js'
import { promoteCommand } from './commands/promote.js'
import { reportCommand } from './commands/report.js'
import { rollbackCommand } from './commands/rollback.js'
import { runCommand } from './commands/run.js'
import { validateCommand } from './commands/validate.js'
import { versionsCommand } from './commands/versions.js'
import { exitCodeFor } from './exit-codes.js'

// The `mlops` command: parse argv once, run one command, map errors to exit codes. Only this
// file decides how the process ends.

const handlers: Record<CliSettings['command'], (settings: CliSettings) => Promise<number>> = {
  init: initCommand,
  validate: validateCommand,
  run: runCommand,
  report: reportCommand,
  promote: promoteCommand,
  versions: versionsCommand,
  rollback: rollbackCommand,
  profile: profileCommand,
  infer: inferCommand,
  monitor: monitorCommand,
  plan: planCommand,
  help: async () => {
    process.stdout.write(HELP)
    return 0
  },
}

async function main(argv: string[]): Promise<number> {
  try {
    const settings = parseCliArgs(argv)
    return await handlers[settings.command](settings)
  } catch (error) {
    const code = exitCodeFor(error)
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(error instanceof UsageError ? `mlops: ${message}\nRun "mlops help" for usage.\n` : `${code === 2 ? '' : 'mlops: '}${message}\n`)
    if (process.env.MLOPS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
    return code
  }
}

process.exitCode = await main(process.argv.slice(2))
